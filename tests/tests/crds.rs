//! Rendered custom resources (Prometheus Operator, cert-manager) against the real CRDs
//! (`shared/fixtures/crds/`, beside the repository), and each ServiceMonitor against the
//! Services it must select.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::spec::{Inputs, resolve};
use ozone_generator::{objects, yaml};
use serde_json::Value;
use std::path::PathBuf;

fn crd_schema(file: &str) -> Value {
    // `shared/` sits beside the repository or beside the worktrees holding it.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/fixtures/crds"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("../../shared/fixtures/crds"))
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (shared/ must sit beside the repository)",
            path.display()
        )
    });
    let crd: Value = yaml::from_str_with_path(&text).unwrap();
    let version = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "v1")
        .unwrap();
    let mut schema = version["schema"]["openAPIV3Schema"].clone();
    forbid_unknown_fields(&mut schema);
    schema
}

/// The API server rejects unknown fields under strict field validation; JSON Schema allows
/// them unless told otherwise.
fn forbid_unknown_fields(schema: &mut Value) {
    if let Value::Object(map) = schema {
        let preserves = map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        if map.contains_key("properties") && !map.contains_key("additionalProperties") && !preserves
        {
            map.insert("additionalProperties".into(), Value::Bool(false));
        }
        for v in map.values_mut() {
            forbid_unknown_fields(v);
        }
    } else if let Value::Array(items) = schema {
        items.iter_mut().for_each(forbid_unknown_fields);
    }
}

fn rendered(profile: &str, sets: &[&str]) -> Vec<Value> {
    let cluster = resolve(&Inputs::with_sets(profile, sets)).unwrap();
    objects::render(&cluster)
        .unwrap()
        .objects()
        .iter()
        .map(|o| o.value.clone())
        .collect()
}

const CASES: [(&str, &[&str]); 5] = [
    (
        "medium",
        &[
            "security.tls.mode=cert-manager",
            "security.tls.extraDnsNames.s3g[0]=s3.example.com",
        ],
    ),
    (
        "large",
        &[
            "security.tls.mode=cert-manager",
            "security.tls.issuer.kind=ClusterIssuer",
            "security.tls.issuer.name=corp",
        ],
    ),
    ("medium", &[]),
    (
        "large",
        &[
            "httpfs.enabled=true",
            "monitoring.labels.release=kube-prometheus-stack",
        ],
    ),
    (
        "small",
        &[
            "monitoring.serviceMonitors=true",
            "monitoring.prometheusRules=true",
            "recon.enabled=false",
        ],
    ),
];

#[test]
fn service_monitors_and_rules_match_the_crds() {
    let monitor_schema =
        jsonschema::validator_for(&crd_schema("monitoring.coreos.com_servicemonitors.yaml"))
            .unwrap();
    let rule_schema =
        jsonschema::validator_for(&crd_schema("monitoring.coreos.com_prometheusrules.yaml"))
            .unwrap();
    let certificate_schema =
        jsonschema::validator_for(&crd_schema("cert-manager.io_certificates.yaml")).unwrap();
    let issuer_schema =
        jsonschema::validator_for(&crd_schema("cert-manager.io_issuers.yaml")).unwrap();
    let mut checked = 0;
    for (profile, sets) in CASES {
        for o in rendered(profile, sets) {
            let validator = match o["kind"].as_str() {
                Some("ServiceMonitor") => &monitor_schema,
                Some("PrometheusRule") => &rule_schema,
                Some("Certificate") => &certificate_schema,
                Some("Issuer") => &issuer_schema,
                _ => continue,
            };
            let errors: Vec<String> = validator
                .iter_errors(&o)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{} {}: {errors:?}",
                o["kind"],
                o["metadata"]["name"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} objects checked");
}

#[test]
fn the_crd_check_catches_a_bad_field() {
    let validator =
        jsonschema::validator_for(&crd_schema("monitoring.coreos.com_servicemonitors.yaml"))
            .unwrap();
    let mut monitor = rendered("medium", &[])
        .into_iter()
        .find(|o| o["kind"] == "ServiceMonitor")
        .unwrap();
    monitor["spec"]["endpoints"][0]["scrapeEvery"] = Value::from("30s");
    assert!(!validator.is_valid(&monitor));
    monitor["spec"]["endpoints"][0]
        .as_object_mut()
        .unwrap()
        .remove("scrapeEvery");
    monitor["spec"]["endpoints"][0]["port"] = Value::from(9876);
    assert!(!validator.is_valid(&monitor));
}

#[test]
fn each_service_monitor_selects_exactly_one_service_with_its_port() {
    for (profile, sets) in CASES {
        let objects = rendered(profile, sets);
        let services: Vec<&Value> = objects.iter().filter(|o| o["kind"] == "Service").collect();
        for m in objects.iter().filter(|o| o["kind"] == "ServiceMonitor") {
            let selector = m["spec"]["selector"]["matchLabels"].as_object().unwrap();
            let selected: Vec<&&Value> = services
                .iter()
                .filter(|s| {
                    selector
                        .iter()
                        .all(|(k, v)| s["metadata"]["labels"].get(k) == Some(v))
                })
                .collect();
            assert_eq!(
                selected.len(),
                1,
                "{profile}: {} selects {} Services",
                m["metadata"]["name"],
                selected.len()
            );
            let port = &m["spec"]["endpoints"][0]["port"];
            assert!(
                selected[0]["spec"]["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| &p["name"] == port),
                "{profile}: {} names port {port} that {} lacks",
                m["metadata"]["name"],
                selected[0]["metadata"]["name"]
            );
            assert_eq!(m["spec"]["endpoints"][0]["path"], "/prom");
        }
    }
}

#[test]
fn extra_labels_reach_monitoring_objects() {
    let objects = rendered(
        "large",
        &["monitoring.labels.release=kube-prometheus-stack"],
    );
    for o in objects.iter().filter(|o| {
        matches!(
            o["kind"].as_str(),
            Some("ServiceMonitor" | "PrometheusRule")
        )
    }) {
        assert_eq!(
            o["metadata"]["labels"]["release"], "kube-prometheus-stack",
            "{}",
            o["metadata"]["name"]
        );
    }
}
