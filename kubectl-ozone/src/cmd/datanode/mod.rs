//! `kubectl ozone datanode …`: list, decommission, recommission, maintenance, scale-down.

pub mod change;
pub mod list;
pub mod scale_down;

use crate::cmd::common::ClusterArgs;
use crate::ui::Io;
use anyhow::Result;
use clap::{Args, Subcommand};
use ozone_engine::change::datanodes::Safety;
use ozone_engine::cluster::Session;

/// Datanode commands.
#[derive(Debug, Subcommand)]
pub enum DatanodeCommand {
    /// List every datanode with its pod, node, state, health and usage.
    List(list::ListArgs),
    /// Decommission datanodes: Ozone copies their data elsewhere, then they can be removed.
    #[command(after_help = DECOMMISSION_EXAMPLES)]
    Decommission(change::DecommissionArgs),
    /// Return decommissioned or in-maintenance datanodes to service.
    Recommission(change::RecommissionArgs),
    /// Put datanodes into maintenance (for a restart or node work) without moving data.
    Maintenance(change::MaintenanceArgs),
    /// Remove the highest-ordinal datanodes safely: decommission, wait, then scale the
    /// StatefulSet down. Re-running after an interruption picks up where it stopped.
    #[command(after_help = SCALE_DOWN_EXAMPLES)]
    ScaleDown(scale_down::ScaleDownArgs),
}

const DECOMMISSION_EXAMPLES: &str = "Examples:
  # See what would happen
  kubectl ozone datanode decommission ozone-datanode-4 --dry-run

  # Decommission and follow progress until done
  kubectl ozone datanode decommission ozone-datanode-4 --wait --timeout 2h";

const SCALE_DOWN_EXAMPLES: &str = "Examples:
  # From 5 to 4 datanodes, keeping the PVC of the removed pod
  kubectl ozone datanode scale-down --replicas 4

  # Also delete the removed pods' PVCs (asks for a typed confirmation)
  kubectl ozone datanode scale-down --replicas 4 --delete-pvcs";

/// Pre-flight skips and the replication in use.
#[derive(Debug, Args, Clone, Default)]
pub struct SafetyArgs {
    /// Replication policy in use besides the cluster's defaults (e.g. an EC policy buckets
    /// use: rs-6-3-1024k); repeatable. The check needs the widest one.
    #[arg(long = "replication", value_name = "POLICY")]
    pub replication: Vec<String>,
    /// Skip the check that enough datanodes stay in service for the replication in use.
    #[arg(long)]
    pub skip_replication_check: bool,
    /// Skip the check that SCM is out of safe mode.
    #[arg(long)]
    pub skip_safemode_check: bool,
    /// Skip the check that every target runs in a pod of this cluster.
    #[arg(long)]
    pub skip_ownership_check: bool,
}

impl SafetyArgs {
    /// As the engine takes them.
    pub fn safety(&self) -> Safety {
        Safety {
            replication: self.replication.clone(),
            skip_replication: self.skip_replication_check,
            skip_safemode: self.skip_safemode_check,
            skip_ownership: self.skip_ownership_check,
        }
    }
}

/// Runs a datanode command.
pub async fn run(
    session: &Session,
    io: &mut Io,
    cmd: &DatanodeCommand,
) -> Result<std::process::ExitCode> {
    match cmd {
        DatanodeCommand::List(a) => list::run(session, io, a).await,
        DatanodeCommand::Decommission(a) => change::decommission(session, io, a).await,
        DatanodeCommand::Recommission(a) => change::recommission(session, io, a).await,
        DatanodeCommand::Maintenance(a) => change::maintenance(session, io, a).await,
        DatanodeCommand::ScaleDown(a) => scale_down::run(session, io, a).await,
    }
}

/// The cluster flags of a datanode command.
pub fn cluster_args(cmd: &DatanodeCommand) -> &ClusterArgs {
    match cmd {
        DatanodeCommand::List(a) => &a.cluster,
        DatanodeCommand::Decommission(a) => &a.cluster,
        DatanodeCommand::Recommission(a) => &a.cluster,
        DatanodeCommand::Maintenance(a) => &a.cluster,
        DatanodeCommand::ScaleDown(a) => &a.cluster,
    }
}
