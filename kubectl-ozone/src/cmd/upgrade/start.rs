//! `kubectl ozone upgrade --to VERSION` (or `-f SPEC`): pre-flight checks, the plan, then the
//! non-rolling procedure of `ops::upgrade`, each phase recorded on the SCM StatefulSet so the
//! same command finishes an interrupted run.

use super::{exec_targets, finalization, om_service_id};
use crate::cmd::cert::restart::{Restarter, Waits};
use crate::cmd::cert::rotate::{plan_restarts, pod_states, with_resume};
use crate::cmd::common::{ChangeArgs, ClusterArgs, Presented, flags_hint, is_data};
use crate::cmd::common::{present_plan, print_plan};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::{Actuator, WorkloadKind};
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::is_ready;
use ozone_engine::plan::Plan;
use ozone_engine::plan::finality::Facts;
use ozone_engine::plan::preflight::{Check, SKIP_SAFEMODE, safe_mode};
use ozone_engine::plan::rotation::{SKIP_LEADER, SKIP_READINESS};
use ozone_engine::plan::upgrade::{
    self, Action, FROM_ANNOTATION, Input, PHASE_ANNOTATION, REPLICAS_ANNOTATION, TARGET_ANNOTATION,
};
use ozone_storage::Component;
use ozone_storage::admin::{Mutation, Query, datanode, roles, safemode, upgrade as parse};
use ozone_storage::versions::{self, Direction, Version};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::time::Instant;

pub(super) const EXAMPLES: &str = "Examples:
  # See the plan: checks, OM prepare, the stop, new images, the start order
  kubectl ozone upgrade --to 2.2.1 --dry-run

  # Upgrade to the version a spec file names, without asking
  kubectl ozone upgrade -f ozone-cluster.yaml --yes

  # Then, once the new version has proven itself (no downgrade afterwards)
  kubectl ozone upgrade status
  kubectl ozone upgrade finalize";

/// Flag that skips the check that the previous upgrade was finalized.
pub const SKIP_FINALIZATION: &str = "--skip-finalization-check";
/// Flag that skips the check that no datanode is being decommissioned.
pub const SKIP_DECOMMISSION: &str = "--skip-decommission-check";

/// `upgrade` arguments.
#[derive(Debug, Args, Clone)]
pub struct StartArgs {
    /// The Ozone version to run (a release kubectl-ozone knows; older than the running one
    /// is a downgrade, possible only before `upgrade finalize`).
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Take the version from this spec file's spec.version.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags. The procedure always waits for each phase; --timeout bounds the run.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Skip the check that every pod is ready.
    #[arg(long)]
    pub skip_readiness_check: bool,
    /// Skip the check that the OM and SCM rings have a leader (and the leader re-check
    /// before each OM restart).
    #[arg(long)]
    pub skip_leader_check: bool,
    /// Skip the check that SCM is out of safe mode.
    #[arg(long)]
    pub skip_safemode_check: bool,
    /// Skip the check that the previous upgrade was finalized.
    #[arg(long)]
    pub skip_finalization_check: bool,
    /// Skip the check that no datanode is being decommissioned or entering maintenance.
    #[arg(long)]
    pub skip_decommission_check: bool,
}

/// The version asked for, from `--to` and/or `-f`.
fn wanted(a: &StartArgs) -> Result<&'static versions::Release> {
    let from_file = match &a.file {
        Some(path) => Some(
            crate::cmd::render::load(&crate::cli::SpecArgs {
                file: Some(path.clone()),
                ..Default::default()
            })?
            .version,
        ),
        None => None,
    };
    let version = match (&a.to, &from_file) {
        (Some(to), Some(file)) if to.trim() != file => {
            return Err(BadInput(format!(
                "--to {to} and spec.version {file} of {} disagree; give one",
                a.file
                    .as_deref()
                    .map(|f| f.display().to_string())
                    .unwrap_or_default()
            ))
            .into());
        }
        (Some(v), _) | (None, Some(v)) => v.clone(),
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
fn resume_command(session: &Session, cluster: &str, a: &StartArgs, to: &str) -> String {
    format!(
        "kubectl ozone upgrade --to {to} {}",
        flags_hint(session, cluster, &a.cluster)
    )
}

/// The repository of an image reference (`apache/ozone:2.2.0` → `apache/ozone`).
fn repository(image: &str) -> &str {
    match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => image,
    }
}

/// Runs `upgrade`.
pub async fn run(session: &Session, io: &mut Io, a: &StartArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let started = Instant::now();
    let release = wanted(a)?;
    let target = release.parsed();
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let cluster = view.cluster().to_owned();
    let workloads = upgrade::workloads(&view);
    let scm = workloads
        .iter()
        .find(|w| w.component == Component::Scm)
        .ok_or_else(|| anyhow!("cluster {cluster} has no SCM StatefulSet"))?;
    let resume = resume_command(session, &cluster, a, release.version);
    let record = upgrade::record(&workloads);
    let in_progress = record.filter(|r| !r.phase.is_done());
    let (from, phase) = match in_progress {
        Some(r) if r.target != target => anyhow::bail!(
            "an {} of cluster {cluster} to {} is in progress (phase {}); finish it first with:\n  {}",
            versions::direction(r.from, r.target).noun(),
            r.target,
            r.phase.as_str(),
            resume_command(session, &cluster, a, &r.target.to_string())
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
        checks = preflight(&view, &ozone, a, direction, (om, scm_status)).await?;
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
        dry_run: a.change.is_dry_run(),
        targets: Vec::new(),
        checks,
        notes,
        steps: actions.iter().map(Action::step).collect(),
    };
    if present_plan(io, &plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        a.change.yes,
        &format!(
            "stop every pod of cluster {cluster} and {} it from {from} to {target}?",
            direction.noun()
        ),
        "",
    )?;
    let act = Actuator::new(&session.kube, &ozone, confirmed);
    let run = Runner {
        session,
        act: &act,
        ozone: &ozone,
        cluster: &cluster,
        args: a,
        record: (target, from),
        flag: direction.om_flag().unwrap_or("--upgrade"),
        waits: Waits {
            interval: a.change.poll_interval,
            deadline: a.change.timeout.map(|t| started + t),
            started,
            resume: resume.clone(),
        },
    };
    let total = actions.len();
    for (i, action) in actions.iter().enumerate() {
        io.note(format!("[{}/{total}] {}", i + 1, action.step().describe()));
        with_resume(run.act_on(io, action).await, &resume)?;
    }
    // Where the cluster stands is Ozone's answer, told the way `upgrade status` tells it.
    let (om, scm) = match finalization(&ozone).await {
        Ok((om, scm)) => (Some(om.to_string()), Some(scm.to_string())),
        Err(_) => (None, None),
    };
    let view = discover::find(&session.kube, Some(&cluster)).await?;
    let standing = Facts {
        running: Some(target),
        record: upgrade::record(&upgrade::workloads(&view)),
        om,
        scm,
    }
    .standing(&flags_hint(session, &cluster, &a.cluster));
    io.note(format!(
        "cluster {cluster} runs Ozone {target}, {}. Downgrade: {}",
        standing.summary, standing.downgrade
    ));
    if is_data(a.change.format) {
        print_plan(io, &plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The pre-flight checks of a fresh run.
async fn preflight(
    view: &ozone_engine::cluster::view::ClusterView,
    ozone: &OzoneReader,
    a: &StartArgs,
    direction: Direction,
    (om, scm): (
        ozone_storage::admin::FinalizationStatus,
        ozone_storage::admin::FinalizationStatus,
    ),
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
        a.skip_readiness_check,
        || {
            if not_ready.is_empty() {
                Ok(format!("every pod is ready ({})", view.pods.len()))
            } else {
                Err(format!("not ready: {}", not_ready.join(", ")))
            }
        },
    )];
    let leaders = if a.skip_leader_check {
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
    checks.push(Check::run(
        "raft-leader",
        SKIP_LEADER,
        a.skip_leader_check,
        || leaders,
    ));
    let safemode = if a.skip_safemode_check {
        Ok(String::new())
    } else {
        safe_mode(safemode::parse_status(
            &ozone.query(&Query::safemode_status()).await?,
        )?)
    };
    checks.push(Check::run(
        "safemode",
        SKIP_SAFEMODE,
        a.skip_safemode_check,
        || safemode,
    ));
    checks.push(Check::run(
        "finalized",
        SKIP_FINALIZATION,
        a.skip_finalization_check || direction == Direction::Downgrade,
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
    let decommissioning = if a.skip_decommission_check {
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
        a.skip_decommission_check,
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

/// Carries out the stop, start and pod-wait actions of a stop-and-start plan (shared by
/// `upgrade` and `recover --from`): a stop first records the replicas on the workload, so a
/// resumed run knows what to start again. Other actions are not its business.
pub(crate) async fn scale_or_wait(
    act: &Actuator,
    kube: &ozone_engine::cluster::view::KubeReader,
    waits: &Waits,
    cluster: &str,
    action: &Action,
) -> Result<()> {
    let scale = |kind: WorkloadKind, name: String, replicas: i32| async move {
        match kind {
            WorkloadKind::StatefulSet => act.scale_statefulset(&name, replicas).await,
            WorkloadKind::Deployment => act.scale_deployment(&name, replicas).await,
        }
    };
    match action {
        Action::Stop {
            kind,
            name,
            replicas,
        } => {
            let annotations =
                BTreeMap::from([(REPLICAS_ANNOTATION.to_owned(), Some(replicas.to_string()))]);
            act.annotate_workload(*kind, name, &annotations).await?;
            scale(*kind, name.clone(), 0).await?;
        }
        Action::Start {
            kind,
            name,
            replicas,
        } => scale(*kind, name.clone(), *replicas).await?,
        Action::WaitGone(c) => {
            waits
                .until(&format!("every {c} pod to be gone"), || async {
                    Ok(kube
                        .component_pods(cluster, *c)
                        .await?
                        .is_empty()
                        .then_some(()))
                })
                .await?;
        }
        Action::WaitReady(c, n) => {
            waits
                .until(&format!("{n} ready {c} pods"), || async {
                    let pods = kube.component_pods(cluster, *c).await?;
                    let ready = pods.iter().filter(|p| is_ready(p)).count();
                    Ok((pods.len() == ready && ready == *n as usize).then_some(()))
                })
                .await?;
        }
        other => anyhow::bail!("not a scale or wait action: {:?}", other.step()),
    }
    Ok(())
}

/// Carries out actions.
struct Runner<'a> {
    session: &'a Session,
    act: &'a Actuator,
    ozone: &'a OzoneReader,
    cluster: &'a str,
    args: &'a StartArgs,
    record: (Version, Version),
    flag: &'a str,
    waits: Waits,
}

impl Runner<'_> {
    async fn act_on(&self, io: &mut Io, action: &Action) -> Result<()> {
        let kube = &self.session.kube;
        match action {
            Action::Record { anchor, phase } => {
                let (target, from) = self.record;
                let annotations = BTreeMap::from([
                    (TARGET_ANNOTATION.to_owned(), Some(target.to_string())),
                    (FROM_ANNOTATION.to_owned(), Some(from.to_string())),
                    (PHASE_ANNOTATION.to_owned(), Some(phase.as_str().to_owned())),
                ]);
                self.act
                    .annotate_workload(WorkloadKind::StatefulSet, anchor, &annotations)
                    .await?;
            }
            Action::Ozone(m) => self.prepare(io, m).await?,
            Action::Stop { .. }
            | Action::Start { .. }
            | Action::WaitGone(_)
            | Action::WaitReady(..) => {
                scale_or_wait(self.act, kube, &self.waits, self.cluster, action).await?;
            }
            Action::SetImage { kind, name, change } => {
                self.act.set_template_image(*kind, name, change).await?;
            }
            Action::WaitSafeModeOff => {
                self.waits
                    .until("SCM to leave safe mode", || async {
                        // SCM answers only once it is up; until then keep polling.
                        Ok(match self.ozone.query(&Query::safemode_status()).await {
                            Ok(out) => (safemode::parse_status(&out).ok()
                                == Some(ozone_storage::admin::SafeMode::Out))
                            .then_some(()),
                            Err(_) => None,
                        })
                    })
                    .await?;
            }
            Action::CancelPrepareIfNeeded { service_id } => {
                let pods = kube.component_pods(self.cluster, Component::Om).await?;
                let without: Vec<String> = pods
                    .iter()
                    .filter(|p| !upgrade::starts_with_flag(p.spec.as_ref()))
                    .filter_map(|p| p.metadata.name.clone())
                    .collect();
                if without.is_empty() {
                    io.note(format!(
                        "every OM started with {}: none is left prepared, no cancelprepare needed",
                        self.flag
                    ));
                } else {
                    io.note(format!(
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
            Action::RestartOms => self.restart_oms(io).await?,
        }
        Ok(())
    }

    async fn prepare(&self, io: &mut Io, m: &Mutation) -> Result<()> {
        let out = self.act.ozone(m).await.with_context(|| {
            "OM prepare failed; nothing was stopped and the OMs still serve (a partly prepared ring refuses writes until `ozone admin om cancelprepare` or a new run)".to_owned()
        })?;
        let prepared = parse::parse_prepare(&out).with_context(
            || "OM prepare did not report success; nothing was stopped and the OMs still serve",
        )?;
        match prepared.outcome {
            parse::PrepareOutcome::AllPrepared => io.note("every OM is prepared"),
            parse::PrepareOutcome::MajorityPrepared { not_prepared } => io.note(format!(
                "warning: only a majority of OMs are prepared; not prepared: {not_prepared} (they catch up from a Raft snapshot after the start)"
            )),
        }
        Ok(())
    }

    async fn restart_oms(&self, io: &mut Io) -> Result<()> {
        let kube = &self.session.kube;
        let view = discover::find(kube, Some(self.cluster)).await?;
        let pods = pod_states(&view, self.ozone, &[Component::Om]).await?;
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
            ozone: self.ozone,
            cluster: self.cluster,
            check_roles: !self.args.skip_leader_check,
            check_datanodes: false,
            not_ready_at_start: Default::default(),
            waits: self.waits.clone(),
        };
        restarts.run(&restarter, io, &Default::default()).await
    }
}
