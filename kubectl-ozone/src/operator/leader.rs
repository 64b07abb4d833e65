//! Leader election over a `coordination.k8s.io/v1` Lease (`--leader-elect`): one replica
//! reconciles, the others wait. Only `create`, `get` and `update` are used (the verbs the
//! operator's Role grants); `update` carries the `resourceVersion` read, so two replicas racing
//! for an expired Lease cannot both win.
//!
//! Draft: the leader gives up by exiting (the pod restarts and waits as a follower); it does
//! not release the Lease on SIGTERM, so a rolling update waits up to one lease duration.

use anyhow::{Context, Result, bail};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{Api, ObjectMeta, PostParams};
use std::time::Duration;

/// The Lease's name.
pub const LEASE_NAME: &str = "ozone-operator";

/// How the election runs.
#[derive(Clone, Debug)]
pub struct Election {
    /// This replica (`$POD_NAME`).
    pub identity: String,
    /// How long a Lease not renewed stays its holder's.
    pub lease_duration: Duration,
    /// How often the holder renews, and a follower tries.
    pub retry: Duration,
}

impl Election {
    /// The defaults of client-go's leader election, roughly: 15 s leases renewed every 5 s.
    pub fn new(identity: String) -> Election {
        Election {
            identity,
            lease_duration: Duration::from_secs(15),
            retry: Duration::from_secs(5),
        }
    }
}

/// Whether `identity` may take or keep `lease` at `now`: no holder, itself, or a holder that
/// did not renew within its lease duration.
pub fn may_hold(lease: Option<&Lease>, identity: &str, now: Timestamp) -> bool {
    let Some(spec) = lease.and_then(|l| l.spec.as_ref()) else {
        return true;
    };
    match spec.holder_identity.as_deref() {
        None | Some("") => return true,
        Some(holder) if holder == identity => return true,
        Some(_) => {}
    }
    let seconds = i64::from(spec.lease_duration_seconds.unwrap_or(15));
    match &spec.renew_time {
        Some(MicroTime(renewed)) => *renewed + SignedDuration::from_secs(seconds) < now,
        None => true,
    }
}

/// The Lease as `identity` holding it from `now` (keeping `acquireTime` on a renewal).
pub fn held(lease: Option<&Lease>, e: &Election, namespace: &str, now: Timestamp) -> Lease {
    let previous = lease.and_then(|l| l.spec.clone()).unwrap_or_default();
    let renewal = previous.holder_identity.as_deref() == Some(e.identity.as_str());
    let transitions = previous.lease_transitions.unwrap_or(0) + i32::from(!renewal);
    Lease {
        metadata: ObjectMeta {
            name: Some(LEASE_NAME.to_owned()),
            namespace: Some(namespace.to_owned()),
            resource_version: lease.and_then(|l| l.metadata.resource_version.clone()),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(e.identity.clone()),
            lease_duration_seconds: Some(e.lease_duration.as_secs() as i32),
            acquire_time: if renewal {
                previous.acquire_time
            } else {
                Some(MicroTime(now))
            },
            renew_time: Some(MicroTime(now)),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }),
    }
}

/// One attempt to take or keep the Lease; `Ok(true)` when this replica holds it.
async fn try_hold(api: &Api<Lease>, e: &Election, namespace: &str) -> Result<bool> {
    let current = api.get_opt(LEASE_NAME).await?;
    let now = Timestamp::now();
    if !may_hold(current.as_ref(), &e.identity, now) {
        return Ok(false);
    }
    let lease = held(current.as_ref(), e, namespace, now);
    let written = match current {
        None => api.create(&PostParams::default(), &lease).await,
        Some(_) => {
            api.replace(LEASE_NAME, &PostParams::default(), &lease)
                .await
        }
    };
    match written {
        Ok(_) => Ok(true),
        // Another replica was faster (create: AlreadyExists; update: Conflict).
        Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Waits until this replica holds the Lease.
pub async fn acquire(api: &Api<Lease>, e: &Election, namespace: &str) -> Result<()> {
    loop {
        match try_hold(api, e, namespace).await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(err) => super::log::warn("", &format!("leader election: {err:#}")),
        }
        tokio::time::sleep(e.retry).await;
    }
}

/// Gives the Lease up on a clean shutdown (SIGTERM during a rollout), so that another replica
/// takes over at once instead of after the lease duration. Best effort: a failure only means
/// the follower waits for the Lease to expire.
pub async fn release(api: &Api<Lease>, e: &Election) -> Result<()> {
    let Some(mut lease) = api.get_opt(LEASE_NAME).await? else {
        return Ok(());
    };
    let Some(spec) = lease.spec.as_mut() else {
        return Ok(());
    };
    if spec.holder_identity.as_deref() != Some(e.identity.as_str()) {
        return Ok(());
    }
    spec.holder_identity = None;
    spec.renew_time = None;
    // A replace carries the resourceVersion read: a Lease taken meanwhile is left alone.
    api.replace(LEASE_NAME, &PostParams::default(), &lease)
        .await?;
    Ok(())
}

/// Renews the Lease until it is lost; returns the reason as an error (the caller exits, so
/// that two replicas never reconcile at once).
pub async fn keep(api: &Api<Lease>, e: &Election, namespace: &str) -> Result<()> {
    let mut last_renewal = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(e.retry).await;
        match try_hold(api, e, namespace).await {
            Ok(true) => last_renewal = tokio::time::Instant::now(),
            Ok(false) => bail!("leader election: the Lease {namespace}/{LEASE_NAME} was taken"),
            Err(err) if last_renewal.elapsed() < e.lease_duration => {
                super::log::warn(
                    "",
                    &format!("leader election: renewal failed, retrying: {err:#}"),
                );
            }
            Err(err) => {
                return Err(err).context(format!(
                    "leader election: the Lease {namespace}/{LEASE_NAME} was not renewed in time"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: &str, renewed: Timestamp) -> Lease {
        Lease {
            metadata: ObjectMeta::default(),
            spec: Some(LeaseSpec {
                holder_identity: Some(holder.into()),
                lease_duration_seconds: Some(15),
                renew_time: Some(MicroTime(renewed)),
                lease_transitions: Some(2),
                ..LeaseSpec::default()
            }),
        }
    }

    #[test]
    fn a_lease_is_taken_when_free_own_or_expired() {
        let now = Timestamp::UNIX_EPOCH + SignedDuration::from_secs(1_000_000);
        assert!(may_hold(None, "a", now));
        assert!(may_hold(Some(&lease("a", now)), "a", now));
        assert!(!may_hold(Some(&lease("b", now)), "a", now));
        let stale = now - SignedDuration::from_secs(16);
        assert!(may_hold(Some(&lease("b", stale)), "a", now));
    }

    #[test]
    fn taking_over_counts_a_transition_and_renewing_keeps_the_acquire_time() {
        let now = Timestamp::UNIX_EPOCH + SignedDuration::from_secs(1_000_000);
        let e = Election::new("a".into());
        let taken = held(Some(&lease("b", now)), &e, "ozone-system", now);
        let spec = taken.spec.clone().expect("spec");
        assert_eq!(spec.holder_identity.as_deref(), Some("a"));
        assert_eq!(spec.lease_transitions, Some(3));
        assert_eq!(spec.acquire_time, Some(MicroTime(now)));
        let later = now + SignedDuration::from_secs(5);
        let renewed = held(Some(&taken), &e, "ozone-system", later);
        let spec = renewed.spec.expect("spec");
        assert_eq!(spec.lease_transitions, Some(3));
        assert_eq!(spec.acquire_time, Some(MicroTime(now)));
        assert_eq!(spec.renew_time, Some(MicroTime(later)));
    }
}
