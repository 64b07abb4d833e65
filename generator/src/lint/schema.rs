//! Strict schema validation of built-in kinds through their `k8s-openapi` types.
//!
//! `k8s-openapi`'s `Deserialize` ignores unknown fields, so a typo such as `replica: 3` would
//! pass. Strictness comes from a round trip: decode the value into the typed object (wrong
//! types and missing required fields fail here, with their path), serialize it again, and
//! every field of the input that did not survive was unknown to the type — what the API
//! server's strict field validation rejects.

use k8s_openapi::api::{
    apps, autoscaling, batch, core, discovery, networking, policy, rbac, scheduling, storage,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A schema problem at a field path.
#[derive(Debug, PartialEq, Eq)]
pub struct Violation {
    /// Field path (`spec.template.spec.containers[0].bogusField`); empty for the object.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

type Decode = fn(&Value) -> Result<Value, Violation>;

macro_rules! kinds {
    ($($api:literal, $kind:literal => $ty:ty;)*) => {
        /// The decoder of a built-in `(apiVersion, kind)`, if it is one.
        pub fn builtin(api_version: &str, kind: &str) -> Option<Decode> {
            match (api_version, kind) {
                $(($api, $kind) => Some(round_trip::<$ty> as Decode),)*
                _ => None,
            }
        }

        /// Whether the API group of `apiVersion` is a built-in one (its kinds need no CRD).
        pub fn builtin_group(api_version: &str) -> bool {
            let group = group_of(api_version);
            [$(group_of($api)),*].contains(&group) || LEGACY_GROUPS.contains(&group)
        }
    };
}

kinds! {
    "v1", "Namespace" => core::v1::Namespace;
    "v1", "ServiceAccount" => core::v1::ServiceAccount;
    "v1", "ConfigMap" => core::v1::ConfigMap;
    "v1", "Secret" => core::v1::Secret;
    "v1", "Service" => core::v1::Service;
    "v1", "Pod" => core::v1::Pod;
    "v1", "PersistentVolumeClaim" => core::v1::PersistentVolumeClaim;
    "v1", "PersistentVolume" => core::v1::PersistentVolume;
    "v1", "Endpoints" => core::v1::Endpoints;
    "v1", "LimitRange" => core::v1::LimitRange;
    "v1", "ResourceQuota" => core::v1::ResourceQuota;
    "v1", "ReplicationController" => core::v1::ReplicationController;
    "discovery.k8s.io/v1", "EndpointSlice" => discovery::v1::EndpointSlice;
    "apps/v1", "StatefulSet" => apps::v1::StatefulSet;
    "apps/v1", "Deployment" => apps::v1::Deployment;
    "apps/v1", "DaemonSet" => apps::v1::DaemonSet;
    "apps/v1", "ReplicaSet" => apps::v1::ReplicaSet;
    "batch/v1", "Job" => batch::v1::Job;
    "batch/v1", "CronJob" => batch::v1::CronJob;
    "policy/v1", "PodDisruptionBudget" => policy::v1::PodDisruptionBudget;
    "networking.k8s.io/v1", "NetworkPolicy" => networking::v1::NetworkPolicy;
    "networking.k8s.io/v1", "Ingress" => networking::v1::Ingress;
    "networking.k8s.io/v1", "IngressClass" => networking::v1::IngressClass;
    "rbac.authorization.k8s.io/v1", "Role" => rbac::v1::Role;
    "rbac.authorization.k8s.io/v1", "RoleBinding" => rbac::v1::RoleBinding;
    "rbac.authorization.k8s.io/v1", "ClusterRole" => rbac::v1::ClusterRole;
    "rbac.authorization.k8s.io/v1", "ClusterRoleBinding" => rbac::v1::ClusterRoleBinding;
    "autoscaling/v2", "HorizontalPodAutoscaler" => autoscaling::v2::HorizontalPodAutoscaler;
    "autoscaling/v1", "HorizontalPodAutoscaler" => autoscaling::v1::HorizontalPodAutoscaler;
    "storage.k8s.io/v1", "StorageClass" => storage::v1::StorageClass;
    "storage.k8s.io/v1", "CSIDriver" => storage::v1::CSIDriver;
    "scheduling.k8s.io/v1", "PriorityClass" => scheduling::v1::PriorityClass;
    "apiextensions.k8s.io/v1", "CustomResourceDefinition" => apiextensions::v1::CustomResourceDefinition;
}

/// Groups whose kinds are all built in although this table does not decode them (their
/// removed versions are reported by the API version check instead).
const LEGACY_GROUPS: [&str; 7] = [
    "extensions",
    "admissionregistration.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "events.k8s.io",
    "node.k8s.io",
    "flowcontrol.apiserver.k8s.io",
];

/// The group of an apiVersion: `apps` for `apps/v1`, empty for `v1`.
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Fields whose values are `resource.Quantity`: the API server accepts a number there
/// (`cpu: 2`) while `k8s-openapi` wants a string.
const QUANTITY_MAPS: [&str; 10] = [
    "limits",
    "requests",
    "capacity",
    "allocatable",
    "hard",
    "default",
    "defaultRequest",
    "max",
    "min",
    "maxLimitRequestRatio",
];

fn round_trip<K: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, Violation> {
    let mut coerced: Option<Value> = None;
    // Each pass fixes one numeric quantity; bounded so malformed input cannot loop.
    for _ in 0..64 {
        let input = coerced.as_ref().unwrap_or(value);
        // The path-tracking decoder is much slower; only a failing object needs it.
        if let Ok(typed) = K::deserialize(input) {
            return serde_json::to_value(&typed).map_err(|e| Violation {
                path: String::new(),
                message: e.to_string(),
            });
        }
        match serde_path_to_error::deserialize::<_, K>(input) {
            Ok(typed) => {
                return serde_json::to_value(&typed).map_err(|e| Violation {
                    path: String::new(),
                    message: e.to_string(),
                });
            }
            Err(err) => {
                let path = err.path().to_string();
                let path = if path == "." { String::new() } else { path };
                let message = err.into_inner().to_string();
                if message.contains("expected a string") && is_quantity_path(&path) {
                    let mut copy = input.clone();
                    if stringify_at(&mut copy, &path) {
                        coerced = Some(copy);
                        continue;
                    }
                }
                return Err(Violation { path, message });
            }
        }
    }
    Err(Violation {
        path: String::new(),
        message: "too many numeric quantities".to_owned(),
    })
}

fn is_quantity_path(path: &str) -> bool {
    let mut parts = path.rsplit('.');
    let last = parts.next().unwrap_or("");
    let parent = parts.next().unwrap_or("");
    last == "sizeLimit"
        || last == "storage"
        || QUANTITY_MAPS.contains(&parent.split('[').next().unwrap_or(parent))
}

fn stringify_at(value: &mut Value, path: &str) -> bool {
    let mut cur = value;
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        cur = match cur.get_mut(key) {
            Some(v) => v,
            None => return false,
        };
        for idx in rest.split('[') {
            let Some(Ok(i)) = idx.strip_suffix(']').map(str::parse::<usize>) else {
                continue;
            };
            cur = match cur.get_mut(i) {
                Some(v) => v,
                None => return false,
            };
        }
    }
    match cur {
        Value::Number(n) => {
            *cur = Value::String(n.to_string());
            true
        }
        _ => false,
    }
}

/// Validates a built-in object strictly: the decode error, or every unknown field.
pub fn validate(decode: Decode, value: &Value) -> Vec<Violation> {
    match decode(value) {
        Err(v) => vec![v],
        Ok(back) => {
            let mut out = Vec::new();
            let mut path = String::new();
            unknown_fields(value, &back, &mut path, &mut out);
            out
        }
    }
}

/// Input fields absent from the re-serialized value, and required fields absent from the input. `null` inputs are skipped: they decode to
/// "unset" and the server treats them the same way.
fn unknown_fields(input: &Value, back: &Value, path: &mut String, out: &mut Vec<Violation>) {
    match (input, back) {
        (Value::Object(i), Value::Object(b)) => {
            for (key, value) in i {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                match b.get(key) {
                    Some(bv) => unknown_fields(value, bv, path, out),
                    None if value.is_null() => {}
                    None if is_empty_collection(value) => {}
                    None => out.push(Violation {
                        path: path.clone(),
                        message: format!("unknown field \"{key}\""),
                    }),
                }
                path.truncate(len);
            }
            // `k8s-openapi` fills a missing required field with its default and always writes
            // required fields back, so a key that appears only on the way back was missing.
            for key in b.keys() {
                if !i.contains_key(key) && key != "apiVersion" && key != "kind" {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    out.push(Violation {
                        path: path.clone(),
                        message: format!("missing required field \"{key}\""),
                    });
                    path.truncate(len);
                }
            }
        }
        (Value::Array(i), Value::Array(b)) => {
            for (n, (iv, bv)) in i.iter().zip(b).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{n}]"));
                unknown_fields(iv, bv, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// `k8s-openapi` drops empty maps and lists held in `Option`s of some types on the way back;
/// an empty value cannot carry an unknown field, so skipping it loses nothing.
fn is_empty_collection(value: &Value) -> bool {
    match value {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(value: &Value) -> Vec<Violation> {
        let api = value["apiVersion"].as_str().unwrap_or_default();
        let kind = value["kind"].as_str().unwrap_or_default();
        validate(builtin(api, kind).expect("built in"), value)
    }

    #[test]
    fn unknown_fields_are_reported_with_their_path() {
        let v = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "a"},
            "spec": {"selector": {}, "replica": 3, "template": {"spec": {"containers": [
                {"name": "a", "image": "x:1", "bogusField": 1}]}}}});
        let found = check(&v);
        let paths: Vec<_> = found.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.replica",
                "spec.template.spec.containers[0].bogusField"
            ]
        );
    }

    #[test]
    fn wrong_types_and_missing_fields_have_paths() {
        let v = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"},
            "spec": {"ports": [{"port": "eighty"}]}});
        let found = check(&v);
        assert_eq!(found[0].path, "spec.ports[0].port");
        let v = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
            "spec": {"containers": [{"image": "x:1"}]}});
        let found = check(&v);
        assert_eq!(found[0].path, "spec.containers[0].name");
        assert!(found[0].message.contains("name"), "{}", found[0].message);
    }

    #[test]
    fn numeric_quantities_are_accepted_but_numeric_env_values_are_not() {
        let v = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
            "spec": {"containers": [{"name": "a", "image": "x:1",
                "resources": {"requests": {"cpu": 2}, "limits": {"memory": 1024}}}]}});
        assert_eq!(check(&v), []);
        let v = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
            "spec": {"containers": [{"name": "a", "image": "x:1",
                "env": [{"name": "N", "value": 3}]}]}});
        assert_eq!(check(&v)[0].path, "spec.containers[0].env[0].value");
    }

    #[test]
    fn groups() {
        assert!(builtin_group("apps/v1beta1"));
        assert!(builtin_group("v1"));
        assert!(builtin_group("extensions/v1beta1"));
        assert!(!builtin_group("monitoring.coreos.com/v1"));
    }
}
