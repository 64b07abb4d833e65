//! NetworkPolicies derived from the catalog: deny all ingress to the cluster's pods, then allow
//! each real traffic path — one policy per (destination component, source) with exactly the
//! ports that source uses — so a reader sees who talks to whom.
//!
//! Ports are named (`ratis`), so they follow config overrides of the port numbers. Optional
//! egress restriction allows DNS and the cluster's own pods only.

use super::meta;
use crate::names::Names;
use crate::spec::Cluster;
use crate::spec::cluster::Network;
use crate::spec::doc::{Egress, ServiceType};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use ozone_storage::{Component, Peer};
use std::collections::BTreeMap;

/// The label every namespace carries with its own name (Kubernetes ≥ 1.22).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Who a policy admits, as named in policy names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Component(Component),
    Clients,
    Monitoring,
}

impl Source {
    fn id(self) -> &'static str {
        match self {
            Source::Component(c) => c.id(),
            Source::Clients => "clients",
            Source::Monitoring => "monitoring",
        }
    }
}

/// Every NetworkPolicy of the cluster, when NetworkPolicies are on.
pub fn network_policies(cluster: &Cluster) -> Vec<NetworkPolicy> {
    let Some(network) = &cluster.network else {
        return Vec::new();
    };
    let names = cluster.names();
    let mut out = vec![policy(
        cluster,
        &names,
        "default-deny",
        selector(names.cluster_selector()),
        NetworkPolicySpec {
            // No rules: every ingress not allowed by another policy is denied.
            policy_types: Some(vec!["Ingress".into()]),
            ..NetworkPolicySpec::default()
        },
    )];
    for dest in cluster.components.keys().copied() {
        let mut by_source: BTreeMap<Source, Vec<&'static str>> = BTreeMap::new();
        for port in dest.service().ports {
            for peer in port.clients {
                let source = match peer {
                    Peer::Component(c) if cluster.component(*c).is_some() => Source::Component(*c),
                    Peer::Component(_) => continue,
                    Peer::Clients => Source::Clients,
                    Peer::Monitoring => Source::Monitoring,
                };
                by_source.entry(source).or_default().push(port.name);
            }
        }
        for (source, ports) in by_source {
            let from = if source == Source::Clients && exposed_outside(cluster, dest) {
                // Traffic through a node port or load balancer comes from node or outside
                // addresses, which no pod or namespace selector matches.
                None
            } else {
                peers(cluster, &names, network, source)
            };
            out.push(policy(
                cluster,
                &names,
                &format!("{}-from-{}", dest.id(), source.id()),
                selector(names.selector(dest)),
                NetworkPolicySpec {
                    policy_types: Some(vec!["Ingress".into()]),
                    ingress: Some(vec![NetworkPolicyIngressRule {
                        from,
                        ports: Some(ports.iter().map(|p| named_port(p)).collect()),
                    }]),
                    ..NetworkPolicySpec::default()
                },
            ));
        }
    }
    if let Some(policy) = mount_pods_policy(cluster, &names) {
        out.push(policy);
    }
    if network.egress == Egress::Restricted {
        out.push(egress_policy(cluster, &names));
    }
    out
}

/// Admits the Mountpoint CSI driver's mount pods (which run in their own namespace, operations
/// reference §3.2) to the S3 Gateway's client ports, when the spec mounts buckets or names
/// that namespace. Not needed when clients may connect from anywhere anyway.
fn mount_pods_policy(cluster: &Cluster, names: &Names) -> Option<NetworkPolicy> {
    let namespace = cluster.s3.mount_namespace.as_ref()?;
    cluster.component(Component::S3g)?;
    let ports: Vec<NetworkPolicyPort> = Component::S3g
        .service()
        .ports
        .iter()
        .filter(|p| p.admits(Peer::Clients))
        .map(|p| named_port(p.name))
        .collect();
    Some(policy(
        cluster,
        names,
        &format!("{}-from-mount-pods", Component::S3g.id()),
        selector(names.selector(Component::S3g)),
        NetworkPolicySpec {
            policy_types: Some(vec!["Ingress".into()]),
            ingress: Some(vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(selector(BTreeMap::from([(
                        NAMESPACE_NAME_LABEL.to_owned(),
                        namespace.clone(),
                    )]))),
                    ..NetworkPolicyPeer::default()
                }]),
                ports: Some(ports),
            }]),
            ..NetworkPolicySpec::default()
        },
    ))
}

/// Whether the component's client Service is reachable from outside the cluster.
fn exposed_outside(cluster: &Cluster, component: Component) -> bool {
    cluster.component(component).is_some_and(|c| {
        matches!(
            c.service.type_,
            Some(ServiceType::NodePort | ServiceType::LoadBalancer)
        )
    })
}

/// The peers of a source. `None` means any source — only for clients when the spec allows
/// clients from anywhere.
fn peers(
    cluster: &Cluster,
    names: &Names,
    network: &Network,
    source: Source,
) -> Option<Vec<NetworkPolicyPeer>> {
    match source {
        Source::Component(c) => Some(vec![NetworkPolicyPeer {
            pod_selector: Some(selector(names.selector(c))),
            ..NetworkPolicyPeer::default()
        }]),
        Source::Clients if network.clients_from_anywhere => None,
        Source::Clients => {
            // Pods of the cluster's own namespace, and of the namespaces the spec names.
            let mut peers = vec![NetworkPolicyPeer {
                pod_selector: Some(LabelSelector::default()),
                ..NetworkPolicyPeer::default()
            }];
            if let Some(namespaces) = &network.client_namespaces {
                peers.push(NetworkPolicyPeer {
                    namespace_selector: Some(namespaces.clone()),
                    ..NetworkPolicyPeer::default()
                });
            }
            Some(peers)
        }
        Source::Monitoring => Some(vec![NetworkPolicyPeer {
            namespace_selector: Some(selector(BTreeMap::from([(
                NAMESPACE_NAME_LABEL.to_owned(),
                cluster.monitoring.namespace.clone(),
            )]))),
            ..NetworkPolicyPeer::default()
        }]),
    }
}

fn egress_policy(cluster: &Cluster, names: &Names) -> NetworkPolicy {
    let dns_port = |protocol: &str| NetworkPolicyPort {
        port: Some(IntOrString::Int(53)),
        protocol: Some(protocol.into()),
        ..NetworkPolicyPort::default()
    };
    policy(
        cluster,
        names,
        "egress",
        selector(names.cluster_selector()),
        NetworkPolicySpec {
            policy_types: Some(vec!["Egress".into()]),
            egress: Some(vec![
                NetworkPolicyEgressRule {
                    to: Some(vec![NetworkPolicyPeer {
                        namespace_selector: Some(selector(BTreeMap::from([(
                            NAMESPACE_NAME_LABEL.to_owned(),
                            "kube-system".to_owned(),
                        )]))),
                        pod_selector: Some(selector(BTreeMap::from([(
                            "k8s-app".to_owned(),
                            "kube-dns".to_owned(),
                        )]))),
                        ..NetworkPolicyPeer::default()
                    }]),
                    ports: Some(vec![dns_port("UDP"), dns_port("TCP")]),
                },
                NetworkPolicyEgressRule {
                    to: Some(vec![NetworkPolicyPeer {
                        pod_selector: Some(selector(names.cluster_selector())),
                        ..NetworkPolicyPeer::default()
                    }]),
                    ports: None,
                },
            ]),
            ..NetworkPolicySpec::default()
        },
    )
}

fn policy(
    cluster: &Cluster,
    names: &Names,
    suffix: &str,
    pod_selector: LabelSelector,
    spec: NetworkPolicySpec,
) -> NetworkPolicy {
    NetworkPolicy {
        metadata: meta(
            &format!("{}-{suffix}", names.cluster()),
            &cluster.namespace,
            names.cluster_labels(&cluster.version),
        ),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(pod_selector),
            ..spec
        }),
    }
}

fn named_port(name: &str) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::String(name.into())),
        protocol: Some("TCP".into()),
        ..NetworkPolicyPort::default()
    }
}

fn selector(labels: BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels),
        ..LabelSelector::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::LABEL_COMPONENT;
    use crate::spec::{Inputs, resolve};
    use std::collections::BTreeSet;

    type Path = (String, Component, String);

    fn cluster(sets: &[&str]) -> Cluster {
        resolve(&Inputs::with_sets("medium", sets)).unwrap()
    }

    /// What the rendered policies allow, read from the policies alone: (source, destination
    /// component, port name).
    fn allowed(policies: &[NetworkPolicy], monitoring_ns: &str) -> BTreeSet<Path> {
        let mut paths = BTreeSet::new();
        for p in policies {
            let spec = p.spec.as_ref().unwrap();
            let pod_labels = spec
                .pod_selector
                .as_ref()
                .unwrap()
                .match_labels
                .clone()
                .unwrap_or_default();
            let Some(dest) = pod_labels
                .get(LABEL_COMPONENT)
                .and_then(|c| Component::from_id(c))
            else {
                assert!(
                    spec.ingress.is_none(),
                    "{:?} selects no single component but allows ingress",
                    p.metadata.name
                );
                continue;
            };
            for rule in spec.ingress.iter().flatten() {
                let sources: Vec<String> = match &rule.from {
                    None => vec!["anywhere".into()],
                    Some(from) => from
                        .iter()
                        .map(
                            |peer| match (&peer.pod_selector, &peer.namespace_selector) {
                                (Some(pods), None) => match pods
                                    .match_labels
                                    .as_ref()
                                    .and_then(|l| l.get(LABEL_COMPONENT))
                                {
                                    Some(c) => c.clone(),
                                    None => "clients".into(),
                                },
                                (None, Some(ns)) => {
                                    let name = ns
                                        .match_labels
                                        .as_ref()
                                        .and_then(|l| l.get(NAMESPACE_NAME_LABEL));
                                    if name.map(String::as_str) == Some(monitoring_ns) {
                                        "monitoring".into()
                                    } else {
                                        "clients".into()
                                    }
                                }
                                other => panic!("unexpected peer {other:?}"),
                            },
                        )
                        .collect(),
                };
                for source in sources {
                    for port in rule.ports.iter().flatten() {
                        let Some(IntOrString::String(name)) = &port.port else {
                            panic!("unnamed port")
                        };
                        paths.insert((source.clone(), dest, name.clone()));
                    }
                }
            }
        }
        paths
    }

    /// What the catalog says must be allowed.
    fn required(c: &Cluster) -> BTreeSet<Path> {
        let mut paths = BTreeSet::new();
        for dest in c.components.keys() {
            for port in dest.service().ports {
                for peer in port.clients {
                    let source = match peer {
                        Peer::Component(s) if c.component(*s).is_some() => s.id().to_owned(),
                        Peer::Component(_) => continue,
                        Peer::Clients => "clients".into(),
                        Peer::Monitoring => "monitoring".into(),
                    };
                    paths.insert((source, *dest, port.name.to_owned()));
                }
            }
        }
        paths
    }

    #[test]
    fn mount_pods_reach_the_gateway_only_when_volumes_or_the_namespace_are_set() {
        let admitted = |sets: &[&str]| -> Option<(String, Vec<String>)> {
            let policies = network_policies(&cluster(sets));
            let p = policies
                .iter()
                .find(|p| p.metadata.name.as_deref() == Some("ozone-s3g-from-mount-pods"))?;
            let rule = &p.spec.as_ref()?.ingress.as_ref()?[0];
            let ns = rule.from.as_ref()?[0]
                .namespace_selector
                .as_ref()?
                .match_labels
                .as_ref()?[NAMESPACE_NAME_LABEL]
                .clone();
            let ports = rule
                .ports
                .iter()
                .flatten()
                .filter_map(|p| match &p.port {
                    Some(IntOrString::String(n)) => Some(n.clone()),
                    _ => None,
                })
                .collect();
            Some((ns, ports))
        };
        assert_eq!(admitted(&[]), None);
        assert_eq!(
            admitted(&["s3.volumes[0].bucket=logs", "s3.volumes[0].namespace=apps"]),
            Some(("mount-s3".into(), vec!["s3".into()]))
        );
        assert_eq!(
            admitted(&["s3.mountNamespace=csi"]).map(|a| a.0),
            Some("csi".into())
        );
    }

    #[test]
    fn policies_allow_exactly_the_catalog_paths() {
        for sets in [
            &[][..],
            &["httpfs.enabled=true", "recon.enabled=false"][..],
            &["s3g.enabled=false"][..],
        ] {
            let c = cluster(sets);
            let policies = network_policies(&c);
            assert_eq!(
                allowed(&policies, "monitoring"),
                required(&c),
                "with {sets:?}"
            );
        }
    }

    #[test]
    fn known_paths_are_present() {
        let c = cluster(&[]);
        let paths = allowed(&network_policies(&c), "monitoring");
        for (s, d, p) in [
            ("datanode", Component::Scm, "datanode-rpc"),
            ("om", Component::Scm, "block-rpc"),
            ("scm", Component::Scm, "ratis"),
            ("om", Component::Om, "ratis"),
            ("datanode", Component::Datanode, "replication"),
            ("s3g", Component::Om, "rpc"),
            ("monitoring", Component::S3g, "webadmin"),
            ("clients", Component::S3g, "s3"),
        ] {
            assert!(
                paths.contains(&(s.to_owned(), d, p.to_owned())),
                "missing {s} → {d}:{p}"
            );
        }
        assert!(!paths.contains(&("monitoring".to_owned(), Component::S3g, "s3".to_owned())));
    }

    #[test]
    fn nothing_is_open_to_everything_unless_asked() {
        let c = cluster(&["security.clients.namespaceSelector=team=data"]);
        assert!(
            !allowed(&network_policies(&c), "monitoring")
                .iter()
                .any(|(s, _, _)| s == "anywhere")
        );
        let open = cluster(&["security.clients.anywhere=true"]);
        let paths = allowed(&network_policies(&open), "monitoring");
        assert!(paths.contains(&("anywhere".to_owned(), Component::S3g, "s3".to_owned())));
        assert!(
            !paths
                .iter()
                .any(|(s, d, _)| s == "anywhere" && *d == Component::Scm)
        );
    }

    #[test]
    fn a_service_exposed_outside_the_cluster_opens_its_client_ports_to_everyone() {
        for exposure in ["LoadBalancer", "NodePort"] {
            let c = cluster(&[&format!("s3g.service.type={exposure}")]);
            let paths = allowed(&network_policies(&c), "monitoring");
            assert!(
                paths.contains(&("anywhere".to_owned(), Component::S3g, "s3".to_owned())),
                "{exposure}: S3 is not reachable through the Service"
            );
            assert!(
                paths
                    .iter()
                    .filter(|(s, _, _)| s == "anywhere")
                    .all(|(_, d, _)| *d == Component::S3g),
                "{exposure}: more than the S3 Gateway is open"
            );
        }
        let internal = cluster(&["s3g.service.type=ClusterIP"]);
        assert!(
            !allowed(&network_policies(&internal), "monitoring")
                .iter()
                .any(|(s, _, _)| s == "anywhere")
        );
    }

    #[test]
    fn default_deny_and_egress() {
        let c = cluster(&["security.egress=restricted"]);
        let policies = network_policies(&c);
        let deny = policies
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some("ozone-default-deny"))
            .unwrap();
        assert!(deny.spec.as_ref().unwrap().ingress.is_none());
        let egress = policies
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some("ozone-egress"))
            .unwrap();
        let rules = egress.spec.as_ref().unwrap().egress.as_ref().unwrap();
        assert_eq!(rules[0].ports.as_ref().unwrap().len(), 2);
        assert!(network_policies(&resolve(&Inputs::profile("small")).unwrap()).is_empty());
    }
}
