//! `snapshot create | rename | delete`: check the arguments, plan the one Ozone command
//! ([`ozone_engine::snapshot::change`]), print it on a dry run, otherwise confirm (delete
//! only: the snapshot's name typed) and run it.

use super::read::describe;
use super::{bucket_arg, name_arg, size};
use crate::cmd::common::{ClusterArgs, DryRun};
use crate::cmd::common::{is_data, print_plan};
use crate::ui::confirm::{Tier, confirm};
use crate::ui::{Format, Io, structured};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::snapshot::change::{self, Operation};
use ozone_storage::snapshot::{self, BucketPath, Snapshot};
use std::process::ExitCode;

/// Flags of the snapshot commands that change something.
#[derive(Debug, Args, Clone)]
pub struct SnapshotChangeArgs {
    /// Print the Ozone command and change nothing.
    #[arg(long, value_enum, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub dry_run: Option<DryRun>,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Output format of the plan and result.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

impl SnapshotChangeArgs {
    /// Whether this is a dry run.
    pub fn is_dry_run(&self) -> bool {
        self.dry_run == Some(DryRun::Client)
    }

    /// A `ChangeArgs` carrying what [`print_plan`] reads.
    pub fn for_plan(&self) -> crate::cmd::common::ChangeArgs {
        crate::cmd::common::ChangeArgs {
            dry_run: self.dry_run,
            yes: self.yes,
            format: self.format,
            ..Default::default()
        }
    }
}

/// `snapshot create` arguments.
#[derive(Debug, Args, Clone)]
pub struct CreateArgs {
    /// The bucket.
    #[arg(value_name = "VOLUME/BUCKET")]
    pub bucket: String,
    /// The snapshot's name (default: snap-<YYYYMMDD-HHMMSS>, UTC).
    #[arg(value_name = "NAME")]
    pub snapshot: Option<String>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: SnapshotChangeArgs,
}

/// `snapshot rename` arguments.
#[derive(Debug, Args, Clone)]
pub struct RenameArgs {
    /// The bucket.
    #[arg(value_name = "VOLUME/BUCKET")]
    pub bucket: String,
    /// The snapshot's current name.
    #[arg(value_name = "NAME")]
    pub from: String,
    /// Its new name.
    #[arg(value_name = "NEW_NAME")]
    pub to: String,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: SnapshotChangeArgs,
}

/// `snapshot delete` arguments.
#[derive(Debug, Args, Clone)]
pub struct DeleteArgs {
    /// The bucket.
    #[arg(value_name = "VOLUME/BUCKET")]
    pub bucket: String,
    /// The snapshot.
    #[arg(value_name = "NAME")]
    pub snapshot: String,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: SnapshotChangeArgs,
}

/// The current UTC time as `YYYYMMDD-HHMMSS`, for default names.
fn timestamp() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y%m%d-%H%M%S")
        .to_string()
}

/// The result: the snapshot as data with `-o json|yaml`, else `line` on stdout.
fn print_result(io: &mut Io, format: Format, snap: Option<&Snapshot>, line: &str) -> Result<()> {
    match snap.map(|s| structured(format, s)).transpose()?.flatten() {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None if is_data(format) => io.out.write_all(b"null\n")?,
        None => io.out.write_all(format!("{line}\n").as_bytes())?,
    }
    io.out.flush()?;
    Ok(())
}

/// Plans `op`, prints it on a dry run, else confirms (`tier`: how; the question is built
/// from the plan) and runs it, printing the snapshot or `done`.
async fn change(
    session: &Session,
    io: &mut Io,
    cluster: &ClusterArgs,
    flags: &SnapshotChangeArgs,
    bucket: &BucketPath,
    op: Operation,
    done: &str,
) -> Result<ExitCode> {
    let mut planned = change::plan(
        session,
        cluster.name.as_deref(),
        bucket,
        &op,
        flags.is_dry_run(),
    )
    .await?;
    let deleted = planned.snapshot.clone();
    if let (Operation::Delete { name }, Some(snap)) = (&op, &deleted) {
        planned.plan.notes.push(format!(
            "snapshot {name} of bucket {bucket}: created {}, referenced {}, exclusive {} (freed once OM purges it)",
            super::time(snap.creation_time),
            size(snap.referenced_size),
            size(snap.exclusive_size)
        ));
    }
    if flags.is_dry_run() {
        print_plan(io, &planned.plan, &flags.for_plan())?;
        return Ok(ExitCode::SUCCESS);
    }
    let confirmed = match (&op, &deleted) {
        (Operation::Delete { name }, Some(snap)) => {
            io.err.write_all(planned.plan.to_text().as_bytes())?;
            // A deleted snapshot cannot be brought back: the user types its name.
            confirm(
                io.prompt.as_deref_mut(),
                Tier::DataLoss,
                flags.yes,
                &format!(
                    "Delete snapshot {name} of {bucket}? Its point-in-time copy cannot be recovered.\n{}",
                    describe(snap).trim_end()
                ),
                name,
            )?
        }
        // Taking a snapshot loses nothing and can be undone with delete, renaming back
        // undoes a rename: no question.
        _ => confirm(io.prompt.as_deref_mut(), Tier::Low, flags.yes, "", "")?,
    };
    let snap = planned.run(session, confirmed, io).await?;
    print_result(io, flags.format, snap.as_ref(), done)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `snapshot create`.
pub async fn create(session: &Session, io: &mut Io, a: &CreateArgs) -> Result<ExitCode> {
    let bucket = bucket_arg(&a.bucket)?;
    let name = match &a.snapshot {
        Some(n) => name_arg("NAME", n)?,
        None => snapshot::default_name(&timestamp()),
    };
    let done = format!("snapshot {name} of {bucket} created");
    let op = Operation::Create { name };
    change(session, io, &a.cluster, &a.change, &bucket, op, &done).await
}

/// Runs `snapshot rename`.
pub async fn rename(session: &Session, io: &mut Io, a: &RenameArgs) -> Result<ExitCode> {
    let bucket = bucket_arg(&a.bucket)?;
    let from = name_arg("NAME", &a.from)?;
    let to = name_arg("NEW_NAME", &a.to)?;
    let done = format!("snapshot {from} of {bucket} renamed to {to}");
    let op = Operation::Rename { from, to };
    change(session, io, &a.cluster, &a.change, &bucket, op, &done).await
}

/// Runs `snapshot delete`: the snapshot is read first, so a missing one fails before any
/// question and the question shows what is lost.
pub async fn delete(session: &Session, io: &mut Io, a: &DeleteArgs) -> Result<ExitCode> {
    let bucket = bucket_arg(&a.bucket)?;
    let name = name_arg("NAME", &a.snapshot)?;
    let done = format!("snapshot {name} of {bucket} deleted");
    let op = Operation::Delete { name };
    change(session, io, &a.cluster, &a.change, &bucket, op, &done).await
}
