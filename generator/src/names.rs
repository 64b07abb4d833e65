//! Names and labels of rendered objects. The plugin finds clusters and pods by these, so they
//! are defined once, here.
//!
//! Every object is `<cluster>-<component>[-suffix]` so two clusters can share a namespace;
//! pods are `<cluster>-<component>-<ordinal>`.

use ozone_storage::Component;
use std::collections::BTreeMap;

/// `app.kubernetes.io/name`: always `ozone`.
pub const LABEL_NAME: &str = "app.kubernetes.io/name";
/// `app.kubernetes.io/instance`: the cluster name.
pub const LABEL_INSTANCE: &str = "app.kubernetes.io/instance";
/// `app.kubernetes.io/component`: the component id.
pub const LABEL_COMPONENT: &str = "app.kubernetes.io/component";
/// `app.kubernetes.io/version`: the Ozone version.
pub const LABEL_VERSION: &str = "app.kubernetes.io/version";
/// `app.kubernetes.io/managed-by`: always `kubectl-ozone`.
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of [`LABEL_NAME`].
pub const APP_NAME: &str = "ozone";
/// The value of [`LABEL_MANAGED_BY`], and the server-side apply field manager.
pub const MANAGER: &str = "kubectl-ozone";
/// Service label telling the headless Service (`headless`) from the client one (`client`), so
/// a ServiceMonitor selects exactly one of them.
pub const LABEL_SERVICE_ROLE: &str = "ozone.apache.org/service";
/// Pod annotation with the hash of the configuration the pod started with.
pub const CONFIG_HASH_ANNOTATION: &str = "ozone.apache.org/config-hash";
/// Pod annotation with the SHA-256 fingerprint of the TLS certificate the pod started with;
/// managed leaf Secrets carry the same annotation for their current certificate.
pub const TLS_FINGERPRINT_ANNOTATION: &str = "ozone.apache.org/tls-fingerprint";

/// The longest DNS label (RFC 1123): object names used as host names must fit.
pub const DNS_LABEL_MAX: usize = 63;
/// StatefulSet names longer than this cannot get their `controller-revision-hash` label
/// (63 characters, of which the hash suffix takes 11).
pub const STATEFULSET_NAME_MAX: usize = 52;

/// Names of one cluster's objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    cluster: String,
    namespace: String,
    domain: String,
}

impl Names {
    /// Names for cluster `cluster` in `namespace` with DNS domain `domain`.
    pub fn new(cluster: &str, namespace: &str, domain: &str) -> Names {
        Names {
            cluster: cluster.to_owned(),
            namespace: namespace.to_owned(),
            domain: domain.to_owned(),
        }
    }

    /// The cluster name.
    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The workload, ServiceAccount, PDB and client Service of a component: `<cluster>-<id>`.
    pub fn component(&self, component: Component) -> String {
        format!("{}-{}", self.cluster, component.id())
    }

    /// The headless Service that gives pods stable DNS names.
    pub fn headless(&self, component: Component) -> String {
        format!("{}-{}-headless", self.cluster, component.id())
    }

    /// The ConfigMap with the Ozone configuration.
    pub fn config_map(&self) -> String {
        format!("{}-config", self.cluster)
    }

    /// Pod `ordinal` of a StatefulSet component.
    pub fn pod(&self, component: Component, ordinal: i32) -> String {
        format!("{}-{ordinal}", self.component(component))
    }

    /// The fully qualified host name of a StatefulSet pod.
    pub fn pod_host(&self, component: Component, ordinal: i32) -> String {
        format!(
            "{}.{}.{}.svc.{}",
            self.pod(component, ordinal),
            self.headless(component),
            self.namespace,
            self.domain
        )
    }

    /// The fully qualified name of a component's client Service.
    pub fn service_host(&self, component: Component) -> String {
        format!(
            "{}.{}.svc.{}",
            self.component(component),
            self.namespace,
            self.domain
        )
    }

    /// Labels that select a component's pods.
    pub fn selector(&self, component: Component) -> BTreeMap<String, String> {
        BTreeMap::from([
            (LABEL_NAME.to_owned(), APP_NAME.to_owned()),
            (LABEL_INSTANCE.to_owned(), self.cluster.clone()),
            (LABEL_COMPONENT.to_owned(), component.id().to_owned()),
        ])
    }

    /// Labels that select every pod of the cluster.
    pub fn cluster_selector(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (LABEL_NAME.to_owned(), APP_NAME.to_owned()),
            (LABEL_INSTANCE.to_owned(), self.cluster.clone()),
        ])
    }

    /// Labels for objects of the whole cluster (ConfigMap, Namespace).
    pub fn cluster_labels(&self, version: &str) -> BTreeMap<String, String> {
        let mut labels = self.cluster_selector();
        labels.insert(LABEL_VERSION.to_owned(), version.to_owned());
        labels.insert(LABEL_MANAGED_BY.to_owned(), MANAGER.to_owned());
        labels
    }

    /// Labels of a component that no change to the spec moves: for fields the API server
    /// never lets an update change, such as a StatefulSet's volumeClaimTemplates.
    pub fn stable_labels(&self, component: Component) -> BTreeMap<String, String> {
        let mut labels = self.selector(component);
        labels.insert(LABEL_MANAGED_BY.to_owned(), MANAGER.to_owned());
        labels
    }

    /// Labels for a component's objects and pods.
    pub fn labels(&self, component: Component, version: &str) -> BTreeMap<String, String> {
        let mut labels = self.cluster_labels(version);
        labels.insert(LABEL_COMPONENT.to_owned(), component.id().to_owned());
        labels
    }

    /// Every name this cluster would give an object or pod with `max_ordinal` pods per
    /// StatefulSet, with the limit each must meet, for validation.
    pub fn all_with_limits(&self, max_ordinal: i32) -> Vec<(String, usize)> {
        let mut names = vec![(self.config_map(), DNS_LABEL_MAX)];
        for c in Component::ALL {
            names.push((self.component(c), STATEFULSET_NAME_MAX));
            names.push((self.headless(c), DNS_LABEL_MAX));
            names.push((self.pod(c, max_ordinal), DNS_LABEL_MAX));
        }
        names
    }
}

/// Whether `s` is an RFC 1123 DNS label: lowercase alphanumerics and `-`, starting and
/// ending alphanumeric, at most 63 characters.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= DNS_LABEL_MAX
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Whether `s` is an RFC 1035 label (a DNS label that starts with a letter), as Service
/// names must be.
pub fn is_dns1035_label(s: &str) -> bool {
    is_dns_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// Whether `s` is an RFC 1123 subdomain: dot-separated DNS labels, at most 253 characters.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_design() {
        let n = Names::new("ozone", "prod", "cluster.local");
        assert_eq!(n.component(Component::Om), "ozone-om");
        assert_eq!(n.pod(Component::Om, 2), "ozone-om-2");
        assert_eq!(
            n.pod_host(Component::Scm, 0),
            "ozone-scm-0.ozone-scm-headless.prod.svc.cluster.local"
        );
        assert_eq!(n.selector(Component::Datanode)[LABEL_COMPONENT], "datanode");
    }

    #[test]
    fn dns_rules() {
        assert!(is_dns_label("ozone-1"));
        for bad in ["", "Ozone", "-a", "a-", "a_b", "a.b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
        assert!(!is_dns1035_label("1ozone"));
        assert!(is_dns_subdomain("cluster.local"));
        assert!(!is_dns_subdomain("cluster..local"));
    }
}
