//! `status` of an `OzoneCluster` custom resource: what the operator observed and is doing.
//!
//! Written only by the operator (through the `status` subresource, so a user's apply never
//! touches it) and ignored by render. Every field is optional and unknown fields are ignored
//! (not rejected, unlike the spec): a status written by a newer operator still parses. The
//! shapes follow Kubernetes conventions (`conditions` as `metav1.Condition`, keyed by `type`)
//! and CloudNativePG's `phase` and `phaseReason`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OzoneClusterStatus {
    /// One word for the cluster's state (`Creating`, `Ready`, `Upgrading`, `Paused`,
    /// `Stopped`, …); the `Phase` column of `kubectl get ozoneclusters`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Why the cluster is in this phase, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_reason: Option<String>,
    /// The `metadata.generation` of the spec this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Available`, `Progressing`, `Degraded`, `ReconciliationPaused`, `Stopped`, each with the
    /// generation it was computed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Option<Vec<Condition>>,
    /// Ready and desired pods per component.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<ComponentCountsStatus>,
    /// Ready pods of all components over desired pods (`12/13`): the `Ready` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
    /// The Ozone version every pod runs; during an upgrade, the version being left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The version the spec asks for, while it differs from `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_version: Option<String>,
    /// The disruptive operation under way, recorded before each of its steps acts so that an
    /// operator restarted mid-way finishes it instead of starting another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<OperationStatus>,
    /// Requests from the plugin (annotations such as `ozone.apache.org/restartedAt`) already
    /// carried out, by annotation, with the value carried out: a request is pending while the
    /// annotation's value differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled: Option<BTreeMap<String, String>>,
}

/// Ready counts per component.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentCountsStatus {
    /// Storage Container Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scm: Option<ReadyCount>,
    /// Ozone Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub om: Option<ReadyCount>,
    /// Datanodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datanodes: Option<ReadyCount>,
    /// S3 Gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3g: Option<ReadyCount>,
    /// Recon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recon: Option<ReadyCount>,
    /// HttpFS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub httpfs: Option<ReadyCount>,
}

/// Pods of one component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadyCount {
    /// Pods the spec asks for.
    #[serde(default)]
    pub desired: i32,
    /// Pods running and ready.
    #[serde(default)]
    pub ready: i32,
}

/// `status.operation`: one disruptive transition, carried out a step per reconcile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationStatus {
    /// What is done (`ScaleDownDatanodes`, `ScaleUpDatanodes`, `ResizeRing`, `GrowStorage`,
    /// `Restart`, `Upgrade`, `Stop`, `Start`, `RotateCertificates`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// What it is done to (`datanodes: 5 → 3`, a version, a pod).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The step begun last (`decommission`, `prepare`, `finalize`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// When the operation began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Time>,
    /// Whatever else the operation needs to resume after a restart (the datanodes being
    /// decommissioned, the pods still to restart), as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<BTreeMap<String, String>>,
}
