//! `kubectl ozone snapshot …`: bucket snapshots through `ozone sh snapshot` in an OM pod,
//! carried out by [`ozone_engine::snapshot`]. These modules parse the arguments, show plans,
//! confirm and print snapshots as tables or data.

pub mod change;
pub mod diff;
pub mod read;

use crate::cmd::common::ClusterArgs;
use anyhow::Result;
use clap::Subcommand;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::ClusterView;
use ozone_engine::snapshot::{bucket_arg, name_arg};
use std::process::ExitCode;

/// Snapshot commands.
#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Take a snapshot of a bucket (named snap-<UTC time> unless a name is given).
    #[command(after_help = CREATE_EXAMPLES)]
    Create(change::CreateArgs),
    /// List every snapshot of a bucket with its creation time, status and sizes.
    #[command(visible_alias = "ls", after_help = LIST_EXAMPLES)]
    List(read::ListArgs),
    /// Show one snapshot.
    #[command(after_help = INFO_EXAMPLES)]
    Info(read::InfoArgs),
    /// Rename a snapshot.
    #[command(after_help = RENAME_EXAMPLES)]
    Rename(change::RenameArgs),
    /// Delete a snapshot (asks to type its name; --yes skips). OM frees its data later.
    #[command(visible_alias = "rm", after_help = DELETE_EXAMPLES)]
    Delete(change::DeleteArgs),
    /// What changed between two snapshots: starts Ozone's diff job, or continues it; with
    /// --wait follows it until the report is ready and prints every change.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(diff::DiffArgs),
}

const CREATE_EXAMPLES: &str = "Examples:
  # A snapshot named snap-<YYYYMMDD-HHMMSS> (UTC)
  kubectl ozone snapshot create vol1/logs

  # A named one; see the command without running it
  kubectl ozone snapshot create vol1/logs before-upgrade --dry-run";

const LIST_EXAMPLES: &str = "Examples:
  # Every snapshot of a bucket, sizes in binary units
  kubectl ozone snapshot list vol1/logs

  # As data, for scripts
  kubectl ozone snapshot list vol1/logs -o json";

const INFO_EXAMPLES: &str = "Examples:
  # Creation time, status, sizes, id and path
  kubectl ozone snapshot info vol1/logs before-upgrade -o yaml";

const RENAME_EXAMPLES: &str = "Examples:
  kubectl ozone snapshot rename vol1/logs before-upgrade pre-2-3 --dry-run";

const DELETE_EXAMPLES: &str = "Examples:
  # Asks you to type the snapshot's name
  kubectl ozone snapshot delete vol1/logs before-upgrade

  # In CI: no question; --dry-run first shows the Ozone command
  kubectl ozone snapshot delete vol1/logs before-upgrade --yes";

const DIFF_EXAMPLES: &str = "Examples:
  # Start the diff job (or see how far it got)
  kubectl ozone snapshot diff vol1/logs snap-20261120-000000 snap-20261121-000000

  # Follow it to the end and print every change as JSON
  kubectl ozone snapshot diff vol1/logs before-upgrade after-upgrade --wait --timeout 30m -o json";

/// Runs a snapshot command.
pub async fn run(
    session: &Session,
    io: &mut crate::ui::Io,
    cmd: &SnapshotCommand,
) -> Result<ExitCode> {
    match cmd {
        SnapshotCommand::Create(a) => change::create(session, io, a).await,
        SnapshotCommand::List(a) => read::list(session, io, a).await,
        SnapshotCommand::Info(a) => read::info(session, io, a).await,
        SnapshotCommand::Rename(a) => change::rename(session, io, a).await,
        SnapshotCommand::Delete(a) => change::delete(session, io, a).await,
        SnapshotCommand::Diff(a) => diff::run(session, io, a).await,
    }
}

/// The cluster flags of a snapshot command.
pub fn cluster_args(cmd: &SnapshotCommand) -> &ClusterArgs {
    match cmd {
        SnapshotCommand::Create(a) => &a.cluster,
        SnapshotCommand::List(a) => &a.cluster,
        SnapshotCommand::Info(a) => &a.cluster,
        SnapshotCommand::Rename(a) => &a.cluster,
        SnapshotCommand::Delete(a) => &a.cluster,
        SnapshotCommand::Diff(a) => &a.cluster,
    }
}

/// Finds the cluster and a reader for its OM pods (also used by `backup create`).
pub async fn connect(
    session: &Session,
    cluster: &ClusterArgs,
) -> Result<(ClusterView, OzoneReader)> {
    ozone_engine::snapshot::connect(session, cluster.name.as_deref()).await
}

/// Human-readable bytes from Ozone's signed sizes (negative means unknown).
pub fn size(n: i64) -> String {
    u64::try_from(n).map_or_else(|_| "-".into(), crate::ui::bytes)
}

/// A creation time in UTC, `2026-11-23T12:00:00Z`.
pub fn time(ms: i64) -> String {
    k8s_openapi::jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| "-".into())
}

/// `SNAPSHOT_ACTIVE` → `ACTIVE`.
pub fn status(s: &str) -> &str {
    s.strip_prefix("SNAPSHOT_").unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_named_in_bad_input() {
        assert!(
            bucket_arg("vol1")
                .unwrap_err()
                .0
                .starts_with("VOLUME/BUCKET: ")
        );
        assert!(
            name_arg("NAME", "Bad_Name")
                .unwrap_err()
                .0
                .starts_with("NAME: \"Bad_Name\" is not a valid snapshot name")
        );
        assert_eq!(time(1_763_900_000_000), "2025-11-23T12:13:20Z");
        assert_eq!(size(-1), "-");
        assert_eq!(status("SNAPSHOT_DELETED"), "DELETED");
    }
}
