//! `datanode decommission | recommission | maintenance`: resolve the targets, check, plan,
//! confirm, run the Ozone command, and optionally wait.
//!
//! Targets already on their way (decommissioning, entering maintenance) get no second
//! command, so re-running the same command with `--wait` resumes watching.

use super::wait::{self, WaitOpts};
use super::{SafetyArgs, policies};
use crate::cmd::common::{ChangeArgs, ClusterArgs, flags_hint};
use crate::cmd::common::{Presented, is_data, present_plan, print_plan};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::{Context, Result};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::plan::datanodes::{Target, resolve};
use ozone_engine::plan::preflight::{self, Check};
use ozone_engine::plan::{Plan, Step};
use ozone_storage::admin::{Mutation, OpState, Query, datanode, safemode};
use std::process::ExitCode;

/// `datanode decommission` arguments.
#[derive(Debug, Args, Clone)]
pub struct DecommissionArgs {
    /// Datanodes: pod names, host names or UUIDs.
    #[arg(required = true, value_name = "DATANODE")]
    pub targets: Vec<String>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Pre-flight.
    #[command(flatten)]
    pub safety: SafetyArgs,
}

/// `datanode recommission` arguments.
#[derive(Debug, Args, Clone)]
pub struct RecommissionArgs {
    /// Datanodes: pod names, host names or UUIDs.
    #[arg(required = true, value_name = "DATANODE")]
    pub targets: Vec<String>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: ChangeArgs,
}

/// `datanode maintenance` arguments.
#[derive(Debug, Args, Clone)]
pub struct MaintenanceArgs {
    /// Datanodes: pod names, host names or UUIDs.
    #[arg(required = true, value_name = "DATANODE")]
    pub targets: Vec<String>,
    /// End maintenance automatically after this many hours (default: until recommissioned).
    #[arg(long, value_name = "HOURS")]
    pub end: Option<u32>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Pre-flight.
    #[command(flatten)]
    pub safety: SafetyArgs,
}

/// The three operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Decommission.
    Decommission,
    /// Recommission.
    Recommission,
    /// Maintenance, with an optional end in hours.
    Maintenance(Option<u32>),
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Decommission => "decommission",
            Action::Recommission => "recommission",
            Action::Maintenance(_) => "maintenance",
        }
    }

    /// The state the datanodes end in.
    pub fn goal(self) -> OpState {
        match self {
            Action::Decommission => OpState::Decommissioned,
            Action::Recommission => OpState::InService,
            Action::Maintenance(_) => OpState::InMaintenance,
        }
    }

    /// Whether a datanode in `state` still needs the command (not done, not on its way).
    pub fn needed_for(self, state: &str) -> bool {
        let in_progress = match self {
            Action::Decommission => Some(OpState::Decommissioning),
            Action::Maintenance(_) => Some(OpState::EnteringMaintenance),
            Action::Recommission => None,
        };
        state != self.goal().as_str() && in_progress.is_none_or(|p| p.as_str() != state)
    }

    fn mutation(self, hosts: &[String]) -> Mutation {
        match self {
            Action::Decommission => Mutation::decommission(hosts),
            Action::Recommission => Mutation::recommission(hosts),
            Action::Maintenance(end) => Mutation::maintenance(hosts, end),
        }
    }
}

/// Runs `datanode decommission`.
pub async fn decommission(
    session: &Session,
    io: &mut Io,
    a: &DecommissionArgs,
) -> Result<ExitCode> {
    run(
        session,
        io,
        Request {
            action: Action::Decommission,
            given: &a.targets,
            cluster: &a.cluster,
            change: &a.change,
            safety: Some(&a.safety),
        },
    )
    .await
}

/// Runs `datanode recommission`.
pub async fn recommission(
    session: &Session,
    io: &mut Io,
    a: &RecommissionArgs,
) -> Result<ExitCode> {
    run(
        session,
        io,
        Request {
            action: Action::Recommission,
            given: &a.targets,
            cluster: &a.cluster,
            change: &a.change,
            safety: None,
        },
    )
    .await
}

/// Runs `datanode maintenance`.
pub async fn maintenance(session: &Session, io: &mut Io, a: &MaintenanceArgs) -> Result<ExitCode> {
    run(
        session,
        io,
        Request {
            action: Action::Maintenance(a.end),
            given: &a.targets,
            cluster: &a.cluster,
            change: &a.change,
            safety: Some(&a.safety),
        },
    )
    .await
}

/// Datanodes about to leave service, among all of them.
pub struct Leaving<'a> {
    /// Every datanode.
    pub datanodes: &'a [ozone_storage::admin::DatanodeInfo],
    /// UUIDs of those leaving.
    pub uuids: Vec<&'a str>,
    /// The targets.
    pub targets: &'a [Target],
}

/// The plan's checks for datanodes leaving service.
pub async fn leaving_checks(
    session: &Session,
    view: &ozone_engine::cluster::view::ClusterView,
    ozone: &OzoneReader,
    leaving: &Leaving<'_>,
    safety: &SafetyArgs,
    notes: &mut Vec<String>,
) -> Result<Vec<Check>> {
    let targets = leaving.targets;
    let mut checks = vec![Check::run(
        "ownership",
        preflight::SKIP_OWNERSHIP,
        safety.skip_ownership_check,
        || preflight::ownership(targets, view.cluster()),
    )];
    let safe = if safety.skip_safemode_check {
        None
    } else {
        let out = ozone.query(&Query::safemode_status()).await?;
        Some(safemode::parse_status(&out)?)
    };
    checks.push(Check::run(
        "safe-mode",
        preflight::SKIP_SAFEMODE,
        safety.skip_safemode_check,
        || safe.map_or_else(|| Ok(String::new()), preflight::safe_mode),
    ));
    let policies = if safety.skip_replication_check {
        Vec::new()
    } else {
        policies(session, view, &safety.replication, notes).await?
    };
    checks.push(Check::run(
        "replication",
        preflight::SKIP_REPLICATION,
        safety.skip_replication_check,
        || preflight::replication_headroom(leaving.datanodes, &leaving.uuids, &policies),
    ));
    Ok(checks)
}

/// One invocation of the three commands.
struct Request<'a> {
    action: Action,
    given: &'a [String],
    cluster: &'a ClusterArgs,
    change: &'a ChangeArgs,
    safety: Option<&'a SafetyArgs>,
}

async fn run(session: &Session, io: &mut Io, req: Request<'_>) -> Result<ExitCode> {
    let Request {
        action,
        given,
        cluster,
        change,
        safety,
    } = req;
    let view = discover::find(&session.kube, cluster.name.as_deref()).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let datanodes = datanode::parse_list(&ozone.query(&Query::datanode_list()).await?)?;
    let targets = resolve(&view, &datanodes, given).map_err(|e| BadInput(e.to_string()))?;
    let mut notes = Vec::new();
    let checks = match safety {
        Some(safety) => {
            let leaving = Leaving {
                datanodes: &datanodes,
                uuids: targets.iter().map(|t| t.uuid.as_str()).collect(),
                targets: &targets,
            };
            leaving_checks(session, &view, &ozone, &leaving, safety, &mut notes).await?
        }
        None => Vec::new(),
    };
    let hosts: Vec<String> = targets
        .iter()
        .filter(|t| action.needed_for(&t.op_state))
        .map(|t| t.host_name.clone())
        .collect();
    for t in targets.iter().filter(|t| !action.needed_for(&t.op_state)) {
        notes.push(format!(
            "{} is already {}: no command sent",
            t.pod.as_deref().unwrap_or(&t.host_name),
            t.op_state
        ));
    }
    let mut steps = Vec::new();
    if !hosts.is_empty() {
        let m = action.mutation(&hosts);
        steps.push(Step::Ozone {
            component: m.component().id().into(),
            argv: m.argv().to_vec(),
        });
    }
    let all_hosts: Vec<String> = targets.iter().map(|t| t.host_name.clone()).collect();
    if change.wait {
        steps.push(Step::Wait {
            datanodes: all_hosts.clone(),
            until: action.goal().to_string(),
        });
    }
    let plan = Plan {
        action: action.name().into(),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run: change.is_dry_run(),
        targets,
        checks,
        notes,
        steps,
    };
    if present_plan(io, &plan, change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    let tier = match action {
        Action::Recommission => Tier::Low,
        _ => Tier::Risky,
    };
    // Only waiting (everything already on its way) needs no confirmation.
    let confirmed = if !plan.changes_anything() {
        None
    } else {
        Some(confirm(
            io.prompt.as_deref_mut(),
            tier,
            change.yes,
            &format!("{} {}?", action.name(), hosts.join(", ")),
            "",
        )?)
    };
    if let Some(confirmed) = confirmed {
        let act = Actuator::new(&session.kube, &ozone, confirmed);
        let out = act.ozone(&action.mutation(&hosts)).await.with_context(|| {
            format!(
                "{} failed; run `kubectl ozone datanode list` to see the state",
                action.name()
            )
        })?;
        io.note(out.trim_end());
    }
    let resume = format!(
        "kubectl ozone datanode {} {} --wait {}",
        action.name(),
        given.join(" "),
        flags_hint(session, view.cluster(), cluster)
    );
    if change.wait {
        let opts = WaitOpts {
            timeout: change.timeout,
            interval: change.poll_interval,
            progress: change.progress,
        };
        wait::until(&ozone, io, &all_hosts, action.goal(), &opts, &resume).await?;
    } else if !hosts.is_empty() && action != Action::Recommission {
        io.note(format!("started; follow progress with:\n  {resume}"));
    }
    if is_data(change.format) {
        print_plan(io, &plan, change)?;
    }
    Ok(ExitCode::SUCCESS)
}
