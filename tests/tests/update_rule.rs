//! Every render must be accepted by the API server as an update of any earlier render of the
//! same cluster. The rules the API server applies to updates are encoded below with their
//! source; a property test renders pairs of specs that differ in everything a user changes
//! over a cluster's life and asserts that no object moves a field the API server refuses to
//! change.
//!
//! The one exception is a StatefulSet's volume size: the API server refuses it too, and
//! `kubectl ozone apply` carries it out (PVCs expanded, the StatefulSet re-created with
//! orphaned pods). A change of StorageClass is not generated: apply refuses it. Nor are new data
//! or `ratis` volumes (`storage.data`, `storage.ratis`): they add claim templates, which apply
//! carries out by re-creating the StatefulSet (kubectl-ozone `ops/disks.rs`); a spec that uses
//! neither never moves a claim template (the renders here prove it).

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::objects;
use ozone_generator::spec::{Inputs, resolve};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// The fields of a StatefulSet's spec an update may change. Source: kubernetes
/// `pkg/apis/apps/validation/validation.go`, `ValidateStatefulSetUpdate`: "updates to
/// statefulset spec for fields other than 'replicas', 'ordinals', 'template',
/// 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and
/// 'minReadySeconds' are forbidden".
const STATEFULSET_MUTABLE: &[&str] = &[
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
];

/// Immutable paths of other kinds, each with its source in kubernetes `pkg/apis/*/validation`:
/// - Deployment `spec.selector` (apps/v1: `ValidateDeploymentUpdate`, "field is immutable");
/// - Job `spec.selector` and `spec.template` (`ValidateJobUpdate`);
/// - RoleBinding `roleRef` (`ValidateRoleBindingUpdate`: "cannot change roleRef");
/// - Service `spec.clusterIP` once set (`ValidateServiceUpdate`);
/// - PersistentVolume `spec.csi` and the other volume sources (`ValidatePersistentVolumeUpdate`);
/// - PersistentVolumeClaim `spec` other than `resources.requests` (`ValidatePersistentVolumeClaimUpdate`).
fn immutable_paths(kind: &str) -> &'static [&'static [&'static str]] {
    match kind {
        "Deployment" => &[&["spec", "selector"]],
        "Job" => &[&["spec", "selector"], &["spec", "template"]],
        "RoleBinding" => &[&["roleRef"]],
        "Service" => &[&["spec", "clusterIP"]],
        "PersistentVolume" => &[&["spec", "csi"], &["spec", "hostPath"], &["spec", "nfs"]],
        _ => &[],
    }
}

fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, k| &v[*k])
}

/// What the API server would refuse if `new` replaced `old` (same kind, namespace and name).
fn refused_changes(old: &Value, new: &Value) -> Vec<String> {
    let kind = old["kind"].as_str().unwrap_or_default();
    let mut refused = Vec::new();
    match kind {
        "StatefulSet" => {
            let frozen = |o: &Value| {
                let mut spec = o["spec"].clone();
                let map = spec.as_object_mut().unwrap();
                for field in STATEFULSET_MUTABLE {
                    map.remove(*field);
                }
                // The volume size: apply's storage transition (see the module header).
                if let Some(templates) = map
                    .get_mut("volumeClaimTemplates")
                    .and_then(Value::as_array_mut)
                {
                    for t in templates {
                        t["spec"]["resources"]["requests"]
                            .as_object_mut()
                            .unwrap()
                            .remove("storage");
                    }
                }
                spec
            };
            let (a, b) = (frozen(old), frozen(new));
            if a != b {
                refused.push(format!(
                    "StatefulSet spec outside the mutable fields: {a} -> {b}"
                ));
            }
        }
        "PersistentVolumeClaim" => {
            let frozen = |o: &Value| {
                let mut spec = o["spec"].clone();
                spec.as_object_mut().unwrap().remove("resources");
                spec
            };
            if frozen(old) != frozen(new) {
                refused.push("PersistentVolumeClaim spec".to_owned());
            }
        }
        _ => {}
    }
    if matches!(kind, "ConfigMap" | "Secret") && old["immutable"] == Value::Bool(true) {
        for field in ["data", "binaryData", "stringData"] {
            if old[field] != new[field] {
                refused.push(format!("{field} of an immutable {kind}"));
            }
        }
    }
    for path in immutable_paths(kind) {
        if at(old, path) != at(new, path) {
            refused.push(path.join("."));
        }
    }
    refused
}

/// Everything a user changes over a cluster's life, except its identity (name, namespace,
/// profile) and the StorageClass of its volumes.
#[derive(Clone, Debug)]
struct Change {
    version: &'static str,
    om: i32,
    scm: i32,
    datanodes: i32,
    datanode_cpu: &'static str,
    om_memory: &'static str,
    handler_count: u32,
    tls: &'static str,
    monitoring: bool,
    network_policies: bool,
    datanode_size: &'static str,
    om_size: &'static str,
    spread: &'static str,
    s3g: bool,
    recon: bool,
    httpfs: bool,
    dedicated: bool,
}

fn change() -> impl Strategy<Value = Change> {
    (
        (
            prop::sample::select(vec!["2.0.0", "2.1.0", "2.2.0"]),
            prop::sample::select(vec![1, 3, 5]),
            prop::sample::select(vec![1, 3, 5]),
            3..12i32,
            prop::sample::select(vec!["500m", "2", "4"]),
            prop::sample::select(vec!["2Gi", "8Gi", "16Gi"]),
            10..200u32,
            prop::sample::select(vec!["none", "cert-manager", "managed"]),
        ),
        (
            any::<bool>(),
            any::<bool>(),
            prop::sample::select(vec!["20Gi", "100Gi", "1Ti"]),
            prop::sample::select(vec!["10Gi", "50Gi"]),
            prop::sample::select(vec!["host", "zone"]),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        any::<bool>(),
    )
        .prop_map(
            |(
                (version, om, scm, datanodes, datanode_cpu, om_memory, handler_count, tls),
                (monitoring, network_policies, datanode_size, om_size, spread, s3g, recon, httpfs),
                dedicated,
            )| Change {
                version,
                om,
                scm,
                datanodes,
                datanode_cpu,
                om_memory,
                handler_count,
                tls,
                monitoring,
                network_policies,
                datanode_size,
                om_size,
                spread,
                s3g,
                recon,
                httpfs,
                dedicated,
            },
        )
}

fn render(profile: &str, c: &Change) -> BTreeMap<(String, String, String), Value> {
    let sets = [
        "metadata.name=ozone".to_owned(),
        "metadata.namespace=storage".to_owned(),
        format!("version={}", c.version),
        format!("om.replicas={}", c.om),
        format!("scm.replicas={}", c.scm),
        format!("datanodes.replicas={}", c.datanodes),
        format!("datanodes.resources.requests.cpu={}", c.datanode_cpu),
        format!("datanodes.resources.limits.cpu={}", c.datanode_cpu),
        format!("om.resources.requests.memory={}", c.om_memory),
        format!("om.resources.limits.memory={}", c.om_memory),
        format!(
            "config.ozone-site\\.xml.ozone\\.om\\.handler\\.count={}",
            c.handler_count
        ),
        format!("security.tls.mode={}", c.tls),
        format!("monitoring.serviceMonitors={}", c.monitoring),
        format!("monitoring.prometheusRules={}", c.monitoring),
        format!("monitoring.dashboards={}", c.monitoring),
        format!("security.networkPolicies={}", c.network_policies),
        format!("datanodes.storage.size={}", c.datanode_size),
        format!("om.storage.size={}", c.om_size),
        format!("placement.spread={}", c.spread),
        format!("s3g.enabled={}", c.s3g),
        format!("recon.enabled={}", c.recon),
        format!("httpfs.enabled={}", c.httpfs),
    ];
    let mut sets = sets.to_vec();
    if c.dedicated {
        // Placement per component: datanodes on dedicated nodes, OM over zones.
        sets.extend([
            "datanodes.placement.nodeSelector.storage=ozone".to_owned(),
            "datanodes.placement.tolerations[0].key=storage".to_owned(),
            "datanodes.placement.tolerations[0].value=ozone".to_owned(),
            "datanodes.placement.priorityClassName=ozone-data".to_owned(),
            "om.placement.topologySpread=zone".to_owned(),
            "om.placement.podLabels.team=storage".to_owned(),
        ]);
    }
    let cluster = resolve(&Inputs::with_sets(profile, &sets)).expect("generated specs are valid");
    let manifest = objects::render(&cluster).expect("renders");
    manifest
        .objects()
        .iter()
        .map(|o| {
            let v = o.value.clone();
            let key = (
                v["kind"].as_str().unwrap().to_owned(),
                v["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                v["metadata"]["name"].as_str().unwrap().to_owned(),
            );
            (key, v)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_render_is_a_valid_update_of_any_earlier_render(
        profile in prop::sample::select(vec!["small", "medium", "large"]),
        before in change(),
        after in change(),
    ) {
        let old = render(profile, &before);
        let new = render(profile, &after);
        let mut common = 0;
        for (key, o) in &old {
            if let Some(n) = new.get(key) {
                common += 1;
                let refused = refused_changes(o, n);
                prop_assert!(refused.is_empty(), "{key:?}: {refused:?}");
            }
        }
        // Every cluster has StatefulSets in both renders: the comparison is never empty.
        prop_assert!(common > 0);
    }
}

#[test]
fn the_rule_refuses_what_the_api_server_refuses() {
    let base = Change {
        version: "2.2.0",
        om: 3,
        scm: 3,
        datanodes: 5,
        datanode_cpu: "2",
        om_memory: "8Gi",
        handler_count: 20,
        tls: "none",
        monitoring: false,
        network_policies: true,
        datanode_size: "100Gi",
        om_size: "50Gi",
        spread: "host",
        s3g: true,
        recon: true,
        httpfs: false,
        dedicated: false,
    };
    let old = render("medium", &base);
    let key = (
        "StatefulSet".to_owned(),
        "storage".to_owned(),
        "ozone-om".to_owned(),
    );
    let om = &old[&key];

    // A label moved in volumeClaimTemplates (the bug this test guards against).
    let mut moved = om.clone();
    moved["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"]["app.kubernetes.io/version"] =
        Value::from("9.9.9");
    assert_eq!(refused_changes(om, &moved).len(), 1);

    // A new serviceName or podManagementPolicy is refused; replicas and template are not.
    let mut renamed = om.clone();
    renamed["spec"]["serviceName"] = Value::from("other");
    assert_eq!(refused_changes(om, &renamed).len(), 1);
    let mut scaled = om.clone();
    scaled["spec"]["replicas"] = Value::from(5);
    scaled["spec"]["template"]["metadata"]["labels"]["x"] = Value::from("y");
    assert!(refused_changes(om, &scaled).is_empty());

    // A volume size is left to apply; a StorageClass is not.
    let mut grown = om.clone();
    grown["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
        Value::from("1Ti");
    assert!(refused_changes(om, &grown).is_empty());
    let mut reclassed = om.clone();
    reclassed["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] = Value::from("other");
    assert_eq!(refused_changes(om, &reclassed).len(), 1);
}
