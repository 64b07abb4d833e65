//! Volumes added to and removed from a running cluster: `diff` names the change, `apply` adds
//! disks to datanodes (the StatefulSet re-created with orphans, every datanode pod re-created
//! one at a time), refuses removals and a Raft log volume for a running ring, and finishes a
//! run cut off at any write when run again.

use super::{assert_in_sync, deployed, run};
use crate::testing::FakeCluster;

const MORE_DISKS: [&str; 3] = [
    "datanodes.storage.data[0].size=1Ti",
    "datanodes.storage.data[1].size=1Ti",
    "datanodes.storage.ratis.size=100Gi",
];

fn apply_args(sets: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["apply", "--profile", "medium", "-n", "ozone", "--yes"]
        .map(str::to_owned)
        .to_vec();
    for s in sets {
        args.push("--set".into());
        args.push((*s).to_owned());
    }
    args
}

fn claim_templates(c: &FakeCluster, statefulset: &str) -> Vec<String> {
    let st = c.api.state.lock().unwrap();
    let sts = st
        .statefulsets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(statefulset))
        .cloned()
        .unwrap_or_else(|| panic!("no statefulset {statefulset}"));
    sts.spec
        .and_then(|s| s.volume_claim_templates)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| t.metadata.name)
        .collect()
}

fn uids(c: &FakeCluster, prefix: &str, n: usize) -> Vec<Option<String>> {
    (0..n)
        .map(|i| {
            c.api
                .pod(&format!("{prefix}-{i}"))
                .and_then(|p| p.metadata.uid)
        })
        .collect()
}

fn count(journal: &[String], entry: &str) -> usize {
    journal.iter().filter(|e| e.as_str() == entry).count()
}

#[tokio::test(start_paused = true)]
async fn disks_added_reach_every_datanode_one_pod_at_a_time() {
    let c = deployed("medium", &[]);
    let args = apply_args(&MORE_DISKS);
    let mut diff_args = vec!["diff", "--profile", "medium", "-n", "ozone"];
    for s in MORE_DISKS {
        diff_args.extend(["--set", s]);
    }
    let d = run(&c, &diff_args).await;
    assert!(
        d.out
            .contains("datanode volumes data → data, data1, ratis: apply:"),
        "{}",
        d.all()
    );
    assert!(c.journal().is_empty(), "diff writes nothing");
    let (om, scm, dn) = (
        uids(&c, "ozone-om", 3),
        uids(&c, "ozone-scm", 3),
        uids(&c, "ozone-datanode", 5),
    );
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&c, &argv).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_eq!(
        claim_templates(&c, "ozone-datanode"),
        vec!["data", "data1", "ratis"]
    );
    let j = c.journal();
    assert_eq!(count(&j, "DELETE statefulsets/ozone-datanode"), 1, "{j:#?}");
    // Every datanode re-created, once, in turn; OM and SCM read none of the changed keys.
    let deleted: Vec<&String> = j.iter().filter(|e| e.starts_with("DELETE pods/")).collect();
    assert_eq!(deleted.len(), 5, "{j:#?}");
    assert!(
        deleted
            .iter()
            .all(|e| e.starts_with("DELETE pods/ozone-datanode-"))
    );
    let after = uids(&c, "ozone-datanode", 5);
    for (before, now) in dn.iter().zip(&after) {
        assert_ne!(before, now, "every datanode pod is new");
    }
    assert_eq!(uids(&c, "ozone-om", 3), om);
    assert_eq!(uids(&c, "ozone-scm", 3), scm);
    // The StatefulSet was re-created before the first pod went.
    let recreate = j
        .iter()
        .position(|e| e == "DELETE statefulsets/ozone-datanode")
        .unwrap();
    let first_pod = j
        .iter()
        .position(|e| e.starts_with("DELETE pods/"))
        .unwrap();
    assert!(recreate < first_pod, "{j:#?}");
    assert_in_sync(&c, "medium", &MORE_DISKS, "after apply").await;
}

#[tokio::test(start_paused = true)]
async fn removing_a_disk_or_adding_a_raft_log_volume_to_a_ring_is_refused() {
    let two = [
        "datanodes.storage.data[0].size=1Ti",
        "datanodes.storage.data[1].size=1Ti",
    ];
    let c = deployed("medium", &two);
    let argv = apply_args(&["datanodes.storage.data[0].size=1Ti"]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let r = run(&c, &argv).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error().contains("removing volume data1")
            && r.error().contains("decommission the datanodes first"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty(), "{:#?}", c.journal());

    let c = deployed("medium", &[]);
    let argv = apply_args(&["om.storage.ratis.size=20Gi"]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let r = run(&c, &argv).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error().contains("om.storage.ratis.enabled: false"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty(), "{:#?}", c.journal());
}

#[tokio::test(start_paused = true)]
async fn adding_disks_cut_off_at_any_write_finishes_when_run_again() {
    let args = apply_args(&MORE_DISKS);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let clean = deployed("medium", &[]);
    let r = run(&clean, &argv).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let writes = clean.journal().len();
    // The ConfigMap, the orphan delete, the create, five pods.
    assert!(writes >= 8, "{:#?}", clean.journal());
    for at in 0..writes {
        let c = deployed("medium", &[]);
        let before = uids(&c, "ozone-datanode", 5);
        c.api.state.lock().unwrap().fail_write_at = Some(at);
        let r = run(&c, &argv).await;
        assert_eq!(r.code(), 1, "failing write {at}: {}", r.all());
        assert!(
            r.error().contains("running it again finishes it"),
            "{at}: {}",
            r.error()
        );
        c.api.state.lock().unwrap().fail_write_at = None;
        let r = run(&c, &argv).await;
        assert_eq!(r.code(), 0, "resume after write {at}: {}", r.all());
        let j = c.journal();
        assert_eq!(
            count(&j, "DELETE statefulsets/ozone-datanode"),
            1,
            "after write {at}: {j:#?}"
        );
        for i in 0..5 {
            assert_eq!(
                count(&j, &format!("DELETE pods/ozone-datanode-{i}")),
                1,
                "after write {at}: {j:#?}"
            );
        }
        assert_eq!(
            claim_templates(&c, "ozone-datanode"),
            vec!["data", "data1", "ratis"],
            "after write {at}"
        );
        let now = uids(&c, "ozone-datanode", 5);
        assert!(
            before.iter().zip(&now).all(|(b, n)| b != n),
            "after write {at}"
        );
        assert_in_sync(&c, "medium", &MORE_DISKS, &format!("after write {at}")).await;
    }
}
