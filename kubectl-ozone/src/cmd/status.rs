//! `kubectl ozone status`: the Kubernetes view (workloads, pods, PVCs) and Ozone's own view
//! (SCM and OM Raft roles, safe mode, datanodes by state, capacity), read by
//! [`ozone_engine::diagnose::status`] and printed here. When Ozone cannot be reached the
//! Kubernetes view is still printed, what Ozone said is printed, each distinct failure is
//! stated once on standard error, and the exit code is 1: a partial answer, as `kubectl get`
//! exits 1 when part of what it was asked for is forbidden.

use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, bytes, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::diagnose::status::{self, Report};
use ozone_storage::admin::SafeMode;
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

/// Runs `status`.
pub async fn status(session: &Session, io: &mut Io, args: &StatusArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, args.cluster.name.as_deref()).await?;
    let report = status::read(session, &view).await;
    let managed = ozone_engine::managed::detect(&session.kube, view.cluster()).await?;
    let text = match structured(args.format, &report)? {
        Some(s) => {
            if let Some(m) = &managed {
                io.note(managed_line(m));
            }
            s
        }
        None => {
            let mut text = render_table(&report, args.format == Format::Wide);
            if let Some(m) = &managed {
                // After the title line.
                let at = text.find('\n').map_or(0, |i| i + 1);
                text.insert_str(at, &format!("{}\n", managed_line(m)));
            }
            text
        }
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

/// One line: the operator manages the cluster, and its phase as the operator reports it.
fn managed_line(m: &ozone_engine::managed::Managed) -> String {
    let mut line = format!("Managed by the operator: {}", m.describe());
    match (m.phase(), m.phase_reason()) {
        (Some(p), Some(r)) => line.push_str(&format!(", phase {p}: {r}")),
        (Some(p), None) => line.push_str(&format!(", phase {p}")),
        _ => line.push_str(", no status yet"),
    }
    line
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
