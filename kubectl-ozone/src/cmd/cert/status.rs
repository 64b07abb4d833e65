//! `cert status`: every TLS certificate of the cluster — the CA and one per component, read
//! from the `<cluster>-<component>-tls` Secrets in either TLS mode — with its subject, names,
//! validity, days left and whether every pod of the component runs it. Exit 1 when one is
//! missing or expires within `--warn-within`, so it serves as a CI or cron check. On a
//! Kerberos-secured cluster, Ozone's own certificates (`ozone admin cert list`) follow.
//! [`ozone_engine::certs::status`] gathers the report; this module prints it.

use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::certs::PodCert;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::duration;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

/// The report moved to the engine; `doctor` reads it by these names.
use ozone_engine::certs::status::{CertStatus, StatusReport, gather};

pub(super) const EXAMPLES: &str = "Examples:
  # Every certificate, and whether the pods run it
  kubectl ozone cert status

  # A nightly check: exit 1 when a certificate expires within two weeks
  kubectl ozone cert status --warn-within 14d -o json";

/// `cert status` arguments.
#[derive(Debug, Args, Clone)]
pub struct StatusArgs {
    /// Exit 1 when a certificate expires within this long: 30d, 720h, 90m.
    #[arg(long, value_name = "DURATION", value_parser = parse_within, default_value = "30d")]
    pub warn_within: Duration,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// A duration flag that also takes days (`30d`).
fn parse_within(s: &str) -> Result<Duration, String> {
    match s.trim().strip_suffix('d') {
        Some(days) => days
            .parse::<u64>()
            .ok()
            .and_then(|d| d.checked_mul(86_400))
            .map(Duration::from_secs)
            .ok_or_else(|| format!("invalid duration {s:?}: use e.g. 30d, 720h, 90m")),
        None => duration::parse(s),
    }
}

/// Runs `cert status`.
pub async fn run(session: &Session, io: &mut Io, a: &StatusArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let report = gather(session, &view, a.warn_within).await?;
    print(io, &report, a.format)
}

fn print(io: &mut Io, report: &StatusReport, format: Format) -> Result<ExitCode> {
    match structured(format, report)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => io
            .out
            .write_all(to_text(report, format == Format::Wide).as_bytes())?,
    }
    for n in &report.notes {
        io.note(format!("note: {n}"));
    }
    let problems = report.problems();
    for p in &problems {
        io.note(format!("error: {p}"));
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::exit::FAILURE)
    })
}

fn pods_cell(c: &CertStatus, wide: bool) -> String {
    if c.pods.is_empty() {
        return "-".into();
    }
    if wide {
        return c
            .pods
            .iter()
            .map(|p| format!("{}={}", p.pod, p.state.as_str()))
            .collect::<Vec<_>>()
            .join(",");
    }
    let count = |f: fn(PodCert) -> bool| c.pods.iter().filter(|p| f(p.state)).count();
    let current = count(PodCert::is_current);
    let stale = count(|s| s == PodCert::Stale);
    let running = current + stale;
    let down = count(|s| s == PodCert::NotRunning);
    let mut out = format!("{current}/{running} current");
    if stale > 0 {
        out.push_str(&format!(", {stale} stale"));
    }
    if down > 0 {
        out.push_str(&format!(", {down} not running"));
    }
    out
}

fn to_text(r: &StatusReport, wide: bool) -> String {
    let mut out = String::new();
    if r.certificates.is_empty() && r.ozone_certificates.is_none() {
        let _ = writeln!(
            out,
            "No TLS certificates in Ozone cluster {} (namespace {}).",
            r.cluster, r.namespace
        );
        return out;
    }
    let mut headers = vec![
        "COMPONENT",
        "SECRET",
        "SUBJECT",
        "NOT AFTER",
        "DAYS LEFT",
        "PODS",
    ];
    if wide {
        headers.extend(["ISSUER", "NOT BEFORE", "DNS NAMES", "FINGERPRINT"]);
    }
    let rows: Vec<Vec<String>> = r
        .certificates
        .iter()
        .map(|c| {
            let s = c.certificate.as_ref();
            let mut row = vec![
                c.component.clone(),
                c.secret_name.clone(),
                s.map_or_else(
                    || c.problem.clone().unwrap_or_default(),
                    |s| s.subject.clone(),
                ),
                s.map_or("-".into(), |s| s.not_after.to_string()),
                c.days_left.map_or("-".into(), |d| d.to_string()),
                pods_cell(c, wide),
            ];
            if wide {
                row.extend([
                    s.map_or("-".into(), |s| s.issuer.clone()),
                    s.map_or("-".into(), |s| s.not_before.to_string()),
                    s.map_or("-".into(), |s| s.dns_names.join(",")),
                    s.map_or("-".into(), |s| s.fingerprint.clone()),
                ]);
            } else if let Some(s) = s.filter(|s| s.dns_names.len() > 1) {
                // The names are long; the count and `-o wide` keep the table readable.
                row[2] = format!("{} ({} names)", row[2], s.dns_names.len());
            }
            row
        })
        .collect();
    out.push_str(&table::render(&headers, &rows));
    if let Some(ozone) = &r.ozone_certificates {
        let _ = writeln!(out, "\nOzone certificates (ozone admin cert list):");
        let rows: Vec<Vec<String>> = ozone
            .iter()
            .map(|c| {
                vec![
                    c.serial_number.clone(),
                    c.valid_from.clone(),
                    c.expiry.clone(),
                    c.subject.clone(),
                    c.issuer.clone(),
                ]
            })
            .collect();
        out.push_str(&table::render(
            &["SERIAL", "VALID FROM", "EXPIRY", "SUBJECT", "ISSUER"],
            &rows,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_within;
    use std::time::Duration;

    #[test]
    fn warn_within_takes_days_and_kubectl_durations() {
        assert_eq!(parse_within("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_within("720h"), Ok(Duration::from_secs(720 * 3600)));
        assert!(parse_within("soon").is_err());
        assert!(parse_within("99999999999999999d").is_err());
    }
}
