//! `apply` cut off at every write of a storage growth and of a datanode scale-down, then run
//! again: the same end state as an uninterrupted run, and no destructive step (a StatefulSet
//! delete, a decommission, a scale) carried out twice.

use super::{SHARED_KEY, assert_in_sync, deployed, run, storage_class, with_revisions};
use crate::cmd::restart::RESTART_ALL_ANNOTATION;
use crate::testing::FakeCluster;

fn count(journal: &[String], entry: &str) -> usize {
    journal.iter().filter(|e| e.as_str() == entry).count()
}

fn pvc_size(c: &FakeCluster, name: &str) -> String {
    let st = c.api.state.lock().unwrap();
    let pvc = st
        .pvcs
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some(name))
        .cloned()
        .unwrap_or_else(|| panic!("no PVC {name}"));
    serde_json::to_value(pvc).unwrap()["spec"]["resources"]["requests"]["storage"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn claim_size(c: &FakeCluster, statefulset: &str) -> Option<String> {
    let st = c.api.state.lock().unwrap();
    let sts = st
        .statefulsets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(statefulset))?;
    let v = serde_json::to_value(sts).unwrap();
    v["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test(start_paused = true)]
async fn a_storage_growth_cut_off_at_any_write_finishes_when_run_again() {
    let class = "datanodes.storage.storageClass=fast";
    let args = [
        "apply",
        "--profile",
        "medium",
        "-n",
        "ozone",
        "--set",
        class,
        "--set",
        "datanodes.storage.size=2Ti",
        "--yes",
    ];
    let clean = deployed("medium", &[class]);
    storage_class(&clean, "fast", true);
    let r = run(&clean, &args).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let writes = clean.journal().len();
    // Five PVC patches, the orphan delete, the re-create.
    assert!(writes >= 7, "{:#?}", clean.journal());
    for at in 0..writes {
        let c = deployed("medium", &[class]);
        storage_class(&c, "fast", true);
        let uids: Vec<Option<String>> = (0..5)
            .map(|i| {
                c.api
                    .pod(&format!("ozone-datanode-{i}"))
                    .and_then(|p| p.metadata.uid)
            })
            .collect();
        c.api.state.lock().unwrap().fail_write_at = Some(at);
        let r = run(&c, &args).await;
        assert_eq!(r.code(), 1, "failing write {at}: {}", r.all());
        assert!(
            r.error().contains("running it again finishes it"),
            "{at}: {}",
            r.error()
        );
        c.api.state.lock().unwrap().fail_write_at = None;
        let r = run(&c, &args).await;
        assert_eq!(r.code(), 0, "resume after write {at}: {}", r.all());
        let j = c.journal();
        assert_eq!(
            count(&j, "DELETE statefulsets/ozone-datanode"),
            1,
            "after write {at}: {j:#?}"
        );
        for i in 0..5 {
            assert_eq!(
                pvc_size(&c, &format!("data-ozone-datanode-{i}")),
                "2Ti",
                "after write {at}"
            );
            assert_eq!(
                count(
                    &j,
                    &format!("PATCH persistentvolumeclaims/data-ozone-datanode-{i}")
                ),
                1,
                "after write {at}: {j:#?}"
            );
        }
        assert_eq!(
            claim_size(&c, "ozone-datanode").as_deref(),
            Some("2Ti"),
            "after write {at}"
        );
        // The datanodes ran through it all: the same pods, never restarted.
        let now: Vec<Option<String>> = (0..5)
            .map(|i| {
                c.api
                    .pod(&format!("ozone-datanode-{i}"))
                    .and_then(|p| p.metadata.uid)
            })
            .collect();
        assert_eq!(now, uids, "after write {at}");
        let d = run(
            &c,
            &[
                "diff",
                "--profile",
                "medium",
                "-n",
                "ozone",
                "--set",
                class,
                "--set",
                "datanodes.storage.size=2Ti",
            ],
        )
        .await;
        assert_eq!(d.code(), 0, "after write {at}: {}", d.all());
    }
}

// Every write and Ozone command of the scale-down is a cut point, each a whole scenario of
// three runs; the cut points are dealt over three tests (every third each) so that they run in
// parallel.
#[tokio::test(start_paused = true)]
async fn a_datanode_scale_down_cut_off_at_any_write_or_command_finishes_when_run_again_1_of_3() {
    datanode_scale_down_cut_off_at_every_entry_from(0, 3).await;
}

#[tokio::test(start_paused = true)]
async fn a_datanode_scale_down_cut_off_at_any_write_or_command_finishes_when_run_again_2_of_3() {
    datanode_scale_down_cut_off_at_every_entry_from(1, 3).await;
}

#[tokio::test(start_paused = true)]
async fn a_datanode_scale_down_cut_off_at_any_write_or_command_finishes_when_run_again_3_of_3() {
    datanode_scale_down_cut_off_at_every_entry_from(2, 3).await;
}

/// The datanode scale-down cut off at journal entry `first`, `first + step`, … of an
/// uninterrupted run, each then run again.
async fn datanode_scale_down_cut_off_at_every_entry_from(first: usize, step: usize) {
    let args = [
        "apply",
        "--profile",
        "medium",
        "-n",
        "ozone",
        "--set",
        "datanodes.replicas=3",
        "--set",
        SHARED_KEY,
        "--yes",
    ];
    let clean = deployed("medium", &[]);
    let r = run(&clean, &args).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let entries = clean.journal().len();
    assert!(entries > 10, "{:#?}", clean.journal());
    let decommission = clean
        .journal()
        .into_iter()
        .find(|e| e.starts_with("exec ozone admin datanode decommission"))
        .expect("a decommission");
    for at in (first..entries).step_by(step) {
        let c = deployed("medium", &[]);
        c.api.state.lock().unwrap().fail_write_at = Some(at);
        c.ozone.state.lock().unwrap().fail_mutation_at = Some(at);
        let r = run(&c, &args).await;
        assert_eq!(r.code(), 1, "failing entry {at}: {}", r.all());
        c.api.state.lock().unwrap().fail_write_at = None;
        c.ozone.state.lock().unwrap().fail_mutation_at = None;
        let r = run(&c, &args).await;
        assert_eq!(r.code(), 0, "resume after entry {at}: {}", r.all());
        let j = c.journal();
        assert_eq!(count(&j, &decommission), 1, "after entry {at}: {j:#?}");
        assert_eq!(
            count(&j, "PATCH statefulsets/ozone-datanode/scale"),
            1,
            "after entry {at}: {j:#?}"
        );
        // Leaving datanodes are never restarted, even when the run was cut off before the scale.
        assert!(
            !j.iter()
                .any(|e| e == "DELETE pods/ozone-datanode-3" || e == "DELETE pods/ozone-datanode-4"),
            "after entry {at}: {j:#?}"
        );
        for pod in ["ozone-datanode-3", "ozone-datanode-4"] {
            assert_eq!(c.ozone.op_state(pod), "DECOMMISSIONED", "after entry {at}");
            assert!(
                c.api.pod(pod).is_none(),
                "after entry {at}: {pod} still runs"
            );
        }
        assert_in_sync(
            &c,
            "medium",
            &["datanodes.replicas=3", SHARED_KEY],
            &format!("after entry {at}"),
        )
        .await;
    }
}

#[tokio::test(start_paused = true)]
async fn restart_all_cut_off_at_any_write_restarts_only_the_pods_left() {
    let args = ["restart", "--all", "--yes"];
    let clean = FakeCluster::new("ozone", 3, 3, 5);
    with_revisions(&clean, &[]);
    let r = run(&clean, &args).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let entries = clean.journal().len();
    let deleted: Vec<String> = clean
        .journal()
        .into_iter()
        .filter(|e| e.starts_with("DELETE pods/"))
        .collect();
    // 3 SCM, 3 OM, 5 datanodes.
    assert_eq!(deleted.len(), 11, "{:#?}", clean.journal());
    for at in 0..entries {
        let c = FakeCluster::new("ozone", 3, 3, 5);
        with_revisions(&c, &[]);
        c.api.state.lock().unwrap().fail_write_at = Some(at);
        c.ozone.state.lock().unwrap().fail_mutation_at = Some(at);
        let r = run(&c, &args).await;
        assert_eq!(r.code(), 1, "failing entry {at}: {}", r.all());
        assert!(r.error().contains("restart --all"), "{at}: {}", r.error());
        c.api.state.lock().unwrap().fail_write_at = None;
        c.ozone.state.lock().unwrap().fail_mutation_at = None;
        let r = run(&c, &args).await;
        assert_eq!(r.code(), 0, "resume after entry {at}: {}", r.all());
        let j = c.journal();
        for pod in &deleted {
            assert_eq!(count(&j, pod), 1, "after entry {at}: {pod}: {j:#?}");
        }
        assert_eq!(
            j.iter().filter(|e| e.starts_with("DELETE pods/")).count(),
            deleted.len(),
            "after entry {at}: {j:#?}"
        );
        let st = c.api.state.lock().unwrap();
        let recorded: Vec<String> = st
            .statefulsets
            .iter()
            .filter(|s| {
                s.metadata
                    .annotations
                    .as_ref()
                    .is_some_and(|a| a.contains_key(RESTART_ALL_ANNOTATION))
            })
            .filter_map(|s| s.metadata.name.clone())
            .collect();
        assert!(
            recorded.is_empty(),
            "after entry {at}: still recorded on {recorded:?}"
        );
    }
}
