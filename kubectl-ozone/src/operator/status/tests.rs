use super::*;
use k8s_openapi::jiff::SignedDuration;
use ozone_engine::diagnose::status::{KubeStatus, OzoneStatus, Workload};

fn at(seconds: i64) -> Time {
    Time(Timestamp::UNIX_EPOCH + SignedDuration::from_secs(1_800_000_000 + seconds))
}

fn counts(ready: i32, desired: i32) -> Counts {
    Counts {
        components: ComponentCountsStatus {
            datanodes: Some(ReadyCount { desired, ready }),
            ..ComponentCountsStatus::default()
        },
        ready,
        desired,
        version: Some("2.2.1".into()),
        target_version: None,
    }
}

fn condition<'a>(s: &'a OzoneClusterStatus, type_: &str) -> &'a Condition {
    s.conditions
        .as_ref()
        .and_then(|c| c.iter().find(|c| c.type_ == type_))
        .unwrap_or_else(|| panic!("no condition {type_}: {s:#?}"))
}

#[test]
fn an_invalid_spec_is_degraded_and_the_same_pass_again_writes_nothing() {
    let invalid = Outcome::InvalidSpec {
        message: "spec.om.replicas: must be odd\nspec.foo: unknown field".into(),
    };
    let first = next_status(&OzoneClusterStatus::default(), &invalid, 3, &at(0));
    assert!(needs_write(&OzoneClusterStatus::default(), &first));
    let degraded = condition(&first, DEGRADED);
    assert_eq!(degraded.status, "True");
    assert_eq!(degraded.reason, INVALID_SPEC);
    assert_eq!(degraded.observed_generation, Some(3));
    assert_eq!(condition(&first, AVAILABLE).status, "False");
    assert_eq!(first.phase.as_deref(), Some("Failed"));
    assert_eq!(
        first.phase_reason.as_deref(),
        Some("invalid spec: spec.om.replicas: must be odd")
    );
    assert_eq!(first.observed_generation, Some(3));
    // The cluster was not read: no counts.
    assert_eq!(first.ready, None);

    // Steady state: a later pass with the same finding changes nothing, not even times.
    let again = next_status(&first, &invalid, 3, &at(600));
    assert!(!needs_write(&first, &again), "{again:#?}");
}

#[test]
fn last_transition_time_moves_only_when_the_status_flips() {
    let progressing = Outcome::Progressing {
        stage: "writeObjects".into(),
        operation: None,
        counts: counts(0, 3),
    };
    let s1 = next_status(&OzoneClusterStatus::default(), &progressing, 1, &at(0));
    assert_eq!(s1.phase.as_deref(), Some("Updating"));
    assert_eq!(condition(&s1, PROGRESSING).status, "True");
    assert_eq!(condition(&s1, PROGRESSING).last_transition_time, at(0));

    let settled = Outcome::Settled {
        counts: counts(3, 3),
    };
    let s2 = next_status(&s1, &settled, 1, &at(60));
    assert_eq!(s2.phase.as_deref(), Some("Ready"));
    assert_eq!(s2.ready.as_deref(), Some("3/3"));
    let p = condition(&s2, PROGRESSING);
    assert_eq!(
        (p.status.as_str(), p.last_transition_time.clone()),
        ("False", at(60))
    );
    let a = condition(&s2, AVAILABLE);
    assert_eq!(
        (a.status.as_str(), a.last_transition_time.clone()),
        ("True", at(60))
    );
    // Degraded was False and stays False: its time is the first pass's.
    assert_eq!(condition(&s2, DEGRADED).last_transition_time, at(0));

    // Steady state.
    let s3 = next_status(&s2, &settled, 1, &at(900));
    assert!(!needs_write(&s2, &s3));

    // A new generation is a change (observedGeneration), even with the same outcome.
    let s4 = next_status(&s3, &settled, 2, &at(960));
    assert!(needs_write(&s3, &s4));
    assert_eq!(condition(&s4, AVAILABLE).last_transition_time, at(60));
    assert_eq!(condition(&s4, AVAILABLE).observed_generation, Some(2));
}

#[test]
fn conditions_are_kept_in_a_fixed_order() {
    let s = next_status(
        &OzoneClusterStatus::default(),
        &Outcome::Paused {
            counts: counts(1, 3),
        },
        1,
        &at(0),
    );
    let types: Vec<&str> = s
        .conditions
        .iter()
        .flatten()
        .map(|c| c.type_.as_str())
        .collect();
    assert_eq!(
        types,
        [
            AVAILABLE,
            PROGRESSING,
            DEGRADED,
            RECONCILIATION_PAUSED,
            STOPPED
        ]
    );
    assert_eq!(condition(&s, RECONCILIATION_PAUSED).status, "True");
    assert_eq!(s.phase.as_deref(), Some("Paused"));
    assert_eq!(s.ready.as_deref(), Some("1/3"));
}

#[test]
fn an_operation_keeps_its_start_while_it_resumes_and_is_cleared_when_settled() {
    let op = |started: i64, step: &str| OperationStatus {
        kind: Some("Restart".into()),
        target: Some("ozone".into()),
        step: Some(step.into()),
        started: Some(at(started)),
        detail: None,
    };
    let pass = |started: i64| Outcome::Progressing {
        stage: "restart".into(),
        operation: Some(op(started, "restart")),
        counts: counts(2, 3),
    };
    let s1 = next_status(&OzoneClusterStatus::default(), &pass(0), 1, &at(0));
    assert_eq!(s1.operation, Some(op(0, "restart")));
    // The operator restarted: the stage is planned again with a new time; the record keeps
    // the first one.
    let s2 = next_status(&s1, &pass(300), 1, &at(300));
    assert_eq!(s2.operation, Some(op(0, "restart")));
    assert!(!needs_write(&s1, &s2));

    let s3 = next_status(
        &s2,
        &Outcome::Settled {
            counts: counts(3, 3),
        },
        1,
        &at(400),
    );
    assert_eq!(s3.operation, None);
}

#[test]
fn a_refusal_and_a_failed_stage_are_degraded_with_their_reason() {
    let refused = next_status(
        &OzoneClusterStatus::default(),
        &Outcome::Refused {
            message: "a new version: use kubectl ozone upgrade".into(),
            counts: counts(3, 3),
        },
        1,
        &at(0),
    );
    assert_eq!(condition(&refused, DEGRADED).reason, REFUSED);
    assert_eq!(condition(&refused, AVAILABLE).status, "True");
    let failed = next_status(
        &refused,
        &Outcome::StageFailed {
            stage: "restart".into(),
            message: "timed out".into(),
            counts: counts(2, 3),
        },
        1,
        &at(10),
    );
    let d = condition(&failed, DEGRADED);
    assert_eq!(
        (d.reason.as_str(), d.last_transition_time.clone()),
        (STAGE_FAILED, at(0))
    );
    assert_eq!(
        failed.phase_reason.as_deref(),
        Some("stage restart: timed out")
    );
}

#[test]
fn counts_add_up_the_workloads_of_the_status_report() {
    let w = |component: &str, desired, ready| Workload {
        component: component.into(),
        kind: "StatefulSet",
        name: format!("ozone-{component}"),
        desired,
        ready,
    };
    let report = Report {
        cluster: "ozone".into(),
        namespace: "ozone".into(),
        kubernetes: KubeStatus {
            workloads: vec![w("scm", 3, 3), w("om", 3, 2), w("datanode", 5, 5)],
            pods: Vec::new(),
            pvcs: Vec::new(),
        },
        ozone: OzoneStatus::default(),
    };
    let c = Counts::from_report(&report);
    assert_eq!((c.ready, c.desired), (10, 11));
    assert!(!c.all_ready());
    assert_eq!(
        c.components.om,
        Some(ReadyCount {
            desired: 3,
            ready: 2
        })
    );
    assert_eq!(c.components.s3g, None);
    assert!(!Counts::default().all_ready(), "no pods is not ready");
}

#[test]
fn long_messages_are_cut_on_a_character_boundary() {
    assert_eq!(truncate("short", 10), "short");
    let cut = truncate(&"é".repeat(20), 10);
    assert!(cut.len() <= 10 && cut.ends_with('…'), "{cut}");
}
