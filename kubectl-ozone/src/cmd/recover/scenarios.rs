//! `recover --from` end to end against the fakes: the order of writes, streams and Ozone
//! commands; refusals (damaged backup, HA ring, another cluster, a newer Ozone, `--yes`
//! without the cluster's name) each with nothing written; a dry run; an interruption at every
//! write followed by a resumed run; a timeout. Time is paused.

use super::restore::{BACKUP_ANNOTATION, PHASE_ANNOTATION};
use crate::cmd::backup::verify::sum;
use crate::testing::{FakeCluster, Run, RunCommand};
use crate::ui::confirm::testing::Scripted;
use k8s_openapi::api::apps::v1::StatefulSet;
use serde_json::json;
use std::path::{Path, PathBuf};

async fn run(c: &FakeCluster, args: &[&str], prompt: Option<Scripted>) -> Run {
    let argv: Vec<&str> = std::iter::once("recover")
        .chain(args.iter().copied())
        .collect();
    c.run(&argv, prompt).await
}

const IMAGE: &str = "apache/ozone:2.2.0";

/// A cluster as render writes it: images on every template, a `data` volume claim template on
/// each StatefulSet, `ozone.metadata.dirs` in the ConfigMap, a bucket in /s3v.
fn cluster(scm: usize, om: usize, dn: usize) -> FakeCluster {
    let c = FakeCluster::new("ozone", scm, om, dn);
    let mut st = c.api.state.lock().unwrap();
    for s in st.statefulsets.iter_mut() {
        let component = s.metadata.name.clone().unwrap()["ozone-".len()..].to_owned();
        let spec = s.spec.as_mut().unwrap();
        spec.volume_claim_templates = Some(vec![
            serde_json::from_value(json!({"metadata": {"name": "data"}})).unwrap(),
        ]);
        let pod = spec.template.spec.as_mut().unwrap();
        pod.service_account_name = Some(format!("ozone-{component}"));
        pod.containers = vec![
            serde_json::from_value(json!({"name": component, "image": IMAGE,
                "args": ["ozone", component],
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}))
            .unwrap(),
        ];
    }
    let s3g = st.deployments[0].spec.as_mut().unwrap();
    s3g.template.spec.as_mut().unwrap().containers =
        vec![serde_json::from_value(json!({"name": "s3g", "image": IMAGE})).unwrap()];
    st.config_maps[0]
        .data
        .get_or_insert_with(Default::default)
        .insert(
            "OZONE-SITE.XML_ozone.metadata.dirs".into(),
            "/data/metadata".into(),
        );
    drop(st);
    c.ozone.state.lock().unwrap().buckets = vec!["s3v/logs".into()];
    c
}

/// A RocksDB checkpoint as `/dbCheckpoint` serves it: a tar of CURRENT, a MANIFEST and tables.
fn checkpoint(path: &Path, seed: u8) {
    let mut tar = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, body) in [
        ("CURRENT", b"MANIFEST-000012\n".to_vec()),
        ("MANIFEST-000012", vec![seed; 300]),
        ("000010.sst", vec![seed.wrapping_add(1); 70_000]),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, body.as_slice()).unwrap();
    }
    tar.finish().unwrap();
}

/// A backup directory of cluster `ozone` in namespace `ozone`, taken on `version`.
fn backup(root: &Path, cluster: &str, version: &str) -> PathBuf {
    let dir = root.join("backup-20261201-030000");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (component, seed) in [("om", 1u8), ("scm", 2)] {
        let file = format!("{component}.tar");
        checkpoint(&dir.join(&file), seed);
        let (size, sha) = sum(&dir.join(&file)).unwrap();
        files.push(json!({"component": component, "file": file, "size": size, "sha256": sha}));
    }
    let manifest = json!({
        "format": 1, "name": "backup-20261201-030000", "cluster": cluster, "namespace": "ozone",
        "clusterId": "CID-7c0ffee0", "omNodeIds": ["ozone-om-0"], "scmNodeIds": ["ozone-scm-0"],
        "leaders": {"om": "ozone-om-0", "scm": "ozone-scm-0"}, "version": version,
        "createdAt": "2026-12-01T03:00:00Z", "takenBy": "kubectl-ozone", "files": files
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    dir
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

fn annotation(s: &StatefulSet, key: &str) -> Option<String> {
    s.metadata.annotations.as_ref()?.get(key).cloned()
}

/// Everything runs as before, no restore pod is left, the record says done.
fn assert_restored(c: &FakeCluster, dn: i32) {
    for (name, n) in [("ozone-scm", 1), ("ozone-om", 1), ("ozone-datanode", dn)] {
        assert_eq!(
            sts(c, name).spec.unwrap().replicas,
            Some(n),
            "{name} replicas"
        );
    }
    let st = c.api.state.lock().unwrap();
    assert_eq!(st.deployments[0].spec.as_ref().unwrap().replicas, Some(1));
    assert!(
        !st.pods
            .iter()
            .any(|p| p.metadata.name.as_deref().unwrap().contains("restore")),
        "a restore pod is left"
    );
    drop(st);
    let scm = sts(c, "ozone-scm");
    assert_eq!(
        annotation(&scm, PHASE_ANNOTATION).as_deref(),
        Some("restored")
    );
    assert_eq!(
        annotation(&scm, BACKUP_ANNOTATION).as_deref(),
        Some("backup-20261201-030000")
    );
}

fn yes(dir: &Path) -> Vec<String> {
    [
        "--from",
        dir.to_str().unwrap(),
        "--yes",
        "--confirm-cluster",
        "ozone",
        "--timeout",
        "10h",
    ]
    .map(str::to_owned)
    .to_vec()
}

async fn restore(c: &FakeCluster, dir: &Path) -> Run {
    let args = yes(dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(c, &args, None).await
}

#[tokio::test(start_paused = true)]
async fn stops_everything_places_scm_then_om_and_starts_scm_om_datanodes_then_gateways() {
    let root = tempfile::tempdir().unwrap();
    let dir = backup(root.path(), "ozone", "2.2.0");
    let c = cluster(1, 1, 3);
    let r = restore(&c, &dir).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let journal = c.journal();
    assert_eq!(
        journal,
        [
            "PATCH statefulsets/ozone-scm",
            // Stop: gateways first, SCM last; each replica count recorded before the scale.
            "PATCH deployments/ozone-s3g",
            "PATCH deployments/ozone-s3g/scale",
            "PATCH statefulsets/ozone-om",
            "PATCH statefulsets/ozone-om/scale",
            "PATCH statefulsets/ozone-datanode",
            "PATCH statefulsets/ozone-datanode/scale",
            "PATCH statefulsets/ozone-scm",
            "PATCH statefulsets/ozone-scm/scale",
            "PATCH statefulsets/ozone-scm",
            // SCM's checkpoint, then OM's, each through its own restore pod.
            "POST /api/v1/namespaces/ozone/pods",
            &format!(
                "stream ozone-restore-scm {} bytes",
                sum(&dir.join("scm.tar")).unwrap().0
            ),
            "DELETE pods/ozone-restore-scm",
            "PATCH statefulsets/ozone-scm",
            "POST /api/v1/namespaces/ozone/pods",
            &format!(
                "stream ozone-restore-om {} bytes",
                sum(&dir.join("om.tar")).unwrap().0
            ),
            "DELETE pods/ozone-restore-om",
            "PATCH statefulsets/ozone-scm",
            // Start: SCM, OM, datanodes, then the gateway.
            "PATCH statefulsets/ozone-scm/scale",
            "PATCH statefulsets/ozone-om/scale",
            "PATCH statefulsets/ozone-datanode/scale",
            "PATCH deployments/ozone-s3g/scale",
            "PATCH statefulsets/ozone-scm",
            "PATCH statefulsets/ozone-scm",
        ]
    );
    // What arrived in each pod is byte for byte the backup's file.
    let (streams, calls) = {
        let oz = c.ozone.state.lock().unwrap();
        (oz.streams.clone(), oz.calls.clone())
    };
    for (pod, file) in [
        ("ozone-restore-scm", "scm.tar"),
        ("ozone-restore-om", "om.tar"),
    ] {
        let (size, sha) = sum(&dir.join(file)).unwrap();
        assert!(
            streams.contains(&(pod.to_owned(), size, sha)),
            "{pod}: {streams:?}"
        );
    }
    // The final check: the OM answers a bucket list once everything runs again.
    let last = calls.last().unwrap();
    assert_eq!(last.1, "ozone sh bucket list --all /s3v", "{calls:?}");
    assert!(
        r.err.contains("the OM answers: 1 bucket(s) in /s3v"),
        "{}",
        r.err
    );
    assert!(r.err.contains("cluster id in VERSION: set"), "{}", r.err);
    assert_restored(&c, 3);
    // Restored is done: running again restores again from scratch (a new decision).
    let again = run(&c, &["--from", dir.to_str().unwrap(), "--dry-run"], None).await;
    assert!(
        again.out.contains("record restore phase planned"),
        "{}",
        again.out
    );
}

#[tokio::test(start_paused = true)]
async fn a_damaged_backup_is_refused_with_nothing_written() {
    let root = tempfile::tempdir().unwrap();
    let dir = backup(root.path(), "ozone", "2.2.0");
    let mut bytes = std::fs::read(dir.join("om.tar")).unwrap();
    bytes[600] ^= 0xff;
    std::fs::write(dir.join("om.tar"), bytes).unwrap();
    let c = cluster(1, 1, 3);
    let r = restore(&c, &dir).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(r.error().contains("does not verify"), "{}", r.error());
    assert!(r.error().contains("om.tar: sha256"), "{}", r.error());
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    assert!(c.api.writes().is_empty());
    // A directory that is no backup at all is bad input.
    let r = restore(&c, root.path()).await;
    assert_eq!(r.code(), 2, "{}", r.all());
}

#[tokio::test(start_paused = true)]
async fn an_ha_cluster_is_refused_and_pointed_to_bootstrap_or_a_new_cluster() {
    let root = tempfile::tempdir().unwrap();
    let dir = backup(root.path(), "ozone", "2.2.0");
    for (scm, om) in [(3, 3), (1, 3), (3, 1)] {
        let c = cluster(scm, om, 3);
        let r = restore(&c, &dir).await;
        assert_eq!(r.code(), 1, "{}", r.all());
        let e = r.error();
        assert!(e.contains("not documented upstream"), "{e}");
        assert!(e.contains("kubectl ozone recover om POD"), "{e}");
        assert!(e.contains("--into-cluster"), "{e}");
        assert!(c.journal().is_empty());
        assert!(c.api.writes().is_empty());
    }
}

#[tokio::test(start_paused = true)]
async fn a_dry_run_prints_the_plan_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let dir = backup(root.path(), "ozone", "2.2.0");
    let c = cluster(1, 1, 3);
    c.refuse_writes();
    let r = run(&c, &["--from", dir.to_str().unwrap(), "--dry-run"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let out = &r.out;
    let pos = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("{needle} not in\n{out}"))
    };
    assert!(out.starts_with("Dry run: restore OM and SCM metadata from a backup"));
    assert!(pos("ok      backup: backup-20261201-030000 verified") < pos("Steps:"));
    assert!(
        pos("record 3 replicas on statefulset ozone-datanode, then scale it to 0")
            < pos("create restore pod ozone-restore-scm")
    );
    assert!(pos("mounting the scm volume data-ozone-scm-0") < pos("stream "));
    assert!(out.contains("unpack it as /data/metadata/scm.db or /data/metadata/scm/scm.db"));
    assert!(pos("restore pod ozone-restore-scm") < pos("restore pod ozone-restore-om"));
    assert!(
        pos("scale statefulset ozone-scm from 0 to 1")
            < pos("scale statefulset ozone-om from 0 to 1")
    );
    assert!(
        pos("scale statefulset ozone-om from 0 to 1")
            < pos("scale statefulset ozone-datanode from 0 to 3")
    );
    assert!(pos("scale deployment ozone-s3g from 0 to 1") < pos("check that om answers"));
    assert!(c.journal().is_empty());
    assert!(c.api.writes().is_empty());
    assert_eq!(c.ozone.state.lock().unwrap().streams.len(), 0);
    // As JSON too.
    let r = run(
        &c,
        &["--from", dir.to_str().unwrap(), "--dry-run", "-o", "json"],
        None,
    )
    .await;
    let plan: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert!(
        plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "placeCheckpoint" && s["pod"] == "ozone-restore-om")
    );
}

#[tokio::test(start_paused = true)]
async fn another_clusters_backup_needs_into_cluster_and_a_newer_ozone_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let dir = backup(root.path(), "old", "2.2.0");
    let c = cluster(1, 1, 3);
    let r = restore(&c, &dir).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(r.all().contains("taken from cluster old"), "{}", r.all());
    assert!(r.all().contains("--into-cluster"), "{}", r.all());
    assert!(c.journal().is_empty());
    let mut args = yes(&dir);
    args.push("--into-cluster".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&c, &args, None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        r.err.contains("SKIPPED cluster: skipped by --into-cluster"),
        "{}",
        r.err
    );
    assert_restored(&c, 3);

    let root = tempfile::tempdir().unwrap();
    let newer = backup(root.path(), "ozone", "2.3.0");
    let c = cluster(1, 1, 3);
    let r = restore(&c, &newer).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.all().contains("newer than the running 2.2.0"),
        "{}",
        r.all()
    );
    assert!(c.journal().is_empty());
}

#[tokio::test(start_paused = true)]
async fn confirmation_is_the_cluster_name_typed_or_given_with_yes() {
    let root = tempfile::tempdir().unwrap();
    let dir = backup(root.path(), "ozone", "2.2.0");
    let from = dir.to_str().unwrap();
    let c = cluster(1, 1, 3);
    // --yes alone is not enough: the cluster's name must be given too.
    let r = run(&c, &["--from", from, "--yes"], None).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(
        r.error().contains("--confirm-cluster ozone"),
        "{}",
        r.error()
    );
    let r = run(
        &c,
        &["--from", from, "--yes", "--confirm-cluster", "prod"],
        None,
    )
    .await;
    assert_eq!(r.code(), 2, "{}", r.all());
    // No terminal and no --yes: refused.
    let r = run(&c, &["--from", from], None).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    // On a terminal, a wrong name aborts; nothing was written.
    let r = run(&c, &["--from", from], Some(Scripted::new(&["prod"]))).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(c.journal().is_empty());
    let prompt = Scripted::new(&["ozone"]);
    let r = run(
        &c,
        &["--from", from, "--timeout", "10h"],
        Some(prompt.clone()),
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        prompt.asked.lock().unwrap()[0].contains("Type the cluster's name"),
        "{:?}",
        prompt.asked
    );
    assert_restored(&c, 3);
}

#[tokio::test(start_paused = true)]
async fn an_interruption_at_every_write_is_finished_by_the_same_command() {
    let root = tempfile::tempdir().unwrap();
    let dir = backup(root.path(), "ozone", "2.2.0");
    let reference = cluster(1, 1, 2);
    assert_eq!(restore(&reference, &dir).await.code(), 0);
    let journal = reference.journal();
    for (at, write) in journal.iter().enumerate() {
        let c = cluster(1, 1, 2);
        if write.starts_with("stream") {
            c.ozone.state.lock().unwrap().fail_stream_at = Some(at);
        } else {
            c.api.state.lock().unwrap().fail_write_at = Some(at);
        }
        let first = restore(&c, &dir).await;
        assert_eq!(first.code(), 1, "write {at} ({write}): {}", first.all());
        assert!(
            first.error().contains(&format!(
                "kubectl ozone recover --from {} -n ozone --name ozone",
                dir.display()
            )),
            "write {at}: {}",
            first.error()
        );
        c.api.state.lock().unwrap().fail_write_at = None;
        c.ozone.state.lock().unwrap().fail_stream_at = None;
        let second = restore(&c, &dir).await;
        assert_eq!(second.code(), 0, "write {at} ({write}): {}", second.all());
        assert_restored(&c, 2);
        // Whatever was cut off, each checkpoint arrived whole in the end.
        let streams = c.ozone.state.lock().unwrap().streams.clone();
        for pod in ["ozone-restore-scm", "ozone-restore-om"] {
            assert!(
                streams.iter().any(|(p, ..)| p == pod),
                "write {at}: {streams:?}"
            );
        }
        // A resumed run does not stop what it already stopped, nor place SCM twice once
        // its phase is recorded.
        let scm_placed = journal
            .iter()
            .position(|w| w.starts_with("stream ozone-restore-scm"))
            .unwrap()
            + 2;
        if at > scm_placed {
            let scm_streams = streams
                .iter()
                .filter(|(p, ..)| p == "ozone-restore-scm")
                .count();
            assert_eq!(scm_streams, 1, "write {at}: {streams:?}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_timeout_exits_3_with_the_resume_command_and_a_missing_scm_version_is_explained() {
    let root = tempfile::tempdir().unwrap();
    let dir = backup(root.path(), "ozone", "2.2.0");
    let c = cluster(1, 1, 3);
    c.api.state.lock().unwrap().never_ready = vec!["ozone-datanode-1".into()];
    let mut args = yes(&dir);
    args.truncate(5);
    args.extend(["--timeout".to_owned(), "30m".to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&c, &args, None).await;
    assert_eq!(r.code(), 3, "{}", r.all());
    assert!(r.error().contains("3 ready datanode pods"), "{}", r.error());
    assert!(
        r.error().contains("kubectl ozone recover --from"),
        "{}",
        r.error()
    );
    assert_eq!(
        annotation(&sts(&c, "ozone-scm"), PHASE_ANNOTATION).as_deref(),
        Some("om-placed")
    );
    c.api.state.lock().unwrap().never_ready.clear();
    let r = restore(&c, &dir).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    // Resumed after both placements: nothing was streamed again.
    assert_eq!(c.ozone.state.lock().unwrap().streams.len(), 2);
    assert_restored(&c, 3);

    let c = cluster(1, 1, 3);
    c.ozone.state.lock().unwrap().no_scm_version = true;
    let r = restore(&c, &dir).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(r.error().contains("no SCM VERSION file"), "{}", r.error());
    assert_eq!(
        annotation(&sts(&c, "ozone-scm"), PHASE_ANNOTATION).as_deref(),
        Some("stopped")
    );
}

#[tokio::test(start_paused = true)]
async fn every_request_is_covered_by_the_documented_permissions() {
    use ozone_generator::permissions::COMMANDS;
    let root = tempfile::tempdir().unwrap();
    let dir = backup(root.path(), "ozone", "2.2.0");
    let c = cluster(1, 1, 3);
    assert_eq!(restore(&c, &dir).await.code(), 0);
    let rules = COMMANDS
        .iter()
        .find(|p| p.command == "recover --from")
        .expect("recover --from is in the permissions table")
        .rules;
    let mut needed: Vec<(String, String, String)> = c
        .api
        .requests()
        .iter()
        .map(crate::scenarios::rbac_of)
        .collect();
    needed.push((String::new(), "pods/exec".into(), "create".into()));
    assert!(needed.iter().any(|(_, r, v)| r == "pods" && v == "create"));
    for (group, resource, verb) in needed {
        assert!(
            rules.iter().any(|rule| rule.api_group == group
                && rule.resource == resource
                && rule.verbs.contains(&verb.as_str())),
            "`recover --from` sends {verb} {group}/{resource}, which the permissions table does not grant"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn no_form_or_a_missing_backup_is_bad_input_and_writes_nothing() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let r = run(&c, &["--yes"], None).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(
        r.error().contains("recover --from DIR/NAME"),
        "{}",
        r.error()
    );
    let missing = tempfile::tempdir().unwrap().path().join("backup-none");
    let missing = missing.to_str().unwrap();
    let r = run(
        &c,
        &["--from", missing, "--yes", "--confirm-cluster", "ozone"],
        None,
    )
    .await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(r.error().contains(missing), "{}", r.error());
    assert!(c.api.writes().is_empty(), "{:?}", c.api.writes());
    assert!(c.journal().is_empty(), "{:?}", c.journal());
}
