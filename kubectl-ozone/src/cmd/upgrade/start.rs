//! `kubectl ozone upgrade --to VERSION` (or `-f SPEC`): the engine's plan
//! ([`ozone_engine::upgrade::start`]) shown and confirmed, then run; the same command
//! finishes an interrupted run.

use crate::cmd::common::{ChangeArgs, ClusterArgs, Presented, is_data, present_plan, print_plan};
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::upgrade::start::{self, Skips, UpgradeOptions};
use std::path::PathBuf;
use std::process::ExitCode;

pub(super) const EXAMPLES: &str = "Examples:
  # See the plan: checks, OM prepare, the stop, new images, the start order
  kubectl ozone upgrade --to 2.2.1 --dry-run

  # Upgrade to the version a spec file names, without asking
  kubectl ozone upgrade -f ozone-cluster.yaml --yes

  # Then, once the new version has proven itself (no downgrade afterwards)
  kubectl ozone upgrade status
  kubectl ozone upgrade finalize";

/// `upgrade` arguments.
#[derive(Debug, Args, Clone)]
pub struct StartArgs {
    /// The Ozone version to run (a release kubectl-ozone knows; older than the running one
    /// is a downgrade, possible only before `upgrade finalize`).
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Take the version from this spec file's spec.version.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags. The procedure always waits for each phase; --timeout bounds the run.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Skip the check that every pod is ready.
    #[arg(long)]
    pub skip_readiness_check: bool,
    /// Skip the check that the OM and SCM rings have a leader (and the leader re-check
    /// before each OM restart).
    #[arg(long)]
    pub skip_leader_check: bool,
    /// Skip the check that SCM is out of safe mode.
    #[arg(long)]
    pub skip_safemode_check: bool,
    /// Skip the check that the previous upgrade was finalized.
    #[arg(long)]
    pub skip_finalization_check: bool,
    /// Skip the check that no datanode is being decommissioned or entering maintenance.
    #[arg(long)]
    pub skip_decommission_check: bool,
}

impl StartArgs {
    /// The engine's options for this command line.
    pub fn options(&self, session: &Session) -> UpgradeOptions {
        UpgradeOptions {
            skips: Skips {
                readiness: self.skip_readiness_check,
                leader: self.skip_leader_check,
                safemode: self.skip_safemode_check,
                finalization: self.skip_finalization_check,
                decommission: self.skip_decommission_check,
            },
            timeout: self.change.timeout,
            poll: self.change.poll_interval,
            dry_run: self.change.is_dry_run(),
            flags: super::flags(session, &self.cluster),
        }
    }
}

/// Runs `upgrade`.
pub async fn run(session: &Session, io: &mut Io, a: &StartArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let spec = match &a.file {
        Some(path) => {
            let spec = crate::cli::SpecArgs {
                file: Some(path.clone()),
                ..Default::default()
            };
            Some((path.as_path(), crate::cmd::render::load(&spec)?.version))
        }
        None => None,
    };
    let release = start::target(a.to.as_deref(), spec)?;
    let name = a.cluster.name.as_deref();
    let upgrade = start::plan(session, name, release, &a.options(session)).await?;
    if present_plan(io, &upgrade.plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    let (cluster, from, target) = (&upgrade.cluster, upgrade.from, upgrade.target);
    let noun = upgrade.direction.noun();
    let question =
        format!("stop every pod of cluster {cluster} and {noun} it from {from} to {target}?");
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        a.change.yes,
        &question,
        "",
    )?;
    upgrade.run(session, confirmed, io).await?;
    if is_data(a.change.format) {
        print_plan(io, &upgrade.plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
