//! `kubectl ozone upgrade finalize`: the engine's finalization
//! ([`ozone_engine::upgrade::finalize`]), after a typed confirmation naming the consequence:
//! no downgrade afterwards.

use crate::cmd::common::{ChangeArgs, ClusterArgs, Presented, present_plan};
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::upgrade::finalize::{self, FinalizeOptions};
use std::process::ExitCode;

/// `upgrade finalize` arguments.
#[derive(Debug, Args, Clone)]
pub struct FinalizeArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Take finalization over from another caller that started it and went away.
    #[arg(long)]
    pub takeover: bool,
}

/// The phrase the typed confirmation asks for.
pub const PHRASE: &str = "finalize";

/// Runs `upgrade finalize`.
pub async fn run(session: &Session, io: &mut Io, a: &FinalizeArgs) -> Result<ExitCode> {
    let options = FinalizeOptions {
        takeover: a.takeover,
        timeout: a.change.timeout,
        poll: a.change.poll_interval,
        dry_run: a.change.is_dry_run(),
        flags: super::flags(session, &a.cluster),
    };
    let planned = finalize::plan(session, a.cluster.name.as_deref(), &options).await?;
    if present_plan(io, &planned.plan, &a.change)? == Presented::DryRun
        || planned.plan.steps.is_empty()
    {
        if let Some(line) = planned
            .finalized_already
            .as_ref()
            .filter(|_| !options.dry_run)
        {
            io.note(line);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let question = format!(
        "Finalize the upgrade of cluster {}? Afterwards it can never be downgraded.",
        planned.cluster
    );
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::DataLoss,
        a.change.yes,
        &question,
        PHRASE,
    )?;
    planned.run(session, confirmed, io).await?;
    Ok(ExitCode::SUCCESS)
}
