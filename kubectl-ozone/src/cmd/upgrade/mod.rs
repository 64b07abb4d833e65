//! `kubectl ozone upgrade`: version upgrades the way released Ozone supports them
//! (operations §1): `upgrade --to VERSION` runs the non-rolling procedure and ends with where
//! Ozone says the cluster stands (pre-finalized, or finalized at once when the versions share
//! a metadata layout: `ops::finality`, which `upgrade status` prints too); `upgrade finalize`
//! makes the new version permanent. `--to` an older version that can still read the layout is
//! a downgrade by the same procedure.

pub mod finalize;
#[cfg(test)]
mod scenarios;
pub mod start;
pub mod status;

use crate::cmd::common::ClusterArgs;
use crate::ui::Io;
use anyhow::Result;
use clap::{Args, Subcommand};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::exec::{OzoneReader, Targets};
use ozone_engine::cluster::view::ClusterView;
use ozone_engine::plan::upgrade::Workload;
use ozone_storage::Component;
use ozone_storage::admin::{FinalizationStatus, Query, upgrade};
use std::process::ExitCode;

/// `upgrade` arguments: the upgrade itself, or a subcommand.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, after_help = start::EXAMPLES)]
pub struct UpgradeArgs {
    /// `status` or `finalize`; without one, upgrade.
    #[command(subcommand)]
    pub command: Option<UpgradeCommand>,
    /// The upgrade.
    #[command(flatten)]
    pub start: start::StartArgs,
}

/// `upgrade` subcommands.
#[derive(Debug, Subcommand)]
pub enum UpgradeCommand {
    /// Running and target versions, pods on each image, OM/SCM finalization, and whether a
    /// downgrade is still possible.
    Status(status::StatusArgs),
    /// Make the upgrade permanent: SCM, then OM finalize. No downgrade afterwards.
    Finalize(finalize::FinalizeArgs),
}

/// Runs an upgrade command.
pub async fn run(session: &Session, io: &mut Io, a: &UpgradeArgs) -> Result<ExitCode> {
    match &a.command {
        Some(UpgradeCommand::Status(s)) => status::run(session, io, s).await,
        Some(UpgradeCommand::Finalize(f)) => finalize::run(session, io, f).await,
        None => start::run(session, io, &a.start).await,
    }
}

/// The cluster flags of an upgrade command.
pub fn cluster_args(a: &UpgradeArgs) -> &ClusterArgs {
    match &a.command {
        Some(UpgradeCommand::Status(s)) => &s.cluster,
        Some(UpgradeCommand::Finalize(f)) => &f.cluster,
        None => &a.start.cluster,
    }
}

/// The pods the Ozone CLI runs in: the ready ones found now, else (everything stopped by an
/// interrupted upgrade) the StatefulSet pod names the workloads will have again.
pub fn exec_targets(view: &ClusterView, workloads: &[Workload]) -> Targets {
    let mut targets = view.exec_targets();
    let names = |c: Component| -> Vec<String> {
        workloads
            .iter()
            .filter(|w| w.component == c)
            .flat_map(|w| (0..w.start_replicas()).map(move |i| format!("{}-{i}", w.name)))
            .collect()
    };
    if targets.scm.is_empty() {
        targets.scm = names(Component::Scm);
    }
    if targets.om.is_empty() {
        targets.om = names(Component::Om);
    }
    targets
}

/// OM and SCM finalization status, in that order.
pub async fn finalization(ozone: &OzoneReader) -> Result<(FinalizationStatus, FinalizationStatus)> {
    let om = upgrade::parse_finalization_status(
        &ozone
            .query(&Query::finalization_status(Component::Om))
            .await?,
    )?;
    let scm = upgrade::parse_finalization_status(
        &ozone
            .query(&Query::finalization_status(Component::Scm))
            .await?,
    )?;
    Ok((om, scm))
}

/// The OM service id (HA rings only), from the cluster's ConfigMap.
pub async fn om_service_id(session: &Session, view: &ClusterView) -> Result<Option<String>> {
    Ok(
        ozone_engine::pods::rolling::service_ids(&session.kube, view)
            .await
            .unwrap_or_default()
            .remove(&Component::Om),
    )
}
