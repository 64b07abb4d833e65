//! `snapshot create | rename | delete`: check the arguments, plan the one Ozone command,
//! print it on a dry run, otherwise confirm (delete only: the snapshot's name typed) and run
//! it through the [`Actuator`].
//!
//! No `--wait`: OM creates and renames synchronously, and a deleted snapshot is gone from
//! listings at once while OM frees its space in the background.

use super::read::{describe, read_one};
use super::{Subject, bucket_arg, connect, explain, name_arg, size};
use crate::cmd::common::{ClusterArgs, DryRun};
use crate::cmd::common::{is_data, print_plan};
use crate::ui::confirm::{Tier, confirm};
use crate::ui::{Format, Io, structured};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::ClusterView;
use ozone_engine::plan::{Plan, Step};
use ozone_storage::admin::Mutation;
use ozone_storage::snapshot::{self, Snapshot};
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
    fn is_dry_run(&self) -> bool {
        self.dry_run == Some(DryRun::Client)
    }

    /// A `ChangeArgs` carrying what [`print_plan`] reads.
    fn for_plan(&self) -> crate::cmd::common::ChangeArgs {
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

fn plan(
    action: &str,
    session: &Session,
    view: &ClusterView,
    change: &SnapshotChangeArgs,
    m: &Mutation,
    notes: Vec<String>,
) -> Plan {
    Plan {
        action: action.into(),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run: change.is_dry_run(),
        targets: Vec::new(),
        checks: Vec::new(),
        notes,
        steps: vec![Step::Ozone {
            component: m.component().id().into(),
            argv: m.argv().to_vec(),
        }],
    }
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

/// Reads a snapshot after a change, for the result; a failure only costs the details.
async fn after(
    ozone: &OzoneReader,
    subject: Subject<'_>,
    name: &str,
    io: &mut Io,
) -> Option<Snapshot> {
    match read_one(ozone, subject, name).await {
        Ok(s) => Some(s),
        Err(e) => {
            io.note(format!(
                "note: the change was made, but reading it back failed: {e:#}"
            ));
            None
        }
    }
}

/// Runs `snapshot create`.
pub async fn create(session: &Session, io: &mut Io, a: &CreateArgs) -> Result<ExitCode> {
    let bucket = bucket_arg(&a.bucket)?;
    let name = match &a.snapshot {
        Some(n) => name_arg("NAME", n)?,
        None => snapshot::default_name(&timestamp()),
    };
    let (view, ozone) = connect(session, &a.cluster).await?;
    let m = Mutation::snapshot_create(&bucket, &name);
    let plan = plan(
        "snapshot create",
        session,
        &view,
        &a.change,
        &m,
        vec![format!("snapshot {name} of bucket {bucket}")],
    );
    if a.change.is_dry_run() {
        print_plan(io, &plan, &a.change.for_plan())?;
        return Ok(ExitCode::SUCCESS);
    }
    // Taking a snapshot loses nothing and can be undone with delete: no question.
    let confirmed = confirm(io.prompt.as_deref_mut(), Tier::Low, a.change.yes, "", "")?;
    let subject = Subject {
        bucket: &bucket,
        existing: None,
        new_name: Some(&name),
    };
    Actuator::new(&session.kube, &ozone, confirmed)
        .ozone(&m)
        .await
        .map_err(|e| explain(e, subject))?;
    let snap = after(&ozone, subject, &name, io).await;
    print_result(
        io,
        a.change.format,
        snap.as_ref(),
        &format!("snapshot {name} of {bucket} created"),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `snapshot rename`.
pub async fn rename(session: &Session, io: &mut Io, a: &RenameArgs) -> Result<ExitCode> {
    let bucket = bucket_arg(&a.bucket)?;
    let from = name_arg("NAME", &a.from)?;
    let to = name_arg("NEW_NAME", &a.to)?;
    let (view, ozone) = connect(session, &a.cluster).await?;
    let m = Mutation::snapshot_rename(&bucket, &from, &to);
    let plan = plan(
        "snapshot rename",
        session,
        &view,
        &a.change,
        &m,
        vec![format!("snapshot {from} of bucket {bucket} becomes {to}")],
    );
    if a.change.is_dry_run() {
        print_plan(io, &plan, &a.change.for_plan())?;
        return Ok(ExitCode::SUCCESS);
    }
    // Renaming back undoes it: no question.
    let confirmed = confirm(io.prompt.as_deref_mut(), Tier::Low, a.change.yes, "", "")?;
    let existing = format!("snapshot {from}");
    let subject = Subject {
        bucket: &bucket,
        existing: Some(&existing),
        new_name: Some(&to),
    };
    Actuator::new(&session.kube, &ozone, confirmed)
        .ozone(&m)
        .await
        .map_err(|e| explain(e, subject))?;
    let snap = after(&ozone, subject, &to, io).await;
    print_result(
        io,
        a.change.format,
        snap.as_ref(),
        &format!("snapshot {from} of {bucket} renamed to {to}"),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `snapshot delete`: reads the snapshot first, so a missing one fails before any
/// question and the question shows what is lost.
pub async fn delete(session: &Session, io: &mut Io, a: &DeleteArgs) -> Result<ExitCode> {
    let bucket = bucket_arg(&a.bucket)?;
    let name = name_arg("NAME", &a.snapshot)?;
    let (view, ozone) = connect(session, &a.cluster).await?;
    let existing = format!("snapshot {name}");
    let subject = Subject {
        bucket: &bucket,
        existing: Some(&existing),
        new_name: None,
    };
    let snap = read_one(&ozone, subject, &name).await?;
    let m = Mutation::snapshot_delete(&bucket, &name);
    let plan = plan(
        "snapshot delete",
        session,
        &view,
        &a.change,
        &m,
        vec![format!(
            "snapshot {name} of bucket {bucket}: created {}, referenced {}, exclusive {} (freed once OM purges it)",
            super::time(snap.creation_time),
            size(snap.referenced_size),
            size(snap.exclusive_size)
        )],
    );
    if a.change.is_dry_run() {
        print_plan(io, &plan, &a.change.for_plan())?;
        return Ok(ExitCode::SUCCESS);
    }
    io.err.write_all(plan.to_text().as_bytes())?;
    // A deleted snapshot cannot be brought back: the user types its name.
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::DataLoss,
        a.change.yes,
        &format!(
            "Delete snapshot {name} of {bucket}? Its point-in-time copy cannot be recovered.\n{}",
            describe(&snap).trim_end()
        ),
        &name,
    )?;
    Actuator::new(&session.kube, &ozone, confirmed)
        .ozone(&m)
        .await
        .map_err(|e| explain(e, subject))?;
    print_result(
        io,
        a.change.format,
        Some(&snap),
        &format!("snapshot {name} of {bucket} deleted"),
    )?;
    Ok(ExitCode::SUCCESS)
}
