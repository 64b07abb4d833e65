//! Object by object, what `diff` shows and `apply` sends: the server's bookkeeping left out of
//! a comparison (managed fields, status, resource version, …), Secret data masked, a unified
//! diff per object (the `similar` crate) of objects in one canonical key order, the fields of
//! a live StatefulSet that `apply` must not send as rendered (replicas, which the transitions
//! change in Ozone's order, and the immutable volume claim templates), who owns a field
//! (`metadata.managedFields`), and whether a pod template changes.

use ozone_generator::names::MANAGER;
use serde::Serialize;
use serde_json::Value;

/// Metadata the API server sets, which says nothing about the object's desired state.
const SERVER_METADATA: [&str; 6] = [
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
];

/// Annotations the server or other tools set.
const SERVER_ANNOTATIONS: [&str; 2] = [
    "deployment.kubernetes.io/revision",
    "kubectl.kubernetes.io/last-applied-configuration",
];

/// The object without what the server sets for itself: status, managed fields, resource
/// version, uid, timestamps, generation, and bookkeeping annotations.
pub fn without_noise(object: &Value) -> Value {
    let mut v = object.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in SERVER_METADATA {
            meta.remove(key);
        }
        let empty = if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            for key in SERVER_ANNOTATIONS {
                a.remove(key);
            }
            a.is_empty()
        } else {
            false
        };
        if empty {
            meta.remove("annotations");
        }
    }
    v
}

/// Replaces the values of a Secret's `data` and `stringData` with markers, so neither side of
/// a diff ever shows key material: `***` on the live side, and on the desired side `***`
/// when unchanged or `*** (changed)` when it differs.
pub fn mask_secrets(live: Option<&mut Value>, desired: &mut Value) {
    if desired["kind"] != "Secret" {
        return;
    }
    let before = live
        .as_ref()
        .map(|l| (l["data"].clone(), l["stringData"].clone()));
    for field in ["data", "stringData"] {
        if let Some(map) = desired.get_mut(field).and_then(Value::as_object_mut) {
            for (k, v) in map.iter_mut() {
                let old = before.as_ref().map(|(d, s)| {
                    if field == "data" {
                        d[k.as_str()].clone()
                    } else {
                        s[k.as_str()].clone()
                    }
                });
                *v = Value::String(if old.as_ref() == Some(v) {
                    "***".into()
                } else {
                    "*** (changed)".into()
                });
            }
        }
    }
    if let Some(live) = live {
        for field in ["data", "stringData"] {
            if let Some(map) = live.get_mut(field).and_then(Value::as_object_mut) {
                for v in map.values_mut() {
                    *v = Value::String("***".into());
                }
            }
        }
    }
}

/// The value with every map's keys in sorted order. The API server returns an object's keys
/// in its own (Go struct) order, render in another: text compared line by line must not
/// depend on either.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// YAML text of an object for a diff, keys in canonical order.
pub fn yaml(object: &Value) -> String {
    ozone_generator::yaml::to_string(&canonical(object))
        .unwrap_or_else(|e| format!("# not printable: {e}\n"))
}

/// A unified diff of one object, `live` → `desired`, with kubectl diff's labels; empty when
/// they are equal.
pub fn unified(kind: &str, name: &str, live: Option<&Value>, desired: Option<&Value>) -> String {
    let old = live.map(yaml).unwrap_or_default();
    let new = desired.map(yaml).unwrap_or_default();
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("live/{kind}/{name}"),
            &format!("desired/{kind}/{name}"),
        )
        .to_string()
}

/// What happens to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Created.
    Create,
    /// Changed.
    Update,
    /// Already as rendered.
    Unchanged,
    /// Deleted: the spec no longer renders it.
    Prune,
}

/// One object's change, as `diff -o json|yaml` gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectChange {
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// What happens.
    pub action: Action,
    /// Unified diff (empty when unchanged).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub diff: String,
}

/// The field managers kubectl itself uses (`kubectl apply --server-side`, client-side apply,
/// `edit`, `patch`, …, each command's default `--field-manager`). Fields they hold on an
/// object kubectl-ozone manages were set by hand or by the documented
/// `render | kubectl apply --server-side` flow; `apply` takes them over. Any other manager
/// (a GitOps controller, an operator) is someone else's and is never overridden silently.
pub const KUBECTL_MANAGERS: &[&str] = &[
    "kubectl",
    "kubectl-client-side-apply",
    "kubectl-edit",
    "kubectl-patch",
    "kubectl-create",
    "kubectl-replace",
    "kubectl-set",
    "kubectl-label",
    "kubectl-annotate",
    "kubectl-scale",
    "kubectl-rollout",
    "kubectl-run",
    "kubectl-expose",
    "kubectl-autoscale",
    "kubectl-taint",
    "before-first-apply",
];

/// Whether `manager` is one of kubectl's own field managers.
pub fn is_kubectl_manager(manager: &str) -> bool {
    KUBECTL_MANAGERS.contains(&manager)
}

/// The field managers of `object` whose `fieldsV1` hold the field at `path` (map keys, as
/// `["spec", "volumeClaimTemplates"]`), in the order `managedFields` lists them.
pub fn owners(object: &Value, path: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for entry in object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let mut set = &entry["fieldsV1"];
        for p in path {
            set = &set[format!("f:{p}").as_str()];
        }
        if !set.is_null()
            && let Some(m) = entry["manager"].as_str()
            && !out.iter().any(|o| o == m)
        {
            out.push(m.to_owned());
        }
    }
    out
}

/// The rendered object as `apply` sends it, given the live one. A StatefulSet keeps its live
/// replicas (the transitions change them in Ozone's order; the same value as the live one
/// conflicts with no other manager). Its volume claim templates are immutable and an atomic
/// list: sending them again, even unchanged, replaces the stored list (which holds the
/// server's defaults) and so conflicts with whoever else owns it — so they are left out,
/// except when kubectl-ozone alone owns them (it created the StatefulSet), where leaving
/// them out would ask the server to remove them; then the live ones are sent. Storage growth
/// re-creates the StatefulSet with the rendered ones.
pub fn as_sent(desired: &Value, live: Option<&Value>) -> Value {
    let mut out = desired.clone();
    let Some(live) = live else {
        return out;
    };
    if desired["kind"] != "StatefulSet" {
        return out;
    }
    // New volumes: the rendered pod template mounts claim templates the live StatefulSet
    // lacks, which the API server refuses; the re-create of `apply` carries both.
    let keep_template = super::disks::templates_differ(desired, live);
    let claim_owners = owners(live, &["spec", "volumeClaimTemplates"]);
    let ours_alone = claim_owners.iter().all(|m| m == MANAGER) && !claim_owners.is_empty();
    if let Some(spec) = out.get_mut("spec").and_then(Value::as_object_mut) {
        if keep_template && let Some(t) = live["spec"].get("template") {
            spec.insert("template".into(), t.clone());
        }
        if let Some(r) = live["spec"].get("replicas") {
            spec.insert("replicas".into(), r.clone());
        }
        match live["spec"].get("volumeClaimTemplates") {
            Some(Value::Array(templates)) if ours_alone => {
                let templates: Vec<Value> = templates
                    .iter()
                    .map(|t| {
                        let mut t = t.clone();
                        if let Some(o) = t.as_object_mut() {
                            o.remove("status");
                        }
                        t
                    })
                    .collect();
                spec.insert("volumeClaimTemplates".into(), Value::Array(templates));
            }
            _ => {
                spec.remove("volumeClaimTemplates");
            }
        }
    }
    out
}

/// Whether the pod template of a workload changes from `live` to `merged` (what the server
/// would store, so defaults it fills in on both sides do not count).
pub fn template_changes(live: &Value, merged: &Value) -> bool {
    live["spec"]["template"] != merged["spec"]["template"]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_bookkeeping_is_left_out() {
        let live = json!({"kind": "Service", "metadata": {"name": "s", "uid": "u",
            "resourceVersion": "7", "managedFields": [{"manager": "x"}], "generation": 2,
            "creationTimestamp": "t",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
            "spec": {"ports": [{"port": 1}]}, "status": {"loadBalancer": {}}});
        assert_eq!(
            without_noise(&live),
            json!({"kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 1}]}})
        );
    }

    #[test]
    fn secret_data_never_shows() {
        let mut live = json!({"kind": "Secret", "data": {"a": "c2VjcmV0", "b": "b2xk"}});
        let mut desired = json!({"kind": "Secret", "data": {"a": "c2VjcmV0", "b": "bmV3"}});
        mask_secrets(Some(&mut live), &mut desired);
        let diff = unified("Secret", "s", Some(&live), Some(&desired));
        assert!(!diff.contains("c2VjcmV0") && !diff.contains("bmV3") && !diff.contains("b2xk"));
        assert!(diff.contains("+  b: '*** (changed)'"), "{diff}");
        assert_eq!(desired["data"]["a"], "***");
    }

    #[test]
    fn unified_diff_per_object() {
        let live = json!({"kind": "ConfigMap", "data": {"a": "1", "b": "2"}});
        let desired = json!({"kind": "ConfigMap", "data": {"a": "1", "b": "3"}});
        let diff = unified("ConfigMap", "c", Some(&live), Some(&desired));
        assert!(
            diff.starts_with("--- live/ConfigMap/c\n+++ desired/ConfigMap/c\n"),
            "{diff}"
        );
        assert!(diff.contains("-  b: '2'\n+  b: '3'\n"), "{diff}");
        assert_eq!(unified("ConfigMap", "c", Some(&live), Some(&live)), "");
    }

    fn owned_by(managers: &[&str]) -> Value {
        managers
            .iter()
            .map(|m| {
                json!({"manager": m, "operation": "Apply", "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:spec": {"f:replicas": {}, "f:volumeClaimTemplates": {}}}})
            })
            .collect()
    }

    #[test]
    fn statefulsets_are_sent_with_live_replicas_and_claim_templates_only_when_ours_alone() {
        let desired = json!({"kind": "StatefulSet", "spec": {"replicas": 7,
            "volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": "2Ti"}}}}],
            "template": {"x": 1}}});
        let mut live = json!({"kind": "StatefulSet", "metadata": {"managedFields": owned_by(&["kubectl-ozone"])},
            "spec": {"replicas": 5,
            "volumeClaimTemplates": [{"metadata": {"labels": {"v": "1"}},
                "spec": {"resources": {"requests": {"storage": "1Ti"}}}, "status": {"phase": "Pending"}}],
            "template": {"x": 0}}});
        let sent = as_sent(&desired, Some(&live));
        assert_eq!(sent["spec"]["replicas"], 5);
        assert_eq!(
            sent["spec"]["volumeClaimTemplates"],
            json!([{"metadata": {"labels": {"v": "1"}}, "spec": {"resources": {"requests": {"storage": "1Ti"}}}}])
        );
        assert_eq!(sent["spec"]["template"], json!({"x": 1}));
        assert_eq!(as_sent(&desired, None), desired);
        let deploy = json!({"kind": "Deployment", "spec": {"replicas": 3}});
        assert_eq!(as_sent(&deploy, Some(&live)), deploy);
        // Applied by `kubectl apply --server-side` (shared or not): the templates stay as
        // they are, unsent, so no conflict over the atomic list.
        for managers in [&["kubectl"][..], &["kubectl", "kubectl-ozone"], &[]] {
            live["metadata"]["managedFields"] = owned_by(managers);
            let sent = as_sent(&desired, Some(&live));
            assert!(
                sent["spec"].get("volumeClaimTemplates").is_none(),
                "{managers:?}: {sent}"
            );
            assert_eq!(sent["spec"]["replicas"], 5);
        }
    }

    #[test]
    fn owners_read_managed_fields() {
        let live = json!({"metadata": {"managedFields": [
            {"manager": "kubectl", "fieldsV1": {"f:spec": {"f:volumeClaimTemplates": {}}}},
            {"manager": "kube-controller-manager", "subresource": "status", "fieldsV1": {"f:status": {}}}]}});
        assert_eq!(
            owners(&live, &["spec", "volumeClaimTemplates"]),
            ["kubectl"]
        );
        assert!(owners(&live, &["spec", "replicas"]).is_empty());
        assert!(is_kubectl_manager("kubectl-edit") && is_kubectl_manager("kubectl"));
        assert!(!is_kubectl_manager("argocd-controller") && !is_kubectl_manager("kubectl-ozone"));
    }

    #[test]
    fn diffs_do_not_depend_on_key_order() {
        let live = json!({"kind": "ConfigMap", "metadata": {"name": "c", "labels": {"b": "1", "a": "2"}},
            "data": {"x": "1"}});
        let desired = json!({"data": {"x": "1"}, "metadata": {"labels": {"a": "2", "b": "1"}, "name": "c"},
            "kind": "ConfigMap"});
        assert_eq!(unified("ConfigMap", "c", Some(&live), Some(&desired)), "");
        assert_eq!(yaml(&live), yaml(&desired));
    }
}
