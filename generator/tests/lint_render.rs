//! Our own render lints clean: every profile, with the monitoring CRDs loaded.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::Profile;
use ozone_generator::lint::{self, Options, crd};
use ozone_generator::objects;
use ozone_generator::spec::{Inputs, resolve};
use std::path::PathBuf;

/// `shared/` sits beside the repository (in CI too).
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
    let yaml = objects::render(&cluster).unwrap().to_yaml().unwrap();
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
    let json = objects::render(&cluster).unwrap().to_json().unwrap();
    let report = lint::lint_text("render.json", &json, Options::default(), crds()).unwrap();
    assert!(report.findings.is_empty(), "{}", report.to_text(false));
    assert_eq!(
        report.objects,
        objects::render(&cluster).unwrap().objects().len()
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

fn render_yaml(profile: &str, sets: &[&str]) -> String {
    let cluster = resolve(&Inputs::with_sets(profile, sets)).unwrap();
    objects::render(&cluster).unwrap().to_yaml().unwrap()
}

/// Two clusters may share a namespace (objects are named `<cluster>-…`): each one's Ozone
/// settings are checked against its own workloads, not merged with its neighbour's.
#[test]
fn two_clusters_in_one_namespace_lint_clean_and_stay_apart() {
    let a = render_yaml("medium", &["metadata.name=a", "metadata.namespace=shared"]);
    let b = render_yaml("large", &["metadata.name=b", "metadata.namespace=shared"]);
    let report =
        lint::lint_text("two.yaml", &format!("{a}{b}"), Options::default(), crds()).unwrap();
    assert!(report.findings.is_empty(), "{}", report.to_text(false));

    // Breaking b's OM ring is reported against b's ConfigMap only.
    let broken = b.replace(
        "b-om-1.b-om-headless.shared.svc.cluster.local",
        "b-om-1.a-om-headless.shared.svc.cluster.local",
    );
    assert_ne!(broken, b, "the address to break is in the render");
    let report = lint::lint_text(
        "two.yaml",
        &format!("{a}{broken}"),
        Options::default(),
        crds(),
    )
    .unwrap();
    let objects: Vec<&str> = report.findings.iter().map(|f| f.object.as_str()).collect();
    assert_eq!(
        objects,
        ["ConfigMap/shared/b-config"],
        "{}",
        report.to_text(false)
    );
}

/// Scheduled backups (CronJob, PVC, Role, NetworkPolicies) lint clean on every profile, also
/// with TLS and with restricted egress.
#[test]
fn backup_variants_render_lint_clean() {
    for profile in Profile::ALL {
        for extra in [
            &[][..],
            &["security.tls.mode=cert-manager"][..],
            &[
                "security.networkPolicies=true",
                "security.egress=restricted",
            ][..],
        ] {
            let mut sets = vec![
                "backups.schedule=0 2 * * *".to_owned(),
                "backups.keep=7".to_owned(),
                "backups.storage.size=50Gi".to_owned(),
            ];
            sets.extend(extra.iter().map(|s| (*s).to_owned()));
            let inputs = Inputs {
                profile: Some(profile.name().to_owned()),
                spec_file: None,
                sets,
            };
            let report = lint_profile(&inputs);
            assert!(
                report.findings.is_empty(),
                "profile {} with backups and {extra:?}:\n{}",
                profile.name(),
                report.to_text(false)
            );
        }
    }
}

/// Bucket volumes (a PersistentVolume, its claim in the application's namespace, and the S3
/// Gateway policy for the mount pods) lint clean, with and without TLS.
#[test]
fn bucket_volumes_render_lint_clean() {
    for tls in ["none", "managed"] {
        let tls_mode = format!("security.tls.mode={tls}");
        let yaml = render_yaml(
            "medium",
            &[
                tls_mode.as_str(),
                "s3.volumes[0].bucket=logs",
                "s3.volumes[0].namespace=apps",
                "s3.volumes[1].bucket=models.v2",
                "s3.volumes[1].namespace=ml",
                "s3.volumes[1].readOnly=true",
            ],
        );
        assert_eq!(yaml.matches("\nkind: PersistentVolume\n").count(), 2);
        assert_eq!(yaml.matches("\nkind: PersistentVolumeClaim\n").count(), 2);
        let report = lint::lint_text("s3.yaml", &yaml, Options::default(), crds()).unwrap();
        assert!(
            report.findings.is_empty(),
            "TLS {tls}:\n{}",
            report.to_text(false)
        );
    }
}

/// Without the policy that admits the mount pods, lint reports it on the S3 Gateway's
/// policies; that is what keeps a hand-edited render from silently breaking every mount.
#[test]
fn bucket_volumes_without_the_mount_pods_policy_are_reported() {
    let cluster = resolve(&Inputs::with_sets(
        "medium",
        &["s3.volumes[0].bucket=logs", "s3.volumes[0].namespace=apps"],
    ))
    .unwrap();
    let manifest = objects::render(&cluster).unwrap();
    let kept: Vec<_> = manifest
        .objects()
        .iter()
        .filter(|o| o.name != "ozone-s3g-from-mount-pods")
        .cloned()
        .collect();
    assert_eq!(kept.len() + 1, manifest.objects().len());
    let yaml = ozone_generator::output::Manifest::new(kept)
        .to_yaml()
        .unwrap();
    let report = lint::lint_text("s3.yaml", &yaml, Options::default(), crds()).unwrap();
    let checks: Vec<&str> = report.findings.iter().map(|f| f.check).collect();
    assert_eq!(
        checks,
        ["ozone-s3g-mount-pods"],
        "{}",
        report.to_text(false)
    );
}
