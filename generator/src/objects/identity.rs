//! ServiceAccounts: one per component, with no API token, because Ozone never calls the
//! Kubernetes API.

use super::meta;
use crate::spec::Cluster;
use k8s_openapi::api::core::v1::ServiceAccount;
use ozone_storage::Component;

/// The ServiceAccount of an enabled component.
pub fn service_account(cluster: &Cluster, component: Component) -> Option<ServiceAccount> {
    cluster.component(component)?;
    let names = cluster.names();
    Some(ServiceAccount {
        metadata: meta(
            &names.component(component),
            &cluster.namespace,
            names.labels(component, &cluster.version),
        ),
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    })
}
