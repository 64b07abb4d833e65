//! Ozone's datanodes joined with the Kubernetes pods and PVCs they run on, and resolving the
//! names a user gives (`pod`, host name, UUID) to datanodes of this cluster.

use crate::cluster::view::{ClusterView, node, ordinal, phase};
use ozone_storage::Component;
use ozone_storage::admin::DatanodeInfo;
use serde::Serialize;
use std::collections::HashMap;

/// One datanode: Ozone's view and Kubernetes' view side by side. Either side may be missing
/// (a pod not yet registered with SCM; a datanode whose pod is gone).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DatanodeRow {
    /// UUID, when registered with SCM.
    pub uuid: Option<String>,
    /// Host name registered with SCM.
    pub host_name: Option<String>,
    /// IP address registered with SCM.
    pub ip_address: Option<String>,
    /// The pod.
    pub pod: Option<String>,
    /// The pod's phase.
    pub pod_phase: Option<String>,
    /// The Kubernetes node it runs on.
    pub node: Option<String>,
    /// Operational state.
    pub op_state: Option<String>,
    /// Health.
    pub health: Option<String>,
    /// Bytes used.
    pub used: Option<u64>,
    /// Bytes of capacity.
    pub capacity: Option<u64>,
    /// The pod's PVCs.
    pub pvcs: Vec<String>,
}

/// The pod a datanode runs in: its host name's first label is the pod name (StatefulSet pods
/// are named hosts), else a pod with its IP.
fn pod_index(view: &ClusterView) -> (HashMap<String, usize>, HashMap<String, usize>) {
    let mut by_name = HashMap::new();
    let mut by_ip = HashMap::new();
    for (i, p) in view.pods.iter().enumerate() {
        if crate::cluster::view::component_of(&p.metadata) != Some(Component::Datanode) {
            continue;
        }
        if let Some(n) = &p.metadata.name {
            by_name.insert(n.clone(), i);
        }
        if let Some(ip) = p.status.as_ref().and_then(|s| s.pod_ip.clone()) {
            by_ip.insert(ip, i);
        }
    }
    (by_name, by_ip)
}

/// Joins datanodes with pods; pods that are not registered come last.
pub fn join(view: &ClusterView, datanodes: &[DatanodeInfo]) -> Vec<DatanodeRow> {
    let (by_name, by_ip) = pod_index(view);
    let mut pvcs_by_pod: HashMap<&str, Vec<String>> = HashMap::new();
    for c in &view.pvcs {
        if let Some(name) = c.metadata.name.as_deref() {
            // `<template>-<pod>`: the template name has no digits-only last part, so the pod
            // is what follows the first '-'.
            if let Some((_, pod)) = name.split_once('-') {
                pvcs_by_pod.entry(pod).or_default().push(name.to_owned());
            }
        }
    }
    let mut used = vec![false; view.pods.len()];
    let mut rows: Vec<DatanodeRow> = datanodes
        .iter()
        .map(|dn| {
            let idx = by_name
                .get(dn.short_host())
                .or_else(|| by_ip.get(&dn.ip_address))
                .copied();
            let pod = idx.and_then(|i| view.pods.get(i));
            if let Some(i) = idx {
                used[i] = true;
            }
            let pod_name = pod.and_then(|p| p.metadata.name.clone());
            DatanodeRow {
                uuid: Some(dn.id.clone()),
                host_name: Some(dn.host_name.clone()),
                ip_address: Some(dn.ip_address.clone()),
                pvcs: pod_name
                    .as_deref()
                    .and_then(|n| pvcs_by_pod.get(n).cloned())
                    .unwrap_or_default(),
                pod: pod_name,
                pod_phase: pod.map(|p| phase(p).to_owned()),
                node: pod.map(|p| node(p).to_owned()).filter(|n| !n.is_empty()),
                op_state: Some(dn.op_state.to_string()),
                health: Some(dn.health_state.to_string()),
                used: dn.used,
                capacity: dn.capacity,
            }
        })
        .collect();
    rows.sort_by_key(|r| sort_key(r.pod.as_deref(), r.host_name.as_deref()));
    let mut unregistered: Vec<DatanodeRow> = view
        .pods
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            !used[*i]
                && crate::cluster::view::component_of(&p.metadata) == Some(Component::Datanode)
        })
        .map(|(_, p)| {
            let name = p.metadata.name.clone();
            DatanodeRow {
                uuid: None,
                host_name: None,
                ip_address: None,
                pvcs: name
                    .as_deref()
                    .and_then(|n| pvcs_by_pod.get(n).cloned())
                    .unwrap_or_default(),
                pod: name,
                pod_phase: Some(phase(p).to_owned()),
                node: Some(node(p).to_owned()).filter(|n| !n.is_empty()),
                op_state: None,
                health: None,
                used: None,
                capacity: None,
            }
        })
        .collect();
    unregistered.sort_by_key(|r| sort_key(r.pod.as_deref(), None));
    rows.extend(unregistered);
    rows
}

fn sort_key(pod: Option<&str>, host: Option<&str>) -> (i32, String) {
    match pod {
        Some(p) => (ordinal(p).unwrap_or(i32::MAX - 1), p.to_owned()),
        None => (i32::MAX, host.unwrap_or_default().to_owned()),
    }
}

/// A datanode chosen by the user.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// What the user typed.
    pub given: String,
    /// Its pod in this cluster, if any.
    pub pod: Option<String>,
    /// Its UUID.
    pub uuid: String,
    /// The host name SCM knows it by: what admin commands take.
    pub host_name: String,
    /// Its operational state now.
    pub op_state: String,
    /// Its health now.
    pub health: String,
}

/// A name that is not a datanode of this cluster.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    /// Nothing matches.
    #[error(
        "{given:?} is not a datanode of Ozone cluster {cluster}: give a pod name, host name or UUID (datanodes: {known})"
    )]
    NotFound {
        /// What the user typed.
        given: String,
        /// The cluster.
        cluster: String,
        /// A few known names.
        known: String,
    },
    /// A pod of the cluster that SCM does not know.
    #[error("pod {pod} is not registered with SCM (is it running?)")]
    NotRegistered {
        /// The pod.
        pod: String,
    },
}

/// Resolves each name to a datanode: by UUID, full host name, pod name or short host name.
pub fn resolve(
    view: &ClusterView,
    datanodes: &[DatanodeInfo],
    given: &[String],
) -> Result<Vec<Target>, TargetError> {
    let rows = join(view, datanodes);
    let mut out: Vec<Target> = Vec::new();
    for g in given {
        let g_trim = g.trim();
        let row = rows.iter().find(|r| {
            r.uuid.as_deref() == Some(g_trim)
                || r.host_name.as_deref() == Some(g_trim)
                || r.pod.as_deref() == Some(g_trim)
                || r.host_name
                    .as_deref()
                    .is_some_and(|h| h.split('.').next() == Some(g_trim))
        });
        let Some(row) = row else {
            let mut known: Vec<String> = rows
                .iter()
                .filter_map(|r| r.pod.clone().or_else(|| r.host_name.clone()))
                .take(5)
                .collect();
            if rows.len() > 5 {
                known.push("…".into());
            }
            return Err(TargetError::NotFound {
                given: g.clone(),
                cluster: view.cluster().to_owned(),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
            });
        };
        let (Some(uuid), Some(host)) = (&row.uuid, &row.host_name) else {
            return Err(TargetError::NotRegistered {
                pod: row.pod.clone().unwrap_or_default(),
            });
        };
        if out.iter().any(|t| &t.uuid == uuid) {
            continue;
        }
        out.push(Target {
            given: g.clone(),
            pod: row.pod.clone(),
            uuid: uuid.clone(),
            host_name: host.clone(),
            op_state: row.op_state.clone().unwrap_or_default(),
            health: row.health.clone().unwrap_or_default(),
        });
    }
    Ok(out)
}
