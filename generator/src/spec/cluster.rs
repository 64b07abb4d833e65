//! The resolved cluster: every layer merged, every default filled, every rule checked. Code
//! after [`super::resolve`] trusts these values.

use super::doc::{
    AntiAffinity, ClusterDoc, Egress, PatchDoc, PodSecurityLevel, PullPolicy, Replication,
    ServiceType, Spread, TolerationDoc,
};
use crate::names::Names;
use crate::profile::Profile;
use crate::quantity::Amount;
use ozone_storage::Component;
use ozone_storage::config::Settings;
use std::collections::BTreeMap;

/// A cluster ready to render.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Cluster name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// The profile it started from.
    pub profile: Profile,
    /// Ozone version.
    pub version: String,
    /// Container image.
    pub image: Image,
    /// DNS domain of the Kubernetes cluster.
    pub cluster_domain: String,
    /// Default replication of new keys.
    pub replication: Replication,
    /// The enabled components and their settings.
    pub components: BTreeMap<Component, ComponentSettings>,
    /// User configuration, per file; wins over derived keys.
    pub config: Settings,
    /// Pod Security Standard level enforced on the namespace.
    pub pod_security: PodSecurityLevel,
    /// Where pods run.
    pub placement: Placement,
    /// NetworkPolicies, when on.
    pub network: Option<Network>,
    /// TLS, when on.
    pub tls: Option<Tls>,
    /// Monitoring objects.
    pub monitoring: Monitoring,
    /// Roles and bindings.
    pub rbac: Rbac,
    /// Scheduled snapshots.
    pub snapshots: Vec<SnapshotSchedule>,
    /// Scheduled metadata backups, when asked for.
    pub backups: Option<Backups>,
    /// S3 access: bucket volumes and the mount pods' namespace.
    pub s3: S3Access,
    /// Patches applied after rendering.
    pub patches: Vec<PatchDoc>,
    /// The merged document this was resolved from (profile ← file ← flags).
    pub document: ClusterDoc,
}

impl Cluster {
    /// Names of this cluster's objects.
    pub fn names(&self) -> Names {
        Names::new(&self.name, &self.namespace, &self.cluster_domain)
    }

    /// Settings of an enabled component.
    pub fn component(&self, component: Component) -> Option<&ComponentSettings> {
        self.components.get(&component)
    }

    /// Replicas of an enabled component, 0 when disabled.
    pub fn replicas(&self, component: Component) -> i32 {
        self.component(component).map_or(0, |c| c.replicas)
    }

    /// Whether a component runs as a Raft ring.
    pub fn is_ha(&self, component: Component) -> bool {
        self.replicas(component) > 1 && component.service().raft_port.is_some()
    }
}

/// The container image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// Repository (`apache/ozone`).
    pub repository: String,
    /// Tag (`2.2.0`).
    pub tag: String,
    /// Pull policy.
    pub pull_policy: PullPolicy,
    /// Pull secrets.
    pub pull_secrets: Vec<String>,
}

impl Image {
    /// `repository:tag`.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }
}

/// Settings of one enabled component.
#[derive(Clone, Debug)]
pub struct ComponentSettings {
    /// Pods.
    pub replicas: i32,
    /// CPU and memory requests.
    pub requests: CpuMemory,
    /// CPU and memory limits.
    pub limits: CpuMemory,
    /// Persistent volume, for components that keep state: a datanode's first data volume.
    pub storage: Option<Storage>,
    /// A datanode's further data volumes, in order (`storage.data[1..]`).
    pub more_data: Vec<Storage>,
    /// The separate Raft log volume (SCM, OM, datanodes).
    pub ratis: Option<Storage>,
    /// Where the pods run: `spec.placement` with the component's own settings added.
    pub placement: Placement,
    /// Maximum heap as a percentage of the memory limit.
    pub heap_percent: u8,
    /// PodDisruptionBudget `maxUnavailable`.
    pub max_unavailable: i32,
    /// Client Service settings (S3 Gateway, HttpFS).
    pub service: ServiceSettings,
    /// Raft service id (OM, SCM).
    pub service_id: String,
}

/// CPU and memory.
#[derive(Clone, Debug)]
pub struct CpuMemory {
    /// CPU.
    pub cpu: Amount,
    /// Memory.
    pub memory: Amount,
}

/// A persistent volume per pod.
#[derive(Clone, Debug)]
pub struct Storage {
    /// Size.
    pub size: Amount,
    /// StorageClass; `None` uses the cluster default.
    pub storage_class: Option<String>,
}

/// A client Service.
#[derive(Clone, Debug, Default)]
pub struct ServiceSettings {
    /// Type.
    pub type_: Option<ServiceType>,
    /// Fixed node port.
    pub node_port: Option<i32>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
}

impl ComponentSettings {
    /// Every data volume, in order: `storage`, then `more_data`.
    pub fn data_volumes(&self) -> impl Iterator<Item = &Storage> {
        self.storage.iter().chain(&self.more_data)
    }
}

/// Where pods run.
#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// Required node labels.
    pub node_selector: BTreeMap<String, String>,
    /// Tolerated taints.
    pub tolerations: Vec<TolerationDoc>,
    /// Failure domain to spread over.
    pub spread: Spread,
    /// How strictly replicas avoid sharing a node.
    pub anti_affinity: AntiAffinity,
    /// Affinity terms added to the rendered anti-affinity (per component).
    pub affinity: Option<k8s_openapi::api::core::v1::Affinity>,
    /// PriorityClass (per component).
    pub priority_class_name: Option<String>,
    /// Extra pod labels (per component).
    pub pod_labels: BTreeMap<String, String>,
    /// Extra pod annotations (per component).
    pub pod_annotations: BTreeMap<String, String>,
}

/// NetworkPolicy settings.
#[derive(Clone, Debug)]
pub struct Network {
    /// Namespaces whose pods may use the client endpoints, besides the cluster's own.
    pub client_namespaces: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>,
    /// Whether clients may connect from anywhere.
    pub clients_from_anywhere: bool,
    /// Egress policy.
    pub egress: Egress,
}

/// Monitoring settings.
#[derive(Clone, Debug)]
pub struct Monitoring {
    /// Render ServiceMonitors.
    pub service_monitors: bool,
    /// Render a PrometheusRule.
    pub prometheus_rules: bool,
    /// Render Grafana dashboards.
    pub dashboards: bool,
    /// Extra labels on monitoring objects.
    pub labels: BTreeMap<String, String>,
    /// The namespace Prometheus scrapes from.
    pub namespace: String,
    /// Scrape interval.
    pub interval: String,
}

/// A Role the spec can bind to subjects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PersonRole {
    /// Everything, including the day-2 commands.
    Admin,
    /// Read, logs, port-forward.
    Developer,
    /// Read-only, no Secrets.
    Viewer,
    /// Exactly what the day-2 commands need: for automation (a CI ServiceAccount running
    /// `kubectl ozone status`) rather than people.
    Operator,
}

impl PersonRole {
    /// Every role.
    pub const ALL: [PersonRole; 4] = [
        PersonRole::Admin,
        PersonRole::Developer,
        PersonRole::Viewer,
        PersonRole::Operator,
    ];

    /// The suffix of the Role name (`<cluster>-admin`).
    pub fn id(self) -> &'static str {
        match self {
            PersonRole::Admin => "admin",
            PersonRole::Developer => "developer",
            PersonRole::Viewer => "viewer",
            PersonRole::Operator => "operator",
        }
    }
}

/// RBAC settings.
#[derive(Clone, Debug)]
pub struct Rbac {
    /// Render the Roles.
    pub roles: bool,
    /// Subjects per role.
    pub bindings: BTreeMap<PersonRole, Vec<Subject>>,
}

/// A checked RBAC subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Namespace (ServiceAccounts only).
    pub namespace: Option<String>,
}

/// A checked snapshot schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotSchedule {
    /// Schedule name (a DNS label).
    pub name: String,
    /// Volume.
    pub volume: String,
    /// Bucket.
    pub bucket: String,
    /// Cron schedule.
    pub schedule: String,
    /// Snapshots to keep.
    pub keep: u32,
}

/// Checked scheduled metadata backups.
#[derive(Clone, Debug)]
pub struct Backups {
    /// Cron schedule.
    pub schedule: String,
    /// Backups to keep.
    pub keep: u32,
    /// The backup volume.
    pub storage: Storage,
}

/// TLS settings.
#[derive(Clone, Debug)]
pub struct Tls {
    /// Who issues the certificates.
    pub mode: super::doc::TlsMode,
    /// cert-manager: `(kind, name)` of an existing issuer; `None` renders a self-signed CA.
    pub issuer: Option<(String, String)>,
    /// Certificate lifetime.
    pub duration: String,
    /// Renewal margin.
    pub renew_before: String,
    /// Extra DNS names per component.
    pub extra_dns_names: BTreeMap<Component, Vec<String>>,
}

/// Checked `spec.s3`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct S3Access {
    /// The namespace of the Mountpoint CSI driver's mount pods, when the S3 Gateway must admit
    /// them: volumes are rendered, or the spec names the namespace.
    pub mount_namespace: Option<String>,
    /// Bucket volumes.
    pub volumes: Vec<BucketVolume>,
}

/// A bucket mounted as a Kubernetes volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketVolume {
    /// The bucket in `/s3v`.
    pub bucket: String,
    /// The PersistentVolumeClaim's name.
    pub name: String,
    /// The application's namespace.
    pub namespace: String,
    /// Access modes.
    pub access_modes: Vec<String>,
    /// Mounted read-only.
    pub read_only: bool,
    /// Extra mount options.
    pub mount_options: Vec<String>,
    /// The Secret with this volume's Ozone identity, as documentation on the PV.
    pub credentials_secret: Option<String>,
}
