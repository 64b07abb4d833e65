//! The CRDs of every custom resource render can emit, shipped in the binary so that lint
//! validates them with no `--crd` flag: Prometheus Operator (ServiceMonitor, PodMonitor,
//! PrometheusRule) and cert-manager (Certificate, Issuer, ClusterIssuer).
//!
//! The files in `generator/data/crds/` hold only what lint needs (see [`super::crd::trim`]);
//! `scripts/refresh-crds.sh` regenerates them from the pinned upstream releases listed in
//! `generator/data/crds/README.md`. They are parsed once, on the first lookup of a custom
//! resource.

use super::crd::Registry;
use serde_json::Value;
use std::sync::LazyLock;

/// `(file name, contents)` of every embedded CRD.
pub static FILES: &[(&str, &str)] = &[
    (
        "monitoring.coreos.com_servicemonitors.json",
        include_str!("../../data/crds/monitoring.coreos.com_servicemonitors.json"),
    ),
    (
        "monitoring.coreos.com_podmonitors.json",
        include_str!("../../data/crds/monitoring.coreos.com_podmonitors.json"),
    ),
    (
        "monitoring.coreos.com_prometheusrules.json",
        include_str!("../../data/crds/monitoring.coreos.com_prometheusrules.json"),
    ),
    (
        "cert-manager.io_certificates.json",
        include_str!("../../data/crds/cert-manager.io_certificates.json"),
    ),
    (
        "cert-manager.io_issuers.json",
        include_str!("../../data/crds/cert-manager.io_issuers.json"),
    ),
    (
        "cert-manager.io_clusterissuers.json",
        include_str!("../../data/crds/cert-manager.io_clusterissuers.json"),
    ),
];

/// The embedded CRDs as a registry. A file that does not parse is left out (a unit test
/// makes sure every file parses, so that cannot ship).
pub fn registry() -> &'static Registry {
    static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
        let mut registry = Registry::new();
        for (_, text) in FILES {
            if let Ok(crd) = serde_json::from_str::<Value>(text) {
                registry.add(&crd);
            }
        }
        registry
    });
    &REGISTRY
}

/// The upstream release an embedded file came from (its `lint.kubectl-ozone.io/source`).
pub fn source(text: &str) -> Option<String> {
    let crd: Value = serde_json::from_str(text).ok()?;
    crd["metadata"]["annotations"]["lint.kubectl-ozone.io/source"]
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_defines_a_schema_for_its_kind() {
        for (name, text) in FILES {
            let crd: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut one = Registry::new();
            assert!(one.add(&crd) >= 1, "{name}");
            let group = crd["spec"]["group"].as_str().unwrap_or_default();
            let kind = crd["spec"]["names"]["kind"].as_str().unwrap_or_default();
            assert!(
                matches!(
                    registry().schema(&format!("{group}/v1"), kind),
                    Some(Some(_))
                ),
                "{name}: no v1 schema for {kind}"
            );
            assert!(source(text).is_some(), "{name}: no source annotation");
        }
        let kinds: Vec<_> = registry().kinds().map(|(_, k)| k).collect();
        assert_eq!(
            kinds,
            [
                "Certificate",
                "ClusterIssuer",
                "Issuer",
                "PodMonitor",
                "PrometheusRule",
                "ServiceMonitor"
            ]
        );
    }
}
