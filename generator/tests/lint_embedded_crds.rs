//! The CRD schemas lint ships (`generator/data/crds/`) against the independent copies in
//! `../shared/fixtures/crds/`: same schemas, same upstream release; and lint uses them by
//! default.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::Profile;
use ozone_generator::lint::{self, Options, crd, embedded, parse};
use ozone_generator::objects;
use ozone_generator::spec::{Inputs, resolve};
use serde_json::Value;
use std::path::PathBuf;

/// `shared/` sits beside the repository or beside the worktrees holding it.
fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/fixtures/crds"))
        .find(|d| d.is_dir())
        .expect("shared/fixtures/crds beside the repository")
}

fn fixture(name: &str) -> Value {
    let path = fixtures().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = parse::documents(&text);
    assert_eq!(docs.len(), 1, "{name}");
    parse::parse(&docs[0]).unwrap()
}

#[test]
fn embedded_crds_match_the_fixtures() {
    for (file, text) in embedded::FILES {
        let embedded: Value = serde_json::from_str(text).unwrap();
        let upstream = fixture(&file.replace(".json", ".yaml"));
        let source = embedded::source(text).unwrap();
        assert_eq!(
            crd::trim(&upstream, &source).as_ref(),
            Some(&embedded),
            "{file} differs from the fixture: run scripts/refresh-crds.sh"
        );
        // The pinned release is the fixtures' release.
        if let Some(version) =
            upstream["metadata"]["annotations"]["operator.prometheus.io/version"].as_str()
        {
            assert!(source.contains(&format!("v{version}")), "{file}: {source}");
        }
    }
}

#[test]
fn every_kind_render_emits_has_an_embedded_crd() {
    let registry = crd::Registry::with_embedded();
    for profile in Profile::ALL {
        for mode in ["none", "cert-manager"] {
            let inputs = Inputs {
                profile: Some(profile.name().to_owned()),
                spec_file: None,
                sets: vec![format!("security.tls.mode={mode}")],
            };
            let rendered = objects::render(&resolve(&inputs).unwrap()).unwrap();
            let yaml = rendered.to_yaml().unwrap();
            for doc in parse::documents(&yaml) {
                let value = parse::parse(&doc).unwrap();
                let api = value["apiVersion"].as_str().unwrap();
                let kind = value["kind"].as_str().unwrap();
                if lint::schema::builtin(api, kind).is_none() {
                    assert!(
                        matches!(registry.schema(api, kind), Some(Some(_))),
                        "{api} {kind} has no embedded CRD"
                    );
                }
            }
            let report = lint::lint_text(
                "r.yaml",
                &yaml,
                Options::default(),
                crd::Registry::with_embedded(),
            )
            .unwrap();
            assert!(
                report.findings.is_empty(),
                "{} {mode}:\n{}",
                profile.name(),
                report.to_text(false)
            );
        }
    }
}

const MONITOR: &str = "apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: m
  namespace: demo
spec:
  selector: {}
  endpoints:
  - port: http
    intervall: 30s
";

#[test]
fn embedded_schemas_find_errors_and_crd_flag_overrides_them() {
    let report = lint::lint_text(
        "m.yaml",
        MONITOR,
        Options::default(),
        crd::Registry::with_embedded(),
    )
    .unwrap();
    let found: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.line, f.check, f.message.as_str()))
        .collect();
    assert!(
        found.contains(&(
            10,
            "schema-validation",
            "spec.endpoints[0].intervall: unknown field \"intervall\""
        )),
        "{found:?}"
    );
    // A CRD passed with --crd replaces the embedded one for its kind.
    let mut registry = crd::Registry::with_embedded();
    registry
        .load(
            "own.yaml",
            "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: servicemonitors.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  names: {kind: ServiceMonitor}
  versions:
  - name: v1
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
",
        )
        .unwrap();
    let report = lint::lint_text("m.yaml", MONITOR, Options::default(), registry).unwrap();
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.check == "schema-validation"),
        "{}",
        report.to_text(false)
    );
    // Without the embedded CRDs the kind is unknown.
    let report =
        lint::lint_text("m.yaml", MONITOR, Options::default(), crd::Registry::new()).unwrap();
    assert!(report.findings.iter().any(|f| f.check == "missing-schema"));
}
