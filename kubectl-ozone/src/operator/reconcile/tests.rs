use super::*;
use crate::operator::work::{self, Decision, Switches, operation_for, stage_name};
use ozone_engine::change::apply::Stage;
use ozone_engine::testing::{FakeApi, FakeCluster, FakeOzone};

/// A spec choosing the small profile as an `OzoneCluster` custom resource `ozone` in namespace `ozone`, as the
/// API server hands it to the controller (server-set metadata included).
fn resource(spec: Value) -> DynamicObject {
    let mut obj = DynamicObject::new("ozone", &api_resource())
        .within("ozone")
        .data(json!({ "spec": spec }));
    obj.metadata.generation = Some(1);
    obj.metadata.uid = Some("0b7c…".into());
    obj.metadata.resource_version = Some("42".into());
    obj
}

/// A custom resource names its profile in the spec (there is no `--profile`).
fn small_spec() -> Value {
    json!({"profile": "small"})
}

fn timing() -> Timing {
    Timing {
        poll_interval: Duration::from_secs(1),
        ..Timing::default()
    }
}

#[test]
fn the_resource_resolves_like_a_spec_file() {
    let cluster = resolve_spec(&resource(small_spec())).expect("the small spec resolves");
    assert_eq!(cluster.name, "ozone");
    assert_eq!(Switches::of(&cluster), Switches::default());
}

#[test]
fn an_invalid_spec_names_the_field() {
    let mut spec = small_spec();
    spec["om"] = json!({"replicaz": 3});
    let e = resolve_spec(&resource(spec)).expect_err("an unknown field is refused");
    let text = e.to_string();
    assert!(text.contains("replicaz"), "{text}");
    assert!(text.contains("OzoneCluster ozone/ozone"), "{text}");
}

#[test]
fn stages_are_named_and_only_disruptive_ones_are_recorded() {
    let now = status::now();
    assert_eq!(operation_for(&Stage::WriteObjects, "ozone", &now), None);
    assert_eq!(operation_for(&Stage::WaitRollout, "ozone", &now), None);
    let op = operation_for(&Stage::Restart, "ozone", &now).expect("a restart is recorded");
    assert_eq!(op.kind.as_deref(), Some("Restart"));
    assert_eq!(op.step.as_deref(), Some("restart"));
    assert_eq!(stage_name(&Stage::ShrinkRing(1)), "shrinkRing[1]");
}

#[tokio::test(start_paused = true)]
async fn paused_reads_and_writes_nothing() {
    let c = FakeCluster {
        api: FakeApi::default(),
        ozone: FakeOzone::default(),
    };
    c.refuse_writes();
    let session = c.session();
    let mut spec = small_spec();
    spec["clusterOperation"] = json!({"reconciliationPaused": true});
    let obj = resource(spec);
    let cluster = resolve_spec(&obj).expect("resolves");
    let switches = switches(&cluster, &obj, &OzoneClusterStatus::default());
    assert!(switches.paused);
    let d = decide(
        &session,
        cluster,
        &switches,
        &options(&timing(), &obj),
        &status::now(),
    )
    .await
    .expect("decides");
    assert!(d.work.is_none());
    assert!(
        matches!(d.outcome, Outcome::Paused { .. }),
        "{:?}",
        d.outcome
    );
    assert!(c.journal().is_empty(), "{:?}", c.journal());
}

#[tokio::test(start_paused = true)]
async fn passes_run_one_stage_each_until_settled_then_the_status_stops_changing() {
    let c = FakeCluster {
        api: FakeApi::default(),
        ozone: FakeOzone::default(),
    };
    c.api.state.lock().expect("lock").ready_after_lists = 2;
    let session = c.session();
    let obj = resource(small_spec());
    let opts = options(&timing(), &obj);
    assert_eq!(opts.apply.field_manager, FIELD_MANAGER);
    let mut stored = OzoneClusterStatus::default();
    let (stages, writes) = passes(&session, &obj, &opts, &mut stored, 6).await;
    assert_eq!(stages, ["writeObjects"], "one stage, then nothing to do");
    assert_eq!(
        stored
            .phase
            .as_deref()
            .map(|p| p == "Ready" || p == "Starting"),
        Some(true),
        "{stored:#?}"
    );
    // Progressing, then settled; the passes after that wrote nothing.
    assert!(writes <= 3, "{writes} writes: {stored:#?}");
    let config = c
        .journal()
        .into_iter()
        .find(|l| l.contains("ozone-config"))
        .expect("the ConfigMap was written");
    assert!(!config.is_empty());
}

/// Runs `n` passes of `obj` the way [`reconcile`] does (decide, status, one unit of work);
/// returns the stages run and how many status writes there were.
async fn passes(
    session: &ozone_engine::cluster::Session,
    obj: &DynamicObject,
    opts: &work::Options,
    stored: &mut OzoneClusterStatus,
    n: usize,
) -> (Vec<String>, usize) {
    let mut writes = 0;
    let mut stages = Vec::new();
    for _ in 0..n {
        let cluster = resolve_spec(obj).expect("resolves");
        let switches = switches(&cluster, obj, stored);
        let Decision { outcome, work } = decide(session, cluster, &switches, opts, &status::now())
            .await
            .expect("decides");
        let next = next_status(stored, &outcome, 1, &status::now());
        if needs_write(stored, &next) {
            writes += 1;
            *stored = next;
        }
        let Some(mut w) = work else {
            continue;
        };
        let Outcome::Progressing { stage, .. } = &outcome else {
            panic!("work without Progressing: {outcome:?}");
        };
        stages.push(stage.clone());
        let mut events = PassEvents {
            log: false,
            ..PassEvents::default()
        };
        work::run(session, &mut w, opts, &mut events)
            .await
            .expect("the work runs");
    }
    (stages, writes)
}

#[tokio::test(start_paused = true)]
async fn stopped_stops_every_component_in_order_and_unstopped_starts_them_again() {
    let c = FakeCluster {
        api: FakeApi::default(),
        ozone: FakeOzone::default(),
    };
    let session = c.session();
    let obj = resource(small_spec());
    let opts = options(&timing(), &obj);
    let mut stored = OzoneClusterStatus::default();
    passes(&session, &obj, &opts, &mut stored, 3).await;
    assert_eq!(stored.phase.as_deref(), Some("Ready"), "{stored:#?}");

    let mut spec = small_spec();
    spec["clusterOperation"] = json!({"stopped": true});
    let obj = resource(spec);
    let (stages, _) = passes(&session, &obj, &opts, &mut stored, 8).await;
    assert_eq!(
        stages,
        [
            "stop[s3g]",
            "stop[recon]",
            "stop[om]",
            "stop[datanode]",
            "stop[scm]"
        ],
        "{stored:#?}"
    );
    assert_eq!(stored.phase.as_deref(), Some("Stopped"), "{stored:#?}");
    let stopped = stored
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == status::STOPPED)
        .expect("a Stopped condition");
    assert_eq!(stopped.status, "True");
    assert!(c.api.state.lock().unwrap().pods.is_empty());

    let obj = resource(small_spec());
    let (stages, _) = passes(&session, &obj, &opts, &mut stored, 8).await;
    assert_eq!(
        &stages[..5],
        [
            "start[scm]",
            "start[datanode]",
            "start[om]",
            "start[recon]",
            "start[s3g]"
        ],
        "{stored:#?}"
    );
    let st = c.api.state.lock().unwrap();
    let replicas = |name: &str| {
        st.statefulsets
            .iter()
            .find(|s| s.metadata.name.as_deref() == Some(name))
            .and_then(|s| s.spec.as_ref()?.replicas)
    };
    assert_eq!(replicas("ozone-datanode"), Some(3));
    assert_eq!(replicas("ozone-scm"), Some(1));
    drop(st);
    assert_eq!(stored.phase.as_deref(), Some("Ready"), "{stored:#?}");
}
