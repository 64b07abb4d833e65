//! The `status` of an `OzoneCluster` as a pure function of what one reconcile pass found:
//! phase, conditions (Kubernetes `metav1.Condition` rules: `lastTransitionTime` moves only when
//! `status` flips), ready counts and the disruptive operation under way. Nothing here talks to
//! a cluster, so the "no write in steady state" rule is a plain equality ([`needs_write`]).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use ozone_engine::diagnose::status::Report;
use ozone_generator::spec::status::{
    ComponentCountsStatus, OperationStatus, OzoneClusterStatus, ReadyCount,
};
use ozone_storage::Component;

/// Condition types the operator maintains, every pass all of them.
pub const AVAILABLE: &str = "Available";
/// The operator is changing the cluster.
pub const PROGRESSING: &str = "Progressing";
/// The spec cannot be carried out (invalid, refused, a stage failed).
pub const DEGRADED: &str = "Degraded";
/// `spec.clusterOperation.reconciliationPaused`.
pub const RECONCILIATION_PAUSED: &str = "ReconciliationPaused";
/// `spec.clusterOperation.stopped`, once every pod is gone.
pub const STOPPED: &str = "Stopped";

/// Reason of `Degraded` for a spec the parser or resolve rejects.
pub const INVALID_SPEC: &str = "InvalidSpec";
/// Reason of `Degraded` for a plan the engine refuses (upgrade, TLS change, shrink, …).
pub const REFUSED: &str = "Refused";
/// Reason of `Degraded` for a stage that returned an error.
pub const STAGE_FAILED: &str = "StageFailed";

/// Ready over desired pods per component, from the engine's status report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Per component.
    pub components: ComponentCountsStatus,
    /// Ready pods of all components.
    pub ready: i32,
    /// Desired pods of all components.
    pub desired: i32,
    /// The Ozone version the workloads run.
    pub version: Option<String>,
    /// The version the spec (or an upgrade under way) goes to, while it differs.
    pub target_version: Option<String>,
}

impl Counts {
    /// Counts from [`Report::ready`].
    pub fn from_report(report: &Report) -> Counts {
        let mut counts = Counts::default();
        for c in Component::ALL {
            let Some((ready, desired)) = report.ready(c) else {
                continue;
            };
            counts.ready += ready;
            counts.desired += desired;
            let slot = Some(ReadyCount { desired, ready });
            match c {
                Component::Scm => counts.components.scm = slot,
                Component::Om => counts.components.om = slot,
                Component::Datanode => counts.components.datanodes = slot,
                Component::S3g => counts.components.s3g = slot,
                Component::Recon => counts.components.recon = slot,
                Component::Httpfs => counts.components.httpfs = slot,
            }
        }
        counts
    }

    /// Every desired pod ready (and there is at least one).
    pub fn all_ready(&self) -> bool {
        self.desired > 0 && self.ready >= self.desired
    }
}

/// What one reconcile pass found or did: the input of [`next_status`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The spec does not parse or resolve; nothing was read or written.
    InvalidSpec {
        /// The parser's / resolve's problems, one per line.
        message: String,
    },
    /// `reconciliationPaused`: only observed.
    Paused {
        /// Ready counts.
        counts: Counts,
    },
    /// The engine refuses the plan; nothing written.
    Refused {
        /// Refusals and conflicts.
        message: String,
        /// Ready counts.
        counts: Counts,
    },
    /// A stage ran (or is about to run) this pass; more may follow.
    Progressing {
        /// The stage, as the engine names it (`writeObjects`, `restart`, …).
        stage: String,
        /// Set for disruptive stages: recorded before the stage acts.
        operation: Option<OperationStatus>,
        /// Ready counts.
        counts: Counts,
    },
    /// A stage returned an error; the next pass plans again from the cluster.
    StageFailed {
        /// The stage.
        stage: String,
        /// The error chain.
        message: String,
        /// Ready counts.
        counts: Counts,
    },
    /// Nothing left to change.
    Settled {
        /// Ready counts.
        counts: Counts,
    },
    /// `stopped`: every pod is gone, the volumes kept.
    Stopped {
        /// Ready counts.
        counts: Counts,
    },
    /// Nothing left to change but an upgrade waits for `finalize` (manual).
    AwaitingFinalize {
        /// Ready counts.
        counts: Counts,
    },
}

/// Sets condition `type_` in `conditions`, keeping `lastTransitionTime` unless `status`
/// flips. Returns whether anything changed.
pub fn set_condition(
    conditions: &mut Vec<Condition>,
    type_: &str,
    status: bool,
    reason: &str,
    message: &str,
    generation: i64,
    now: &Time,
) -> bool {
    let status = if status { "True" } else { "False" }.to_owned();
    let message = truncate(message, MAX_MESSAGE);
    match conditions.iter_mut().find(|c| c.type_ == type_) {
        Some(c) => {
            let before = c.clone();
            if c.status != status {
                c.last_transition_time = now.clone();
            }
            c.status = status;
            c.reason = reason.to_owned();
            c.message = message;
            c.observed_generation = Some(generation);
            *c != before
        }
        None => {
            conditions.push(Condition {
                type_: type_.to_owned(),
                status,
                reason: reason.to_owned(),
                message,
                observed_generation: Some(generation),
                last_transition_time: now.clone(),
            });
            true
        }
    }
}

/// `metav1.Condition.message` allows 32 768 bytes; Events' notes 1 024. Kept well below both.
pub const MAX_MESSAGE: usize = 1000;

/// `text` cut to at most `max` bytes on a character boundary, with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The status after a pass: `previous` with the phase, conditions, counts and operation the
/// outcome implies. Equal to `previous` when nothing changed (then nothing is written).
pub fn next_status(
    previous: &OzoneClusterStatus,
    outcome: &Outcome,
    generation: i64,
    now: &Time,
) -> OzoneClusterStatus {
    let mut s = previous.clone();
    let mut conditions = s.conditions.take().unwrap_or_default();
    let mut set = |t: &str, on: bool, reason: &str, message: &str| {
        set_condition(&mut conditions, t, on, reason, message, generation, now);
    };
    let counts = match outcome {
        Outcome::InvalidSpec { .. } => None,
        Outcome::Paused { counts }
        | Outcome::Refused { counts, .. }
        | Outcome::Progressing { counts, .. }
        | Outcome::StageFailed { counts, .. }
        | Outcome::Settled { counts }
        | Outcome::Stopped { counts }
        | Outcome::AwaitingFinalize { counts } => Some(counts),
    };
    let stopped = matches!(outcome, Outcome::Stopped { .. });
    let available = counts.is_some_and(Counts::all_ready);
    let (avail_reason, avail_message) = match counts {
        Some(c) if c.all_ready() => (
            "AllPodsReady",
            format!("{}/{} pods ready", c.ready, c.desired),
        ),
        Some(c) => (
            "PodsNotReady",
            format!("{}/{} pods ready", c.ready, c.desired),
        ),
        None => (
            "Unknown",
            "the spec is invalid; the cluster was not read".to_owned(),
        ),
    };
    set(AVAILABLE, available, avail_reason, &avail_message);
    if stopped {
        set(
            STOPPED,
            true,
            "SpecStopped",
            "spec.clusterOperation.stopped is true: every pod is stopped, the volumes are kept",
        );
    } else {
        set(STOPPED, false, "NotStopped", "");
    }
    let (phase, reason) = match outcome {
        Outcome::InvalidSpec { message } => {
            set(DEGRADED, true, INVALID_SPEC, message);
            set(
                PROGRESSING,
                false,
                INVALID_SPEC,
                "nothing is changed until the spec is fixed",
            );
            set(RECONCILIATION_PAUSED, false, "NotPaused", "");
            ("Failed", format!("invalid spec: {}", first_line(message)))
        }
        Outcome::Paused { .. } => {
            set(DEGRADED, false, "AsExpected", "");
            set(PROGRESSING, false, "Paused", "reconciliation is paused");
            set(
                RECONCILIATION_PAUSED,
                true,
                "SpecPaused",
                "spec.clusterOperation.reconciliationPaused is true: only the status is updated",
            );
            ("Paused", "reconciliation is paused".to_owned())
        }
        Outcome::Refused { message, .. } => {
            set(DEGRADED, true, REFUSED, message);
            set(PROGRESSING, false, REFUSED, "nothing was changed");
            set(RECONCILIATION_PAUSED, false, "NotPaused", "");
            ("Failed", format!("refused: {}", first_line(message)))
        }
        Outcome::Progressing {
            stage, operation, ..
        } => {
            set(DEGRADED, false, "AsExpected", "");
            set(PROGRESSING, true, "StageRunning", &format!("stage {stage}"));
            set(RECONCILIATION_PAUSED, false, "NotPaused", "");
            s.operation = operation.clone().map(|mut op| {
                // A resumed operation keeps the time it began.
                if let Some(prev) = &previous.operation
                    && prev.kind == op.kind
                    && prev.target == op.target
                {
                    op.started = prev.started.clone();
                }
                op
            });
            let kind = operation.as_ref().and_then(|o| o.kind.as_deref());
            let phase = match kind {
                Some("Upgrade") => "Upgrading",
                Some("FinalizeUpgrade") => "Finalizing",
                Some("Stop") => "Stopping",
                Some("Start") => "Starting",
                Some("ScaleDatanodes") => "Scaling",
                Some("Restart") => "Restarting",
                Some("RotateCertificates") => "RotatingCertificates",
                Some("IssueCertificates") => "IssuingCertificates",
                _ if counts.is_some_and(|c| c.desired == 0) => "Creating",
                _ => "Updating",
            };
            (phase, format!("stage {stage}"))
        }
        Outcome::StageFailed { stage, message, .. } => {
            set(DEGRADED, true, STAGE_FAILED, message);
            set(
                PROGRESSING,
                true,
                STAGE_FAILED,
                &format!("stage {stage} stopped; the next pass plans again"),
            );
            set(RECONCILIATION_PAUSED, false, "NotPaused", "");
            ("Failed", format!("stage {stage}: {}", first_line(message)))
        }
        Outcome::Stopped { .. } => {
            set(DEGRADED, false, "AsExpected", "");
            set(PROGRESSING, false, "Stopped", "the cluster is stopped");
            set(RECONCILIATION_PAUSED, false, "NotPaused", "");
            s.operation = None;
            (
                "Stopped",
                "spec.clusterOperation.stopped is true; every pod is stopped, the volumes are kept"
                    .to_owned(),
            )
        }
        Outcome::AwaitingFinalize { .. } => {
            set(DEGRADED, false, "AsExpected", "");
            set(
                PROGRESSING,
                true,
                "AwaitingFinalize",
                "the upgrade is done and waits to be finalized",
            );
            set(RECONCILIATION_PAUSED, false, "NotPaused", "");
            s.operation = None;
            (
                "UpgradeAwaitingFinalize",
                "every pod runs the new version; a downgrade is still possible until `kubectl ozone upgrade finalize` or spec.upgrade.finalize: auto"
                    .to_owned(),
            )
        }
        Outcome::Settled { counts } => {
            set(DEGRADED, false, "AsExpected", "");
            set(
                PROGRESSING,
                false,
                "Settled",
                "the cluster is as the spec renders it",
            );
            set(RECONCILIATION_PAUSED, false, "NotPaused", "");
            s.operation = None;
            if counts.all_ready() {
                ("Ready", "the cluster is as the spec renders it".to_owned())
            } else {
                (
                    "Starting",
                    format!("{}/{} pods ready", counts.ready, counts.desired),
                )
            }
        }
    };
    conditions.sort_by_key(|a| order(&a.type_));
    s.conditions = Some(conditions);
    s.phase = Some(phase.to_owned());
    s.phase_reason = Some(truncate(&reason, MAX_MESSAGE));
    s.observed_generation = Some(generation);
    if let Some(c) = counts {
        s.components = Some(c.components.clone());
        s.ready = Some(format!("{}/{}", c.ready, c.desired));
        s.version = c.version.clone();
        s.target_version = c.target_version.clone();
    }
    s
}

/// Conditions in a fixed order, so that a recomputed list compares equal.
fn order(type_: &str) -> usize {
    [
        AVAILABLE,
        PROGRESSING,
        DEGRADED,
        RECONCILIATION_PAUSED,
        STOPPED,
    ]
    .iter()
    .position(|t| *t == type_)
    .unwrap_or(usize::MAX)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Whether the status subresource has to be written: only when the computed status differs.
pub fn needs_write(previous: &OzoneClusterStatus, next: &OzoneClusterStatus) -> bool {
    previous != next
}

/// The current time as a `metav1.Time`.
pub fn now() -> Time {
    Time(Timestamp::now())
}

#[cfg(test)]
mod tests;
