//! The `OzoneCluster` document as users write it: every field optional, unknown fields
//! rejected.
//!
//! Profiles and spec files are both documents of this shape; [`super::resolve`] layers them
//! (defaults ← profile ← spec file ← `--set`) and fills what is left from built-in defaults.
//! Field docs here are user documentation: `kubectl ozone init` writes them as comments, and
//! they are the descriptions of the `OzoneCluster` CustomResourceDefinition's schema
//! ([`crate::crd`]), which is derived from these types (`JsonSchema`): the document `render -f`
//! reads and the custom resource the API server stores are one and the same.

use super::schema;
use super::status::OzoneClusterStatus;
use ozone_storage::ConfigFile;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The apiVersion of the document.
pub const API_VERSION: &str = "ozone.apache.org/v1alpha1";
/// The kind of the document.
pub const KIND: &str = "OzoneCluster";

/// A whole `OzoneCluster` document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterDoc {
    /// Must be `ozone.apache.org/v1alpha1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Must be `OzoneCluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name and namespace of the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<MetadataDoc>,
    /// What to deploy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<SpecDoc>,
    /// What the operator observed and is doing; written by the operator only (the `status`
    /// subresource). Render ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OzoneClusterStatus>,
}

/// `metadata`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetadataDoc {
    /// Cluster name: the prefix of every object (`<name>-om`). Default `ozone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace the cluster runs in. Default `ozone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpecDoc {
    /// `small` | `medium` | `large`: fills every default below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Ozone release; the image tag unless `image.tag` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Container image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageDoc>,
    /// The cluster's DNS domain, used in the addresses of HA members. Default `cluster.local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_domain: Option<String>,
    /// Default replication of new keys: `THREE` (needs 3 datanodes) or `ONE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<Replication>,
    /// Storage Container Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scm: Option<ComponentDoc>,
    /// Ozone Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub om: Option<ComponentDoc>,
    /// Datanodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datanodes: Option<ComponentDoc>,
    /// S3 Gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3g: Option<ComponentDoc>,
    /// Recon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recon: Option<ComponentDoc>,
    /// HttpFS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub httpfs: Option<ComponentDoc>,
    /// Extra Ozone configuration, per file: `ozone-site.xml`, `core-site.xml`,
    /// `httpfs-site.xml`, `log4j.properties`. Wins over what kubectl-ozone derives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::config_files")]
    pub config: Option<BTreeMap<ConfigFile, BTreeMap<String, ConfigValue>>>,
    /// Pod security, NetworkPolicies and who may reach the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SecurityDoc>,
    /// ServiceMonitors, alerts and dashboards for the Prometheus Operator and Grafana.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<MonitoringDoc>,
    /// Roles for people and the day-2 commands, and who gets them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rbac: Option<RbacDoc>,
    /// Where pods run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<PlacementDoc>,
    /// Scheduled bucket snapshots: a CronJob per entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshots: Option<Vec<SnapshotScheduleDoc>>,
    /// S3 access: buckets mounted as Kubernetes volumes through the Mountpoint for Amazon S3
    /// CSI driver (`s3.csi.aws.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Doc>,
    /// Scheduled metadata backups: a CronJob that saves OM and SCM DB checkpoints to a volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backups: Option<BackupsDoc>,
    /// Last-mile JSON patches (RFC 6902) applied to rendered objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patches: Option<Vec<PatchDoc>>,
    /// Operator mode: pause reconciliation, or stop the whole cluster. Render ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_operation: Option<ClusterOperationDoc>,
    /// Operator mode: how version upgrades finish. Render ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradeDoc>,
}

/// `spec.clusterOperation`: switches for the operator (Stackable's names).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterOperationDoc {
    /// The operator only observes and updates the status: it changes nothing in the cluster.
    /// Default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciliation_paused: Option<bool>,
    /// Stop every pod in order (gateways, Recon, OM, datanodes, SCM), keeping the volumes;
    /// set back to `false` to start again (SCM, datanodes, OM, the rest). Default `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<bool>,
}

/// `spec.upgrade`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpgradeDoc {
    /// After a version upgrade: `manual` (default) waits, and the status phase says so,
    /// until `kubectl ozone upgrade finalize` or a change to `auto`; `auto` finalizes once every pod runs
    /// the new version. Until finalized, a downgrade is still possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalize: Option<Finalize>,
}

/// When an upgrade is finalized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Finalize {
    /// Wait for `kubectl ozone upgrade finalize` (or a change to `auto`).
    #[default]
    Manual,
    /// Finalize as soon as every pod runs the new version.
    Auto,
}

/// Default replication of new keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Replication {
    /// One copy: for single-datanode test clusters only.
    #[serde(rename = "ONE")]
    One,
    /// Three copies through a Ratis pipeline (Ozone's default).
    #[serde(rename = "THREE")]
    Three,
}

impl Replication {
    /// Copies kept of each block.
    pub fn copies(self) -> i32 {
        match self {
            Replication::One => 1,
            Replication::Three => 3,
        }
    }

    /// The name Ozone uses (`ozone.replication`).
    pub fn as_str(self) -> &'static str {
        match self {
            Replication::One => "ONE",
            Replication::Three => "THREE",
        }
    }
}

/// A config value: written as a string, number or boolean.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConfigValue {
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A decimal number.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl ConfigValue {
    /// The value as Ozone reads it.
    pub fn to_config_string(&self) -> String {
        match self {
            ConfigValue::String(s) => s.clone(),
            ConfigValue::Integer(i) => i.to_string(),
            ConfigValue::Float(f) => f.to_string(),
            ConfigValue::Bool(b) => b.to_string(),
        }
    }
}

/// `spec.image`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageDoc {
    /// Image repository. Default `apache/ozone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Image tag. Default: `spec.version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// `Always` | `IfNotPresent` | `Never`. Default `IfNotPresent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_policy: Option<PullPolicy>,
    /// Names of Secrets for pulling from a private registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_secrets: Option<Vec<String>>,
}

/// Image pull policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    /// Always pull.
    Always,
    /// Pull when missing on the node.
    IfNotPresent,
    /// Never pull.
    Never,
}

impl PullPolicy {
    /// The Kubernetes value.
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

/// One component's settings. Not every field applies to every component; validation says
/// which.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentDoc {
    /// Whether to deploy it (S3 Gateway, Recon and HttpFS only; the others always run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Number of pods. OM and SCM: 1, or an odd number from 3 to 9 for HA; datanodes: at least
    /// the replication's copies, at most 10000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub replicas: Option<i32>,
    /// CPU and memory per pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesDoc>,
    /// Persistent volume per pod (SCM, OM, datanodes, Recon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageDoc>,
    /// JVM settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jvm: Option<JvmDoc>,
    /// PodDisruptionBudget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disruption: Option<DisruptionDoc>,
    /// Client Service (S3 Gateway and HttpFS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceDoc>,
    /// Raft service id (OM and SCM). Default: the cluster name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// Where this component's pods run, on top of `spec.placement`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<ComponentPlacementDoc>,
}

/// `<component>.placement`: starts from `spec.placement` and adds to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentPlacementDoc {
    /// Node labels these pods require, besides `spec.placement.nodeSelector` (a key given in
    /// both takes this value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Taints these pods tolerate, besides `spec.placement.tolerations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<TolerationDoc>>,
    /// A pod `affinity` (nodeAffinity, podAffinity, podAntiAffinity), added to the
    /// anti-affinity kubectl-ozone renders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<k8s_openapi::api::core::v1::Affinity>,
    /// PriorityClass of these pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Failure domain to spread these pods over: `host` or `zone`. Default:
    /// `spec.placement.spread`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology_spread: Option<Spread>,
    /// Extra labels on these pods (not the `app.kubernetes.io/*` labels kubectl-ozone sets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_labels: Option<BTreeMap<String, String>>,
    /// Extra annotations on these pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_annotations: Option<BTreeMap<String, String>>,
}

/// `resources`: Kubernetes quantities.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourcesDoc {
    /// What the scheduler reserves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<CpuMemoryDoc>,
    /// The most the pod may use; the JVM heap is a fraction of the memory limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<CpuMemoryDoc>,
}

/// CPU and memory quantities.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CpuMemoryDoc {
    /// CPU (`500m`, `2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<QuantityDoc>,
    /// Memory (`2Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<QuantityDoc>,
}

/// A quantity as written: `2`, `0.5`, `500m` or `2Gi`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum QuantityDoc {
    /// Written as a string.
    String(String),
    /// Written as an integer.
    Integer(i64),
    /// Written as a decimal number.
    Float(f64),
}

impl QuantityDoc {
    /// The quantity as Kubernetes writes it.
    pub fn as_text(&self) -> String {
        match self {
            QuantityDoc::String(s) => s.clone(),
            QuantityDoc::Integer(i) => i.to_string(),
            QuantityDoc::Float(f) => f.to_string(),
        }
    }
}

/// `storage`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageDoc {
    /// Volume size (`100Gi`). With `data`: the size of entries that give none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::storage_size")]
    pub size: Option<QuantityDoc>,
    /// StorageClass; empty uses the cluster's default class. With `data`: the class of entries
    /// that give none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = schema::MAX_NAME_LENGTH))]
    pub storage_class: Option<String>,
    /// Datanodes: the data volumes, one PersistentVolumeClaim and one Ozone volume each (a
    /// dead disk costs one disk's containers), at most 48. Without it a datanode has one data
    /// volume of `size`. Entries are matched by position: add disks at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = super::resolve::MAX_DATA_VOLUMES))]
    pub data: Option<Vec<VolumeDoc>>,
    /// SCM, OM and datanodes: a separate volume for the Raft log (and, on datanodes, the
    /// container databases), ideally on a fast device (NVMe, SSD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratis: Option<RatisVolumeDoc>,
}

/// One entry of `storage.data`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VolumeDoc {
    /// Volume size (`4Ti`). Default: `storage.size`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::storage_size")]
    pub size: Option<QuantityDoc>,
    /// StorageClass (`local-hdd`). Default: `storage.storageClass`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = schema::MAX_NAME_LENGTH))]
    pub storage_class: Option<String>,
}

/// `storage.ratis`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RatisVolumeDoc {
    /// `false` keeps the Raft log on the data volume (as a profile without it does): for
    /// clusters created before the profile had this volume. Default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Volume size (`200Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "schema::storage_size")]
    pub size: Option<QuantityDoc>,
    /// StorageClass (`local-nvme`); empty uses the cluster's default class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = schema::MAX_NAME_LENGTH))]
    pub storage_class: Option<String>,
}

/// `jvm`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JvmDoc {
    /// Maximum heap as a percentage of the memory limit (10–90). The rest is for
    /// off-heap buffers, RocksDB and the page cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heap_percent: Option<u8>,
}

/// `disruption`: the PodDisruptionBudget.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DisruptionDoc {
    /// Pods a voluntary disruption (a node drain) may take down at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<i32>,
}

/// `service`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceDoc {
    /// `ClusterIP` | `NodePort` | `LoadBalancer`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<ServiceType>,
    /// Fixed node port for `NodePort` and `LoadBalancer` (30000–32767).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
    /// Annotations for the Service (load-balancer settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// Kubernetes Service type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ServiceType {
    /// Reachable inside the cluster.
    ClusterIP,
    /// Also on a port of every node.
    NodePort,
    /// Also through a cloud load balancer.
    LoadBalancer,
}

impl ServiceType {
    /// The Kubernetes value.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::ClusterIP => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
        }
    }
}

/// `spec.security`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecurityDoc {
    /// Pod Security Standard enforced on the namespace: `restricted` | `baseline` |
    /// `privileged`. The pods meet `restricted` either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<PodSecurityLevel>,
    /// Render NetworkPolicies: deny all ingress, then allow each traffic path Ozone uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policies: Option<bool>,
    /// Who may reach the client endpoints (S3 Gateway, OM RPC, HttpFS, datanode data ports)
    /// when NetworkPolicies are on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clients: Option<ClientsDoc>,
    /// `open` (default) or `restricted`: restricted egress allows only DNS and the cluster's
    /// own traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
    /// TLS for the HTTP endpoints (web UIs, S3 Gateway, metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsDoc>,
}

/// `spec.security.tls`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TlsDoc {
    /// `none` | `cert-manager` (cert-manager issues and renews the certificates) | `managed`
    /// (`kubectl ozone cert issue` creates them in Secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TlsMode>,
    /// cert-manager mode: an existing Issuer or ClusterIssuer to use instead of the rendered
    /// self-signed CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<IssuerRefDoc>,
    /// Certificate lifetime (Go duration, `2160h` = 90 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// Renew this long before expiry (`360h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_before: Option<String>,
    /// Extra DNS names per component (`s3g: [s3.example.com]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_dns_names: Option<BTreeMap<String, Vec<String>>>,
}

/// TLS mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain HTTP.
    None,
    /// Certificates from cert-manager.
    CertManager,
    /// Certificates created by `kubectl ozone cert issue`.
    Managed,
}

/// A cert-manager issuer reference.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IssuerRefDoc {
    /// `Issuer` | `ClusterIssuer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `spec.security.clients`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClientsDoc {
    /// Namespaces whose pods may connect, as a label selector over namespace labels
    /// (`team=data`, `kubernetes.io/metadata.name in (apps,etl)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<String>,
    /// Allow clients from anywhere, inside or outside the Kubernetes cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anywhere: Option<bool>,
}

/// Egress policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Egress {
    /// Pods may connect anywhere.
    Open,
    /// Pods may connect only to DNS and to the cluster's own pods.
    Restricted,
}

/// `spec.monitoring`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MonitoringDoc {
    /// A ServiceMonitor per component (Prometheus Operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_monitors: Option<bool>,
    /// A PrometheusRule with alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_rules: Option<bool>,
    /// Grafana dashboards as ConfigMaps labelled `grafana_dashboard: "1"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboards: Option<bool>,
    /// Extra labels on monitoring objects so a Prometheus selects them
    /// (`release: kube-prometheus-stack`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// The namespace Prometheus runs in: metrics ports are open to it. Default `monitoring`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Scrape interval. Default `30s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
}

/// `spec.rbac`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RbacDoc {
    /// Render the Roles `<cluster>-admin`, `<cluster>-developer`, `<cluster>-viewer` and
    /// `<cluster>-operator` (what the day-2 commands need).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<bool>,
    /// Who gets each role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bindings: Option<RoleBindingsDoc>,
}

/// Subjects per role.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RoleBindingsDoc {
    /// Full control, including the day-2 commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<Vec<SubjectDoc>>,
    /// Read, logs and port-forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer: Option<Vec<SubjectDoc>>,
    /// Read-only, no Secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewer: Option<Vec<SubjectDoc>>,
    /// Exactly what the day-2 commands need (for automation, e.g. a CI ServiceAccount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Vec<SubjectDoc>>,
}

/// A user, group or ServiceAccount.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SubjectDoc {
    /// `User` | `Group` | `ServiceAccount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace, for ServiceAccounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Pod Security Standard level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PodSecurityLevel {
    /// Unrestricted.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Hardened; what the rendered pods meet.
    Restricted,
}

impl PodSecurityLevel {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            PodSecurityLevel::Privileged => "privileged",
            PodSecurityLevel::Baseline => "baseline",
            PodSecurityLevel::Restricted => "restricted",
        }
    }
}

/// `spec.placement`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlacementDoc {
    /// Node labels every pod requires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Taints every pod tolerates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<TolerationDoc>>,
    /// Failure domain to spread replicas over: `host` or `zone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<Spread>,
    /// `required`: never put two SCMs, two OMs or two datanodes on one node (pods stay
    /// Pending instead); `preferred`: avoid it when possible (for small test clusters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anti_affinity: Option<AntiAffinity>,
}

/// Failure domain to spread over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Spread {
    /// Nodes (`kubernetes.io/hostname`).
    #[default]
    Host,
    /// Zones (`topology.kubernetes.io/zone`), and nodes within them.
    Zone,
}

/// How strictly replicas avoid sharing a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AntiAffinity {
    /// Never share a node.
    #[default]
    Required,
    /// Avoid sharing a node when possible.
    Preferred,
}

/// A toleration, as in a pod spec.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TolerationDoc {
    /// Taint key; empty with `Exists` matches every taint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Exists` | `Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Taint value for `Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `NoSchedule` | `PreferNoSchedule` | `NoExecute`; empty matches all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// For `NoExecute`: how long the pod stays after the taint appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

/// One entry of `spec.patches`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchDoc {
    /// Which rendered object to patch.
    pub target: PatchTarget,
    /// RFC 6902 operations.
    #[schemars(schema_with = "schema::json_patch")]
    pub patch: json_patch::Patch,
}

/// The object a patch applies to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchTarget {
    /// Object kind (`StatefulSet`).
    pub kind: String,
    /// Object name (`ozone-datanode`).
    pub name: String,
}

/// One entry of `spec.snapshots`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SnapshotScheduleDoc {
    /// The bucket, as `volume/bucket`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// When, in cron syntax (`0 */6 * * *`, `@daily`), in the controller's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// How many of this schedule's snapshots to keep; older ones are deleted. Snapshots made
    /// any other way are never deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<u32>,
    /// Short name of the schedule, used in the CronJob name and snapshot names. Default:
    /// `<volume>-<bucket>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `spec.backups`: scheduled backups of the OM and SCM metadata (their RocksDB checkpoints).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BackupsDoc {
    /// When, in cron syntax (`0 2 * * *`, `@daily`), in the controller's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// How many backups to keep on the volume; older ones are deleted. At least 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<u32>,
    /// The volume the backups are written to. Keep room for `keep` + 1 copies of both DBs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageDoc>,
}

/// `spec.s3`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct S3Doc {
    /// The namespace the Mountpoint CSI driver (v2) runs its mount pods in; the S3 Gateway's
    /// NetworkPolicy admits it. Default `mount-s3`. Setting it without volumes opens the
    /// policy for volumes made with `kubectl ozone s3 volume`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_namespace: Option<String>,
    /// Buckets of `/s3v` to mount: a static PersistentVolume and a PersistentVolumeClaim bound
    /// to it, in the application's namespace, per entry. The bucket must exist
    /// (`kubectl ozone s3 bucket create`): the driver provisions nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Vec<S3VolumeDoc>>,
}

/// One entry of `spec.s3.volumes`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct S3VolumeDoc {
    /// The bucket in `/s3v` (S3 naming rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Name of the PersistentVolumeClaim pods mount. Default: the bucket name, with '.' as
    /// '-'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The application's namespace, where the claim is created. Required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `ReadWriteMany` or `ReadOnlyMany`. Default: `ReadOnlyMany` when read-only, else
    /// `ReadWriteMany`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_modes: Option<Vec<String>>,
    /// Mount read-only. Otherwise files may be deleted and overwritten (whole objects only:
    /// no rename, no in-place edits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// Extra `mount-s3` options (`uid 1000`, `allow-other`, `prefix logs/`). The endpoint,
    /// path-style addressing and the region are set by kubectl-ozone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_options: Option<Vec<String>>,
    /// The Secret `kubectl ozone s3 credentials` wrote for the Ozone identity this volume is
    /// for, recorded on the PersistentVolume. The driver itself reads one cluster-wide Secret
    /// in its own namespace; copy this pair there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_secret: Option<String>,
}
