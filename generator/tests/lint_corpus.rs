//! The corpus under `tests/lint/`: every check fires on its broken twin and the fixed twin
//! lints with zero findings. Also: the linter never panics on arbitrary input.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::lint::{self, CHECKS, Options, crd};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/lint")
}

fn crds() -> crd::Registry {
    // Parsing the CRD files is most of a lint's cost in a test build; they are read once per
    // test binary and every lint gets its own copy.
    static CRDS: std::sync::OnceLock<crd::Registry> = std::sync::OnceLock::new();
    CRDS.get_or_init(load_crds).clone()
}

fn load_crds() -> crd::Registry {
    // `shared/` sits beside the repository or beside the worktrees holding it.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/fixtures/crds"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("../../shared/fixtures/crds"));
    let mut registry = crd::Registry::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (shared/ must sit beside the repository)",
            dir.display()
        )
    }) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            registry.load(&path.display().to_string(), &text).unwrap();
        }
    }
    registry
}

fn all_checks() -> Options {
    let mut options = Options::default();
    for c in CHECKS {
        options.enable(c.id).unwrap();
    }
    options
}

fn lint_file(path: &Path) -> lint::Report {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    lint::lint_text(&path.display().to_string(), &text, all_checks(), crds()).unwrap()
}

#[test]
fn every_check_fires_on_its_broken_twin_and_not_on_the_fixed_one() {
    for check in CHECKS {
        let bad = lint_file(&corpus().join(format!("{}.bad.yaml", check.id)));
        assert!(
            bad.findings.iter().any(|f| f.check == check.id),
            "{} did not fire on its broken twin:\n{}",
            check.id,
            bad.to_text(false)
        );
        for f in bad.findings.iter().filter(|f| f.check == check.id) {
            assert!(
                f.line > 1,
                "{}: finding without a useful line: {f:?}",
                check.id
            );
        }
        let fixed = lint_file(&corpus().join(format!("{}.fixed.yaml", check.id)));
        assert!(
            fixed.findings.is_empty(),
            "{}: the fixed twin is not clean:\n{}",
            check.id,
            fixed.to_text(false)
        );
    }
}

#[test]
fn the_corpus_has_no_stray_files() {
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "README.md" {
            continue;
        }
        let id = name
            .strip_suffix(".bad.yaml")
            .or_else(|| name.strip_suffix(".fixed.yaml"))
            .unwrap_or_else(|| panic!("unexpected file {name}"));
        assert!(lint::checks::find(id).is_some(), "{name} names no check");
    }
}

#[test]
fn a_disabled_check_and_a_suppressed_one_stay_quiet() {
    let path = corpus().join("latest-tag.bad.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut options = all_checks();
    options.disable("latest-tag").unwrap();
    let report = lint::lint_text("x.yaml", &text, options, crds()).unwrap();
    assert!(report.findings.is_empty(), "{}", report.to_text(false));
    let suppressed = text.replacen(
        "  namespace: demo\nspec:\n  replicas",
        "  namespace: demo\n  annotations:\n    lint.kubectl-ozone.io/ignore: latest-tag\n    lint.kubectl-ozone.io/reason: tracks upstream nightly\nspec:\n  replicas",
        1,
    );
    assert_ne!(suppressed, text);
    let report = lint::lint_text("x.yaml", &suppressed, all_checks(), crds()).unwrap();
    assert!(report.findings.is_empty(), "{}", report.to_text(false));
}

#[test]
fn kube_version_decides_deprecated_versus_removed() {
    let doc = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: c\n";
    let run = |v: &str| {
        let mut o = Options::default();
        o.set_kube_version(v).unwrap();
        let r = lint::lint_text("c.yaml", doc, o, crd::Registry::new()).unwrap();
        r.findings.iter().map(|f| f.check).collect::<Vec<_>>()
    };
    assert!(run("1.20").iter().all(|c| !c.contains("api-version")));
    assert!(run("1.22").contains(&"deprecated-api-version"));
    assert!(run("1.25").contains(&"removed-api-version"));
}

#[test]
fn lists_are_unpacked_and_findings_keep_their_lines() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n  spec:\n    ports:\n    - port: 80\n      bogus: 1\n";
    let report = lint::lint_text("l.yaml", text, Options::default(), crd::Registry::new()).unwrap();
    assert_eq!(report.objects, 1);
    let f = report
        .findings
        .iter()
        .find(|f| f.check == "schema-validation")
        .unwrap();
    assert_eq!(f.line, 11);
    assert_eq!(f.object, "Service/a");
}

#[test]
fn a_syntax_error_does_not_stop_the_next_document() {
    let text = "a: [\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nbogus: 1\n";
    let report = lint::lint_text("s.yaml", text, Options::default(), crd::Registry::new()).unwrap();
    let checks: Vec<_> = report.findings.iter().map(|f| (f.check, f.line)).collect();
    assert!(checks.contains(&("schema-validation", 7)), "{checks:?}");
    assert!(
        checks.iter().any(|(c, _)| *c == "yaml-syntax"),
        "{checks:?}"
    );
    assert_eq!((report.objects, report.skipped), (1, 1));
}

#[test]
fn custom_resources_are_validated_against_their_crd() {
    let text = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: m\nspec:\n  selector: {}\n  endpoints:\n  - port: http\n    intervall: 30s\n";
    let report = lint::lint_text("m.yaml", text, Options::default(), crds()).unwrap();
    let f = report
        .findings
        .iter()
        .find(|f| f.check == "schema-validation")
        .unwrap();
    assert!(
        f.message.contains("spec.endpoints[0].intervall"),
        "{}",
        f.message
    );
    assert_eq!(f.line, 9);
    let mut strict = Options::default();
    strict.strict = true;
    let report = lint::lint_text("m.yaml", text, strict, crd::Registry::new()).unwrap();
    let f = report
        .findings
        .iter()
        .find(|f| f.check == "missing-schema")
        .unwrap();
    assert_eq!(f.severity, lint::Severity::Error);
}

#[test]
fn sarif_has_the_2_1_0_structure() {
    let report = lint_file(&corpus().join("host-path.bad.yaml"));
    let sarif: serde_json::Value = serde_json::from_str(&report.to_sarif("0.1.0")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), CHECKS.len());
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(
            loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("host-path.bad.yaml")
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        let _ = lint::lint_text("fuzz.yaml", &text, all_checks(), crd::Registry::new());
    }

    #[test]
    fn never_panics_on_yaml_shaped_text(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("---".to_owned()),
                Just("apiVersion: apps/v1".to_owned()),
                Just("kind: Deployment".to_owned()),
                Just("kind: List".to_owned()),
                Just("items:".to_owned()),
                Just("metadata: {name: x}".to_owned()),
                "[ a-z:{}\\[\\],&*!|>-]{0,30}",
                "  [a-zA-Z]{1,8}: [a-z0-9]{0,5}",
                "- [a-z]{1,5}: [0-9]{1,3}",
            ],
            0..30,
        )
    ) {
        let text = lines.join("\n");
        let _ = lint::lint_text("fuzz.yaml", &text, all_checks(), crd::Registry::new());
    }

    #[test]
    fn never_panics_on_mutated_manifests(cut in 0usize..4000, insert in "[ :\\-\\[{a-z0-9]{0,4}") {
        let text = std::fs::read_to_string(corpus().join("ozone-ha-addresses.fixed.yaml")).unwrap();
        let at = text.char_indices().map(|(i, _)| i).find(|i| *i >= cut.min(text.len())).unwrap_or(text.len());
        let mutated = format!("{}{insert}{}", &text[..at], &text[at..]);
        let _ = lint::lint_text("fuzz.yaml", &mutated, all_checks(), crd::Registry::new());
    }
}

#[test]
fn a_cluster_spec_among_manifests_reports_every_problem_with_its_line() {
    let spec = std::fs::read_to_string(corpus().join("ozone-cluster-spec.bad.yaml")).unwrap();
    let manifests = std::fs::read_to_string(corpus().join("latest-tag.fixed.yaml")).unwrap();
    let text = format!("{manifests}---\n{spec}");
    let offset = text.lines().count() - spec.lines().count();
    let report = lint::lint_text("mixed.yaml", &text, Options::default(), crds()).unwrap();
    let found: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.line - offset,
                f.object.as_str(),
                f.check,
                f.message.as_str(),
            )
        })
        .collect();
    // The even ring is also a rule of the CRD: reported as the API server would.
    let expect = [
        (
            11,
            "ozone-cluster-admission",
            "spec.om.replicas: must be 1 or an odd number of at least 3, got 2",
        ),
        (
            13,
            "ozone-cluster-spec",
            "spec.datanodes.replica: unknown field `replica`",
        ),
        (
            15,
            "ozone-cluster-spec",
            "spec.scm.replicas: invalid type: string \"three\", expected i32",
        ),
    ];
    assert_eq!(found.len(), expect.len(), "{}", report.to_text(false));
    for ((line, object, check, message), (want_line, want_check, want)) in found.iter().zip(expect)
    {
        assert_eq!(
            (*line, *object, *check),
            (want_line, "OzoneCluster/ozone/ozone", want_check)
        );
        assert!(message.starts_with(want), "{message}");
    }
    assert_eq!(
        report.objects,
        1 + lint_file(&corpus().join("latest-tag.fixed.yaml")).objects
    );
}

#[test]
fn parallel_and_serial_runs_report_the_same_bytes() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let run = |jobs: usize| {
        let mut linter = lint::Linter::new(all_checks(), crds());
        let sources = files.iter().map(|p| {
            Ok::<_, std::io::Error>(lint::Source {
                name: p.display().to_string(),
                bytes: std::fs::read(p)?,
                explicit: true,
            })
        });
        let documents = linter.lint_sources(sources, jobs).unwrap();
        let report = linter.finish();
        (
            documents,
            report.to_text(false),
            report.to_json(),
            report.to_junit(),
            report.to_sarif("test"),
            report.fails(Some(lint::Severity::Warning)),
        )
    };
    let serial = run(1);
    assert!(serial.0 > 100, "{}", serial.0);
    assert!(serial.1.contains("[ozone-cluster-spec]"), "{}", serial.1);
    for jobs in [2, 4, 7] {
        assert_eq!(run(jobs), serial, "--jobs {jobs}");
    }
    // One large stream split into many batches, cross-object findings included.
    let big: String = files
        .iter()
        .map(|p| format!("---\n{}", std::fs::read_to_string(p).unwrap()))
        .collect::<Vec<_>>()
        .join("\n")
        .repeat(3);
    let once = |jobs: usize| {
        let mut linter = lint::Linter::new(all_checks(), crds());
        let source = lint::Source {
            name: "-".into(),
            bytes: big.clone().into_bytes(),
            explicit: true,
        };
        linter
            .lint_sources(std::iter::once(Ok::<_, ()>(source)), jobs)
            .unwrap();
        linter.finish().to_json()
    };
    assert_eq!(once(4), once(1));
}
