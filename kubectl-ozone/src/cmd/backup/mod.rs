//! `kubectl ozone backup …`: metadata backups of OM and SCM (their RocksDB checkpoints).
//!
//! `create` streams each leader's `/dbCheckpoint` through the API server's pod proxy to a
//! local directory; `verify` re-checks a backup offline; `list` shows the scheduled backups the
//! rendered CronJob recorded and the local ones. Nothing here changes the cluster.

pub mod create;
pub mod list;
pub mod verify;

#[cfg(test)]
mod tests;

use crate::cmd::common::ClusterArgs;
use anyhow::Result;
use clap::Subcommand;
use std::process::ExitCode;

/// Backup commands.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Save the OM and SCM metadata (each leader's DB checkpoint) with a manifest into --dir.
    #[command(after_help = CREATE_EXAMPLES)]
    Create(create::CreateArgs),
    /// Re-check a backup: sizes, SHA-256 sums, and that each tarball is a RocksDB checkpoint.
    #[command(after_help = VERIFY_EXAMPLES)]
    Verify(verify::VerifyArgs),
    /// Scheduled backups (from the cluster's records) and local ones (--dir), newest first.
    #[command(visible_alias = "ls", after_help = LIST_EXAMPLES)]
    List(list::ListArgs),
}

const CREATE_EXAMPLES: &str = "Examples:
  # Into ./backups/backup-<YYYYMMDD-HHMMSS>/ (om.tar, scm.tar, manifest.json)
  kubectl ozone backup create --dir backups -n ozone

  # Include bucket snapshot data in the OM checkpoint even without scheduled snapshots
  kubectl ozone backup create --dir backups --include-snapshot-data";

const VERIFY_EXAMPLES: &str = "Examples:
  kubectl ozone backup verify backups/backup-20261201-030000";

const LIST_EXAMPLES: &str = "Examples:
  # What the schedule recorded, and what is in ./backups
  kubectl ozone backup list --dir backups

  # As data
  kubectl ozone backup list -o json";

/// Runs a backup command.
pub async fn run(
    session: Option<&ozone_engine::cluster::Session>,
    io: &mut crate::ui::Io,
    cmd: &BackupCommand,
) -> Result<ExitCode> {
    match (cmd, session) {
        (BackupCommand::Verify(a), _) => verify::run(io, a),
        (BackupCommand::Create(a), Some(s)) => create::run(s, io, a).await,
        (BackupCommand::List(a), s) => list::run(s, io, a).await,
        (BackupCommand::Create(_), None) => anyhow::bail!("backup create needs a cluster"),
    }
}

/// The cluster flags of a backup command that talks to the cluster.
pub fn cluster_args(cmd: &BackupCommand) -> Option<&ClusterArgs> {
    match cmd {
        BackupCommand::Create(a) => Some(&a.cluster),
        BackupCommand::List(a) if !a.local_only => Some(&a.cluster),
        BackupCommand::List(_) | BackupCommand::Verify(_) => None,
    }
}
