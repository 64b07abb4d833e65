//! The certificate check of a running cluster: what `cert status` reads (Secrets, the
//! certificates they hold, the fingerprints pods started with), judged as findings.

use super::running::Gathered;
use super::{Finding, Verdict};
use crate::certs::status::StatusReport;
use crate::cluster::Session;
use crate::cluster::view::ClusterView;
use std::time::Duration;

/// The certificate check's findings, from what `cert status` reads.
pub async fn findings(session: &Session, view: ClusterView, warn_within: Duration) -> Vec<Finding> {
    let report = crate::certs::status::gather(session, &view, warn_within).await;
    certificates(&report.map_err(|e| format!("{e:#}")))
}

/// Certificates missing, expired or close to expiry, and pods on an old one.
pub fn certificates(report: &Gathered<StatusReport>) -> Vec<Finding> {
    const CHECK: &str = "certificates";
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            return vec![Finding::not_checked(
                CHECK,
                "",
                e.clone(),
                "needs get on secrets and configmaps in the namespace",
            )];
        }
    };
    if report.mode == "none" {
        return vec![Finding::ok(CHECK, "", "TLS is off: no certificates")];
    }
    let mut out = Vec::new();
    for c in &report.certificates {
        if let Some(problem) = &c.problem {
            let expired = c.days_left.is_some_and(|d| d < 0) || c.certificate.is_none();
            out.push(Finding::bad(
                if expired {
                    Verdict::Error
                } else {
                    Verdict::Warning
                },
                CHECK,
                c.secret_name.clone(),
                problem.clone(),
                if c.certificate.is_none() {
                    "kubectl ozone cert issue (managed TLS) or check the cert-manager Certificate"
                } else {
                    "kubectl ozone cert rotate"
                },
            ));
        } else if c.all_pods_current == Some(false) {
            out.push(Finding::bad(
                Verdict::Warning,
                CHECK,
                c.secret_name.clone(),
                "some pods still run the previous certificate".to_owned(),
                "kubectl ozone cert rotate restarts them in a quorum-safe order",
            ));
        }
    }
    if out.is_empty() {
        let least = report.certificates.iter().filter_map(|c| c.days_left).min();
        out.push(Finding::ok(
            CHECK,
            "",
            match least {
                Some(d) => format!(
                    "{} certificates, the first expires in {d} days",
                    report.certificates.len()
                ),
                None => format!("{} certificates", report.certificates.len()),
            },
        ));
    }
    out
}
