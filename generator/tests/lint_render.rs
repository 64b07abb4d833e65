//! Our own render lints clean: every profile, with the monitoring CRDs loaded.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::Profile;
use ozone_generator::build;
use ozone_generator::lint::{self, Options, crd};
use ozone_generator::spec::{Inputs, resolve};
use std::path::PathBuf;

/// `shared/` sits beside the repository (in CI too).
fn crds() -> crd::Registry {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/crds");
    let mut registry = crd::Registry::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (shared/ must sit beside the repository)",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        registry.load(&path.display().to_string(), &text).unwrap();
    }
    registry
}

fn lint_profile(inputs: &Inputs) -> lint::Report {
    let cluster = resolve(inputs).unwrap();
    let yaml = build::render(&cluster).unwrap().to_yaml().unwrap();
    lint::lint_text("render.yaml", &yaml, Options::default(), crds()).unwrap()
}

#[test]
fn every_profile_renders_lint_clean() {
    for profile in Profile::ALL {
        let report = lint_profile(&Inputs::profile(profile.name()));
        assert!(report.objects > 10, "{}", report.summary());
        assert!(
            report.findings.is_empty(),
            "profile {}:\n{}",
            profile.name(),
            report.to_text(false)
        );
    }
}

#[test]
fn tls_variants_render_lint_clean() {
    for profile in Profile::ALL {
        for mode in ["cert-manager", "managed"] {
            let inputs = Inputs {
                profile: Some(profile.name().to_owned()),
                spec_file: None,
                sets: vec![format!("security.tls.mode={mode}")],
            };
            let report = lint_profile(&inputs);
            assert!(
                report.findings.is_empty(),
                "profile {} with TLS {mode}:\n{}",
                profile.name(),
                report.to_text(false)
            );
        }
    }
}

#[test]
fn the_json_list_output_lints_clean_too() {
    let cluster = resolve(&Inputs::profile("medium")).unwrap();
    let json = build::render(&cluster).unwrap().to_json().unwrap();
    let report = lint::lint_text("render.json", &json, Options::default(), crds()).unwrap();
    assert!(report.findings.is_empty(), "{}", report.to_text(false));
    assert_eq!(
        report.objects,
        build::render(&cluster).unwrap().objects().len()
    );
}

/// What `--output-dir` writes and `manifests/` holds: one file per object plus a
/// kustomization.yaml, which is a build file, not an object (skipped, not a finding).
#[test]
fn committed_manifest_directories_lint_clean() {
    for profile in Profile::ALL {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../manifests")
            .join(profile.name());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(files.iter().any(|f| f.ends_with("kustomization.yaml")));
        let mut linter = lint::Linter::new(Options::default(), crds());
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            linter.lint(&file.display().to_string(), &bytes).unwrap();
        }
        let report = linter.finish();
        assert!(
            report.findings.is_empty(),
            "manifests/{}:\n{}",
            profile.name(),
            report.to_text(false)
        );
        assert_eq!(report.skipped, 1, "{}", report.summary());
        assert_eq!(report.objects, files.len() - 1);
    }
}
