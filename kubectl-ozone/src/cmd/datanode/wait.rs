//! Waiting for datanodes to reach an operational state, polling
//! `datanode list --json` and, for decommission, `datanode status decommission --json` for
//! the work left (under-replicated and unclosed containers, unclosed pipelines).

use crate::exit::WaitTimeout;
use crate::ui::Io;
use crate::ui::progress::{Progress, ProgressMode};
use anyhow::Result;
use ozone_engine::cluster::exec::{ExecError, OzoneError, OzoneReader};
use ozone_engine::duration;
use ozone_storage::admin::{
    DecommissionMetrics, DecommissionStatus, OpState, Query, datanode, decommission,
};
use std::time::Duration;
use tokio::time::Instant;

/// How to wait.
#[derive(Debug, Clone)]
pub struct WaitOpts {
    /// Give up after this long.
    pub timeout: Option<Duration>,
    /// Time between polls.
    pub interval: Duration,
    /// Progress display.
    pub progress: ProgressMode,
}

/// Sums the metrics of the decommission status entries for `hosts`.
pub fn metrics_for(statuses: &[DecommissionStatus], hosts: &[String]) -> DecommissionMetrics {
    let mut sum = DecommissionMetrics::default();
    for s in statuses {
        let d = &s.datanode_details;
        let ours = d.host_name.as_deref().is_some_and(|h| {
            hosts
                .iter()
                .any(|t| t == h || t.split('.').next() == h.split('.').next())
        });
        if ours {
            sum.num_of_unclosed_pipelines += s.metrics.num_of_unclosed_pipelines;
            sum.num_of_under_replicated_containers += s.metrics.num_of_under_replicated_containers;
            sum.num_of_unclosed_containers += s.metrics.num_of_unclosed_containers;
        }
    }
    sum
}

/// Polls until every host is in `goal`. `resume` is the command that resumes watching,
/// printed when the timeout ends the wait.
pub async fn until(
    ozone: &OzoneReader,
    io: &mut Io,
    hosts: &[String],
    goal: OpState,
    opts: &WaitOpts,
    resume: &str,
) -> Result<()> {
    let start = Instant::now();
    let mut progress = Progress::new(opts.progress, io);
    loop {
        match poll(ozone, hosts, &goal).await {
            Ok((done, message, remaining)) => {
                let message = format!("[{}] {message}", duration::format(start.elapsed()));
                if done == hosts.len() {
                    progress.finish(io, &format!("done: {} now {goal}", hosts.join(", ")));
                    return Ok(());
                }
                progress.update(io, remaining, &message);
            }
            // Without permission, polling again will not help.
            Err(OzoneError::Exec(e @ ExecError::Forbidden { .. })) => return Err(e.into()),
            // A restarting SCM pod should not end a long wait.
            Err(e) => io.note(format!("could not read progress, retrying: {e}")),
        }
        if let Some(t) = opts.timeout
            && start.elapsed() + opts.interval > t
        {
            progress.finish(io, "timed out");
            return Err(WaitTimeout(format!(
                "timed out after {} waiting for {} to be {goal}; the operation goes on in Ozone. Resume watching with:\n  {resume}",
                duration::format(t),
                hosts.join(", ")
            ))
            .into());
        }
        tokio::time::sleep(opts.interval).await;
    }
}

/// One poll: how many hosts are done, a line describing progress, and the work left.
async fn poll(
    ozone: &OzoneReader,
    hosts: &[String],
    goal: &OpState,
) -> Result<(usize, String, u64), OzoneError> {
    let list = ozone.query(&Query::datanode_list()).await?;
    let dns = datanode::parse_list(&list).map_err(|e| OzoneError::Failed {
        command: "ozone admin datanode list --json --all".into(),
        pod: String::new(),
        code: 0,
        stderr: e.to_string(),
    })?;
    let states: Vec<String> = hosts
        .iter()
        .map(|h| {
            dns.iter()
                .find(|d| &d.host_name == h)
                .map(|d| d.op_state.to_string())
                .unwrap_or_else(|| "UNKNOWN".into())
        })
        .collect();
    let done = states
        .iter()
        .filter(|s| s.as_str() == goal.as_str())
        .count();
    let mut message = format!("{done}/{} {goal}", hosts.len());
    let mut remaining = (hosts.len() - done) as u64;
    if *goal == OpState::Decommissioned && done < hosts.len() {
        let out = ozone.query(&Query::decommission_status()).await?;
        // Progress detail is a nicety; a parse failure only loses the numbers.
        if let Ok(statuses) = decommission::parse_status(&out) {
            let m = metrics_for(&statuses, hosts);
            remaining = remaining.saturating_add(m.remaining());
            message.push_str(&format!(
                "; containers under-replicated: {}, unclosed: {}; unclosed pipelines: {}",
                m.num_of_under_replicated_containers,
                m.num_of_unclosed_containers,
                m.num_of_unclosed_pipelines
            ));
        }
    }
    Ok((done, message, remaining))
}
