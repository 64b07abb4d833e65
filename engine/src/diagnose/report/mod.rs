//! The support bundle of `report`: one archive a user can attach to a bug report — the
//! cluster's objects as YAML (Secrets reduced to names and keys), events, `status` and
//! `doctor` as JSON, each pod's recent logs (and the previous container's), `ozone version`
//! and the effective `ozone-site.xml` of every OM, SCM and datanode pod, `/jmx` on request,
//! and `index.json` listing what was collected and what could not be, and why.
//!
//! Collection never stops at the first failure: what could not be read is listed in the
//! bundle's [`Bundle::failures`] (and its index), and the bundle is still complete otherwise.
//! Every file goes through [`redact`] before it is archived; [`archive::write`] turns the
//! bundle into a `.tar.gz` on any writer the caller gives it.

pub mod archive;
pub mod redact;

use super::doctor::{self, DoctorOptions};
use super::status;
use crate::cluster::Session;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::{ClusterView, phase};
use crate::events::Events;
use anyhow::Result;
use archive::Bundle;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Secret, Service};
use ozone_storage::Component;
use ozone_storage::admin::Query;
use serde::Serialize;
use std::time::Duration;

/// How doctor examines the cluster for the bundle: with the safe-mode rules SCM waits for, 20
/// lines of a crash-looping container's previous log, certificates expiring within 30 days.
pub const DOCTOR: DoctorOptions = DoctorOptions {
    verbose: true,
    log_lines: 20,
    cert_warn_within: Duration::from_secs(30 * 86_400),
};

/// What goes into the bundle beyond what is always collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportOptions {
    /// Last lines of each container's log (current and previous instance).
    pub logs: i64,
    /// Only log lines newer than this.
    pub since: Option<Duration>,
    /// Also each OM, SCM and datanode's `/jmx`.
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
    options: &ReportOptions,
    events: &mut dyn Events,
    b: &mut Bundle,
) {
    let since = options.since.map(|d| d.as_secs() as i64);
    for pod in &view.pods {
        let name = pod.metadata.name.clone().unwrap_or_default();
        events.note(format!("report: logs of {name}"));
        for (c, _) in crate::cluster::view::container_statuses(pod) {
            let started = c
                .state
                .as_ref()
                .is_some_and(|s| s.running.is_some() || s.terminated.is_some());
            if started {
                let path = format!("logs/{name}/{}.log", c.name);
                match session
                    .kube
                    .pod_log(&name, &c.name, false, Some(options.logs), since)
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
                    .pod_log(&name, &c.name, true, Some(options.logs), since)
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
    options: &ReportOptions,
    https: bool,
    events: &mut dyn Events,
    b: &mut Bundle,
) {
    let reader = OzoneReader::new(session.exec.clone(), view.exec_targets());
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
            events.note(format!("report: Ozone version and configuration of {name}"));
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
            if options.jmx {
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

/// Collects everything about a discovered cluster into a bundle, never failing on one part:
/// an error is only what leaves no bundle at all.
pub async fn collect(
    session: &Session,
    view: &ClusterView,
    options: &ReportOptions,
    events: &mut dyn Events,
) -> Result<Bundle> {
    let cluster = view.cluster().to_owned();
    // Whether the servers serve HTTPS decides the scheme of `/conf` and `/jmx`; a cluster whose
    // configuration cannot be read is taken as HTTP, and those reads say so when they fail.
    let https = crate::certs::site_value(session, view, ozone_storage::config::HTTP_POLICY_KEY)
        .await
        .ok()
        .flatten()
        .is_some_and(|v| crate::certs::policy_serves_https(&v));
    let mut b = Bundle::new(&cluster, session.namespace());
    events.note(format!(
        "report: objects of cluster {cluster} in namespace {}",
        session.namespace()
    ));
    objects(session, view, &mut b).await?;
    events.note("report: status and doctor");
    let status = status::read(session, view).await;
    b.add("status.json", serde_json::to_string_pretty(&status)? + "\n");
    let doctor = doctor::examine(session, view.clone(), &DOCTOR).await;
    b.add("doctor.json", serde_json::to_string_pretty(&doctor)? + "\n");
    logs(session, view, options, events, &mut b).await;
    ozone_files(session, view, options, https, events, &mut b).await;
    Ok(b)
}
