//! `upgrade`, `upgrade status` and `upgrade finalize` end to end against the fakes: the
//! exact order of writes and Ozone commands for HA and single-OM clusters, every pre-flight
//! refusal, a failing prepare, an interruption at every write followed by a resumed run,
//! downgrade before and after finalization, dry runs, and bad input. Time is paused.

use crate::testing::{FakeCluster, FakePrepare, Run, RunCommand};
use crate::ui::confirm::testing::Scripted;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Pod;
use ozone_engine::plan::upgrade::{PHASE_ANNOTATION, REPLICAS_ANNOTATION, TARGET_ANNOTATION};
use serde_json::json;

async fn run(c: &FakeCluster, args: &[&str], prompt: Option<Scripted>) -> Run {
    let argv: Vec<&str> = std::iter::once("upgrade")
        .chain(args.iter().copied())
        .collect();
    c.run(&argv, prompt).await
}

/// Bounds every run: a wait that never ends fails the test (exit 3) instead of hanging.
const T: [&str; 2] = ["--timeout", "10h"];

const OLD: &str = "apache/ozone:2.2.0";

/// A cluster as render writes it for 2.2.0: images and start arguments on every template and
/// pod, SCM's init container, an S3 Gateway Deployment with one pod.
fn cluster(scm: usize, om: usize, dn: usize) -> FakeCluster {
    cluster_on(OLD, scm, om, dn)
}

/// The same cluster on another release's image.
fn cluster_on(image: &str, scm: usize, om: usize, dn: usize) -> FakeCluster {
    let c = FakeCluster::new("ozone", scm, om, dn);
    let mut st = c.api.state.lock().unwrap();
    st.ready_after_lists = 1;
    let container =
        |component: &str| json!({"name": component, "image": image, "args": ["ozone", component]});
    for s in st.statefulsets.iter_mut() {
        let component = s
            .metadata
            .name
            .clone()
            .unwrap()
            .trim_start_matches("ozone-")
            .to_owned();
        let spec = s.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        spec.containers = vec![serde_json::from_value(container(&component)).unwrap()];
        if component == "scm" {
            spec.init_containers = Some(vec![
                serde_json::from_value(
                    json!({"name": "init", "image": image, "args": ["ozone", "scm", "--init"]}),
                )
                .unwrap(),
            ]);
        }
    }
    for p in st.pods.iter_mut() {
        let name = p.metadata.name.clone().unwrap();
        let component = ozone_engine::cluster::view::component_of(&p.metadata).unwrap();
        let _ = name;
        p.spec.as_mut().unwrap().containers =
            vec![serde_json::from_value(container(component.id())).unwrap()];
    }
    let s3g = &mut st.deployments[0];
    s3g.spec
        .as_mut()
        .unwrap()
        .template
        .spec
        .as_mut()
        .unwrap()
        .containers = vec![serde_json::from_value(container("s3g")).unwrap()];
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "ozone-s3g-1", "namespace": "ozone", "uid": "s3g-uid-0",
                     "labels": {"app.kubernetes.io/name": "ozone", "app.kubernetes.io/instance": "ozone",
                                "app.kubernetes.io/component": "s3g"}},
        "spec": {"containers": [container("s3g")]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    }))
    .unwrap();
    st.pods.push(pod);
    drop(st);
    c
}

fn sts(c: &FakeCluster, name: &str) -> StatefulSet {
    c.api
        .state
        .lock()
        .unwrap()
        .statefulsets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(name))
        .cloned()
        .unwrap()
}

fn deployment(c: &FakeCluster) -> Deployment {
    c.api.state.lock().unwrap().deployments[0].clone()
}

fn image_of(s: &StatefulSet) -> String {
    s.spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0]
        .image
        .clone()
        .unwrap()
}

fn args_of(s: &StatefulSet) -> Vec<String> {
    s.spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0]
        .args
        .clone()
        .unwrap()
}

fn annotation(s: &StatefulSet, key: &str) -> Option<String> {
    s.metadata.annotations.as_ref()?.get(key).cloned()
}

/// Every workload on `image` with its old replicas, every pod on it and on its StatefulSet's
/// current revision, OM started without the upgrade flag, and the run recorded as done.
fn assert_finished(c: &FakeCluster, image: &str, replicas: [i32; 3]) {
    for (name, n) in ["ozone-scm", "ozone-om", "ozone-datanode"]
        .iter()
        .zip(replicas)
    {
        let s = sts(c, name);
        assert_eq!(image_of(&s), image, "{name}");
        assert_eq!(s.spec.as_ref().unwrap().replicas, Some(n), "{name}");
    }
    let scm = sts(c, "ozone-scm");
    let init = scm
        .spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .init_containers
        .clone()
        .unwrap();
    assert_eq!(init[0].image.as_deref(), Some(image));
    assert_eq!(annotation(&scm, PHASE_ANNOTATION).as_deref(), Some("done"));
    assert_eq!(args_of(&sts(c, "ozone-om")), ["ozone", "om"]);
    let d = deployment(c);
    assert_eq!(d.spec.as_ref().unwrap().replicas, Some(1));
    let st = c.api.state.lock().unwrap();
    for p in &st.pods {
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(
            spec.containers[0].image.as_deref(),
            Some(image),
            "{:?}",
            p.metadata.name
        );
        assert!(
            !spec.containers[0]
                .args
                .clone()
                .unwrap_or_default()
                .iter()
                .any(|a| a.starts_with("--")),
            "{:?} still starts with a flag",
            p.metadata.name
        );
    }
    assert_eq!(st.pods.len() as i32, replicas.iter().sum::<i32>() + 1);
    // Nothing left on an older template (what `doctor` checks): the StatefulSets never roll
    // pods themselves, so every pod must have been made from the template as it is now.
    for s in &st.statefulsets {
        let update = s.status.as_ref().and_then(|s| s.update_revision.clone());
        let stem = format!("{}-", s.metadata.name.as_deref().unwrap());
        for p in st.pods.iter().filter(|p| {
            p.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(&stem))
        }) {
            assert_eq!(
                ozone_engine::cluster::view::label(&p.metadata, "controller-revision-hash"),
                update.as_deref(),
                "{:?} is on an older template",
                p.metadata.name
            );
        }
    }
}

/// The writes and Ozone mutations of a full HA upgrade from 2.2.0 to 2.2.1: record, prepare,
/// record; gateways, OMs, datanodes, SCMs each get their replicas recorded and go to 0;
/// record; new images (OM with --upgrade); record; SCM, datanodes, OMs, S3G start; record;
/// OM without the flag, restarted followers first with leadership moved; record. No
/// cancelprepare: every OM started with --upgrade.
const HA_JOURNAL: &[&str] = &[
    "PATCH statefulsets/ozone-scm",
    "exec ozone admin om prepare --service-id ozone",
    "PATCH statefulsets/ozone-scm",
    "PATCH deployments/ozone-s3g",
    "PATCH deployments/ozone-s3g/scale",
    "PATCH statefulsets/ozone-om",
    "PATCH statefulsets/ozone-om/scale",
    "PATCH statefulsets/ozone-datanode",
    "PATCH statefulsets/ozone-datanode/scale",
    "PATCH statefulsets/ozone-scm",
    "PATCH statefulsets/ozone-scm/scale",
    "PATCH statefulsets/ozone-scm",
    "PATCH statefulsets/ozone-scm",
    "PATCH statefulsets/ozone-om",
    "PATCH statefulsets/ozone-datanode",
    "PATCH deployments/ozone-s3g",
    "PATCH statefulsets/ozone-scm",
    "PATCH statefulsets/ozone-scm/scale",
    "PATCH statefulsets/ozone-datanode/scale",
    "PATCH statefulsets/ozone-om/scale",
    "PATCH deployments/ozone-s3g/scale",
    "PATCH statefulsets/ozone-scm",
    "PATCH statefulsets/ozone-om",
    "DELETE pods/ozone-om-1",
    "DELETE pods/ozone-om-2",
    "exec ozone admin om transfer --service-id ozone --new-leader-id om1",
    "DELETE pods/ozone-om-0",
    "PATCH statefulsets/ozone-scm",
];

#[tokio::test(start_paused = true)]
async fn ha_upgrade_runs_the_documented_order_and_ends_as_upgrade_status_says() {
    let c = cluster(3, 3, 3);
    // Finalization answered as Ozone does, from the layouts on disk and the images that run.
    crate::testing::model_layouts(&c.ozone, &c.api, "ozone", "2.2.0");
    let r = run(&c, &["--to", "2.2.1", "--yes", "--timeout", "10h"], None).await;
    let journal = c.journal();
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_eq!(journal, HA_JOURNAL);
    assert_finished(&c, "apache/ozone:2.2.1", [3, 3, 3]);
    // 2.2.0 and 2.2.1 share the metadata layout: Ozone answers ALREADY_FINALIZED, and both
    // the end of the run and `upgrade status` say so (issue 23, defect 3).
    assert!(!r.err.contains("pre-finalized"), "{}", r.err);
    let last = r
        .err
        .lines()
        .rfind(|l| l.contains("runs Ozone 2.2.1"))
        .unwrap();
    assert!(
        last.contains("finalized: 2.2.0 and 2.2.1 share the metadata layout"),
        "{last}"
    );
    assert!(
        last.contains("Downgrade: possible, 2.2.0 reads this metadata layout: kubectl ozone upgrade --to 2.2.0"),
        "{last}"
    );
    let s = run(&c, &["status"], None).await;
    assert_eq!(s.code(), 0, "{}", s.all());
    assert!(
        s.out
            .contains("Finalization: OM ALREADY_FINALIZED, SCM ALREADY_FINALIZED"),
        "{}",
        s.out
    );
    for line in ["State: ", "Downgrade: "] {
        let said = s.out.lines().find(|l| l.starts_with(line)).unwrap();
        let said = &said[line.len()..];
        assert!(
            last.contains(said),
            "status says {said:?}, the run said {last:?}"
        );
    }
    assert!(
        s.out
            .contains("Last upgrade: 2.2.0 -> 2.2.1 (run complete)"),
        "{}",
        s.out
    );
    // Nothing to finalize; a way back to 2.2.0 stays open.
    let f = run(&c, &["finalize", "--yes"], None).await;
    assert_eq!(f.code(), 0, "{}", f.all());
    assert!(
        f.err.contains(
            "finalized already, nothing to do: finalized: 2.2.0 and 2.2.1 share the metadata layout"
        ),
        "{}",
        f.err
    );
    assert_eq!(c.journal().len(), journal.len());
}

async fn upgrade(c: &FakeCluster, extra: &[&str]) -> Run {
    let mut args = vec!["--to", "2.2.1", "--yes"];
    args.extend_from_slice(&T);
    args.extend_from_slice(extra);
    run(c, &args, None).await
}

#[tokio::test(start_paused = true)]
async fn a_single_om_is_not_prepared_and_needs_no_cancel() {
    let c = cluster(1, 1, 3);
    let r = upgrade(&c, &[]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let journal = c.journal();
    assert!(
        !journal.iter().any(|j| j.contains("prepare")),
        "{journal:#?}"
    );
    // No OM ring: nothing to hand leadership to, the one OM restarts as it is.
    assert_eq!(
        journal.iter().filter(|j| j.starts_with("exec")).count(),
        0,
        "{journal:#?}"
    );
    assert!(
        journal.contains(&"DELETE pods/ozone-om-0".to_owned()),
        "{journal:#?}"
    );
    assert_finished(&c, "apache/ozone:2.2.1", [1, 1, 3]);
}

#[tokio::test(start_paused = true)]
async fn dry_run_prints_the_plan_writes_nothing_and_runs_no_mutation() {
    let c = cluster(3, 3, 3);
    let mut args = vec!["--to", "2.2.1", "--dry-run"];
    args.extend_from_slice(&T);
    let r = run(&c, &args, None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(c.journal().is_empty());
    assert!(c.api.writes().is_empty());
    assert!(c.ozone.mutations().is_empty());
    for want in [
        "Dry run: Ozone upgrade in Ozone cluster ozone",
        "run in a om pod: ozone admin om prepare --service-id ozone",
        "record 1 replicas on deployment ozone-s3g, then scale it to 0",
        "set image apache/ozone:2.2.1 and arguments [ozone om --upgrade] on statefulset ozone-om",
        "scale statefulset ozone-scm from 0 to 3 replicas",
        "wait until SCM is out of safe mode",
        "restart the om pods one at a time",
        "ok      finalized",
    ] {
        assert!(r.out.contains(want), "{want}\n{}", r.out);
    }
    let mut json = vec!["--to", "2.2.1", "--dry-run", "-o", "json"];
    json.extend_from_slice(&T);
    let r = run(&c, &json, None).await;
    let plan: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(plan["steps"][1]["kind"], "ozone");
    assert!(c.journal().is_empty());
}

#[tokio::test(start_paused = true)]
async fn bad_input_exits_2_and_writes_nothing() {
    let c = cluster(3, 3, 3);
    let unknown = upgrade_to(&c, "2.3.0").await;
    assert_eq!(unknown.code(), 2, "{}", unknown.all());
    assert!(
        unknown
            .error()
            .contains("one of 2.0.0, 2.1.0, 2.1.1, 2.2.0, 2.2.1"),
        "{}",
        unknown.error()
    );
    let same = upgrade_to(&c, "2.2.0").await;
    assert_eq!(same.code(), 2, "{}", same.all());
    assert!(
        same.error().contains("runs Ozone 2.2.0 already"),
        "{}",
        same.error()
    );
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("ozone.yaml");
    std::fs::write(
        &spec,
        "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nmetadata: {name: ozone, namespace: ozone}\nspec:\n  profile: small\n  version: \"2.2.1\"\n",
    )
    .unwrap();
    let file = spec.to_str().unwrap();
    let both = run(&c, &["--to", "2.1.1", "-f", file, "--yes"], None).await;
    assert_eq!(both.code(), 2, "{}", both.all());
    assert!(
        both.error().contains("--to 2.1.1 and spec.version 2.2.1"),
        "{}",
        both.error()
    );
    assert!(c.journal().is_empty());
    assert!(c.api.writes().is_empty());
    // The spec file alone names the version.
    let r = run(&c, &["-f", file, "--dry-run"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(r.out.contains("upgrade from 2.2.0 to 2.2.1"), "{}", r.out);
    assert!(c.journal().is_empty());
}

async fn upgrade_to(c: &FakeCluster, to: &str) -> Run {
    let mut args = vec!["--to", to, "--yes"];
    args.extend_from_slice(&T);
    run(c, &args, None).await
}

#[tokio::test(start_paused = true)]
async fn each_preflight_refusal_names_its_flag_and_changes_nothing() {
    type Break = fn(&FakeCluster);
    let cases: [(&str, &str, Break); 5] = [
        ("readiness", "--skip-readiness-check", |c| {
            crate::testing::set_pod_ready(
                &mut c.api.state.lock().unwrap(),
                "ozone-datanode-1",
                false,
            )
        }),
        ("raft-leader", "--skip-leader-check", |c| {
            c.ozone.state.lock().unwrap().om_leader = None
        }),
        ("safemode", "--skip-safemode-check", |c| {
            c.ozone.state.lock().unwrap().in_safe_mode = true
        }),
        ("finalized", "--skip-finalization-check", |c| {
            c.ozone.state.lock().unwrap().om_finalization = "FINALIZATION_REQUIRED".into()
        }),
        ("decommission", "--skip-decommission-check", |c| {
            c.ozone.state.lock().unwrap().datanodes[0].op = "DECOMMISSIONING".into()
        }),
    ];
    for (check, flag, breaks) in cases {
        let c = cluster(3, 3, 3);
        breaks(&c);
        let r = upgrade(&c, &[]).await;
        assert_eq!(r.code(), 1, "{check}: {}", r.all());
        assert!(
            r.error().contains(&format!("{check}: ")),
            "{check}: {}",
            r.error()
        );
        assert!(r.error().contains(flag), "{check}: {}", r.error());
        assert!(c.journal().is_empty(), "{check}: {:?}", c.journal());
        // Its own flag, and only it, lets the plan through.
        let mut args = vec!["--to", "2.2.1", "--dry-run", flag];
        args.extend_from_slice(&T);
        let r = run(&c, &args, None).await;
        assert_eq!(r.code(), 0, "{check}: {}", r.all());
        assert!(
            r.out
                .contains(&format!("SKIPPED {check}: skipped by {flag}")),
            "{}",
            r.out
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_prepare_stops_before_anything_is_stopped() {
    let c = cluster(3, 3, 3);
    c.ozone.state.lock().unwrap().prepare = FakePrepare::Failed;
    let r = upgrade(&c, &[]).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error()
            .contains("nothing was stopped and the OMs still serve"),
        "{}",
        r.error()
    );
    assert!(
        r.error().contains("kubectl ozone upgrade --to 2.2.1"),
        "{}",
        r.error()
    );
    assert_eq!(
        c.journal(),
        [
            "PATCH statefulsets/ozone-scm",
            "exec ozone admin om prepare --service-id ozone"
        ]
    );
    // A majority is a warning and the run goes on.
    let c = cluster(3, 3, 3);
    c.ozone.state.lock().unwrap().prepare = FakePrepare::Majority;
    let r = upgrade(&c, &[]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        r.err
            .contains("warning: only a majority of OMs are prepared"),
        "{}",
        r.err
    );
}

#[tokio::test(start_paused = true)]
async fn an_interruption_at_any_write_is_finished_by_running_the_same_command_again() {
    let reference = cluster(3, 3, 3);
    assert_eq!(upgrade(&reference, &[]).await.code(), 0);
    let writes = reference
        .journal()
        .iter()
        .filter(|j| !j.starts_with("exec"))
        .count();
    let total = reference.journal().len();
    for at in 0..total {
        let c = cluster(3, 3, 3);
        c.api.state.lock().unwrap().fail_write_at = Some(at);
        let first = upgrade(&c, &[]).await;
        if reference.journal()[at].starts_with("exec") {
            // Ozone commands are not API writes; the fake cannot refuse them this way.
            continue;
        }
        assert_eq!(first.code(), 1, "write {at}: {}", first.all());
        assert!(
            first
                .error()
                .contains("kubectl ozone upgrade --to 2.2.1 -n ozone --name ozone"),
            "write {at}: {}",
            first.error()
        );
        c.api.state.lock().unwrap().fail_write_at = None;
        let second = upgrade(&c, &[]).await;
        assert_eq!(second.code(), 0, "write {at}: {}", second.all());
        assert_finished(&c, "apache/ozone:2.2.1", [3, 3, 3]);
        // Done is done: a third run has nothing to upgrade.
        assert_eq!(upgrade(&c, &[]).await.code(), 2, "write {at}");
    }
    assert!(writes > 20, "{writes}");
}

#[tokio::test(start_paused = true)]
async fn a_timeout_exits_3_with_the_resume_command_and_the_rerun_finishes() {
    let c = cluster(3, 3, 3);
    c.api.state.lock().unwrap().never_ready = vec!["ozone-datanode-2".into()];
    let r = run(&c, &["--to", "2.2.1", "--yes", "--timeout", "30m"], None).await;
    assert_eq!(r.code(), 3, "{}", r.all());
    assert!(r.error().contains("3 ready datanode pods"), "{}", r.error());
    assert!(
        r.error()
            .contains("kubectl ozone upgrade --to 2.2.1 -n ozone --name ozone"),
        "{}",
        r.error()
    );
    let scm = sts(&c, "ozone-scm");
    assert_eq!(
        annotation(&scm, PHASE_ANNOTATION).as_deref(),
        Some("images-set")
    );
    assert_eq!(
        annotation(&scm, TARGET_ANNOTATION).as_deref(),
        Some("2.2.1")
    );
    assert_eq!(
        annotation(&sts(&c, "ozone-datanode"), REPLICAS_ANNOTATION).as_deref(),
        Some("3")
    );
    {
        let mut st = c.api.state.lock().unwrap();
        st.never_ready.clear();
    }
    let r = upgrade(&c, &[]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(r.err.contains("resuming: phase images-set"), "{}", r.err);
    // The resumed run neither prepares again nor stops anything.
    let prepares = c
        .journal()
        .iter()
        .filter(|j| j.contains("om prepare"))
        .count();
    assert_eq!(prepares, 1, "{:#?}", c.journal());
    assert_finished(&c, "apache/ozone:2.2.1", [3, 3, 3]);
}

#[tokio::test(start_paused = true)]
async fn downgrade_works_before_finalize_and_is_refused_after() {
    // 2.1.1 → 2.2.0 moves both layouts (OM 8 → 9, HDDS 9 → 10): pre-finalized after the run.
    let c = cluster_on("apache/ozone:2.1.1", 3, 3, 3);
    crate::testing::model_layouts(&c.ozone, &c.api, "ozone", "2.1.1");
    let up = upgrade_to(&c, "2.2.0").await;
    assert_eq!(up.code(), 0, "{}", up.all());
    let last = up
        .err
        .lines()
        .rfind(|l| l.contains("runs Ozone 2.2.0"))
        .unwrap();
    assert!(
        last.contains("pre-finalized: Ozone 2.2.0 runs on the metadata layout of 2.1.1"),
        "{last}"
    );
    assert!(
        last.contains("Downgrade: possible until finalized: kubectl ozone upgrade --to 2.1.1"),
        "{last}"
    );
    // Status: pre-finalized, downgrade possible, in the same words.
    let s = run(&c, &["status", "-o", "json"], None).await;
    assert_eq!(s.code(), 0, "{}", s.all());
    let status: serde_json::Value = serde_json::from_str(&s.out).unwrap();
    assert_eq!(status["running"], "2.2.0");
    assert_eq!(status["phase"], "done");
    assert_eq!(status["finalization"], "pre-finalized");
    assert_eq!(status["omFinalization"], "FINALIZATION_REQUIRED");
    assert_eq!(status["scmFinalization"], "FINALIZATION_REQUIRED");
    assert!(
        last.contains(status["summary"].as_str().unwrap()),
        "{status}"
    );
    assert!(
        last.contains(status["downgrade"].as_str().unwrap()),
        "{status}"
    );
    // A downgrade is the same procedure with the old image and --downgrade.
    let mut dry = vec!["--to", "2.1.1", "--dry-run"];
    dry.extend_from_slice(&T);
    let plan = run(&c, &dry, None).await;
    assert!(
        plan.out.contains("arguments [ozone om --downgrade]"),
        "{}",
        plan.out
    );
    assert!(plan.out.contains("SKIPPED finalized"), "{}", plan.out);
    let down = upgrade_to(&c, "2.1.1").await;
    assert_eq!(down.code(), 0, "{}", down.all());
    assert_finished(&c, "apache/ozone:2.1.1", [3, 3, 3]);
    // The old software on its own layout has nothing to finalize.
    assert!(
        down.err.contains("last change was a downgrade from 2.2.0"),
        "{}",
        down.err
    );
    // Up again, then finalize: a downgrade is refused with the reason.
    assert_eq!(upgrade_to(&c, "2.2.0").await.code(), 0);
    let before = c.journal().len();
    let f = run(&c, &["finalize", "--yes"], None).await;
    assert_eq!(f.code(), 0, "{}", f.all());
    assert_eq!(
        c.journal()[before..],
        [
            "exec ozone admin scm finalizeupgrade",
            "exec ozone admin om finalizeupgrade --service-id ozone",
            "PATCH statefulsets/ozone-scm"
        ]
    );
    let before = c.journal().len();
    let refused = upgrade_to(&c, "2.1.1").await;
    assert_eq!(refused.code(), 1, "{}", refused.all());
    assert!(
        refused
            .error()
            .contains("OM is finalized (FINALIZATION_DONE)"),
        "{}",
        refused.error()
    );
    assert!(
        refused.error().contains("which 2.1.1 (8) cannot read"),
        "{}",
        refused.error()
    );
    assert_eq!(c.journal().len(), before);
    let s = run(&c, &["status"], None).await;
    assert!(
        s.out
            .contains("State: finalized: the metadata layout is Ozone 2.2.0's"),
        "{}",
        s.out
    );
    assert!(
        s.out.contains("Downgrade: not possible: OM is finalized"),
        "{}",
        s.out
    );
}

#[tokio::test(start_paused = true)]
async fn finalize_asks_for_the_phrase_refuses_stale_pods_and_takes_over_only_when_asked() {
    let c = cluster(3, 3, 3);
    assert_eq!(upgrade(&c, &[]).await.code(), 0);
    {
        let mut oz = c.ozone.state.lock().unwrap();
        oz.om_finalization = "FINALIZATION_REQUIRED".into();
        oz.scm_finalization = "FINALIZATION_REQUIRED".into();
        oz.finalize_polls = 2;
    }
    // A pod on the old image: refused.
    {
        let mut st = c.api.state.lock().unwrap();
        let pod = st
            .pods
            .iter_mut()
            .find(|p| p.metadata.name.as_deref() == Some("ozone-datanode-0"))
            .unwrap();
        pod.spec.as_mut().unwrap().containers[0].image = Some(OLD.into());
    }
    let before = c.journal().len();
    let r = run(&c, &["finalize", "--yes"], None).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error()
            .contains("not every pod runs the new version: ozone-datanode-0"),
        "{}",
        r.error()
    );
    {
        let mut st = c.api.state.lock().unwrap();
        let pod = st
            .pods
            .iter_mut()
            .find(|p| p.metadata.name.as_deref() == Some("ozone-datanode-0"))
            .unwrap();
        pod.spec.as_mut().unwrap().containers[0].image = Some("apache/ozone:2.2.1".into());
    }
    // A wrong phrase changes nothing.
    let r = run(&c, &["finalize"], Some(Scripted::new(&["yes"]))).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert_eq!(c.journal().len(), before);
    // Another caller holds finalization: explained, --takeover only when asked.
    c.ozone.state.lock().unwrap().finalize_busy = true;
    let r = run(&c, &["finalize", "--yes"], None).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(r.error().contains("--takeover"), "{}", r.error());
    let r = run(
        &c,
        &["finalize", "--takeover"],
        Some(Scripted::new(&["finalize"])),
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    assert!(
        j.contains(&"exec ozone admin scm finalizeupgrade --takeover".to_owned()),
        "{j:#?}"
    );
    assert!(
        j.contains(&"exec ozone admin om finalizeupgrade --service-id ozone --takeover".to_owned()),
        "{j:#?}"
    );
    let (om, scm) = {
        let oz = c.ozone.state.lock().unwrap();
        (oz.om_finalization.clone(), oz.scm_finalization.clone())
    };
    assert_eq!(
        (om.as_str(), scm.as_str()),
        ("FINALIZATION_DONE", "FINALIZATION_DONE")
    );
}

#[tokio::test(start_paused = true)]
async fn every_request_is_covered_by_the_documented_permissions() {
    use ozone_generator::permissions::COMMANDS;
    let check = |c: &FakeCluster, command: &str| {
        let rules = COMMANDS
            .iter()
            .find(|p| p.command == command)
            .unwrap_or_else(|| panic!("{command} is not in the permissions table"))
            .rules;
        let mut needed: Vec<(String, String, String)> = c
            .api
            .requests()
            .iter()
            .map(crate::scenarios::rbac_of)
            .collect();
        needed.push((String::new(), "pods/exec".into(), "create".into()));
        for (group, resource, verb) in needed {
            assert!(
                rules.iter().any(|rule| rule.api_group == group
                    && rule.resource == resource
                    && rule.verbs.contains(&verb.as_str())),
                "`{command}` sends {verb} {group}/{resource}, which the permissions table does not grant"
            );
        }
    };
    let c = cluster(3, 3, 3);
    assert_eq!(upgrade(&c, &[]).await.code(), 0);
    check(&c, "upgrade");
    let c = cluster(3, 3, 3);
    assert_eq!(run(&c, &["status"], None).await.code(), 0);
    check(&c, "upgrade status");
    let c = cluster(3, 3, 3);
    c.ozone.state.lock().unwrap().scm_finalization = "FINALIZATION_REQUIRED".into();
    assert_eq!(run(&c, &["finalize", "--yes"], None).await.code(), 0);
    check(&c, "upgrade finalize");
}
