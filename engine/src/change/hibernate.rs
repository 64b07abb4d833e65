//! Hibernation: every pod of a cluster stopped in Ozone's order (gateways, Recon, OM,
//! datanodes, SCM) with the volumes kept, and started again in dependency order (SCM,
//! datanodes, OM, the rest) — `spec.clusterOperation.stopped` in operator mode.
//!
//! It reuses the upgrade's stop and start actions: each workload's replicas are recorded on it
//! (annotation) before it is scaled to zero, so a start after any interruption restores
//! exactly those. The plan is re-derived from the workloads every time; a step whose effect is
//! visible is not planned again, so running the first step of each new plan finishes the job.

use crate::cluster::Session;
use crate::cluster::act::Actuator;
use crate::cluster::view::ClusterView;
use crate::events::Events;
use crate::plan::upgrade::{Action, START_ORDER, STOP_ORDER, Workload, workloads};
use crate::pods::restart::Waits;
use crate::upgrade::scale_or_wait;
use anyhow::Result;
use ozone_storage::Component;

/// Which way the cluster goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Every pod stopped, volumes kept.
    Stop,
    /// Every workload back to the replicas it had.
    Start,
}

/// One component's share of a stop or start: scale, then wait.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The component.
    pub component: Component,
    /// Its actions, in order.
    pub actions: Vec<Action>,
}

/// Whether the workloads show a stopped (or part-started) cluster: a workload at zero that
/// recorded the replicas it had.
pub fn is_stopped(workloads: &[Workload]) -> bool {
    workloads
        .iter()
        .any(|w| w.replicas == 0 && w.recorded_replicas.is_some_and(|r| r > 0))
}

/// What is left to do to reach `direction`, one step per component in Ozone's order. Empty
/// when the cluster is there already (every workload at zero and without pods, or every
/// workload back at its recorded count).
pub fn plan(view: &ClusterView, direction: Direction) -> Vec<Step> {
    let workloads = workloads(view);
    let in_order = |order: [Component; 6]| -> Vec<&Workload> {
        order
            .iter()
            .flat_map(|c| workloads.iter().filter(move |w| w.component == *c))
            .collect()
    };
    let mut steps = Vec::new();
    match direction {
        Direction::Stop => {
            for w in in_order(STOP_ORDER) {
                let has_pods = !view.pods_of(w.component).is_empty();
                if w.replicas == 0 && !has_pods {
                    continue;
                }
                let mut actions = Vec::new();
                if w.replicas > 0 {
                    actions.push(Action::Stop {
                        kind: w.kind,
                        name: w.name.clone(),
                        replicas: w.replicas,
                    });
                }
                actions.push(Action::WaitGone(w.component));
                steps.push(Step {
                    component: w.component,
                    actions,
                });
            }
        }
        Direction::Start => {
            if !is_stopped(&workloads) {
                return steps;
            }
            for w in in_order(START_ORDER) {
                let Some(n) = w.recorded_replicas.filter(|n| *n > 0) else {
                    continue;
                };
                if w.replicas >= n {
                    continue;
                }
                steps.push(Step {
                    component: w.component,
                    actions: vec![
                        Action::Start {
                            kind: w.kind,
                            name: w.name.clone(),
                            replicas: n,
                        },
                        Action::WaitReady(w.component, n),
                    ],
                });
            }
        }
    }
    steps
}

/// Carries out one step: its scale, then its wait (Ozone's order needs the component down,
/// or up and ready, before the next one moves).
pub async fn run_step(
    session: &Session,
    act: &Actuator,
    waits: &Waits,
    cluster: &str,
    step: &Step,
    events: &mut dyn Events,
) -> Result<()> {
    for action in &step.actions {
        events.note(action.step().describe());
        scale_or_wait(act, &session.kube, waits, cluster, action).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
