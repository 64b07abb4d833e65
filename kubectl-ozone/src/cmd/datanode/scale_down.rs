//! `datanode scale-down --replicas N`: a StatefulSet removes its highest ordinals, so those
//! pods are decommissioned first, waited for, and only then is the StatefulSet scaled. PVCs
//! stay unless `--delete-pvcs`, which asks for a typed confirmation naming them.
//!
//! The plan is computed from the cluster's current state every time, so re-running the same
//! command after an interruption does only what is left: datanodes already decommissioning
//! are waited for, not decommissioned again; a StatefulSet already at N is not scaled; PVCs
//! already gone are not deleted.

//!
//! The plan and its steps are the engine's ([`ozone_engine::change::datanodes::scale_down`]).

use super::SafetyArgs;
use crate::cmd::common::{ChangeArgs, ClusterArgs, flags_hint};
use crate::cmd::common::{Presented, is_data, present_plan, print_plan};
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::change::datanodes::scale_down::plan;
use ozone_engine::change::datanodes::wait::WaitOpts;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use std::process::ExitCode;

/// `datanode scale-down` arguments.
#[derive(Debug, Args, Clone)]
pub struct ScaleDownArgs {
    /// The number of datanodes to keep.
    #[arg(long, value_name = "N")]
    pub replicas: i32,
    /// Also delete the PVCs of the removed pods, and so their data (asks for a typed
    /// confirmation naming them, or needs --yes).
    #[arg(long)]
    pub delete_pvcs: bool,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags (scale-down always waits for the decommission before scaling).
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Pre-flight.
    #[command(flatten)]
    pub safety: SafetyArgs,
}

/// Runs `datanode scale-down`.
pub async fn run(session: &Session, io: &mut Io, a: &ScaleDownArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let planned = plan(
        session,
        a.cluster.name.as_deref(),
        a.replicas,
        a.delete_pvcs,
        &a.safety.safety(),
        a.change.is_dry_run(),
    )
    .await?;
    let plan = &planned.plan;
    if present_plan(io, plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    if plan.steps.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let deleting = planned.deleting();
    let sts = &planned.statefulset;
    let (tier, question, phrase) = if !plan.changes_anything() {
        // Only waiting is left (a resumed run): nothing to confirm.
        (Tier::Low, String::new(), String::new())
    } else if deleting.is_empty() {
        (
            Tier::Risky,
            format!("scale {sts} down to {}?", a.replicas),
            String::new(),
        )
    } else {
        (
            Tier::DataLoss,
            format!(
                "scale {sts} down to {} and DELETE the data in PVCs {}?",
                a.replicas,
                deleting.join(", ")
            ),
            format!("delete {}", deleting.join(" ")),
        )
    };
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        tier,
        a.change.yes,
        &question,
        &phrase,
    )?;
    let act = Actuator::new(&session.kube, &planned.ozone, confirmed);
    let resume = format!(
        "kubectl ozone datanode scale-down --replicas {}{} {}",
        a.replicas,
        if a.delete_pvcs { " --delete-pvcs" } else { "" },
        flags_hint(session, &plan.cluster, &a.cluster)
    );
    let opts = WaitOpts {
        timeout: a.change.timeout,
        interval: a.change.poll_interval,
    };
    planned.run(&act, io, &opts, &resume).await?;
    if is_data(a.change.format) {
        print_plan(io, plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
