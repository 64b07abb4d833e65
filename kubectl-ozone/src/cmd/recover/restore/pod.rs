//! The restore pod of `recover --from`: made from the component's own StatefulSet template, so
//! it runs the cluster's image with its ServiceAccount, its restricted security contexts and
//! its mounts, plus the data PVC of the StatefulSet's only replica. Its one container sleeps
//! (no entrypoint, no Ozone process, no probes) until the plugin has streamed the checkpoint in
//! through exec and deletes it; `activeDeadlineSeconds` ends one a cut-off run leaves behind.

use crate::ops::upgrade::Workload;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaimVolumeSource, Pod, PodSpec, Volume};
use kube::core::ObjectMeta;
use ozone_generator::names::{APP_NAME, LABEL_INSTANCE, LABEL_NAME};
use ozone_storage::Component;
use std::collections::BTreeMap;

/// Label on a restore pod: the component whose volume it mounts. It carries no component
/// label, so nothing that counts a component's pods counts it.
pub const RESTORE_LABEL: &str = "ozone.apache.org/restore";

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
        let workload = crate::ops::upgrade::workloads(&crate::cluster::view::ClusterView {
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
