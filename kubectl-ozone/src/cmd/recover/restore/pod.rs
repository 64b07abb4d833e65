//! The restore pod of `recover --from`: made from the component's own StatefulSet template, so
//! it runs the cluster's image with its ServiceAccount, its restricted security contexts and
//! its mounts, plus the data PVC of the StatefulSet's only replica. Its one container sleeps
//! (no entrypoint, no Ozone process, no probes) until the plugin has streamed the checkpoint in
//! through exec and deletes it; `activeDeadlineSeconds` ends one a cut-off run leaves behind.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaimVolumeSource, Pod, PodSpec, Volume};
use kube::core::ObjectMeta;
use ozone_engine::plan::upgrade::Workload;
use ozone_generator::names::{APP_NAME, LABEL_INSTANCE, LABEL_NAME};
use ozone_storage::Component;
use std::collections::BTreeMap;

pub use ozone_engine::cluster::objects::RESTORE_LABEL;

/// The longest a restore pod lives if nobody deletes it.
const DEADLINE_SECONDS: i64 = 6 * 3600;

/// The script run in the restore pod (python3 is in the Ozone image, ozone.md §2).
pub const SCRIPT: &str = include_str!("../restore.py");

/// Where a component's metadata is restored: its StatefulSet, the PVC of replica 0, and the
/// restore pod's name and container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The component.
    pub component: Component,
    /// The restore pod.
    pub pod: String,
    /// Its container (named as the component's main container).
    pub container: String,
    /// The data PVC.
    pub pvc: String,
}

/// Why no restore pod can be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PodError {
    /// The StatefulSet keeps no volume claim template, so there is no data PVC.
    #[error(
        "statefulset {0} has no volumeClaimTemplates: its metadata is on no persistent volume, so there is nothing to restore into"
    )]
    NoClaim(String),
    /// The pod template has no containers.
    #[error("statefulset {0} has no pod template with a container")]
    NoContainer(String),
}

/// Where `workload`'s metadata goes, and the name of its restore pod.
pub fn placement(
    cluster: &str,
    sts: &StatefulSet,
    workload: &Workload,
) -> Result<Placement, PodError> {
    let name = workload.name.clone();
    let claim = sts
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_ref())
        .and_then(|c| c.first())
        .and_then(|c| c.metadata.name.clone())
        .ok_or_else(|| PodError::NoClaim(name.clone()))?;
    Ok(Placement {
        component: workload.component,
        pod: format!("{cluster}-restore-{}", workload.component.id()),
        container: workload.main_container.clone(),
        pvc: format!("{claim}-{name}-0"),
    })
}

/// The restore pod for `placement`, from the StatefulSet's pod template.
pub fn restore_pod(
    cluster: &str,
    sts: &StatefulSet,
    placement: &Placement,
) -> Result<Pod, PodError> {
    let name = sts.metadata.name.clone().unwrap_or_default();
    let template = sts
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.clone())
        .ok_or_else(|| PodError::NoContainer(name.clone()))?;
    let claim = sts
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_ref())
        .and_then(|c| c.first())
        .and_then(|c| c.metadata.name.clone())
        .ok_or_else(|| PodError::NoClaim(name.clone()))?;
    let mut main = template
        .containers
        .iter()
        .find(|c| c.name == placement.container)
        .or_else(|| template.containers.first())
        .cloned()
        .ok_or_else(|| PodError::NoContainer(name.clone()))?;
    // Bypass the entrypoint: nothing of Ozone may start against the volume being replaced.
    main.command = Some(vec!["sleep".into(), DEADLINE_SECONDS.to_string()]);
    main.args = None;
    main.liveness_probe = None;
    main.readiness_probe = None;
    main.startup_probe = None;
    main.lifecycle = None;
    main.ports = None;
    let mut volumes = template.volumes.clone().unwrap_or_default();
    volumes.retain(|v| v.name != claim);
    volumes.push(Volume {
        name: claim,
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: placement.pvc.clone(),
            read_only: Some(false),
        }),
        ..Volume::default()
    });
    Ok(Pod {
        metadata: ObjectMeta {
            name: Some(placement.pod.clone()),
            labels: Some(BTreeMap::from([
                (LABEL_NAME.to_owned(), APP_NAME.to_owned()),
                (LABEL_INSTANCE.to_owned(), cluster.to_owned()),
                (
                    RESTORE_LABEL.to_owned(),
                    placement.component.id().to_owned(),
                ),
            ])),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            containers: vec![main],
            init_containers: None,
            volumes: Some(volumes),
            restart_policy: Some("Never".into()),
            active_deadline_seconds: Some(DEADLINE_SECONDS),
            termination_grace_period_seconds: Some(5),
            ..template
        }),
        status: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn om_statefulset() -> StatefulSet {
        serde_json::from_value(json!({
            "metadata": {"name": "ozone-om"},
            "spec": {
                "serviceName": "ozone-om-headless", "selector": {},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
                "template": {"spec": {
                    "serviceAccountName": "ozone-om", "automountServiceAccountToken": false,
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
                    "initContainers": [{"name": "wait", "image": "apache/ozone:2.2.0"}],
                    "containers": [{"name": "om", "image": "apache/ozone:2.2.0", "args": ["ozone", "om"],
                        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true},
                        "readinessProbe": {"tcpSocket": {"port": "rpc"}},
                        "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "tmp", "mountPath": "/tmp"}]}],
                    "volumes": [{"name": "tmp", "emptyDir": {}}]
                }}
            }
        }))
        .unwrap()
    }

    #[test]
    fn the_restore_pod_is_the_template_holding_the_volume_of_replica_0() {
        let sts = om_statefulset();
        let workload =
            ozone_engine::plan::upgrade::workloads(&ozone_engine::cluster::view::ClusterView {
                statefulsets: vec![{
                    let mut s = sts.clone();
                    s.metadata.labels = Some(BTreeMap::from([
                        (LABEL_NAME.to_owned(), APP_NAME.to_owned()),
                        (LABEL_INSTANCE.to_owned(), "ozone".to_owned()),
                        (
                            ozone_generator::names::LABEL_COMPONENT.to_owned(),
                            "om".to_owned(),
                        ),
                    ]));
                    s
                }],
                names: ozone_generator::names::Names::new("ozone", "ozone", "cluster.local"),
                deployments: vec![],
                pods: vec![],
                pvcs: vec![],
            })
            .remove(0);
        let target = placement("ozone", &sts, &workload).unwrap();
        assert_eq!(target.pvc, "data-ozone-om-0");
        let pod = serde_json::to_value(restore_pod("ozone", &sts, &target).unwrap()).unwrap();
        let spec = &pod["spec"];
        assert_eq!(pod["metadata"]["name"], "ozone-restore-om");
        assert!(
            pod["metadata"]["labels"]
                .get("app.kubernetes.io/component")
                .is_none()
        );
        assert_eq!(spec["serviceAccountName"], "ozone-om");
        assert_eq!(spec["securityContext"]["runAsNonRoot"], true);
        assert_eq!(spec["restartPolicy"], "Never");
        assert!(spec.get("initContainers").is_none());
        let c = &spec["containers"][0];
        assert_eq!(c["image"], "apache/ozone:2.2.0");
        assert_eq!(c["command"], json!(["sleep", "21600"]));
        assert!(c.get("args").is_none() && c.get("readinessProbe").is_none());
        assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
        assert_eq!(
            spec["volumes"][1],
            json!({"name": "data", "persistentVolumeClaim": {"claimName": "data-ozone-om-0", "readOnly": false}})
        );
        let mut no_claims = sts.clone();
        no_claims.spec.as_mut().unwrap().volume_claim_templates = None;
        assert!(matches!(
            placement("ozone", &no_claims, &workload),
            Err(PodError::NoClaim(_))
        ));
    }
}

/// The in-pod script run for real (python3, as in the image) against a directory standing in
/// for the data volume: what it moves, keeps, refuses and prints.
#[cfg(test)]
mod script_tests {
    use super::SCRIPT;
    use crate::cmd::backup::verify::sum;
    use serde_json::{Value, json};
    use std::io::Write;
    use std::path::Path;
    use std::process::{Command, Stdio};

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for (name, body) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            // `set_path` refuses `..`; a hostile tar is written byte by byte.
            let bytes = name.as_bytes();
            header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            header.set_cksum();
            tar.append(&header, *body).unwrap();
        }
        tar.into_inner().unwrap()
    }

    fn checkpoint(seed: u8) -> Vec<u8> {
        tar_of(&[
            ("CURRENT", b"MANIFEST-000012\n"),
            ("MANIFEST-000012", &[seed; 100]),
            ("000010.sst", &[seed; 5000]),
        ])
    }

    /// Runs the script for `component` under `root` with `input` on stdin, claiming `claimed`
    /// (the manifest's size and sha256); returns exit code, stdout, stderr.
    fn place(root: &Path, component: &str, input: &[u8], claimed: &[u8]) -> (i32, Value, String) {
        let tmp = root.join("claimed");
        std::fs::write(&tmp, claimed).unwrap();
        let (size, sha) = sum(&tmp).unwrap();
        let m = root.join("metadata");
        let args = json!({
            "component": component, "backup": "backup-20261201-030000", "size": size,
            "sha256": sha, "clusterId": "CID-new",
            "db": [m.join(format!("{component}.db")), m.join(component).join(format!("{component}.db"))],
            "versionFile": m.join(component).join("current/VERSION"),
            "ratis": [m.join("ratis"), m.join(format!("{component}.ratis"))],
        });
        let mut child = Command::new("python3")
            .args(["-c", SCRIPT, &args.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        // A script that refuses before reading closes its end; that is its answer.
        let _ = child.stdin.take().unwrap().write_all(input);
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        (
            out.status.code().unwrap_or(-1),
            serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }

    #[test]
    fn the_checkpoint_replaces_the_db_and_the_old_one_is_kept_aside() {
        let root = tempfile::tempdir().unwrap();
        let m = root.path().join("metadata");
        std::fs::create_dir_all(m.join("scm.db")).unwrap();
        std::fs::write(m.join("scm.db/CURRENT"), "old").unwrap();
        std::fs::create_dir_all(m.join("ratis/group")).unwrap();
        std::fs::create_dir_all(m.join("scm/current")).unwrap();
        std::fs::write(
            m.join("scm/current/VERSION"),
            "#x\nnodeType=SCM\nclusterID=CID-old\nscmUuid=u1\n",
        )
        .unwrap();
        let input = checkpoint(7);
        let (code, out, err) = place(root.path(), "scm", &input, &input);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out["received"], input.len());
        assert_eq!(out["clusterId"], "set");
        assert_eq!(read(&m.join("scm.db/CURRENT")), "MANIFEST-000012\n");
        assert_eq!(
            std::fs::read(m.join("scm.db/000010.sst")).unwrap(),
            [7; 5000]
        );
        let aside = "before-restore-backup-20261201-030000";
        assert_eq!(read(&m.join(format!("scm.db.{aside}/CURRENT"))), "old");
        assert!(m.join(format!("ratis.{aside}/group")).is_dir());
        assert!(!m.join("ratis").exists());
        let version = read(&m.join("scm/current/VERSION"));
        assert!(version.contains("clusterID=CID-new") && version.contains("scmUuid=u1"));
        assert!(!version.contains("CID-old"));
        assert!(read(&m.join(format!("scm/current/VERSION.{aside}"))).contains("CID-old"));
        // Run again (a resumed run): the restored DB is replaced by the same, the old one
        // aside is not overwritten, no temporary file is left.
        let (code, out, err) = place(root.path(), "scm", &input, &input);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out["clusterId"], "kept");
        assert_eq!(read(&m.join(format!("scm.db.{aside}/CURRENT"))), "old");
        assert_eq!(read(&m.join("scm.db/CURRENT")), "MANIFEST-000012\n");
        let mut names: Vec<String> = std::fs::read_dir(&m)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "scm".to_owned(),
                "scm.db".into(),
                format!("scm.db.{aside}"),
                format!("ratis.{aside}")
            ]
            .iter()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn damaged_or_hostile_input_and_a_missing_scm_version_change_nothing() {
        let root = tempfile::tempdir().unwrap();
        let m = root.path().join("metadata");
        std::fs::create_dir_all(m.join("om.db")).unwrap();
        std::fs::write(m.join("om.db/CURRENT"), "old").unwrap();
        let good = checkpoint(1);
        let mut bad = good.clone();
        bad[700] ^= 1;
        let (code, _, err) = place(root.path(), "om", &bad, &good);
        assert_eq!(code, 4, "{err}");
        assert!(err.contains("arrived damaged"), "{err}");
        let hostile = tar_of(&[("../escape", b"x"), ("CURRENT", b"y")]);
        let (code, _, err) = place(root.path(), "om", &hostile, &hostile);
        assert_eq!(code, 5, "{err}");
        assert!(!root.path().join("escape").exists());
        let no_db = tar_of(&[("README", b"not a checkpoint")]);
        let (code, _, err) = place(root.path(), "om", &no_db, &no_db);
        assert_eq!(code, 5, "{err}");
        assert_eq!(read(&m.join("om.db/CURRENT")), "old");
        assert_eq!(
            std::fs::read_dir(&m).unwrap().count(),
            1,
            "only om.db is left"
        );
        // SCM without a VERSION file would come up with a new cluster id: refused first.
        let (code, _, err) = place(root.path(), "scm", &good, &good);
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("no SCM VERSION file"), "{err}");
    }
}
