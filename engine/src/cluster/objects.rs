//! Any rendered object on the API server, by its `apiVersion` and `kind`: reading the live
//! object, asking the server what a server-side apply would make of it (a dry run, which
//! writes nothing), and listing the objects of a cluster that kubectl-ozone manages, which
//! `apply` prunes when the spec no longer renders them.

use super::errors::{ApiError, classify};
use super::view::KubeReader;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use ozone_generator::names::{APP_NAME, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, MANAGER};
use serde_json::Value;

/// A kind kubectl-ozone renders: its API version, resource and scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindInfo {
    /// `kind`.
    pub kind: &'static str,
    /// `apiVersion`.
    pub api_version: &'static str,
    /// Resource (plural), as RBAC and URLs name it.
    pub plural: &'static str,
    /// Namespaced or cluster-wide.
    pub namespaced: bool,
    /// Whether `apply` may delete objects of this kind that the spec no longer renders.
    /// Never Secrets (`cert issue` creates the CA and certificates with the cluster's
    /// labels) and never the Namespace.
    pub prunable: bool,
}

const fn kind(
    kind: &'static str,
    api_version: &'static str,
    plural: &'static str,
    prunable: bool,
) -> KindInfo {
    KindInfo {
        kind,
        api_version,
        plural,
        namespaced: true,
        prunable,
    }
}

/// Every kind render produces.
pub const KINDS: &[KindInfo] = &[
    KindInfo {
        kind: "Namespace",
        api_version: "v1",
        plural: "namespaces",
        namespaced: false,
        prunable: false,
    },
    kind("ServiceAccount", "v1", "serviceaccounts", true),
    kind("Secret", "v1", "secrets", false),
    kind("ConfigMap", "v1", "configmaps", true),
    kind("Role", "rbac.authorization.k8s.io/v1", "roles", true),
    kind(
        "RoleBinding",
        "rbac.authorization.k8s.io/v1",
        "rolebindings",
        true,
    ),
    kind(
        "NetworkPolicy",
        "networking.k8s.io/v1",
        "networkpolicies",
        true,
    ),
    kind("Service", "v1", "services", true),
    kind(
        "PodDisruptionBudget",
        "policy/v1",
        "poddisruptionbudgets",
        true,
    ),
    kind("StatefulSet", "apps/v1", "statefulsets", true),
    kind("Deployment", "apps/v1", "deployments", true),
    kind("CronJob", "batch/v1", "cronjobs", true),
    kind("Issuer", "cert-manager.io/v1", "issuers", true),
    kind("Certificate", "cert-manager.io/v1", "certificates", true),
    kind(
        "ServiceMonitor",
        "monitoring.coreos.com/v1",
        "servicemonitors",
        true,
    ),
    kind(
        "PrometheusRule",
        "monitoring.coreos.com/v1",
        "prometheusrules",
        true,
    ),
];

/// What is known about `kind`.
pub fn kind_info(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// Why an object could not be read, planned or applied.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// Render produced a kind this module does not know.
    #[error("{kind} {name}: kubectl-ozone does not know how to apply this kind")]
    UnknownKind {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
    },
    /// Other field managers own fields this apply changes (the server's 409).
    #[error("{kind} {name}: {}", describe_conflicts(conflicts, message))]
    Conflict {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
        /// The server's message.
        message: String,
        /// Each conflicting field and its manager, from the status' causes.
        conflicts: Vec<FieldConflict>,
    },
    /// The API server refused or failed. The cause follows in the error chain, so it is not
    /// repeated here (it was, twice, for every refusal).
    #[error("{kind} {name}")]
    Api {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
        /// Cause.
        #[source]
        source: ApiError,
    },
}

/// One field another manager owns, as the server names it in a 409's causes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldConflict {
    /// The field manager (`kubectl`, `argocd-controller`).
    pub manager: String,
    /// The field path (`.spec.volumeClaimTemplates`).
    pub field: String,
}

/// "fields owned by field manager M: .a, .b" per manager, or the server's message when it
/// gave no causes.
pub fn describe_conflicts(conflicts: &[FieldConflict], message: &str) -> String {
    if conflicts.is_empty() {
        return message.to_owned();
    }
    managers_of(conflicts)
        .iter()
        .map(|m| {
            let fields: Vec<&str> = conflicts
                .iter()
                .filter(|c| &c.manager == m)
                .map(|c| c.field.as_str())
                .collect();
            format!("fields owned by field manager {m}: {}", fields.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The managers of `conflicts`, each once, in order.
pub fn managers_of(conflicts: &[FieldConflict]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in conflicts {
        if !out.contains(&c.manager) {
            out.push(c.manager.clone());
        }
    }
    out
}

/// The conflicts of a server-side apply's 409: one per cause (`reason: FieldManagerConflict`,
/// `message: conflict with "M"` — with ` using v1` when the manager applied another version —
/// and `field`).
pub fn field_conflicts(status: &kube::core::Status) -> Vec<FieldConflict> {
    status
        .details
        .iter()
        .flat_map(|d| &d.causes)
        .filter(|c| c.reason == "FieldManagerConflict" || c.message.starts_with("conflict with"))
        .filter_map(|c| {
            let manager = c.message.split('"').nth(1)?;
            Some(FieldConflict {
                manager: manager.to_owned(),
                field: c.field.clone(),
            })
        })
        .collect()
}

/// `(kind, name)` of an object as JSON.
pub fn kind_and_name(v: &Value) -> (String, String) {
    (
        v["kind"].as_str().unwrap_or_default().to_owned(),
        v["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// The API of `info`'s kind in `namespace`.
pub fn api(client: &kube::Client, namespace: &str, info: &KindInfo) -> Api<DynamicObject> {
    let (group, version) = info
        .api_version
        .rsplit_once('/')
        .unwrap_or(("", info.api_version));
    let gvk = GroupVersionKind::gvk(group, version, info.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, info.plural);
    if info.namespaced {
        Api::namespaced_with(client.clone(), namespace, &resource)
    } else {
        Api::all_with(client.clone(), &resource)
    }
}

/// The parameters of kubectl-ozone's server-side applies.
pub fn apply_params(force_conflicts: bool, dry_run: bool) -> PatchParams {
    apply_params_as(MANAGER, force_conflicts, dry_run)
}

/// The parameters of a server-side apply by field manager `manager` (the operator applies
/// under its own name).
pub fn apply_params_as(manager: &str, force_conflicts: bool, dry_run: bool) -> PatchParams {
    let mut params = PatchParams::apply(manager);
    params.force = force_conflicts;
    params.dry_run = dry_run;
    params
}

/// Sends a server-side apply (or its dry run) of `object`.
pub(super) async fn apply(
    client: &kube::Client,
    namespace: &str,
    object: &Value,
    (manager, force_conflicts): (&str, bool),
    dry_run: bool,
) -> Result<Value, ObjectError> {
    let (kind, name) = kind_and_name(object);
    let info = kind_info(&kind).ok_or_else(|| ObjectError::UnknownKind {
        kind: kind.clone(),
        name: name.clone(),
    })?;
    apply_kind(
        client,
        namespace,
        info,
        object,
        (manager, force_conflicts),
        dry_run,
    )
    .await
}

/// [`apply`] of an object of a kind render does not produce (an `OzoneCluster` resource).
pub(super) async fn apply_kind(
    client: &kube::Client,
    namespace: &str,
    info: &KindInfo,
    object: &Value,
    (manager, force_conflicts): (&str, bool),
    dry_run: bool,
) -> Result<Value, ObjectError> {
    let (kind, name) = kind_and_name(object);
    let result = api(client, namespace, info)
        .patch(
            &name,
            &apply_params_as(manager, force_conflicts, dry_run),
            &Patch::Apply(object),
        )
        .await;
    match result {
        Ok(o) => Ok(serde_json::to_value(o).unwrap_or(Value::Null)),
        Err(kube::Error::Api(s)) if s.code == 409 => Err(ObjectError::Conflict {
            kind,
            name,
            message: s.message.clone(),
            conflicts: field_conflicts(&s),
        }),
        Err(e) => Err(ObjectError::Api {
            source: classify(e, "patch", info.plural, namespace),
            kind,
            name,
        }),
    }
}

impl KubeReader {
    /// A StorageClass (cluster-wide), if it exists.
    pub async fn storage_class(
        &self,
        name: &str,
    ) -> Result<Option<k8s_openapi::api::storage::v1::StorageClass>, ApiError> {
        Api::<k8s_openapi::api::storage::v1::StorageClass>::all(self.client().clone())
            .get_opt(name)
            .await
            .map_err(|e| classify(e, "get", "storageclasses.storage.k8s.io", "(cluster-wide)"))
    }

    /// The live version of a rendered object, if it exists.
    pub async fn live(&self, object: &Value) -> Result<Option<Value>, ObjectError> {
        let (kind, name) = kind_and_name(object);
        let info = kind_info(&kind).ok_or_else(|| ObjectError::UnknownKind {
            kind: kind.clone(),
            name: name.clone(),
        })?;
        api(self.client(), self.namespace(), info)
            .get_opt(&name)
            .await
            .map(|o| o.map(|o| serde_json::to_value(o).unwrap_or(Value::Null)))
            .map_err(|e| ObjectError::Api {
                source: classify(e, "get", info.plural, self.namespace()),
                kind,
                name,
            })
    }

    /// What the server would make of a server-side apply of `object`: the object as it would
    /// be stored, defaults filled in. Writes nothing (`dryRun=All`).
    pub async fn dry_run_apply(
        &self,
        object: &Value,
        force_conflicts: bool,
    ) -> Result<Value, ObjectError> {
        self.dry_run_apply_as(object, MANAGER, force_conflicts)
            .await
    }

    /// [`KubeReader::dry_run_apply`] as field manager `manager`.
    pub async fn dry_run_apply_as(
        &self,
        object: &Value,
        manager: &str,
        force_conflicts: bool,
    ) -> Result<Value, ObjectError> {
        apply(
            self.client(),
            self.namespace(),
            object,
            (manager, force_conflicts),
            true,
        )
        .await
    }

    /// The objects of cluster `cluster` that kubectl-ozone manages and `apply` may prune,
    /// one list request per prunable kind. Kinds whose API the server does not serve (no
    /// Prometheus Operator or cert-manager) have none.
    pub async fn managed_objects(&self, cluster: &str) -> Result<Vec<Value>, ObjectError> {
        let selector = format!(
            "{LABEL_NAME}={APP_NAME},{LABEL_INSTANCE}={cluster},{LABEL_MANAGED_BY}={MANAGER}"
        );
        let mut out = Vec::new();
        for info in KINDS.iter().filter(|k| k.prunable) {
            let listed = api(self.client(), self.namespace(), info)
                .list(&ListParams::default().labels(&selector))
                .await;
            match listed {
                Ok(list) => {
                    for mut o in list.items {
                        // Lists leave kind and apiVersion off their items.
                        o.types = Some(kube::core::TypeMeta {
                            api_version: info.api_version.into(),
                            kind: info.kind.into(),
                        });
                        out.push(serde_json::to_value(o).unwrap_or(Value::Null));
                    }
                }
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => {
                    return Err(ObjectError::Api {
                        source: classify(e, "list", info.plural, self.namespace()),
                        kind: info.kind.into(),
                        name: format!("(labelled {selector})"),
                    });
                }
            }
        }
        Ok(out)
    }
}

/// Label on a restore pod: the component whose volume it mounts. It carries no component
/// label, so nothing that counts a component's pods counts it.
pub const RESTORE_LABEL: &str = "ozone.apache.org/restore";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rendered_kind_is_known() {
        let spec = "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nspec:\n  security: {tls: {mode: cert-manager}}\n  snapshots:\n    - {bucket: vol1/logs, schedule: \"0 */6 * * *\", keep: 8}\n";
        let cluster = ozone_generator::spec::resolve(&ozone_generator::spec::Inputs {
            profile: Some("large".into()),
            spec_file: Some(("spec.yaml".into(), spec.into())),
            sets: vec![],
        })
        .expect("resolves");
        let manifest = ozone_generator::objects::render(&cluster).expect("renders");
        for o in manifest.objects() {
            let info = kind_info(&o.kind).unwrap_or_else(|| panic!("{} unknown", o.kind));
            assert_eq!(o.value["apiVersion"], info.api_version, "{}", o.kind);
        }
    }

    #[test]
    fn conflicts_are_read_from_the_causes_of_a_409() {
        let status: kube::core::Status = serde_json::from_value(serde_json::json!({
            "kind": "Status", "status": "Failure", "reason": "Conflict", "code": 409,
            "message": "Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .spec.volumeClaimTemplates\n- .spec.x",
            "details": {"causes": [
                {"reason": "FieldManagerConflict", "message": "conflict with \"kubectl\"", "field": ".spec.volumeClaimTemplates"},
                {"reason": "FieldManagerConflict", "message": "conflict with \"argocd-controller\" using v1", "field": ".data.a"},
                {"reason": "FieldManagerConflict", "message": "conflict with \"kubectl\"", "field": ".spec.x"}]}
        }))
        .expect("a Status");
        let c = field_conflicts(&status);
        assert_eq!(managers_of(&c), ["kubectl", "argocd-controller"]);
        assert_eq!(
            describe_conflicts(&c, &status.message),
            "fields owned by field manager kubectl: .spec.volumeClaimTemplates, .spec.x; fields owned by field manager argocd-controller: .data.a"
        );
    }
}
