//! Buckets mounted through the Mountpoint for Amazon S3 CSI driver (`s3.csi.aws.com`):
//! the static PersistentVolume shape the driver needs (operations reference §3.2: a
//! `bucketName`, a `volumeHandle` unique per PV, `storageClassName: ""` and `claimRef` on the
//! PV, `storageClassName: ""` and `volumeName` on the claim), and that the S3 Gateway's
//! NetworkPolicies admit the namespace the driver's mount pods run in.
//!
//! Like [`super::cross`], it keeps a compact summary per object and checks once every source
//! is read.

use super::Location;
use super::object::{Draft, Obj, Selector};
use ozone_storage::Component;
use ozone_storage::s3::{self, MOUNTPOINT_DRIVER, MOUNTPOINT_NAMESPACE};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// See the check registry.
pub const BUCKET_NAME: &str = "mountpoint-bucket-name";
/// See the check registry.
pub const VOLUME_HANDLE: &str = "mountpoint-volume-handle";
/// See the check registry.
pub const STATIC_BINDING: &str = "mountpoint-static-binding";
/// See the check registry.
pub const MOUNT_PODS_POLICY: &str = "ozone-s3g-mount-pods";

/// The label every namespace carries with its own name.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

#[derive(Debug)]
struct Pv {
    at: Location,
    name: String,
    handle: String,
    bucket: Option<String>,
    storage_class: Option<String>,
    claim: Option<(String, String)>,
}

#[derive(Debug)]
struct Pvc {
    at: Location,
    namespace: String,
    name: String,
    volume_name: String,
    storage_class: Option<String>,
}

#[derive(Debug)]
struct Policy {
    at: Location,
    namespace: String,
    selector: Selector,
    /// Whether it isolates the selected pods for ingress.
    ingress: bool,
    /// Whether one of its ingress rules admits the mount pods' namespace.
    admits_mount_pods: bool,
}

/// What the Mountpoint checks need from the objects seen so far.
#[derive(Debug, Default)]
pub struct Index {
    pvs: Vec<Pv>,
    claims: Vec<Pvc>,
    /// Namespace and pod labels of S3 Gateway workloads.
    gateways: Vec<(String, BTreeMap<String, String>)>,
    policies: Vec<Policy>,
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned)
}

/// Whether a NetworkPolicy peer lets in pods of the mount pods' namespace: a namespace
/// selector that is empty (every namespace) or names it, and no narrowing pod selector.
fn peer_admits(peer: &Value) -> bool {
    let Some(ns) = peer.get("namespaceSelector") else {
        return false;
    };
    let pods_any = peer
        .get("podSelector")
        .is_none_or(|p| Selector::label_selector(Some(p)).is_empty());
    let labels = BTreeMap::from([(
        NAMESPACE_NAME_LABEL.to_owned(),
        MOUNTPOINT_NAMESPACE.to_owned(),
    )]);
    pods_any && Selector::label_selector(Some(ns)).matches(&labels)
}

impl Index {
    /// Appends the summaries of objects that come later in the input (parallel lint joins
    /// its threads' work in input order).
    pub fn merge(&mut self, later: Index) {
        self.pvs.extend(later.pvs);
        self.claims.extend(later.claims);
        self.gateways.extend(later.gateways);
        self.policies.extend(later.policies);
    }

    /// Records what the checks need from an object.
    pub fn add(&mut self, obj: &Obj<'_>, at: &Location) {
        let v = obj.value;
        match obj.kind {
            "PersistentVolume" => {
                if v.pointer("/spec/csi/driver").and_then(Value::as_str) != Some(MOUNTPOINT_DRIVER)
                {
                    return;
                }
                let claim = v.pointer("/spec/claimRef").map(|c| {
                    (
                        text(c.get("namespace")).unwrap_or_default(),
                        text(c.get("name")).unwrap_or_default(),
                    )
                });
                self.pvs.push(Pv {
                    at: at.clone(),
                    name: obj.name.to_owned(),
                    handle: text(v.pointer("/spec/csi/volumeHandle")).unwrap_or_default(),
                    bucket: text(v.pointer(&format!(
                        "/spec/csi/volumeAttributes/{}",
                        s3::BUCKET_NAME_ATTRIBUTE
                    ))),
                    storage_class: text(v.pointer("/spec/storageClassName")),
                    claim,
                });
            }
            "PersistentVolumeClaim" => {
                if let Some(volume_name) = text(v.pointer("/spec/volumeName")) {
                    self.claims.push(Pvc {
                        at: at.clone(),
                        namespace: obj.namespace.to_owned(),
                        name: obj.name.to_owned(),
                        volume_name,
                        storage_class: text(v.pointer("/spec/storageClassName")),
                    });
                }
            }
            "NetworkPolicy" => {
                let types: Vec<String> = v
                    .pointer("/spec/policyTypes")
                    .and_then(Value::as_array)
                    .map(|t| {
                        t.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                // Without policyTypes, a policy always isolates for ingress.
                let ingress = types.is_empty() || types.iter().any(|t| t == "Ingress");
                let admits_mount_pods = v
                    .pointer("/spec/ingress")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|rule| match rule.get("from").and_then(Value::as_array) {
                        None => true,
                        Some(from) if from.is_empty() => true,
                        Some(from) => from.iter().any(peer_admits),
                    });
                self.policies.push(Policy {
                    at: at.clone(),
                    namespace: obj.namespace.to_owned(),
                    selector: Selector::label_selector(v.pointer("/spec/podSelector")),
                    ingress,
                    admits_mount_pods,
                });
            }
            _ => {
                if obj.ozone_component() == Some(Component::S3g) && obj.pod_spec().is_some() {
                    self.gateways
                        .push((obj.namespace.to_owned(), obj.pod_labels()));
                }
            }
        }
    }

    /// Runs the checks.
    pub fn check(&self, out: &mut Vec<(Location, Draft)>) {
        let mut emit = |at: &Location, check: &'static str, message: String| {
            out.push((at.clone(), Draft::new(check, "", message)));
        };
        let mut handles: BTreeMap<&str, &str> = BTreeMap::new();
        for pv in &self.pvs {
            match &pv.bucket {
                None => emit(
                    &pv.at,
                    BUCKET_NAME,
                    format!(
                        "PersistentVolume {} for {MOUNTPOINT_DRIVER} has no csi.volumeAttributes.bucketName; the driver cannot mount it",
                        pv.name
                    ),
                ),
                Some(b) => {
                    if let Err(e) = s3::check_bucket_name(b) {
                        emit(
                            &pv.at,
                            BUCKET_NAME,
                            format!("PersistentVolume {}: bucketName {e}", pv.name),
                        );
                    }
                }
            }
            if pv.handle.is_empty() {
                emit(
                    &pv.at,
                    VOLUME_HANDLE,
                    format!("PersistentVolume {} has no csi.volumeHandle", pv.name),
                );
            } else if let Some(other) = handles.insert(&pv.handle, &pv.name) {
                emit(
                    &pv.at,
                    VOLUME_HANDLE,
                    format!(
                        "PersistentVolumes {other} and {} share volumeHandle {:?}; the driver needs one per PersistentVolume",
                        pv.name, pv.handle
                    ),
                );
            }
            if pv.storage_class.as_deref() != Some("") {
                emit(
                    &pv.at,
                    STATIC_BINDING,
                    format!(
                        "PersistentVolume {} needs storageClassName: \"\": the driver provisions nothing, so only a class-less claim may bind it",
                        pv.name
                    ),
                );
            }
            if pv.claim.is_none() {
                emit(
                    &pv.at,
                    STATIC_BINDING,
                    format!(
                        "PersistentVolume {} has no claimRef; any class-less claim could bind it",
                        pv.name
                    ),
                );
            }
        }
        for claim in &self.claims {
            let Some(pv) = self.pvs.iter().find(|p| p.name == claim.volume_name) else {
                continue;
            };
            if claim.storage_class.as_deref() != Some("") {
                emit(
                    &claim.at,
                    STATIC_BINDING,
                    format!(
                        "PersistentVolumeClaim {} binds Mountpoint volume {} but does not set storageClassName: \"\"; the default StorageClass would be filled in and the claim never binds",
                        claim.name, pv.name
                    ),
                );
            }
            if let Some((ns, name)) = &pv.claim
                && (ns.as_str(), name.as_str()) != (claim.namespace.as_str(), claim.name.as_str())
            {
                emit(
                    &claim.at,
                    STATIC_BINDING,
                    format!(
                        "PersistentVolumeClaim {}/{} names volume {} whose claimRef is {ns}/{name}; they never bind",
                        claim.namespace, claim.name, pv.name
                    ),
                );
            }
        }
        let Some(first_pv) = self.pvs.first() else {
            return;
        };
        let mut reported = BTreeSet::new();
        for (namespace, labels) in &self.gateways {
            let isolating: Vec<&Policy> = self
                .policies
                .iter()
                .filter(|p| &p.namespace == namespace && p.ingress && p.selector.matches(labels))
                .collect();
            if isolating.is_empty() || isolating.iter().any(|p| p.admits_mount_pods) {
                continue;
            }
            if reported.insert(namespace.clone()) {
                emit(
                    &isolating[0].at,
                    MOUNT_PODS_POLICY,
                    format!(
                        "Mountpoint S3 volumes exist (PersistentVolume {}), but no NetworkPolicy selecting the S3 Gateway pods in namespace {namespace} admits namespace {MOUNTPOINT_NAMESPACE}, where the CSI driver's mount pods run; mounts would time out",
                        first_pv.name
                    ),
                );
            }
        }
    }
}
