//! `datanode scale-down --replicas N`: a StatefulSet removes its highest ordinals, so those
//! pods are decommissioned first, waited for, and only then is the StatefulSet scaled. PVCs
//! stay unless `--delete-pvcs`, which asks for a typed confirmation naming them.
//!
//! The plan is computed from the cluster's current state every time, so re-running the same
//! command after an interruption does only what is left: datanodes already decommissioning
//! are waited for, not decommissioned again; a StatefulSet already at N is not scaled; PVCs
//! already gone are not deleted.

use super::SafetyArgs;
use super::change::{Action, Leaving, leaving_checks};
use super::wait::{self, WaitOpts};
use crate::cmd::common::{ChangeArgs, ClusterArgs, flags_hint};
use crate::cmd::common::{Presented, is_data, present_plan, print_plan};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::{Context, Result};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::{ClusterView, ordinal};
use ozone_engine::plan::datanodes::Target;
use ozone_engine::plan::{Plan, Step};
use ozone_storage::Component;
use ozone_storage::admin::{DatanodeInfo, Mutation, OpState, Query, datanode};
use std::process::ExitCode;

/// `datanode scale-down` arguments.
#[derive(Debug, Args, Clone)]
pub struct ScaleDownArgs {
    /// The number of datanodes to keep.
    #[arg(long, value_name = "N")]
    pub replicas: i32,
    /// Also delete the PVCs of the removed pods, and so their data (asks for a typed
    /// confirmation naming them, or needs --yes).
    #[arg(long)]
    pub delete_pvcs: bool,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags (scale-down always waits for the decommission before scaling).
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Pre-flight.
    #[command(flatten)]
    pub safety: SafetyArgs,
}

/// The pure part of the plan: which pods go, what to send Ozone, what to scale and delete.
pub struct Layout {
    /// Targets: the pods that go and their datanodes.
    pub targets: Vec<Target>,
    /// UUIDs of the datanodes that go.
    pub leaving: Vec<String>,
    /// Host names that still need the decommission command.
    pub to_decommission: Vec<String>,
    /// Host names to wait for.
    pub to_wait: Vec<String>,
    /// The StatefulSet, its replicas now.
    pub statefulset: (String, i32),
    /// PVCs of pods at or above the new count.
    pub pvcs: Vec<String>,
    /// Notes.
    pub notes: Vec<String>,
}

/// Plans a scale-down from the current state.
pub fn layout(
    view: &ClusterView,
    datanodes: &[DatanodeInfo],
    replicas: i32,
) -> Result<Layout, BadInput> {
    let sts = view.statefulset(Component::Datanode).ok_or_else(|| {
        BadInput(format!(
            "cluster {} has no datanode StatefulSet",
            view.cluster()
        ))
    })?;
    let name = sts.metadata.name.clone().unwrap_or_default();
    let current = sts.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    if replicas < 0 {
        return Err(BadInput("--replicas must be 0 or more".into()));
    }
    if replicas > current {
        return Err(BadInput(format!(
            "statefulset {name} has {current} replicas; scale-down cannot add datanodes (change spec.datanodes.replicas and render)"
        )));
    }
    let mut out = Layout {
        targets: Vec::new(),
        leaving: Vec::new(),
        to_decommission: Vec::new(),
        to_wait: Vec::new(),
        statefulset: (name, current),
        pvcs: Vec::new(),
        notes: Vec::new(),
    };
    for i in replicas..current {
        let pod = view.names.pod(Component::Datanode, i);
        match datanodes.iter().find(|d| d.short_host() == pod) {
            Some(d) => {
                out.leaving.push(d.id.clone());
                out.to_wait.push(d.host_name.clone());
                if Action::Decommission.needed_for(d.op_state.as_str()) {
                    out.to_decommission.push(d.host_name.clone());
                } else {
                    out.notes.push(format!(
                        "{pod} is already {}: not decommissioned again",
                        d.op_state
                    ));
                }
                out.targets.push(Target {
                    given: pod.clone(),
                    pod: Some(pod),
                    uuid: d.id.clone(),
                    host_name: d.host_name.clone(),
                    op_state: d.op_state.to_string(),
                    health: d.health_state.to_string(),
                });
            }
            None => out.notes.push(format!(
                "{pod} is not registered with SCM: it holds no data, nothing to decommission"
            )),
        }
    }
    let mut pvcs: Vec<(i32, String)> = view
        .pvcs
        .iter()
        .filter(|c| {
            ozone_engine::cluster::view::component_of(&c.metadata) == Some(Component::Datanode)
        })
        .filter_map(|c| c.metadata.name.clone())
        .filter_map(|n| ordinal(&n).filter(|o| *o >= replicas).map(|o| (o, n)))
        .collect();
    pvcs.sort();
    out.pvcs = pvcs.into_iter().map(|(_, n)| n).collect();
    Ok(out)
}

/// Runs `datanode scale-down`.
pub async fn run(session: &Session, io: &mut Io, a: &ScaleDownArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let datanodes = datanode::parse_list(&ozone.query(&Query::datanode_list()).await?)?;
    let lay = layout(&view, &datanodes, a.replicas)?;
    let mut notes = lay.notes.clone();
    let checks = if lay.leaving.is_empty() {
        Vec::new()
    } else {
        let leaving = Leaving {
            datanodes: &datanodes,
            uuids: lay.leaving.iter().map(String::as_str).collect(),
            targets: &lay.targets,
        };
        leaving_checks(session, &view, &ozone, &leaving, &a.safety, &mut notes).await?
    };
    let mut steps = Vec::new();
    let decommission = Mutation::decommission(&lay.to_decommission);
    if !lay.to_decommission.is_empty() {
        steps.push(Step::Ozone {
            component: decommission.component().id().into(),
            argv: decommission.argv().to_vec(),
        });
    }
    if !lay.to_wait.is_empty() {
        steps.push(Step::Wait {
            datanodes: lay.to_wait.clone(),
            until: OpState::Decommissioned.to_string(),
        });
    }
    let (sts, current) = lay.statefulset.clone();
    if current > a.replicas {
        steps.push(Step::ScaleStatefulSet {
            name: sts.clone(),
            from: current,
            to: a.replicas,
        });
    }
    if a.delete_pvcs {
        steps.extend(lay.pvcs.iter().map(|n| Step::DeletePvc { name: n.clone() }));
    } else if !lay.pvcs.is_empty() {
        notes.push(format!(
            "kept PVCs (their data stays; delete with --delete-pvcs): {}",
            lay.pvcs.join(", ")
        ));
    }
    let plan = Plan {
        action: format!("scale-down to {} datanodes", a.replicas),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run: a.change.is_dry_run(),
        targets: lay.targets.clone(),
        checks,
        notes,
        steps,
    };
    if present_plan(io, &plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    if plan.steps.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let deleting: Vec<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::DeletePvc { name } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let (tier, question, phrase) = if !plan.changes_anything() {
        // Only waiting is left (a resumed run): nothing to confirm.
        (Tier::Low, String::new(), String::new())
    } else if deleting.is_empty() {
        (
            Tier::Risky,
            format!("scale {sts} down to {}?", a.replicas),
            String::new(),
        )
    } else {
        (
            Tier::DataLoss,
            format!(
                "scale {sts} down to {} and DELETE the data in PVCs {}?",
                a.replicas,
                deleting.join(", ")
            ),
            format!("delete {}", deleting.join(" ")),
        )
    };
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        tier,
        a.change.yes,
        &question,
        &phrase,
    )?;
    let act = Actuator::new(&session.kube, &ozone, confirmed);
    let resume = format!(
        "kubectl ozone datanode scale-down --replicas {}{} {}",
        a.replicas,
        if a.delete_pvcs { " --delete-pvcs" } else { "" },
        flags_hint(session, view.cluster(), &a.cluster)
    );
    let opts = WaitOpts {
        timeout: a.change.timeout,
        interval: a.change.poll_interval,
        progress: a.change.progress,
    };
    for step in &plan.steps {
        match step {
            Step::Ozone { .. } => {
                let out = act.ozone(&decommission).await.with_context(|| {
                    format!("decommission failed; re-run to retry:\n  {resume}")
                })?;
                io.note(out.trim_end());
            }
            Step::Wait { datanodes, until } => {
                let goal = OpState::from(until.clone());
                wait::until(&ozone, io, datanodes, goal, &opts, &resume).await?;
            }
            Step::ScaleStatefulSet { name, to, .. } => {
                act.scale_statefulset(name, *to)
                    .await
                    .with_context(|| format!("re-run to retry:\n  {resume}"))?;
                io.note(format!("scaled statefulset {name} to {to}"));
            }
            Step::DeletePvc { name } => {
                act.delete_pvc(name)
                    .await
                    .with_context(|| format!("re-run to retry:\n  {resume}"))?;
                io.note(format!("deleted persistentvolumeclaim {name}"));
            }
            // Certificate steps; `layout` never plans them.
            Step::UpdateSecret { .. }
            | Step::RenewCertificate { .. }
            | Step::RestartPod { .. }
            | Step::RecordPhase { .. }
            // Steps of apply; `layout` never plans them either.
            | Step::ApplyObject { .. }
            | Step::DeleteObject { .. }
            | Step::ResizePvc { .. }
            | Step::RecreateStatefulSet { .. }
            | Step::WaitRollout { .. } => {}
            // Upgrade steps; `layout` never plans them either.
            Step::ScaleWorkload { .. }
            | Step::WaitPods { .. }
            | Step::SetImage { .. }
            | Step::RestartComponent { .. }
            | Step::WaitSafeModeOff
            | Step::RecordUpgrade { .. }
            | Step::SetConfigEntry { .. }
            | Step::WaitRingMemberGone { .. } => {}
            // Restore steps (`recover --from`); `layout` never plans them either.
            Step::RecordRestore { .. }
            | Step::CreateRestorePod { .. }
            | Step::PlaceCheckpoint { .. }
            | Step::DeleteRestorePod { .. }
            | Step::CheckOzone { .. } => {}
            // Member bootstrap steps (`engine/bootstrap.rs`).
            Step::SetTemplate { .. }
            | Step::RecordMember { .. }
            | Step::DeletePod { .. }
            | Step::WipeMetadata { .. }
            | Step::WaitRole { .. } => {}
        }
    }
    if is_data(a.change.format) {
        print_plan(io, &plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
