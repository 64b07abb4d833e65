//! Services: a headless Service per StatefulSet component, which gives Raft peers and
//! datanodes stable DNS names even before they are ready, and a client Service for the
//! components clients address as one endpoint.

use super::meta;
use crate::names::LABEL_SERVICE_ROLE;
use crate::spec::Cluster;
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use ozone_storage::Component;
use ozone_storage::catalog::State;
use ozone_storage::config::{Settings, effective_port, https_only};

/// [`LABEL_SERVICE_ROLE`] of headless Services.
pub const HEADLESS: &str = "headless";
/// [`LABEL_SERVICE_ROLE`] of client Services.
pub const CLIENT: &str = "client";

/// The Service Prometheus scrapes a component through: the client Service, or the headless
/// one for datanodes, which have no client Service.
pub fn scraped_service_role(component: Component) -> &'static str {
    if component == Component::Datanode {
        HEADLESS
    } else {
        CLIENT
    }
}

/// The headless and client Services of an enabled component.
pub fn services(cluster: &Cluster, component: Component, settings: &Settings) -> Vec<Service> {
    let Some(c) = cluster.component(component) else {
        return Vec::new();
    };
    let names = cluster.names();
    let labels = |role: &str| {
        let mut labels = names.labels(component, &cluster.version);
        labels.insert(LABEL_SERVICE_ROLE.to_owned(), role.to_owned());
        labels
    };
    let ports = |node_port: Option<i32>| {
        component
            .service()
            .ports
            .iter()
            .map(|p| {
                let number = i32::from(effective_port(p, settings).unwrap_or(p.number));
                ServicePort {
                    name: Some(p.name.into()),
                    port: number,
                    target_port: Some(IntOrString::String(p.name.into())),
                    protocol: Some("TCP".into()),
                    app_protocol: (https_only(settings) && p.https.is_some())
                        .then(|| "https".into()),
                    // The fixed node port belongs to the client-facing port (the first).
                    node_port: node_port.filter(|_| std::ptr::eq(p, &component.service().ports[0])),
                }
            })
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    if component.service().state == State::Persistent {
        out.push(Service {
            metadata: meta(
                &names.headless(component),
                &cluster.namespace,
                labels(HEADLESS),
            ),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".into()),
                // Raft peers must resolve each other while the ring is still forming.
                publish_not_ready_addresses: Some(true),
                selector: Some(names.selector(component)),
                ports: Some(ports(None)),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        });
    }
    // Clients reach datanodes one by one through their host names; a load-balanced Service in
    // front of them would have no user.
    if component != Component::Datanode {
        let mut metadata = meta(
            &names.component(component),
            &cluster.namespace,
            labels(CLIENT),
        );
        if !c.service.annotations.is_empty() {
            metadata.annotations = Some(c.service.annotations.clone());
        }
        out.push(Service {
            metadata,
            spec: Some(ServiceSpec {
                type_: Some(c.service.type_.map_or("ClusterIP", |t| t.as_str()).into()),
                selector: Some(names.selector(component)),
                ports: Some(ports(c.service.node_port)),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        });
    }
    out
}
