//! The per-cluster engine lock: a `coordination.k8s.io/v1` Lease `<cluster>-engine-lock` in
//! the cluster's namespace, held by whoever runs an engine operation that writes (the command
//! line's changing commands, the operator's reconciliations), so that two of them never
//! change one cluster at the same time.
//!
//! [`acquire`] creates the Lease, or takes it over when it is free (no holder), expired
//! (`renewTime + leaseDurationSeconds` in the past) or already held by the same holder. Every
//! write is optimistic: create fails if the Lease exists and replace carries the
//! `resourceVersion` that was read, so of two runs racing for it exactly one wins. A Lease
//! held by someone else and live is [`LockHeld`]: who, since when, for which operation
//! (annotation [`OPERATION_ANNOTATION`]), and when it expires.
//!
//! The [`LockGuard`] renews the Lease every third of its duration in a background task;
//! [`LockGuard::release`] deletes it (only if it is still the version this guard wrote).
//! Dropping the guard without releasing only stops renewing: the Lease expires by itself.
//!
//! The Lease is bookkeeping, not a change of the cluster: it is written without a
//! [`super::act::Confirmed`] (a dry run takes no lock).

use super::errors::{ApiError, classify};
use super::view::KubeReader;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{Api, DeleteParams, ObjectMeta, PostParams, Preconditions};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a Lease lives without renewal, in seconds.
pub const LEASE_DURATION_SECONDS: i32 = 30;
/// The annotation on the Lease naming the operation its holder runs.
pub const OPERATION_ANNOTATION: &str = "ozone.apache.org/operation";
/// How many times [`acquire`] reads and writes again after losing a race.
const ATTEMPTS: usize = 3;

/// The Lease's name for `cluster`: `<cluster>-engine-lock` (a cluster name is a DNS label of
/// at most 63 characters, so this stays far below the 253 an object name may have).
pub fn lease_name(cluster: &str) -> String {
    format!("{cluster}-engine-lock")
}

/// The lock is held by another run, which is still renewing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHeld {
    /// The cluster.
    pub cluster: String,
    /// The namespace.
    pub namespace: String,
    /// The Lease's name.
    pub lease: String,
    /// Its `holderIdentity`.
    pub holder: String,
    /// The operation the holder named, if any.
    pub operation: Option<String>,
    /// Its `acquireTime`, RFC 3339.
    pub since: Option<String>,
    /// When it expires unless renewed, RFC 3339.
    pub expires: String,
}

impl fmt::Display for LockHeld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Ozone cluster {} in namespace {} is busy: {} holds its engine lock (Lease {})",
            self.cluster, self.namespace, self.holder, self.lease
        )?;
        if let Some(since) = &self.since {
            write!(f, " since {since}")?;
        }
        if let Some(op) = &self.operation {
            write!(f, " for `{op}`")?;
        }
        write!(
            f,
            "; it expires at {} unless that run renews it. Nothing was changed; try again when it is done",
            self.expires
        )
    }
}

impl std::error::Error for LockHeld {}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone else holds it.
    #[error(transparent)]
    Held(#[from] LockHeld),
    /// Others kept taking it between this run's read and write.
    #[error(
        "could not take the engine lock (Lease {lease} in namespace {namespace}): other runs changed it {ATTEMPTS} times while this one tried"
    )]
    Contended {
        /// The Lease's name.
        lease: String,
        /// The namespace.
        namespace: String,
    },
    /// The API server refused or failed.
    #[error("the engine lock (Lease {lease}): {source}")]
    Api {
        /// The Lease's name.
        lease: String,
        /// The failure.
        #[source]
        source: ApiError,
    },
}

/// A held lock: renewed in the background until [`LockGuard::release`] or drop.
pub struct LockGuard {
    api: Api<Lease>,
    name: String,
    namespace: String,
    holder: String,
    current: Arc<Mutex<Lease>>,
    lost: Arc<AtomicBool>,
    renewal: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard")
            .field("lease", &self.name)
            .field("namespace", &self.namespace)
            .field("holder", &self.holder)
            .finish()
    }
}

fn now() -> MicroTime {
    MicroTime(Timestamp::now())
}

/// When a Lease expires: its last renewal (or acquisition) plus its duration.
pub fn expires_at(lease: &Lease) -> Option<Timestamp> {
    let spec = lease.spec.as_ref()?;
    let last = spec.renew_time.as_ref().or(spec.acquire_time.as_ref())?.0;
    let seconds = spec
        .lease_duration_seconds
        .unwrap_or(LEASE_DURATION_SECONDS);
    last.checked_add(SignedDuration::from_secs(i64::from(seconds)))
        .ok()
}

/// The holder of a live Lease other than `holder`, as [`LockHeld`]; `None` when `holder` may
/// take it (free, expired, or its own).
fn held_by_other(lease: &Lease, holder: &str, at: Timestamp, cluster: &str) -> Option<LockHeld> {
    let spec = lease.spec.as_ref()?;
    let current = spec.holder_identity.as_deref().filter(|h| !h.is_empty())?;
    if current == holder {
        return None;
    }
    let expires = expires_at(lease)?;
    if expires <= at {
        return None;
    }
    Some(LockHeld {
        cluster: cluster.to_owned(),
        namespace: lease.metadata.namespace.clone().unwrap_or_default(),
        lease: lease.metadata.name.clone().unwrap_or_default(),
        holder: current.to_owned(),
        operation: lease
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(OPERATION_ANNOTATION))
            .cloned(),
        since: spec.acquire_time.as_ref().map(|t| t.0.to_string()),
        expires: expires.to_string(),
    })
}

/// `lease` held by `holder` for `operation` from now on.
fn taken(mut lease: Lease, holder: &str, operation: &str) -> Lease {
    let at = now();
    let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
    let previous = spec.holder_identity.as_deref().filter(|h| !h.is_empty());
    if previous != Some(holder) {
        // A transition is a change from one holder to another, as client-go counts them.
        let transitions = spec.lease_transitions.unwrap_or(0);
        spec.lease_transitions = Some(transitions + i32::from(previous.is_some()));
        spec.acquire_time = Some(at.clone());
    }
    spec.holder_identity = Some(holder.to_owned());
    spec.lease_duration_seconds = Some(LEASE_DURATION_SECONDS);
    spec.renew_time = Some(at);
    lease
        .metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert(OPERATION_ANNOTATION.to_owned(), operation.to_owned());
    lease
}

/// Takes the engine lock of `cluster` in the reader's namespace for `holder` (who, e.g.
/// `kubectl-ozone/jane@laptop/4711` or the operator's pod), running `operation` (shown to
/// whoever finds it held).
pub async fn acquire(
    kube: &KubeReader,
    cluster: &str,
    holder: String,
    operation: &str,
) -> Result<LockGuard, LockError> {
    let namespace = kube.namespace().to_owned();
    let name = lease_name(cluster);
    let api: Api<Lease> = Api::namespaced(kube.client().clone(), &namespace);
    let failed = |e: kube::Error, verb: &'static str| LockError::Api {
        lease: name.clone(),
        source: classify(e, verb, "leases.coordination.k8s.io", &namespace),
    };
    for _ in 0..ATTEMPTS {
        let fresh = Lease {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some(namespace.clone()),
                ..ObjectMeta::default()
            },
            spec: None,
        };
        let created = api
            .create(&PostParams::default(), &taken(fresh, &holder, operation))
            .await;
        let lease = match created {
            Ok(lease) => lease,
            Err(kube::Error::Api(s)) if s.code == 409 => {
                let Some(current) = api.get_opt(&name).await.map_err(|e| failed(e, "get"))? else {
                    // Released between the create and the read: create again.
                    continue;
                };
                if let Some(held) = held_by_other(&current, &holder, Timestamp::now(), cluster) {
                    return Err(held.into());
                }
                match api
                    .replace(
                        &name,
                        &PostParams::default(),
                        &taken(current, &holder, operation),
                    )
                    .await
                {
                    Ok(lease) => lease,
                    // Someone else wrote it since the read: look again.
                    Err(kube::Error::Api(s)) if s.code == 409 || s.code == 404 => continue,
                    Err(e) => return Err(failed(e, "update")),
                }
            }
            Err(e) => return Err(failed(e, "create")),
        };
        return Ok(LockGuard::start(api, name, namespace, holder, lease));
    }
    Err(LockError::Contended {
        lease: name,
        namespace,
    })
}

impl LockGuard {
    fn start(
        api: Api<Lease>,
        name: String,
        namespace: String,
        holder: String,
        lease: Lease,
    ) -> LockGuard {
        let current = Arc::new(Mutex::new(lease));
        let lost = Arc::new(AtomicBool::new(false));
        let renewal = tokio::spawn(renew(
            api.clone(),
            name.clone(),
            holder.clone(),
            current.clone(),
            lost.clone(),
        ));
        LockGuard {
            api,
            name,
            namespace,
            holder,
            current,
            lost,
            renewal,
        }
    }

    /// The holder identity.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The Lease's name.
    pub fn lease(&self) -> &str {
        &self.name
    }

    /// Whether a renewal found the Lease taken by someone else (it had expired, e.g. while
    /// this process was suspended): the run no longer holds the lock.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Stops renewing and deletes the Lease, if it is still the version this guard last
    /// wrote or read as its own (a Lease taken over since is left to its new holder).
    pub async fn release(self) -> Result<(), ApiError> {
        self.renewal.abort();
        if self.is_lost() {
            return Ok(());
        }
        for _ in 0..2 {
            let version = self
                .current
                .lock()
                .map(|l| l.metadata.resource_version.clone())
                .unwrap_or_default();
            let params = DeleteParams {
                preconditions: Some(Preconditions {
                    resource_version: version,
                    uid: None,
                }),
                ..DeleteParams::default()
            };
            match self.api.delete(&self.name, &params).await {
                Ok(_) => return Ok(()),
                Err(kube::Error::Api(s)) if s.code == 404 => return Ok(()),
                Err(kube::Error::Api(s)) if s.code == 409 => {
                    // A renewal in flight when the task stopped: delete that version if it is
                    // still ours.
                    match self.api.get_opt(&self.name).await {
                        Ok(Some(l)) if holder_of(&l) == Some(self.holder.as_str()) => {
                            if let Ok(mut c) = self.current.lock() {
                                *c = l;
                            }
                        }
                        _ => return Ok(()),
                    }
                }
                Err(e) => {
                    return Err(classify(
                        e,
                        "delete",
                        "leases.coordination.k8s.io",
                        &self.namespace,
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

fn holder_of(lease: &Lease) -> Option<&str> {
    lease.spec.as_ref()?.holder_identity.as_deref()
}

/// The renewal loop: every third of the duration, the Lease's `renewTime` set to now with the
/// last known `resourceVersion`. A conflict re-reads it: still ours, try again; someone
/// else's, the lock is lost and renewal stops. Other failures are retried at the next tick
/// (the Lease outlives two missed renewals).
async fn renew(
    api: Api<Lease>,
    name: String,
    holder: String,
    current: Arc<Mutex<Lease>>,
    lost: Arc<AtomicBool>,
) {
    let every = Duration::from_secs((LEASE_DURATION_SECONDS / 3) as u64);
    loop {
        tokio::time::sleep(every).await;
        let Ok(mut next) = current.lock().map(|l| l.clone()) else {
            return;
        };
        if let Some(spec) = next.spec.as_mut() {
            spec.renew_time = Some(now());
        }
        match api.replace(&name, &PostParams::default(), &next).await {
            Ok(lease) => {
                if let Ok(mut c) = current.lock() {
                    *c = lease;
                }
            }
            Err(kube::Error::Api(s)) if s.code == 409 || s.code == 404 => {
                match api.get_opt(&name).await {
                    Ok(Some(l)) if holder_of(&l) == Some(holder.as_str()) => {
                        if let Ok(mut c) = current.lock() {
                            *c = l;
                        }
                    }
                    Ok(_) => {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    Err(_) => {}
                }
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests;
