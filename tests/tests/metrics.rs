//! Every metric the rendered alerts and dashboards query is one Ozone (or the Kubernetes
//! monitoring stack) really exposes: an alert on a misspelt metric parses, evaluates to
//! nothing and never fires. Names are checked against `reference/ozone-metrics.md` (beside the
//! repository, in `shared/`), and the few it lacks against a list that cites the source.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::objects;
use ozone_generator::spec::{Inputs, resolve};
use promql_parser::parser::{self, Expr};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Metrics the reference table does not list, each with where its name comes from.
const CITED: &[(&str, &str)] = &[
    (
        "scm_node_manager_in_service_dead_nodes",
        "SCMNodeMetrics.java: record SCMNodeManager, gauge camelize(IN_SERVICE_DEAD_nodes)",
    ),
    (
        "scm_node_manager_in_service_stale_nodes",
        "SCMNodeMetrics.java: record SCMNodeManager, gauge camelize(IN_SERVICE_STALE_nodes)",
    ),
    (
        "scm_node_manager_in_service_healthy_nodes",
        "SCMNodeMetrics.java: record SCMNodeManager, gauge camelize(IN_SERVICE_HEALTHY_nodes)",
    ),
    (
        "scmha_metrics_scmha_leader_state",
        "SCMHAMetrics.java: record SCMHAMetrics, gauge SCMHALeaderState",
    ),
    ("up", "Prometheus: the scrape health series of every target"),
    (
        "kube_pod_container_status_restarts_total",
        "kube-state-metrics: pod container restarts",
    ),
];

fn reference_metrics() -> BTreeSet<String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/ozone-metrics.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (shared/ must sit beside the repository)",
            path.display()
        )
    });
    text.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect()
}

fn metric_names(expr: &Expr, out: &mut BTreeSet<String>) {
    match expr {
        Expr::VectorSelector(vs) => out.extend(vs.name.clone()),
        Expr::MatrixSelector(ms) => out.extend(ms.vs.name.clone()),
        Expr::Aggregate(a) => {
            metric_names(&a.expr, out);
            if let Some(p) = &a.param {
                metric_names(p, out);
            }
        }
        Expr::Unary(u) => metric_names(&u.expr, out),
        Expr::Paren(p) => metric_names(&p.expr, out),
        Expr::Subquery(s) => metric_names(&s.expr, out),
        Expr::Binary(b) => {
            metric_names(&b.lhs, out);
            metric_names(&b.rhs, out);
        }
        Expr::Call(c) => c.args.args.iter().for_each(|a| metric_names(a, out)),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

/// Every PromQL expression of the rendered PrometheusRule and Grafana dashboards.
fn rendered_queries(profile: &str) -> Vec<String> {
    let cluster = resolve(&Inputs::profile(profile)).unwrap();
    let rendered = objects::render(&cluster).unwrap();
    let mut out = Vec::new();
    for object in rendered.objects() {
        let v = &object.value;
        match v["kind"].as_str() {
            Some("PrometheusRule") => {
                for group in v["spec"]["groups"].as_array().unwrap() {
                    for rule in group["rules"].as_array().unwrap() {
                        out.push(rule["expr"].as_str().unwrap().to_owned());
                    }
                }
            }
            Some("ConfigMap") if v["metadata"]["labels"]["grafana_dashboard"] == "1" => {
                for text in v["data"].as_object().unwrap().values() {
                    let dashboard: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
                    for panel in dashboard["panels"].as_array().unwrap() {
                        for target in panel["targets"].as_array().into_iter().flatten() {
                            out.push(target["expr"].as_str().unwrap().to_owned());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn alerts_and_dashboards_query_only_metrics_that_exist() {
    let known = reference_metrics();
    assert!(
        known.len() > 100,
        "the reference table did not parse: {} names",
        known.len()
    );
    let cited: BTreeSet<&str> = CITED.iter().map(|(name, _)| *name).collect();
    let mut used = BTreeSet::new();
    for profile in ["medium", "large"] {
        let queries = rendered_queries(profile);
        assert!(
            queries.len() > 20,
            "{profile}: only {} queries",
            queries.len()
        );
        for q in queries {
            let expr = parser::parse(&q).unwrap_or_else(|e| panic!("{e}: {q}"));
            metric_names(&expr, &mut used);
        }
    }
    let unknown: Vec<&String> = used
        .iter()
        .filter(|m| !known.contains(*m) && !cited.contains(m.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "metrics neither in reference/ozone-metrics.md nor cited: {unknown:?}"
    );
    // A citation for a metric nothing uses any more is stale.
    let unused: Vec<&&str> = cited.iter().filter(|m| !used.contains(**m)).collect();
    assert!(unused.is_empty(), "cited but unused: {unused:?}");
}

#[test]
fn the_name_walk_finds_metrics_inside_functions_and_aggregations() {
    let expr = parser::parse("max(rate(a_total[5m])) / on() group_left sum(b) > bool 1").unwrap();
    let mut names = BTreeSet::new();
    metric_names(&expr, &mut names);
    assert_eq!(
        names,
        BTreeSet::from(["a_total".to_owned(), "b".to_owned()])
    );
}
