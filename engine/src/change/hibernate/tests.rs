//! Hibernation as the operator drives it: plan, run the first step, plan again, until the
//! plan is empty — first to a stopped cluster, then back to the replicas it had.

use super::{Direction, plan, run_step};
use crate::cluster::act::{Actuator, Confirmed};
use crate::cluster::discover;
use crate::cluster::exec::OzoneReader;
use crate::events::Recorded;
use crate::plan::upgrade::Action;
use crate::pods::restart::Waits;
use crate::testing::FakeCluster;
use ozone_storage::Component;
use std::time::Duration;
use tokio::time::Instant;

fn waits() -> Waits {
    Waits {
        interval: Duration::from_secs(1),
        deadline: None,
        started: Instant::now(),
        resume: "the next reconcile".into(),
    }
}

/// Runs the first step of each new plan until none is left; returns the components in the
/// order they moved.
async fn drive(c: &FakeCluster, direction: Direction) -> Vec<Component> {
    let session = c.session();
    let view = discover::find(&session.kube, None).await.unwrap();
    let act = Actuator::new(
        &session.kube,
        &OzoneReader::new(session.exec.clone(), view.exec_targets()),
        Confirmed::granted(),
    );
    let mut events = Recorded::default();
    let mut moved = Vec::new();
    for _ in 0..20 {
        let view = discover::find(&session.kube, None).await.unwrap();
        let steps = plan(&view, direction);
        let Some(step) = steps.first() else {
            return moved;
        };
        run_step(&session, &act, &waits(), "ozone", step, &mut events)
            .await
            .unwrap();
        moved.push(step.component);
    }
    panic!("no end after 20 steps: {:#?}", events.lines);
}

fn replicas(c: &FakeCluster) -> Vec<(String, i32)> {
    let st = c.api.state.lock().unwrap();
    let mut out: Vec<(String, i32)> = st
        .statefulsets
        .iter()
        .map(|s| {
            (
                s.metadata.name.clone().unwrap(),
                s.spec.as_ref().unwrap().replicas.unwrap_or(1),
            )
        })
        .chain(st.deployments.iter().map(|d| {
            (
                d.metadata.name.clone().unwrap(),
                d.spec.as_ref().unwrap().replicas.unwrap_or(1),
            )
        }))
        .collect();
    out.sort();
    out
}

#[tokio::test(start_paused = true)]
async fn a_stop_goes_gateways_first_scm_last_and_a_start_restores_every_count_scm_first() {
    let c = FakeCluster::new("ozone", 3, 3, 4);
    let before = replicas(&c);
    let stopped = drive(&c, Direction::Stop).await;
    assert_eq!(
        stopped,
        [
            Component::S3g,
            Component::Om,
            Component::Datanode,
            Component::Scm
        ]
    );
    assert!(
        replicas(&c).iter().all(|(_, n)| *n == 0),
        "{:?}",
        replicas(&c)
    );
    assert!(c.api.state.lock().unwrap().pods.is_empty());
    // Stopped: nothing more to stop, and a stop is what a start undoes.
    let view = discover::find(&c.session().kube, None).await.unwrap();
    assert!(plan(&view, Direction::Stop).is_empty());
    assert!(super::is_stopped(&crate::plan::upgrade::workloads(&view)));

    let started = drive(&c, Direction::Start).await;
    assert_eq!(
        started,
        [
            Component::Scm,
            Component::Datanode,
            Component::Om,
            Component::S3g
        ]
    );
    assert_eq!(replicas(&c), before);
}

#[tokio::test(start_paused = true)]
async fn a_running_cluster_has_nothing_to_start() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let view = discover::find(&c.session().kube, None).await.unwrap();
    assert!(plan(&view, Direction::Start).is_empty());
    let stop = plan(&view, Direction::Stop);
    assert!(matches!(
        stop[0].actions[0],
        Action::Stop { replicas: 1, .. }
    ));
}
