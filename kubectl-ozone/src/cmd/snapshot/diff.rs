//! `snapshot diff`: Ozone computes a snapshot diff as a job in OM. The same
//! `ozone sh snapshot diff … --json` call starts it, reports how far it got, and, once it is
//! `DONE`, returns the report a page at a time (`nextToken`). Without `--wait` one call is
//! made: the changes if ready, else the job's state and the command to follow it. With
//! `--wait` the job is polled (as often as OM's `waitTimeInMs` asks, else `--poll-interval`)
//! with progress on stderr, then every page is read.
//!
//! The diff commands are queries (see `Query::snapshot_diff`), so no confirmation; a dry run
//! still runs nothing, because starting a job on a large bucket costs OM real work.

use super::{Subject, bucket_arg, connect, explain, name_arg};
use crate::cmd::common::print_plan;
use crate::cmd::common::{ClusterArgs, DryRun, flags_hint};
use crate::exit::WaitTimeout;
use crate::ui::progress::{Progress, ProgressMode};
use crate::ui::{Format, Io, structured, table};
use anyhow::{Context, Result, bail};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::exec::{ExecError, OzoneError, OzoneReader};
use ozone_engine::duration;
use ozone_engine::plan::{Plan, Step};
use ozone_storage::admin::Query;
use ozone_storage::snapshot::{self, BucketPath, DiffEntry, DiffResponse};
use serde::Serialize;
use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::Duration;
use tokio::time::Instant;

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

/// One change, as `-o json|yaml` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `added`, `deleted`, `renamed` or `modified`.
    pub change: String,
    /// The path (the old one, for renames).
    pub path: String,
    /// The new path of a rename.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_path: Option<String>,
}

impl From<&DiffEntry> for Change {
    fn from(e: &DiffEntry) -> Change {
        Change {
            change: e.change().to_owned(),
            path: e.source_path.clone(),
            new_path: e.target_path.clone(),
        }
    }
}

/// The result of `snapshot diff`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffResult {
    /// Volume.
    pub volume: String,
    /// Bucket.
    pub bucket: String,
    /// Older snapshot.
    pub from: String,
    /// Newer snapshot.
    pub to: String,
    /// The job's state: `DONE` when `changes` is the whole report.
    pub job_status: String,
    /// Progress of an unfinished job, 0–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_percent: Option<f64>,
    /// Every change, once done.
    pub changes: Vec<Change>,
}

struct Job<'a> {
    ozone: &'a OzoneReader,
    bucket: &'a BucketPath,
    from: &'a str,
    to: &'a str,
    page_size: u32,
    /// "snapshot FROM or TO", for a not-found error.
    existing: String,
}

impl Job<'_> {
    fn query(&self, token: Option<&str>) -> Query {
        Query::snapshot_diff(self.bucket, self.from, self.to, token, self.page_size)
    }

    /// One call: the job's state, or a page of its report.
    async fn ask(&self, token: Option<&str>) -> Result<DiffResponse, Asked> {
        let query = self.query(token);
        let subject = Subject {
            bucket: self.bucket,
            existing: Some(&self.existing),
            new_name: None,
        };
        let out = self.ozone.query(&query).await.map_err(|e| match e {
            // A restarting OM pod should not end a long wait; missing permission will.
            OzoneError::Exec(ExecError::Transport { .. }) | OzoneError::NoPod { .. } => {
                Asked::Retry(e.to_string())
            }
            e => Asked::Fatal(explain(e, subject)),
        })?;
        snapshot::parse_diff(&out)
            .with_context(|| format!("cannot parse the output of `{}`", query.argv().join(" ")))
            .map_err(Asked::Fatal)
    }

    /// Fails with one line for a job that ended without a report.
    fn check_failed(&self, r: &DiffResponse) -> Result<()> {
        let reason = r.reason.as_deref().unwrap_or("Ozone gave no reason");
        match r.job_status.as_str() {
            "FAILED" => bail!(
                "snapshot diff {} → {} of {} failed in Ozone: {reason}",
                self.from,
                self.to,
                self.bucket
            ),
            "REJECTED" => bail!(
                "Ozone rejected the snapshot diff {} → {} of {} (too many diff jobs running?): {reason}; try again later",
                self.from,
                self.to,
                self.bucket
            ),
            "CANCELLED" | "CANCELED" => bail!(
                "the snapshot diff {} → {} of {} was cancelled; run the command again to start a new one",
                self.from,
                self.to,
                self.bucket
            ),
            _ => Ok(()),
        }
    }

    /// Every page of a finished report, starting from the first.
    async fn pages(&self, first: DiffResponse, io: &mut Io) -> Result<Vec<Change>> {
        let mut changes = Vec::new();
        let mut seen = BTreeSet::new();
        let mut page = first;
        let mut n = 1;
        loop {
            let Some(report) = page.snapshot_diff_report else {
                bail!(
                    "Ozone said the snapshot diff is {} but sent no report; run the command again",
                    page.job_status
                );
            };
            changes.extend(report.diff_list.iter().map(Change::from));
            let Some(token) = report.next_token.filter(|t| !t.is_empty()) else {
                return Ok(changes);
            };
            // A token seen before would page forever.
            if !seen.insert(token.clone()) {
                bail!("Ozone returned the page token {token:?} twice; stopping after page {n}");
            }
            n += 1;
            io.note(format!(
                "reading page {n} of the report ({} changes so far)",
                changes.len()
            ));
            page = self.ask(Some(&token)).await.map_err(Asked::into_error)?;
            self.check_failed(&page)?;
        }
    }
}

/// Why a call gave no answer.
enum Asked {
    /// Worth asking again while waiting.
    Retry(String),
    /// Not.
    Fatal(anyhow::Error),
}

impl Asked {
    fn into_error(self) -> anyhow::Error {
        match self {
            Asked::Retry(e) => anyhow::Error::msg(e),
            Asked::Fatal(e) => e,
        }
    }
}

/// Runs `snapshot diff`.
pub async fn run(session: &Session, io: &mut Io, a: &DiffArgs) -> Result<ExitCode> {
    let bucket = bucket_arg(&a.bucket)?;
    let from = name_arg("FROM", &a.from)?;
    let to = name_arg("TO", &a.to)?;
    let (view, ozone) = connect(session, &a.cluster).await?;
    let job = Job {
        ozone: &ozone,
        bucket: &bucket,
        from: &from,
        to: &to,
        page_size: a.page_size,
        existing: format!("snapshot {from} or {to}"),
    };
    if a.dry_run == Some(DryRun::Client) {
        let mut notes = vec![format!(
            "the first call starts Ozone's diff job of {from} → {to} in {bucket} if none exists"
        )];
        if a.wait {
            notes.push(
                "with --wait: repeat it until the job is DONE, then again with --token for each further page"
                    .into(),
            );
        }
        let q = job.query(None);
        let plan = Plan {
            action: "snapshot diff".into(),
            cluster: view.cluster().into(),
            namespace: session.namespace().into(),
            dry_run: true,
            targets: Vec::new(),
            checks: Vec::new(),
            notes,
            steps: vec![Step::Ozone {
                component: q.component().id().into(),
                argv: q.argv().to_vec(),
            }],
        };
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
        flags_hint(session, view.cluster(), &a.cluster)
    );
    let mut first = job.ask(None).await.map_err(Asked::into_error)?;
    job.check_failed(&first)?;
    if first.job_status != "DONE" && a.wait {
        first = follow(&job, io, a, first, &resume).await?;
    }
    let mut result = DiffResult {
        volume: bucket.volume.clone(),
        bucket: bucket.bucket.clone(),
        from: from.clone(),
        to: to.clone(),
        job_status: first.job_status.clone(),
        progress_percent: first.progress_percent,
        changes: Vec::new(),
    };
    if first.job_status == "DONE" {
        result.progress_percent = None;
        result.changes = job.pages(first, io).await?;
        summarize(io, &result);
    } else {
        io.note(format!(
            "snapshot diff {from} → {to} of {bucket}: {}{}; follow it with:\n  {resume}",
            first.job_status,
            first
                .progress_percent
                .map(|p| format!(" ({p:.0}%)"))
                .unwrap_or_default()
        ));
    }
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

/// Polls until the job is done, showing its progress; a timeout is exit code 3.
async fn follow(
    job: &Job<'_>,
    io: &mut Io,
    a: &DiffArgs,
    mut state: DiffResponse,
    resume: &str,
) -> Result<DiffResponse> {
    let start = Instant::now();
    let mut progress = Progress::new(a.progress, io);
    loop {
        let percent = state.progress_percent.unwrap_or(0.0).clamp(0.0, 100.0);
        let message = format!(
            "[{}] snapshot diff {}{}{}",
            duration::format(start.elapsed()),
            state.job_status,
            state
                .progress_percent
                .map(|p| format!(" {p:.0}%"))
                .unwrap_or_default(),
            state
                .sub_status
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        );
        progress.update(io, 100 - percent as u64, &message);
        let interval = state
            .wait_time_in_ms
            .filter(|ms| *ms > 0)
            .map_or(a.poll_interval, Duration::from_millis);
        if let Some(t) = a.timeout
            && start.elapsed() + interval > t
        {
            progress.finish(io, "timed out");
            return Err(WaitTimeout(format!(
                "timed out after {} waiting for the snapshot diff {} → {} of {}; the job goes on in Ozone. Resume watching with:\n  {resume}",
                duration::format(t),
                job.from,
                job.to,
                job.bucket
            ))
            .into());
        }
        tokio::time::sleep(interval).await;
        match job.ask(None).await {
            Ok(next) => state = next,
            Err(Asked::Retry(e)) => {
                io.note(format!("could not read the job's state, retrying: {e}"))
            }
            Err(Asked::Fatal(e)) => return Err(e),
        }
        job.check_failed(&state)?;
        if state.job_status == "DONE" {
            progress.finish(
                io,
                &format!("[{}] snapshot diff DONE", duration::format(start.elapsed())),
            );
            return Ok(state);
        }
    }
}

fn summarize(io: &mut Io, r: &DiffResult) {
    let count = |word: &str| r.changes.iter().filter(|c| c.change == word).count();
    io.note(format!(
        "{} changes from {} to {} in {}/{}: {} added, {} deleted, {} renamed, {} modified",
        r.changes.len(),
        r.from,
        r.to,
        r.volume,
        r.bucket,
        count("added"),
        count("deleted"),
        count("renamed"),
        count("modified")
    ));
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
