//! The check registry: every check id the linter can report, its default severity, whether it
//! runs by default, and a one-line description for `--list-checks`, JUnit and SARIF rules.
//!
//! Ids are stable: CI configs and suppression annotations name them. Where kube-linter has a
//! check for the same thing, the id is kube-linter's (reference conventions §2.1).

use std::fmt;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Likely a problem.
    Warning,
    /// The manifest is wrong or unsafe.
    Error,
}

impl Severity {
    /// The lowercase name used in flags and reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `info`, `warning` or `error`.
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which layer a check belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// YAML syntax and object shape.
    Parse,
    /// Built-in and custom resource schemas, API versions.
    Schema,
    /// Generic Kubernetes policy.
    Policy,
    /// Checks that know Apache Ozone.
    Ozone,
}

/// One check.
#[derive(Debug)]
pub struct Check {
    /// Stable id.
    pub id: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// Whether it runs without `--enable`.
    pub default: bool,
    /// Its layer.
    pub layer: Layer,
    /// What it reports.
    pub description: &'static str,
}

const fn check(
    id: &'static str,
    severity: Severity,
    default: bool,
    layer: Layer,
    description: &'static str,
) -> Check {
    Check {
        id,
        severity,
        default,
        layer,
        description,
    }
}

use Layer::{Ozone, Parse, Policy, Schema};
use Severity::{Error, Info, Warning};

/// Parse errors cannot be disabled: a document that does not parse was not linted.
pub const YAML_SYNTAX: &str = "yaml-syntax";
/// See [`CHECKS`].
pub const DUPLICATE_KEY: &str = "duplicate-key";
/// See [`CHECKS`].
pub const INVALID_OBJECT: &str = "invalid-object";
/// See [`CHECKS`].
pub const SCHEMA_VALIDATION: &str = "schema-validation";
/// See [`CHECKS`].
pub const MISSING_SCHEMA: &str = "missing-schema";
/// See [`CHECKS`].
pub const DEPRECATED_API: &str = "deprecated-api-version";
/// See [`CHECKS`].
pub const REMOVED_API: &str = "removed-api-version";
/// See [`CHECKS`].
pub const INVALID_SUPPRESSION: &str = "invalid-suppression";
/// See [`CHECKS`].
pub const CLUSTER_SPEC: &str = "ozone-cluster-spec";
/// See [`CHECKS`].
pub const CLUSTER_ADMISSION: &str = "ozone-cluster-admission";

/// Every check, in report order.
pub static CHECKS: &[Check] = &[
    check(
        YAML_SYNTAX,
        Error,
        true,
        Parse,
        "The document is not valid YAML or JSON.",
    ),
    check(
        DUPLICATE_KEY,
        Error,
        true,
        Parse,
        "A mapping repeats a key; the API server rejects it.",
    ),
    check(
        INVALID_OBJECT,
        Error,
        true,
        Parse,
        "The document is not an object with apiVersion, kind and metadata.name.",
    ),
    check(
        SCHEMA_VALIDATION,
        Error,
        true,
        Schema,
        "Unknown field, wrong type or missing required field, as strict server-side field validation reports it.",
    ),
    check(
        MISSING_SCHEMA,
        Warning,
        true,
        Schema,
        "No schema for the kind (pass its CRD with --crd); an error with --strict.",
    ),
    check(
        DEPRECATED_API,
        Warning,
        true,
        Schema,
        "The apiVersion is deprecated in the target Kubernetes version.",
    ),
    check(
        REMOVED_API,
        Error,
        true,
        Schema,
        "The apiVersion is no longer served by the target Kubernetes version.",
    ),
    check(
        INVALID_SUPPRESSION,
        Error,
        true,
        Policy,
        "A lint.kubectl-ozone.io/ignore annotation without a lint.kubectl-ozone.io/reason, or naming an unknown check.",
    ),
    check(
        "privileged-container",
        Error,
        true,
        Policy,
        "A container runs privileged (Pod Security baseline).",
    ),
    check(
        "privilege-escalation-container",
        Error,
        true,
        Policy,
        "A container does not set allowPrivilegeEscalation: false (Pod Security restricted).",
    ),
    check(
        "run-as-non-root",
        Error,
        true,
        Policy,
        "A container may run as root: runAsNonRoot is not true (Pod Security restricted).",
    ),
    check(
        "no-read-only-root-fs",
        Error,
        true,
        Policy,
        "A container's root filesystem is writable.",
    ),
    check(
        "host-network",
        Error,
        true,
        Policy,
        "The pod shares the host's network namespace (Pod Security baseline).",
    ),
    check(
        "host-pid",
        Error,
        true,
        Policy,
        "The pod shares the host's process namespace (Pod Security baseline).",
    ),
    check(
        "host-ipc",
        Error,
        true,
        Policy,
        "The pod shares the host's IPC namespace (Pod Security baseline).",
    ),
    check(
        "host-path",
        Error,
        true,
        Policy,
        "The pod mounts a hostPath volume (Pod Security baseline); suppress with a reason if intended.",
    ),
    check(
        "pss-baseline",
        Error,
        true,
        Policy,
        "Other Pod Security baseline controls: hostProcess, capabilities, hostPort, AppArmor, SELinux, procMount, seccomp Unconfined, unsafe sysctls, probe hosts.",
    ),
    check(
        "pss-restricted",
        Error,
        true,
        Policy,
        "Other Pod Security restricted controls: volume types, runAsUser 0, seccomp profile set, drop ALL capabilities, add only NET_BIND_SERVICE.",
    ),
    check(
        "unset-cpu-requirements",
        Warning,
        true,
        Policy,
        "A container sets no CPU request.",
    ),
    check(
        "unset-memory-requirements",
        Warning,
        true,
        Policy,
        "A container sets no memory request or limit.",
    ),
    check(
        "no-liveness-probe",
        Warning,
        true,
        Policy,
        "A long-running container has no liveness probe.",
    ),
    check(
        "no-readiness-probe",
        Warning,
        true,
        Policy,
        "A long-running container has no readiness probe.",
    ),
    check(
        "latest-tag",
        Error,
        true,
        Policy,
        "An image has no tag or the tag latest.",
    ),
    check(
        "mismatching-selector",
        Error,
        true,
        Policy,
        "The workload's selector does not match its pod template labels.",
    ),
    check(
        "no-anti-affinity",
        Warning,
        true,
        Policy,
        "A workload with more than one replica has neither pod anti-affinity nor topology spread constraints.",
    ),
    check(
        "no-pod-disruption-budget",
        Warning,
        true,
        Policy,
        "A StatefulSet or Deployment with more than one replica has no PodDisruptionBudget.",
    ),
    check(
        "non-isolated-pod",
        Error,
        true,
        Policy,
        "The namespace has NetworkPolicies but none selects this workload's pods.",
    ),
    check(
        "wildcard-in-rules",
        Error,
        true,
        Policy,
        "An RBAC rule uses * in apiGroups, resources or verbs.",
    ),
    check(
        "rbac-escalation",
        Error,
        true,
        Policy,
        "An RBAC rule grants escalate, bind or impersonate.",
    ),
    check(
        "dangling-service",
        Error,
        true,
        Policy,
        "A Service's selector selects no pod in the input.",
    ),
    check(
        "dangling-poddisruptionbudget",
        Error,
        true,
        Policy,
        "A PodDisruptionBudget's selector selects no pod in the input.",
    ),
    check(
        "service-target-port",
        Error,
        true,
        Policy,
        "A Service targetPort is not a port of the pods it selects.",
    ),
    check(
        "dangling-servicemonitor",
        Error,
        true,
        Policy,
        "A ServiceMonitor selects no Service in the input.",
    ),
    check(
        "servicemonitor-missing-port",
        Error,
        true,
        Policy,
        "A ServiceMonitor endpoint names a port no selected Service has.",
    ),
    check(
        "default-service-account",
        Info,
        false,
        Policy,
        "A pod runs as the namespace's default ServiceAccount (opt-in).",
    ),
    check(
        "ozone-ha-replicas-odd",
        Error,
        true,
        Ozone,
        "An Ozone Manager or SCM ring has an even number of replicas; Raft needs an odd number.",
    ),
    check(
        "ozone-datanode-count",
        Error,
        true,
        Ozone,
        "Fewer datanodes than the replication factor: writes cannot be replicated.",
    ),
    check(
        "ozone-ha-addresses",
        Error,
        true,
        Ozone,
        "OM/SCM HA address keys do not name the ring's pods through its headless Service and namespace.",
    ),
    check(
        "ozone-datanode-volumes",
        Error,
        true,
        Ozone,
        "A datanode's hdds.datanode.dir and its mounts disagree: an entry on no persistent volume, two entries on one volume, or a mounted volume no Ozone directory uses.",
    ),
    check(
        "ozone-config-ports",
        Error,
        true,
        Ozone,
        "A port in Ozone configuration differs from the container port of the same name.",
    ),
    check(
        "ozone-s3g-metrics-port",
        Error,
        true,
        Ozone,
        "S3 Gateway metrics are scraped on the S3 port; /prom is on the web admin port.",
    ),
    check(
        "ozone-removed-cli-option",
        Error,
        true,
        Ozone,
        "A command uses a single-dash Ozone CLI option removed after 2.2.0 (-id, -nodeid, -hostname, -host).",
    ),
    check(
        "ozone-dashboard-json",
        Error,
        true,
        Ozone,
        "A Grafana dashboard in a ConfigMap is not valid JSON.",
    ),
    check(
        CLUSTER_SPEC,
        Error,
        true,
        Ozone,
        "An OzoneCluster spec that render rejects: unknown field, wrong type or invalid value.",
    ),
    check(
        CLUSTER_ADMISSION,
        Error,
        true,
        Ozone,
        "An OzoneCluster that the API server rejects by a rule of the CRD (odd OM and SCM rings of at most 9, enough datanodes for the replication), with the API server's message.",
    ),
    check(
        "mountpoint-bucket-name",
        Error,
        true,
        Ozone,
        "A Mountpoint S3 PersistentVolume (s3.csi.aws.com) has no bucketName, or one that breaks the S3 naming rules.",
    ),
    check(
        "mountpoint-volume-handle",
        Error,
        true,
        Ozone,
        "Mountpoint S3 PersistentVolumes lack a volumeHandle or share one; the driver needs one per volume.",
    ),
    check(
        "mountpoint-static-binding",
        Error,
        true,
        Ozone,
        "A Mountpoint S3 PersistentVolume or its claim is not statically bound: storageClassName \"\" on both, claimRef and volumeName naming each other.",
    ),
    check(
        "ozone-s3g-mount-pods",
        Warning,
        true,
        Ozone,
        "Mountpoint S3 volumes exist but the S3 Gateway's NetworkPolicies do not admit namespace mount-s3, where the driver's mount pods run.",
    ),
];

/// The check with this id.
pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_lowercase_and_described() {
        let mut seen = BTreeSet::new();
        for c in CHECKS {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            assert!(
                c.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                c.id
            );
            assert!(c.description.ends_with('.'), "{}", c.id);
        }
        assert!(find("latest-tag").is_some());
        assert!(find("nope").is_none());
    }
}
