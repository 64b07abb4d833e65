//! `datanode decommission | recommission | maintenance`: the engine
//! ([`ozone_engine::change::datanodes`]) resolves the targets, checks and plans; this shows
//! the plan, confirms, and has the engine run the Ozone command and optionally wait.

use super::SafetyArgs;
use crate::cmd::common::{ChangeArgs, ClusterArgs, flags_hint};
use crate::cmd::common::{Presented, is_data, present_plan, print_plan};
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::change::datanodes::wait::WaitOpts;
use ozone_engine::change::datanodes::{Action, ChangeRequest, Safety, plan_change};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
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
            safety: Some(&a.safety.safety()),
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
            safety: Some(&a.safety.safety()),
        },
    )
    .await
}

/// One invocation of the three commands.
struct Request<'a> {
    action: Action,
    given: &'a [String],
    cluster: &'a ClusterArgs,
    change: &'a ChangeArgs,
    safety: Option<&'a Safety>,
}

async fn run(session: &Session, io: &mut Io, req: Request<'_>) -> Result<ExitCode> {
    let Request {
        action,
        given,
        cluster,
        change,
        safety,
    } = req;
    io.with_progress(change.progress);
    let planned = plan_change(
        session,
        &ChangeRequest {
            action,
            given,
            cluster: cluster.name.as_deref(),
            safety,
            wait: change.wait,
            dry_run: change.is_dry_run(),
        },
    )
    .await?;
    let plan = &planned.plan;
    if present_plan(io, plan, change)? == Presented::DryRun {
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
            &format!("{} {}?", action.name(), planned.hosts.join(", ")),
            "",
        )?)
    };
    let act = confirmed.map(|c| Actuator::new(&session.kube, &planned.ozone, c));
    let resume = format!(
        "kubectl ozone datanode {} {} --wait {}",
        action.name(),
        given.join(" "),
        flags_hint(session, &plan.cluster, cluster)
    );
    let opts = WaitOpts {
        timeout: change.timeout,
        interval: change.poll_interval,
    };
    planned.run(act.as_ref(), io, &opts, &resume).await?;
    if is_data(change.format) {
        print_plan(io, plan, change)?;
    }
    Ok(ExitCode::SUCCESS)
}
