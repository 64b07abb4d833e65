//! Golden files: `manifests/operator/` (the CRD among them) must equal a fresh
//! `kubectl ozone operator manifests` with the default options, byte for byte, and every file
//! must parse back into its typed object without losing a field.
//!
//! Regenerate after an intended change with:
//! `UPDATE_MANIFESTS=1 cargo test -p ozone-generator --test operator_manifests`

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::objects::operator::{self, HEADER, OperatorOptions};
use ozone_generator::output::{KUSTOMIZATION_FILE, OutputFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifests/operator")
}

fn fresh() -> Vec<OutputFile> {
    operator::manifests(&OperatorOptions::default())
        .unwrap()
        .to_files(HEADER)
        .unwrap()
}

#[test]
fn committed_operator_manifests_equal_a_fresh_render() {
    let dir = dir();
    let files = fresh();
    if std::env::var_os("UPDATE_MANIFESTS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for f in &files {
            std::fs::write(dir.join(&f.name), &f.contents).unwrap();
        }
        return;
    }
    let expected: BTreeMap<String, String> =
        files.into_iter().map(|f| (f.name, f.contents)).collect();
    let mut actual = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        actual.insert(name, std::fs::read_to_string(&path).unwrap());
    }
    let stale: Vec<&String> = expected
        .keys()
        .chain(actual.keys())
        .filter(|n| expected.get(*n) != actual.get(*n))
        .collect();
    assert!(
        stale.is_empty(),
        "manifests/operator/ is out of date ({stale:?}); regenerate with `UPDATE_MANIFESTS=1 cargo test -p ozone-generator --test operator_manifests`"
    );
}

#[test]
fn every_file_parses_back_into_its_typed_object() {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
    use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::Value;
    fn round_trip<T: DeserializeOwned + Serialize>(v: &Value) {
        let typed: T = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(&serde_json::to_value(&typed).unwrap(), v);
    }
    for f in fresh() {
        if f.name == KUSTOMIZATION_FILE {
            continue;
        }
        let v: Value = serde_yaml::from_str(&f.contents).unwrap();
        match v["kind"].as_str().unwrap() {
            "CustomResourceDefinition" => round_trip::<CustomResourceDefinition>(&v),
            "Namespace" => round_trip::<Namespace>(&v),
            "ServiceAccount" => round_trip::<ServiceAccount>(&v),
            "ClusterRole" => round_trip::<ClusterRole>(&v),
            "ClusterRoleBinding" => round_trip::<ClusterRoleBinding>(&v),
            "Role" => round_trip::<Role>(&v),
            "RoleBinding" => round_trip::<RoleBinding>(&v),
            "Deployment" => round_trip::<Deployment>(&v),
            other => panic!("unexpected kind {other}"),
        }
    }
}

/// The project's own linter finds nothing in the install manifests (every default check; the
/// deliberate `bind`/`escalate` carry a suppression with its reason), cluster-wide or not.
#[test]
fn the_manifests_lint_clean() {
    use ozone_generator::lint::{self, Options};
    for watch in [vec![], vec!["team-a".to_owned(), "team-b".to_owned()]] {
        let options = OperatorOptions {
            watch_namespaces: watch,
            ..OperatorOptions::default()
        };
        let yaml = operator::manifests(&options).unwrap().to_yaml().unwrap();
        let report = lint::lint_text(
            "operator.yaml",
            &yaml,
            Options::default(),
            Default::default(),
        )
        .unwrap();
        assert!(report.findings.is_empty(), "{}", report.to_text(false));
    }
}
