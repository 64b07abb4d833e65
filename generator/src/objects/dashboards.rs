//! Grafana dashboards (cluster overview, OM, SCM, datanodes, S3 Gateway) as ConfigMaps labelled
//! `grafana_dashboard: "1"` for the Grafana sidecar. Written for this tool; queries are scoped to
//! this cluster's Services and use metric names Ozone exposes (see `monitoring.rs`). The JSON is
//! built as `serde_json` values, so it is valid by construction; the data source is a dashboard
//! variable, so users pick their Prometheus.

use super::meta;
use super::monitoring::matcher;
use crate::spec::Cluster;
use k8s_openapi::api::core::v1::ConfigMap;
use ozone_storage::Component;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The label the Grafana sidecar looks for.
pub const DASHBOARD_LABEL: &str = "grafana_dashboard";

/// A panel: title, unit and queries (PromQL, legend).
struct Panel {
    title: &'static str,
    unit: &'static str,
    queries: Vec<(String, &'static str)>,
}

fn panel(title: &'static str, unit: &'static str, queries: Vec<(String, &'static str)>) -> Panel {
    Panel {
        title,
        unit,
        queries,
    }
}

/// A dashboard: id, title and panels.
pub struct Dashboard {
    /// Short id (`overview`).
    pub id: &'static str,
    /// Title shown in Grafana.
    pub title: String,
    panels: Vec<Panel>,
}

impl Dashboard {
    /// Every PromQL query of the dashboard.
    pub fn queries(&self) -> impl Iterator<Item = &str> {
        self.panels
            .iter()
            .flat_map(|p| p.queries.iter().map(|(q, _)| q.as_str()))
    }
}

/// The dashboards for this cluster (only for components it runs).
pub fn dashboards(cluster: &Cluster) -> Vec<Dashboard> {
    let ns = &cluster.namespace;
    let title = |what: &str| format!("Ozone {what} — {ns}/{}", cluster.name);
    let scm = matcher(cluster, Component::Scm);
    let om = matcher(cluster, Component::Om);
    let dn = matcher(cluster, Component::Datanode);
    let heap = |m: &str| {
        panel(
            "JVM heap used",
            "decmbytes",
            vec![
                (
                    format!("jvm_metrics_mem_heap_used_m{{{m}}}"),
                    "{{pod}} used",
                ),
                (format!("jvm_metrics_mem_heap_max_m{{{m}}}"), "{{pod}} max"),
            ],
        )
    };
    let gc = |m: &str| {
        panel(
            "GC time",
            "ms",
            vec![(
                format!("rate(jvm_metrics_gc_time_millis{{{m}}}[5m])"),
                "{{pod}}",
            )],
        )
    };
    let mut out = vec![
        Dashboard {
            id: "overview",
            title: title("cluster overview"),
            panels: vec![
                panel(
                    "Datanodes in service",
                    "short",
                    vec![
                        (
                            format!("max(scm_node_manager_in_service_healthy_nodes{{{scm}}})"),
                            "healthy",
                        ),
                        (
                            format!("max(scm_node_manager_in_service_stale_nodes{{{scm}}})"),
                            "stale",
                        ),
                        (
                            format!("max(scm_node_manager_in_service_dead_nodes{{{scm}}})"),
                            "dead",
                        ),
                    ],
                ),
                panel(
                    "Storage used",
                    "percentunit",
                    vec![(
                        format!(
                            "max(scm_node_manager_disk_used{{{scm}}}) / max(scm_node_manager_disk_capacity{{{scm}}})"
                        ),
                        "used",
                    )],
                ),
                panel(
                    "SCM safe mode",
                    "short",
                    vec![(
                        format!("max(safe_mode_metrics_scm_in_safe_mode{{{scm}}})"),
                        "in safe mode",
                    )],
                ),
                panel(
                    "Targets up",
                    "short",
                    vec![(
                        format!("sum by (component) (up{{namespace=\"{ns}\"}})"),
                        "{{component}}",
                    )],
                ),
                panel(
                    "Pod restarts (1h)",
                    "short",
                    vec![(
                        format!(
                            "sum by (pod) (increase(kube_pod_container_status_restarts_total{{namespace=\"{ns}\", pod=~\"{}-.*\"}}[1h]))",
                            cluster.name
                        ),
                        "{{pod}}",
                    )],
                ),
            ],
        },
        Dashboard {
            id: "om",
            title: title("Manager"),
            panels: vec![
                panel(
                    "Leader",
                    "short",
                    vec![(
                        format!("omha_metrics_ozone_manager_ha_leader_state{{{om}}}"),
                        "{{pod}}",
                    )],
                ),
                panel(
                    "Key operations",
                    "ops",
                    vec![
                        (
                            format!("sum(rate(om_metrics_num_key_commits{{{om}}}[5m]))"),
                            "commits",
                        ),
                        (
                            format!("sum(rate(om_metrics_num_key_lookup{{{om}}}[5m]))"),
                            "lookups",
                        ),
                        (
                            format!("sum(rate(om_metrics_num_key_deletes{{{om}}}[5m]))"),
                            "deletes",
                        ),
                        (
                            format!("sum(rate(om_metrics_num_key_lists{{{om}}}[5m]))"),
                            "lists",
                        ),
                    ],
                ),
                panel(
                    "Keys",
                    "short",
                    vec![(format!("max(om_metrics_num_keys{{{om}}})"), "keys")],
                ),
                panel(
                    "RPC processing time",
                    "ms",
                    vec![(
                        format!("rpc_rpc_processing_time_avg_time{{{om}}}"),
                        "{{pod}}",
                    )],
                ),
                heap(&om),
                gc(&om),
            ],
        },
        Dashboard {
            id: "scm",
            title: title("Storage Container Manager"),
            panels: vec![
                panel(
                    "Safe mode",
                    "short",
                    vec![
                        (
                            format!("max(safe_mode_metrics_scm_in_safe_mode{{{scm}}})"),
                            "in safe mode",
                        ),
                        (
                            format!(
                                "max(safe_mode_metrics_current_registered_datanodes_count{{{scm}}})"
                            ),
                            "registered datanodes",
                        ),
                        (
                            format!(
                                "max(safe_mode_metrics_current_healthy_pipelines_count{{{scm}}})"
                            ),
                            "healthy pipelines",
                        ),
                    ],
                ),
                panel(
                    "Leader",
                    "short",
                    vec![(
                        format!("scmha_metrics_scmha_leader_state{{{scm}}}"),
                        "{{pod}}",
                    )],
                ),
                panel(
                    "Containers created and deleted",
                    "ops",
                    vec![
                        (
                            format!(
                                "sum(rate(scm_container_manager_metrics_num_successful_create_containers{{{scm}}}[5m]))"
                            ),
                            "created",
                        ),
                        (
                            format!(
                                "sum(rate(scm_container_manager_metrics_num_successful_delete_containers{{{scm}}}[5m]))"
                            ),
                            "deleted",
                        ),
                    ],
                ),
                panel(
                    "Decommissioning",
                    "short",
                    vec![
                        (
                            format!(
                                "max(node_decommission_metrics_decommissioning_maintenance_nodes_total{{{scm}}})"
                            ),
                            "nodes",
                        ),
                        (
                            format!(
                                "max(node_decommission_metrics_containers_under_replicated_total{{{scm}}})"
                            ),
                            "under-replicated containers",
                        ),
                    ],
                ),
                heap(&scm),
                gc(&scm),
            ],
        },
        Dashboard {
            id: "datanodes",
            title: title("datanodes"),
            panels: vec![
                panel(
                    "Volume throughput",
                    "Bps",
                    vec![
                        (
                            format!("sum by (pod) (rate(volume_io_stats_write_bytes{{{dn}}}[5m]))"),
                            "{{pod}} write",
                        ),
                        (
                            format!("sum by (pod) (rate(volume_io_stats_read_bytes{{{dn}}}[5m]))"),
                            "{{pod}} read",
                        ),
                    ],
                ),
                panel(
                    "Chunk latency",
                    "ns",
                    vec![
                        (
                            format!(
                                "storage_container_metrics_latency_ns_write_chunk_avg_time{{{dn}}}"
                            ),
                            "{{pod}} write",
                        ),
                        (
                            format!(
                                "storage_container_metrics_latency_ns_read_chunk_avg_time{{{dn}}}"
                            ),
                            "{{pod}} read",
                        ),
                    ],
                ),
                panel(
                    "Pending block deletions",
                    "short",
                    vec![(
                        format!("block_deleting_service_metrics_total_pending_block_count{{{dn}}}"),
                        "{{pod}}",
                    )],
                ),
                heap(&dn),
                gc(&dn),
            ],
        },
    ];
    if cluster.component(Component::S3g).is_some() {
        let s3 = matcher(cluster, Component::S3g);
        out.push(Dashboard {
            id: "s3g",
            title: title("S3 Gateway"),
            panels: vec![
                panel(
                    "Requests",
                    "ops",
                    vec![
                        (
                            format!("sum(rate(s3_gateway_metrics_get_key_success{{{s3}}}[5m]))"),
                            "GET",
                        ),
                        (
                            format!("sum(rate(s3_gateway_metrics_head_key_success{{{s3}}}[5m]))"),
                            "HEAD",
                        ),
                        (
                            format!("sum(rate(s3_gateway_metrics_delete_key_success{{{s3}}}[5m]))"),
                            "DELETE",
                        ),
                    ],
                ),
                panel(
                    "Failures",
                    "ops",
                    vec![
                        (
                            format!("sum(rate(s3_gateway_metrics_head_key_failure{{{s3}}}[5m]))"),
                            "HEAD",
                        ),
                        (
                            format!("sum(rate(s3_gateway_metrics_delete_key_failure{{{s3}}}[5m]))"),
                            "DELETE",
                        ),
                    ],
                ),
                panel(
                    "Latency",
                    "ns",
                    vec![
                        (
                            format!(
                                "s3_gateway_metrics_get_key_success_latency_ns_avg_time{{{s3}}}"
                            ),
                            "{{pod}} GET",
                        ),
                        (
                            format!(
                                "s3_gateway_metrics_create_key_success_latency_ns_avg_time{{{s3}}}"
                            ),
                            "{{pod}} PUT",
                        ),
                    ],
                ),
                panel(
                    "Bytes read",
                    "Bps",
                    vec![(
                        format!("sum(rate(s3_gateway_metrics_get_key_success_length{{{s3}}}[5m]))"),
                        "read",
                    )],
                ),
                heap(&s3),
            ],
        });
    }
    out
}

/// The Grafana JSON model of a dashboard.
pub fn model(cluster: &Cluster, dashboard: &Dashboard) -> Value {
    let panels: Vec<Value> = dashboard
        .panels
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            json!({
                "id": i + 1,
                "type": "timeseries",
                "title": p.title,
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i / 2) * 8},
                "fieldConfig": {"defaults": {"unit": p.unit}, "overrides": []},
                "targets": p.queries.iter().enumerate().map(|(j, (expr, legend))| json!({
                    "refId": ((b'A' + u8::try_from(j).unwrap_or(0)) as char).to_string(),
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "expr": expr,
                    "legendFormat": legend,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "uid": uid(cluster, dashboard.id),
        "title": dashboard.title,
        "tags": ["ozone", cluster.name, cluster.namespace],
        "editable": true,
        "schemaVersion": 39,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "templating": {"list": [{
            "name": "datasource",
            "label": "Data source",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
        }]},
        "panels": panels,
    })
}

/// Grafana uids are at most 40 characters: a hash keeps them unique per cluster.
fn uid(cluster: &Cluster, id: &str) -> String {
    let digest = Sha256::digest(format!("{}/{}", cluster.namespace, cluster.name).as_bytes());
    let short: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("ozone-{short}-{id}")
}

/// The dashboard ConfigMaps, when the spec asks for them.
pub fn config_maps(cluster: &Cluster) -> Vec<ConfigMap> {
    if !cluster.monitoring.dashboards {
        return Vec::new();
    }
    let names = cluster.names();
    dashboards(cluster)
        .iter()
        .map(|d| {
            let mut labels = names.cluster_labels(&cluster.version);
            labels.insert(DASHBOARD_LABEL.to_owned(), "1".to_owned());
            let text = serde_json::to_string_pretty(&model(cluster, d)).unwrap_or_default();
            ConfigMap {
                metadata: meta(
                    &format!("{}-dashboard-{}", names.cluster(), d.id),
                    &cluster.namespace,
                    labels,
                ),
                data: Some(BTreeMap::from([(
                    format!("{}-{}.json", names.cluster(), d.id),
                    text,
                )])),
                ..ConfigMap::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Inputs, resolve};

    #[test]
    fn dashboards_are_valid_json_with_parsable_queries_and_a_datasource_variable() {
        let c = resolve(&Inputs::profile("large")).unwrap();
        let ids: Vec<&str> = dashboards(&c).iter().map(|d| d.id).collect();
        assert_eq!(ids, ["overview", "om", "scm", "datanodes", "s3g"]);
        for d in dashboards(&c) {
            for q in d.queries() {
                promql_parser::parser::parse(q).unwrap_or_else(|e| panic!("{}: {e}: {q}", d.id));
            }
        }
        for cm in config_maps(&c) {
            assert_eq!(cm.metadata.labels.as_ref().unwrap()[DASHBOARD_LABEL], "1");
            for text in cm.data.as_ref().unwrap().values() {
                let v: Value = serde_json::from_str(text).unwrap();
                assert_eq!(v["templating"]["list"][0]["type"], "datasource");
                assert!(v["uid"].as_str().unwrap().len() <= 40);
                for p in v["panels"].as_array().unwrap() {
                    assert_eq!(p["datasource"]["uid"], "${datasource}");
                }
            }
        }
    }
}
