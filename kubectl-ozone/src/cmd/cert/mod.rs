//! `kubectl ozone cert …`: the TLS certificates of the HTTP endpoints. `issue` creates them in
//! managed mode; `status` reports them in both modes; `rotate` replaces them (and with `--ca`
//! the CA) with a rolling restart that keeps the cluster available. What the commands share lives here:
//! which TLS mode a running cluster uses, reading a Secret's PEM, and whether a pod runs the
//! current certificate.

mod ca;
pub mod issue;
mod reissue;
pub mod restart;
pub mod rotate;
#[cfg(test)]
mod scenarios;
pub mod secrets;
pub mod status;
#[cfg(test)]
mod tests;
pub mod wait;

use crate::cmd::common::ClusterArgs;
use anyhow::{Context, Result};
use clap::Subcommand;
use k8s_openapi::api::core::v1::{Pod, Secret};
use k8s_openapi::jiff::Timestamp;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::view::ClusterView;
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use ozone_generator::objects::tls::{
    CERTIFICATES_KEY, CertificateRequests, certificates_config_map_name,
};
use ozone_storage::ConfigFile;
use serde::Serialize;
use std::process::ExitCode;

/// Certificate commands.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Create the CA, keystore passwords and every component's certificate in Secrets
    /// (security.tls.mode=managed). Existing certificates are kept unless --force.
    #[command(after_help = issue::EXAMPLES)]
    Issue(issue::IssueArgs),
    /// Show every certificate: subject, names, validity, days left, and whether the pods run
    /// it. Exit 1 when one is missing or expires within --warn-within.
    #[command(after_help = status::EXAMPLES)]
    Status(status::StatusArgs),
    /// Rotate certificates (or, with --ca, the CA) and restart pods one at a time, keeping
    /// OM and SCM quorums and datanode availability. An interrupted run prints the command
    /// that finishes it (`--resume`; `--ca` continues by itself).
    #[command(after_help = rotate::EXAMPLES)]
    Rotate(rotate::RotateArgs),
}

/// Runs a certificate command.
pub async fn run(session: &Session, io: &mut crate::ui::Io, cmd: &CertCommand) -> Result<ExitCode> {
    match cmd {
        CertCommand::Issue(a) => issue::run(session, io, a).await,
        CertCommand::Status(a) => status::run(session, io, a).await,
        CertCommand::Rotate(a) => rotate::run(session, io, a).await,
    }
}

/// The cluster flags of a certificate command.
pub fn cluster_args(cmd: &CertCommand) -> &ClusterArgs {
    match cmd {
        CertCommand::Issue(a) => &a.cluster,
        CertCommand::Status(a) => &a.cluster,
        CertCommand::Rotate(a) => &a.cluster,
    }
}

/// How a running cluster gets its certificates, as its ConfigMaps say.
#[derive(Debug, Clone, PartialEq)]
pub enum TlsSetup {
    /// security.tls.mode=managed: what to issue, from `<cluster>-certificates`.
    Managed(CertificateRequests),
    /// HTTPS without that ConfigMap: cert-manager issues the certificates.
    CertManager,
    /// Plain HTTP.
    Off,
}

/// Reads the cluster's TLS setup: the `<cluster>-certificates` ConfigMap (managed mode), else
/// the HTTP policy in `<cluster>-config`.
pub async fn tls_setup(session: &Session, view: &ClusterView) -> Result<TlsSetup> {
    let name = certificates_config_map_name(view.cluster());
    if let Some(cm) = session.kube.config_map(&name).await? {
        let body = cm
            .data
            .unwrap_or_default()
            .remove(CERTIFICATES_KEY)
            .with_context(|| format!("ConfigMap {name} has no key {CERTIFICATES_KEY}; re-apply the rendered manifests"))?;
        let requests = serde_json::from_str(&body).with_context(|| {
            format!("ConfigMap {name}: {CERTIFICATES_KEY} is not what kubectl-ozone renders; re-apply the rendered manifests")
        })?;
        return Ok(TlsSetup::Managed(requests));
    }
    let https = site_value(session, view, ozone_storage::config::HTTP_POLICY_KEY)
        .await?
        .is_some_and(|v| policy_serves_https(&v));
    Ok(if https {
        TlsSetup::CertManager
    } else {
        TlsSetup::Off
    })
}

pub use ozone_engine::plan::transitions::policy_serves_https;

/// A key of `ozone-site.xml` as the cluster's ConfigMap sets it.
pub async fn site_value(
    session: &Session,
    view: &ClusterView,
    key: &str,
) -> Result<Option<String>> {
    let Some(cm) = session.kube.config_map(&view.names.config_map()).await? else {
        return Ok(None);
    };
    Ok(cm
        .data
        .unwrap_or_default()
        .into_iter()
        .find_map(|(k, v)| match ConfigFile::parse_env_name(&k) {
            Some((ConfigFile::OzoneSite, name)) if name == key => Some(v),
            _ => None,
        }))
}

/// A Secret's value as text (PEM and passwords are ASCII).
pub fn secret_text(secret: &Secret, key: &str) -> Option<String> {
    let bytes = secret.data.as_ref()?.get(key)?;
    String::from_utf8(bytes.0.clone()).ok()
}

/// A Secret's annotation.
pub fn secret_annotation<'a>(secret: &'a Secret, key: &str) -> Option<&'a str> {
    secret
        .metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// Whether a pod runs the current certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PodCert {
    /// Its fingerprint annotation matches the Secret.
    Current,
    /// No annotation, but its containers started after the certificate was issued.
    CurrentByStartTime,
    /// It started with an older certificate.
    Stale,
    /// Not running, so it runs no certificate.
    NotRunning,
}

impl PodCert {
    /// As `cert status` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            PodCert::Current => "current",
            PodCert::CurrentByStartTime => "current (by start time)",
            PodCert::Stale => "stale",
            PodCert::NotRunning => "not running",
        }
    }

    /// Whether the pod serves the current certificate.
    pub fn is_current(self) -> bool {
        matches!(self, PodCert::Current | PodCert::CurrentByStartTime)
    }
}

/// When the pod's containers last started: the latest `state.running.startedAt` of its
/// running containers, `None` when none runs. The latest, because the container that serves
/// HTTPS restarting is what loads the certificate.
pub fn started_at(pod: &Pod) -> Option<Timestamp> {
    pod.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .iter()
        .filter_map(|c| c.state.as_ref()?.running.as_ref()?.started_at.as_ref())
        .map(|t| t.0)
        .max()
}

/// Decides whether `pod` runs the certificate with `fingerprint`, issued at `issued` (the
/// managed Secret's issued-at, or the certificate's notBefore under cert-manager). The pod's
/// own annotation wins; without one, a pod that started at or after issuance must have
/// loaded it (a pod cannot start before its Secret exists). Start times have one-second
/// precision, so issuance is compared at that precision too.
pub fn pod_cert(pod: &Pod, fingerprint: &str, issued: Timestamp) -> PodCert {
    let Some(started) = started_at(pod) else {
        return PodCert::NotRunning;
    };
    match pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(TLS_FINGERPRINT_ANNOTATION))
    {
        Some(a) if a == fingerprint => PodCert::Current,
        Some(_) => PodCert::Stale,
        None if started.as_second() >= issued.as_second() => PodCert::CurrentByStartTime,
        None => PodCert::Stale,
    }
}

#[cfg(test)]
mod pod_tests {
    use super::*;
    use serde_json::json;

    fn pod(annotation: Option<&str>, started: Option<&str>) -> Pod {
        let mut v = json!({"metadata": {"name": "ozone-om-0"}, "status": {"containerStatuses": [
            {"name": "om", "ready": true, "restartCount": 0, "image": "", "imageID": "",
             "state": {"waiting": {"reason": "ContainerCreating"}}}]}});
        if let Some(a) = annotation {
            v["metadata"]["annotations"] = json!({TLS_FINGERPRINT_ANNOTATION: a});
        }
        if let Some(s) = started {
            v["status"]["containerStatuses"][0]["state"] = json!({"running": {"startedAt": s}});
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_annotation_decides_and_start_time_is_the_fallback() {
        let issued: Timestamp = "2026-11-26T01:00:00.700Z".parse().unwrap();
        let cases = [
            (Some("abc"), Some("2026-11-20T00:00:00Z"), PodCert::Current),
            (Some("old"), Some("2026-11-27T00:00:00Z"), PodCert::Stale),
            (
                None,
                Some("2026-11-26T01:00:00Z"),
                PodCert::CurrentByStartTime,
            ),
            (None, Some("2026-11-26T00:59:59Z"), PodCert::Stale),
            (Some("abc"), None, PodCert::NotRunning),
        ];
        for (annotation, started, want) in cases {
            assert_eq!(
                pod_cert(&pod(annotation, started), "abc", issued),
                want,
                "{annotation:?} {started:?}"
            );
        }
    }
}
