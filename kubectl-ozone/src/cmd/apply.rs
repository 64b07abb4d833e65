//! `kubectl ozone apply -f SPEC`: the spec reaches the running cluster the way Ozone needs it.
//! The engine ([`ozone_engine::change::apply`]) reads, plans and runs, one stage at a time;
//! this builds its options from the flags, shows the plan, confirms (typing the cluster's name
//! when a ring shrinks to one member), and names the command that resumes.

use super::compare::{self, DesiredArgs};
use super::datanode::SafetyArgs;
use super::restart::SkipArgs;
use crate::cmd::common::{ChangeArgs, Presented, is_data, present_plan, print_plan};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::change::apply::{self, ApplyOptions};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::plan::ring_shrink;
use ozone_generator::names::MANAGER;
use std::process::ExitCode;
use tokio::time::Instant;

pub(crate) const EXAMPLES: &str = "Examples:
  # The change workflow: edit the spec, look, apply
  kubectl ozone diff -f ozone-cluster.yaml
  kubectl ozone apply -f ozone-cluster.yaml --dry-run
  kubectl ozone apply -f ozone-cluster.yaml --yes --wait --timeout 1h

  # A new development cluster in an empty namespace, waited until ready
  kubectl ozone apply --profile small -n dev --yes --wait";

/// `apply` arguments.
#[derive(Debug, Args, Clone)]
pub struct ApplyArgs {
    /// The spec and the cluster.
    #[command(flatten)]
    pub desired: DesiredArgs,
    /// Take over fields other field managers own (server-side apply `force`).
    #[arg(long)]
    pub force_conflicts: bool,
    /// Change flags. --wait waits until every workload is rolled out; restarts and datanode
    /// changes are always waited for.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Rolling restart checks.
    #[command(flatten)]
    pub skips: SkipArgs,
    /// Datanode scale-down checks.
    #[command(flatten)]
    pub safety: SafetyArgs,
    /// Let an OM or SCM ring shrink to a single member, which then has no fault tolerance. On
    /// a terminal apply asks to type the cluster name; without one, give it as the value:
    /// --allow-ring-to-single=<cluster name>.
    #[arg(
        long,
        value_name = "CLUSTER",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub allow_ring_to_single: Option<String>,
}

impl ApplyArgs {
    /// As the engine takes them.
    pub fn options(&self) -> ApplyOptions {
        ApplyOptions {
            field_manager: MANAGER.to_owned(),
            force_conflicts: self.force_conflicts,
            wait: self.change.wait,
            skips: self.skips.skips(),
            safety: self.safety.safety(),
            allow_ring_to_single: self.allow_ring_to_single.clone(),
            dry_run: self.change.is_dry_run(),
            timeout: self.change.timeout,
            poll_interval: self.change.poll_interval,
            owner: None,
        }
    }
}

fn resume_command(a: &ApplyArgs, namespace: &str) -> String {
    let mut out = format!("kubectl ozone apply{} --yes", a.desired.hint(namespace));
    if a.force_conflicts {
        out.push_str(" --force-conflicts");
    }
    if a.change.wait {
        out.push_str(" --wait");
    }
    out.push_str(&a.skips.hint());
    if a.allow_ring_to_single.is_some() {
        out.push_str(&format!(
            " {}={}",
            ring_shrink::ALLOW_SINGLE_FLAG,
            a.desired.name.as_deref().unwrap_or("<cluster name>")
        ));
    }
    for (on, flag) in [
        (a.safety.skip_replication_check, " --skip-replication-check"),
        (a.safety.skip_safemode_check, " --skip-safemode-check"),
        (a.safety.skip_ownership_check, " --skip-ownership-check"),
    ] {
        if on {
            out.push_str(flag);
        }
    }
    out
}

/// Runs `apply`.
pub async fn run(session: &Session, io: &mut Io, a: &ApplyArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let started = Instant::now();
    let namespace = session.namespace().to_owned();
    let cluster = compare::resolve(&a.desired, &namespace)?;
    let options = a.options();
    let observed = apply::read(session, cluster, &options).await?;
    let planned = apply::plan(session, observed, &options).await?;
    let cluster_name = planned.cluster().to_owned();
    let resume = resume_command(a, &namespace).replace("<cluster name>", &cluster_name);
    let plan = &planned.plan;
    let presented = present_plan(io, plan, &a.change)?;
    planned.refuse_if_refused()?;
    if presented == Presented::DryRun || !plan.changes_anything() {
        return Ok(ExitCode::SUCCESS);
    }
    let question = format!(
        "apply {} steps to Ozone cluster {cluster_name} in namespace {namespace}?",
        plan.steps.len(),
    );
    let confirmed = if planned.to_single() && a.allow_ring_to_single.as_deref() == Some("") {
        // `--yes` does not answer this one: the ring loses its fault tolerance.
        if io.prompt.is_none() {
            return Err(BadInput(format!(
                "refusing to shrink a ring to a single member without a terminal to type the cluster name on; name it in the flag: {}={cluster_name}",
                ring_shrink::ALLOW_SINGLE_FLAG
            ))
            .into());
        }
        confirm(
            io.prompt.as_deref_mut(),
            Tier::DataLoss,
            false,
            &format!(
                "{question}\nA ring shrinks to a single member and will have no fault tolerance."
            ),
            &cluster_name,
        )?
    } else {
        confirm(
            io.prompt.as_deref_mut(),
            Tier::Risky,
            a.change.yes,
            &question,
            "",
        )?
    };
    let act = Actuator::new(&session.kube, planned.ozone(), confirmed);
    let waits = options.waits(started, resume);
    apply::run(session, &planned, &act, &waits, io).await?;
    if is_data(a.change.format) {
        print_plan(io, plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
