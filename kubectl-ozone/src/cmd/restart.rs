//! `kubectl ozone restart [COMPONENT] [POD]`: the quorum-safe rolling restart on its own.
//! The engine ([`ozone_engine::change::restart`]) plans and runs it; this shows the plan,
//! confirms, and builds the command that resumes.

use crate::cmd::common::{
    ChangeArgs, ClusterArgs, Presented, flags_hint, is_data, present_plan, print_plan,
};
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::change::restart::{RestartRequest, plan};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::plan::rotation::Skips;
use ozone_engine::pods::restart::Waits;
use ozone_storage::Component;
use std::process::ExitCode;
use tokio::time::Instant;

pub(crate) const EXAMPLES: &str = "Examples:
  # Finish a roll after `kubectl apply` of a new render (pods still on the old revision)
  kubectl ozone restart --dry-run

  # Every OM, followers first, leadership moved before the leader restarts
  kubectl ozone restart om --all --yes

  # One datanode
  kubectl ozone restart datanode ozone-datanode-3 --yes";

/// `restart` arguments.
#[derive(Debug, Args, Clone)]
pub struct RestartArgs {
    /// Only this component: scm, om, datanode, s3g, recon, httpfs.
    #[arg(value_name = "COMPONENT", value_parser = parse_component)]
    pub component: Option<Component>,
    /// Only this pod of COMPONENT.
    #[arg(value_name = "POD", requires = "component")]
    pub pod: Option<String>,
    /// Restart every pod, not only those on an older revision than their StatefulSet's.
    #[arg(long)]
    pub all: bool,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags. A rolling restart always waits for each pod; --timeout bounds the run.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Restart checks.
    #[command(flatten)]
    pub skips: SkipArgs,
}

/// The pre-flight checks of a rolling restart, each skippable by its own flag.
#[derive(Debug, Args, Clone, Default)]
pub struct SkipArgs {
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

impl SkipArgs {
    /// As the planner takes them.
    pub fn skips(&self) -> Skips {
        Skips {
            readiness: self.skip_readiness_check,
            leader: self.skip_leader_check,
            datanode_health: self.skip_datanode_health_check,
        }
    }

    /// The flags, to repeat in a resume command.
    pub fn hint(&self) -> String {
        let mut out = String::new();
        for (on, flag) in [
            (self.skip_readiness_check, " --skip-readiness-check"),
            (self.skip_leader_check, " --skip-leader-check"),
            (
                self.skip_datanode_health_check,
                " --skip-datanode-health-check",
            ),
        ] {
            if on {
                out.push_str(flag);
            }
        }
        out
    }
}

fn parse_component(s: &str) -> Result<Component, String> {
    Component::from_id(s).ok_or_else(|| {
        let ids: Vec<&str> = Component::ALL.iter().map(|c| c.id()).collect();
        format!("unknown component; one of {}", ids.join(", "))
    })
}

/// Runs `restart`.
pub async fn run(session: &Session, io: &mut Io, a: &RestartArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let started = Instant::now();
    let req = RestartRequest {
        cluster: a.cluster.name.as_deref(),
        component: a.component,
        pod: a.pod.as_deref(),
        all: a.all,
        skips: a.skips.skips(),
        dry_run: a.change.is_dry_run(),
    };
    let planned = plan(session, &req).await?;
    let plan = &planned.plan;
    if present_plan(io, plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    if !plan.changes_anything() {
        if planned.resumed.is_some() {
            // An interrupted --all run that restarted every pod but was cut off before
            // removing its record.
            let act = Actuator::new(
                &session.kube,
                &planned.ozone,
                confirm(
                    io.prompt.as_deref_mut(),
                    Tier::Risky,
                    a.change.yes,
                    "remove the record of the finished restart --all run?",
                    "",
                )?,
            );
            planned.clear_record(&act).await?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        a.change.yes,
        &format!("restart {} pods one at a time?", planned.count()),
        "",
    )?;
    let act = Actuator::new(&session.kube, &planned.ozone, confirmed);
    let mut resume = String::from("kubectl ozone restart");
    if let Some(c) = a.component {
        resume.push_str(&format!(" {c}"));
    }
    if let Some(p) = &a.pod {
        resume.push_str(&format!(" {p}"));
    }
    if a.all && a.pod.is_none() {
        // The run's record on the workloads makes --all restart only what is left.
        resume.push_str(" --all");
    }
    resume.push_str(&format!(
        "{} --yes {}",
        a.skips.hint(),
        flags_hint(session, &plan.cluster, &a.cluster)
    ));
    let waits = Waits {
        interval: a.change.poll_interval,
        deadline: a.change.timeout.map(|t| started + t),
        started,
        resume,
    };
    planned.run(session, &act, io, waits).await?;
    if is_data(a.change.format) {
        print_plan(io, plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
