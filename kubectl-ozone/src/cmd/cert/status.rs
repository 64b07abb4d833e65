//! `cert status`: every TLS certificate of the cluster — the CA and one per component, read
//! from the `<cluster>-<component>-tls` Secrets in either TLS mode — with its subject, names,
//! validity, days left and whether every pod of the component runs it. Exit 1 when one is
//! missing or expires within `--warn-within`, so it serves as a CI or cron check. On a
//! Kerberos-secured cluster, Ozone's own certificates (`ozone admin cert list`) follow.

use super::{PodCert, TlsSetup, pod_cert, secret_annotation, secret_text, site_value, tls_setup};
use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, structured, table};
use anyhow::Result;
use clap::Args;
use k8s_openapi::jiff::Timestamp;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::ClusterView;
use ozone_engine::duration;
use ozone_engine::pki::{CertSummary, ISSUED_AT_ANNOTATION, TLS_CRT_KEY, ca_secret_name};
use ozone_generator::objects::tls::{secret_name_for, serves_https};
use ozone_storage::Component;
use ozone_storage::admin::{OzoneCert, Query, cert};
use serde::Serialize;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

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

/// A pod and whether it runs the certificate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PodState {
    /// Pod.
    pub pod: String,
    /// `current`, `current-by-start-time`, `stale`, `not-running`.
    pub state: PodCert,
}

/// One certificate.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertStatus {
    /// `ca` or a component id.
    pub component: String,
    /// The Secret.
    pub secret_name: String,
    /// The certificate, when the Secret exists and holds one.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertSummary>,
    /// Whole days until expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// The component's pods (none for the CA).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pods: Vec<PodState>,
    /// Whether every running pod runs this certificate (`None` for the CA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_pods_current: Option<bool>,
    /// What is wrong: missing, unreadable, expiring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    /// Cluster.
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// `managed`, `cert-manager` or `none`.
    pub mode: &'static str,
    /// `--warn-within`, in days.
    pub warn_within_days: f64,
    /// The certificates.
    pub certificates: Vec<CertStatus>,
    /// Ozone's own certificates, on a secure cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ozone_certificates: Option<Vec<OzoneCert>>,
    /// Notes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Runs `cert status`.
pub async fn run(session: &Session, io: &mut Io, a: &StatusArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let report = gather(session, &view, a.warn_within).await?;
    print(io, &report, a.format)
}

/// Reads every certificate of the cluster and what its pods run (also used by `doctor`).
pub async fn gather(
    session: &Session,
    view: &ClusterView,
    warn_within: Duration,
) -> Result<StatusReport> {
    let view = view.clone();
    let setup = tls_setup(session, &view).await?;
    let now = Timestamp::now();
    let mut notes = Vec::new();
    let secrets: Vec<(String, String)> = match &setup {
        TlsSetup::Managed(req) => std::iter::once(("ca".to_owned(), req.ca.secret_name.clone()))
            .chain(
                req.certificates
                    .iter()
                    .map(|(id, c)| (id.clone(), c.secret_name.clone())),
            )
            .collect(),
        TlsSetup::CertManager => {
            let mut out = Vec::new();
            // The rendered self-signed chain keeps its CA here; a named issuer's lives elsewhere.
            let ca = ca_secret_name(view.cluster());
            if session.kube.secret(&ca).await?.is_some() {
                out.push(("ca".to_owned(), ca));
            }
            out.extend(
                Component::ALL
                    .into_iter()
                    .filter(|c| serves_https(*c) && present(&view, *c))
                    .map(|c| (c.id().to_owned(), secret_name_for(&view.names, c))),
            );
            out
        }
        TlsSetup::Off => {
            notes.push(
                "TLS is off in this cluster (security.tls.mode: none): no certificates".into(),
            );
            Vec::new()
        }
    };
    let mut certificates = Vec::new();
    for (component, secret_name) in secrets {
        certificates.push(
            certificate(
                session,
                &view,
                &component,
                &secret_name,
                now,
                warn_within,
                &setup,
            )
            .await?,
        );
    }
    let secure = site_value(
        session,
        &view,
        ozone_storage::config::keys::SECURITY_ENABLED,
    )
    .await?
    .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let ozone_certificates = if secure {
        let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
        let mut all = Vec::new();
        for role in ["om", "datanode"] {
            match ozone.query(&Query::cert_list(role)).await {
                Ok(out) => match cert::parse_list(&out) {
                    Ok(list) => all.extend(list),
                    Err(e) => notes.push(e.to_string()),
                },
                Err(e) => notes.push(format!("Ozone's certificates ({role}): {e}")),
            }
        }
        Some(all)
    } else {
        None
    };
    let report = StatusReport {
        cluster: view.cluster().to_owned(),
        namespace: session.namespace().to_owned(),
        mode: match setup {
            TlsSetup::Managed(_) => "managed",
            TlsSetup::CertManager => "cert-manager",
            TlsSetup::Off => "none",
        },
        warn_within_days: warn_within.as_secs_f64() / 86_400.0,
        certificates,
        ozone_certificates,
        notes,
    };
    Ok(report)
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
    let problems: Vec<String> = report
        .certificates
        .iter()
        .filter_map(|c| {
            c.problem
                .as_ref()
                .map(|p| format!("{}: {p}", c.secret_name))
        })
        .collect();
    for p in &problems {
        io.note(format!("error: {p}"));
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::exit::FAILURE)
    })
}

fn present(view: &ClusterView, c: Component) -> bool {
    !view.pods_of(c).is_empty()
        || view.statefulset(c).is_some()
        || view
            .deployments
            .iter()
            .any(|d| ozone_engine::cluster::view::component_of(&d.metadata) == Some(c))
}

async fn certificate(
    session: &Session,
    view: &ClusterView,
    component: &str,
    secret_name: &str,
    now: Timestamp,
    warn_within: Duration,
    setup: &TlsSetup,
) -> Result<CertStatus> {
    let mut status = CertStatus {
        component: component.to_owned(),
        secret_name: secret_name.to_owned(),
        certificate: None,
        days_left: None,
        pods: Vec::new(),
        all_pods_current: None,
        problem: None,
    };
    let Some(secret) = session.kube.secret(secret_name).await? else {
        status.problem = Some(match setup {
            TlsSetup::Managed(_) => "missing: create it with `kubectl ozone cert issue`".into(),
            _ => "missing: cert-manager has not issued it (kubectl describe certificate)".into(),
        });
        return Ok(status);
    };
    let summary = match secret_text(&secret, TLS_CRT_KEY).map(|pem| CertSummary::parse(&pem)) {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            status.problem = Some(format!("{TLS_CRT_KEY} is unreadable: {e}"));
            return Ok(status);
        }
        None => {
            status.problem = Some(format!("has no {TLS_CRT_KEY}"));
            return Ok(status);
        }
    };
    let days_left = summary.days_left(now);
    let remaining = summary.not_after.as_second() - now.as_second();
    if remaining <= 0 {
        status.problem = Some(format!("expired on {}", summary.not_after));
    } else if remaining <= warn_within.as_secs() as i64 {
        status.problem = Some(format!(
            "expires in {days_left} days, on {}",
            summary.not_after
        ));
    }
    if let Some(c) = Component::from_id(component) {
        // Managed Secrets say when they were written; a cert-manager certificate starts at
        // its notBefore, which cert-manager sets to the time of issue.
        let issued = secret_annotation(&secret, ISSUED_AT_ANNOTATION)
            .and_then(|t| t.parse::<Timestamp>().ok())
            .unwrap_or(summary.not_before);
        status.pods = view
            .pods_of(c)
            .into_iter()
            .map(|p| PodState {
                pod: p.metadata.name.clone().unwrap_or_default(),
                state: pod_cert(p, &summary.fingerprint, issued),
            })
            .collect();
        status.all_pods_current = Some(
            status
                .pods
                .iter()
                .all(|p| p.state == PodCert::NotRunning || p.state.is_current()),
        );
    }
    status.days_left = Some(days_left);
    status.certificate = Some(summary);
    Ok(status)
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
