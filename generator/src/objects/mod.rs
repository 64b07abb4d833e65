//! Builders: the resolved cluster → typed Kubernetes objects, one module per concern. Every
//! port, key and address comes from the storage catalog; every name from [`crate::names`].

pub mod backups;
pub mod bucket_volumes;
pub mod config;
pub mod dashboards;
pub mod disruption;
pub mod identity;
pub mod monitoring;
pub mod namespace;
pub mod network;
pub mod operator;
pub mod patch;
pub mod rbac;
pub mod scheduled;
pub mod service;
pub mod snapshots;
pub mod tls;
pub mod volumes;
pub mod workload;

use crate::output::{Manifest, Object};
use crate::spec::Cluster;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use ozone_storage::Component;
use std::collections::BTreeMap;
use workload::Workload;

/// Why rendering failed after the spec was accepted.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A patch names an object that was not rendered.
    #[error("spec.patches[{index}]: no rendered object is {kind}/{name}")]
    PatchTarget {
        /// Index in `spec.patches`.
        index: usize,
        /// Target kind.
        kind: String,
        /// Target name.
        name: String,
    },
    /// A patch operation failed.
    #[error("spec.patches[{index}]: cannot apply to {kind}/{name}: {message}")]
    Patch {
        /// Index in `spec.patches`.
        index: usize,
        /// Target kind.
        kind: String,
        /// Target name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// An object could not be serialized.
    #[error("failed to serialize {kind}/{name}: {message}")]
    Serialize {
        /// Kind.
        kind: String,
        /// Name.
        name: String,
        /// What went wrong.
        message: String,
    },
}

/// Renders every object of the cluster, patched and in output order.
pub fn render(cluster: &Cluster) -> Result<Manifest, BuildError> {
    let settings = config::settings(cluster);
    let data = config::env_data(&settings);

    let mut objects = vec![
        Object::typed(&namespace::namespace(cluster))?,
        Object::typed(&config::config_map(cluster, data))?,
    ];
    for component in Component::ALL {
        if let Some(sa) = identity::service_account(cluster, component) {
            objects.push(Object::typed(&sa)?);
        }
        for svc in service::services(cluster, component, &settings) {
            objects.push(Object::typed(&svc)?);
        }
        if let Some(pdb) = disruption::pod_disruption_budget(cluster, component) {
            objects.push(Object::typed(&pdb)?);
        }
        let hash = config::component_hash(&settings, component);
        match workload::workload(cluster, component, &settings, &hash) {
            Some(Workload::StatefulSet(sts)) => objects.push(Object::typed(sts.as_ref())?),
            Some(Workload::Deployment(deploy)) => objects.push(Object::typed(deploy.as_ref())?),
            None => {}
        }
    }
    for (pv, pvc) in bucket_volumes::objects(cluster, &settings) {
        objects.push(Object::typed(&pv)?);
        objects.push(Object::typed(&pvc)?);
    }
    for policy in network::network_policies(cluster) {
        objects.push(Object::typed(&policy)?);
    }
    for role in rbac::roles(cluster) {
        objects.push(Object::typed(&role)?);
    }
    for binding in rbac::role_bindings(cluster) {
        objects.push(Object::typed(&binding)?);
    }
    for monitor in monitoring::service_monitors(cluster) {
        let name = monitor.metadata.name.clone().unwrap_or_default();
        objects.push(Object::custom(
            "ServiceMonitor",
            &cluster.namespace,
            &name,
            &monitor,
        )?);
    }
    if let Some(rule) = monitoring::prometheus_rule(cluster) {
        objects.push(Object::custom(
            "PrometheusRule",
            &cluster.namespace,
            &cluster.name,
            &rule,
        )?);
    }
    if let Some(cm) = tls::certificates_config_map(cluster)? {
        objects.push(Object::typed(&cm)?);
    }
    let (issuers, certificates) = tls::cert_manager_objects(cluster);
    for issuer in issuers {
        let name = issuer.metadata.name.clone().unwrap_or_default();
        objects.push(Object::custom(
            "Issuer",
            &cluster.namespace,
            &name,
            &issuer,
        )?);
    }
    for certificate in certificates {
        let name = certificate.metadata.name.clone().unwrap_or_default();
        objects.push(Object::custom(
            "Certificate",
            &cluster.namespace,
            &name,
            &certificate,
        )?);
    }
    let (account, script, jobs) = snapshots::objects(cluster);
    if let Some(account) = account {
        objects.push(Object::typed(&account)?);
    }
    if let Some(script) = script {
        objects.push(Object::typed(&script)?);
    }
    for job in jobs {
        objects.push(Object::typed(&job)?);
    }
    objects.extend(backups::objects(cluster).into_objects()?);
    for dashboard in dashboards::config_maps(cluster) {
        objects.push(Object::typed(&dashboard)?);
    }
    patch::apply(&mut objects, &cluster.patches)?;
    Ok(Manifest::new(objects))
}

/// Metadata with a name, namespace and labels.
pub(crate) fn meta(name: &str, namespace: &str, labels: BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: (!namespace.is_empty()).then(|| namespace.to_owned()),
        labels: Some(labels),
        ..ObjectMeta::default()
    }
}
