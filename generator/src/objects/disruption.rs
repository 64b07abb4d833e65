//! PodDisruptionBudgets: how many pods of a component a node drain may take at once. For Raft
//! rings of 3 that is 1 (the majority survives); for datanodes 1 keeps two live copies of every
//! block under THREE replication.

use super::meta;
use crate::spec::Cluster;
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use ozone_storage::Component;

/// The PodDisruptionBudget of an enabled component.
pub fn pod_disruption_budget(
    cluster: &Cluster,
    component: Component,
) -> Option<PodDisruptionBudget> {
    let c = cluster.component(component)?;
    let names = cluster.names();
    Some(PodDisruptionBudget {
        metadata: meta(
            &names.component(component),
            &cluster.namespace,
            names.labels(component, &cluster.version),
        ),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(c.max_unavailable)),
            selector: Some(LabelSelector {
                match_labels: Some(names.selector(component)),
                ..LabelSelector::default()
            }),
            ..PodDisruptionBudgetSpec::default()
        }),
        ..PodDisruptionBudget::default()
    })
}
