//! Plugin and operator together: whether the operator manages a cluster, and how the plugin
//! asks it for work instead of acting behind its back.
//!
//! A cluster is *managed* when an `OzoneCluster` resource of the cluster's name exists in its
//! namespace and carries [`FINALIZER`], which the operator adds when it takes the resource
//! over. A resource without it (the operator not running, or not yet at it), a missing
//! resource, a CustomResourceDefinition that is not installed, and a reader not allowed to
//! read the resource all count as not managed: [`detect`] returns `None`.
//!
//! On a managed cluster the command line writes only the resource: an annotation with an
//! RFC 3339 UTC timestamp requests a restart ([`RESTART_ANNOTATION`]) or a certificate
//! rotation ([`ROTATE_CERTS_ANNOTATION`]), which the operator carries out once per new value;
//! `apply` server-side applies the spec document as the resource ([`apply_resource`]). These
//! writes go through the [`Actuator`], so they need a [`crate::cluster::act::Confirmed`] like
//! every other write.

use crate::cluster::Session;
use crate::cluster::act::{Actuator, Confirmed};
use crate::cluster::errors::{ApiError, classify};
use crate::cluster::exec::{OzoneReader, Targets};
use crate::cluster::objects::{KindInfo, ObjectError};
use crate::cluster::view::KubeReader;
use k8s_openapi::jiff::Timestamp;
use ozone_generator::crd::PLURAL;
use ozone_generator::spec::doc::{API_VERSION, ClusterDoc, KIND, MetadataDoc};
use serde_json::Value;

/// The finalizer the operator puts on every `OzoneCluster` it manages.
pub const FINALIZER: &str = "ozone.apache.org/finalizer";
/// Set to a new RFC 3339 UTC timestamp to ask the operator for a quorum-safe rolling restart
/// of every pod.
pub const RESTART_ANNOTATION: &str = "ozone.apache.org/restartedAt";
/// Set to a new RFC 3339 UTC timestamp to ask the operator to rotate the certificates (with a
/// quorum-safe rolling restart).
pub const ROTATE_CERTS_ANNOTATION: &str = "ozone.apache.org/rotateCertificatesAt";

/// The `OzoneCluster` kind, for the generic object API.
pub const OZONE_CLUSTER: KindInfo = KindInfo {
    kind: KIND,
    api_version: API_VERSION,
    plural: PLURAL,
    namespaced: true,
    prunable: false,
};

/// An `OzoneCluster` resource the operator manages.
#[derive(Clone, Debug, PartialEq)]
pub struct Managed {
    /// `metadata.name` (the cluster's name).
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.generation`.
    pub generation: Option<i64>,
    /// `spec`, as stored.
    pub spec: Value,
    /// `status`, as the operator wrote it (`null` when it has written none).
    pub status: Value,
}

impl Managed {
    /// `OzoneCluster <namespace>/<name>`, as messages name it.
    pub fn describe(&self) -> String {
        format!("{KIND} {}/{}", self.namespace, self.name)
    }

    /// `status.phase`, when the operator wrote one.
    pub fn phase(&self) -> Option<&str> {
        self.status["phase"].as_str()
    }

    /// `status.phaseReason`, when the operator wrote one.
    pub fn phase_reason(&self) -> Option<&str> {
        self.status["phaseReason"].as_str()
    }

    /// The `kubectl` command that edits the resource.
    pub fn edit_command(&self) -> String {
        format!(
            "kubectl edit {} {} -n {}",
            ozone_generator::crd::SINGULAR,
            self.name,
            self.namespace
        )
    }

    /// The `kubectl` command that follows the operator's progress.
    pub fn watch_command(&self) -> String {
        format!(
            "kubectl get {} {} -n {} -w",
            ozone_generator::crd::SINGULAR,
            self.name,
            self.namespace
        )
    }
}

/// Whether the operator manages `cluster` in the reader's namespace: its `OzoneCluster`
/// resource exists and carries [`FINALIZER`]. Not found (no resource, or no CRD) and
/// forbidden (RBAC) are `None`; other failures are errors.
pub async fn detect(kube: &KubeReader, cluster: &str) -> Result<Option<Managed>, ApiError> {
    match kube.object(&OZONE_CLUSTER, cluster).await {
        Ok(object) => Ok(from_object(&object, kube.namespace())),
        Err(kube::Error::Api(s)) if s.code == 404 || s.code == 403 => Ok(None),
        Err(e) => Err(classify(e, "get", PLURAL, kube.namespace())),
    }
}

/// A stored `OzoneCluster` as [`Managed`], when it carries [`FINALIZER`].
pub fn from_object(object: &Value, namespace: &str) -> Option<Managed> {
    let meta = &object["metadata"];
    let finalized = meta["finalizers"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f.as_str() == Some(FINALIZER)));
    if !finalized {
        return None;
    }
    Some(Managed {
        name: meta["name"].as_str().unwrap_or_default().to_owned(),
        namespace: meta["namespace"].as_str().unwrap_or(namespace).to_owned(),
        generation: meta["generation"].as_i64(),
        spec: object["spec"].clone(),
        status: object["status"].clone(),
    })
}

/// An actuator for writes of the resource only (it runs no Ozone command).
pub fn actuator(session: &Session, confirmed: Confirmed) -> Actuator {
    let ozone = OzoneReader::new(session.exec.clone(), Targets::default());
    Actuator::new(&session.kube, &ozone, confirmed)
}

/// Work the command line requests from the operator through an annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// A quorum-safe rolling restart of every pod ([`RESTART_ANNOTATION`]).
    Restart,
    /// Certificate rotation with a rolling restart ([`ROTATE_CERTS_ANNOTATION`]).
    RotateCertificates,
}

impl Request {
    /// The annotation that carries the request.
    pub fn annotation(self) -> &'static str {
        match self {
            Request::Restart => RESTART_ANNOTATION,
            Request::RotateCertificates => ROTATE_CERTS_ANNOTATION,
        }
    }
}

/// The annotation value for a request made at `at`: RFC 3339 in UTC, whole seconds
/// (`2026-12-07T14:00:00Z`).
pub fn timestamp(at: Timestamp) -> String {
    let seconds = Timestamp::from_second(at.as_second()).unwrap_or(at);
    seconds.to_string()
}

/// Requests `request` of the operator by setting its annotation on the resource to the time
/// `at` (one merge patch). Returns the value written.
pub async fn request(
    act: &Actuator,
    managed: &Managed,
    request: Request,
    at: Timestamp,
) -> Result<String, ApiError> {
    let value = timestamp(at);
    act.annotate_object(&OZONE_CLUSTER, &managed.name, request.annotation(), &value)
        .await?;
    Ok(value)
}

/// Asks the operator for a quorum-safe rolling restart, now.
pub async fn request_restart(act: &Actuator, managed: &Managed) -> Result<String, ApiError> {
    request(act, managed, Request::Restart, Timestamp::now()).await
}

/// Asks the operator to rotate the certificates, now.
pub async fn request_cert_rotation(act: &Actuator, managed: &Managed) -> Result<String, ApiError> {
    request(act, managed, Request::RotateCertificates, Timestamp::now()).await
}

/// The `OzoneCluster` resource for a spec document: the document as `render -f` reads it,
/// with `apiVersion`, `kind`, and the cluster's name and namespace filled in, and without a
/// `status` (the operator owns it).
pub fn resource_document(doc: &ClusterDoc, name: &str, namespace: &str) -> Value {
    let mut doc = doc.clone();
    doc.api_version = Some(API_VERSION.to_owned());
    doc.kind = Some(KIND.to_owned());
    doc.metadata = Some(MetadataDoc {
        name: Some(name.to_owned()),
        namespace: Some(namespace.to_owned()),
    });
    doc.status = None;
    let mut value = serde_json::to_value(doc).unwrap_or(Value::Null);
    if value["spec"].is_null() {
        value["spec"] = serde_json::json!({});
    }
    value
}

/// Server-side applies a spec document as the `OzoneCluster` resource `name`, field manager
/// `kubectl-ozone`; the operator reconciles it. Returns the resource as stored.
pub async fn apply_resource(
    act: &Actuator,
    doc: &ClusterDoc,
    name: &str,
    namespace: &str,
    force_conflicts: bool,
) -> Result<Value, ObjectError> {
    act.apply_kind(
        &OZONE_CLUSTER,
        &resource_document(doc, name, namespace),
        force_conflicts,
    )
    .await
}

#[cfg(test)]
mod tests;
