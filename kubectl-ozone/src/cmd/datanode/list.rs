//! `kubectl ozone datanode list`: every datanode (`--all`, not Ozone's first 100) joined
//! with its pod, Kubernetes node and PVCs.

use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, bytes, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::plan::datanodes::{DatanodeRow, join};
use ozone_storage::admin::{Query, datanode};
use std::process::ExitCode;

/// `datanode list` arguments.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs `datanode list`. When Ozone cannot be read, the pods are still listed and the exit
/// code is 1.
pub async fn run(session: &Session, io: &mut Io, args: &ListArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, args.cluster.name.as_deref()).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let (dns, error) = match ozone.query(&Query::datanode_list()).await {
        Ok(out) => match datanode::parse_list(&out) {
            Ok(d) => (d, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        },
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let rows = join(&view, &dns);
    let text = match structured(args.format, &rows)? {
        Some(s) => s,
        None => render(&rows, args.format == Format::Wide),
    };
    io.out.write_all(text.as_bytes())?;
    io.out.flush()?;
    match error {
        None => Ok(ExitCode::SUCCESS),
        Some(e) => {
            io.note(format!(
                "error: Ozone's datanode list could not be read, states are unknown: {e}"
            ));
            Ok(ExitCode::from(crate::exit::FAILURE))
        }
    }
}

fn or_dash(s: &Option<String>) -> String {
    s.clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "-".into())
}

/// The rows as a table.
pub fn render(rows: &[DatanodeRow], wide: bool) -> String {
    let mut headers = vec![
        "POD", "HOSTNAME", "UUID", "NODE", "STATE", "HEALTH", "USED", "CAPACITY",
    ];
    if wide {
        headers.extend(["IP", "POD PHASE", "PVCS"]);
    }
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut row = vec![
                or_dash(&r.pod),
                or_dash(
                    &r.host_name
                        .as_deref()
                        .map(|h| h.split('.').next().unwrap_or(h).to_owned()),
                ),
                or_dash(&r.uuid),
                or_dash(&r.node),
                r.op_state
                    .clone()
                    .unwrap_or_else(|| "NOT REGISTERED".into()),
                or_dash(&r.health),
                r.used.map(bytes).unwrap_or_else(|| "-".into()),
                r.capacity.map(bytes).unwrap_or_else(|| "-".into()),
            ];
            if wide {
                row.push(or_dash(&r.ip_address));
                row.push(or_dash(&r.pod_phase));
                row.push(if r.pvcs.is_empty() {
                    "-".into()
                } else {
                    r.pvcs.join(",")
                });
            }
            row
        })
        .collect();
    table::render(&headers, &rows)
}
