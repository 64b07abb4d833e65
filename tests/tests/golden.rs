//! Golden files: `manifests/<profile>/` must equal a fresh render byte for byte, and every file
//! must parse back into its typed Kubernetes object without losing a field.
//!
//! Regenerate after an intended change with:
//! `UPDATE_MANIFESTS=1 cargo test -p ozone-tests --test golden`

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service, ServiceAccount};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use ozone_generator::output::{self, OutputFile};
use ozone_generator::spec::{Inputs, resolve};
use ozone_generator::{Profile, objects, yaml};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn manifests_dir(profile: Profile) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../manifests")
        .join(profile.name())
}

fn fresh(profile: Profile) -> Vec<OutputFile> {
    let cluster = resolve(&Inputs::profile(profile.name())).expect("profile resolves");
    let manifest = objects::render(&cluster).expect("profile renders");
    manifest
        .to_files(&output::header(&cluster))
        .expect("serializes")
}

fn on_disk(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        files.insert(name, std::fs::read_to_string(&path).unwrap());
    }
    files
}

#[test]
fn committed_manifests_equal_a_fresh_render() {
    let update = std::env::var_os("UPDATE_MANIFESTS").is_some();
    let mut stale = Vec::new();
    for profile in Profile::ALL {
        let dir = manifests_dir(profile);
        let files = fresh(profile);
        if update {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for f in &files {
                std::fs::write(dir.join(&f.name), &f.contents).unwrap();
            }
            continue;
        }
        let expected: BTreeMap<String, String> =
            files.into_iter().map(|f| (f.name, f.contents)).collect();
        let actual = on_disk(&dir);
        for (name, contents) in &expected {
            match actual.get(name) {
                Some(a) if a == contents => {}
                Some(_) => stale.push(format!("{}/{name} differs", profile.name())),
                None => stale.push(format!("{}/{name} is missing", profile.name())),
            }
        }
        for name in actual.keys().filter(|n| !expected.contains_key(*n)) {
            stale.push(format!(
                "{}/{name} is not rendered any more",
                profile.name()
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "manifests/ is out of date ({}); regenerate with `UPDATE_MANIFESTS=1 cargo test -p ozone-tests --test golden`",
        stale.join(", ")
    );
}

/// Decodes `value` as `T` and checks that re-encoding gives back every field: a field the
/// typed object does not know would be silently dropped by the API server's lenient decoding.
fn round_trips<T: DeserializeOwned + Serialize>(value: &Value) -> Result<(), String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    if &back == value {
        Ok(())
    } else {
        Err("fields were lost or changed in a typed round trip".into())
    }
}

#[test]
fn every_committed_file_parses_back_into_typed_objects() {
    for profile in Profile::ALL {
        for (name, text) in on_disk(&manifests_dir(profile)) {
            let value: Value =
                yaml::from_str_with_path(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let kind = value["kind"].as_str().unwrap_or_default().to_owned();
            let result = match kind.as_str() {
                "Namespace" => round_trips::<Namespace>(&value),
                "ServiceAccount" => round_trips::<ServiceAccount>(&value),
                "ConfigMap" => round_trips::<ConfigMap>(&value),
                "Service" => round_trips::<Service>(&value),
                "PodDisruptionBudget" => round_trips::<PodDisruptionBudget>(&value),
                "StatefulSet" => round_trips::<StatefulSet>(&value),
                "Deployment" => round_trips::<Deployment>(&value),
                "NetworkPolicy" => round_trips::<NetworkPolicy>(&value),
                "Role" => round_trips::<Role>(&value),
                "RoleBinding" => round_trips::<RoleBinding>(&value),
                "Kustomization" => {
                    let resources = value["resources"].as_array().expect("resources list");
                    assert_eq!(
                        resources.len() + 1,
                        on_disk(&manifests_dir(profile)).len(),
                        "{name}"
                    );
                    Ok(())
                }
                // Custom resources are validated against their CRDs in the monitoring tests.
                "ServiceMonitor" | "PrometheusRule" => Ok(()),
                other => Err(format!("no typed check for kind {other:?}")),
            };
            if let Err(e) = result {
                panic!("{}/{name}: {e}", profile.name());
            }
            assert!(
                text.starts_with(output::HEADER_MARKER),
                "{name} lacks the generated header"
            );
        }
    }
}

/// The scheduled-snapshot objects of a spec with one schedule, as YAML.
fn snapshot_objects() -> String {
    let cluster = resolve(&Inputs::with_sets(
        "medium",
        &[
            "snapshots[0].bucket=vol1/logs",
            "snapshots[0].schedule=0 */6 * * *",
            "snapshots[0].keep=8",
        ],
    ))
    .unwrap();
    let manifest = objects::render(&cluster).unwrap();
    let mut out = String::new();
    for o in manifest.objects() {
        let is_snapshot =
            o.value["metadata"]["labels"]["app.kubernetes.io/component"] == "snapshots";
        if is_snapshot {
            out.push_str("---\n");
            out.push_str(&yaml::to_string(&o.value).unwrap());
        }
    }
    out
}

#[test]
fn snapshot_cron_job_matches_its_golden_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/snapshot-cronjob.yaml");
    let fresh = snapshot_objects();
    if std::env::var_os("UPDATE_MANIFESTS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        committed, fresh,
        "tests/golden/snapshot-cronjob.yaml is out of date; regenerate with UPDATE_MANIFESTS=1"
    );
    assert_eq!(fresh.matches("kind: CronJob").count(), 1);
}

/// The scheduled-backup objects (CronJob, PVC, Role, ConfigMaps, NetworkPolicies) of a ring
/// with restricted egress, as YAML; each parses back into its typed object.
fn backup_objects() -> String {
    let cluster = resolve(&Inputs::with_sets(
        "medium",
        &[
            "backups.schedule=0 2 * * *",
            "backups.keep=7",
            "backups.storage.size=50Gi",
            "security.egress=restricted",
        ],
    ))
    .unwrap();
    let manifest = objects::render(&cluster).unwrap();
    let mut out = String::new();
    for o in manifest.objects() {
        let name = o.value["metadata"]["name"].as_str().unwrap_or_default();
        let is_backup = o.value["metadata"]["labels"]["app.kubernetes.io/component"] == "backups"
            || name.ends_with("-from-backups")
            || name.ends_with("-backups-egress");
        if !is_backup {
            continue;
        }
        let typed = match o.value["kind"].as_str().unwrap_or_default() {
            "ServiceAccount" => round_trips::<ServiceAccount>(&o.value),
            "ConfigMap" => round_trips::<ConfigMap>(&o.value),
            "Role" => round_trips::<Role>(&o.value),
            "RoleBinding" => round_trips::<RoleBinding>(&o.value),
            "NetworkPolicy" => round_trips::<NetworkPolicy>(&o.value),
            "PersistentVolumeClaim" => {
                round_trips::<k8s_openapi::api::core::v1::PersistentVolumeClaim>(&o.value)
            }
            "CronJob" => round_trips::<k8s_openapi::api::batch::v1::CronJob>(&o.value),
            other => Err(format!("unexpected backup object kind {other}")),
        };
        typed.unwrap_or_else(|e| panic!("{name}: {e}"));
        out.push_str("---\n");
        out.push_str(&yaml::to_string(&o.value).unwrap());
    }
    out
}

#[test]
fn backup_cron_job_matches_its_golden_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/backup-cronjob.yaml");
    let fresh = backup_objects();
    if std::env::var_os("UPDATE_MANIFESTS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, fresh,
        "tests/golden/backup-cronjob.yaml is out of date; regenerate with UPDATE_MANIFESTS=1"
    );
    for kind in [
        "\nkind: CronJob\n",
        "\nkind: PersistentVolumeClaim\n",
        "\nkind: Role\n",
        "\nkind: RoleBinding\n",
        "\nkind: ServiceAccount\n",
    ] {
        assert_eq!(fresh.matches(kind).count(), 1, "{kind}");
    }
    assert_eq!(fresh.matches("kind: NetworkPolicy").count(), 3);
}

/// The objects of a spec with bucket volumes that exist because of them: the PersistentVolumes,
/// their claims and the S3 Gateway policy admitting the mount pods, as YAML.
fn bucket_volume_objects() -> String {
    let cluster = resolve(&Inputs::with_sets(
        "medium",
        &[
            "s3.volumes[0].bucket=logs",
            "s3.volumes[0].namespace=apps",
            "s3.volumes[0].mountOptions[0]=uid 1000",
            "s3.volumes[0].credentialsSecret=apps-s3",
            "s3.volumes[1].bucket=models.v2",
            "s3.volumes[1].namespace=ml",
            "s3.volumes[1].readOnly=true",
        ],
    ))
    .unwrap();
    let manifest = objects::render(&cluster).unwrap();
    let mut out = String::new();
    for o in manifest.objects() {
        let is_volume = o.value["metadata"]["labels"]["app.kubernetes.io/component"] == "s3-volume";
        let is_mount_policy = o.name.ends_with("-s3g-from-mount-pods");
        if is_volume || is_mount_policy {
            out.push_str("---\n");
            out.push_str(&yaml::to_string(&o.value).unwrap());
        }
    }
    out
}

#[test]
fn bucket_volumes_match_their_golden_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/s3-volumes.yaml");
    let fresh = bucket_volume_objects();
    if std::env::var_os("UPDATE_MANIFESTS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        committed, fresh,
        "tests/golden/s3-volumes.yaml is out of date; regenerate with UPDATE_MANIFESTS=1"
    );
    assert_eq!(fresh.matches("kind: PersistentVolume\n").count(), 2);
    assert_eq!(fresh.matches("kind: PersistentVolumeClaim\n").count(), 2);
    assert_eq!(fresh.matches("kind: NetworkPolicy\n").count(), 1);
    for doc in fresh.split("---\n").filter(|d| !d.is_empty()) {
        let value: Value = yaml::from_str_with_path(doc).unwrap();
        let result = match value["kind"].as_str().unwrap() {
            "PersistentVolume" => {
                round_trips::<k8s_openapi::api::core::v1::PersistentVolume>(&value)
            }
            "PersistentVolumeClaim" => {
                round_trips::<k8s_openapi::api::core::v1::PersistentVolumeClaim>(&value)
            }
            "NetworkPolicy" => round_trips::<NetworkPolicy>(&value),
            other => Err(format!("unexpected kind {other}")),
        };
        result.unwrap();
    }
}
