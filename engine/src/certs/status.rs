//! Every TLS certificate of a cluster — the CA and one per component, read from the
//! `<cluster>-<component>-tls` Secrets in either TLS mode — with its subject, names,
//! validity, days left and whether every pod of the component runs it. On a
//! Kerberos-secured cluster, Ozone's own certificates (`ozone admin cert list`) follow.
//! Read-only: `cert status` prints it, `doctor` and `report` judge it.

use super::{PodCert, TlsSetup, pod_cert, secret_annotation, secret_text, site_value, tls_setup};
use crate::cluster::Session;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::ClusterView;
use crate::pki::{CertSummary, ISSUED_AT_ANNOTATION, TLS_CRT_KEY, ca_secret_name};
use anyhow::Result;
use k8s_openapi::jiff::Timestamp;
use ozone_generator::objects::tls::{secret_name_for, serves_https};
use ozone_storage::Component;
use ozone_storage::admin::{OzoneCert, Query, cert};
use serde::Serialize;
use std::time::Duration;

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

impl StatusReport {
    /// Every problem as `<secret>: <problem>`: a missing, unreadable or expiring certificate.
    /// Any makes `cert status` exit 1.
    pub fn problems(&self) -> Vec<String> {
        self.certificates
            .iter()
            .filter_map(|c| {
                c.problem
                    .as_ref()
                    .map(|p| format!("{}: {p}", c.secret_name))
            })
            .collect()
    }
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

/// Whether the cluster runs `c` at all: pods, a StatefulSet or a Deployment.
fn present(view: &ClusterView, c: Component) -> bool {
    !view.pods_of(c).is_empty()
        || view.statefulset(c).is_some()
        || view
            .deployments
            .iter()
            .any(|d| crate::cluster::view::component_of(&d.metadata) == Some(c))
}

/// One certificate: its Secret, what it holds, and what the component's pods run.
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
