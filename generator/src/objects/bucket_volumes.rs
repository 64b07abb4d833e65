//! Buckets as Kubernetes volumes: per `spec.s3.volumes` entry a static PersistentVolume for the
//! Mountpoint for Amazon S3 CSI driver (`s3.csi.aws.com`) and a PersistentVolumeClaim bound
//! to it in the application's namespace (operations reference §3.2: static provisioning only,
//! `storageClassName: ""` on both, `claimRef` ↔ `volumeName`, a unique `volumeHandle`).
//!
//! `kubectl ozone s3 volume` prints the same pair through [`volume_pair`], so a volume made
//! outside the spec is byte-for-byte what render would make.

use super::meta;
use crate::names::{LABEL_COMPONENT, Names};
use crate::spec::Cluster;
use crate::spec::cluster::BucketVolume;
use k8s_openapi::api::core::v1::{
    CSIPersistentVolumeSource, ObjectReference, PersistentVolume, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeSpec, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use ozone_storage::Component;
use ozone_storage::config::{Settings, effective_port, https_only};
use ozone_storage::s3::{self, Endpoint};
use std::collections::BTreeMap;

/// [`LABEL_COMPONENT`] of bucket volumes.
pub const COMPONENT: &str = "s3-volume";

/// PersistentVolume annotation naming the Secret with the volume's Ozone identity.
pub const CREDENTIALS_ANNOTATION: &str = "ozone.apache.org/s3-credentials-secret";

/// PersistentVolume annotation naming the bucket, for people reading `kubectl get pv`.
pub const BUCKET_ANNOTATION: &str = "ozone.apache.org/s3-bucket";

/// The capacity every PV states: the driver ignores it, but the API requires one (operations
/// reference §3.2), and a bucket has no size.
const CAPACITY: &str = "1Ti";

/// The S3 Gateway as pods of the cluster reach it: the client Service's FQDN, and the S3
/// port's number and scheme under the cluster's HTTP policy (the HTTPS twin under
/// `HTTPS_ONLY`), both from the catalog.
pub fn in_cluster_endpoint(host: String, settings: &Settings) -> Endpoint {
    let port = Component::S3g.service().ports[0];
    Endpoint::new(
        https_only(settings),
        host,
        effective_port(&port, settings).unwrap_or(port.number),
    )
}

/// The in-cluster endpoint of a rendered cluster.
pub fn cluster_endpoint(cluster: &Cluster, settings: &Settings) -> Endpoint {
    in_cluster_endpoint(cluster.names().service_host(Component::S3g), settings)
}

/// The PersistentVolume's name: cluster-scoped, so it carries the cluster, the application's
/// namespace and the claim's name, which together are unique.
pub fn persistent_volume_name(cluster: &str, volume: &BucketVolume) -> String {
    format!("{cluster}-{}-{}", volume.namespace, volume.name)
}

/// The PersistentVolume and its claim for one bucket.
pub fn volume_pair(
    names: &Names,
    version: &str,
    endpoint: &Endpoint,
    volume: &BucketVolume,
) -> (PersistentVolume, PersistentVolumeClaim) {
    let mut labels = names.cluster_labels(version);
    labels.insert(LABEL_COMPONENT.to_owned(), COMPONENT.to_owned());
    let pv_name = persistent_volume_name(names.cluster(), volume);
    let mut pv_meta = meta(&pv_name, "", labels.clone());
    let mut annotations = BTreeMap::from([(BUCKET_ANNOTATION.to_owned(), volume.bucket.clone())]);
    if let Some(secret) = &volume.credentials_secret {
        annotations.insert(CREDENTIALS_ANNOTATION.to_owned(), secret.clone());
    }
    pv_meta.annotations = Some(annotations);
    let pv = PersistentVolume {
        metadata: pv_meta,
        spec: Some(PersistentVolumeSpec {
            access_modes: Some(volume.access_modes.clone()),
            capacity: Some(BTreeMap::from([(
                "storage".to_owned(),
                Quantity(CAPACITY.to_owned()),
            )])),
            // Static provisioning: no class, so no provisioner ever claims it.
            storage_class_name: Some(String::new()),
            claim_ref: Some(ObjectReference {
                namespace: Some(volume.namespace.clone()),
                name: Some(volume.name.clone()),
                ..ObjectReference::default()
            }),
            // Deleting the claim must never touch the bucket.
            persistent_volume_reclaim_policy: Some("Retain".to_owned()),
            mount_options: Some(s3::mount_options(
                endpoint,
                volume.read_only,
                &volume.mount_options,
            )),
            csi: Some(CSIPersistentVolumeSource {
                driver: s3::MOUNTPOINT_DRIVER.to_owned(),
                volume_handle: pv_name.clone(),
                volume_attributes: Some(BTreeMap::from([(
                    s3::BUCKET_NAME_ATTRIBUTE.to_owned(),
                    volume.bucket.clone(),
                )])),
                ..CSIPersistentVolumeSource::default()
            }),
            ..PersistentVolumeSpec::default()
        }),
        ..PersistentVolume::default()
    };
    let pvc = PersistentVolumeClaim {
        metadata: meta(&volume.name, &volume.namespace, labels),
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(volume.access_modes.clone()),
            storage_class_name: Some(String::new()),
            volume_name: Some(pv_name),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(CAPACITY.to_owned()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    };
    (pv, pvc)
}

/// Every bucket volume of the cluster.
pub fn objects(
    cluster: &Cluster,
    settings: &Settings,
) -> Vec<(PersistentVolume, PersistentVolumeClaim)> {
    if cluster.s3.volumes.is_empty() {
        return Vec::new();
    }
    let names = cluster.names();
    let endpoint = cluster_endpoint(cluster, settings);
    cluster
        .s3
        .volumes
        .iter()
        .map(|v| volume_pair(&names, &cluster.version, &endpoint, v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::config;
    use crate::spec::{Inputs, resolve};

    fn render(sets: &[&str]) -> (Cluster, Vec<(PersistentVolume, PersistentVolumeClaim)>) {
        let cluster = resolve(&Inputs::with_sets("small", sets)).unwrap();
        let settings = config::settings(&cluster);
        let pairs = objects(&cluster, &settings);
        (cluster, pairs)
    }

    #[test]
    fn a_volume_is_a_bound_static_pair_pointing_at_the_gateway() {
        let (_, pairs) = render(&["s3.volumes[0].bucket=logs", "s3.volumes[0].namespace=apps"]);
        let (pv, pvc) = &pairs[0];
        let spec = pv.spec.as_ref().unwrap();
        let csi = spec.csi.as_ref().unwrap();
        assert_eq!(csi.driver, "s3.csi.aws.com");
        assert_eq!(csi.volume_handle, "ozone-apps-logs");
        assert_eq!(
            csi.volume_attributes.as_ref().unwrap()["bucketName"],
            "logs"
        );
        assert_eq!(spec.storage_class_name.as_deref(), Some(""));
        let claim = spec.claim_ref.as_ref().unwrap();
        assert_eq!(
            (claim.namespace.as_deref(), claim.name.as_deref()),
            (Some("apps"), Some("logs"))
        );
        let options = spec.mount_options.as_ref().unwrap();
        assert_eq!(
            options[0],
            "endpoint-url http://ozone-s3g.ozone.svc.cluster.local:9878"
        );
        assert!(options.contains(&"allow-delete".to_owned()));
        let claim_spec = pvc.spec.as_ref().unwrap();
        assert_eq!(pvc.metadata.namespace.as_deref(), Some("apps"));
        assert_eq!(
            claim_spec.volume_name.as_deref(),
            pv.metadata.name.as_deref()
        );
        assert_eq!(claim_spec.storage_class_name.as_deref(), Some(""));
        assert_eq!(
            claim_spec.access_modes.as_deref(),
            Some(&["ReadWriteMany".to_owned()][..])
        );
    }

    #[test]
    fn tls_moves_the_endpoint_to_https_on_the_catalog_twin() {
        let (_, pairs) = render(&[
            "security.tls.mode=managed",
            "s3.volumes[0].bucket=logs",
            "s3.volumes[0].namespace=apps",
            "s3.volumes[0].readOnly=true",
        ]);
        let spec = pairs[0].0.spec.as_ref().unwrap();
        let twin = Component::S3g.service().ports[0].https.unwrap().number;
        assert_eq!(
            spec.mount_options.as_ref().unwrap()[0],
            format!("endpoint-url https://ozone-s3g.ozone.svc.cluster.local:{twin}")
        );
        assert!(
            spec.mount_options
                .as_ref()
                .unwrap()
                .contains(&"read-only".to_owned())
        );
        assert_eq!(
            spec.access_modes.as_deref(),
            Some(&["ReadOnlyMany".to_owned()][..])
        );
    }

    #[test]
    fn volume_handles_are_unique_across_namespaces() {
        let (_, pairs) = render(&[
            "s3.volumes[0].bucket=logs",
            "s3.volumes[0].namespace=a",
            "s3.volumes[1].bucket=logs",
            "s3.volumes[1].namespace=b",
            "s3.volumes[1].name=logs-b",
        ]);
        let handles: std::collections::BTreeSet<_> = pairs
            .iter()
            .map(|(pv, _)| {
                pv.spec
                    .as_ref()
                    .unwrap()
                    .csi
                    .as_ref()
                    .unwrap()
                    .volume_handle
                    .clone()
            })
            .collect();
        assert_eq!(handles.len(), 2);
    }

    #[test]
    fn bad_volumes_name_the_field() {
        let cases: [(&[&str], &str); 7] = [
            (
                &["s3.volumes[0].bucket=Logs", "s3.volumes[0].namespace=a"],
                "spec.s3.volumes[0].bucket:",
            ),
            (
                &["s3.volumes[0].bucket=logs"],
                "spec.s3.volumes[0].namespace: not set",
            ),
            (
                &["s3.volumes[0].bucket=logs", "s3.volumes[0].namespace=A_b"],
                "spec.s3.volumes[0].namespace:",
            ),
            (
                &[
                    "s3.volumes[0].bucket=logs",
                    "s3.volumes[0].namespace=a",
                    "s3.volumes[1].bucket=logs",
                    "s3.volumes[1].namespace=b",
                ],
                "spec.s3.volumes[1].name: \"logs\" is used by another volume",
            ),
            (
                &[
                    "s3.volumes[0].bucket=logs",
                    "s3.volumes[0].namespace=a",
                    "s3.volumes[0].mountOptions[0]=endpoint-url http://x",
                ],
                "spec.s3.volumes[0].mountOptions[0]:",
            ),
            (
                &[
                    "s3.volumes[0].bucket=logs",
                    "s3.volumes[0].namespace=a",
                    "s3.volumes[0].accessModes[0]=ReadWriteOnce",
                ],
                "spec.s3.volumes[0].accessModes[0]:",
            ),
            (&["s3.mountNamespace=Mount_S3"], "spec.s3.mountNamespace:"),
        ];
        for (sets, want) in cases {
            let err = resolve(&Inputs::with_sets("small", sets))
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{sets:?}: {err}");
        }
        let err = resolve(&Inputs::with_sets(
            "small",
            &[
                "s3g.enabled=false",
                "s3.volumes[0].bucket=logs",
                "s3.volumes[0].namespace=a",
            ],
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("spec.s3.volumes: bucket volumes need the S3 Gateway"),
            "{err}"
        );
    }
}
