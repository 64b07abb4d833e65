//! The questions `kubectl ozone init` asks, as data: what to ask, why it matters, the flag
//! that answers it, when it applies, its current value (the profile's, then earlier answers'),
//! and how an answer becomes `--set` assignments.
//!
//! Questions never check values themselves: an answer is turned into assignments and the
//! wizard runs them through [`crate::spec::resolve`], the same code that validates a spec for
//! render. The only checks here are of answer *syntax* (`yes`/`no`, `key=value` lists).

use crate::spec::Cluster;
use crate::spec::cluster::PersonRole;
use crate::spec::doc::{AntiAffinity, Egress, Replication, Spread, TlsMode, TolerationDoc};
use ozone_storage::Component;
use serde_json::{Map, Value};

/// How a question is put to a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Free text (names, numbers, sizes, lists); may be left empty when `optional`.
    Text {
        /// Whether an empty answer is meaningful ("none" or "the cluster default").
        optional: bool,
    },
    /// Yes or no.
    YesNo,
    /// One of a few values, each with a one-line meaning.
    Choice(&'static [(&'static str, &'static str)]),
}

/// How an answer becomes spec fields. Paths use the `--set` syntax (relative to `spec`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// `spec.profile`.
    Profile,
    /// A string written to every path; empty clears the field (back to its built-in default).
    Text(&'static [&'static str]),
    /// A whole number.
    Count(&'static str),
    /// `true` or `false`.
    Bool(&'static str),
    /// A quantity such as `10Gi`.
    Quantity(&'static str),
    /// One of [`Kind::Choice`]'s values.
    Choice(&'static str),
    /// `key=value,key=value` into a map; empty clears it.
    Labels(&'static str),
    /// `key[=value][:Effect],…` into a toleration list (kubectl taint syntax); empty clears it.
    Tolerations(&'static str),
    /// `Kind:name,…` (`Group:ozone-admins`, `User:alice`, `ServiceAccount:ns/name`) into a
    /// list of role-binding subjects; empty clears it.
    Subjects(&'static str),
    /// `component=cpu/memory,…`: requests and limits of the components named; the others keep
    /// theirs.
    Resources,
}

/// One question.
#[derive(Clone, Copy, Debug)]
pub struct Question {
    /// Stable id (also the clap argument id).
    pub id: &'static str,
    /// The long flag that answers it, without `--`.
    pub flag: &'static str,
    /// A short flag, if any.
    pub short: Option<char>,
    /// The flag's value name in help.
    pub value_name: &'static str,
    /// A short name for the summary.
    pub label: &'static str,
    /// The question.
    pub prompt: &'static str,
    /// One line on why it matters (shown before the prompt and as the flag's help).
    pub why: &'static str,
    /// How it is asked.
    pub kind: Kind,
    /// Whether a run without a terminal must get it by flag (no default is safe to assume).
    pub required: bool,
    /// Whether to ask, given the answers so far.
    pub applies: fn(&Cluster) -> bool,
    /// The current value as answer text: the prompt's default and the summary's value.
    pub current: fn(&Cluster) -> String,
    /// How an answer maps onto the spec.
    pub mapping: Mapping,
}

/// Profile meanings shown with the profile question.
pub const PROFILES: &[(&str, &str)] = &[
    (
        "small",
        "development and testing: 1 SCM, 1 OM, 3 datanodes, runs on one node",
    ),
    (
        "medium",
        "small production: 3 SCM and 3 OM (HA), 5 datanodes, one per node",
    ),
    (
        "large",
        "production: 3 SCM and 3 OM (HA) over zones, 9 datanodes",
    ),
];

const YES_NO: Kind = Kind::YesNo;
const TEXT: Kind = Kind::Text { optional: false };
const OPTIONAL: Kind = Kind::Text { optional: true };

fn always(_: &Cluster) -> bool {
    true
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn storage_size(c: &Cluster, component: Component) -> String {
    c.component(component)
        .and_then(|s| s.storage.as_ref())
        .map(|s| s.size.as_str().to_owned())
        .unwrap_or_default()
}

fn storage_class(c: &Cluster, component: Component) -> String {
    c.component(component)
        .and_then(|s| s.storage.as_ref())
        .and_then(|s| s.storage_class.clone())
        .unwrap_or_default()
}

fn enabled(c: &Cluster, component: Component) -> bool {
    c.component(component).is_some()
}

fn labels_text(map: &std::collections::BTreeMap<String, String>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Tolerations in kubectl taint syntax (`key=value:Effect`).
pub fn tolerations_text(list: &[TolerationDoc]) -> String {
    list.iter()
        .map(|t| {
            let mut s = t.key.clone().unwrap_or_default();
            if let Some(v) = &t.value {
                s.push('=');
                s.push_str(v);
            }
            if let Some(e) = &t.effect {
                s.push(':');
                s.push_str(e);
            }
            s
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `scm=500m/2Gi,om=…` for the enabled components (their requests).
fn resources_text(c: &Cluster) -> String {
    c.components
        .iter()
        .map(|(component, s)| {
            format!(
                "{}={}/{}",
                component.spec_field(),
                s.requests.cpu.as_str(),
                s.requests.memory.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `Group:ops,User:alice,ServiceAccount:ns/name` for one role.
fn subjects_text(c: &Cluster, role: PersonRole) -> String {
    c.rbac
        .bindings
        .get(&role)
        .map(|subjects| {
            subjects
                .iter()
                .map(|s| match &s.namespace {
                    Some(ns) => format!("{}:{ns}/{}", s.kind, s.name),
                    None => format!("{}:{}", s.kind, s.name),
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn monitoring_on(c: &Cluster) -> bool {
    c.monitoring.service_monitors || c.monitoring.prometheus_rules || c.monitoring.dashboards
}

/// Every question, in the order asked. The profile comes first: every later default is the
/// chosen profile's value (or an earlier answer's).
///
/// TLS details beyond the mode (an existing issuer, lifetimes, extra DNS names) are `--set`
/// fields (`security.tls.issuer.name=…`).
pub const QUESTIONS: &[Question] = &[
    Question {
        id: "profile",
        label: "Profile",
        flag: "profile",
        short: None,
        value_name: "NAME",
        prompt: "Profile (small, medium, large)",
        why: "Sizes, HA and spread for every component; each later default comes from it.",
        kind: Kind::Choice(PROFILES),
        required: true,
        applies: always,
        current: |c| c.profile.name().to_owned(),
        mapping: Mapping::Profile,
    },
    Question {
        id: "name",
        label: "Cluster name",
        flag: "name",
        short: None,
        value_name: "NAME",
        prompt: "Cluster name",
        why: "The prefix of every object (<name>-om), so two clusters can share a namespace.",
        kind: TEXT,
        required: false,
        applies: always,
        current: |c| c.name.clone(),
        mapping: Mapping::Text(&["metadata.name"]),
    },
    Question {
        id: "namespace",
        label: "Namespace",
        flag: "namespace",
        short: Some('n'),
        value_name: "NAMESPACE",
        prompt: "Namespace",
        why: "The namespace the cluster runs in; HA addresses include it.",
        kind: TEXT,
        required: true,
        applies: always,
        current: |c| c.namespace.clone(),
        mapping: Mapping::Text(&["metadata.namespace"]),
    },
    Question {
        id: "ozone-version",
        label: "Ozone version",
        flag: "ozone-version",
        short: None,
        value_name: "VERSION",
        prompt: "Ozone version",
        why: "The Ozone release: pods run the image apache/ozone:<version>.",
        kind: TEXT,
        required: false,
        applies: always,
        current: |c| c.version.clone(),
        mapping: Mapping::Text(&["version"]),
    },
    Question {
        id: "scm-replicas",
        label: "SCM replicas",
        flag: "scm-replicas",
        short: None,
        value_name: "N",
        prompt: "Storage Container Managers (1, or 3/5 for HA)",
        why: "1 means any SCM restart is an outage; a Raft ring of 3 survives one failure, 5 two.",
        kind: TEXT,
        required: false,
        applies: always,
        current: |c| c.replicas(Component::Scm).to_string(),
        mapping: Mapping::Count("scm.replicas"),
    },
    Question {
        id: "om-replicas",
        label: "OM replicas",
        flag: "om-replicas",
        short: None,
        value_name: "N",
        prompt: "Ozone Managers (1, or 3/5 for HA)",
        why: "1 means any OM restart is an outage; a Raft ring of 3 survives one failure, 5 two.",
        kind: TEXT,
        required: false,
        applies: always,
        current: |c| c.replicas(Component::Om).to_string(),
        mapping: Mapping::Count("om.replicas"),
    },
    Question {
        id: "replication",
        label: "Replication",
        flag: "replication",
        short: None,
        value_name: "THREE|ONE",
        prompt: "Default replication of new keys (THREE, ONE)",
        why: "THREE keeps three copies of every block and needs at least 3 datanodes.",
        kind: Kind::Choice(&[
            (
                "THREE",
                "three copies through a Ratis pipeline (Ozone's default)",
            ),
            ("ONE", "one copy: for single-datanode test clusters only"),
        ]),
        required: false,
        applies: always,
        current: |c| match c.replication {
            Replication::One => "ONE".to_owned(),
            Replication::Three => "THREE".to_owned(),
        },
        mapping: Mapping::Choice("replication"),
    },
    Question {
        id: "datanodes",
        label: "Datanodes",
        flag: "datanodes",
        short: None,
        value_name: "N",
        prompt: "Datanodes",
        why: "Datanodes store the data: at least the replication factor, more for headroom during drains.",
        kind: TEXT,
        required: false,
        applies: always,
        current: |c| c.replicas(Component::Datanode).to_string(),
        mapping: Mapping::Count("datanodes.replicas"),
    },
    Question {
        id: "s3g",
        label: "S3 Gateway",
        flag: "s3g",
        short: None,
        value_name: "yes|no",
        prompt: "Deploy the S3 Gateway?",
        why: "An S3-compatible endpoint for applications that speak the S3 API.",
        kind: YES_NO,
        required: false,
        applies: always,
        current: |c| yes_no(enabled(c, Component::S3g)),
        mapping: Mapping::Bool("s3g.enabled"),
    },
    Question {
        id: "s3g-service",
        label: "S3 Gateway Service type",
        flag: "s3g-service",
        short: None,
        value_name: "TYPE",
        prompt: "S3 Gateway Service type (ClusterIP, NodePort, LoadBalancer)",
        why: "How clients reach S3: inside the cluster only, on a port of every node, or through a cloud load balancer.",
        kind: Kind::Choice(&[
            ("ClusterIP", "reachable inside the cluster"),
            ("NodePort", "also on a port of every node"),
            ("LoadBalancer", "also through a cloud load balancer"),
        ]),
        required: false,
        applies: |c| enabled(c, Component::S3g),
        current: |c| {
            c.component(Component::S3g)
                .and_then(|s| s.service.type_)
                .map_or("ClusterIP", |t| t.as_str())
                .to_owned()
        },
        mapping: Mapping::Choice("s3g.service.type"),
    },
    Question {
        id: "recon",
        label: "Recon",
        flag: "recon",
        short: None,
        value_name: "yes|no",
        prompt: "Deploy Recon?",
        why: "Recon is Ozone's web console and analytics service: cluster health, containers, usage.",
        kind: YES_NO,
        required: false,
        applies: always,
        current: |c| yes_no(enabled(c, Component::Recon)),
        mapping: Mapping::Bool("recon.enabled"),
    },
    Question {
        id: "httpfs",
        label: "HttpFS",
        flag: "httpfs",
        short: None,
        value_name: "yes|no",
        prompt: "Deploy HttpFS?",
        why: "A WebHDFS-compatible REST gateway for tools that speak HDFS over HTTP.",
        kind: YES_NO,
        required: false,
        applies: always,
        current: |c| yes_no(enabled(c, Component::Httpfs)),
        mapping: Mapping::Bool("httpfs.enabled"),
    },
    Question {
        id: "resources",
        label: "CPU/memory per pod",
        flag: "resources",
        short: None,
        value_name: "COMPONENT=CPU/MEMORY,...",
        prompt: "CPU/memory per pod (component=cpu/memory,...; only the ones to change)",
        why: "Requests equal limits, so pods get what they ask for; the JVM heap is a fixed share of the memory.",
        kind: TEXT,
        required: false,
        applies: always,
        current: resources_text,
        mapping: Mapping::Resources,
    },
    Question {
        id: "storage-class",
        label: "StorageClass",
        flag: "storage-class",
        short: None,
        value_name: "CLASS",
        prompt: "StorageClass for all volumes (empty: the cluster's default class)",
        why: "Where persistent volumes come from; OM and SCM metadata want fast, low-latency disks.",
        kind: OPTIONAL,
        required: false,
        applies: always,
        current: |c| storage_class(c, Component::Om),
        mapping: Mapping::Text(&[
            "scm.storage.storageClass",
            "om.storage.storageClass",
            "datanodes.storage.storageClass",
            "recon.storage.storageClass",
        ]),
    },
    Question {
        id: "scm-storage",
        label: "SCM volume",
        flag: "scm-storage",
        short: None,
        value_name: "SIZE",
        prompt: "SCM volume size",
        why: "SCM keeps container and pipeline metadata in RocksDB on this volume.",
        kind: TEXT,
        required: false,
        applies: always,
        current: |c| storage_size(c, Component::Scm),
        mapping: Mapping::Quantity("scm.storage.size"),
    },
    Question {
        id: "om-storage",
        label: "OM volume",
        flag: "om-storage",
        short: None,
        value_name: "SIZE",
        prompt: "OM volume size",
        why: "OM's RocksDB holds the whole namespace: about 1 KiB per key.",
        kind: TEXT,
        required: false,
        applies: always,
        current: |c| storage_size(c, Component::Om),
        mapping: Mapping::Quantity("om.storage.size"),
    },
    Question {
        id: "datanode-storage-class",
        label: "Datanode StorageClass",
        flag: "datanode-storage-class",
        short: None,
        value_name: "CLASS",
        prompt: "StorageClass for datanode volumes (empty: the cluster's default class)",
        why: "Datanodes hold the data itself: large, cheaper disks often fit better than metadata's.",
        kind: OPTIONAL,
        required: false,
        applies: always,
        current: |c| storage_class(c, Component::Datanode),
        mapping: Mapping::Text(&["datanodes.storage.storageClass"]),
    },
    Question {
        id: "datanode-storage",
        label: "Datanode volume",
        flag: "datanode-storage",
        short: None,
        value_name: "SIZE",
        prompt: "Volume size per datanode",
        why: "Raw capacity is datanodes × this size; usable capacity is that divided by the replication factor.",
        kind: TEXT,
        required: false,
        applies: always,
        current: |c| storage_size(c, Component::Datanode),
        mapping: Mapping::Quantity("datanodes.storage.size"),
    },
    Question {
        id: "recon-storage",
        label: "Recon volume",
        flag: "recon-storage",
        short: None,
        value_name: "SIZE",
        prompt: "Recon volume size",
        why: "Recon keeps a copy of OM's namespace and container reports for its views.",
        kind: TEXT,
        required: false,
        applies: |c| enabled(c, Component::Recon),
        current: |c| storage_size(c, Component::Recon),
        mapping: Mapping::Quantity("recon.storage.size"),
    },
    Question {
        id: "service-monitors",
        label: "ServiceMonitors",
        flag: "service-monitors",
        short: None,
        value_name: "yes|no",
        prompt: "Render ServiceMonitors (Prometheus Operator)?",
        why: "A ServiceMonitor per component lets a Prometheus Operator scrape Ozone's metrics.",
        kind: YES_NO,
        required: false,
        applies: always,
        current: |c| yes_no(c.monitoring.service_monitors),
        mapping: Mapping::Bool("monitoring.serviceMonitors"),
    },
    Question {
        id: "alerts",
        label: "Alerts (PrometheusRule)",
        flag: "alerts",
        short: None,
        value_name: "yes|no",
        prompt: "Render alerts (a PrometheusRule)?",
        why: "Alerts for lost Raft majority, safe mode, dead datanodes and full disks.",
        kind: YES_NO,
        required: false,
        applies: always,
        current: |c| yes_no(c.monitoring.prometheus_rules),
        mapping: Mapping::Bool("monitoring.prometheusRules"),
    },
    Question {
        id: "dashboards",
        label: "Grafana dashboards",
        flag: "dashboards",
        short: None,
        value_name: "yes|no",
        prompt: "Render Grafana dashboards?",
        why: "Dashboards as ConfigMaps labelled grafana_dashboard: \"1\", picked up by Grafana's sidecar.",
        kind: YES_NO,
        required: false,
        applies: always,
        current: |c| yes_no(c.monitoring.dashboards),
        mapping: Mapping::Bool("monitoring.dashboards"),
    },
    Question {
        id: "monitoring-labels",
        label: "Monitoring labels",
        flag: "monitoring-labels",
        short: None,
        value_name: "KEY=VALUE,...",
        prompt: "Labels your Prometheus selects monitoring objects by (key=value,...; empty: none)",
        why: "kube-prometheus-stack only picks up objects labelled release: <its release name>.",
        kind: OPTIONAL,
        required: false,
        applies: monitoring_on,
        current: |c| labels_text(&c.monitoring.labels),
        mapping: Mapping::Labels("monitoring.labels"),
    },
    Question {
        id: "network-policies",
        label: "NetworkPolicies",
        flag: "network-policies",
        short: None,
        value_name: "yes|no",
        prompt: "Render NetworkPolicies?",
        why: "Deny all ingress, then allow only the traffic paths Ozone uses.",
        kind: YES_NO,
        required: false,
        applies: always,
        current: |c| yes_no(c.network.is_some()),
        mapping: Mapping::Bool("security.networkPolicies"),
    },
    Question {
        id: "client-namespaces",
        label: "Client namespaces",
        flag: "client-namespaces",
        short: None,
        value_name: "SELECTOR",
        prompt: "Namespaces whose pods may connect, as a label selector (empty: only the cluster's own)",
        why: "Clients outside the cluster's namespace are blocked unless selected here (team=data, kubernetes.io/metadata.name in (apps,etl)).",
        kind: OPTIONAL,
        required: false,
        applies: |c| c.network.is_some(),
        current: |c| {
            c.document
                .spec
                .as_ref()
                .and_then(|s| s.security.as_ref())
                .and_then(|s| s.clients.as_ref())
                .and_then(|c| c.namespace_selector.clone())
                .unwrap_or_default()
        },
        mapping: Mapping::Text(&["security.clients.namespaceSelector"]),
    },
    Question {
        id: "clients-anywhere",
        label: "Clients from anywhere",
        flag: "clients-anywhere",
        short: None,
        value_name: "yes|no",
        prompt: "Allow clients from anywhere, inside or outside the Kubernetes cluster?",
        why: "Needed when S3 is exposed through a NodePort or LoadBalancer.",
        kind: YES_NO,
        required: false,
        applies: |c| c.network.is_some(),
        current: |c| yes_no(c.network.as_ref().is_some_and(|n| n.clients_from_anywhere)),
        mapping: Mapping::Bool("security.clients.anywhere"),
    },
    Question {
        id: "egress",
        label: "Egress",
        flag: "egress",
        short: None,
        value_name: "open|restricted",
        prompt: "Egress (open, restricted)",
        why: "restricted lets pods reach only DNS and the cluster's own pods.",
        kind: Kind::Choice(&[
            ("open", "pods may connect anywhere"),
            (
                "restricted",
                "pods may connect only to DNS and to the cluster's own pods",
            ),
        ]),
        required: false,
        applies: |c| c.network.is_some(),
        current: |c| {
            match c.network.as_ref().map_or(Egress::Open, |n| n.egress) {
                Egress::Open => "open",
                Egress::Restricted => "restricted",
            }
            .to_owned()
        },
        mapping: Mapping::Choice("security.egress"),
    },
    Question {
        id: "monitoring-namespace",
        label: "Prometheus namespace",
        flag: "monitoring-namespace",
        short: None,
        value_name: "NAMESPACE",
        prompt: "Namespace Prometheus runs in",
        why: "The NetworkPolicies open the metrics ports to this namespace only.",
        kind: TEXT,
        required: false,
        applies: |c| c.network.is_some() && c.monitoring.service_monitors,
        current: |c| c.monitoring.namespace.clone(),
        mapping: Mapping::Text(&["monitoring.namespace"]),
    },
    Question {
        id: "pod-security",
        label: "Pod Security level",
        flag: "pod-security",
        short: None,
        value_name: "LEVEL",
        prompt: "Pod Security level for the namespace (restricted, baseline, privileged)",
        why: "The Pod Security Standard enforced on the namespace; the pods meet restricted either way.",
        kind: Kind::Choice(&[
            ("restricted", "hardened; what the rendered pods meet"),
            ("baseline", "prevents known privilege escalations"),
            ("privileged", "unrestricted"),
        ]),
        required: false,
        applies: always,
        current: |c| c.pod_security.as_str().to_owned(),
        mapping: Mapping::Choice("security.podSecurity"),
    },
    Question {
        id: "tls",
        label: "TLS",
        flag: "tls",
        short: None,
        value_name: "MODE",
        prompt: "TLS for the HTTP endpoints (none, cert-manager, managed)",
        why: "Encrypts the web UIs, the S3 Gateway and metrics; cert-manager issues and renews the certificates.",
        kind: Kind::Choice(&[
            ("none", "plain HTTP"),
            ("cert-manager", "certificates from cert-manager"),
            (
                "managed",
                "certificates created by `kubectl ozone cert issue`",
            ),
        ]),
        required: false,
        applies: always,
        current: |c| {
            match c.tls.as_ref().map(|t| t.mode) {
                None | Some(TlsMode::None) => "none",
                Some(TlsMode::CertManager) => "cert-manager",
                Some(TlsMode::Managed) => "managed",
            }
            .to_owned()
        },
        mapping: Mapping::Choice("security.tls.mode"),
    },
    Question {
        id: "node-selector",
        label: "Node selector",
        flag: "node-selector",
        short: None,
        value_name: "KEY=VALUE,...",
        prompt: "Node labels every pod requires (key=value,...; empty: any node)",
        why: "Keeps Ozone on nodes meant for storage.",
        kind: OPTIONAL,
        required: false,
        applies: always,
        current: |c| labels_text(&c.placement.node_selector),
        mapping: Mapping::Labels("placement.nodeSelector"),
    },
    Question {
        id: "tolerations",
        label: "Tolerations",
        flag: "tolerations",
        short: None,
        value_name: "KEY[=VALUE][:EFFECT],...",
        prompt: "Taints every pod tolerates (key=value:Effect,...; empty: none)",
        why: "Lets pods run on nodes tainted for dedicated storage use.",
        kind: OPTIONAL,
        required: false,
        applies: always,
        current: |c| tolerations_text(&c.placement.tolerations),
        mapping: Mapping::Tolerations("placement.tolerations"),
    },
    Question {
        id: "spread",
        label: "Spread over",
        flag: "spread",
        short: None,
        value_name: "host|zone",
        prompt: "Spread replicas over (host, zone)",
        why: "zone keeps OM, SCM and datanode replicas in different zones, so a whole zone can fail.",
        kind: Kind::Choice(&[
            ("host", "nodes (kubernetes.io/hostname)"),
            (
                "zone",
                "zones (topology.kubernetes.io/zone), and nodes within them",
            ),
        ]),
        required: false,
        applies: always,
        current: |c| {
            match c.placement.spread {
                Spread::Host => "host",
                Spread::Zone => "zone",
            }
            .to_owned()
        },
        mapping: Mapping::Choice("placement.spread"),
    },
    Question {
        id: "anti-affinity",
        label: "Anti-affinity",
        flag: "anti-affinity",
        short: None,
        value_name: "required|preferred",
        prompt: "Anti-affinity (required, preferred)",
        why: "required never puts two replicas on one node (pods stay Pending instead); preferred fits small test clusters.",
        kind: Kind::Choice(&[
            ("required", "never share a node"),
            ("preferred", "avoid sharing a node when possible"),
        ]),
        required: false,
        applies: always,
        current: |c| {
            match c.placement.anti_affinity {
                AntiAffinity::Required => "required",
                AntiAffinity::Preferred => "preferred",
            }
            .to_owned()
        },
        mapping: Mapping::Choice("placement.antiAffinity"),
    },
    Question {
        id: "rbac-roles",
        label: "RBAC Roles",
        flag: "rbac-roles",
        short: None,
        value_name: "yes|no",
        prompt: "Render Roles for people and for the day-2 commands?",
        why: "Roles <cluster>-admin, -developer, -viewer and -operator, ready to bind to your users and groups.",
        kind: YES_NO,
        required: false,
        applies: always,
        current: |c| yes_no(c.rbac.roles),
        mapping: Mapping::Bool("rbac.roles"),
    },
    Question {
        id: "admins",
        label: "Admins",
        flag: "admins",
        short: None,
        value_name: "KIND:NAME,...",
        prompt: "Who gets the admin role (Group:name, User:name, ServiceAccount:ns/name, ...; empty: nobody)",
        why: "Full control, including the day-2 commands (decommission, snapshots, certificates).",
        kind: OPTIONAL,
        required: false,
        applies: |c| c.rbac.roles,
        current: |c| subjects_text(c, PersonRole::Admin),
        mapping: Mapping::Subjects("rbac.bindings.admin"),
    },
    Question {
        id: "developers",
        label: "Developers",
        flag: "developers",
        short: None,
        value_name: "KIND:NAME,...",
        prompt: "Who gets the developer role (Group:name, User:name, ...; empty: nobody)",
        why: "Read, logs and port-forward: enough to debug an application against Ozone.",
        kind: OPTIONAL,
        required: false,
        applies: |c| c.rbac.roles,
        current: |c| subjects_text(c, PersonRole::Developer),
        mapping: Mapping::Subjects("rbac.bindings.developer"),
    },
    Question {
        id: "viewers",
        label: "Viewers",
        flag: "viewers",
        short: None,
        value_name: "KIND:NAME,...",
        prompt: "Who gets the viewer role (Group:name, User:name, ...; empty: nobody)",
        why: "Read-only, no Secrets.",
        kind: OPTIONAL,
        required: false,
        applies: |c| c.rbac.roles,
        current: |c| subjects_text(c, PersonRole::Viewer),
        mapping: Mapping::Subjects("rbac.bindings.viewer"),
    },
    Question {
        id: "operators",
        label: "Operators",
        flag: "operators",
        short: None,
        value_name: "KIND:NAME,...",
        prompt: "Who gets the operator role (ServiceAccount:ns/name, Group:name, ...; empty: nobody)",
        why: "Exactly what the day-2 commands need: for automation such as a CI job running `kubectl ozone status`.",
        kind: OPTIONAL,
        required: false,
        applies: |c| c.rbac.roles,
        current: |c| subjects_text(c, PersonRole::Operator),
        mapping: Mapping::Subjects("rbac.bindings.operator"),
    },
];

/// Looks a question up by id.
pub fn find(id: &str) -> Option<&'static Question> {
    QUESTIONS.iter().find(|q| q.id == id)
}

/// Reads a yes/no answer.
pub fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "on" => Some(true),
        "n" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// A JSON string, which is also a YAML double-quoted scalar: `--set` reads it back as exactly
/// this string (so `2.0` stays a string, not a number).
fn quoted(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

impl Mapping {
    /// The `--set` assignments for an answer, or why the answer cannot be read. An empty
    /// answer to an optional question clears the field.
    pub fn assignments(self, kind: Kind, answer: &str) -> Result<Vec<String>, String> {
        let text = answer.trim();
        match self {
            Mapping::Profile => Ok(vec![format!(
                "spec.profile={}",
                quoted(&choice(kind, text))
            )]),
            Mapping::Text(paths) => {
                let value = if text.is_empty() {
                    "null".to_owned()
                } else {
                    quoted(text)
                };
                Ok(paths.iter().map(|p| format!("{p}={value}")).collect())
            }
            Mapping::Count(path) => match text.parse::<i64>() {
                Ok(n) => Ok(vec![format!("{path}={n}")]),
                Err(_) => Err(format!("{text:?} is not a whole number")),
            },
            Mapping::Bool(path) => match parse_yes_no(text) {
                Some(b) => Ok(vec![format!("{path}={b}")]),
                None => Err(format!("{text:?}: answer yes or no")),
            },
            Mapping::Quantity(path) => Ok(vec![format!("{path}={}", quoted(text))]),
            Mapping::Choice(path) => Ok(vec![format!("{path}={}", quoted(&choice(kind, text)))]),
            Mapping::Labels(path) => {
                let mut map = Map::new();
                for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let Some((k, v)) = item.split_once('=') else {
                        return Err(format!("{item:?}: expected key=value"));
                    };
                    map.insert(k.trim().to_owned(), Value::String(v.trim().to_owned()));
                }
                Ok(vec![format!("{path}={}", Value::Object(map))])
            }
            Mapping::Resources => {
                let mut sets = Vec::new();
                for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let parsed = item
                        .split_once('=')
                        .and_then(|(c, v)| v.split_once('/').map(|(cpu, mem)| (c, cpu, mem)));
                    let Some((component, cpu, memory)) = parsed else {
                        return Err(format!(
                            "{item:?}: expected component=cpu/memory (datanodes=4/16Gi)"
                        ));
                    };
                    let component = component.trim();
                    if component.is_empty() || component.contains(['.', '[', '\\']) {
                        return Err(format!("{item:?}: {component:?} is not a component"));
                    }
                    for kind in ["requests", "limits"] {
                        sets.push(format!(
                            "{component}.resources.{kind}.cpu={}",
                            quoted(cpu.trim())
                        ));
                        sets.push(format!(
                            "{component}.resources.{kind}.memory={}",
                            quoted(memory.trim())
                        ));
                    }
                }
                Ok(sets)
            }
            Mapping::Subjects(path) => {
                let mut list = Vec::new();
                for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let Some((kind, name)) = item.split_once(':') else {
                        return Err(format!("{item:?}: expected Kind:name (Group:ozone-admins)"));
                    };
                    let mut subject = Map::new();
                    subject.insert("kind".into(), Value::String(kind.trim().to_owned()));
                    match name.split_once('/') {
                        Some((ns, n)) if kind.trim() == "ServiceAccount" => {
                            subject.insert("name".into(), Value::String(n.trim().to_owned()));
                            subject.insert("namespace".into(), Value::String(ns.trim().to_owned()));
                        }
                        _ => {
                            subject.insert("name".into(), Value::String(name.trim().to_owned()));
                        }
                    }
                    list.push(Value::Object(subject));
                }
                Ok(vec![format!("{path}={}", Value::Array(list))])
            }
            Mapping::Tolerations(path) => {
                let mut list = Vec::new();
                for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    list.push(toleration(item)?);
                }
                Ok(vec![format!("{path}={}", Value::Array(list))])
            }
        }
    }
}

/// A choice answered in any letter case becomes the canonical value; anything else is passed
/// on as typed, for resolve to reject with the list of valid values.
fn choice(kind: Kind, text: &str) -> String {
    match kind {
        Kind::Choice(options) => options
            .iter()
            .find(|(v, _)| v.eq_ignore_ascii_case(text))
            .map_or_else(|| text.to_owned(), |(v, _)| (*v).to_owned()),
        _ => text.to_owned(),
    }
}

/// `key[=value][:Effect]` (kubectl taint syntax) as a toleration; a bare `:Effect` tolerates
/// every taint with that effect.
fn toleration(item: &str) -> Result<Value, String> {
    let (body, effect) = match item.rsplit_once(':') {
        Some((b, e)) => (b, Some(e.trim())),
        None => (item, None),
    };
    let (key, value) = match body.split_once('=') {
        Some((k, v)) => (k.trim(), Some(v.trim())),
        None => (body.trim(), None),
    };
    if key.is_empty() && value.is_some() {
        return Err(format!("{item:?}: a toleration with a value needs a key"));
    }
    let mut t = Map::new();
    if !key.is_empty() {
        t.insert("key".into(), Value::String(key.to_owned()));
    }
    let operator = if value.is_some() { "Equal" } else { "Exists" };
    t.insert("operator".into(), Value::String(operator.into()));
    if let Some(v) = value {
        t.insert("value".into(), Value::String(v.to_owned()));
    }
    if let Some(e) = effect.filter(|e| !e.is_empty()) {
        t.insert("effect".into(), Value::String(e.to_owned()));
    }
    Ok(Value::Object(t))
}
