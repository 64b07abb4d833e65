//! `apply` driven the way a controller drives it: read, plan, run one stage, return; come
//! back, read and plan again, until nothing is left to change.

use super::*;
use crate::cluster::act::Confirmed;
use crate::events::Recorded;
use crate::testing::{FakeApi, FakeCluster, FakeOzone, stored};
use ozone_generator::spec::{Inputs, resolve};

fn small() -> Cluster {
    resolve(&Inputs {
        profile: Some("small".into()),
        spec_file: None,
        sets: vec!["metadata.namespace=ozone".into()],
    })
    .expect("the small profile resolves")
}

fn options(field_manager: &str) -> ApplyOptions {
    ApplyOptions {
        field_manager: field_manager.into(),
        force_conflicts: false,
        wait: false,
        skips: Skips::default(),
        safety: Safety::default(),
        allow_ring_to_single: None,
        dry_run: false,
        timeout: None,
        poll_interval: Duration::from_secs(1),
        owner: None,
    }
}

#[tokio::test(start_paused = true)]
async fn a_controller_runs_one_stage_per_round_under_its_own_field_manager() {
    let c = FakeCluster {
        api: FakeApi::default(),
        ozone: FakeOzone::default(),
    };
    c.api.state.lock().unwrap().ready_after_lists = 2;
    let session = c.session();
    let opts = options("ozone-operator");
    let waits = opts.waits(Instant::now(), "the next reconcile".into());
    let mut events = Recorded::default();
    let mut rounds = 0;
    loop {
        let observed = read(&session, small(), &opts).await.unwrap();
        let p = plan(&session, observed, &opts).await.unwrap();
        p.refuse_if_refused().unwrap();
        if !p.plan.changes_anything() {
            break;
        }
        assert_eq!(p.stages[0], Stage::WriteObjects, "{:?}", p.stages);
        let act = Actuator::new(&session.kube, p.ozone(), Confirmed::granted());
        let outcome = run_step(&session, &p, 0, &act, &waits, &mut events)
            .await
            .unwrap();
        assert_eq!(outcome, StepOutcome::Done, "{:?}", p.stages);
        rounds += 1;
        assert!(rounds < 3, "{:#?}", events.lines);
    }
    assert_eq!(rounds, 1, "{:#?}", events.lines);
    assert!(
        events
            .lines
            .contains(&"note: ConfigMap ozone-config created".to_owned()),
        "{:#?}",
        events.lines
    );
    let st = c.api.state.lock().unwrap();
    let config = stored(&st, "configmaps")
        .into_iter()
        .find(|o| o["metadata"]["name"] == "ozone-config")
        .expect("the ConfigMap was created");
    assert_eq!(
        config["metadata"]["managedFields"][0]["manager"], "ozone-operator",
        "{config:#}"
    );
}
