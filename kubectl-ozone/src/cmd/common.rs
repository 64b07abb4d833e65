//! Flags and plumbing shared by the cluster commands: connecting, the flags of every
//! mutating command, the runtime, and how a plan is shown and refused.

use crate::kube_flags::KubeFlags;
use crate::ui::progress::ProgressMode;
use crate::ui::{Format, Io, structured};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::ws::WsExec;
use ozone_engine::duration;
use ozone_engine::plan::Plan;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Which cluster: the kubectl flags and the Ozone cluster's name.
#[derive(Debug, Args, Clone, Default)]
pub struct ClusterArgs {
    /// Kubernetes connection.
    #[command(flatten)]
    pub kube: KubeFlags,
    /// The Ozone cluster (its app.kubernetes.io/instance label); needed only when the
    /// namespace holds several.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// `--dry-run` modes (kubectl's spelling; only client-side planning exists here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    /// Plan and print, change nothing.
    Client,
    /// Not a dry run.
    None,
}

/// Flags of every command that changes the cluster.
#[derive(Debug, Args, Clone)]
pub struct ChangeArgs {
    /// Print the plan (Kubernetes changes and Ozone commands) and change nothing.
    #[arg(long, value_enum, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub dry_run: Option<DryRun>,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Wait until Ozone reports the operation finished.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this long, e.g. 30m: exit code 3, what was already started goes
    /// on in the cluster, and the command that resumes is printed. Default: no limit.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    pub timeout: Option<Duration>,
    /// Progress display while waiting.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// How often to poll Ozone while waiting.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse, default_value = "10s", hide = true)]
    pub poll_interval: Duration,
    /// Output format of the plan and result.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

impl Default for ChangeArgs {
    fn default() -> ChangeArgs {
        ChangeArgs {
            dry_run: None,
            yes: false,
            wait: false,
            timeout: None,
            progress: ProgressMode::Plain,
            poll_interval: Duration::from_secs(10),
            format: Format::Table,
        }
    }
}

impl ChangeArgs {
    /// Whether this is a dry run.
    pub fn is_dry_run(&self) -> bool {
        self.dry_run == Some(DryRun::Client)
    }
}

/// Connects to the cluster the flags name.
pub async fn connect(args: &ClusterArgs) -> Result<Session> {
    let (client, namespace) = args.kube.client().await?;
    let exec = Arc::new(WsExec::new(client.clone(), &namespace));
    Ok(Session::new(client, &namespace, exec))
}

/// Runs a cluster command to completion on a single-threaded runtime: the work is a handful
/// of requests, not worth threads.
pub fn block_on<F: Future>(f: F) -> Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    Ok(rt.block_on(f))
}

/// Runs a command that may change the cluster: `f` on this thread, and what it spawns — the
/// renewal of the engine lock, the client's connections — on one worker thread, so that the
/// Lease is renewed while a confirmation prompt blocks this thread.
pub fn block_on_changing<F: Future>(f: F) -> Result<F::Output> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    Ok(rt.block_on(f))
}

/// The flags to repeat in a follow-up command, so a hint can be pasted as is.
pub fn flags_hint(session: &Session, cluster: &str, args: &ClusterArgs) -> String {
    let mut out = format!("-n {} --name {cluster}", session.namespace());
    if let Some(c) = &args.kube.context {
        out.push_str(&format!(" --context {c}"));
    }
    if let Some(k) = &args.kube.kubeconfig {
        out.push_str(&format!(" --kubeconfig {}", k.display()));
    }
    out
}

/// Prints a plan: to stdout as data on a dry run or with `-o json|yaml`, else to stderr.
pub fn print_plan(io: &mut Io, plan: &Plan, change: &ChangeArgs) -> Result<()> {
    match structured(change.format, plan)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None if plan.dry_run => io.out.write_all(plan.to_text().as_bytes())?,
        None => io.err.write_all(plan.to_text().as_bytes())?,
    }
    Ok(())
}

/// Refuses when a pre-flight check failed, naming the flag that would skip it.
fn refuse_if_unsafe(plan: &Plan) -> Result<()> {
    let failed = plan.failed_checks();
    if failed.is_empty() {
        return Ok(());
    }
    let reasons: Vec<String> = failed
        .iter()
        .map(|c| {
            let detail = match &c.outcome {
                ozone_engine::plan::preflight::Outcome::Failed(s) => s.as_str(),
                _ => "",
            };
            format!("{}: {detail} (skip with {})", c.name, c.skip_flag)
        })
        .collect();
    anyhow::bail!("refused, nothing was changed: {}", reasons.join("; "))
}

/// Whether a format prints the plan as data.
pub fn is_data(format: Format) -> bool {
    matches!(format, Format::Json | Format::Yaml)
}

/// What [`present_plan`] did with a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// A dry run: the plan went to stdout and the command is done.
    DryRun,
    /// A real run: the plan went to stderr and passed its pre-flight checks.
    Proceed,
}

/// Shows a plan the way every changing command does: on a dry run, as the command's output;
/// otherwise on stderr before any confirmation. Either way a failed pre-flight check refuses,
/// so a dry run also tells whether the real run would be allowed.
pub fn present_plan(io: &mut Io, plan: &Plan, change: &ChangeArgs) -> Result<Presented> {
    if change.is_dry_run() {
        print_plan(io, plan, change)?;
        refuse_if_unsafe(plan)?;
        return Ok(Presented::DryRun);
    }
    io.err.write_all(plan.to_text().as_bytes())?;
    refuse_if_unsafe(plan)?;
    Ok(Presented::Proceed)
}
