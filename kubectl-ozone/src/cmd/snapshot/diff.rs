//! `snapshot diff`: what changed between two snapshots, through Ozone's diff job in OM
//! ([`ozone_engine::snapshot::diff`]). Without `--wait` one call is made: the changes if
//! ready, else the job's state and the command to follow it; with `--wait` the job is followed
//! with progress on stderr. A dry run runs nothing, because starting a job on a large bucket
//! costs OM real work.

use super::{bucket_arg, name_arg};
use crate::cmd::common::print_plan;
use crate::cmd::common::{ClusterArgs, DryRun, flags_hint};
use crate::ui::progress::ProgressMode;
use crate::ui::{Format, Io, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::duration;
use ozone_engine::snapshot::diff::{Change, Diff, DiffOptions};
use std::process::ExitCode;
use std::time::Duration;

/// `snapshot diff` arguments.
#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The bucket.
    #[arg(value_name = "VOLUME/BUCKET")]
    pub bucket: String,
    /// The older snapshot.
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The newer snapshot.
    #[arg(value_name = "TO")]
    pub to: String,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Print the Ozone command and run nothing (not even the job's start).
    #[arg(long, value_enum, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub dry_run: Option<DryRun>,
    /// Follow the job until the report is ready, then print every change.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this long (exit code 3; the job goes on), e.g. 30m.
    /// Default: no limit.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse, requires = "wait")]
    pub timeout: Option<Duration>,
    /// Progress display while waiting.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// How often to poll when Ozone does not say.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse, default_value = "10s", hide = true)]
    pub poll_interval: Duration,
    /// Changes per page of the report.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub page_size: u32,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

impl DiffArgs {
    /// The engine's options.
    pub fn options(&self) -> DiffOptions {
        DiffOptions {
            page_size: self.page_size,
            wait: self.wait,
            timeout: self.timeout,
            poll_interval: self.poll_interval,
        }
    }
}

/// Runs `snapshot diff`.
pub async fn run(session: &Session, io: &mut Io, a: &DiffArgs) -> Result<ExitCode> {
    io.with_progress(a.progress);
    let bucket = bucket_arg(&a.bucket)?;
    let from = name_arg("FROM", &a.from)?;
    let to = name_arg("TO", &a.to)?;
    let diff = Diff::connect(
        session,
        a.cluster.name.as_deref(),
        &bucket,
        &from,
        &to,
        a.page_size,
    )
    .await?;
    if a.dry_run == Some(DryRun::Client) {
        let plan = diff.plan(session.namespace(), a.wait);
        let change = crate::cmd::common::ChangeArgs {
            dry_run: a.dry_run,
            format: a.format,
            ..Default::default()
        };
        print_plan(io, &plan, &change)?;
        return Ok(ExitCode::SUCCESS);
    }
    let resume = format!(
        "kubectl ozone snapshot diff {bucket} {from} {to} --wait {}",
        flags_hint(session, diff.cluster(), &a.cluster)
    );
    let result = diff.run(&a.options(), &resume, io).await?;
    match structured(a.format, &result)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None if result.job_status == "DONE" && !result.changes.is_empty() => {
            io.out.write_all(render(&result.changes).as_bytes())?;
        }
        None => {}
    }
    io.out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Changes as a table.
pub fn render(changes: &[Change]) -> String {
    let rows: Vec<Vec<String>> = changes
        .iter()
        .map(|c| {
            vec![
                c.change.clone(),
                c.path.clone(),
                c.new_path.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table::render(&["CHANGE", "PATH", "NEW PATH"], &rows)
}
