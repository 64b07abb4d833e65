//! `datanode scale-down --replicas N` (and `apply`'s datanodes down): a StatefulSet removes its highest ordinals, so those
//! pods are decommissioned first, waited for, and only then is the StatefulSet scaled. PVCs
//! stay unless asked to be deleted.
//!
//! The plan is computed from the cluster's current state every time, so re-running the same
//! command after an interruption does only what is left: datanodes already decommissioning
//! are waited for, not decommissioned again; a StatefulSet already at N is not scaled; PVCs
//! already gone are not deleted.

use super::{Action, Leaving, Safety, leaving_checks, wait};
use crate::cluster::Session;
use crate::cluster::act::Actuator;
use crate::cluster::discover;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::{ClusterView, ordinal};
use crate::error::BadInput;
use crate::events::Events;
use crate::plan::datanodes::Target;
use crate::plan::{Plan, Step};
use anyhow::{Context, Result};
use ozone_storage::Component;
use ozone_storage::admin::{DatanodeInfo, Mutation, OpState, Query, datanode};
use wait::WaitOpts;

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
        .filter(|c| crate::cluster::view::component_of(&c.metadata) == Some(Component::Datanode))
        .filter_map(|c| c.metadata.name.clone())
        .filter_map(|n| ordinal(&n).filter(|o| *o >= replicas).map(|o| (o, n)))
        .collect();
    pvcs.sort();
    out.pvcs = pvcs.into_iter().map(|(_, n)| n).collect();
    Ok(out)
}

/// A scale-down planned from the cluster as it is, with what running it needs.
pub struct ScaleDownPlan {
    /// The plan as shown.
    pub plan: Plan,
    /// The StatefulSet.
    pub statefulset: String,
    /// The decommission command of the datanodes that still need it.
    decommission: Mutation,
    /// Ozone queries in this cluster.
    pub ozone: OzoneReader,
}

impl ScaleDownPlan {
    /// The PVCs the plan deletes.
    pub fn deleting(&self) -> Vec<&str> {
        self.plan
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::DeletePvc { name } => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Plans a scale-down of cluster `cluster` (the namespace's only one when `None`) to
/// `replicas` datanodes, deleting the PVCs of the removed pods when `delete_pvcs`.
pub async fn plan(
    session: &Session,
    cluster: Option<&str>,
    replicas: i32,
    delete_pvcs: bool,
    safety: &Safety,
    dry_run: bool,
) -> Result<ScaleDownPlan> {
    let view = discover::find(&session.kube, cluster).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let datanodes = datanode::parse_list(&ozone.query(&Query::datanode_list()).await?)?;
    let lay = layout(&view, &datanodes, replicas)?;
    let mut notes = lay.notes.clone();
    let checks = if lay.leaving.is_empty() {
        Vec::new()
    } else {
        let leaving = Leaving {
            datanodes: &datanodes,
            uuids: lay.leaving.iter().map(String::as_str).collect(),
            targets: &lay.targets,
        };
        leaving_checks(session, &view, &ozone, &leaving, safety, &mut notes).await?
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
    if current > replicas {
        steps.push(Step::ScaleStatefulSet {
            name: sts.clone(),
            from: current,
            to: replicas,
        });
    }
    if delete_pvcs {
        steps.extend(lay.pvcs.iter().map(|n| Step::DeletePvc { name: n.clone() }));
    } else if !lay.pvcs.is_empty() {
        notes.push(format!(
            "kept PVCs (their data stays; delete with --delete-pvcs): {}",
            lay.pvcs.join(", ")
        ));
    }
    let plan = Plan {
        action: format!("scale-down to {replicas} datanodes"),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run,
        targets: lay.targets.clone(),
        checks,
        notes,
        steps,
    };
    Ok(ScaleDownPlan {
        plan,
        statefulset: sts,
        decommission,
        ozone,
    })
}

impl ScaleDownPlan {
    /// Carries the plan out, step by step; `resume` is the command that resumes.
    pub async fn run(
        &self,
        act: &Actuator,
        events: &mut dyn Events,
        opts: &WaitOpts,
        resume: &str,
    ) -> Result<()> {
        for step in &self.plan.steps {
            match step {
                Step::Ozone { .. } => {
                    let out = act.ozone(&self.decommission).await.with_context(|| {
                        format!("decommission failed; re-run to retry:\n  {resume}")
                    })?;
                    events.note(out.trim_end());
                }
                Step::Wait { datanodes, until } => {
                    let goal = OpState::from(until.clone());
                    wait::until(&self.ozone, events, datanodes, goal, opts, resume).await?;
                }
                Step::ScaleStatefulSet { name, to, .. } => {
                    act.scale_statefulset(name, *to)
                        .await
                        .with_context(|| format!("re-run to retry:\n  {resume}"))?;
                    events.note(format!("scaled statefulset {name} to {to}"));
                }
                Step::DeletePvc { name } => {
                    act.delete_pvc(name)
                        .await
                        .with_context(|| format!("re-run to retry:\n  {resume}"))?;
                    events.note(format!("deleted persistentvolumeclaim {name}"));
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
        Ok(())
    }
}
