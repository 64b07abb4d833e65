//! One reconcile pass over an `OzoneCluster`: observe → validate (the parser and resolve of
//! `render -f`) → paused? → plan with the engine → at most one stage → status, written only
//! when it changed → requeue.
//!
//! [`decide`] holds everything up to the stage and writes nothing, so it runs against
//! `ozone_engine::testing::FakeCluster`; [`reconcile`] adds the writes to the custom resource
//! (status subresource, Events) and the stage.

use super::events::PassEvents;
use super::status::{self, Outcome, needs_write, next_status};
use super::work::{
    self, Decision, FINALIZER, Options, RESTART_ANNOTATION, ROTATE_CERTS_ANNOTATION, Switches,
    Work, decide, pending,
};
use kube::api::{Api, Patch, PatchParams};
use kube::core::{ApiResource, DynamicObject};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder};
use kube::{Resource, ResourceExt};
use ozone_engine::change::apply::ApplyOptions;
use ozone_engine::change::datanodes::Safety;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::lock::{self, LockError};
use ozone_engine::cluster::ws::WsExec;
use ozone_engine::plan::rotation::Skips;
use ozone_generator::crd::{GROUP, PLURAL, VERSION};
use ozone_generator::spec::doc::{API_VERSION, KIND};
use ozone_generator::spec::status::OzoneClusterStatus;
use ozone_generator::spec::{Cluster, Inputs, SpecError, resolve};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The field manager of every write the operator makes: the engine's server-side applies
/// and the status subresource.
pub const FIELD_MANAGER: &str = "ozone-operator";

/// The `OzoneCluster` kind as a dynamic resource (no second copy of the spec types: the
/// object's `spec` is parsed by the generator's strict parser).
pub fn api_resource() -> ApiResource {
    ApiResource {
        group: GROUP.to_owned(),
        version: VERSION.to_owned(),
        api_version: API_VERSION.to_owned(),
        kind: KIND.to_owned(),
        plural: PLURAL.to_owned(),
    }
}

/// How long until the next pass.
#[derive(Clone, Debug)]
pub struct Timing {
    /// After a stage ran: plan the next one soon.
    pub after_stage: Duration,
    /// Settled but pods not ready yet.
    pub not_ready: Duration,
    /// Settled and ready: a periodic resync (drift from other writers).
    pub settled: Duration,
    /// Paused or refused: look again now and then (the spec change wakes us anyway).
    pub idle: Duration,
    /// After an error.
    pub error: Duration,
    /// Poll interval of the engine's waits.
    pub poll_interval: Duration,
    /// The longest one stage may wait before it gives up (the next pass resumes it).
    pub stage_timeout: Duration,
    /// Managed leaf certificates are rotated when they expire within this.
    pub renew_before: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            after_stage: Duration::from_secs(2),
            not_ready: Duration::from_secs(15),
            settled: Duration::from_secs(300),
            idle: Duration::from_secs(300),
            error: Duration::from_secs(30),
            poll_interval: Duration::from_secs(10),
            stage_timeout: Duration::from_secs(30 * 60),
            renew_before: Duration::from_secs(30 * 86_400),
        }
    }
}

/// Counters served on `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Passes started.
    pub reconciles: AtomicU64,
    /// Passes that returned an error.
    pub errors: AtomicU64,
    /// Stages run.
    pub stages: AtomicU64,
    /// Status writes.
    pub status_writes: AtomicU64,
    /// Every request that changes something on the API server (not a read, not a dry run,
    /// not an exec), counted by the client itself.
    pub writes: AtomicU64,
    /// Passes finished, and their durations (histogram buckets in seconds).
    pub durations: Durations,
}

/// A Prometheus histogram of pass durations.
#[derive(Debug, Default)]
pub struct Durations {
    /// Passes at or under each of [`BUCKETS`].
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// Upper bounds of the duration buckets, in seconds.
pub const BUCKETS: [f64; 8] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 60.0];

impl Metrics {
    /// Counts a finished pass.
    pub fn observe_pass(&self, took: Duration) {
        let d = &self.durations;
        for (bound, bucket) in BUCKETS.iter().zip(&d.buckets) {
            if took.as_secs_f64() <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        d.count.fetch_add(1, Ordering::Relaxed);
        d.sum_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// The counters in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, help, v) in [
            (
                "ozone_operator_reconciles_total",
                "Reconcile passes started.",
                &self.reconciles,
            ),
            (
                "ozone_operator_reconcile_errors_total",
                "Reconcile passes that failed.",
                &self.errors,
            ),
            (
                "ozone_operator_stages_total",
                "Apply stages run.",
                &self.stages,
            ),
            (
                "ozone_operator_status_writes_total",
                "Status subresource writes.",
                &self.status_writes,
            ),
            (
                "ozone_operator_api_writes_total",
                "Requests that changed something on the API server (no reads, dry runs or execs).",
                &self.writes,
            ),
        ] {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                v.load(Ordering::Relaxed)
            ));
        }
        let name = "ozone_operator_reconcile_duration_seconds";
        out.push_str(&format!(
            "# HELP {name} Reconcile pass durations.\n# TYPE {name} histogram\n"
        ));
        let d = &self.durations;
        for (bound, bucket) in BUCKETS.iter().zip(&d.buckets) {
            out.push_str(&format!(
                "{name}_bucket{{le=\"{bound}\"}} {}\n",
                bucket.load(Ordering::Relaxed)
            ));
        }
        let count = d.count.load(Ordering::Relaxed);
        out.push_str(&format!("{name}_bucket{{le=\"+Inf\"}} {count}\n"));
        out.push_str(&format!(
            "{name}_sum {}\n{name}_count {count}\n",
            d.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out
    }
}

/// What every pass shares.
pub struct Context {
    /// The API client.
    pub client: kube::Client,
    /// Publishes Kubernetes Events.
    pub recorder: Recorder,
    /// Requeue intervals and waits.
    pub timing: Timing,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// This replica's name (the pod's), in the cluster Leases it holds.
    pub identity: String,
}

/// A pass's error, for kube-runtime (which wants `std::error::Error`).
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct ReconcileError(pub anyhow::Error);

impl From<anyhow::Error> for ReconcileError {
    fn from(e: anyhow::Error) -> ReconcileError {
        ReconcileError(e)
    }
}

impl From<kube::Error> for ReconcileError {
    fn from(e: kube::Error) -> ReconcileError {
        ReconcileError(e.into())
    }
}

/// The custom resource as the `OzoneCluster` document `render -f` reads: `apiVersion`, `kind`,
/// `metadata.name` and `metadata.namespace` from the object, `spec` as stored. Its text (JSON
/// is YAML) goes through the same strict parser and resolve as a spec file.
pub fn spec_document(obj: &DynamicObject) -> Value {
    let mut doc = json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": obj.name_any(),
            "namespace": obj.namespace().unwrap_or_default(),
        },
    });
    if let Some(spec) = obj.data.get("spec") {
        doc["spec"] = spec.clone();
    }
    doc
}

/// Resolves the custom resource's spec exactly as `render -f` resolves a file (no profile, no
/// `--set`).
pub fn resolve_spec(obj: &DynamicObject) -> Result<Cluster, SpecError> {
    let name = format!(
        "OzoneCluster {}/{}",
        obj.namespace().unwrap_or_default(),
        obj.name_any()
    );
    let text = serde_json::to_string_pretty(&spec_document(obj)).unwrap_or_default();
    resolve(&Inputs {
        profile: None,
        spec_file: Some((name, text)),
        sets: Vec::new(),
    })
}

/// The status stored on the object; an unreadable one counts as empty (it is rewritten).
pub fn stored_status(obj: &DynamicObject) -> OzoneClusterStatus {
    obj.data
        .get("status")
        .cloned()
        .and_then(|s| serde_json::from_value(s).ok())
        .unwrap_or_default()
}

/// The owner reference every rendered object carries: deleting the resource deletes them
/// (Kubernetes' garbage collector), PVCs excepted.
pub fn owner_reference(obj: &DynamicObject) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": obj.name_any(),
        "uid": obj.uid().unwrap_or_default(),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// The engine's options under the operator: its own field manager, owner references, no
/// forcing over other managers (a conflict is refused and shown in the status).
pub fn options(timing: &Timing, obj: &DynamicObject) -> Options {
    let resume = format!(
        "the next reconcile of OzoneCluster {}/{}",
        obj.namespace().unwrap_or_default(),
        obj.name_any()
    );
    Options {
        apply: ApplyOptions {
            field_manager: FIELD_MANAGER.to_owned(),
            force_conflicts: false,
            wait: false,
            skips: Skips::default(),
            safety: Safety::default(),
            // A ring shrink to one member needs a person's confirmation on the command
            // line; the resource has no field for it, so it is refused.
            allow_ring_to_single: None,
            dry_run: false,
            timeout: Some(timing.stage_timeout),
            poll_interval: timing.poll_interval,
            owner: Some(owner_reference(obj)),
        },
        stage_timeout: timing.stage_timeout,
        poll: timing.poll_interval,
        resume,
        renew_before: timing.renew_before,
    }
}

/// The switches of the resolved spec and the plugin's pending requests.
pub fn switches(cluster: &Cluster, obj: &DynamicObject, status: &OzoneClusterStatus) -> Switches {
    let mut s = Switches::of(cluster);
    let handled = status.handled.clone().unwrap_or_default();
    let annotations = obj.annotations();
    s.restart_requested = pending(annotations, &handled, RESTART_ANNOTATION).is_some();
    s.rotate_requested = pending(annotations, &handled, ROTATE_CERTS_ANNOTATION).is_some();
    s.rotation_interrupted = status
        .operation
        .as_ref()
        .is_some_and(|o| o.kind.as_deref() == Some("RotateCertificates"));
    s
}

/// Writes `next` to the status subresource when it differs from `previous` (server-side
/// apply under [`FIELD_MANAGER`]: fields the operator no longer sets are removed). Returns
/// whether it wrote.
async fn write_status(
    api: &Api<DynamicObject>,
    name: &str,
    previous: &OzoneClusterStatus,
    next: &OzoneClusterStatus,
    metrics: &Metrics,
) -> Result<bool, kube::Error> {
    if !needs_write(previous, next) {
        return Ok(false);
    }
    let patch = json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "status": next,
    });
    api.patch_status(
        name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    metrics.status_writes.fetch_add(1, Ordering::Relaxed);
    Ok(true)
}

/// Publishes an Event on the custom resource; a failure is only logged (Events are best
/// effort). `action` is the step (`stop[om]`) or `Reconcile`: the recorder folds Events of
/// the same reason and action into one series, so each step keeps its own.
async fn publish(
    ctx: &Context,
    obj: &DynamicObject,
    type_: EventType,
    (reason, action): (&str, &str),
    note: &str,
) {
    let event = Event {
        type_,
        reason: reason.to_owned(),
        note: Some(status::truncate(note, status::MAX_MESSAGE)),
        action: status::truncate(action, 128),
        secondary: None,
    };
    let reference = obj.object_ref(&api_resource());
    if let Err(e) = ctx.recorder.publish(&event, &reference).await {
        super::log::warn(
            &format!("{}/{}", obj.namespace().unwrap_or_default(), obj.name_any()),
            &format!("cannot publish event {reason}: {e}"),
        );
    }
}

/// Sets the resource's finalizers to `finalizers`: a merge patch that carries the
/// resourceVersion it was computed from, so the API server refuses it (409, the next pass
/// computes again) when anyone changed the resource since.
async fn set_finalizers(
    api: &Api<DynamicObject>,
    obj: &DynamicObject,
    finalizers: Vec<String>,
) -> Result<(), kube::Error> {
    let patch = json!({
        "metadata": {
            "resourceVersion": obj.resource_version(),
            "finalizers": finalizers,
        }
    });
    api.patch(
        &obj.name_any(),
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await?;
    Ok(())
}

/// Adds the operator's finalizer when missing: the plugin reads it as "managed by the
/// operator" and leaves transitions to it.
async fn ensure_finalizer(
    api: &Api<DynamicObject>,
    obj: &DynamicObject,
) -> Result<(), kube::Error> {
    if obj.finalizers().iter().any(|f| f == FINALIZER) {
        return Ok(());
    }
    let mut finalizers = obj.finalizers().to_vec();
    finalizers.push(FINALIZER.to_owned());
    set_finalizers(api, obj, finalizers).await
}

/// A resource being deleted: what was rendered for it goes with it (owner references, the
/// garbage collector), the PVCs stay; the finalizer is removed so the deletion completes.
async fn finish_deletion(api: &Api<DynamicObject>, obj: &DynamicObject) -> Result<(), kube::Error> {
    if !obj.finalizers().iter().any(|f| f == FINALIZER) {
        return Ok(());
    }
    let finalizers = obj
        .finalizers()
        .iter()
        .filter(|f| *f != FINALIZER)
        .cloned()
        .collect();
    set_finalizers(api, obj, finalizers).await
}

/// One pass (kube-runtime's reconciler).
pub async fn reconcile(
    obj: Arc<DynamicObject>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let started = std::time::Instant::now();
    let result = pass(&obj, &ctx).await;
    ctx.metrics.observe_pass(started.elapsed());
    result
}

async fn pass(obj: &DynamicObject, ctx: &Context) -> Result<Action, ReconcileError> {
    ctx.metrics.reconciles.fetch_add(1, Ordering::Relaxed);
    let namespace = obj
        .namespace()
        .ok_or_else(|| anyhow::anyhow!("OzoneCluster {} has no namespace", obj.name_any()))?;
    let name = obj.name_any();
    let generation = obj.metadata.generation.unwrap_or(0);
    let previous = stored_status(obj);
    let api: Api<DynamicObject> =
        Api::namespaced_with(ctx.client.clone(), &namespace, &api_resource());
    let timing = &ctx.timing;

    if obj.metadata.deletion_timestamp.is_some() {
        finish_deletion(&api, obj).await?;
        log(
            &namespace,
            &name,
            "deleted: rendered objects go with it, PVCs stay",
        );
        return Ok(Action::await_change());
    }
    ensure_finalizer(&api, obj).await?;

    // Validate: the same parser and resolve as `render -f`.
    let cluster = match resolve_spec(obj) {
        Ok(cluster) => cluster,
        Err(e) => {
            let message = e.to_string();
            let next = next_status(
                &previous,
                &Outcome::InvalidSpec {
                    message: message.clone(),
                },
                generation,
                &status::now(),
            );
            if write_status(&api, &name, &previous, &next, &ctx.metrics).await? {
                publish(
                    ctx,
                    obj,
                    EventType::Warning,
                    (status::INVALID_SPEC, "Reconcile"),
                    &message,
                )
                .await;
            }
            // Nothing to do until the spec changes.
            return Ok(Action::await_change());
        }
    };

    let session = Session::new(
        ctx.client.clone(),
        &namespace,
        Arc::new(WsExec::new(ctx.client.clone(), &namespace)),
    );
    let opts = options(timing, obj);
    let switches = switches(&cluster, obj, &previous);
    let now = status::now();
    let Decision { outcome, work } = match decide(&session, cluster, &switches, &opts, &now).await {
        Ok(d) => d,
        Err(e) => {
            // The cluster could not be read (a kind the API server does not serve, a
            // forbidden read): said in the status, then retried with back-off.
            let failed = Outcome::StageFailed {
                stage: "observe".into(),
                message: format!("{e:#}"),
                counts: Default::default(),
            };
            let next = next_status(&previous, &failed, generation, &now);
            write_status(&api, &name, &previous, &next, &ctx.metrics).await?;
            return Err(e.into());
        }
    };
    let next = next_status(&previous, &outcome, generation, &now);
    // Written before the work acts: a disruptive step's `status.operation` is on record
    // first.
    let wrote = write_status(&api, &name, &previous, &next, &ctx.metrics).await?;
    let Some(mut work) = work else {
        return Ok(match &outcome {
            Outcome::Refused { message, .. } => {
                if wrote {
                    publish(
                        ctx,
                        obj,
                        EventType::Warning,
                        (status::REFUSED, "Reconcile"),
                        message,
                    )
                    .await;
                }
                Action::requeue(timing.idle)
            }
            Outcome::Paused { .. } | Outcome::Stopped { .. } => Action::requeue(timing.idle),
            Outcome::Settled { counts } | Outcome::AwaitingFinalize { counts }
                if counts.all_ready() =>
            {
                Action::requeue(timing.settled)
            }
            _ => Action::requeue(timing.not_ready),
        });
    };

    let Outcome::Progressing { stage, counts, .. } = &outcome else {
        return Ok(Action::requeue(timing.after_stage));
    };
    // The cluster's Lease, as every writer of the engine takes it: a person's `kubectl ozone
    // upgrade finalize` (or any verb) and this step never act at once.
    let holder = format!("ozone-operator/{}", ctx.identity);
    let guard = match lock::acquire(&session.kube, &name, holder, stage).await {
        Ok(guard) => guard,
        Err(LockError::Held(held)) => {
            log(&namespace, &name, &format!("waiting: {held}"));
            return Ok(Action::requeue(
                timing.after_stage.max(Duration::from_secs(10)),
            ));
        }
        Err(e) => return Err(anyhow::Error::from(e).into()),
    };
    let mut events = PassEvents::new(format!("{namespace}/{name}"));
    ctx.metrics.stages.fetch_add(1, Ordering::Relaxed);
    publish(
        ctx,
        obj,
        EventType::Normal,
        ("StepStarted", stage),
        &format!("step {stage} begins"),
    )
    .await;
    let ran = work::run(&session, &mut work, &opts, &mut events).await;
    if let Err(e) = guard.release().await {
        log(
            &namespace,
            &name,
            &format!("cannot release the cluster's Lease: {e}"),
        );
    }
    match ran {
        Ok(()) => {
            let note = events.summary(status::MAX_MESSAGE);
            let note = if note.is_empty() {
                format!("{stage} done")
            } else {
                note
            };
            publish(ctx, obj, EventType::Normal, ("StepCompleted", stage), &note).await;
            // A request carried out is recorded, so the same annotation does not run it
            // again; a rotation that finished is no longer one to resume.
            let key = match work {
                Work::Restart(_) => Some(RESTART_ANNOTATION),
                Work::RotateCertificates(_) if switches.rotate_requested => {
                    Some(ROTATE_CERTS_ANNOTATION)
                }
                _ => None,
            };
            let mut after = next.clone();
            if matches!(work, Work::RotateCertificates(_)) {
                after.operation = None;
            }
            if let Some(key) = key
                && let Some(value) = obj.annotations().get(key)
            {
                after
                    .handled
                    .get_or_insert_with(Default::default)
                    .insert(key.to_owned(), value.clone());
            }
            write_status(&api, &name, &next, &after, &ctx.metrics).await?;
            Ok(Action::requeue(timing.after_stage))
        }
        Err(e) => {
            let message = format!("{e:#}");
            let failed = Outcome::StageFailed {
                stage: stage.clone(),
                message: message.clone(),
                counts: counts.clone(),
            };
            let after = next_status(&next, &failed, generation, &status::now());
            write_status(&api, &name, &next, &after, &ctx.metrics).await?;
            publish(
                ctx,
                obj,
                EventType::Warning,
                (status::STAGE_FAILED, stage),
                &message,
            )
            .await;
            Ok(Action::requeue(timing.error))
        }
    }
}

/// A record of the operator's log about this cluster.
fn log(namespace: &str, name: &str, message: &str) {
    super::log::info(&format!("{namespace}/{name}"), message);
}

/// What happens after a pass returned an error (the API unreachable, a read that failed):
/// logged, tried again later.
pub fn error_policy(obj: Arc<DynamicObject>, err: &ReconcileError, ctx: Arc<Context>) -> Action {
    ctx.metrics.errors.fetch_add(1, Ordering::Relaxed);
    super::log::warn(
        &format!("{}/{}", obj.namespace().unwrap_or_default(), obj.name_any()),
        &format!("reconcile failed: {err}"),
    );
    Action::requeue(ctx.timing.error)
}

#[cfg(test)]
mod tests;
