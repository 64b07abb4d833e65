//! `backup create`: the engine streams each leader's checkpoint into `--dir`
//! ([`ozone_engine::backup::create`]); this prints the manifest or a table of it.

use crate::cmd::common::ClusterArgs;
use crate::ui::progress::ProgressMode;
use crate::ui::{Format, Io, bytes, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::backup::{CreateOptions, create};
use ozone_engine::cluster::Session;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `backup create` arguments.
#[derive(Debug, Args, Clone)]
pub struct CreateArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The local directory the backup is written under (created if missing).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Include bucket snapshot data in the OM checkpoint. On by itself when the cluster
    /// schedules snapshots (spec.snapshots); set it when snapshots are made by hand.
    #[arg(long)]
    pub include_snapshot_data: bool,
    /// Progress display.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// Output format of the result (json|yaml print the manifest).
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs `backup create`.
pub async fn run(session: &Session, io: &mut Io, args: &CreateArgs) -> Result<ExitCode> {
    let options = CreateOptions {
        dir: args.dir.clone(),
        include_snapshot_data: args.include_snapshot_data,
    };
    io.with_progress(args.progress);
    let created = create(session, args.cluster.name.as_deref(), &options, io).await?;
    let manifest = &created.manifest;
    match structured(args.format, manifest)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => {
            let rows: Vec<Vec<String>> = manifest
                .files
                .iter()
                .map(|f| {
                    let from = manifest.leaders.get(&f.component).cloned();
                    let size = bytes(f.size);
                    vec![
                        f.component.to_uppercase(),
                        from.unwrap_or_default(),
                        size,
                        f.sha256.clone(),
                    ]
                })
                .collect();
            writeln!(
                io.out,
                "backup {} written to {}",
                manifest.name,
                created.dir.display()
            )?;
            let header = ["COMPONENT", "FROM", "SIZE", "SHA256"];
            io.out.write_all(table::render(&header, &rows).as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
