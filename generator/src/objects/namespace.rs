//! The Namespace, labelled for Pod Security Admission.

use super::meta;
use crate::spec::Cluster;
use k8s_openapi::api::core::v1::Namespace;

/// The Namespace with `pod-security.kubernetes.io/{enforce,audit,warn}` set to the spec's level.
pub fn namespace(cluster: &Cluster) -> Namespace {
    let names = cluster.names();
    let mut labels = names.cluster_labels(&cluster.version);
    // The instance label would tie the namespace to one cluster; several may share it.
    labels.remove(crate::names::LABEL_INSTANCE);
    for mode in ["enforce", "audit", "warn"] {
        labels.insert(
            format!("pod-security.kubernetes.io/{mode}"),
            cluster.pod_security.as_str().into(),
        );
    }
    let mut metadata = meta(&cluster.namespace, "", labels);
    metadata.namespace = None;
    Namespace {
        metadata,
        ..Namespace::default()
    }
}
