//! `kubectl ozone report`: one `.tar.gz` a user can attach to a bug report — the cluster's
//! objects as YAML (Secrets reduced to names and keys), events, `status` and `doctor` as JSON,
//! each pod's recent logs (and the previous container's), `ozone version` and the effective
//! `ozone-site.xml` of every OM, SCM and datanode pod, `/jmx` on request, and `index.json`
//! listing what was collected and what could not be, and why.
//!
//! Collection never stops at the first failure: what could not be read is listed in the index
//! and named on stderr, the archive is still written, and the exit code is 1. Every file goes
//! through [`redact`] before it is archived. The archive is written to a temporary file next
//! to the target and renamed, so an interrupted run leaves no half archive.

pub mod archive;
pub mod redact;
#[cfg(test)]
mod tests;

use crate::cmd::common::ClusterArgs;
use crate::cmd::doctor;
use crate::cmd::status;
use crate::ui::{Io, bytes};
use anyhow::Result;
use archive::Bundle;
use clap::Args;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Secret, Service};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::{ClusterView, phase};
use ozone_engine::duration;
use ozone_storage::Component;
use ozone_storage::admin::Query;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

pub(crate) const EXAMPLES: &str = "Examples:
  # Everything a bug report needs, secrets redacted
  kubectl ozone report -o ozone-report.tar.gz

  # More log lines of the last hour, and each server's /jmx
  kubectl ozone report --logs 2000 --since 1h --jmx";

/// `report` arguments.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The archive to write; default ozone-report-<cluster>-<time>.tar.gz here.
    #[arg(short = 'o', long = "output", value_name = "FILE.tar.gz")]
    pub output: Option<PathBuf>,
    /// Last lines of each container's log (current and previous instance).
    #[arg(long = "logs", value_name = "N", default_value_t = 1000)]
    pub logs: i64,
    /// Only log lines newer than this: 30m, 2h.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    pub since: Option<Duration>,
    /// Also each OM, SCM and datanode's /jmx (large; may name hosts and paths).
    #[arg(long)]
    pub jmx: bool,
}

fn yaml_docs<T: Serialize>(items: &[T]) -> Result<String> {
    let mut out = String::new();
    for item in items {
        out.push_str("---\n");
        out.push_str(&ozone_generator::yaml::to_string(item).map_err(anyhow::Error::msg)?);
    }
    Ok(out)
}

/// The cluster's objects, redacted, one YAML file per kind.
async fn objects(session: &Session, view: &ClusterView, b: &mut Bundle) -> Result<()> {
    let kube = &session.kube;
    match kube.list_all::<Secret>("secrets").await {
        Ok(secrets) => {
            let reduced: Vec<_> = secrets
                .iter()
                .map(|s| redact::secret(s, &mut b.scrubber))
                .collect();
            b.add("kubernetes/secrets.yaml", yaml_docs(&reduced)?);
        }
        Err(e) => b.failed("kubernetes/secrets.yaml", &e),
    }
    let typed = |b: &mut Bundle, path: &str, values: Vec<serde_json::Value>| -> Result<()> {
        let redacted: Vec<_> = values
            .into_iter()
            .map(|v| redact::object(v, &mut b.scrubber))
            .collect();
        b.add(path, yaml_docs(&redacted)?);
        Ok(())
    };
    macro_rules! values {
        ($items:expr, $kind:literal, $api:literal) => {
            $items
                .iter()
                .map(|o| {
                    let mut v = serde_json::to_value(o).unwrap_or_default();
                    v["kind"] = serde_json::json!($kind);
                    v["apiVersion"] = serde_json::json!($api);
                    v
                })
                .collect::<Vec<_>>()
        };
    }
    typed(
        b,
        "kubernetes/statefulsets.yaml",
        values!(view.statefulsets, "StatefulSet", "apps/v1"),
    )?;
    typed(
        b,
        "kubernetes/deployments.yaml",
        values!(view.deployments, "Deployment", "apps/v1"),
    )?;
    typed(b, "kubernetes/pods.yaml", values!(view.pods, "Pod", "v1"))?;
    typed(
        b,
        "kubernetes/persistentvolumeclaims.yaml",
        values!(view.pvcs, "PersistentVolumeClaim", "v1"),
    )?;
    match kube.list_all::<ConfigMap>("configmaps").await {
        Ok(items) => typed(
            b,
            "kubernetes/configmaps.yaml",
            values!(items, "ConfigMap", "v1"),
        )?,
        Err(e) => b.failed("kubernetes/configmaps.yaml", &e),
    }
    match kube.list_all::<Service>("services").await {
        Ok(items) => typed(
            b,
            "kubernetes/services.yaml",
            values!(items, "Service", "v1"),
        )?,
        Err(e) => b.failed("kubernetes/services.yaml", &e),
    }
    match kube.network_policies().await {
        Ok(items) => typed(
            b,
            "kubernetes/networkpolicies.yaml",
            values!(items, "NetworkPolicy", "networking.k8s.io/v1"),
        )?,
        Err(e) => b.failed("kubernetes/networkpolicies.yaml", &e),
    }
    match kube.list_all::<Event>("events").await {
        Ok(mut items) => {
            items.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
            typed(b, "kubernetes/events.yaml", values!(items, "Event", "v1"))?;
        }
        Err(e) => b.failed("kubernetes/events.yaml", &e),
    }
    Ok(())
}

/// Each container's log, and the previous instance's for containers that restarted.
async fn logs(
    session: &Session,
    view: &ClusterView,
    args: &ReportArgs,
    io: &mut Io,
    b: &mut Bundle,
) {
    let since = args.since.map(|d| d.as_secs() as i64);
    for pod in &view.pods {
        let name = pod.metadata.name.clone().unwrap_or_default();
        io.note(format!("report: logs of {name}"));
        for (c, _) in ozone_engine::cluster::view::container_statuses(pod) {
            let started = c
                .state
                .as_ref()
                .is_some_and(|s| s.running.is_some() || s.terminated.is_some());
            if started {
                let path = format!("logs/{name}/{}.log", c.name);
                match session
                    .kube
                    .pod_log(&name, &c.name, false, Some(args.logs), since)
                    .await
                {
                    Ok(text) => b.add_text(&path, &text),
                    Err(e) => b.failed(&path, &e),
                }
            }
            if c.restart_count > 0 {
                let path = format!("logs/{name}/{}.previous.log", c.name);
                match session
                    .kube
                    .pod_log(&name, &c.name, true, Some(args.logs), since)
                    .await
                {
                    Ok(text) => b.add_text(&path, &text),
                    Err(e) => b.failed(&path, &e),
                }
            }
        }
    }
}

/// `ozone version`, `/conf` and (with `--jmx`) `/jmx` of every running OM, SCM and datanode.
async fn ozone_files(
    session: &Session,
    view: &ClusterView,
    args: &ReportArgs,
    io: &mut Io,
    b: &mut Bundle,
) {
    let reader = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let https = crate::cmd::cert::site_value(session, view, ozone_storage::config::HTTP_POLICY_KEY)
        .await
        .ok()
        .flatten()
        .is_some_and(|v| crate::cmd::cert::policy_serves_https(&v));
    for component in [Component::Scm, Component::Om, Component::Datanode] {
        let Some(port) = component.service().port("http") else {
            continue;
        };
        let (scheme, number) = match (https, port.https) {
            (true, Some(h)) => ("https", h.number),
            _ => ("http", port.number),
        };
        for pod in view.pods_of(component) {
            let name = pod.metadata.name.clone().unwrap_or_default();
            if phase(pod) != "Running" {
                b.not_collected(&format!("ozone/{name}"), format!("pod is {}", phase(pod)));
                continue;
            }
            io.note(format!("report: Ozone version and configuration of {name}"));
            let path = format!("ozone/{name}/version.txt");
            match reader.query_in(&name, &Query::version(component)).await {
                Ok(text) => b.add_text(&path, &text),
                Err(e) => b.failed(&path, &e),
            }
            let path = format!("ozone/{name}/ozone-site.xml");
            match session
                .kube
                .pod_proxy_get(&name, scheme, number, "conf")
                .await
            {
                Ok(xml) => {
                    let redacted = redact::site_xml(&xml, &mut b.scrubber);
                    b.add(&path, redacted);
                }
                Err(e) => b.failed(&path, &e),
            }
            if args.jmx {
                let path = format!("ozone/{name}/jmx.json");
                match session
                    .kube
                    .pod_proxy_get(&name, scheme, number, "jmx")
                    .await
                {
                    Ok(json) => b.add_text(&path, &json),
                    Err(e) => b.failed(&path, &e),
                }
            }
        }
    }
}

/// Collects everything into a bundle (never failing on one part).
pub async fn collect(
    session: &Session,
    io: &mut Io,
    args: &ReportArgs,
) -> Result<(String, Bundle)> {
    let view = discover::find(&session.kube, args.cluster.name.as_deref()).await?;
    let cluster = view.cluster().to_owned();
    let mut b = Bundle::new(&cluster, session.namespace());
    io.note(format!(
        "report: objects of cluster {cluster} in namespace {}",
        session.namespace()
    ));
    objects(session, &view, &mut b).await?;
    io.note("report: status and doctor");
    let reader = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let status = status::Report {
        cluster: cluster.clone(),
        namespace: session.namespace().to_owned(),
        kubernetes: status::kube_status(&view),
        ozone: status::ozone_status(&reader).await,
    };
    b.add("status.json", serde_json::to_string_pretty(&status)? + "\n");
    let doctor_args = doctor::DoctorArgs {
        cluster: args.cluster.clone(),
        file: None,
        profile: None,
        sets: Vec::new(),
        verbose: true,
        fail_on: doctor::verdict::FailOn::Warning,
        log_lines: 20,
        cert_warn_days: 30,
        format: crate::ui::Format::Json,
    };
    match doctor::diagnose_running(session, &doctor_args).await {
        Ok(report) => b.add("doctor.json", serde_json::to_string_pretty(&report)? + "\n"),
        Err(e) => b.failed("doctor.json", e.as_ref()),
    }
    logs(session, &view, args, io, &mut b).await;
    ozone_files(session, &view, args, io, &mut b).await;
    Ok((cluster, b))
}

/// Runs `report`.
pub async fn run(session: &Session, io: &mut Io, args: &ReportArgs) -> Result<ExitCode> {
    let (cluster, bundle) = collect(session, io, args).await?;
    let path = args.output.clone().unwrap_or_else(|| {
        let now = k8s_openapi::jiff::Timestamp::now()
            .strftime("%Y%m%d-%H%M%S")
            .to_string();
        PathBuf::from(format!("ozone-report-{cluster}-{now}.tar.gz"))
    });
    let written = archive::write(&bundle, &path)?;
    io.note(format!(
        "wrote {} ({}, {} files)",
        path.display(),
        bytes(written.bytes),
        written.files
    ));
    if bundle.failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let missing: Vec<String> = bundle
        .failures
        .iter()
        .map(|f| format!("{}: {}", f.what, f.why))
        .collect();
    io.note(format!(
        "error: {} part(s) could not be collected (listed in index.json):\n  {}",
        missing.len(),
        missing.join("\n  ")
    ));
    Ok(ExitCode::from(crate::exit::FAILURE))
}
