//! Snapshot diffs (`snapshot diff`): Ozone computes a snapshot diff as a job in OM. The same
//! `ozone sh snapshot diff … --json` call starts it, reports how far it got, and, once it is
//! `DONE`, returns the report a page at a time (`nextToken`). Without `--wait` one call is
//! made: the changes if ready, else the job's state and the command to follow it. With
//! `--wait` the job is polled (as often as OM's `waitTimeInMs` asks, else `--poll-interval`)
//! with its progress as wait events, then every page is read.
//!
//! The diff commands are queries (see `Query::snapshot_diff`), so no confirmation; a dry run
//! still runs nothing, because starting a job on a large bucket costs OM real work.

use super::{Subject, connect, explain};
use crate::cluster::Session;
use crate::cluster::exec::{ExecError, OzoneError, OzoneReader};
use crate::cluster::view::ClusterView;
use crate::duration;
use crate::error::WaitTimeout;
use crate::events::Events;
use crate::plan::{Plan, Step};
use anyhow::{Context, Result, bail};
use ozone_storage::admin::Query;
use ozone_storage::snapshot::{self, BucketPath, DiffEntry, DiffResponse};
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::Instant;

/// How `snapshot diff` reads the job, built from its flags.
#[derive(Clone, Debug)]
pub struct DiffOptions {
    /// Changes per page of the report.
    pub page_size: u32,
    /// Follow the job until the report is ready (`--wait`).
    pub wait: bool,
    /// How long `wait` may take; `None`: no limit.
    pub timeout: Option<Duration>,
    /// Time between polls when Ozone does not say.
    pub poll_interval: Duration,
}

/// A diff between two snapshots of a bucket, on a found cluster: plan it (a dry run) or run
/// it.
pub struct Diff {
    view: ClusterView,
    job: Job,
}

impl Diff {
    /// Finds the cluster (`cluster`: its name, `None`: the only one in the namespace).
    pub async fn connect(
        session: &Session,
        cluster: Option<&str>,
        bucket: &BucketPath,
        from: &str,
        to: &str,
        page_size: u32,
    ) -> Result<Diff> {
        let (view, ozone) = connect(session, cluster).await?;
        Ok(Diff {
            view,
            job: Job {
                ozone,
                bucket: bucket.clone(),
                from: from.to_owned(),
                to: to.to_owned(),
                page_size,
                existing: format!("snapshot {from} or {to}"),
            },
        })
    }

    /// The cluster.
    pub fn cluster(&self) -> &str {
        self.view.cluster()
    }

    /// The plan of a dry run: the call that would start (or read) the job; nothing runs.
    pub fn plan(&self, namespace: &str, wait: bool) -> Plan {
        let (from, to, bucket) = (&self.job.from, &self.job.to, &self.job.bucket);
        let mut notes = vec![format!(
            "the first call starts Ozone's diff job of {from} → {to} in {bucket} if none exists"
        )];
        if wait {
            notes.push(
                "with --wait: repeat it until the job is DONE, then again with --token for each further page"
                    .into(),
            );
        }
        let q = self.job.query(None);
        Plan {
            action: "snapshot diff".into(),
            cluster: self.view.cluster().into(),
            namespace: namespace.into(),
            dry_run: true,
            targets: Vec::new(),
            checks: Vec::new(),
            notes,
            steps: vec![Step::Ozone {
                component: q.component().id().into(),
                argv: q.argv().to_vec(),
            }],
        }
    }

    /// Starts the job or reads how far it got; with `opts.wait` follows it to the end. A
    /// finished job's report is read whole. `resume` is the command that follows the job,
    /// for the note of an unfinished one and a timeout's message.
    pub async fn run(
        &self,
        opts: &DiffOptions,
        resume: &str,
        events: &mut dyn Events,
    ) -> Result<DiffResult> {
        let job = &self.job;
        let (from, to, bucket) = (&job.from, &job.to, &job.bucket);
        let mut first = job.ask(None).await.map_err(Asked::into_error)?;
        job.check_failed(&first)?;
        if first.job_status != "DONE" && opts.wait {
            first = follow(job, events, opts, first, resume).await?;
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
            result.changes = job.pages(first, events).await?;
            summarize(events, &result);
        } else {
            events.note(format!(
                "snapshot diff {from} → {to} of {bucket}: {}{}; follow it with:\n  {resume}",
                first.job_status,
                first
                    .progress_percent
                    .map(|p| format!(" ({p:.0}%)"))
                    .unwrap_or_default()
            ));
        }
        Ok(result)
    }
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

struct Job {
    ozone: OzoneReader,
    bucket: BucketPath,
    from: String,
    to: String,
    page_size: u32,
    /// "snapshot FROM or TO", for a not-found error.
    existing: String,
}

impl Job {
    fn query(&self, token: Option<&str>) -> Query {
        Query::snapshot_diff(&self.bucket, &self.from, &self.to, token, self.page_size)
    }

    /// One call: the job's state, or a page of its report.
    async fn ask(&self, token: Option<&str>) -> Result<DiffResponse, Asked> {
        let query = self.query(token);
        let subject = Subject {
            bucket: &self.bucket,
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
    async fn pages(&self, first: DiffResponse, events: &mut dyn Events) -> Result<Vec<Change>> {
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
            events.note(format!(
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

/// Polls until the job is done, showing its progress; a timeout is exit code 3.
async fn follow(
    job: &Job,
    events: &mut dyn Events,
    opts: &DiffOptions,
    mut state: DiffResponse,
    resume: &str,
) -> Result<DiffResponse> {
    let start = Instant::now();
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
        events.waiting(100 - percent as u64, &message);
        let interval = state
            .wait_time_in_ms
            .filter(|ms| *ms > 0)
            .map_or(opts.poll_interval, Duration::from_millis);
        if let Some(t) = opts.timeout
            && start.elapsed() + interval > t
        {
            events.waited("timed out");
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
                events.note(format!("could not read the job's state, retrying: {e}"))
            }
            Err(Asked::Fatal(e)) => return Err(e),
        }
        job.check_failed(&state)?;
        if state.job_status == "DONE" {
            events.waited(&format!(
                "[{}] snapshot diff DONE",
                duration::format(start.elapsed())
            ));
            return Ok(state);
        }
    }
}

/// One line counting the changes by kind.
fn summarize(events: &mut dyn Events, r: &DiffResult) {
    let count = |word: &str| r.changes.iter().filter(|c| c.change == word).count();
    events.note(format!(
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
