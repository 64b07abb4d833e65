//! Prometheus Operator objects: a ServiceMonitor per component that serves `/prom`, and a
//! PrometheusRule with the alerts an Ozone operator needs. The custom resources are typed
//! structs of our own (k8s-openapi has none for them); tests validate them against the
//! Prometheus Operator CRDs.
//!
//! Metric names come from Ozone's own dashboards (reference `ozone-metrics.md`) or, where a
//! name is only listed as a prefix there, from the metrics source that emits it (cited).

use super::meta;
use super::service::scraped_service_role;
use crate::names::{LABEL_COMPONENT, LABEL_INSTANCE, LABEL_SERVICE_ROLE};
use crate::spec::Cluster;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use ozone_storage::Component;
use ozone_storage::catalog::METRICS_PATH;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `monitoring.coreos.com/v1` `ServiceMonitor` (the fields we set).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceMonitor {
    /// `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// `ServiceMonitor`.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ServiceMonitorSpec,
}

/// `ServiceMonitor.spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceMonitorSpec {
    /// Which Services to scrape.
    pub selector: LabelSelector,
    /// In which namespaces.
    pub namespace_selector: NamespaceSelector,
    /// Pod labels copied onto every series.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pod_target_labels: Vec<String>,
    /// Scrape endpoints.
    pub endpoints: Vec<Endpoint>,
}

/// `namespaceSelector`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceSelector {
    /// Namespaces by name.
    pub match_names: Vec<String>,
}

/// One scrape endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Endpoint {
    /// Service port name.
    pub port: String,
    /// HTTP path.
    pub path: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Scrape interval.
    pub interval: String,
    /// Relabelings applied before scraping.
    pub relabelings: Vec<Relabeling>,
    /// TLS settings, when the cluster serves HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
}

/// `tlsConfig`: verify the server against the cluster's CA.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsConfig {
    /// The CA certificate.
    pub ca: SecretOrConfigMap,
    /// The name to check the certificate against.
    pub server_name: String,
}

/// A key of a Secret, as the Prometheus Operator refers to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretOrConfigMap {
    /// The Secret key.
    pub secret: super::tls::SecretKeyRef,
}

/// A relabeling rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Relabeling {
    /// Source labels.
    pub source_labels: Vec<String>,
    /// Target label.
    pub target_label: String,
    /// Action.
    pub action: String,
}

/// `monitoring.coreos.com/v1` `PrometheusRule` (the fields we set).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrometheusRule {
    /// `monitoring.coreos.com/v1`.
    pub api_version: String,
    /// `PrometheusRule`.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: PrometheusRuleSpec,
}

/// `PrometheusRule.spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrometheusRuleSpec {
    /// Rule groups.
    pub groups: Vec<RuleGroup>,
}

/// A rule group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleGroup {
    /// Group name.
    pub name: String,
    /// Alerting rules.
    pub rules: Vec<Alert>,
}

/// An alerting rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Alert {
    /// Alert name.
    pub alert: String,
    /// PromQL expression.
    pub expr: String,
    /// How long the expression must hold.
    #[serde(rename = "for")]
    pub for_: String,
    /// Labels (severity).
    pub labels: BTreeMap<String, String>,
    /// Annotations (summary, description).
    pub annotations: BTreeMap<String, String>,
}

const API_VERSION: &str = "monitoring.coreos.com/v1";

fn labels(cluster: &Cluster, component: Option<Component>) -> BTreeMap<String, String> {
    let names = cluster.names();
    let mut labels = match component {
        Some(c) => names.labels(c, &cluster.version),
        None => names.cluster_labels(&cluster.version),
    };
    labels.extend(cluster.monitoring.labels.clone());
    labels
}

/// The ServiceMonitors, when the spec asks for them.
pub fn service_monitors(cluster: &Cluster) -> Vec<ServiceMonitor> {
    if !cluster.monitoring.service_monitors {
        return Vec::new();
    }
    let names = cluster.names();
    cluster
        .components
        .keys()
        .filter_map(|&c| {
            let port = c.service().metrics()?;
            // Datanodes are scraped through the headless Service, whose name their
            // certificate also covers.
            let tls = cluster.tls.is_some() && port.https.is_some();
            let mut selector = names.selector(c);
            selector.insert(
                LABEL_SERVICE_ROLE.to_owned(),
                scraped_service_role(c).to_owned(),
            );
            Some(ServiceMonitor {
                api_version: API_VERSION.into(),
                kind: "ServiceMonitor".into(),
                metadata: meta(
                    &names.component(c),
                    &cluster.namespace,
                    labels(cluster, Some(c)),
                ),
                spec: ServiceMonitorSpec {
                    selector: LabelSelector {
                        match_labels: Some(selector),
                        ..LabelSelector::default()
                    },
                    namespace_selector: NamespaceSelector {
                        match_names: vec![cluster.namespace.clone()],
                    },
                    pod_target_labels: vec![LABEL_INSTANCE.to_owned(), LABEL_COMPONENT.to_owned()],
                    endpoints: vec![Endpoint {
                        port: port.name.to_owned(),
                        path: METRICS_PATH.to_owned(),
                        scheme: if tls { "https" } else { "http" }.into(),
                        tls_config: tls.then(|| TlsConfig {
                            ca: SecretOrConfigMap {
                                secret: super::tls::SecretKeyRef {
                                    name: super::tls::secret_name(cluster, c),
                                    key: "ca.crt".into(),
                                },
                            },
                            server_name: format!(
                                "{}.{}.svc",
                                scraped_service(cluster, c),
                                cluster.namespace
                            ),
                        }),
                        interval: cluster.monitoring.interval.clone(),
                        // Short label names for queries and dashboards: `pod` and `component`.
                        relabelings: vec![
                            Relabeling {
                                source_labels: vec!["__meta_kubernetes_pod_name".into()],
                                target_label: "pod".into(),
                                action: "replace".into(),
                            },
                            Relabeling {
                                source_labels: vec![
                                    "__meta_kubernetes_pod_label_app_kubernetes_io_component"
                                        .into(),
                                ],
                                target_label: "component".into(),
                                action: "replace".into(),
                            },
                        ],
                    }],
                },
            })
        })
        .collect()
}

/// Label matchers that select the series of one component of this cluster.
pub fn matcher(cluster: &Cluster, component: Component) -> String {
    format!(
        "namespace=\"{}\", service=\"{}\"",
        cluster.namespace,
        scraped_service(cluster, component)
    )
}

/// The Service name Prometheus records as `service` for a component.
fn scraped_service(cluster: &Cluster, component: Component) -> String {
    let names = cluster.names();
    if component == Component::Datanode {
        names.headless(component)
    } else {
        names.component(component)
    }
}

fn alert(
    name: &str,
    expr: String,
    for_: &str,
    severity: &str,
    summary: String,
    description: String,
) -> Alert {
    Alert {
        alert: name.into(),
        expr,
        for_: for_.into(),
        labels: BTreeMap::from([("severity".to_owned(), severity.to_owned())]),
        annotations: BTreeMap::from([
            ("summary".to_owned(), summary),
            ("description".to_owned(), description),
        ]),
    }
}

/// The alerts for this cluster.
pub fn alerts(cluster: &Cluster) -> Vec<Alert> {
    let ns = &cluster.namespace;
    let name = &cluster.name;
    let scm = matcher(cluster, Component::Scm);
    let mut out = vec![
        alert(
            "OzoneScmSafeModeTooLong",
            format!("max(safe_mode_metrics_scm_in_safe_mode{{{scm}}}) == 1"),
            "15m",
            "critical",
            format!("Ozone {ns}/{name}: SCM has been in safe mode for 15 minutes"),
            "SCM stays in safe mode until enough datanodes register and report their containers; in safe mode \
             no new blocks are allocated, so writes fail. Check that datanodes run and reach SCM \
             (`kubectl ozone status`, `kubectl ozone datanode list`), and SCM's log for the safe-mode rule that \
             is not met (`ozone admin safemode status --verbose`)."
                .into(),
        ),
        // Gauges `InServiceDeadNodes` / `InServiceStaleNodes` of the `SCMNodeManager` record
        // (SCMNodeMetrics.java; the prefix `scm_node_manager_in_service_` is in Ozone's
        // Overall Metrics dashboard).
        alert(
            "OzoneDatanodeDead",
            format!("max(scm_node_manager_in_service_dead_nodes{{{scm}}}) > 0"),
            "5m",
            "critical",
            format!("Ozone {ns}/{name}: {{{{ $value }}}} in-service datanode(s) dead"),
            "SCM has not heard from these datanodes for longer than the dead-node interval; their containers are \
             being re-replicated. Find them with `kubectl ozone datanode list`, check the pods and their nodes; \
             if a datanode is gone for good, decommission it."
                .into(),
        ),
        alert(
            "OzoneDatanodeStale",
            format!("max(scm_node_manager_in_service_stale_nodes{{{scm}}}) > 0"),
            "10m",
            "warning",
            format!("Ozone {ns}/{name}: {{{{ $value }}}} in-service datanode(s) stale"),
            "SCM missed heartbeats from these datanodes. A stale datanode becomes dead if it does not recover. \
             Check pod restarts, node pressure and network policies (`kubectl ozone datanode list`)."
                .into(),
        ),
    ];
    if cluster.is_ha(Component::Om) {
        out.push(alert(
            "OzoneOmNoLeader",
            format!("max(omha_metrics_ozone_manager_ha_leader_state{{{}}}) < 1", matcher(cluster, Component::Om)),
            "2m",
            "critical",
            format!("Ozone {ns}/{name}: no Ozone Manager is Raft leader"),
            "Without an OM leader every namespace operation fails. Check that a majority of OM pods run and reach \
             each other on the Ratis port (`kubectl ozone status` shows the roles), and OM logs for election errors."
                .into(),
        ));
    }
    if cluster.is_ha(Component::Scm) {
        // Gauge `SCMHALeaderState` of the `SCMHAMetrics` record (SCMHAMetrics.java); the
        // Prometheus sink splits both at their capitals: `scmha_metrics` + `scmha_leader_state`.
        out.push(alert(
            "OzoneScmNoLeader",
            format!("max(scmha_metrics_scmha_leader_state{{{scm}}}) < 1"),
            "2m",
            "critical",
            format!("Ozone {ns}/{name}: no Storage Container Manager is Raft leader"),
            "Without an SCM leader no blocks are allocated and datanode reports are not processed. Check that a \
             majority of SCM pods run and reach each other on the Ratis port (`kubectl ozone status`)."
                .into(),
        ));
    }
    let used = format!(
        "max(scm_node_manager_disk_used{{{scm}}}) / max(scm_node_manager_disk_capacity{{{scm}}})"
    );
    for (threshold, severity) in [(80, "warning"), (90, "critical")] {
        out.push(alert(
            &format!("OzoneCapacity{threshold}Percent"),
            format!("{used} > {}", f64::from(threshold) / 100.0),
            "15m",
            severity,
            format!("Ozone {ns}/{name}: datanode storage is more than {threshold}% used"),
            format!(
                "The cluster's datanode volumes are over {threshold}% full. Datanodes stop accepting new containers \
                 when a volume runs out of space. Add datanodes (`--set datanodes.replicas=N` and render again), \
                 grow their volumes, or delete data and snapshots."
            ),
        ));
    }
    for &c in cluster.components.keys() {
        if c.service().metrics_port.is_none() {
            continue;
        }
        let m = matcher(cluster, c);
        let severity = if matches!(c, Component::Scm | Component::Om) {
            "critical"
        } else {
            "warning"
        };
        out.push(alert(
            &format!("Ozone{}Down", pascal(c)),
            format!("up{{{m}}} == 0"),
            "5m",
            severity,
            format!("Ozone {ns}/{name}: {} {{{{ $labels.pod }}}} is down", c.title()),
            format!(
                "Prometheus cannot scrape {} pod {{{{ $labels.pod }}}}. Check the pod (`kubectl ozone status`, \
                 `kubectl -n {ns} describe pod {{{{ $labels.pod }}}}`) and its logs.",
                c.title()
            ),
        ));
        out.push(alert(
            &format!("Ozone{}TargetMissing", pascal(c)),
            format!("absent(up{{{m}}})"),
            "10m",
            severity,
            format!("Ozone {ns}/{name}: no {} is being scraped", c.title()),
            format!(
                "Prometheus has no {} target: the pods are gone, or the ServiceMonitor is not selected by a \
                 Prometheus (check spec.monitoring.labels) or blocked by a NetworkPolicy (spec.monitoring.namespace).",
                c.title()
            ),
        ));
    }
    let services = cluster
        .components
        .keys()
        .filter(|c| c.service().metrics_port.is_some())
        .map(|c| scraped_service(cluster, *c))
        .collect::<Vec<_>>()
        .join("|");
    out.push(alert(
        "OzoneJvmHeapNearLimit",
        format!(
            "max by (pod) (jvm_metrics_mem_heap_used_m{{namespace=\"{ns}\", service=~\"{services}\"}}) / max by (pod) (jvm_metrics_mem_heap_max_m{{namespace=\"{ns}\", service=~\"{services}\"}}) > 0.9"
        ),
        "10m",
        "warning",
        format!("Ozone {ns}/{name}: {{{{ $labels.pod }}}} uses over 90% of its JVM heap"),
        "Sustained high heap use leads to long GC pauses and out-of-memory restarts. Raise the component's memory \
         limit (the heap is spec.<component>.jvm.heapPercent of it) or look for a leak in the heap histogram."
            .into(),
    ));
    let pods = cluster
        .components
        .keys()
        .map(|c| c.id())
        .collect::<Vec<_>>()
        .join("|");
    out.push(alert(
        "OzonePodRestarting",
        format!("increase(kube_pod_container_status_restarts_total{{namespace=\"{ns}\", pod=~\"{name}-({pods})-.*\"}}[30m]) > 2"),
        "0m",
        "warning",
        format!("Ozone {ns}/{name}: {{{{ $labels.pod }}}} restarted more than twice in 30 minutes"),
        format!(
            "A crash-looping Ozone pod loses Raft membership or pipelines each time. Read the previous container's \
             log (`kubectl -n {ns} logs {{{{ $labels.pod }}}} --previous`) and check for OOM kills in the pod's events."
        ),
    ));
    out
}

fn pascal(c: Component) -> &'static str {
    match c {
        Component::Scm => "Scm",
        Component::Om => "Om",
        Component::Datanode => "Datanode",
        Component::S3g => "S3Gateway",
        Component::Recon => "Recon",
        Component::Httpfs => "HttpFS",
    }
}

/// The PrometheusRule, when the spec asks for it.
pub fn prometheus_rule(cluster: &Cluster) -> Option<PrometheusRule> {
    cluster.monitoring.prometheus_rules.then(|| PrometheusRule {
        api_version: API_VERSION.into(),
        kind: "PrometheusRule".into(),
        metadata: meta(&cluster.name, &cluster.namespace, labels(cluster, None)),
        spec: PrometheusRuleSpec {
            groups: vec![RuleGroup {
                name: format!("ozone.{}.{}", cluster.namespace, cluster.name),
                rules: alerts(cluster),
            }],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Inputs, resolve};

    fn cluster(profile: &str) -> Cluster {
        resolve(&Inputs::profile(profile)).unwrap()
    }

    #[test]
    fn every_expression_parses_as_promql() {
        for p in ["small", "medium", "large"] {
            for a in alerts(&cluster(p)) {
                promql_parser::parser::parse(&a.expr)
                    .unwrap_or_else(|e| panic!("{}: {e}: {}", a.alert, a.expr));
                assert!(
                    a.annotations["summary"].len() > 10 && a.annotations["description"].len() > 40
                );
                assert!(["warning", "critical"].contains(&a.labels["severity"].as_str()));
            }
        }
    }

    #[test]
    fn required_alerts_exist() {
        let names: Vec<String> = alerts(&cluster("medium"))
            .into_iter()
            .map(|a| a.alert)
            .collect();
        for required in [
            "OzoneScmSafeModeTooLong",
            "OzoneDatanodeDead",
            "OzoneDatanodeStale",
            "OzoneOmNoLeader",
            "OzoneScmNoLeader",
            "OzoneCapacity80Percent",
            "OzoneCapacity90Percent",
            "OzoneScmTargetMissing",
            "OzoneDatanodeDown",
            "OzoneJvmHeapNearLimit",
            "OzonePodRestarting",
        ] {
            assert!(names.iter().any(|n| n == required), "missing {required}");
        }
        // Leader alerts only make sense for rings.
        assert!(
            !alerts(&cluster("small"))
                .iter()
                .any(|a| a.alert.ends_with("NoLeader"))
        );
    }

    #[test]
    fn s3g_is_scraped_on_the_web_admin_port_and_httpfs_not_at_all() {
        let c = resolve(&Inputs::with_sets("medium", &["httpfs.enabled=true"])).unwrap();
        let monitors = service_monitors(&c);
        let s3g = monitors
            .iter()
            .find(|m| m.metadata.name.as_deref() == Some("ozone-s3g"))
            .unwrap();
        assert_eq!(s3g.spec.endpoints[0].port, "webadmin");
        assert_eq!(s3g.spec.endpoints[0].path, "/prom");
        assert!(
            !monitors
                .iter()
                .any(|m| m.metadata.name.as_deref() == Some("ozone-httpfs"))
        );
        assert_eq!(monitors.len(), 5);
    }
}
