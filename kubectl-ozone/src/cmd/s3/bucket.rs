//! `s3 bucket create | list`: buckets of `/s3v`, the only volume the S3 Gateway serves
//! (operations reference §3.1), through [`ozone_engine::s3::bucket`]. Names are checked
//! against the S3 rules before anything runs.

use crate::cmd::common::{ClusterArgs, print_plan};
use crate::cmd::snapshot::change::SnapshotChangeArgs;
use crate::ui::confirm::{Tier, confirm};
use crate::ui::{Format, Io, structured, table};
use anyhow::Result;
use clap::{Args, Subcommand};
use ozone_engine::cluster::Session;
use ozone_engine::s3::bucket;
use ozone_storage::s3::S3_VOLUME;
use std::process::ExitCode;

/// Bucket commands.
#[derive(Debug, Subcommand)]
pub enum BucketCommand {
    /// Create a bucket in /s3v (S3 naming rules checked first).
    #[command(after_help = CREATE_EXAMPLES)]
    Create(CreateArgs),
    /// List the buckets of /s3v.
    #[command(visible_alias = "ls")]
    List(ListArgs),
}

const CREATE_EXAMPLES: &str = "Examples:
  # See the Ozone command first
  kubectl ozone s3 bucket create logs -n ozone --dry-run

  kubectl ozone s3 bucket create logs -n ozone";

/// `s3 bucket create` arguments.
#[derive(Debug, Args, Clone)]
pub struct CreateArgs {
    /// The bucket's name: 3-63 lowercase letters, digits, '.' and '-'.
    #[arg(value_name = "NAME")]
    pub bucket: String,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: SnapshotChangeArgs,
}

/// `s3 bucket list` arguments.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The cluster flags of a bucket command.
pub fn cluster_args(cmd: &BucketCommand) -> &ClusterArgs {
    match cmd {
        BucketCommand::Create(a) => &a.cluster,
        BucketCommand::List(a) => &a.cluster,
    }
}

/// Runs a bucket command.
pub async fn run(session: &Session, io: &mut Io, cmd: &BucketCommand) -> Result<ExitCode> {
    match cmd {
        BucketCommand::Create(a) => create(session, io, a).await,
        BucketCommand::List(a) => list(session, io, a).await,
    }
}

async fn create(session: &Session, io: &mut Io, a: &CreateArgs) -> Result<ExitCode> {
    let planned = bucket::plan_create(
        session,
        a.cluster.name.as_deref(),
        &a.bucket,
        a.change.is_dry_run(),
    )
    .await?;
    if a.change.is_dry_run() {
        print_plan(io, &planned.plan, &a.change.for_plan())?;
        return Ok(ExitCode::SUCCESS);
    }
    // Creating an empty bucket loses nothing: no question.
    let confirmed = confirm(io.prompt.as_deref_mut(), Tier::Low, a.change.yes, "", "")?;
    let created = planned.run(session, confirmed).await?;
    match structured(a.change.format, &created)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => io
            .out
            .write_all(format!("bucket {} created in /{S3_VOLUME}\n", a.bucket).as_bytes())?,
    }
    io.out.flush()?;
    Ok(ExitCode::SUCCESS)
}

async fn list(session: &Session, io: &mut Io, a: &ListArgs) -> Result<ExitCode> {
    let buckets = bucket::list(session, a.cluster.name.as_deref()).await?;
    match structured(a.format, &buckets)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => {
            let rows: Vec<Vec<String>> = buckets
                .iter()
                .map(|b| {
                    let created = match &b.creation_time {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                        None => "-".into(),
                    };
                    vec![b.name.clone(), created]
                })
                .collect();
            io.out
                .write_all(table::render(&["NAME", "CREATED"], &rows).as_bytes())?;
        }
    }
    io.out.flush()?;
    Ok(ExitCode::SUCCESS)
}
