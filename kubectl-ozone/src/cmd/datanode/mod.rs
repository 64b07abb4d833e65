//! `kubectl ozone datanode …`: list, decommission, recommission, maintenance, scale-down.

pub mod change;
pub mod list;
pub mod scale_down;
pub mod wait;

use crate::cmd::common::ClusterArgs;
use crate::exit::BadInput;
use crate::ui::Io;
use anyhow::Result;
use clap::{Args, Subcommand};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::view::ClusterView;
use ozone_storage::ConfigFile;
use ozone_storage::admin::Replication;

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

/// The replication policies in use: the cluster's configured defaults (from its ConfigMap)
/// and those given with `--replication`. Notes say where they came from.
pub async fn policies(
    session: &Session,
    view: &ClusterView,
    given: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<Replication>> {
    let mut out = Vec::new();
    for g in given {
        out.push(Replication::parse(g).map_err(|e| BadInput(e.to_string()))?);
    }
    let name = view.names.config_map();
    match session.kube.config_map(&name).await {
        Ok(Some(cm)) => {
            let data = cm.data.unwrap_or_default();
            let site: Vec<(&str, &str)> = data
                .iter()
                .filter_map(|(k, v)| match ConfigFile::parse_env_name(k) {
                    Some((ConfigFile::OzoneSite, key)) => Some((key, v.as_str())),
                    _ => None,
                })
                .collect();
            out.extend(Replication::from_site(|k| {
                site.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)
            }));
        }
        Ok(None) => notes.push(format!(
            "ConfigMap {name} not found: assuming Ozone's default replication RATIS/THREE"
        )),
        Err(e) => notes.push(format!(
            "{:#}; assuming Ozone's default replication RATIS/THREE",
            anyhow::Error::from(e)
        )),
    }
    if out.is_empty() {
        out.push(Replication::THREE);
    }
    out.sort();
    out.dedup();
    Ok(out)
}
