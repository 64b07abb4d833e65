//! `cert issue --wait`: follow the pods of the managed components until none is still
//! starting, annotating each that came up with the fingerprint of the certificate it loaded.

use super::{PodCert, pod_cert};
use crate::cmd::common::ChangeArgs;
use crate::exit::WaitTimeout;
use crate::ui::Io;
use crate::ui::progress::Progress;
use anyhow::Result;
use k8s_openapi::jiff::Timestamp;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::discover;
use ozone_engine::duration;
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use ozone_storage::Component;
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

/// `--wait`: polls until no pod of a managed component is still starting, annotating each pod
/// that came up with its certificate's fingerprint. Pods that run an older certificate are
/// named once and not waited for: only a restart (`cert rotate`) changes that.
pub async fn for_pods(
    session: &Session,
    act: &Actuator,
    io: &mut Io,
    cluster: &str,
    targets: &[Target],
    change: &ChangeArgs,
    resume: &str,
) -> Result<()> {
    let start = Instant::now();
    let mut progress = Progress::new(change.progress, io);
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
                    PodCert::Stale if told_stale.insert(name.clone()) => io.note(format!(
                        "{name} runs an older certificate; it loads the new one when restarted (kubectl ozone cert rotate)"
                    )),
                    _ => {}
                }
            }
        }
        if pending.is_empty() {
            progress.finish(io, &format!("done: {total} pod(s) running"));
            return Ok(());
        }
        let message = format!(
            "[{}] waiting for {} pod(s) to start: {}",
            duration::format(start.elapsed()),
            pending.len(),
            pending.join(", ")
        );
        progress.update(io, pending.len() as u64, &message);
        if let Some(t) = change.timeout
            && start.elapsed() + change.poll_interval > t
        {
            progress.finish(io, "timed out");
            return Err(WaitTimeout(format!(
                "timed out after {} waiting for {} to start (the Secrets are written). Resume watching with:\n  {resume}",
                duration::format(t),
                pending.join(", ")
            ))
            .into());
        }
        tokio::time::sleep(change.poll_interval).await;
    }
}
