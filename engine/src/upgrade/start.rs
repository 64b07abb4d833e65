//! The upgrade (or downgrade) itself: pre-flight checks, the plan, then the non-rolling
//! procedure of [`crate::plan::upgrade`], each phase recorded on the SCM StatefulSet so that
//! planning again after an interruption (the same command, or the next reconcile) finishes
//! the run.

use super::{Flags, exec_targets, finalization, om_service_id, scale_or_wait};
use crate::cluster::Session;
use crate::cluster::act::{Actuator, Confirmed, WorkloadKind};
use crate::cluster::discover;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::{ClusterView, is_ready};
use crate::error::BadInput;
use crate::events::Events;
use crate::plan::Plan;
use crate::plan::finality::Facts;
use crate::plan::preflight::{Check, SKIP_SAFEMODE, safe_mode};
use crate::plan::rotation::{SKIP_LEADER, SKIP_READINESS};
use crate::plan::upgrade::{
    self, Action, FROM_ANNOTATION, Input, PHASE_ANNOTATION, TARGET_ANNOTATION,
};
use crate::pods::restart::{Restarter, Waits};
use crate::pods::rolling::{plan_restarts, pod_states, with_resume};
use anyhow::{Context, Result, anyhow};
use ozone_storage::Component;
use ozone_storage::admin::{
    FinalizationStatus, Mutation, Query, datanode, roles, safemode, upgrade as parse,
};
use ozone_storage::versions::{self, Direction, Release, Version};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// Flag that skips the check that the previous upgrade was finalized.
pub const SKIP_FINALIZATION: &str = "--skip-finalization-check";
/// Flag that skips the check that no datanode is being decommissioned.
pub const SKIP_DECOMMISSION: &str = "--skip-decommission-check";

/// The pre-flight checks to skip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skips {
    /// That every pod is ready.
    pub readiness: bool,
    /// That the OM and SCM rings have a leader (and the leader re-check before each OM
    /// restart).
    pub leader: bool,
    /// That SCM is out of safe mode.
    pub safemode: bool,
    /// That the previous upgrade was finalized.
    pub finalization: bool,
    /// That no datanode is being decommissioned or entering maintenance.
    pub decommission: bool,
}

/// How an upgrade runs.
#[derive(Clone, Debug)]
pub struct UpgradeOptions {
    /// Checks to skip.
    pub skips: Skips,
    /// When the whole run gives up waiting (exit 3 on the command line); none: never.
    pub timeout: Option<Duration>,
    /// Time between polls.
    pub poll: Duration,
    /// Plan only: the plan says so, and is only shown.
    pub dry_run: bool,
    /// How follow-up commands select the cluster.
    pub flags: Flags,
}

/// The version asked for: `to`, and/or `spec` (a spec file and its `spec.version`), which
/// must agree.
pub fn target(to: Option<&str>, spec: Option<(&Path, String)>) -> Result<&'static Release> {
    let version = match (to, &spec) {
        (Some(to), Some((path, file))) if to.trim() != file => {
            return Err(BadInput(format!(
                "--to {to} and spec.version {file} of {} disagree; give one",
                path.display()
            ))
            .into());
        }
        (Some(v), _) => v.to_owned(),
        (None, Some((_, v))) => v.clone(),
        (None, None) => {
            return Err(BadInput(
                "which version? give --to VERSION or -f SPEC with spec.version".into(),
            )
            .into());
        }
    };
    versions::find(&version).ok_or_else(|| {
        BadInput(format!(
            "--to {version}: not an Ozone release kubectl-ozone knows; one of {}",
            versions::known()
        ))
        .into()
    })
}

/// The command that resumes.
fn resume_command(flags: &Flags, cluster: &str, to: &str) -> String {
    format!("kubectl ozone upgrade --to {to} {}", flags.of(cluster))
}

/// The repository of an image reference (`apache/ozone:2.2.0` → `apache/ozone`).
fn repository(image: &str) -> &str {
    match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => image,
    }
}

/// An upgrade planned: what is shown, and what runs.
pub struct UpgradePlan {
    /// The plan as shown (a dry run stops here).
    pub plan: Plan,
    /// The actions still to do, one per step of [`Self::plan`].
    pub actions: Vec<Action>,
    /// The cluster.
    pub cluster: String,
    /// The version it runs (or ran when the run in progress began).
    pub from: Version,
    /// The version it goes to.
    pub target: Version,
    /// Upgrade or downgrade.
    pub direction: Direction,
    ozone: OzoneReader,
    waits: Waits,
    skip_leader: bool,
    flags: Flags,
}

/// Reads `cluster` (the only one when `None`) and plans its upgrade to `release`: a fresh
/// run's pre-flight checks, or the rest of the run its records say is in progress.
pub async fn plan(
    session: &Session,
    cluster: Option<&str>,
    release: &'static Release,
    options: &UpgradeOptions,
) -> Result<UpgradePlan> {
    let started = Instant::now();
    let target = release.parsed();
    let view = discover::find(&session.kube, cluster).await?;
    let cluster = view.cluster().to_owned();
    let workloads = upgrade::workloads(&view);
    let scm = workloads
        .iter()
        .find(|w| w.component == Component::Scm)
        .ok_or_else(|| anyhow!("cluster {cluster} has no SCM StatefulSet"))?;
    let flags = &options.flags;
    let resume = resume_command(flags, &cluster, release.version);
    let record = upgrade::record(&workloads);
    let in_progress = record.filter(|r| !r.phase.is_done());
    let (from, phase) = match in_progress {
        Some(r) if r.target != target => anyhow::bail!(
            "an {} of cluster {cluster} to {} is in progress (phase {}); finish it first with:\n  {}",
            versions::direction(r.from, r.target).noun(),
            r.target,
            r.phase.as_str(),
            resume_command(flags, &cluster, &r.target.to_string())
        ),
        Some(r) => (r.from, Some(r.phase)),
        None => {
            let running = scm.version().ok_or_else(|| {
                BadInput(format!(
                    "cannot tell the Ozone version of cluster {cluster} from its image {}: upgrade runs only on images tagged with a release number",
                    scm.image
                ))
            })?;
            (running, None)
        }
    };
    let direction = versions::direction(from, target);
    if direction == Direction::Same {
        return Err(BadInput(format!(
            "cluster {cluster} runs Ozone {target} already; nothing to upgrade"
        ))
        .into());
    }
    let ozone = OzoneReader::new(session.exec.clone(), exec_targets(&view, &workloads));
    let service_id = om_service_id(session, &view).await?;
    let mut notes = vec![format!(
        "{} from {from} to {target}: every pod stops (downtime) and starts again on {}",
        direction.noun(),
        release.image_tag
    )];
    let mut checks = Vec::new();
    if let Some(p) = phase {
        notes.push(format!(
            "resuming: phase {} was reached; the pre-flight checks passed when the run began",
            p.as_str()
        ));
    } else {
        let (om, scm_status) = finalization(&ozone).await?;
        if direction == Direction::Downgrade {
            let facts = Facts {
                running: Some(from),
                record,
                om: Some(om.to_string()),
                scm: Some(scm_status.to_string()),
            };
            if let Some(why) = facts.downgrade_refusal(target) {
                anyhow::bail!(
                    "refused: cluster {cluster} cannot go back to {target}: {why}; nothing was changed"
                );
            }
        }
        checks = preflight(&view, &ozone, &options.skips, direction, (om, scm_status)).await?;
    }
    let actions = upgrade::stop_the_world(&Input {
        workloads: &workloads,
        phase,
        direction,
        image: format!("{}:{}", repository(&scm.image), release.image_tag),
        target,
        om_service_id: service_id.clone(),
        prepare: versions::find(&from.to_string()).is_none_or(|r| r.om_prepare),
    });
    let plan = Plan {
        action: format!("Ozone {}", direction.noun()),
        cluster: cluster.clone(),
        namespace: session.namespace().into(),
        dry_run: options.dry_run,
        targets: Vec::new(),
        checks,
        notes,
        steps: actions.iter().map(Action::step).collect(),
    };
    Ok(UpgradePlan {
        plan,
        actions,
        cluster,
        from,
        target,
        direction,
        ozone,
        waits: Waits {
            interval: options.poll,
            deadline: options.timeout.map(|t| started + t),
            started,
            resume,
        },
        skip_leader: options.skips.leader,
        flags: options.flags.clone(),
    })
}

impl UpgradePlan {
    /// The writer for this plan's steps, once the change is confirmed.
    pub fn actuator(&self, session: &Session, confirmed: Confirmed) -> Actuator {
        Actuator::new(&session.kube, &self.ozone, confirmed)
    }

    /// Carries out step `index` (from 0) of the plan. A step re-reads what it acts on, so a
    /// controller may run one, return, and plan again later from the records.
    pub async fn run_step(
        &self,
        session: &Session,
        act: &Actuator,
        index: usize,
        events: &mut dyn Events,
    ) -> Result<()> {
        let total = self.actions.len();
        let action = self
            .actions
            .get(index)
            .ok_or_else(|| anyhow!("the plan has {total} steps, not {}", index + 1))?;
        events.note(format!(
            "[{}/{total}] {}",
            index + 1,
            action.step().describe()
        ));
        let runner = Runner {
            session,
            act,
            plan: self,
            flag: self.direction.om_flag().unwrap_or("--upgrade"),
        };
        with_resume(runner.act_on(events, action).await, &self.waits.resume)
    }

    /// Advances the run by one phase: carries out the steps up to and including the next
    /// record of the phase reached. The records are where a run resumes, and every step
    /// between two of them is safe to repeat (a wait whose condition holds returns at once, a
    /// workload already stopped is not stopped again), so a controller calls this once per
    /// reconcile, planning again each time from the records. Returns how many steps ran.
    pub async fn run_phase(
        &self,
        session: &Session,
        act: &Actuator,
        events: &mut dyn Events,
    ) -> Result<usize> {
        for (index, action) in self.actions.iter().enumerate() {
            self.run_step(session, act, index, events).await?;
            if matches!(action, Action::Record { .. }) {
                return Ok(index + 1);
            }
        }
        Ok(self.actions.len())
    }

    /// Runs every step, then says where the cluster stands (Ozone's answer, told the way
    /// the upgrade status tells it).
    pub async fn run(
        &self,
        session: &Session,
        confirmed: Confirmed,
        events: &mut dyn Events,
    ) -> Result<()> {
        let act = self.actuator(session, confirmed);
        for index in 0..self.actions.len() {
            self.run_step(session, &act, index, events).await?;
        }
        let (om, scm) = match finalization(&self.ozone).await {
            Ok((om, scm)) => (Some(om.to_string()), Some(scm.to_string())),
            Err(_) => (None, None),
        };
        let cluster = &self.cluster;
        let view = discover::find(&session.kube, Some(cluster)).await?;
        let standing = Facts {
            running: Some(self.target),
            record: upgrade::record(&upgrade::workloads(&view)),
            om,
            scm,
        }
        .standing(&self.flags.of(cluster));
        events.note(format!(
            "cluster {cluster} runs Ozone {}, {}. Downgrade: {}",
            self.target, standing.summary, standing.downgrade
        ));
        Ok(())
    }
}

/// The pre-flight checks of a fresh run.
async fn preflight(
    view: &ClusterView,
    ozone: &OzoneReader,
    skips: &Skips,
    direction: Direction,
    (om, scm): (FinalizationStatus, FinalizationStatus),
) -> Result<Vec<Check>> {
    let not_ready: Vec<String> = view
        .pods
        .iter()
        .filter(|p| !is_ready(p))
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    let mut checks = vec![Check::run(
        "readiness",
        SKIP_READINESS,
        skips.readiness,
        || {
            if not_ready.is_empty() {
                Ok(format!("every pod is ready ({})", view.pods.len()))
            } else {
                Err(format!("not ready: {}", not_ready.join(", ")))
            }
        },
    )];
    let leaders = if skips.leader {
        Ok(String::new())
    } else {
        let om_leader = roles::parse_om_roles(&ozone.query(&Query::om_roles()).await?)?
            .iter()
            .any(|r| r.role.eq_ignore_ascii_case("LEADER"));
        let scm_leader = roles::parse_scm_roles(&ozone.query(&Query::scm_roles()).await?)?
            .iter()
            .any(|r| r.role.eq_ignore_ascii_case("LEADER"));
        match (om_leader, scm_leader) {
            (true, true) => Ok("OM and SCM each have a Raft leader".to_owned()),
            _ => Err(format!(
                "no Raft leader in {}",
                [(om_leader, "OM"), (scm_leader, "SCM")]
                    .iter()
                    .filter(|(l, _)| !l)
                    .map(|(_, n)| *n)
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
        }
    };
    checks.push(Check::run("raft-leader", SKIP_LEADER, skips.leader, || {
        leaders
    }));
    let safemode = if skips.safemode {
        Ok(String::new())
    } else {
        safe_mode(safemode::parse_status(
            &ozone.query(&Query::safemode_status()).await?,
        )?)
    };
    checks.push(Check::run(
        "safemode",
        SKIP_SAFEMODE,
        skips.safemode,
        || safemode,
    ));
    checks.push(Check::run(
        "finalized",
        SKIP_FINALIZATION,
        skips.finalization || direction == Direction::Downgrade,
        || {
            if om.is_finalized() && scm.is_finalized() {
                Ok(format!(
                    "the previous upgrade is finalized (OM {om}, SCM {scm})"
                ))
            } else {
                Err(format!(
                    "the previous upgrade is not finalized (OM {om}, SCM {scm}): run `kubectl ozone upgrade finalize` first, or downgrade to the version it came from"
                ))
            }
        },
    ));
    let decommissioning = if skips.decommission {
        Vec::new()
    } else {
        datanode::parse_list(&ozone.query(&Query::datanode_list()).await?)?
            .into_iter()
            .filter(|d| {
                let s = d.op_state.to_string();
                s == "DECOMMISSIONING" || s == "ENTERING_MAINTENANCE"
            })
            .map(|d| format!("{} ({})", d.short_host(), d.op_state))
            .collect()
    };
    checks.push(Check::run(
        "decommission",
        SKIP_DECOMMISSION,
        skips.decommission,
        || {
            if decommissioning.is_empty() {
                Ok("no datanode is being decommissioned or entering maintenance".into())
            } else {
                Err(format!(
                    "in progress, would be cut off by the stop: {}",
                    decommissioning.join(", ")
                ))
            }
        },
    ));
    Ok(checks)
}

/// Carries out actions.
struct Runner<'a> {
    session: &'a Session,
    act: &'a Actuator,
    plan: &'a UpgradePlan,
    flag: &'a str,
}

impl Runner<'_> {
    async fn act_on(&self, events: &mut dyn Events, action: &Action) -> Result<()> {
        let kube = &self.session.kube;
        let (cluster, ozone, waits) = (&self.plan.cluster, &self.plan.ozone, &self.plan.waits);
        match action {
            Action::Record { anchor, phase } => {
                let annotations = BTreeMap::from([
                    (
                        TARGET_ANNOTATION.to_owned(),
                        Some(self.plan.target.to_string()),
                    ),
                    (FROM_ANNOTATION.to_owned(), Some(self.plan.from.to_string())),
                    (PHASE_ANNOTATION.to_owned(), Some(phase.as_str().to_owned())),
                ]);
                self.act
                    .annotate_workload(WorkloadKind::StatefulSet, anchor, &annotations)
                    .await?;
            }
            Action::Ozone(m) => self.prepare(events, m).await?,
            Action::Stop { .. }
            | Action::Start { .. }
            | Action::WaitGone(_)
            | Action::WaitReady(..) => {
                scale_or_wait(self.act, kube, waits, cluster, action).await?;
            }
            Action::SetImage { kind, name, change } => {
                self.act.set_template_image(*kind, name, change).await?;
            }
            Action::WaitSafeModeOff => {
                waits
                    .until("SCM to leave safe mode", || async {
                        // SCM answers only once it is up; until then keep polling.
                        Ok(match ozone.query(&Query::safemode_status()).await {
                            Ok(out) => (safemode::parse_status(&out).ok()
                                == Some(ozone_storage::admin::SafeMode::Out))
                            .then_some(()),
                            Err(_) => None,
                        })
                    })
                    .await?;
            }
            Action::CancelPrepareIfNeeded { service_id } => {
                let pods = kube.component_pods(cluster, Component::Om).await?;
                let without: Vec<String> = pods
                    .iter()
                    .filter(|p| !upgrade::starts_with_flag(p.spec.as_ref()))
                    .filter_map(|p| p.metadata.name.clone())
                    .collect();
                if without.is_empty() {
                    events.note(format!(
                        "every OM started with {}: none is left prepared, no cancelprepare needed",
                        self.flag
                    ));
                } else {
                    events.note(format!(
                        "started without {}, so still prepared: {}",
                        self.flag,
                        without.join(", ")
                    ));
                    let out = self
                        .act
                        .ozone(&Mutation::om_cancel_prepare(Some(service_id)))
                        .await?;
                    parse::parse_cancel_prepare(&out)?;
                }
            }
            Action::RestartOms => self.restart_oms(events).await?,
        }
        Ok(())
    }

    async fn prepare(&self, events: &mut dyn Events, m: &Mutation) -> Result<()> {
        let out = self.act.ozone(m).await.with_context(|| {
            "OM prepare failed; nothing was stopped and the OMs still serve (a partly prepared ring refuses writes until `ozone admin om cancelprepare` or a new run)".to_owned()
        })?;
        let prepared = parse::parse_prepare(&out).with_context(
            || "OM prepare did not report success; nothing was stopped and the OMs still serve",
        )?;
        match prepared.outcome {
            parse::PrepareOutcome::AllPrepared => events.note("every OM is prepared"),
            parse::PrepareOutcome::MajorityPrepared { not_prepared } => events.note(format!(
                "warning: only a majority of OMs are prepared; not prepared: {not_prepared} (they catch up from a Raft snapshot after the start)"
            )),
        }
        Ok(())
    }

    async fn restart_oms(&self, events: &mut dyn Events) -> Result<()> {
        let kube = &self.session.kube;
        let (cluster, ozone) = (&self.plan.cluster, &self.plan.ozone);
        let view = discover::find(kube, Some(cluster)).await?;
        let pods = pod_states(&view, ozone, &[Component::Om]).await?;
        let flagged: Vec<String> = view
            .pods_of(Component::Om)
            .iter()
            .filter(|p| upgrade::starts_with_flag(p.spec.as_ref()))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        let restarts = plan_restarts(kube, &view, &pods, &[Component::Om], |pod| {
            !flagged.iter().any(|f| f == pod)
        })
        .await?;
        let restarter = Restarter {
            kube,
            act: self.act,
            ozone,
            cluster,
            check_roles: !self.plan.skip_leader,
            check_datanodes: false,
            not_ready_at_start: Default::default(),
            waits: self.plan.waits.clone(),
        };
        restarts.run(&restarter, events, &Default::default()).await
    }
}
