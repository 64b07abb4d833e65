//! Version upgrades the way released Ozone supports them (operations §1): [`start`] runs the
//! non-rolling procedure — prepare, stop, start with `--upgrade`, drop the flag — and ends
//! with where Ozone says the cluster stands (pre-finalized, or finalized at once when the
//! versions share a metadata layout: [`crate::plan::finality`], which [`status`] reports
//! too); [`finalize`] makes the new version permanent. An older version that can still read
//! the layout is a downgrade by the same procedure.
//!
//! Each operation reads the cluster, returns a plan (steps, checks, notes, and the records on
//! the SCM StatefulSet it resumes from), and runs it step by step: a controller can run one
//! step of [`start::UpgradePlan`], return, and plan again later from the records.

pub mod finalize;
pub mod start;
pub mod status;

pub use finalize::{FinalizeOptions, FinalizePlan};
pub use start::{Skips, UpgradeOptions, UpgradePlan};
pub use status::{ComponentVersion, UpgradeStatus};

use crate::cluster::Session;
use crate::cluster::act::{Actuator, WorkloadKind};
use crate::cluster::exec::{OzoneReader, Targets};
use crate::cluster::view::{ClusterView, KubeReader, is_ready};
use crate::plan::upgrade::{Action, REPLICAS_ANNOTATION, Workload};
use crate::pods::restart::Waits;
use anyhow::Result;
use ozone_storage::Component;
use ozone_storage::admin::{FinalizationStatus, Query, upgrade};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The front end's spelling of the flags that select a cluster again, which the commands that
/// messages name (resume, finish first, finalize) end with: on the command line
/// `-n NS --name C` plus the kubectl flags given; a controller may return nothing.
#[derive(Clone)]
pub struct Flags(Arc<dyn Fn(&str) -> String + Send + Sync>);

impl Flags {
    /// Flags from a function of the cluster's name.
    pub fn new(f: impl Fn(&str) -> String + Send + Sync + 'static) -> Flags {
        Flags(Arc::new(f))
    }

    /// The flags for `cluster`.
    pub fn of(&self, cluster: &str) -> String {
        (self.0)(cluster)
    }
}

impl std::fmt::Debug for Flags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Flags(..)")
    }
}

/// The pods the Ozone CLI runs in: the ready ones found now, else (everything stopped by an
/// interrupted upgrade) the StatefulSet pod names the workloads will have again.
pub fn exec_targets(view: &ClusterView, workloads: &[Workload]) -> Targets {
    let mut targets = view.exec_targets();
    let names = |c: Component| -> Vec<String> {
        workloads
            .iter()
            .filter(|w| w.component == c)
            .flat_map(|w| (0..w.start_replicas()).map(move |i| format!("{}-{i}", w.name)))
            .collect()
    };
    if targets.scm.is_empty() {
        targets.scm = names(Component::Scm);
    }
    if targets.om.is_empty() {
        targets.om = names(Component::Om);
    }
    targets
}

/// OM and SCM finalization status, in that order.
pub async fn finalization(ozone: &OzoneReader) -> Result<(FinalizationStatus, FinalizationStatus)> {
    let om = upgrade::parse_finalization_status(
        &ozone
            .query(&Query::finalization_status(Component::Om))
            .await?,
    )?;
    let scm = upgrade::parse_finalization_status(
        &ozone
            .query(&Query::finalization_status(Component::Scm))
            .await?,
    )?;
    Ok((om, scm))
}

/// The OM service id (HA rings only), from the cluster's ConfigMap.
pub async fn om_service_id(session: &Session, view: &ClusterView) -> Result<Option<String>> {
    Ok(crate::pods::rolling::service_ids(&session.kube, view)
        .await
        .unwrap_or_default()
        .remove(&Component::Om))
}

/// Carries out the stop, start and pod-wait actions of a stop-and-start plan (shared by
/// the upgrade and `recover --from`): a stop first records the replicas on the workload, so a
/// resumed run knows what to start again. Other actions are not its business.
pub async fn scale_or_wait(
    act: &Actuator,
    kube: &KubeReader,
    waits: &Waits,
    cluster: &str,
    action: &Action,
) -> Result<()> {
    let scale = |kind: WorkloadKind, name: String, replicas: i32| async move {
        match kind {
            WorkloadKind::StatefulSet => act.scale_statefulset(&name, replicas).await,
            WorkloadKind::Deployment => act.scale_deployment(&name, replicas).await,
        }
    };
    match action {
        Action::Stop {
            kind,
            name,
            replicas,
        } => {
            let annotations =
                BTreeMap::from([(REPLICAS_ANNOTATION.to_owned(), Some(replicas.to_string()))]);
            act.annotate_workload(*kind, name, &annotations).await?;
            scale(*kind, name.clone(), 0).await?;
        }
        Action::Start {
            kind,
            name,
            replicas,
        } => scale(*kind, name.clone(), *replicas).await?,
        Action::WaitGone(c) => {
            waits
                .until(&format!("every {c} pod to be gone"), || async {
                    Ok(kube
                        .component_pods(cluster, *c)
                        .await?
                        .is_empty()
                        .then_some(()))
                })
                .await?;
        }
        Action::WaitReady(c, n) => {
            waits
                .until(&format!("{n} ready {c} pods"), || async {
                    let pods = kube.component_pods(cluster, *c).await?;
                    let ready = pods.iter().filter(|p| is_ready(p)).count();
                    Ok((pods.len() == ready && ready == *n as usize).then_some(()))
                })
                .await?;
        }
        other => anyhow::bail!("not a scale or wait action: {:?}", other.step()),
    }
    Ok(())
}

#[cfg(test)]
mod tests;
