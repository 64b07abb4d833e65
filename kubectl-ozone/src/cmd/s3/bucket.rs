//! `s3 bucket create | list`: buckets of `/s3v`, the only volume the S3 Gateway serves
//! (operations reference §3.1). Names are checked against the S3 rules before anything runs.

use crate::cmd::common::{ClusterArgs, print_plan};
use crate::cmd::snapshot::change::SnapshotChangeArgs;
use crate::cmd::snapshot::connect;
use crate::exit::BadInput;
use crate::ui::confirm::{Tier, confirm};
use crate::ui::{Format, Io, structured, table};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::exec::OzoneError;
use ozone_engine::plan::{Plan, Step};
use ozone_storage::admin::{Mutation, OmError, Query};
use ozone_storage::s3::{self, BucketInfo, S3_VOLUME};
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

fn explain(err: OzoneError, bucket: &str) -> anyhow::Error {
    let om = match &err {
        OzoneError::Failed { stderr, .. } => OmError::parse(stderr),
        _ => None,
    };
    match om {
        Some(om) if om.code.ends_with("ALREADY_EXISTS") => anyhow::Error::msg(format!(
            "bucket {bucket} already exists in /{S3_VOLUME} ({})",
            om.code
        )),
        Some(om) if om.code == "VOLUME_NOT_FOUND" => anyhow::Error::msg(format!(
            "volume /{S3_VOLUME} does not exist yet: the S3 Gateway creates it on its first request ({})",
            om.code
        )),
        Some(om) => anyhow::Error::msg(format!(
            "Ozone refused to create bucket {bucket}: {}: {}",
            om.code, om.message
        )),
        None => err.into(),
    }
}

async fn create(session: &Session, io: &mut Io, a: &CreateArgs) -> Result<ExitCode> {
    s3::check_bucket_name(&a.bucket).map_err(|e| BadInput(format!("NAME: {e}")))?;
    let (view, ozone) = connect(session, &a.cluster).await?;
    let m = Mutation::s3_bucket_create(&a.bucket);
    let change = crate::cmd::common::ChangeArgs {
        dry_run: a.change.dry_run,
        yes: a.change.yes,
        format: a.change.format,
        ..Default::default()
    };
    let plan = Plan {
        action: "s3 bucket create".into(),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run: change.is_dry_run(),
        targets: Vec::new(),
        checks: Vec::new(),
        notes: vec![format!(
            "bucket {} in /{S3_VOLUME}, visible over S3",
            a.bucket
        )],
        steps: vec![Step::Ozone {
            component: m.component().id().into(),
            argv: m.argv().to_vec(),
        }],
    };
    if change.is_dry_run() {
        print_plan(io, &plan, &change)?;
        return Ok(ExitCode::SUCCESS);
    }
    // Creating an empty bucket loses nothing: no question.
    let confirmed = confirm(io.prompt.as_deref_mut(), Tier::Low, a.change.yes, "", "")?;
    Actuator::new(&session.kube, &ozone, confirmed)
        .ozone(&m)
        .await
        .map_err(|e| explain(e, &a.bucket))?;
    let created = BucketInfo {
        name: a.bucket.clone(),
        creation_time: None,
    };
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
    let (_, ozone) = connect(session, &a.cluster).await?;
    let q = Query::s3_bucket_list();
    let out = match ozone.query(&q).await {
        Ok(out) => out,
        // No S3 request yet: the volume does not exist, so there are no buckets.
        Err(OzoneError::Failed { stderr, .. })
            if OmError::parse(&stderr).is_some_and(|e| e.code == "VOLUME_NOT_FOUND") =>
        {
            "[]".into()
        }
        Err(e) => return Err(e.into()),
    };
    let buckets = s3::parse_bucket_list(&out)
        .with_context(|| format!("cannot read the output of `{}`", q.argv().join(" ")))?;
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
