//! `cert issue --wait`: follow the pods of the managed components until none is still
//! starting, annotating each that came up with the fingerprint of the certificate it loaded.

use super::{PodCert, pod_cert};
use crate::cluster::Session;
use crate::cluster::act::Actuator;
use crate::cluster::discover;
use crate::duration;
use crate::error::WaitTimeout;
use crate::events::Events;
use anyhow::Result;
use k8s_openapi::jiff::Timestamp;
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use ozone_storage::Component;
use std::time::Duration;
use tokio::time::Instant;

/// A certificate whose pods are watched: its component, fingerprint and issue time.
pub struct Target {
    /// The component.
    pub component: Component,
    /// The certificate's fingerprint.
    pub fingerprint: String,
    /// When it was issued.
    pub issued: Timestamp,
}

/// How long and how often `--wait` polls, and what it prints when it gives up.
#[derive(Clone, Debug)]
pub struct PodWait {
    /// Give up after this long (`--timeout`); `None`: never.
    pub timeout: Option<Duration>,
    /// Time between polls.
    pub poll_interval: Duration,
    /// The command that resumes watching, for the timeout's message.
    pub resume: String,
}

/// `--wait`: polls until no pod of a managed component is still starting, annotating each pod
/// that came up with its certificate's fingerprint. Pods that run an older certificate are
/// named once and not waited for: only a restart (`cert rotate`) changes that.
pub async fn for_pods(
    session: &Session,
    act: &Actuator,
    events: &mut dyn Events,
    cluster: &str,
    targets: &[Target],
    wait: &PodWait,
) -> Result<()> {
    let start = Instant::now();
    let mut told_stale = std::collections::BTreeSet::new();
    loop {
        let view = discover::find(&session.kube, Some(cluster)).await?;
        let mut pending = Vec::new();
        let mut total = 0;
        for t in targets {
            for pod in view.pods_of(t.component) {
                total += 1;
                let name = pod.metadata.name.clone().unwrap_or_default();
                let annotated = pod
                    .metadata
                    .annotations
                    .as_ref()
                    .is_some_and(|a| a.contains_key(TLS_FINGERPRINT_ANNOTATION));
                match pod_cert(pod, &t.fingerprint, t.issued) {
                    PodCert::NotRunning => pending.push(name),
                    PodCert::CurrentByStartTime if !annotated => {
                        act.annotate_pod(&name, TLS_FINGERPRINT_ANNOTATION, &t.fingerprint)
                            .await?;
                    }
                    PodCert::Stale if told_stale.insert(name.clone()) => events.note(format!(
                        "{name} runs an older certificate; it loads the new one when restarted (kubectl ozone cert rotate)"
                    )),
                    _ => {}
                }
            }
        }
        if pending.is_empty() {
            events.waited(&format!("done: {total} pod(s) running"));
            return Ok(());
        }
        let message = format!(
            "[{}] waiting for {} pod(s) to start: {}",
            duration::format(start.elapsed()),
            pending.len(),
            pending.join(", ")
        );
        events.waiting(pending.len() as u64, &message);
        if let Some(t) = wait.timeout
            && start.elapsed() + wait.poll_interval > t
        {
            events.waited("timed out");
            return Err(WaitTimeout(format!(
                "timed out after {} waiting for {} to start (the Secrets are written). Resume watching with:\n  {}",
                duration::format(t),
                pending.join(", "),
                wait.resume
            ))
            .into());
        }
        tokio::time::sleep(wait.poll_interval).await;
    }
}
