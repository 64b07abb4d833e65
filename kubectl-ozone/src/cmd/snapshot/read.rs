//! `snapshot list` and `snapshot info`: read-only, tables for people, Ozone's own JSON fields
//! for `-o json|yaml`.

use super::{Subject, bucket_arg, connect, explain, name_arg, size, status, time};
use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, structured, table};
use anyhow::{Context, Result};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_storage::admin::Query;
use ozone_storage::snapshot::{self, Snapshot};
use std::process::ExitCode;

/// `snapshot list` arguments.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// The bucket.
    #[arg(value_name = "VOLUME/BUCKET")]
    pub bucket: String,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `snapshot info` arguments.
#[derive(Debug, Args, Clone)]
pub struct InfoArgs {
    /// The bucket.
    #[arg(value_name = "VOLUME/BUCKET")]
    pub bucket: String,
    /// The snapshot.
    #[arg(value_name = "NAME")]
    pub snapshot: String,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs `snapshot list`: every snapshot, oldest first.
pub async fn list(session: &Session, io: &mut Io, args: &ListArgs) -> Result<ExitCode> {
    let bucket = bucket_arg(&args.bucket)?;
    let (_, ozone) = connect(session, &args.cluster).await?;
    let subject = Subject {
        bucket: &bucket,
        existing: None,
        new_name: None,
    };
    let query = Query::snapshot_list(&bucket);
    let out = ozone.query(&query).await.map_err(|e| explain(e, subject))?;
    let mut snapshots = snapshot::parse_list(&out)
        .with_context(|| format!("cannot parse the output of `{}`", query.argv().join(" ")))?;
    snapshots.sort_by(|a, b| (a.creation_time, &a.name).cmp(&(b.creation_time, &b.name)));
    match structured(args.format, &snapshots)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None if snapshots.is_empty() => io.note(format!("No snapshots in {bucket}.")),
        None => io
            .out
            .write_all(render(&snapshots, args.format == Format::Wide).as_bytes())?,
    }
    io.out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `snapshot info`.
pub async fn info(session: &Session, io: &mut Io, args: &InfoArgs) -> Result<ExitCode> {
    let bucket = bucket_arg(&args.bucket)?;
    let name = name_arg("NAME", &args.snapshot)?;
    let (_, ozone) = connect(session, &args.cluster).await?;
    let existing = format!("snapshot {name}");
    let snap = read_one(
        &ozone,
        Subject {
            bucket: &bucket,
            existing: Some(&existing),
            new_name: None,
        },
        &name,
    )
    .await?;
    match structured(args.format, &snap)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => io.out.write_all(describe(&snap).as_bytes())?,
    }
    io.out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Reads one snapshot with `snapshot info`.
pub async fn read_one(
    ozone: &ozone_engine::cluster::exec::OzoneReader,
    subject: Subject<'_>,
    name: &str,
) -> Result<Snapshot> {
    let query = Query::snapshot_info(subject.bucket, name);
    let out = ozone.query(&query).await.map_err(|e| explain(e, subject))?;
    snapshot::parse_info(&out)
        .with_context(|| format!("cannot parse the output of `{}`", query.argv().join(" ")))
}

/// Snapshots as a table; `wide` adds replicated sizes and the id.
pub fn render(snapshots: &[Snapshot], wide: bool) -> String {
    let mut headers = vec!["NAME", "CREATED", "STATUS", "REFERENCED", "EXCLUSIVE"];
    if wide {
        headers.extend(["REFERENCED (REPLICATED)", "EXCLUSIVE (REPLICATED)", "ID"]);
    }
    let rows: Vec<Vec<String>> = snapshots
        .iter()
        .map(|s| {
            let mut row = vec![
                s.name.clone(),
                time(s.creation_time),
                status(&s.snapshot_status).to_owned(),
                size(s.referenced_size),
                size(s.exclusive_size),
            ];
            if wide {
                row.push(size(s.referenced_replicated_size));
                row.push(size(s.exclusive_replicated_size));
                row.push(s.snapshot_id.clone());
            }
            row
        })
        .collect();
    table::render(&headers, &rows)
}

/// One snapshot as `key: value` lines.
pub fn describe(s: &Snapshot) -> String {
    format!(
        "Name:        {}\nBucket:      {}/{}\nCreated:     {}\nStatus:      {}\nReferenced:  {} ({} replicated)\nExclusive:   {} ({} replicated)\nId:          {}\nPath:        {}\n",
        s.name,
        s.volume_name,
        s.bucket_name,
        time(s.creation_time),
        status(&s.snapshot_status),
        size(s.referenced_size),
        size(s.referenced_replicated_size),
        size(s.exclusive_size),
        size(s.exclusive_replicated_size),
        s.snapshot_id,
        s.snapshot_path,
    )
}
