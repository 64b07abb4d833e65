//! `kubectl ozone restart [COMPONENT] [POD]`: the quorum-safe rolling restart on its own
//! (the engine `cert rotate` uses): OM and SCM followers first, leadership moved before a
//! leader restarts, datanodes one at a time while SCM reports them healthy, gateways last.
//!
//! By default only pods made from an older revision than their StatefulSet's
//! `status.updateRevision` restart: with `updateStrategy: OnDelete` a plain `kubectl apply`
//! of a new render changes the template but restarts nothing, and this finishes the roll.
//! `--all` restarts every pod (of COMPONENT). Re-running after an interruption restarts only
//! what is still out of date; for `--all`, the start of the run is recorded on the cluster
//! (annotation [`RESTART_ALL_ANNOTATION`] on each StatefulSet and Deployment restarted, and
//! on each pod once restarted), so the same command run again restarts only the pods not
//! restarted since, and the record is removed when the run is done.

use crate::cmd::common::{
    ChangeArgs, ClusterArgs, Presented, flags_hint, is_data, present_plan, print_plan,
};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::{Actuator, WorkloadKind};
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::ClusterView;
use ozone_engine::plan::Plan;
use ozone_engine::plan::rotation::Skips;
use ozone_engine::pods::restart::{Restarter, Waits};
use ozone_engine::pods::rolling::{self, out_of_date_pods};
use ozone_storage::Component;
use std::collections::BTreeMap;
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

/// The components to restart: the one given (which must have pods), or every one with pods.
fn components(view: &ClusterView, a: &RestartArgs) -> Result<Vec<Component>, BadInput> {
    match a.component {
        Some(c) if view.pods_of(c).is_empty() => Err(BadInput(format!(
            "cluster {} has no {c} pods",
            view.cluster()
        ))),
        Some(c) => {
            if let Some(pod) = &a.pod
                && !view
                    .pods_of(c)
                    .iter()
                    .any(|p| p.metadata.name.as_deref() == Some(pod))
            {
                return Err(BadInput(format!(
                    "{pod} is not a {c} pod of cluster {}",
                    view.cluster()
                )));
            }
            Ok(vec![c])
        }
        None => Ok(Component::ALL
            .into_iter()
            .filter(|c| !view.pods_of(*c).is_empty())
            .collect()),
    }
}

/// Records the start of a `restart --all` run (RFC 3339) on the workloads it restarts, and
/// on each pod once restarted.
pub const RESTART_ALL_ANNOTATION: &str = "ozone.apache.org/restart-all-since";

/// The workloads of `components`, as (kind, name).
fn workloads(view: &ClusterView, components: &[Component]) -> Vec<(WorkloadKind, String)> {
    let of = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        ozone_engine::cluster::view::component_of(m).is_some_and(|c| components.contains(&c))
    };
    let mut out: Vec<(WorkloadKind, String)> = view
        .statefulsets
        .iter()
        .filter(|s| of(&s.metadata))
        .filter_map(|s| Some((WorkloadKind::StatefulSet, s.metadata.name.clone()?)))
        .collect();
    out.extend(
        view.deployments
            .iter()
            .filter(|d| of(&d.metadata))
            .filter_map(|d| Some((WorkloadKind::Deployment, d.metadata.name.clone()?))),
    );
    out
}

/// The start of an interrupted `--all` run recorded on one of the workloads, if any.
fn recorded_start(view: &ClusterView, components: &[Component]) -> Option<String> {
    let annotation = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        (ozone_engine::cluster::view::component_of(m).is_some_and(|c| components.contains(&c)))
            .then(|| m.annotations.as_ref()?.get(RESTART_ALL_ANNOTATION).cloned())
            .flatten()
    };
    view.statefulsets
        .iter()
        .find_map(|s| annotation(&s.metadata))
        .or_else(|| {
            view.deployments
                .iter()
                .find_map(|d| annotation(&d.metadata))
        })
}

/// Whether `pod` was restarted by the `--all` run that started at `since`: it carries the
/// run's mark, or was created after the run started (creation times have whole seconds, so
/// a pod created in the very second the run started counts as restarted).
fn restarted_since(view: &ClusterView, pod: &str, since: &str) -> bool {
    let Some(p) = view
        .pods
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some(pod))
    else {
        return false;
    };
    let marked = p
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(RESTART_ALL_ANNOTATION))
        .is_some_and(|v| v == since);
    let created_after = match (
        p.metadata.creation_timestamp.as_ref(),
        since.parse::<k8s_openapi::jiff::Timestamp>(),
    ) {
        (Some(created), Ok(start)) => created.0 >= start,
        _ => false,
    };
    marked || created_after
}

/// Removes the record of a finished `--all` run from the workloads.
async fn clear_record(act: &Actuator, view: &ClusterView, components: &[Component]) -> Result<()> {
    let clear = BTreeMap::from([(RESTART_ALL_ANNOTATION.to_owned(), None)]);
    for (kind, name) in workloads(view, components) {
        act.annotate_workload(kind, &name, &clear).await?;
    }
    Ok(())
}

/// Runs `restart`.
pub async fn run(session: &Session, io: &mut Io, a: &RestartArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let started = Instant::now();
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let components = components(&view, a)?;
    // A member bootstrap holds the template of its StatefulSet: restarting the other members
    // now would start them from that template (held, or `--bootstrap`).
    for s in &view.statefulsets {
        if let Some(p) = ozone_engine::rings::bootstrap::InProgress::of(s)? {
            anyhow::bail!(
                "refused, nothing was changed: statefulset {} records a member bootstrap in progress ({:?} of {}); finish it first (`kubectl ozone recover` for a recovery, `kubectl ozone apply` for a ring growth)",
                s.metadata.name.as_deref().unwrap_or_default(),
                p.purpose,
                p.pod
            );
        }
    }
    let stale = out_of_date_pods(&view, &components);
    let every = a.all && a.pod.is_none();
    let resumed = if every {
        recorded_start(&view, &components)
    } else {
        None
    };
    // Whole seconds: the API server records creation times to the second.
    let since = resumed.clone().unwrap_or_else(|| {
        let now = k8s_openapi::jiff::Timestamp::now();
        k8s_openapi::jiff::Timestamp::from_second(now.as_second())
            .unwrap_or(now)
            .to_string()
    });
    let restart = |pod: &str| match &a.pod {
        Some(only) => pod == only,
        None if every => !restarted_since(&view, pod, &since),
        None => stale.contains(pod),
    };
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let pods = rolling::pod_states(&view, &ozone, &components).await?;
    let checks = rolling::checks(&ozone, &pods, &components, a.skips.skips()).await?;
    let restarts =
        rolling::plan_restarts(&session.kube, &view, &pods, &components, |p| !restart(p)).await?;
    let mut notes = Vec::new();
    if let Some(start) = &resumed {
        notes.push(format!(
            "resuming the --all run that started at {start}: pods restarted since are not restarted again"
        ));
    }
    if !a.all && a.pod.is_none() {
        notes.push(if stale.is_empty() {
            "every pod runs its StatefulSet's current revision (restart them anyway with --all)"
                .to_owned()
        } else {
            format!(
                "pods on an older revision than their StatefulSet's: {}",
                stale.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        });
    }
    let plan = Plan {
        action: "rolling restart".into(),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run: a.change.is_dry_run(),
        targets: Vec::new(),
        // Checks matter only when something restarts.
        checks: if restarts.steps.is_empty() {
            Vec::new()
        } else {
            checks
        },
        notes,
        steps: restarts.plan_steps()?,
    };
    if present_plan(io, &plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    if !plan.changes_anything() {
        if resumed.is_some() {
            // An interrupted --all run that restarted every pod but was cut off before
            // removing its record.
            let act = Actuator::new(
                &session.kube,
                &OzoneReader::new(session.exec.clone(), view.exec_targets()),
                confirm(
                    io.prompt.as_deref_mut(),
                    Tier::Risky,
                    a.change.yes,
                    "remove the record of the finished restart --all run?",
                    "",
                )?,
            );
            clear_record(&act, &view, &components).await?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let count = restarts
        .steps
        .iter()
        .filter(|s| matches!(s, ozone_storage::rotation::Step::Restart { .. }))
        .count();
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        a.change.yes,
        &format!("restart {count} pods one at a time?"),
        "",
    )?;
    let act = Actuator::new(&session.kube, &ozone, confirmed);
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
        flags_hint(session, view.cluster(), &a.cluster)
    ));
    let restarter = Restarter {
        kube: &session.kube,
        act: &act,
        ozone: &ozone,
        cluster: view.cluster(),
        check_roles: !a.skips.skip_leader_check,
        check_datanodes: !a.skips.skip_datanode_health_check,
        not_ready_at_start: rolling::not_ready_at_start(&pods, a.skips.skip_readiness_check),
        waits: Waits {
            interval: a.change.poll_interval,
            deadline: a.change.timeout.map(|t| started + t),
            started,
            resume: resume.clone(),
        },
    };
    if every {
        if resumed.is_none() {
            let record = BTreeMap::from([(RESTART_ALL_ANNOTATION.to_owned(), Some(since.clone()))]);
            for (kind, name) in workloads(&view, &components) {
                rolling::with_resume(
                    act.annotate_workload(kind, &name, &record)
                        .await
                        .map_err(Into::into),
                    &resume,
                )?;
            }
        }
        rolling::with_resume(
            restarts
                .run_annotated(&restarter, io, |_| {
                    Some((RESTART_ALL_ANNOTATION, since.as_str()))
                })
                .await,
            &resume,
        )?;
        rolling::with_resume(clear_record(&act, &view, &components).await, &resume)?;
    } else {
        rolling::with_resume(
            restarts.run(&restarter, io, &BTreeMap::new()).await,
            &resume,
        )?;
    }
    io.note(format!("restarted {count} pods"));
    if is_data(a.change.format) {
        print_plan(io, &plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
