//! `cert rotate`: new leaf certificates (or, with `--ca`, a new CA), then a rolling restart
//! that keeps Raft quorums and data available ([`ozone_engine::certs::rotate`]). This module
//! turns the flags into [`RotateOptions`], shows the plan, confirms, and hands the engine the
//! commands that resume an interrupted run.

use crate::cmd::common::{ChangeArgs, ClusterArgs, flags_hint};
use crate::cmd::common::{Presented, is_data, present_plan, print_plan};
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::certs::rotate::{self, ResumeHints, RotateOptions, Rotation};
use ozone_engine::cluster::Session;
use ozone_engine::plan::rotation::Skips;
use ozone_storage::Component;
use std::process::ExitCode;

pub(super) const EXAMPLES: &str = "Examples:
  # See the plan: Secrets changed, pod restart order, Ozone commands
  kubectl ozone cert rotate --dry-run

  # Only the S3 Gateway's certificate, without asking
  kubectl ozone cert rotate --component s3g --yes

  # Replace the CA itself (managed mode), in phases; re-run to resume
  kubectl ozone cert rotate --ca --timeout 2h";

/// `cert rotate` arguments.
#[derive(Debug, Args, Clone)]
pub struct RotateArgs {
    /// Rotate only this component's certificate (scm, om, datanode, s3g, recon); repeatable.
    /// Default: every component that serves HTTPS.
    #[arg(long = "component", value_name = "COMPONENT", value_parser = parse_component)]
    pub components: Vec<Component>,
    /// Replace the CA itself (managed mode): new CA trusted everywhere, restart, leaves
    /// re-issued, restart, old CA dropped, restart. Progress is recorded on the CA Secret;
    /// re-run to resume.
    #[arg(long)]
    pub ca: bool,
    /// Finish an interrupted rotation: issue nothing, restart only the pods that do not serve
    /// their Secret's certificate yet (what an interrupted run prints).
    #[arg(long, conflicts_with = "ca")]
    pub resume: bool,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags. A rolling restart always waits for each pod; --timeout bounds the run.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Skip the check that every pod to restart is ready.
    #[arg(long)]
    pub skip_readiness_check: bool,
    /// Skip the check that OM and SCM have a Raft leader and a follower to hand over to, and
    /// the re-check of their roles before each OM or SCM pod is deleted.
    #[arg(long)]
    pub skip_leader_check: bool,
    /// Skip the check that SCM reports every datanode healthy, before the run and before
    /// each datanode is deleted.
    #[arg(long)]
    pub skip_datanode_health_check: bool,
}

fn parse_component(s: &str) -> Result<Component, String> {
    Component::from_id(s).ok_or_else(|| {
        let ids: Vec<&str> = Component::ALL.iter().map(|c| c.id()).collect();
        format!("unknown component; one of {}", ids.join(", "))
    })
}

impl RotateArgs {
    /// The engine's options.
    pub fn options(&self) -> RotateOptions {
        RotateOptions {
            cluster: self.cluster.name.clone(),
            components: self.components.clone(),
            ca: self.ca,
            resume: self.resume,
            skips: Skips {
                readiness: self.skip_readiness_check,
                leader: self.skip_leader_check,
                datanode_health: self.skip_datanode_health_check,
            },
            dry_run: self.change.is_dry_run(),
            timeout: self.change.timeout,
            poll_interval: self.change.poll_interval,
        }
    }
}

/// The command that resumes this run.
fn resume_command(session: &Session, cluster: &str, a: &RotateArgs, resume: bool) -> String {
    let mut cmd = String::from("kubectl ozone cert rotate");
    if a.ca {
        cmd.push_str(" --ca");
    } else if resume {
        cmd.push_str(" --resume");
    }
    for c in &a.components {
        cmd.push_str(&format!(" --component {c}"));
    }
    format!("{cmd} {}", flags_hint(session, cluster, &a.cluster))
}

/// Runs `cert rotate`.
pub async fn run(session: &Session, io: &mut Io, a: &RotateArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let opts = a.options();
    let rotation = rotate::plan(session, &opts).await?;
    let plan = rotation.plan();
    if present_plan(io, plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    if let Rotation::Leaves(_) = &rotation
        && !plan.changes_anything()
    {
        return Ok(ExitCode::SUCCESS);
    }
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        a.change.yes,
        &rotation.question(),
        "",
    )?;
    let cluster = rotation.cluster();
    let hints = ResumeHints {
        rerun: resume_command(session, cluster, a, a.resume),
        restarts: resume_command(session, cluster, a, true),
    };
    rotation.run(session, confirmed, &opts, &hints, io).await?;
    if is_data(a.change.format) {
        print_plan(io, plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
