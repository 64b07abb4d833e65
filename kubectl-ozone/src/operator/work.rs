//! What one pass does to the cluster, chosen from what it observed, and the running of it.
//! Every unit of work is one of the engine's own plans — the command line's `apply`,
//! `upgrade`, `upgrade finalize`, `restart`, and the stop/start of hibernation — so no
//! transition exists twice; the operator only picks which one, and runs one step of it per
//! pass.
//!
//! The precedence, first match wins: paused (observe only) → an upgrade the records say is
//! under way → `stopped` (hibernate) → a hibernated cluster to start → a new version
//! (upgrade) → an automatic finalize → a requested restart → a requested, interrupted or due
//! certificate rotation → `apply`'s stages.

use super::status::{Counts, Outcome};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use ozone_engine::certs::issue::{self, IssueOptions};
use ozone_engine::certs::rotate::{self, ResumeHints, RotateOptions, Rotation};
use ozone_engine::certs::status as certs_status;
use ozone_engine::change::apply::{self, ApplyOptions, ApplyPlan, Stage};
use ozone_engine::change::hibernate::{self, Direction};
use ozone_engine::change::restart as restarting;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::{Actuator, Confirmed};
use ozone_engine::cluster::view::ClusterView;
use ozone_engine::diagnose;
use ozone_engine::error::BadInput;
use ozone_engine::events::Events;
use ozone_engine::plan::upgrade::{self as records, Phase};
use ozone_engine::upgrade::Flags;
use ozone_engine::upgrade::finalize::{self, FinalizeOptions, FinalizePlan};
use ozone_engine::upgrade::start::{self, UpgradeOptions, UpgradePlan};
use ozone_generator::spec::Cluster;
use ozone_generator::spec::doc::Finalize;
use ozone_generator::spec::status::OperationStatus;
use ozone_storage::Component;
use ozone_storage::versions;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

pub use ozone_engine::managed::{FINALIZER, RESTART_ANNOTATION, ROTATE_CERTS_ANNOTATION};

/// The switches and requests a pass reads from the resource.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Switches {
    /// `spec.clusterOperation.reconciliationPaused`.
    pub paused: bool,
    /// `spec.clusterOperation.stopped`.
    pub stopped: bool,
    /// `spec.upgrade.finalize` (`kubectl ozone upgrade finalize` also finishes it: the plugin
    /// runs it itself, under the cluster's Lease).
    pub finalize: Finalize,
    /// A restart asked for by annotation (`kubectl ozone restart`) and not yet done.
    pub restart_requested: bool,
    /// A certificate rotation asked for by annotation (`kubectl ozone cert rotate`) and not
    /// yet done.
    pub rotate_requested: bool,
    /// A rotation was under way when the last pass ended (`status.operation`): finish its
    /// restarts instead of issuing certificates again.
    pub rotation_interrupted: bool,
}

impl Switches {
    /// The switches of a resolved spec; requests come from annotations, set by the caller.
    pub fn of(cluster: &Cluster) -> Switches {
        let spec = cluster.document.spec.as_ref();
        let op = spec.and_then(|s| s.cluster_operation.as_ref());
        Switches {
            paused: op.and_then(|o| o.reconciliation_paused).unwrap_or(false),
            stopped: op.and_then(|o| o.stopped).unwrap_or(false),
            finalize: spec
                .and_then(|s| s.upgrade.as_ref())
                .and_then(|u| u.finalize)
                .unwrap_or_default(),
            restart_requested: false,
            rotate_requested: false,
            rotation_interrupted: false,
        }
    }
}

/// One unit of work: a step of one of the engine's plans.
pub enum Work {
    /// The first stage of `apply`.
    Apply(Box<ApplyPlan>),
    /// The next recorded phase of an upgrade.
    Upgrade(Box<UpgradePlan>),
    /// `upgrade finalize`.
    Finalize(Box<FinalizePlan>),
    /// One component of a cluster stopped or started.
    Hibernate {
        /// The cluster.
        cluster: String,
        /// The component's step.
        step: hibernate::Step,
    },
    /// Every pod restarted in quorum-safe order (a `restart` request).
    Restart(Box<restarting::RestartPlan>),
    /// Managed TLS: the CA, the keystore password and the leaf certificates that are missing
    /// (`cert issue`); the pods waiting for them then start.
    IssueCertificates(Box<(issue::Issue, IssueOptions)>),
    /// New leaf certificates, then the quorum-safe restart (a `cert rotate` request, or
    /// certificates close to expiry).
    RotateCertificates(Box<(Rotation, RotateOptions)>),
}

/// What a pass decided before acting.
pub struct Decision {
    /// The status input.
    pub outcome: Outcome,
    /// What runs this pass.
    pub work: Option<Work>,
}

impl Decision {
    fn observe(outcome: Outcome) -> Decision {
        Decision {
            outcome,
            work: None,
        }
    }
}

/// The operator's field manager, timings and flags for the engine's plans.
pub struct Options {
    /// `apply`'s options.
    pub apply: ApplyOptions,
    /// How long one stage may wait before the pass gives up (the next one resumes it).
    pub stage_timeout: Duration,
    /// Poll interval of waits.
    pub poll: Duration,
    /// Said where a wait gives up: the next reconcile resumes.
    pub resume: String,
    /// Managed certificates are renewed when they expire within this.
    pub renew_before: Duration,
}

impl Options {
    fn flags(&self) -> Flags {
        let resume = self.resume.clone();
        Flags::new(move |_| format!("(operator: {resume})"))
    }

    fn upgrade(&self) -> UpgradeOptions {
        UpgradeOptions {
            skips: Default::default(),
            timeout: Some(self.stage_timeout),
            poll: self.poll,
            dry_run: false,
            flags: self.flags(),
        }
    }

    fn finalize(&self) -> FinalizeOptions {
        FinalizeOptions {
            takeover: false,
            timeout: Some(self.stage_timeout),
            poll: self.poll,
            dry_run: false,
            flags: self.flags(),
        }
    }

    /// The waits of a hibernation step.
    fn waits(&self) -> ozone_engine::pods::restart::Waits {
        ozone_engine::pods::restart::Waits {
            interval: self.poll,
            deadline: Some(Instant::now() + self.stage_timeout),
            started: Instant::now(),
            resume: self.resume.clone(),
        }
    }
}

/// The version the workloads run (SCM's, which the upgrade records follow), if its image
/// names a release.
fn running_version(view: &ClusterView) -> Option<versions::Version> {
    records::workloads(view)
        .iter()
        .find(|w| w.component == Component::Scm)
        .and_then(|w| w.version())
}

/// What the managed certificates need, from the engine's `cert status` (Secrets only: no
/// Ozone query). A cluster without managed TLS needs nothing; a read that fails counts as
/// nothing (the next pass looks again).
#[derive(Debug, Default)]
struct Certificates {
    /// A certificate Secret (or the CA's) is missing: `cert issue`.
    missing: bool,
    /// Leaf certificates (not the CA: replacing it is `cert rotate --ca`, a person's
    /// decision) that expire within the renewal window, as `<secret> (<days> days)`.
    expiring: Vec<String>,
}

async fn certificates(session: &Session, view: &ClusterView, within: Duration) -> Certificates {
    let Ok(report) = certs_status::gather(session, view, within).await else {
        return Certificates::default();
    };
    if report.mode != "managed" {
        return Certificates::default();
    }
    Certificates {
        missing: report
            .certificates
            .iter()
            .any(|c| c.certificate.is_none() && c.problem.is_some()),
        expiring: report
            .certificates
            .iter()
            .filter(|c| c.component != "ca" && c.problem.is_some())
            .filter_map(|c| Some(format!("{} ({} days)", c.secret_name, c.days_left?)))
            .collect(),
    }
}

/// `status.operation` for a unit of work.
fn operation(kind: &str, target: &str, step: &str, now: &Time) -> Option<OperationStatus> {
    Some(OperationStatus {
        kind: Some(kind.to_owned()),
        target: Some(target.to_owned()),
        step: Some(step.to_owned()),
        started: Some(now.clone()),
        detail: None,
    })
}

fn progressing(
    stage: String,
    operation: Option<OperationStatus>,
    counts: Counts,
    work: Work,
) -> Decision {
    Decision {
        outcome: Outcome::Progressing {
            stage,
            operation,
            counts,
        },
        work: Some(work),
    }
}

fn refused(e: anyhow::Error, counts: Counts) -> Decision {
    Decision::observe(Outcome::Refused {
        message: format!("{e:#}"),
        counts,
    })
}

/// Reads the cluster and picks this pass's work. Writes nothing.
pub async fn decide(
    session: &Session,
    cluster: Cluster,
    switches: &Switches,
    opts: &Options,
    now: &Time,
) -> anyhow::Result<Decision> {
    let name = cluster.name.clone();
    let wanted = cluster.version.clone();
    let observed = apply::read(session, cluster, &opts.apply).await?;
    let view = &observed.comparison.view;
    let report = diagnose::status::read(session, view).await;
    let mut counts = Counts::from_report(&report);
    let running = running_version(view);
    counts.version = running.map(|v| v.to_string());
    counts.target_version = running
        .is_some_and(|v| v.to_string() != wanted)
        .then(|| wanted.clone());
    if switches.paused {
        return Ok(Decision::observe(Outcome::Paused { counts }));
    }
    let workloads = records::workloads(view);
    let record = records::record(&workloads);

    // An upgrade under way is finished first, whatever else changed: its records say how.
    if let Some(r) = record.filter(|r| r.phase < Phase::Done) {
        let target = r.target.to_string();
        let Some(release) = versions::find(&target) else {
            return Ok(refused(
                anyhow::anyhow!(
                    "an upgrade to {target} is recorded, a version this operator does not know"
                ),
                counts,
            ));
        };
        counts.target_version = Some(target.clone());
        return Ok(
            match start::plan(session, Some(&name), release, &opts.upgrade()).await {
                Ok(p) => progressing(
                    format!("upgrade[{}]", r.phase.as_str()),
                    operation("Upgrade", &target, r.phase.as_str(), now),
                    counts,
                    Work::Upgrade(Box::new(p)),
                ),
                Err(e) => refused(e, counts),
            },
        );
    }

    let stopped = hibernate::is_stopped(&workloads);
    if switches.stopped {
        let steps = hibernate::plan(view, Direction::Stop);
        return Ok(match steps.into_iter().next() {
            None => Decision::observe(Outcome::Stopped { counts }),
            Some(step) => progressing(
                format!("stop[{}]", step.component),
                operation("Stop", &name, &format!("stop {}", step.component), now),
                counts,
                Work::Hibernate {
                    cluster: name.clone(),
                    step,
                },
            ),
        });
    }
    if stopped && let Some(step) = hibernate::plan(view, Direction::Start).into_iter().next() {
        return Ok(progressing(
            format!("start[{}]", step.component),
            operation("Start", &name, &format!("start {}", step.component), now),
            counts,
            Work::Hibernate {
                cluster: name.clone(),
                step,
            },
        ));
    }

    if let Some(from) = running
        && from.to_string() != wanted
    {
        let Some(release) = versions::find(&wanted) else {
            return Ok(refused(
                BadInput(format!(
                    "spec.version {wanted}: not an Ozone release this operator knows; one of {}",
                    versions::known()
                ))
                .into(),
                counts,
            ));
        };
        return Ok(
            match start::plan(session, Some(&name), release, &opts.upgrade()).await {
                Ok(p) => progressing(
                    "upgrade[planned]".into(),
                    operation("Upgrade", &wanted, "planned", now),
                    counts,
                    Work::Upgrade(Box::new(p)),
                ),
                Err(e) => refused(e, counts),
            },
        );
    }

    let awaiting_finalize = record.is_some_and(|r| r.phase == Phase::Done);
    if awaiting_finalize && switches.finalize == Finalize::Auto {
        return Ok(
            match finalize::plan(session, Some(&name), &opts.finalize()).await {
                Ok(p) => progressing(
                    "finalize".into(),
                    operation("FinalizeUpgrade", &wanted, "finalize", now),
                    counts,
                    Work::Finalize(Box::new(p)),
                ),
                Err(e) => refused(e, counts),
            },
        );
    }

    if switches.restart_requested {
        let request = restarting::RestartRequest {
            cluster: Some(&name),
            all: true,
            ..Default::default()
        };
        let restart = restarting::plan(session, &request).await;
        return Ok(match restart {
            Ok(p) => progressing(
                "restart[requested]".into(),
                operation("Restart", &name, "requested", now),
                counts,
                Work::Restart(Box::new(p)),
            ),
            Err(e) => refused(e, counts),
        });
    }

    let certs = certificates(session, view, opts.renew_before).await;
    if certs.missing {
        let issue = IssueOptions {
            cluster: Some(name.clone()),
            timeout: Some(opts.stage_timeout),
            poll_interval: opts.poll,
            ..Default::default()
        };
        match issue::plan(session, &issue).await {
            Ok(i) if i.plan.changes_anything() => {
                return Ok(progressing(
                    "issueCertificates".into(),
                    operation("IssueCertificates", &name, "issue", now),
                    counts,
                    Work::IssueCertificates(Box::new((i, issue))),
                ));
            }
            Ok(_) => {}
            Err(e) => return Ok(refused(e, counts)),
        }
    }
    let expiring = certs.expiring;
    if switches.rotate_requested || switches.rotation_interrupted || !expiring.is_empty() {
        let rotate = RotateOptions {
            cluster: Some(name.clone()),
            resume: switches.rotation_interrupted,
            timeout: Some(opts.stage_timeout),
            poll_interval: opts.poll,
            ..Default::default()
        };
        let why = if expiring.is_empty() {
            "requested".to_owned()
        } else {
            format!("expiring: {}", expiring.join(", "))
        };
        return Ok(match rotate::plan(session, &rotate).await {
            Ok(r) => progressing(
                "rotateCertificates".into(),
                operation("RotateCertificates", &name, &why, now),
                counts,
                Work::RotateCertificates(Box::new((r, rotate))),
            ),
            Err(e) => refused(e, counts),
        });
    }

    let p = match apply::plan(session, observed, &opts.apply).await {
        Ok(p) => p,
        Err(e) => return Ok(refused(e, counts)),
    };
    if !p.refusals.is_empty() || !p.conflicts.is_empty() {
        let message = p
            .refusals
            .iter()
            .chain(&p.conflicts)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        return Ok(Decision::observe(Outcome::Refused { message, counts }));
    }
    // The stage this pass ends with: the first disruptive one, after the writes and waits
    // before it (they are cheap and repeatable, and the engine defers some objects to the
    // stage that needs them, so a plan made again still begins with them).
    let first_disruptive = p.stages.iter().find(|s| is_disruptive(s));
    let Some(stage) = first_disruptive
        .or(p.stages.first())
        .filter(|_| p.plan.changes_anything())
    else {
        return Ok(Decision::observe(if awaiting_finalize {
            Outcome::AwaitingFinalize { counts }
        } else {
            Outcome::Settled { counts }
        }));
    };
    let stage_name = stage_name(stage);
    let operation = operation_for(stage, p.cluster(), now);
    Ok(progressing(
        stage_name,
        operation,
        counts,
        Work::Apply(Box::new(p)),
    ))
}

/// Whether an `apply` stage stops, starts or moves Ozone's members or data (a pass runs at
/// most one, with `status.operation` recorded first).
pub fn is_disruptive(stage: &Stage) -> bool {
    !matches!(stage, Stage::WriteObjects | Stage::WaitRollout)
}

/// The engine's name of an `apply` stage (`writeObjects`, `restart`, `shrinkRing[0]`, …).
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

/// `status.operation` for a disruptive `apply` stage (recorded before it acts); `None` for
/// writes and waits.
pub fn operation_for(stage: &Stage, cluster: &str, now: &Time) -> Option<OperationStatus> {
    let kind = match stage {
        Stage::ShrinkRing(_) | Stage::GrowRings => "ResizeRing",
        Stage::GrowStorage | Stage::RecreateStatefulSet(_) => "GrowStorage",
        Stage::Datanodes => "ScaleDatanodes",
        Stage::Restart => "Restart",
        Stage::WriteObjects | Stage::WaitRollout => return None,
    };
    operation(kind, cluster, &stage_name(stage), now)
}

/// Runs the chosen work: one step of its plan.
pub async fn run(
    session: &Session,
    work: &mut Work,
    opts: &Options,
    events: &mut dyn Events,
) -> anyhow::Result<()> {
    match work {
        Work::Apply(p) => {
            let act = Actuator::new(&session.kube, p.ozone(), Confirmed::granted());
            let waits = p.options().waits(Instant::now(), opts.resume.clone());
            for (index, stage) in p.stages.iter().enumerate() {
                apply::run_step(session, p, index, &act, &waits, events).await?;
                if is_disruptive(stage) {
                    break;
                }
            }
        }
        Work::Upgrade(p) => {
            let act = p.actuator(session, Confirmed::granted());
            p.run_phase(session, &act, events).await?;
        }
        Work::Finalize(p) => {
            if let Some(already) = &p.finalized_already {
                events.note(already);
            } else {
                p.run(session, Confirmed::granted(), events).await?;
            }
        }
        Work::Hibernate { cluster, step } => {
            let view = ozone_engine::cluster::discover::find(&session.kube, Some(cluster)).await?;
            let ozone = ozone_engine::cluster::exec::OzoneReader::new(
                session.exec.clone(),
                view.exec_targets(),
            );
            let act = Actuator::new(&session.kube, &ozone, Confirmed::granted());
            hibernate::run_step(session, &act, &opts.waits(), view.cluster(), step, events).await?;
        }
        Work::Restart(p) => {
            let act = Actuator::new(&session.kube, &p.ozone, Confirmed::granted());
            p.run(session, &act, events, opts.waits()).await?;
        }
        Work::IssueCertificates(work) => {
            let (issued, options) = &mut **work;
            issue::run(
                session,
                issued,
                Confirmed::granted(),
                options,
                &opts.resume,
                events,
            )
            .await?;
        }
        Work::RotateCertificates(work) => {
            let (rotation, rotate) = work.as_ref();
            let hints = ResumeHints {
                rerun: opts.resume.clone(),
                restarts: opts.resume.clone(),
            };
            rotation
                .run(session, Confirmed::granted(), rotate, &hints, events)
                .await?;
        }
    }
    Ok(())
}

/// Annotations on the resource that carry requests from the plugin, with the value last
/// carried out (kept in `status.handled`): a request is pending while they differ.
pub fn pending(
    annotations: &BTreeMap<String, String>,
    handled: &BTreeMap<String, String>,
    key: &str,
) -> Option<String> {
    let asked = annotations.get(key)?;
    (handled.get(key) != Some(asked)).then(|| asked.clone())
}
