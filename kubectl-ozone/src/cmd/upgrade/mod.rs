//! `kubectl ozone upgrade`: version upgrades (and downgrades) the way released Ozone supports
//! them, carried out by [`ozone_engine::upgrade`]: `upgrade --to VERSION` runs the non-rolling
//! procedure, `upgrade status` says where the cluster stands, `upgrade finalize` makes the new
//! version permanent.

pub mod finalize;
pub mod start;
pub mod status;

use crate::cmd::common::ClusterArgs;
use crate::ui::Io;
use anyhow::Result;
use clap::{Args, Subcommand};
use ozone_engine::cluster::Session;
use ozone_engine::upgrade::Flags;
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

/// How follow-up commands in messages select the cluster: `-n NS --name C` and the kubectl
/// flags given (shared with `recover`).
pub fn flags(session: &Session, args: &ClusterArgs) -> Flags {
    let (session, args) = (session.clone(), args.clone());
    Flags::new(move |cluster| crate::cmd::common::flags_hint(&session, cluster, &args))
}
