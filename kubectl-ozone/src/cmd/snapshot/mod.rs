//! `kubectl ozone snapshot …`: bucket snapshots through `ozone sh snapshot` in an OM pod.
//!
//! `list`, `info` and `diff` run [`Query`](ozone_storage::admin::Query)s; `create`, `rename`
//! and `delete` run [`Mutation`](ozone_storage::admin::Mutation)s, which only an
//! [`Actuator`](ozone_engine::cluster::act::Actuator) built after confirmation can run, so their dry
//! runs cannot change anything. Errors OM reports (`<RESULT_CODE> <message>`) become one line
//! naming the bucket or snapshot.

pub mod change;
pub mod diff;
pub mod read;

use crate::cmd::common::ClusterArgs;
use crate::exit::BadInput;
use anyhow::Result;
use clap::Subcommand;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::{OzoneError, OzoneReader};
use ozone_engine::cluster::view::ClusterView;
use ozone_storage::admin::OmError;
use ozone_storage::snapshot::{self, BucketPath};
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

/// The `VOLUME/BUCKET` argument, or bad input naming it.
pub fn bucket_arg(text: &str) -> Result<BucketPath, BadInput> {
    BucketPath::parse(text).map_err(|e| BadInput(format!("VOLUME/BUCKET: {e}")))
}

/// A snapshot-name argument (`arg` is how help names it), or bad input naming it.
pub fn name_arg(arg: &str, text: &str) -> Result<String, BadInput> {
    snapshot::validate_name(text)
        .map(|()| text.to_owned())
        .map_err(|e| BadInput(format!("{arg}: {e}")))
}

/// Finds the cluster and a reader for its OM pods.
pub async fn connect(
    session: &Session,
    cluster: &ClusterArgs,
) -> Result<(ClusterView, OzoneReader)> {
    let view = discover::find(&session.kube, cluster.name.as_deref()).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    Ok((view, ozone))
}

/// What a snapshot command was about, to say what an OM error refers to.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The bucket.
    pub bucket: &'a BucketPath,
    /// The snapshot(s) that must exist, as words ("snapshot s1", "snapshot a or b").
    pub existing: Option<&'a str>,
    /// The name being created.
    pub new_name: Option<&'a str>,
}

/// One line for an Ozone failure: OM's result code turned into what it means for `subject`.
/// Failures without a result code (a pod down, a JVM crash) keep the full error, with the
/// end of standard error.
///
/// Result codes from apache/ozone `OMException.ResultCodes` and the snapshot request tests
/// (`FILE_ALREADY_EXISTS` for a taken name, `TOO_MANY_SNAPSHOTS` for the limit). For a
/// snapshot that does not exist, and as a fallback for the others, the message is matched
/// loosely, because the code differs between Ozone versions.
pub fn explain(err: OzoneError, subject: Subject<'_>) -> anyhow::Error {
    let om = match &err {
        OzoneError::Failed { stderr, .. } => OmError::parse(stderr),
        _ => None,
    };
    let Some(om) = om else {
        return err.into();
    };
    let bucket = subject.bucket;
    let (code, msg) = (om.code.as_str(), om.message.as_str());
    let line = if code == "VOLUME_NOT_FOUND" {
        format!("volume {} not found in Ozone ({code})", bucket.volume)
    } else if code == "BUCKET_NOT_FOUND" {
        format!("bucket {bucket} not found in Ozone ({code})")
    } else if code == "TOO_MANY_SNAPSHOTS" || om.mentions("snapshot limit") {
        format!(
            "snapshot limit reached in {bucket}: delete old snapshots first, or raise ozone.om.fs.snapshot.max.limit ({code}: {msg})"
        )
    } else if code == "FILE_ALREADY_EXISTS" || om.mentions("already exist") {
        format!(
            "{} already exists in {bucket}; choose another name ({code})",
            subject
                .new_name
                .map_or_else(|| "the snapshot".to_owned(), |n| format!("snapshot {n}"))
        )
    } else if code.ends_with("NOT_FOUND") || om.mentions("not found") || om.mentions("not exist") {
        format!(
            "{} not found in {bucket} ({code}: {msg})",
            subject.existing.unwrap_or("snapshot")
        )
    } else if code == "PERMISSION_DENIED" || code == "ACCESS_DENIED" {
        format!(
            "Ozone denied the request on {bucket}: only the bucket's owner and Ozone administrators manage its snapshots ({code}: {msg})"
        )
    } else {
        format!("Ozone refused the request on {bucket}: {code}: {msg}")
    };
    anyhow::Error::msg(line)
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

    fn failed(stderr: &str) -> OzoneError {
        OzoneError::Failed {
            command: "ozone sh snapshot create /vol1/logs s1".into(),
            pod: "ozone-om-0".into(),
            code: 255,
            stderr: stderr.into(),
        }
    }

    #[test]
    fn om_errors_become_one_line_naming_what_they_are_about() {
        let b = BucketPath::parse("vol1/logs").unwrap();
        let s = Subject {
            bucket: &b,
            existing: Some("snapshot s0"),
            new_name: Some("s1"),
        };
        for (stderr, expected) in [
            (
                "VOLUME_NOT_FOUND Volume vol1 is not found",
                "volume vol1 not found in Ozone (VOLUME_NOT_FOUND)",
            ),
            (
                "BUCKET_NOT_FOUND Bucket not found",
                "bucket vol1/logs not found in Ozone (BUCKET_NOT_FOUND)",
            ),
            (
                "FILE_ALREADY_EXISTS Snapshot already exists",
                "snapshot s1 already exists in vol1/logs; choose another name (FILE_ALREADY_EXISTS)",
            ),
            (
                "TOO_MANY_SNAPSHOTS Snapshot limit of 3 reached",
                "snapshot limit reached in vol1/logs: delete old snapshots first, or raise ozone.om.fs.snapshot.max.limit (TOO_MANY_SNAPSHOTS: Snapshot limit of 3 reached)",
            ),
            (
                "FILE_NOT_FOUND Snapshot does not exist",
                "snapshot s0 not found in vol1/logs (FILE_NOT_FOUND: Snapshot does not exist)",
            ),
            (
                "INVALID_SNAPSHOT_ERROR Bad Snapshot path",
                "Ozone refused the request on vol1/logs: INVALID_SNAPSHOT_ERROR: Bad Snapshot path",
            ),
        ] {
            let line = explain(failed(&format!("WARN log line\n{stderr}")), s).to_string();
            assert_eq!(line, expected);
            assert!(!line.contains('\n'));
        }
        // Without a result code the whole failure stays visible.
        let e = explain(failed("java.net.ConnectException: refused"), s).to_string();
        assert!(
            e.contains("failed in pod ozone-om-0 with exit code 255"),
            "{e}"
        );
        // A launcher line shaped like a result code is not one.
        let e = explain(failed("JAVA_HOME is not set"), s).to_string();
        assert!(
            e.contains("failed in pod ozone-om-0 with exit code 255"),
            "{e}"
        );
    }

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
