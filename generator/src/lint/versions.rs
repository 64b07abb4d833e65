//! Kubernetes API versions that were deprecated or removed, and the target `--kube-version`.
//!
//! Source: the Kubernetes deprecated API migration guide (kubernetes.io
//! `docs/reference/using-api/deprecation-guide`), one row per `(apiVersion, kind)`.

use std::fmt;

/// A Kubernetes minor version, `1.X`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    /// The minor number.
    pub minor: u32,
}

/// The version checked when none is given: the one the `k8s-openapi` schemas describe.
pub const DEFAULT_KUBE_VERSION: KubeVersion = KubeVersion { minor: 33 };

impl KubeVersion {
    /// Parses `1.29`, `v1.29` or `1.29.3`.
    pub fn parse(text: &str) -> Option<KubeVersion> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut parts = text.split('.');
        let major = parts.next()?;
        let minor = parts.next()?;
        if major != "1" || parts.clone().count() > 1 {
            return None;
        }
        if let Some(patch) = parts.next()
            && (patch.is_empty() || !patch.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) || minor.len() > 3 {
            return None;
        }
        minor.parse().ok().map(|minor| KubeVersion { minor })
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

/// One deprecated API.
#[derive(Debug)]
pub struct Deprecation {
    /// The old apiVersion.
    pub api_version: &'static str,
    /// The kind, or `*` for every kind of the apiVersion.
    pub kind: &'static str,
    /// The minor version that deprecated it.
    pub deprecated: u32,
    /// The minor version that stopped serving it.
    pub removed: u32,
    /// What to use instead.
    pub replacement: &'static str,
}

const fn d(
    api_version: &'static str,
    kind: &'static str,
    deprecated: u32,
    removed: u32,
    replacement: &'static str,
) -> Deprecation {
    Deprecation {
        api_version,
        kind,
        deprecated,
        removed,
        replacement,
    }
}

/// Every deprecation the linter knows. `removed: u32::MAX` means not removed yet.
pub static DEPRECATIONS: &[Deprecation] = &[
    d(
        "extensions/v1beta1",
        "Ingress",
        14,
        22,
        "networking.k8s.io/v1 Ingress",
    ),
    d(
        "extensions/v1beta1",
        "Deployment",
        9,
        16,
        "apps/v1 Deployment",
    ),
    d(
        "extensions/v1beta1",
        "DaemonSet",
        9,
        16,
        "apps/v1 DaemonSet",
    ),
    d(
        "extensions/v1beta1",
        "ReplicaSet",
        9,
        16,
        "apps/v1 ReplicaSet",
    ),
    d(
        "extensions/v1beta1",
        "NetworkPolicy",
        9,
        16,
        "networking.k8s.io/v1 NetworkPolicy",
    ),
    d(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        10,
        16,
        "Pod Security Admission",
    ),
    d("apps/v1beta1", "*", 9, 16, "apps/v1"),
    d("apps/v1beta2", "*", 9, 16, "apps/v1"),
    d(
        "networking.k8s.io/v1beta1",
        "Ingress",
        19,
        22,
        "networking.k8s.io/v1 Ingress",
    ),
    d(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        19,
        22,
        "networking.k8s.io/v1 IngressClass",
    ),
    d(
        "rbac.authorization.k8s.io/v1beta1",
        "*",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    d(
        "rbac.authorization.k8s.io/v1alpha1",
        "*",
        17,
        22,
        "rbac.authorization.k8s.io/v1",
    ),
    d(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        16,
        22,
        "apiextensions.k8s.io/v1 CustomResourceDefinition",
    ),
    d(
        "admissionregistration.k8s.io/v1beta1",
        "*",
        16,
        22,
        "admissionregistration.k8s.io/v1",
    ),
    d(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        19,
        22,
        "apiregistration.k8s.io/v1 APIService",
    ),
    d(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        14,
        22,
        "scheduling.k8s.io/v1 PriorityClass",
    ),
    d(
        "coordination.k8s.io/v1beta1",
        "Lease",
        14,
        22,
        "coordination.k8s.io/v1 Lease",
    ),
    d(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        19,
        22,
        "certificates.k8s.io/v1 CertificateSigningRequest",
    ),
    d(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        19,
        22,
        "storage.k8s.io/v1 CSIDriver",
    ),
    d(
        "storage.k8s.io/v1beta1",
        "CSINode",
        17,
        22,
        "storage.k8s.io/v1 CSINode",
    ),
    d(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        6,
        22,
        "storage.k8s.io/v1 StorageClass",
    ),
    d(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        13,
        22,
        "storage.k8s.io/v1 VolumeAttachment",
    ),
    d(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        24,
        27,
        "storage.k8s.io/v1 CSIStorageCapacity",
    ),
    d("batch/v1beta1", "CronJob", 21, 25, "batch/v1 CronJob"),
    d(
        "policy/v1beta1",
        "PodDisruptionBudget",
        21,
        25,
        "policy/v1 PodDisruptionBudget",
    ),
    d(
        "policy/v1beta1",
        "PodSecurityPolicy",
        21,
        25,
        "Pod Security Admission",
    ),
    d(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        21,
        25,
        "discovery.k8s.io/v1 EndpointSlice",
    ),
    d(
        "events.k8s.io/v1beta1",
        "Event",
        19,
        25,
        "events.k8s.io/v1 Event",
    ),
    d(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        20,
        25,
        "node.k8s.io/v1 RuntimeClass",
    ),
    d(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        22,
        25,
        "autoscaling/v2 HorizontalPodAutoscaler",
    ),
    d(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        23,
        26,
        "autoscaling/v2 HorizontalPodAutoscaler",
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "*",
        23,
        26,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "*",
        26,
        29,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    d(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "*",
        29,
        32,
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    d(
        "v1",
        "Endpoints",
        33,
        u32::MAX,
        "discovery.k8s.io/v1 EndpointSlice",
    ),
    d(
        "v1",
        "ComponentStatus",
        19,
        u32::MAX,
        "none: read the components' health endpoints",
    ),
];

/// What the target version says about an `(apiVersion, kind)`.
#[derive(Debug, PartialEq, Eq)]
pub enum Status {
    /// Served and not deprecated.
    Current,
    /// Served but deprecated since `1.since`.
    Deprecated {
        /// Deprecated in this minor.
        since: u32,
        /// Removed in this minor, if scheduled.
        removed: Option<u32>,
        /// What to use instead.
        replacement: &'static str,
    },
    /// No longer served since `1.since`.
    Removed {
        /// Removed in this minor.
        since: u32,
        /// What to use instead.
        replacement: &'static str,
    },
}

/// The status of an `(apiVersion, kind)` in `target`.
pub fn status(api_version: &str, kind: &str, target: KubeVersion) -> Status {
    let Some(dep) = DEPRECATIONS
        .iter()
        .find(|d| d.api_version == api_version && (d.kind == kind || d.kind == "*"))
    else {
        return Status::Current;
    };
    if target.minor >= dep.removed {
        Status::Removed {
            since: dep.removed,
            replacement: dep.replacement,
        }
    } else if target.minor >= dep.deprecated {
        Status::Deprecated {
            since: dep.deprecated,
            removed: (dep.removed != u32::MAX).then_some(dep.removed),
            replacement: dep.replacement,
        }
    } else {
        Status::Current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(KubeVersion::parse("1.29"), Some(KubeVersion { minor: 29 }));
        assert_eq!(
            KubeVersion::parse("v1.25.3"),
            Some(KubeVersion { minor: 25 })
        );
        for bad in ["", "1", "2.3", "1.x", "1.29.", "banana", "1.2.3.4", "1.-1"] {
            assert_eq!(KubeVersion::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn pdb_v1beta1_is_deprecated_then_removed() {
        let v = |m| KubeVersion { minor: m };
        assert_eq!(
            status("policy/v1beta1", "PodDisruptionBudget", v(20)),
            Status::Current
        );
        assert!(matches!(
            status("policy/v1beta1", "PodDisruptionBudget", v(21)),
            Status::Deprecated {
                since: 21,
                removed: Some(25),
                ..
            }
        ));
        assert!(matches!(
            status("policy/v1beta1", "PodDisruptionBudget", v(25)),
            Status::Removed {
                since: 25,
                replacement: "policy/v1 PodDisruptionBudget"
            }
        ));
        assert!(matches!(
            status("apps/v1beta2", "StatefulSet", v(16)),
            Status::Removed { .. }
        ));
        assert_eq!(status("apps/v1", "StatefulSet", v(33)), Status::Current);
    }
}
