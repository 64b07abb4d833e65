//! `kubectl ozone status`: the Kubernetes view (workloads, pods, PVCs) and Ozone's own view
//! (SCM and OM Raft roles, safe mode, datanodes by state, capacity). When Ozone cannot be
//! reached the Kubernetes view is still printed, what Ozone said is printed, each distinct
//! failure is stated once on standard error, and the exit code is 1: a partial answer, as
//! `kubectl get` exits 1 when part of what it was asked for is forbidden. A missing `pods/exec`
//! permission (the `<cluster>-viewer` Role has none, by design) is one failure, not one per
//! pod or command.
//!
//! Cost: four list requests (StatefulSets, Deployments, pods, PVCs) and four Ozone commands,
//! however many datanodes there are.

use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, bytes, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::{ExecError, OzoneError, OzoneReader};
use ozone_engine::cluster::view::{ClusterView, component_of, is_ready, node, phase, restarts};
use ozone_storage::admin::{
    DatanodeInfo, OmRole, Query, SafeMode, ScmRole, datanode, roles, safemode,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::ExitCode;

/// `status` arguments.
#[derive(Debug, Args, Clone)]
pub struct StatusArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Everything `status` reports.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize, Default)]
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
#[derive(Debug, Serialize, PartialEq, Eq)]
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
        let ord = ozone_engine::cluster::view::ordinal(&p.name).unwrap_or(i32::MAX);
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

/// Runs `status`.
pub async fn status(session: &Session, io: &mut Io, args: &StatusArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, args.cluster.name.as_deref()).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let report = Report {
        cluster: view.cluster().to_owned(),
        namespace: session.namespace().to_owned(),
        kubernetes: kube_status(&view),
        ozone: ozone_status(&ozone).await,
    };
    let text = match structured(args.format, &report)? {
        Some(s) => s,
        None => render_table(&report, args.format == Format::Wide),
    };
    io.out.write_all(text.as_bytes())?;
    io.out.flush()?;
    if report.ozone.errors.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        // One line: a single cause, or each distinct one joined.
        io.note(format!(
            "error: the Ozone side of cluster {} could not be read: {}",
            report.cluster,
            report.ozone.errors.join("; ").replace('\n', " ")
        ));
        Ok(ExitCode::from(crate::exit::FAILURE))
    }
}

fn short(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// The report as tables.
pub fn render_table(r: &Report, wide: bool) -> String {
    let mut out = format!(
        "Ozone cluster {} in namespace {}\n\n",
        r.cluster, r.namespace
    );
    let k = &r.kubernetes;
    out.push_str(&table::render(
        &["COMPONENT", "KIND", "NAME", "READY"],
        &k.workloads
            .iter()
            .map(|w| {
                vec![
                    w.component.clone(),
                    w.kind.to_owned(),
                    w.name.clone(),
                    format!("{}/{}", w.ready, w.desired),
                ]
            })
            .collect::<Vec<_>>(),
    ));
    out.push('\n');
    out.push_str(&table::render(
        &["POD", "COMPONENT", "PHASE", "READY", "RESTARTS", "NODE"],
        &k.pods
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.component.clone(),
                    p.phase.clone(),
                    if p.ready { "true" } else { "false" }.to_owned(),
                    p.restarts.to_string(),
                    p.node.clone(),
                ]
            })
            .collect::<Vec<_>>(),
    ));
    if !k.pvcs.is_empty() {
        out.push('\n');
        let mut headers = vec!["PVC", "SIZE", "PHASE"];
        if wide {
            headers.push("STORAGECLASS");
        }
        let rows: Vec<Vec<String>> = k
            .pvcs
            .iter()
            .map(|p| {
                let mut row = vec![p.name.clone(), p.size.clone(), p.phase.clone()];
                if wide {
                    row.push(p.storage_class.clone());
                }
                row
            })
            .collect();
        out.push_str(&table::render(&headers, &rows));
    }
    let o = &r.ozone;
    if o.scm.is_none() && o.om.is_none() && o.safe_mode.is_none() && o.datanodes.is_none() {
        return out;
    }
    out.push_str("\nOzone\n");
    let mut roles_rows: Vec<Vec<String>> = Vec::new();
    for s in o.scm.iter().flatten() {
        let mut row = vec!["scm".into(), short(&s.host).to_owned(), s.role.clone()];
        if wide {
            row.push(s.node_id.clone().unwrap_or_default());
        }
        roles_rows.push(row);
    }
    for m in o.om.iter().flatten() {
        let mut row = vec!["om".into(), short(&m.host).to_owned(), m.role.clone()];
        if wide {
            row.push(m.node_id.clone());
        }
        roles_rows.push(row);
    }
    if !roles_rows.is_empty() {
        let mut headers = vec!["SERVICE", "HOST", "ROLE"];
        if wide {
            headers.push("NODE ID");
        }
        out.push_str(&table::render(&headers, &roles_rows));
    }
    if let Some(s) = o.safe_mode {
        out.push_str(match s {
            SafeMode::In => "Safe mode: ON (SCM accepts no writes yet)\n",
            SafeMode::Out => "Safe mode: off\n",
        });
    }
    if let Some(d) = &o.datanodes {
        let states: Vec<String> = d
            .by_state
            .iter()
            .flat_map(|(op, h)| h.iter().map(move |(h, n)| format!("{op}/{h} {n}")))
            .collect();
        out.push_str(&format!("Datanodes: {} ({})\n", d.total, states.join(", ")));
        let pct = if d.capacity > 0 {
            d.used as f64 * 100.0 / d.capacity as f64
        } else {
            0.0
        };
        out.push_str(&format!(
            "Capacity: {} used of {} ({pct:.1}%)\n",
            bytes(d.used),
            bytes(d.capacity)
        ));
    }
    // Why the rest is missing goes to standard error, once (`status`).
    out
}
