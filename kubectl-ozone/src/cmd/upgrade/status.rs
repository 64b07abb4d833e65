//! `kubectl ozone upgrade status`: per component the version its workload runs and the
//! images its pods run, the upgrade record, OM and SCM finalization (the cluster-wide
//! `ozone admin upgrade status --json` where the OMs have it, operations §1.4), and whether a
//! downgrade is still possible.

use super::{exec_targets, finalization};
use crate::cmd::common::{ClusterArgs, flags_hint};
use crate::ui::{Format, Io, structured};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::plan::finality::Facts;
use ozone_engine::plan::upgrade;
use ozone_storage::admin::{Query, upgrade as parse};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

/// `upgrade status` arguments.
#[derive(Debug, Args, Clone)]
pub struct StatusArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// One component.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentVersion {
    /// Component.
    pub component: String,
    /// The image its workload starts pods with.
    pub image: String,
    /// Pods per image they run.
    pub pods: BTreeMap<String, usize>,
}

/// The report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeStatus {
    /// Cluster.
    pub cluster: String,
    /// Version the workloads run (the SCM's).
    pub running: Option<String>,
    /// The last upgrade's target.
    pub target: Option<String>,
    /// Its origin.
    pub from: Option<String>,
    /// How far the `upgrade` run got (its record; `done` once it finished). Finalization is
    /// Ozone's answer, below.
    pub phase: Option<String>,
    /// Per component.
    pub components: Vec<ComponentVersion>,
    /// OM finalization status.
    pub om_finalization: Option<String>,
    /// SCM finalization status.
    pub scm_finalization: Option<String>,
    /// Datanodes finalized / total, where Ozone reports it.
    pub datanodes_finalized: Option<String>,
    /// Where the cluster stands (pre-finalized, finalizing, finalized), in words.
    pub finalization: ozone_engine::plan::finality::State,
    /// The state and why, as `upgrade` ends with it.
    pub summary: String,
    /// Whether a downgrade is possible, and to which version.
    pub downgrade: String,
}

/// Runs `upgrade status`.
pub async fn run(session: &Session, io: &mut Io, a: &StatusArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let workloads = upgrade::workloads(&view);
    let record = upgrade::record(&workloads);
    let ozone = OzoneReader::new(session.exec.clone(), exec_targets(&view, &workloads));
    let mut components = Vec::new();
    for w in &workloads {
        let mut pods = BTreeMap::new();
        for p in view.pods_of(w.component) {
            let image = p
                .spec
                .as_ref()
                .and_then(|s| s.containers.iter().find(|c| c.name == w.main_container))
                .and_then(|c| c.image.clone())
                .unwrap_or_else(|| "-".into());
            *pods.entry(image).or_insert(0) += 1;
        }
        components.push(ComponentVersion {
            component: w.component.id().into(),
            image: w.image.clone(),
            pods,
        });
    }
    // The newer cluster-wide status exits 1 on OMs without it: then the two old commands.
    let (om, scm, datanodes) = match ozone.query(&Query::upgrade_status()).await {
        Ok(out) => match parse::parse_cluster_status(&out) {
            Ok(s) => (
                s.om_finalization_status,
                s.scm_finalization_status,
                s.datanodes_finalized
                    .zip(s.datanodes_total)
                    .map(|(f, t)| format!("{f}/{t}")),
            ),
            Err(_) => old_status(&ozone).await,
        },
        Err(_) => old_status(&ozone).await,
    };
    let running = workloads
        .iter()
        .find(|w| w.component == ozone_storage::Component::Scm)
        .and_then(|w| w.version());
    let standing = Facts {
        running,
        record,
        om: om.clone(),
        scm: scm.clone(),
    }
    .standing(&flags_hint(session, view.cluster(), &a.cluster));
    let report = UpgradeStatus {
        cluster: view.cluster().into(),
        running: running.map(|v| v.to_string()),
        target: record.map(|r| r.target.to_string()),
        from: record.map(|r| r.from.to_string()),
        phase: record.map(|r| r.phase.as_str().to_owned()),
        components,
        om_finalization: om,
        scm_finalization: scm,
        datanodes_finalized: datanodes,
        finalization: standing.state,
        summary: standing.summary,
        downgrade: standing.downgrade,
    };
    match structured(a.format, &report)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => io.out.write_all(text(&report).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn old_status(ozone: &OzoneReader) -> (Option<String>, Option<String>, Option<String>) {
    match finalization(ozone).await {
        Ok((om, scm)) => (Some(om.to_string()), Some(scm.to_string()), None),
        Err(_) => (None, None, None),
    }
}

fn text(r: &UpgradeStatus) -> String {
    let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    let mut out = String::new();
    let _ = writeln!(out, "Cluster {}: Ozone {}", r.cluster, dash(&r.running));
    if let (Some(t), Some(f), Some(p)) = (&r.target, &r.from, &r.phase) {
        let run = match upgrade::Phase::parse(p) {
            Some(phase) if phase.is_done() => "run complete".to_owned(),
            _ => format!(
                "cut off at phase {p}: run `kubectl ozone upgrade --to {t}` again to finish"
            ),
        };
        let _ = writeln!(out, "Last upgrade: {f} -> {t} ({run})");
    }
    for c in &r.components {
        let pods: Vec<String> = c.pods.iter().map(|(i, n)| format!("{n} on {i}")).collect();
        let _ = writeln!(
            out,
            "  {:<9} {}  pods: {}",
            c.component,
            c.image,
            if pods.is_empty() {
                "none".into()
            } else {
                pods.join(", ")
            }
        );
    }
    let _ = writeln!(
        out,
        "Finalization: OM {}, SCM {}{}",
        dash(&r.om_finalization),
        dash(&r.scm_finalization),
        r.datanodes_finalized
            .as_ref()
            .map(|d| format!(", datanodes {d}"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "State: {}", r.summary);
    let _ = writeln!(out, "Downgrade: {}", r.downgrade);
    out
}
