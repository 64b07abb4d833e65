//! The CRD: the committed file matches the generator, the schema is structural, and the CEL
//! rules — evaluated by kube-cel as the API server would — accept good documents, reject bad
//! ones at the right field path, and agree with render's and lint's checks.

use super::*;
use crate::lint::cluster_spec;
use crate::profile::Profile;
use crate::spec::doc::Replication;
use rules::{CLASS_CHANGE_MESSAGE, SIZE_SHRINK_MESSAGE};
use serde_json::json;

/// The schema as JSON, as kube-cel reads it.
fn schema() -> Value {
    serde_json::to_value(open_api_v3_schema().unwrap()).unwrap()
}

/// A custom resource with this `spec`.
fn resource(spec: Value) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": "ozone", "namespace": "ozone"},
        "spec": spec,
    })
}

/// `(field path, message)` of every rule the object breaks (with `old`: on an update).
fn violations(object: &Value, old: Option<&Value>) -> Vec<(String, String)> {
    // Compiled once: the schema is large and every test validates many objects.
    static COMPILED: std::sync::OnceLock<kube_cel::CompiledSchema> = std::sync::OnceLock::new();
    let compiled = COMPILED.get_or_init(|| kube_cel::compile_schema(&schema()));
    match kube_cel::Validator::new().validate_compiled(compiled, object, old) {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .into_vec()
            .into_iter()
            .map(|e| (e.field_path, e.message))
            .collect(),
    }
}

fn profile_resource(profile: Profile) -> Value {
    let mut value: Value = serde_yaml::from_str(profile.source()).unwrap();
    value["metadata"] = json!({"name": "ozone", "namespace": "ozone"});
    value
}

#[test]
fn the_committed_crd_is_current() {
    // The committed copy is the CRD file of the operator manifests; the golden test of those
    // (tests/operator_manifests.rs) rewrites it with UPDATE_MANIFESTS=1.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../manifests/operator")
        .join(FILE_NAME);
    let committed = std::fs::read_to_string(&path).unwrap();
    let body: String = committed
        .split_inclusive('\n')
        .skip_while(|line| line.starts_with('#'))
        .collect();
    assert!(
        body == to_yaml().unwrap(),
        "{} is out of date; regenerate with `UPDATE_MANIFESTS=1 cargo test -p ozone-generator --test operator_manifests`",
        path.display()
    );
}

#[test]
fn the_schema_is_structural_and_every_rule_compiles() {
    let schema = schema();
    assert!(!schema.to_string().contains("$ref"));
    assert!(!schema.to_string().contains("\"nullable\""));
    let compiled = kube_cel::compile_schema(&schema);
    let mut rules = 0;
    let mut stack = vec![&compiled];
    while let Some(node) = stack.pop() {
        for result in &node.validations {
            assert!(result.is_ok(), "{result:?}");
            rules += 1;
        }
        stack.extend(node.properties.values());
        stack.extend(node.items.as_deref());
        stack.extend(node.additional_properties.as_deref());
    }
    assert_eq!(rules, rules::all().len());
}

#[test]
fn every_profile_is_a_valid_resource() {
    for profile in Profile::ALL {
        let object = profile_resource(profile);
        assert_eq!(violations(&object, None), [], "{}", profile.name());
        // An unchanged update passes the transition rules too.
        assert_eq!(violations(&object, Some(&object)), [], "{}", profile.name());
    }
}

#[test]
fn raft_rings_are_odd_and_at_most_nine() {
    for (replicas, expected) in [
        (1, None),
        (3, None),
        (9, None),
        (2, Some(RAFT_EVEN)),
        (4, Some(RAFT_EVEN)),
        (11, Some(TOO_LARGE)),
        (10, Some(TOO_LARGE)),
    ] {
        for component in rules::RAFT_COMPONENTS {
            let object = resource(json!({ component: {"replicas": replicas} }));
            let expected: Vec<(String, String)> = expected
                .map(|m| (format!("spec.{component}.replicas"), m()))
                .into_iter()
                .collect();
            assert_eq!(
                violations(&object, None),
                expected,
                "{component}: {replicas}"
            );
        }
    }
}

fn raft_even() -> String {
    rules::RAFT_EVEN_MESSAGE.to_owned()
}
const RAFT_EVEN: fn() -> String = raft_even;
const TOO_LARGE: fn() -> String = rules::raft_too_large_message;

#[test]
fn datanodes_cover_the_replication() {
    let three = rules::datanodes_too_few_message(Replication::Three);
    for (spec, expected) in [
        (json!({"datanodes": {"replicas": 3}}), None),
        (json!({"datanodes": {"replicas": 2}}), Some(&three)),
        (
            json!({"replication": "THREE", "datanodes": {"replicas": 1}}),
            Some(&three),
        ),
        (
            json!({"replication": "ONE", "datanodes": {"replicas": 1}}),
            None,
        ),
        (json!({"replication": "ONE"}), None),
        (json!({"datanodes": {}}), None),
    ] {
        let expected: Vec<(String, String)> = expected
            .map(|m| ("spec.datanodes.replicas".to_owned(), m.clone()))
            .into_iter()
            .collect();
        assert_eq!(
            violations(&resource(spec.clone()), None),
            expected,
            "{spec}"
        );
    }
}

#[test]
fn sizes_are_quantities() {
    let object = resource(json!({"om": {"storage": {"size": "lots"}}}));
    assert_eq!(
        violations(&object, None),
        [(
            "spec.om.storage.size".to_owned(),
            rules::QUANTITY_MESSAGE.to_owned()
        )]
    );
    let object =
        resource(json!({"datanodes": {"storage": {"data": [{"size": "1Ti"}, {"size": "x"}]}}}));
    assert_eq!(violations(&object, None).len(), 1);
}

#[test]
fn storage_never_shrinks_and_its_class_never_changes() {
    let before = resource(json!({
        "datanodes": {"replicas": 3, "storage": {
            "size": "100Gi", "storageClass": "fast",
            "ratis": {"size": "10Gi", "storageClass": "nvme"},
            "data": [{"size": "1Ti", "storageClass": "hdd"}, {"size": "2Ti"}],
        }},
        "om": {"storage": {"size": "20Gi"}},
    }));
    let update = |patch: &dyn Fn(&mut Value)| {
        let mut after = before.clone();
        patch(&mut after);
        violations(&after, Some(&before))
    };
    // Growing, adding a volume, and setting a class where none was are allowed.
    assert_eq!(
        update(&|v| {
            v["spec"]["datanodes"]["storage"]["size"] = json!("200Gi");
            v["spec"]["datanodes"]["storage"]["data"][1]["size"] = json!("4Ti");
            v["spec"]["datanodes"]["storage"]["data"][1]["storageClass"] = json!("hdd");
            v["spec"]["datanodes"]["storage"]["data"]
                .as_array_mut()
                .unwrap()
                .push(json!({"size": "1Gi"}));
            v["spec"]["om"]["storage"]["size"] = json!("21474836480");
            v["spec"]["om"]["storage"]["storageClass"] = json!("fast");
        }),
        []
    );
    let shrink = |path: &str| ("spec.".to_owned() + path, SIZE_SHRINK_MESSAGE.to_owned());
    let class = |path: &str| ("spec.".to_owned() + path, CLASS_CHANGE_MESSAGE.to_owned());
    assert_eq!(
        update(&|v| v["spec"]["datanodes"]["storage"]["size"] = json!("99Gi")),
        [shrink("datanodes.storage.size")]
    );
    assert_eq!(
        update(&|v| v["spec"]["om"]["storage"]["size"] = json!("19Gi")),
        [shrink("om.storage.size")]
    );
    assert_eq!(
        update(&|v| v["spec"]["datanodes"]["storage"]["ratis"]["size"] = json!("1Gi")),
        [shrink("datanodes.storage.ratis.size")]
    );
    assert_eq!(
        update(&|v| v["spec"]["datanodes"]["storage"]["storageClass"] = json!("slow")),
        [class("datanodes.storage.storageClass")]
    );
    assert_eq!(
        update(&|v| {
            v["spec"]["datanodes"]["storage"]
                .as_object_mut()
                .unwrap()
                .remove("storageClass");
        }),
        [class("datanodes.storage.storageClass")]
    );
    assert_eq!(
        update(&|v| v["spec"]["datanodes"]["storage"]["ratis"]["storageClass"] = json!("ssd")),
        [class("datanodes.storage.ratis.storageClass")]
    );
    assert_eq!(
        update(&|v| v["spec"]["datanodes"]["storage"]["data"][0]["size"] = json!("512Gi")),
        [(
            "spec.datanodes.storage.data".to_owned(),
            format!("a data volume's size {SIZE_SHRINK_MESSAGE}")
        )]
    );
    assert_eq!(
        update(&|v| v["spec"]["datanodes"]["storage"]["data"][0]["storageClass"] = json!("ssd")),
        [(
            "spec.datanodes.storage.data".to_owned(),
            format!("a data volume's StorageClass {CLASS_CHANGE_MESSAGE}")
        )]
    );
}

/// Lint parity: every spec rule's violation is what `kubectl ozone lint` reports for the same
/// document, at the same field path, starting with the same message, under the check
/// `ozone-cluster-admission`.
#[test]
fn lint_reports_what_the_api_server_rejects() {
    for spec in [
        json!({"om": {"replicas": 4}}),
        json!({"scm": {"replicas": 2}}),
        json!({"scm": {"replicas": 11}}),
        json!({"om": {"replicas": 13}, "datanodes": {"replicas": 2}}),
        json!({"replication": "THREE", "datanodes": {"replicas": 1}}),
    ] {
        let object = resource(spec.clone());
        let expected = violations(&object, None);
        assert!(!expected.is_empty(), "{spec}");
        let text = serde_yaml::to_string(&object).unwrap();
        let findings = cluster_spec::check("ozone.yaml", &text);
        for (path, message) in &expected {
            let found = findings.iter().any(|(line, d)| {
                d.check == crate::lint::checks::CLUSTER_ADMISSION
                    && &d.path == path
                    && d.message.starts_with(&format!("{path}: {message}"))
                    && line.is_some()
            });
            assert!(found, "{spec}: {path}: {message} not in {findings:?}");
        }
        // And nothing else under that check.
        let admission = findings
            .iter()
            .filter(|(_, d)| d.check == crate::lint::checks::CLUSTER_ADMISSION)
            .count();
        assert_eq!(admission, expected.len(), "{spec}: {findings:?}");
    }
}

#[test]
fn printer_columns_and_status_subresource() {
    let crd = custom_resource_definition().unwrap();
    let version = &crd.spec.versions[0];
    assert!(version.subresources.as_ref().unwrap().status.is_some());
    let columns: Vec<&str> = version
        .additional_printer_columns
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(columns, ["Phase", "Version", "Ready", "Age"]);
    let status = &schema()["properties"]["status"]["properties"];
    for field in [
        "phase",
        "phaseReason",
        "conditions",
        "components",
        "version",
        "targetVersion",
        "operation",
    ] {
        assert!(status.get(field).is_some(), "status.{field}");
    }
}
