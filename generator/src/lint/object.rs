//! A Kubernetes object as checks see it — identity plus the raw value — and the helpers
//! several checks share: the pod template of a workload, label selectors, and which Ozone
//! service an object runs.

use crate::names;
use ozone_storage::Component;
use serde_json::Value;
use std::collections::BTreeMap;

/// A finding before it gets a file, line and object: which check, where in the object, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Check id.
    pub check: &'static str,
    /// Field path inside the object; empty for the object itself.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Draft {
    /// A draft finding.
    pub fn new(check: &'static str, path: &str, message: String) -> Draft {
        Draft {
            check,
            path: path.to_owned(),
            message,
        }
    }
}

/// An object with apiVersion, kind and name.
#[derive(Debug)]
pub struct Obj<'a> {
    /// `apiVersion`.
    pub api_version: &'a str,
    /// `kind`.
    pub kind: &'a str,
    /// `metadata.name` (or `generateName`).
    pub name: &'a str,
    /// `metadata.namespace`, empty when unset.
    pub namespace: &'a str,
    /// The whole object.
    pub value: &'a Value,
}

impl<'a> Obj<'a> {
    /// Reads the identity of an object.
    ///
    /// # Errors
    /// What is missing, as a message.
    pub fn new(value: &'a Value) -> Result<Obj<'a>, String> {
        if !value.is_object() {
            return Err(format!(
                "a manifest document must be a mapping, not {}",
                kind_of(value)
            ));
        }
        let field = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let api_version = field("apiVersion").ok_or("the object has no apiVersion")?;
        let kind = field("kind").ok_or("the object has no kind")?;
        let meta = value.get("metadata");
        let name = meta
            .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("the {kind} has no metadata.name"))?;
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .unwrap_or("");
        Ok(Obj {
            api_version,
            kind,
            name,
            namespace,
            value,
        })
    }

    /// `Kind/namespace/name`, or `Kind/name` without a namespace.
    pub fn id(&self) -> String {
        if self.namespace.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }

    /// `metadata.labels`.
    pub fn labels(&self) -> BTreeMap<String, String> {
        string_map(self.value.pointer("/metadata/labels"))
    }

    /// `metadata.annotations`.
    pub fn annotations(&self) -> BTreeMap<String, String> {
        string_map(self.value.pointer("/metadata/annotations"))
    }

    /// The pod spec of a pod or workload and its field path.
    pub fn pod_spec(&self) -> Option<(&'a Value, &'static str)> {
        let path = match self.kind {
            "Pod" => "spec",
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job" => "spec.template.spec",
            "CronJob" => "spec.jobTemplate.spec.template.spec",
            _ => return None,
        };
        let pointer = format!("/{}", path.replace('.', "/"));
        self.value
            .pointer(&pointer)
            .filter(|v| v.is_object())
            .map(|v| (v, path))
    }

    /// The labels its pods get.
    pub fn pod_labels(&self) -> BTreeMap<String, String> {
        match self.kind {
            "Pod" => self.labels(),
            "CronJob" => string_map(
                self.value
                    .pointer("/spec/jobTemplate/spec/template/metadata/labels"),
            ),
            _ => string_map(self.value.pointer("/spec/template/metadata/labels")),
        }
    }

    /// The annotations its pods get.
    pub fn pod_annotations(&self) -> BTreeMap<String, String> {
        match self.kind {
            "Pod" => self.annotations(),
            _ => string_map(self.value.pointer("/spec/template/metadata/annotations")),
        }
    }

    /// Whether it is a long-running workload (probes make sense).
    pub fn long_running(&self) -> bool {
        matches!(
            self.kind,
            "Pod"
                | "Deployment"
                | "StatefulSet"
                | "DaemonSet"
                | "ReplicaSet"
                | "ReplicationController"
        )
    }

    /// `spec.replicas` of a scalable workload (1 when unset).
    pub fn replicas(&self) -> Option<i64> {
        matches!(
            self.kind,
            "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController"
        )
        .then(|| {
            self.value
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1)
        })
    }

    /// The Ozone service the object's pods run: from the `app.kubernetes.io/component` label
    /// of an `app.kubernetes.io/name: ozone` object, else from a container started with the
    /// catalog's start arguments (`ozone om`).
    pub fn ozone_component(&self) -> Option<Component> {
        let labels = self.pod_labels();
        if labels.get(names::LABEL_NAME).map(String::as_str) == Some(names::APP_NAME)
            && let Some(c) = labels
                .get(names::LABEL_COMPONENT)
                .and_then(|c| Component::from_id(c))
        {
            return Some(c);
        }
        let (spec, _) = self.pod_spec()?;
        containers(spec).find_map(|(_, _, c)| {
            let words = command_words(c);
            Component::ALL.into_iter().find(|comp| {
                let start = comp.service().start;
                words
                    .windows(start.len())
                    .any(|w| w.iter().map(String::as_str).eq(start.iter().copied()))
            })
        })
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A map of strings; non-string values are skipped (the schema check reports them).
pub fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Every container of a pod spec: `(field, index, container)`, init containers included.
pub fn containers(spec: &Value) -> impl Iterator<Item = (&'static str, usize, &Value)> {
    ["containers", "initContainers", "ephemeralContainers"]
        .into_iter()
        .flat_map(move |field| {
            spec.get(field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(move |(i, c)| (field, i, c))
        })
}

/// A container's command followed by its args, as words.
pub fn command_words(container: &Value) -> Vec<String> {
    ["command", "args"]
        .iter()
        .flat_map(|f| {
            container
                .get(*f)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A label selector: `matchLabels` and `matchExpressions`, or a plain map (Service).
#[derive(Debug, Clone, Default)]
pub struct Selector {
    labels: BTreeMap<String, String>,
    expressions: Vec<(String, String, Vec<String>)>,
    /// Whether the selector was absent (selects nothing for Services, everything elsewhere).
    pub absent: bool,
}

impl Selector {
    /// A `metav1.LabelSelector`.
    pub fn label_selector(value: Option<&Value>) -> Selector {
        let Some(value) = value.filter(|v| v.is_object()) else {
            return Selector {
                absent: true,
                ..Selector::default()
            };
        };
        let expressions = value
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|e| {
                let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                let values = e
                    .get("values")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                (s("key"), s("operator"), values)
            })
            .collect();
        Selector {
            labels: string_map(value.get("matchLabels")),
            expressions,
            absent: false,
        }
    }

    /// A Service's plain `selector` map.
    pub fn map(value: Option<&Value>) -> Selector {
        Selector {
            labels: string_map(value),
            expressions: Vec::new(),
            absent: value.is_none_or(|v| v.as_object().is_none_or(serde_json::Map::is_empty)),
        }
    }

    /// The `matchLabels` (or plain selector map) every selected object must carry.
    pub fn required_labels(&self) -> impl Iterator<Item = (&String, &String)> {
        self.labels.iter()
    }

    /// Whether it selects nothing in particular (empty: every pod).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.expressions.is_empty()
    }

    /// Whether the labels satisfy it.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|(key, op, values)| {
                let got = labels.get(key);
                match op.as_str() {
                    "In" => got.is_some_and(|g| values.contains(g)),
                    "NotIn" => got.is_none_or(|g| !values.contains(g)),
                    "Exists" => got.is_some(),
                    "DoesNotExist" => got.is_none(),
                    _ => false,
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors() {
        let labels: BTreeMap<String, String> = [
            ("app".to_owned(), "a".to_owned()),
            ("tier".to_owned(), "db".to_owned()),
        ]
        .into();
        let s = Selector::label_selector(Some(&json!({"matchLabels": {"app": "a"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]},
                                 {"key": "x", "operator": "DoesNotExist"}]})));
        assert!(s.matches(&labels));
        let s = Selector::label_selector(Some(&json!({"matchLabels": {"app": "b"}})));
        assert!(!s.matches(&labels));
        assert!(Selector::map(None).absent);
        assert!(Selector::map(Some(&json!({}))).absent);
    }

    #[test]
    fn identity_and_component() {
        let v = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "meta", "namespace": "ns"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "args": ["ozone", "om"]}]}}}});
        let o = Obj::new(&v).unwrap();
        assert_eq!(o.id(), "StatefulSet/ns/meta");
        assert_eq!(o.ozone_component(), Some(Component::Om));
        assert!(Obj::new(&json!({"kind": "X"})).is_err());
        assert!(Obj::new(&json!([1])).unwrap_err().contains("a list"));
    }
}
