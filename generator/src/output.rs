//! Rendered objects in a fixed order, serialized to a YAML stream, a JSON `List`, or one file
//! per object plus a `kustomization.yaml`. Same input, same bytes.

use crate::build::BuildError;
use crate::yaml;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Kinds in apply order: what others depend on comes first, custom resources last.
const KIND_ORDER: [&str; 22] = [
    "Namespace",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "NetworkPolicy",
    "Service",
    "PodDisruptionBudget",
    "StatefulSet",
    "Deployment",
    "CronJob",
    "Job",
    "ClusterIssuer",
    "Issuer",
    "Certificate",
    "ServiceMonitor",
    "PodMonitor",
    "PrometheusRule",
    "Kustomization",
];

/// One rendered object.
#[derive(Clone, Debug)]
pub struct Object {
    /// Kind.
    pub kind: String,
    /// Namespace, for namespaced objects.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// The object as JSON, fields in the order the typed value declares them.
    pub value: Value,
    /// Checks that a changed value still decodes as the object's type.
    check: fn(&Value) -> Result<(), String>,
}

fn check_as<K: DeserializeOwned>(value: &Value) -> Result<(), String> {
    serde_path_to_error::deserialize::<_, K>(value)
        .map(|_| ())
        .map_err(|e| {
            format!(
                "the result is not a valid object: {}: {}",
                e.path(),
                e.inner()
            )
        })
}

impl Object {
    /// Wraps a typed Kubernetes object.
    pub fn typed<K>(object: &K) -> Result<Object, BuildError>
    where
        K: k8s_openapi::Resource
            + k8s_openapi::Metadata<Ty = ObjectMeta>
            + Serialize
            + DeserializeOwned,
    {
        let meta = object.metadata();
        let name = meta.name.clone().unwrap_or_default();
        let value = serde_json::to_value(object).map_err(|e| BuildError::Serialize {
            kind: K::KIND.to_owned(),
            name: name.clone(),
            message: e.to_string(),
        })?;
        Ok(Object {
            kind: K::KIND.to_owned(),
            namespace: meta.namespace.clone(),
            name,
            value,
            check: check_as::<K>,
        })
    }

    /// Wraps a custom resource built from our own typed structs; `check` decodes it back.
    pub fn custom<T: Serialize + DeserializeOwned>(
        kind: &str,
        namespace: &str,
        name: &str,
        object: &T,
    ) -> Result<Object, BuildError> {
        let value = serde_json::to_value(object).map_err(|e| BuildError::Serialize {
            kind: kind.to_owned(),
            name: name.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Object {
            kind: kind.to_owned(),
            namespace: Some(namespace.to_owned()),
            name: name.to_owned(),
            value,
            check: check_as::<T>,
        })
    }

    /// Replaces the value after checking it still decodes as the object's type.
    pub fn replace_value(&mut self, value: Value) -> Result<(), String> {
        (self.check)(&value)?;
        self.value = value;
        Ok(())
    }

    fn sort_key(&self) -> (usize, &str, &str, &str) {
        let rank = KIND_ORDER
            .iter()
            .position(|k| *k == self.kind)
            .unwrap_or(KIND_ORDER.len());
        (
            rank,
            self.kind.as_str(),
            self.namespace.as_deref().unwrap_or(""),
            self.name.as_str(),
        )
    }

    /// The file name in `--output-dir` mode: `<kind>-<name>.yaml`, lowercase.
    pub fn file_name(&self) -> String {
        format!("{}-{}.yaml", self.kind.to_ascii_lowercase(), self.name)
    }
}

/// The rendered objects, in output order.
#[derive(Clone, Debug)]
pub struct Manifest {
    objects: Vec<Object>,
}

/// A file to write in `--output-dir` mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// File name, relative to the output directory.
    pub name: String,
    /// Contents.
    pub contents: String,
}

/// The name of the kustomization file written beside the objects.
pub const KUSTOMIZATION_FILE: &str = "kustomization.yaml";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization<'a> {
    api_version: &'static str,
    kind: &'static str,
    resources: Vec<&'a str>,
}

impl Manifest {
    /// Sorts objects into output order: kind order, then namespace, then name.
    pub fn new(mut objects: Vec<Object>) -> Manifest {
        objects.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Manifest { objects }
    }

    /// The objects, in order.
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// Multi-document YAML, each document introduced by `---`.
    pub fn to_yaml(&self) -> Result<String, BuildError> {
        let mut out = String::new();
        for o in &self.objects {
            out.push_str("---\n");
            out.push_str(&self.object_yaml(o)?);
        }
        Ok(out)
    }

    /// A `v1` `List` of the objects, as `kubectl get -o json` prints several objects.
    pub fn to_json(&self) -> Result<String, BuildError> {
        let list = serde_json::json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": self.objects.iter().map(|o| &o.value).collect::<Vec<_>>(),
        });
        serde_json::to_string_pretty(&list)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| BuildError::Serialize {
                kind: "List".into(),
                name: String::new(),
                message: e.to_string(),
            })
    }

    /// One file per object plus `kustomization.yaml`, each starting with `header` (comment
    /// lines, each starting with `#`).
    pub fn to_files(&self, header: &str) -> Result<Vec<OutputFile>, BuildError> {
        let mut files = Vec::with_capacity(self.objects.len() + 1);
        for o in &self.objects {
            files.push(OutputFile {
                name: o.file_name(),
                contents: format!("{header}{}", self.object_yaml(o)?),
            });
        }
        let kustomization = Kustomization {
            api_version: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            resources: files.iter().map(|f| f.name.as_str()).collect(),
        };
        let body = yaml::to_string(&kustomization).map_err(|message| BuildError::Serialize {
            kind: "Kustomization".into(),
            name: String::new(),
            message,
        })?;
        files.push(OutputFile {
            name: KUSTOMIZATION_FILE.into(),
            contents: format!("{header}{body}"),
        });
        Ok(files)
    }

    fn object_yaml(&self, o: &Object) -> Result<String, BuildError> {
        yaml::to_string(&o.value).map_err(|message| BuildError::Serialize {
            kind: o.kind.clone(),
            name: o.name.clone(),
            message,
        })
    }
}
