//! One reconcile pass over an `OzoneCluster`: observe → validate (the parser and resolve of
//! `render -f`) → paused? → plan with the engine → at most one stage → status, written only
//! when it changed → requeue.
//!
//! [`decide`] holds everything up to the stage and writes nothing, so it runs against
//! `ozone_engine::testing::FakeCluster`; [`reconcile`] adds the writes to the custom resource
//! (status subresource, Events) and the stage.

use super::events::PassEvents;
use super::status::{self, Counts, Outcome, needs_write, next_status};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{Api, Patch, PatchParams};
use kube::core::{ApiResource, DynamicObject};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder};
use kube::{Resource, ResourceExt};
use ozone_engine::change::apply::{self, ApplyOptions, ApplyPlan, Stage, StepOutcome};
use ozone_engine::change::datanodes::Safety;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::{Actuator, Confirmed};
use ozone_engine::cluster::ws::WsExec;
use ozone_engine::diagnose;
use ozone_engine::plan::rotation::Skips;
use ozone_generator::crd::{GROUP, PLURAL, VERSION};
use ozone_generator::spec::doc::{API_VERSION, KIND};
use ozone_generator::spec::status::{OperationStatus, OzoneClusterStatus};
use ozone_generator::spec::{Cluster, Inputs, SpecError, resolve};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

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
}

impl Metrics {
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
        ] {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                v.load(Ordering::Relaxed)
            ));
        }
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

/// `spec.clusterOperation.reconciliationPaused`.
pub fn paused(obj: &DynamicObject) -> bool {
    obj.data
        .pointer("/spec/clusterOperation/reconciliationPaused")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The status stored on the object; an unreadable one counts as empty (it is rewritten).
pub fn stored_status(obj: &DynamicObject) -> OzoneClusterStatus {
    obj.data
        .get("status")
        .cloned()
        .and_then(|s| serde_json::from_value(s).ok())
        .unwrap_or_default()
}

/// The engine's options under the operator: its own field manager, no forcing over other
/// managers (a conflict is refused and shown in the status), the default checks.
pub fn apply_options(timing: &Timing) -> ApplyOptions {
    ApplyOptions {
        field_manager: FIELD_MANAGER.to_owned(),
        force_conflicts: false,
        wait: false,
        skips: Skips::default(),
        safety: Safety::default(),
        // TODO(operator): a ring shrink to one member needs a person's confirmation on the
        // command line; the resource has no field for it yet, so it is refused.
        allow_ring_to_single: None,
        dry_run: false,
        timeout: Some(timing.stage_timeout),
        poll_interval: timing.poll_interval,
    }
}

/// The engine's name of a stage (`writeObjects`, `restart`, `shrinkRing[0]`, …).
pub fn stage_name(stage: &Stage) -> String {
    match stage {
        Stage::ShrinkRing(i) => format!("shrinkRing[{i}]"),
        Stage::WriteObjects => "writeObjects".into(),
        Stage::GrowStorage => "growStorage".into(),
        Stage::RecreateStatefulSet(s) => format!("recreateStatefulSet[{s}]"),
        Stage::Datanodes => "datanodes".into(),
        Stage::GrowRings => "growRings".into(),
        Stage::Restart => "restart".into(),
        Stage::WaitRollout => "waitRollout".into(),
    }
}

/// `status.operation` for a disruptive stage (recorded before it acts); `None` for writes
/// and waits.
pub fn operation_for(stage: &Stage, cluster: &str, now: &Time) -> Option<OperationStatus> {
    let kind = match stage {
        Stage::ShrinkRing(_) | Stage::GrowRings => "ResizeRing",
        Stage::GrowStorage | Stage::RecreateStatefulSet(_) => "GrowStorage",
        // The plan's direction is private to the engine (`ApplyPlan::dn`); see
        // OPERATOR_STATUS.md.
        Stage::Datanodes => "ScaleDatanodes",
        Stage::Restart => "Restart",
        Stage::WriteObjects | Stage::WaitRollout => return None,
    };
    Some(OperationStatus {
        kind: Some(kind.to_owned()),
        target: Some(cluster.to_owned()),
        step: Some(stage_name(stage)),
        started: Some(now.clone()),
        detail: None,
    })
}

/// What a pass decided before acting: the outcome to record, and the plan whose first stage
/// runs (only with [`Outcome::Progressing`]).
pub struct Decision {
    /// The status input.
    pub outcome: Outcome,
    /// The plan, when a stage is to run.
    pub plan: Option<ApplyPlan>,
}

/// Reads the cluster, and unless paused plans with the engine. Writes nothing.
pub async fn decide(
    session: &Session,
    cluster: Cluster,
    paused: bool,
    opts: &ApplyOptions,
) -> anyhow::Result<Decision> {
    let observed = apply::read(session, cluster, opts).await?;
    let report = diagnose::status::read(session, &observed.comparison.view).await;
    let counts = Counts::from_report(&report);
    if paused {
        return Ok(Decision {
            outcome: Outcome::Paused { counts },
            plan: None,
        });
    }
    let p = match apply::plan(session, observed, opts).await {
        Ok(p) => p,
        Err(e) => {
            return Ok(Decision {
                outcome: Outcome::Refused {
                    message: format!("{e:#}"),
                    counts,
                },
                plan: None,
            });
        }
    };
    if !p.refusals.is_empty() || !p.conflicts.is_empty() {
        let message = p
            .refusals
            .iter()
            .chain(&p.conflicts)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        return Ok(Decision {
            outcome: Outcome::Refused { message, counts },
            plan: None,
        });
    }
    if !p.plan.changes_anything() || p.stages.is_empty() {
        return Ok(Decision {
            outcome: Outcome::Settled { counts },
            plan: None,
        });
    }
    let stage = &p.stages[0];
    let outcome = Outcome::Progressing {
        stage: stage_name(stage),
        operation: operation_for(stage, p.cluster(), &status::now()),
        counts,
    };
    Ok(Decision {
        outcome,
        plan: Some(p),
    })
}

/// Runs the first stage of `p` (one stage per pass: the next pass plans again from the
/// cluster).
pub async fn run_first_stage(
    session: &Session,
    p: &ApplyPlan,
    resume: String,
    events: &mut PassEvents,
) -> anyhow::Result<StepOutcome> {
    let act = Actuator::new(&session.kube, p.ozone(), Confirmed::granted());
    let waits = p.options().waits(Instant::now(), resume);
    apply::run_step(session, p, 0, &act, &waits, events).await
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
/// effort).
async fn publish(ctx: &Context, obj: &DynamicObject, type_: EventType, reason: &str, note: &str) {
    let event = Event {
        type_,
        reason: reason.to_owned(),
        note: Some(status::truncate(note, status::MAX_MESSAGE)),
        action: "Reconcile".to_owned(),
        secondary: None,
    };
    let reference = obj.object_ref(&api_resource());
    if let Err(e) = ctx.recorder.publish(&event, &reference).await {
        eprintln!(
            "{}/{}: cannot publish event {reason}: {e}",
            obj.namespace().unwrap_or_default(),
            obj.name_any()
        );
    }
}

/// One pass (kube-runtime's reconciler).
pub async fn reconcile(
    obj: Arc<DynamicObject>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    ctx.metrics.reconciles.fetch_add(1, Ordering::Relaxed);
    let namespace = obj
        .namespace()
        .ok_or_else(|| anyhow::anyhow!("OzoneCluster {} has no namespace", obj.name_any()))?;
    let name = obj.name_any();
    let generation = obj.metadata.generation.unwrap_or(0);
    let previous = stored_status(&obj);
    let api: Api<DynamicObject> =
        Api::namespaced_with(ctx.client.clone(), &namespace, &api_resource());
    let timing = &ctx.timing;

    // Validate: the same parser and resolve as `render -f`.
    let cluster = match resolve_spec(&obj) {
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
                    &ctx,
                    &obj,
                    EventType::Warning,
                    status::INVALID_SPEC,
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
    let opts = apply_options(timing);
    let Decision { outcome, plan } = decide(&session, cluster, paused(&obj), &opts).await?;
    let next = next_status(&previous, &outcome, generation, &status::now());
    // Written before the stage acts: a disruptive stage's `status.operation` is on record
    // first.
    let wrote = write_status(&api, &name, &previous, &next, &ctx.metrics).await?;
    let Some(p) = plan else {
        return Ok(match &outcome {
            Outcome::Refused { message, .. } => {
                if wrote {
                    publish(&ctx, &obj, EventType::Warning, status::REFUSED, message).await;
                }
                Action::requeue(timing.idle)
            }
            Outcome::Paused { .. } => Action::requeue(timing.idle),
            Outcome::Settled { counts } if counts.all_ready() => Action::requeue(timing.settled),
            _ => Action::requeue(timing.not_ready),
        });
    };

    let Outcome::Progressing { stage, counts, .. } = &outcome else {
        return Ok(Action::requeue(timing.after_stage));
    };
    let mut events = PassEvents::new(format!("{namespace}/{name}"));
    let resume = format!("the next reconcile of OzoneCluster {namespace}/{name}");
    ctx.metrics.stages.fetch_add(1, Ordering::Relaxed);
    match run_first_stage(&session, &p, resume, &mut events).await {
        Ok(_) => {
            let note = events.summary(status::MAX_MESSAGE);
            let note = if note.is_empty() {
                format!("stage {stage} done")
            } else {
                note
            };
            publish(&ctx, &obj, EventType::Normal, "StageCompleted", &note).await;
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
                &ctx,
                &obj,
                EventType::Warning,
                status::STAGE_FAILED,
                &message,
            )
            .await;
            Ok(Action::requeue(timing.error))
        }
    }
}

/// What happens after a pass returned an error (the API unreachable, a read that failed):
/// logged, tried again later.
pub fn error_policy(obj: Arc<DynamicObject>, err: &ReconcileError, ctx: Arc<Context>) -> Action {
    ctx.metrics.errors.fetch_add(1, Ordering::Relaxed);
    eprintln!(
        "{}/{}: reconcile failed: {err}",
        obj.namespace().unwrap_or_default(),
        obj.name_any()
    );
    Action::requeue(ctx.timing.error)
}

#[cfg(test)]
mod tests;
