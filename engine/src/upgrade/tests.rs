//! The upgrade as a controller drives it: plan, run one phase, return, and plan again from
//! the records the cluster keeps, until the cluster runs the new version.

use super::Flags;
use super::start::{self, Skips, UpgradeOptions};
use crate::cluster::act::Confirmed;
use crate::error::BadInput;
use crate::events::Recorded;
use crate::testing::FakeCluster;
use serde_json::json;
use std::time::Duration;

/// A 2.2.0 cluster as render writes it: the image and start arguments on every template and
/// pod.
fn cluster(scm: usize, om: usize, dn: usize) -> FakeCluster {
    let image = "apache/ozone:2.2.0";
    let c = FakeCluster::new("ozone", scm, om, dn);
    let mut st = c.api.state.lock().unwrap();
    st.ready_after_lists = 1;
    let container = |component: &str| {
        serde_json::from_value(
            json!({"name": component, "image": image, "args": ["ozone", component]}),
        )
        .unwrap()
    };
    for s in st.statefulsets.iter_mut() {
        let name = s.metadata.name.clone().unwrap();
        let spec = s.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        spec.containers = vec![container(name.trim_start_matches("ozone-"))];
    }
    for p in st.pods.iter_mut() {
        let component = crate::cluster::view::component_of(&p.metadata).unwrap();
        p.spec.as_mut().unwrap().containers = vec![container(component.id())];
    }
    let s3g = st.deployments[0].spec.as_mut().unwrap();
    s3g.template.spec.as_mut().unwrap().containers = vec![container("s3g")];
    drop(st);
    c
}

fn options() -> UpgradeOptions {
    UpgradeOptions {
        skips: Skips::default(),
        timeout: Some(Duration::from_secs(3600)),
        poll: Duration::from_secs(10),
        dry_run: false,
        flags: Flags::new(|cluster| format!("--name {cluster}")),
    }
}

#[tokio::test(start_paused = true)]
async fn a_controller_runs_one_phase_per_reconcile_and_resumes_from_the_records() {
    let c = cluster(1, 1, 3);
    let session = c.session();
    let release = start::target(Some("2.2.1"), None).unwrap();
    let mut events = Recorded::default();
    let first = start::plan(&session, None, release, &options())
        .await
        .unwrap();
    assert!(first.plan.notes.iter().all(|n| !n.starts_with("resuming")));
    let phases = first
        .actions
        .iter()
        .filter(|a| matches!(a, crate::plan::upgrade::Action::Record { .. }))
        .count();
    let mut reconciles = 0;
    loop {
        let planned = match start::plan(&session, None, release, &options()).await {
            Ok(p) => p,
            Err(e) if e.is::<BadInput>() => break,
            Err(e) => panic!("{e:#}"),
        };
        if reconciles > 0 {
            assert!(planned.plan.notes.iter().any(|n| n.starts_with("resuming")));
        }
        let act = planned.actuator(&session, Confirmed::granted());
        let ran = planned
            .run_phase(&session, &act, &mut events)
            .await
            .unwrap();
        assert!(ran > 0);
        reconciles += 1;
        assert!(reconciles <= phases, "{:#?}", events.lines);
    }
    let done = start::plan(&session, None, release, &options())
        .await
        .err()
        .unwrap();
    assert!(
        format!("{done}").contains("runs Ozone 2.2.1 already"),
        "{done}"
    );
    let status = super::status::status(&session, None, &options().flags)
        .await
        .unwrap();
    assert_eq!(status.running.as_deref(), Some("2.2.1"));
    assert_eq!(status.phase.as_deref(), Some("done"));
}
