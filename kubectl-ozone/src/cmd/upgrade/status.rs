//! `kubectl ozone upgrade status`: where the upgrade stands
//! ([`ozone_engine::upgrade::status`]), as text or data.

use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, structured};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::plan::upgrade;
use ozone_engine::upgrade::status::{UpgradeStatus, status};
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

/// Runs `upgrade status`.
pub async fn run(session: &Session, io: &mut Io, a: &StatusArgs) -> Result<ExitCode> {
    let flags = super::flags(session, &a.cluster);
    let report = status(session, a.cluster.name.as_deref(), &flags).await?;
    match structured(a.format, &report)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => io.out.write_all(text(&report).as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
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
