//! Doctor checks against the fake cluster, each in the failing and the healthy state: the
//! command line is parsed as typed, the verdicts read from `-o json`, and every failing
//! finding must name its fix. Every run refuses writes and checks that none was tried.

use super::verdict::Verdict;
use crate::testing::{FakeCluster, Run, RunCommand};
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::storage::v1::StorageClass;
use serde_json::{Value, json};

async fn run(c: &FakeCluster, args: &[&str]) -> Run {
    let argv: Vec<&str> = std::iter::once("doctor")
        .chain(args.iter().copied())
        .collect();
    c.refuse_writes();
    let run = c.run(&argv, None).await;
    // Reads only: no Kubernetes write but access reviews, no Ozone command but queries.
    let writes = c.api.writes();
    assert!(
        writes
            .iter()
            .all(|w| w.uri.contains("selfsubjectaccessreviews")),
        "doctor wrote: {writes:?}"
    );
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    assert!(c.ozone.mutations().is_empty());
    run
}

/// The findings of a `-o json` run.
fn findings(r: &Run) -> Vec<Value> {
    let report: Value = serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{e}: {}", r.all()));
    report["findings"].as_array().unwrap().clone()
}

/// The one finding of `check` about `subject` (or the only one of the check).
fn finding(r: &Run, check: &str, subject: &str) -> Value {
    let all = findings(r);
    let matching: Vec<&Value> = all
        .iter()
        .filter(|f| f["check"] == check && (subject.is_empty() || f["subject"] == subject))
        .collect();
    assert_eq!(matching.len(), 1, "{check} {subject}: {all:#?}");
    matching[0].clone()
}

fn verdict(f: &Value) -> String {
    f["verdict"].as_str().unwrap().to_owned()
}

fn fix(f: &Value) -> String {
    f["fix"]
        .as_str()
        .unwrap_or_else(|| panic!("no fix in {f}"))
        .to_owned()
}

fn patch_pod(c: &FakeCluster, name: &str, change: impl FnOnce(&mut Value)) {
    let mut st = c.api.state.lock().unwrap();
    let pod = st
        .pods
        .iter_mut()
        .find(|p| p.metadata.name.as_deref() == Some(name))
        .unwrap();
    let mut v = serde_json::to_value(&*pod).unwrap();
    change(&mut v);
    *pod = serde_json::from_value::<Pod>(v).unwrap();
}

fn event(kind: &str, name: &str, reason: &str, message: &str) -> Event {
    serde_json::from_value(json!({
        "metadata": {"name": format!("{name}.1"), "namespace": "ozone"},
        "involvedObject": {"kind": kind, "name": name, "namespace": "ozone"},
        "reason": reason, "message": message, "type": "Warning"
    }))
    .unwrap()
}

#[tokio::test]
async fn a_healthy_cluster_is_all_ok_and_exits_0() {
    let c = FakeCluster::new("ozone", 3, 3, 3);
    let r = run(&c, &["-o", "json"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let all = findings(&r);
    assert!(all.iter().all(|f| f["verdict"] == "ok"), "{all:#?}");
    for check in [
        "pod-state",
        "pvc",
        "raft-scm",
        "raft-om",
        "safe-mode",
        "datanodes",
        "certificates",
        "network-policy",
    ] {
        assert!(all.iter().any(|f| f["check"] == check), "no {check}");
    }
    assert_eq!(
        finding(&r, "pod-state", "")["evidence"],
        "9 of 9 pods running and ready"
    );
}

#[tokio::test]
async fn image_pull_backoff_names_the_tag_and_the_known_versions() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    patch_pod(&c, "ozone-om-0", |p| {
        p["spec"]["containers"][0]["image"] = json!("apache/ozone:9.9.9");
        p["status"]["phase"] = json!("Pending");
        p["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False"}]);
        p["status"]["containerStatuses"][0]["ready"] = json!(false);
        p["status"]["containerStatuses"][0]["state"] = json!({"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"apache/ozone:9.9.9\""}});
    });
    let r = run(&c, &["-o", "json"]).await;
    assert_eq!(r.code(), 1);
    let f = finding(&r, "pod-state", "ozone-om-0");
    assert_eq!(verdict(&f), "error");
    let evidence = f["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("apache/ozone:9.9.9")
            && evidence.contains(
                "tag 9.9.9 is not a known Ozone version (known: 2.0.0, 2.1.0, 2.1.1, 2.2.0, 2.2.1)"
            ),
        "{evidence}"
    );
    assert!(fix(&f).contains("spec.version"), "{f}");
}

#[tokio::test]
async fn pending_pods_show_the_schedulers_reason_and_the_fix_for_it() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    patch_pod(&c, "ozone-datanode-2", |p| {
        p["spec"]["nodeName"] = Value::Null;
        p["status"] = json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules."}]});
    });
    let r = run(&c, &["-o", "json"]).await;
    assert_eq!(r.code(), 1);
    let f = finding(&r, "pod-state", "ozone-datanode-2");
    assert_eq!(verdict(&f), "error");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("didn't match pod anti-affinity rules"),
        "{f}"
    );
    assert!(fix(&f).contains("antiAffinity: preferred"), "{f}");
}

#[tokio::test]
async fn crash_loops_show_the_last_lines_of_the_previous_log() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    patch_pod(&c, "ozone-scm-0", |p| {
        p["status"]["conditions"] = json!([{"type": "Ready", "status": "False"}]);
        p["status"]["containerStatuses"][0]["restartCount"] = json!(7);
        p["status"]["containerStatuses"][0]["state"] =
            json!({"waiting": {"reason": "CrashLoopBackOff"}});
        p["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {"exitCode": 1}});
    });
    let log: String = (1..=30).map(|i| format!("line {i}\n")).collect::<String>()
        + "ERROR org.apache.hadoop.hdds.scm.server.StorageContainerManager: SCM not initialized\n";
    c.api
        .state
        .lock()
        .unwrap()
        .logs
        .insert("ozone-scm-0/scm/previous".into(), log);
    let r = run(&c, &["-o", "json", "--log-lines", "3"]).await;
    let f = finding(&r, "pod-state", "ozone-scm-0");
    assert_eq!(verdict(&f), "error");
    let evidence = f["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("crash-looping (7 restarts, last exit code 1)"),
        "{evidence}"
    );
    assert!(
        evidence.contains("SCM not initialized") && evidence.contains("line 30"),
        "{evidence}"
    );
    assert!(
        !evidence.contains("line 28"),
        "only the last 3 lines: {evidence}"
    );
    assert!(
        fix(&f).contains("kubectl logs ozone-scm-0 -c scm --previous"),
        "{f}"
    );
}

#[tokio::test]
async fn a_pending_pvc_shows_its_events() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    {
        let mut st = c.api.state.lock().unwrap();
        let pvc = st
            .pvcs
            .iter_mut()
            .find(|p| p.metadata.name.as_deref() == Some("data-ozone-om-0"))
            .unwrap();
        pvc.spec.as_mut().unwrap().storage_class_name = Some("fast".into());
        pvc.status.as_mut().unwrap().phase = Some("Pending".into());
        st.events.push(event(
            "PersistentVolumeClaim",
            "data-ozone-om-0",
            "ProvisioningFailed",
            "storageclass.storage.k8s.io \"fast\" not found",
        ));
    }
    let r = run(&c, &["-o", "json"]).await;
    assert_eq!(r.code(), 1);
    let f = finding(&r, "pvc", "data-ozone-om-0");
    assert_eq!(verdict(&f), "error");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("ProvisioningFailed: storageclass.storage.k8s.io \"fast\" not found"),
        "{f}"
    );
    assert!(fix(&f).contains("StorageClass fast does not exist"), "{f}");
}

#[tokio::test]
async fn raft_rings_without_a_leader_or_with_a_stray_member_are_named() {
    let c = FakeCluster::new("ozone", 3, 3, 3);
    c.ozone.state.lock().unwrap().om_leader = None;
    let r = run(&c, &["-o", "json"]).await;
    let om: Vec<Value> = findings(&r)
        .into_iter()
        .filter(|f| f["check"] == "raft-om")
        .collect();
    assert_eq!(om.len(), 1, "{om:#?}");
    assert_eq!(verdict(&om[0]), "error");
    assert!(
        om[0]["evidence"]
            .as_str()
            .unwrap()
            .contains("no LEADER among 3 members")
    );
    assert!(fix(&om[0]).contains("majority"));
    assert_eq!(verdict(&finding(&r, "raft-scm", "SCM")), "ok");
}

#[tokio::test]
async fn safe_mode_lists_the_unmet_rules_with_verbose() {
    let c = FakeCluster::new("ozone", 1, 1, 1);
    c.ozone.state.lock().unwrap().in_safe_mode = true;
    let r = run(&c, &["-o", "json", "--verbose"]).await;
    let f = finding(&r, "safe-mode", "SCM");
    assert_eq!(verdict(&f), "error");
    let evidence = f["evidence"].as_str().unwrap();
    assert!(evidence.contains("rules not met: DataNodeSafeModeRule (registered datanodes (=1) >= required datanodes (=3))"), "{evidence}");
    assert!(fix(&f).contains("hdds.scm.safemode.min.datanode"));
    let plain = run(&c, &["-o", "json"]).await;
    assert!(
        finding(&plain, "safe-mode", "SCM")["evidence"]
            .as_str()
            .unwrap()
            .contains("--verbose shows")
    );
}

#[tokio::test]
async fn dead_and_stale_datanodes_are_an_error_and_a_warning() {
    let c = FakeCluster::new("ozone", 1, 1, 4);
    {
        let mut oz = c.ozone.state.lock().unwrap();
        oz.datanodes[1].health = "DEAD".into();
        oz.datanodes[2].health = "STALE".into();
    }
    let r = run(&c, &["-o", "json", "--fail-on", "error"]).await;
    assert_eq!(r.code(), 1);
    let dead = finding(&r, "datanodes", "ozone-datanode-1");
    assert_eq!(verdict(&dead), "error");
    assert!(fix(&dead).contains("kubectl ozone datanode scale-down"));
    let stale = finding(&r, "datanodes", "ozone-datanode-2");
    assert_eq!(verdict(&stale), "warning");
    assert!(fix(&stale).contains("check pod ozone-datanode-2"));
}

#[tokio::test]
async fn pods_on_an_old_template_are_a_warning() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    {
        let mut st = c.api.state.lock().unwrap();
        for sts in st.statefulsets.iter_mut() {
            sts.status.as_mut().unwrap().update_revision =
                Some(format!("{}-v2", sts.metadata.name.clone().unwrap()));
        }
        for pod in st.pods.iter_mut() {
            let name = pod.metadata.name.clone().unwrap();
            let stem = name.rsplit_once('-').unwrap().0.to_owned();
            let rev = if name == "ozone-datanode-0" {
                format!("{stem}-v1")
            } else {
                format!("{stem}-v2")
            };
            pod.metadata
                .labels
                .as_mut()
                .unwrap()
                .insert("controller-revision-hash".into(), rev);
        }
    }
    let r = run(&c, &["-o", "json"]).await;
    let f = finding(&r, "rollout", "ozone-datanode");
    assert_eq!(verdict(&f), "warning");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .ends_with(": ozone-datanode-0"),
        "{f}"
    );
    // OnDelete StatefulSets never roll themselves, and `kubectl rollout status` refuses them:
    // the fix is the plugin's quorum-safe restart of the pods left behind.
    assert!(
        fix(&f).starts_with("kubectl ozone restart datanode restarts it"),
        "{f}"
    );
    assert!(fix(&f).contains("OnDelete"), "{f}");
    assert!(!fix(&f).contains("rollout status"), "{f}");
    assert_eq!(verdict(&finding(&r, "rollout", "ozone-om")), "ok");
}

fn rendered_policies() -> Vec<NetworkPolicy> {
    let cluster = ozone_generator::spec::resolve(&ozone_generator::spec::Inputs::with_sets(
        "medium",
        &["datanodes.replicas=3"],
    ))
    .unwrap();
    ozone_generator::objects::network::network_policies(&cluster)
}

#[tokio::test]
async fn rendered_network_policies_allow_every_catalog_path_and_a_bare_deny_blocks_them() {
    let c = FakeCluster::new("ozone", 3, 3, 3);
    c.api.state.lock().unwrap().network_policies = rendered_policies();
    let r = run(&c, &["-o", "json"]).await;
    let f = finding(&r, "network-policy", "");
    assert_eq!(verdict(&f), "ok", "{f}");

    let deny_only: Vec<NetworkPolicy> = rendered_policies()
        .into_iter()
        .filter(|p| {
            p.metadata.name.as_deref() == Some("ozone-default-deny")
                || !p
                    .metadata
                    .name
                    .as_deref()
                    .unwrap_or("")
                    .contains("-from-om")
        })
        .collect();
    let c = FakeCluster::new("ozone", 3, 3, 3);
    c.api.state.lock().unwrap().network_policies = deny_only;
    let r = run(&c, &["-o", "json"]).await;
    assert_eq!(r.code(), 1);
    let blocked: Vec<Value> = findings(&r)
        .into_iter()
        .filter(|f| f["check"] == "network-policy")
        .collect();
    assert!(!blocked.is_empty());
    assert!(blocked.iter().all(|f| f["verdict"] == "error" && f["subject"].as_str().unwrap().starts_with("om → ")), "{blocked:#?}");
    assert!(
        blocked.iter().any(|f| f["subject"] == "om → scm rpc-client"
            || f["subject"].as_str().unwrap().starts_with("om → scm")),
        "{blocked:#?}"
    );
    assert!(
        fix(&blocked[0]).contains("allow it in one of"),
        "{:?}",
        blocked[0]
    );
}

#[tokio::test]
async fn exec_forbidden_makes_ozone_checks_not_checked_never_ok() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    c.ozone.state.lock().unwrap().forbidden = true;
    let r = run(&c, &["-o", "json"]).await;
    assert_eq!(
        r.code(),
        1,
        "a check that could not run fails at the default --fail-on warning"
    );
    for check in ["raft-scm", "raft-om", "safe-mode", "datanodes"] {
        let f = finding(&r, check, "");
        assert_eq!(verdict(&f), "not-checked", "{f}");
        assert!(f["evidence"].as_str().unwrap().contains("pods/exec"), "{f}");
    }
    assert_eq!(
        run(&c, &["-o", "json", "--fail-on", "error"]).await.code(),
        0
    );
}

fn managed_tls(c: &FakeCluster) {
    let spec = ozone_generator::spec::resolve(&ozone_generator::spec::Inputs::with_sets(
        "small",
        &["security.tls.mode=managed", "datanodes.replicas=3"],
    ))
    .unwrap();
    let cm = ozone_generator::objects::tls::certificates_config_map(&spec)
        .unwrap()
        .unwrap();
    c.api.state.lock().unwrap().config_maps.push(cm);
}

#[tokio::test]
async fn missing_certificates_are_errors_with_the_command_that_issues_them() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    managed_tls(&c);
    let r = run(&c, &["-o", "json"]).await;
    let certs: Vec<Value> = findings(&r)
        .into_iter()
        .filter(|f| f["check"] == "certificates")
        .collect();
    assert!(certs.len() > 1, "{certs:#?}");
    assert!(
        certs
            .iter()
            .all(|f| f["verdict"] == "error" && fix(f).contains("kubectl ozone cert issue")),
        "{certs:#?}"
    );
}

#[test]
fn certificates_close_to_expiry_are_a_warning_and_valid_ones_ok() {
    use crate::cmd::cert::status::{CertStatus, StatusReport};
    let cert = |days: i64, problem: Option<&str>| CertStatus {
        component: "om".into(),
        secret_name: "ozone-om-tls".into(),
        certificate: None,
        days_left: Some(days),
        pods: Vec::new(),
        all_pods_current: Some(true),
        problem: problem.map(str::to_owned),
    };
    let report = |c: CertStatus| StatusReport {
        cluster: "ozone".into(),
        namespace: "ozone".into(),
        mode: "managed",
        warn_within_days: 30.0,
        certificates: vec![c],
        ozone_certificates: None,
        notes: Vec::new(),
    };
    let mut expiring = cert(5, Some("expires in 5 days"));
    expiring.certificate = Some(ozone_engine::pki::CertSummary {
        subject: "CN=om".into(),
        issuer: "CN=ca".into(),
        dns_names: Vec::new(),
        serial: "01".into(),
        not_before: "2026-01-01T00:00:00Z".parse().unwrap(),
        not_after: "2026-12-06T00:00:00Z".parse().unwrap(),
        fingerprint: "00".into(),
        is_ca: false,
    });
    let f = super::running::certificates(&Ok(report(expiring)));
    assert_eq!(f[0].verdict, Verdict::Warning, "{f:?}");
    assert_eq!(f[0].fix.as_deref(), Some("kubectl ozone cert rotate"));
    let mut expired = cert(-1, Some("expired 1 day ago"));
    expired.certificate = None;
    let f = super::running::certificates(&Ok(report(expired)));
    assert_eq!(f[0].verdict, Verdict::Error, "{f:?}");
    assert!(
        f[0].fix
            .as_deref()
            .unwrap()
            .starts_with("kubectl ozone cert")
    );
    let f = super::running::certificates(&Ok(report(cert(200, None))));
    assert_eq!(f[0].verdict, Verdict::Ok);
    assert!(f[0].evidence.contains("expires in 200 days"));
    let f = super::running::certificates(&Err("forbidden: secrets".into()));
    assert_eq!(f[0].verdict, Verdict::NotChecked);
}

#[tokio::test]
async fn the_text_report_puts_the_fix_under_each_problem() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    c.ozone.state.lock().unwrap().datanodes[0].health = "DEAD".into();
    let r = run(&c, &[]).await;
    assert_eq!(r.code(), 1);
    assert!(
        r.out
            .starts_with("Ozone cluster ozone in namespace ozone (running cluster)\n"),
        "{}",
        r.out
    );
    assert!(
        r.out
            .contains("error       datanodes       ozone-datanode-0: DEAD"),
        "{}",
        r.out
    );
    assert!(
        r.out.contains("fix: start pod ozone-datanode-0 again"),
        "{}",
        r.out
    );
}

// ---- before install -------------------------------------------------------------------------

fn node(name: &str, zone: Option<&str>) -> Node {
    let mut labels = json!({"kubernetes.io/hostname": name});
    if let Some(z) = zone {
        labels["topology.kubernetes.io/zone"] = json!(z);
    }
    serde_json::from_value(json!({"metadata": {"name": name, "labels": labels},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}}))
    .unwrap()
}

fn storage_class(name: &str, default: bool, expandable: bool) -> StorageClass {
    let mut sc = json!({"metadata": {"name": name}, "provisioner": "ebs.csi.aws.com", "allowVolumeExpansion": expandable});
    if default {
        sc["metadata"]["annotations"] =
            json!({"storageclass.kubernetes.io/is-default-class": "true"});
    }
    serde_json::from_value(sc).unwrap()
}

/// A cluster ready for the medium profile: five ready nodes in three zones, an expandable
/// default StorageClass, the Prometheus Operator's API, Kubernetes 1.33, and every permission.
fn ready_for_install() -> FakeCluster {
    let c = FakeCluster::new("other", 1, 1, 1);
    {
        let mut st = c.api.state.lock().unwrap();
        st.nodes = (0..5)
            .map(|i| node(&format!("n{i}"), Some(["a", "b", "c"][i % 3])))
            .collect();
        st.storage_classes = vec![storage_class("standard", true, true)];
        st.api_groups.insert(
            "monitoring.coreos.com/v1".into(),
            vec!["ServiceMonitor".into(), "PrometheusRule".into()],
        );
    }
    c
}

#[tokio::test]
async fn a_ready_cluster_passes_every_install_check() {
    let c = ready_for_install();
    let r = run(&c, &["--profile", "medium", "-o", "json"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let all = findings(&r);
    assert!(all.iter().all(|f| f["verdict"] == "ok"), "{all:#?}");
    for check in [
        "pod-security",
        "storage-class",
        "nodes",
        "crds",
        "kubernetes-version",
        "rbac",
    ] {
        assert!(all.iter().any(|f| f["check"] == check), "no {check}");
    }
    // Access reviews were asked, per verb and resource, and nothing else was written.
    assert!(
        c.api
            .writes()
            .iter()
            .any(|w| w.uri.contains("selfsubjectaccessreviews"))
    );
}

#[tokio::test]
async fn a_namespace_stricter_than_the_pods_is_refused_before_install() {
    let c = ready_for_install();
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "ozone",
        "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}))
    .unwrap();
    c.api.state.lock().unwrap().namespaces.push(ns);
    let ok = run(&c, &["--profile", "medium", "-o", "json"]).await;
    assert_eq!(verdict(&finding(&ok, "pod-security", "ozone")), "ok");
    // A patch that puts the datanodes on the host network needs the privileged level.
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("ozone-cluster.yaml");
    std::fs::write(
        &spec,
        "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nspec:\n  profile: medium\n  patches:\n  - target: {kind: StatefulSet, name: ozone-datanode}\n    patch:\n    - {op: add, path: /spec/template/spec/hostNetwork, value: true}\n",
    )
    .unwrap();
    let patched = run(&c, &["-f", spec.to_str().unwrap(), "-o", "json"]).await;
    let f = finding(&patched, "pod-security", "ozone");
    assert_eq!(verdict(&f), "error", "{}", patched.all());
    assert!(
        f["evidence"].as_str().unwrap().contains("host-network"),
        "{f}"
    );
    assert!(fix(&f).contains("spec.podSecurity"), "{f}");
}

#[tokio::test]
async fn a_missing_default_storage_class_and_one_that_cannot_grow() {
    let c = ready_for_install();
    c.api.state.lock().unwrap().storage_classes = vec![storage_class("slow", false, false)];
    let r = run(&c, &["--profile", "medium", "-o", "json"]).await;
    assert_eq!(r.code(), 1);
    let f = finding(&r, "storage-class", "(default)");
    assert_eq!(verdict(&f), "error");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("none is marked default; there are: slow"),
        "{f}"
    );
    assert!(fix(&f).contains("is-default-class"));

    c.api.state.lock().unwrap().storage_classes = vec![storage_class("slow", true, false)];
    let r = run(&c, &["--profile", "medium", "-o", "json"]).await;
    let f = finding(&r, "storage-class", "(default)");
    assert_eq!(verdict(&f), "warning");
    assert!(fix(&f).contains("allowVolumeExpansion: true"));
}

#[tokio::test]
async fn too_few_nodes_for_required_anti_affinity_and_too_few_zones() {
    let c = ready_for_install();
    c.api.state.lock().unwrap().nodes = vec![node("n0", Some("a")), node("n1", Some("a"))];
    let r = run(&c, &["--profile", "medium", "-o", "json"]).await;
    let f = finding(&r, "nodes", "om");
    assert_eq!(verdict(&f), "error");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("3 om pods must each get their own node, 2 of 2 nodes are schedulable"),
        "{f}"
    );
    assert!(fix(&f).contains("antiAffinity: preferred"));

    let r = run(
        &c,
        &[
            "--profile",
            "medium",
            "--set",
            "placement.spread=zone",
            "-o",
            "json",
        ],
    )
    .await;
    let f = finding(&r, "nodes", "zones");
    assert_eq!(verdict(&f), "warning", "{f}");
    assert!(fix(&f).contains("three zones"));
}

#[tokio::test]
async fn every_volume_needs_a_class_and_local_classes_should_wait_for_the_pod() {
    let c = ready_for_install();
    let mut local: StorageClass =
        serde_json::from_value(json!({"metadata": {"name": "local-nvme"},
        "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "Immediate"}))
        .unwrap();
    c.api
        .state
        .lock()
        .unwrap()
        .storage_classes
        .push(local.clone());
    let sets = [
        "--profile",
        "medium",
        "--set",
        "datanodes.storage.data[0].size=1Ti",
        "--set",
        "datanodes.storage.data[1].storageClass=local-hdd",
        "--set",
        "datanodes.storage.ratis.size=100Gi",
        "--set",
        "datanodes.storage.ratis.storageClass=local-nvme",
        "-o",
        "json",
    ];
    let r = run(&c, &sets).await;
    let hdd = finding(&r, "storage-class", "local-hdd");
    assert_eq!(verdict(&hdd), "error", "{hdd}");
    assert!(
        hdd["evidence"]
            .as_str()
            .unwrap()
            .contains("StorageClass local-hdd (for datanode) does not exist"),
        "{hdd}"
    );
    let nvme = finding(&r, "storage-class", "local-nvme");
    assert_eq!(verdict(&nvme), "warning", "{nvme}");
    assert!(fix(&nvme).contains("WaitForFirstConsumer"), "{nvme}");
    local.volume_binding_mode = Some("WaitForFirstConsumer".into());
    local.allow_volume_expansion = Some(true);
    c.api.state.lock().unwrap().storage_classes = vec![
        storage_class("standard", true, true),
        storage_class("local-hdd", false, true),
        local,
    ];
    let r = run(&c, &sets).await;
    assert_eq!(verdict(&finding(&r, "storage-class", "local-nvme")), "ok");
    assert_eq!(verdict(&finding(&r, "storage-class", "local-hdd")), "ok");
}

#[tokio::test]
async fn each_component_needs_nodes_its_placement_matches() {
    let c = ready_for_install();
    let sets = [
        "--profile",
        "medium",
        "--set",
        "datanodes.placement.nodeSelector.storage=ozone",
        "-o",
        "json",
    ];
    let r = run(&c, &sets).await;
    let f = finding(&r, "nodes", "datanode");
    assert_eq!(verdict(&f), "error", "{f}");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("(spec.datanodes.placement)"),
        "{f}"
    );
    // Five nodes labelled for datanodes: enough for five datanodes; OM and SCM still fit.
    for n in c.api.state.lock().unwrap().nodes.iter_mut() {
        n.metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert("storage".into(), "ozone".into());
    }
    let r = run(&c, &sets).await;
    let all = findings(&r);
    assert!(
        all.iter()
            .filter(|f| f["check"] == "nodes")
            .all(|f| f["verdict"] == "ok"),
        "{all:#?}"
    );
}

#[tokio::test]
async fn missing_prometheus_operator_crds_are_named_with_the_way_out() {
    let c = ready_for_install();
    c.api.state.lock().unwrap().api_groups.clear();
    let r = run(&c, &["--profile", "medium", "-o", "json"]).await;
    let f = finding(&r, "crds", "monitoring.coreos.com/v1");
    assert_eq!(verdict(&f), "error");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("PrometheusRule, ServiceMonitor"),
        "{f}"
    );
    assert!(fix(&f).contains("Prometheus Operator CRDs"));
}

#[tokio::test]
async fn an_old_kubernetes_is_an_error() {
    let c = ready_for_install();
    c.api.state.lock().unwrap().server_version = Some(("1".into(), "27".into()));
    let r = run(&c, &["--profile", "medium", "-o", "json"]).await;
    let f = finding(&r, "kubernetes-version", "");
    assert_eq!(verdict(&f), "error");
    assert!(fix(&f).contains("1.29"));
}

#[tokio::test]
async fn rbac_names_what_apply_would_be_forbidden_to_do() {
    let c = ready_for_install();
    c.api.state.lock().unwrap().denied = vec![
        "create apps/statefulsets".into(),
        "patch rbac.authorization.k8s.io/roles".into(),
    ];
    let r = run(&c, &["--profile", "medium", "-o", "json"]).await;
    let f = finding(&r, "rbac", "");
    assert_eq!(verdict(&f), "error");
    let evidence = f["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("create statefulsets.apps in ozone")
            && evidence.contains("patch roles.rbac.authorization.k8s.io in ozone"),
        "{evidence}"
    );
    assert!(fix(&f).contains("cluster admin"));
}

#[tokio::test]
async fn without_cluster_wide_reads_the_install_checks_say_so() {
    let c = ready_for_install();
    c.api.state.lock().unwrap().forbid_cluster_reads = true;
    let r = run(&c, &["--profile", "medium", "-o", "json"]).await;
    assert_eq!(r.code(), 1);
    for (check, subject) in [
        ("pod-security", "ozone"),
        ("storage-class", ""),
        ("nodes", ""),
    ] {
        let f = finding(&r, check, subject);
        assert_eq!(verdict(&f), "not-checked", "{f}");
        assert!(fix(&f).contains("cluster-scoped"), "{f}");
    }
}

#[tokio::test]
async fn a_bad_spec_is_exit_2_and_touches_no_cluster() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let r = run(
        &c,
        &["--profile", "medium", "--set", "datanodes.replicas=many"],
    )
    .await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(r.error().contains("datanodes.replicas"), "{}", r.error());
    assert!(c.api.requests().is_empty());
}

#[tokio::test]
async fn the_readme_example_is_what_doctor_prints() {
    let c = FakeCluster::new("ozone", 3, 3, 5);
    patch_pod(&c, "ozone-datanode-4", |p| {
        p["spec"]["nodeName"] = Value::Null;
        p["status"] = json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": "0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod."}]});
    });
    {
        let mut oz = c.ozone.state.lock().unwrap();
        oz.datanodes.truncate(4);
        oz.datanodes[3].health = "STALE".into();
    }
    let r = run(&c, &[]).await;
    assert_eq!(r.code(), 1);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let shown = format!("$ kubectl ozone doctor\n{}", r.out);
    assert!(
        readme.contains(&shown),
        "README.md's doctor example is out of date; replace it with:\n{shown}"
    );
}

#[tokio::test]
async fn no_running_cluster_points_to_the_install_check() {
    let c = FakeCluster::new("ozone", 1, 1, 1);
    c.api.state.lock().unwrap().statefulsets.clear();
    let r = run(&c, &[]).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(
        r.error()
            .contains("kubectl ozone doctor -f ozone-cluster.yaml"),
        "{}",
        r.error()
    );
    assert!(
        r.error().contains("no Ozone cluster in namespace ozone"),
        "{}",
        r.error()
    );
}
