//! What `status` computes: the Kubernetes view of a cluster (workloads with their ready
//! counts, pods, PVCs) and Ozone's own view (SCM and OM Raft roles, safe mode, datanodes by
//! state, capacity), as one serializable [`Report`]. The command line prints it as tables or
//! `-o json|yaml`; the operator takes its `status` subresource from it.
//!
//! When Ozone cannot be reached the Kubernetes view is still complete: each part of the Ozone
//! view is absent and [`OzoneStatus::errors`] says why, each distinct failure once. A missing
//! `pods/exec` permission (the `<cluster>-viewer` Role has none, by design) is one failure, not
//! one per pod or command.
//!
//! Cost: four list requests (StatefulSets, Deployments, pods, PVCs) and four Ozone commands,
//! however many datanodes there are.

use crate::cluster::Session;
use crate::cluster::exec::{ExecError, OzoneError, OzoneReader};
use crate::cluster::view::{ClusterView, component_of, is_ready, node, phase, restarts};
use ozone_storage::admin::{
    DatanodeInfo, OmRole, Query, SafeMode, ScmRole, datanode, roles, safemode,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Everything `status` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Cluster name.
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// What Kubernetes says.
    pub kubernetes: KubeStatus,
    /// What Ozone says.
    pub ozone: OzoneStatus,
}

/// The Kubernetes view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeStatus {
    /// StatefulSets and Deployments.
    pub workloads: Vec<Workload>,
    /// Pods.
    pub pods: Vec<PodRow>,
    /// PVCs.
    pub pvcs: Vec<PvcRow>,
}

/// One StatefulSet or Deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    /// Component.
    pub component: String,
    /// `StatefulSet` or `Deployment`.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Desired replicas.
    pub desired: i32,
    /// Ready replicas.
    pub ready: i32,
}

/// One pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodRow {
    /// Name.
    pub name: String,
    /// Component.
    pub component: String,
    /// Phase.
    pub phase: String,
    /// Ready condition.
    pub ready: bool,
    /// Container restarts.
    pub restarts: i32,
    /// Node.
    pub node: String,
}

/// One PVC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PvcRow {
    /// Name.
    pub name: String,
    /// Capacity (or request while pending).
    pub size: String,
    /// Phase.
    pub phase: String,
    /// StorageClass.
    pub storage_class: String,
}

/// The Ozone view; each part is absent when its command failed, with the reason in
/// `errors`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct OzoneStatus {
    /// Why parts are missing.
    pub errors: Vec<String>,
    /// SCM Raft roles.
    pub scm: Option<Vec<ScmRole>>,
    /// OM Raft roles.
    pub om: Option<Vec<OmRole>>,
    /// Safe mode.
    pub safe_mode: Option<SafeMode>,
    /// Datanodes.
    pub datanodes: Option<DatanodeSummary>,
}

/// Datanodes counted by state, and capacity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatanodeSummary {
    /// How many.
    pub total: usize,
    /// Operational state → health → count.
    pub by_state: BTreeMap<String, BTreeMap<String, usize>>,
    /// Bytes used.
    pub used: u64,
    /// Bytes of capacity.
    pub capacity: u64,
}

/// Counts datanodes by state and adds up capacity.
pub fn summarize(dns: &[DatanodeInfo]) -> DatanodeSummary {
    let mut by_state: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for d in dns {
        *by_state
            .entry(d.op_state.to_string())
            .or_default()
            .entry(d.health_state.to_string())
            .or_default() += 1;
    }
    DatanodeSummary {
        total: dns.len(),
        by_state,
        used: dns.iter().filter_map(|d| d.used).sum(),
        capacity: dns.iter().filter_map(|d| d.capacity).sum(),
    }
}

/// The Kubernetes view of a cluster.
pub fn kube_status(view: &ClusterView) -> KubeStatus {
    let comp = |m: &kube::core::ObjectMeta| {
        component_of(m)
            .map(|c| c.id().to_owned())
            .unwrap_or_default()
    };
    let mut workloads: Vec<Workload> = view
        .statefulsets
        .iter()
        .map(|s| Workload {
            component: comp(&s.metadata),
            kind: "StatefulSet",
            name: s.metadata.name.clone().unwrap_or_default(),
            desired: s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
            ready: s
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0),
        })
        .chain(view.deployments.iter().map(|d| {
            Workload {
                component: comp(&d.metadata),
                kind: "Deployment",
                name: d.metadata.name.clone().unwrap_or_default(),
                desired: d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                ready: d
                    .status
                    .as_ref()
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0),
            }
        }))
        .collect();
    workloads.sort_by_key(|w| {
        (
            ozone_storage::Component::from_id(&w.component),
            w.name.clone(),
        )
    });
    let mut pods = Vec::new();
    for c in ozone_storage::Component::ALL {
        for p in view.pods_of(c) {
            pods.push(PodRow {
                name: p.metadata.name.clone().unwrap_or_default(),
                component: c.id().to_owned(),
                phase: phase(p).to_owned(),
                ready: is_ready(p),
                restarts: restarts(p),
                node: node(p).to_owned(),
            });
        }
    }
    let mut pvcs: Vec<PvcRow> = view
        .pvcs
        .iter()
        .map(|c| {
            let status = c.status.as_ref();
            let size = status
                .and_then(|s| s.capacity.as_ref())
                .and_then(|m| m.get("storage"))
                .or_else(|| {
                    c.spec
                        .as_ref()
                        .and_then(|s| s.resources.as_ref())
                        .and_then(|r| r.requests.as_ref())
                        .and_then(|m| m.get("storage"))
                })
                .map(|q| q.0.clone())
                .unwrap_or_default();
            PvcRow {
                name: c.metadata.name.clone().unwrap_or_default(),
                size,
                phase: status.and_then(|s| s.phase.clone()).unwrap_or_default(),
                storage_class: c
                    .spec
                    .as_ref()
                    .and_then(|s| s.storage_class_name.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    pvcs.sort_by_key(|p| {
        let ord = crate::cluster::view::ordinal(&p.name).unwrap_or(i32::MAX);
        (
            p.name
                .rsplit_once('-')
                .map(|(a, _)| a.to_owned())
                .unwrap_or_default(),
            ord,
        )
    });
    KubeStatus {
        workloads,
        pods,
        pvcs,
    }
}

/// Reads the whole status of a discovered cluster: the view already holds the Kubernetes
/// side, Ozone is asked with its four commands at once.
pub async fn read(session: &Session, view: &ClusterView) -> Report {
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    Report {
        cluster: view.cluster().to_owned(),
        namespace: session.namespace().to_owned(),
        kubernetes: kube_status(view),
        ozone: ozone_status(&ozone).await,
    }
}

impl Report {
    /// Ready and desired replicas of a component's workloads, added up; `None` when the
    /// cluster has no workload of that component.
    pub fn ready(&self, component: ozone_storage::Component) -> Option<(i32, i32)> {
        self.kubernetes
            .workloads
            .iter()
            .filter(|w| w.component == component.id())
            .fold(None, |acc, w| {
                let (ready, desired) = acc.unwrap_or((0, 0));
                Some((ready + w.ready, desired + w.desired))
            })
    }
}

/// The Ozone versions each component's pods run (component id → image tags), from the images
/// their containers run: more than one while an upgrade or a rollout is under way. Not part of
/// [`Report`], whose shape `status -o json` prints.
pub fn versions(view: &ClusterView) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in ozone_storage::Component::ALL {
        for pod in view.pods_of(c) {
            let tags = crate::cluster::view::container_statuses(pod)
                .filter(|(_, init)| !init)
                .filter_map(|(s, _)| super::doctor::running::image_tag(&s.image));
            out.entry(c.id().to_owned())
                .or_default()
                .extend(tags.map(str::to_owned));
        }
    }
    out
}

/// Asks Ozone, all four commands at once.
pub async fn ozone_status(ozone: &OzoneReader) -> OzoneStatus {
    let (scm, om, safe, dns) = (
        Query::scm_roles(),
        Query::om_roles(),
        Query::safemode_status(),
        Query::datanode_list(),
    );
    let (scm, om, safe, dns) = tokio::join!(
        ozone.query(&scm),
        ozone.query(&om),
        ozone.query(&safe),
        ozone.query(&dns)
    );
    let mut st = OzoneStatus::default();
    let mut failures = Failures::default();
    st.scm = failures.take(scm, roles::parse_scm_roles);
    st.om = failures.take(om, roles::parse_om_roles);
    st.safe_mode = failures.take(safe, safemode::parse_status);
    st.datanodes = failures
        .take(dns, datanode::parse_list)
        .map(|d| summarize(&d));
    st.errors = failures.into_errors();
    st
}

/// Why parts of the Ozone view are missing.
#[derive(Default)]
struct Failures {
    /// Each failure, in the order of the commands.
    all: Vec<String>,
    /// The first refusal of `pods/exec`: the same for every pod and every command.
    forbidden: Option<String>,
}

impl Failures {
    /// The answer of one command, parsed; `None` with the failure recorded.
    fn take<T, E: ToString>(
        &mut self,
        out: Result<String, OzoneError>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let failure = match out {
            Ok(text) => match parse(&text) {
                Ok(v) => return Some(v),
                Err(e) => e.to_string(),
            },
            Err(OzoneError::Exec(e @ ExecError::Forbidden { .. })) => {
                let text = e.to_string();
                self.forbidden.get_or_insert_with(|| text.clone());
                text
            }
            Err(e) => e.to_string(),
        };
        self.all.push(failure);
        None
    }

    /// One line per distinct failure; only the permission when `pods/exec` was refused
    /// (the refusals differ only in the pod they name, and say the same thing).
    fn into_errors(self) -> Vec<String> {
        if let Some(forbidden) = self.forbidden {
            return vec![forbidden];
        }
        let mut out: Vec<String> = Vec::new();
        for f in self.all {
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }
}
