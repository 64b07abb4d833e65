//! A rolling restart as a plan and its execution: the pods' states (readiness from
//! Kubernetes, Raft roles from Ozone), the quorum-safe order from `ozone_storage::rotation`,
//! its pre-flight checks, and running it step by step with [`super::restart::Restarter`].
//! Used by `cert rotate`, `restart` and `apply`.

use super::restart::Restarter;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::{ClusterView, KubeReader};
use crate::events::Events;
use crate::plan::Step;
use crate::plan::rotation::{self, Skips};
use anyhow::{Result, anyhow};
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use ozone_storage::Component;
use ozone_storage::admin::{Mutation, Query, datanode, roles};
use ozone_storage::rotation::{PodState, restart_order_anyway};
use ozone_storage::{ConfigFile, ha};
use std::collections::BTreeMap;

/// The OM and SCM service ids, from the cluster's ConfigMap.
pub async fn service_ids(
    kube: &KubeReader,
    view: &ClusterView,
) -> Result<BTreeMap<Component, String>> {
    let name = view.names.config_map();
    let cm = kube.config_map(&name).await?.ok_or_else(|| {
        anyhow!("ConfigMap {name} not found: cannot tell the OM and SCM service ids")
    })?;
    let mut out = BTreeMap::new();
    for (k, v) in cm.data.unwrap_or_default() {
        match ConfigFile::parse_env_name(&k) {
            Some((ConfigFile::OzoneSite, ha::OM_SERVICE_IDS)) => {
                out.insert(Component::Om, v);
            }
            Some((ConfigFile::OzoneSite, ha::SCM_SERVICE_IDS)) => {
                out.insert(Component::Scm, v);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Reads what the restart planner needs: pod states from Kubernetes and Raft roles.
pub async fn pod_states(
    view: &ClusterView,
    ozone: &OzoneReader,
    components: &[Component],
) -> Result<Vec<PodState>> {
    let scm = if components.contains(&Component::Scm) {
        roles::parse_scm_roles(&ozone.query(&Query::scm_roles()).await?)?
    } else {
        Vec::new()
    };
    let om = if components.contains(&Component::Om) {
        roles::parse_om_roles(&ozone.query(&Query::om_roles()).await?)?
    } else {
        Vec::new()
    };
    Ok(rotation::pod_states(view, components, &scm, &om))
}

/// The restart part of a plan, as typed steps and as printed steps.
pub struct Restarts {
    /// Typed steps, in order.
    pub steps: Vec<ozone_storage::rotation::Step>,
    /// Service ids for transfers.
    pub service_ids: BTreeMap<Component, String>,
}

impl Restarts {
    /// The printed form.
    pub fn plan_steps(&self) -> Result<Vec<Step>> {
        self.steps
            .iter()
            .map(|s| match s {
                ozone_storage::rotation::Step::Restart {
                    pod, others_ready, ..
                } => Ok(Step::RestartPod {
                    pod: pod.clone(),
                    others_ready: *others_ready,
                }),
                ozone_storage::rotation::Step::TransferLeadership { component, to, .. } => {
                    let m =
                        Mutation::transfer_leadership(*component, self.service_id(*component)?, to);
                    Ok(Step::Ozone {
                        component: component.id().into(),
                        argv: m.argv().to_vec(),
                    })
                }
            })
            .collect()
    }

    fn service_id(&self, component: Component) -> Result<&str> {
        self.service_ids
            .get(&component)
            .map(String::as_str)
            .ok_or_else(|| {
                anyhow!("the cluster's ConfigMap names no {component} service id, which a leadership transfer needs")
            })
    }

    /// Runs the steps. `fingerprints` is the Secret fingerprint per component that the
    /// restarted pods record (components without one record nothing).
    pub async fn run(
        &self,
        restarter: &Restarter<'_>,
        events: &mut dyn Events,
        fingerprints: &BTreeMap<Component, String>,
    ) -> Result<()> {
        self.run_annotated(restarter, events, |component| {
            fingerprints
                .get(&component)
                .map(|fp| (TLS_FINGERPRINT_ANNOTATION, fp.as_str()))
        })
        .await
    }

    /// Runs the steps; each restarted pod of a component records the annotation
    /// `annotation` gives for it (none: nothing recorded).
    pub async fn run_annotated<'v>(
        &self,
        restarter: &Restarter<'_>,
        events: &mut dyn Events,
        annotation: impl Fn(Component) -> Option<(&'v str, &'v str)>,
    ) -> Result<()> {
        let total = self.steps.len();
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                ozone_storage::rotation::Step::Restart {
                    component,
                    pod,
                    others_ready,
                } => {
                    events.note(format!("[{}/{total}] restarting {pod}", i + 1));
                    restarter
                        .restart(
                            events,
                            *component,
                            pod,
                            *others_ready,
                            annotation(*component),
                        )
                        .await?;
                }
                ozone_storage::rotation::Step::TransferLeadership {
                    component,
                    from,
                    to,
                } => {
                    events.note(format!(
                        "[{}/{total}] moving {component} leadership from {from} to {to}",
                        i + 1
                    ));
                    restarter
                        .transfer(events, *component, self.service_id(*component)?, from, to)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// Plans the rolling restart of `components`, skipping pods for which `is_current` holds.
pub async fn plan_restarts(
    kube: &KubeReader,
    view: &ClusterView,
    pods: &[PodState],
    components: &[Component],
    is_current: impl Fn(&str) -> bool,
) -> Result<Restarts> {
    let steps = rotation::pending(restart_order_anyway(pods, components), is_current);
    let transfers = steps
        .iter()
        .any(|s| matches!(s, ozone_storage::rotation::Step::TransferLeadership { .. }));
    let service_ids = if transfers {
        service_ids(kube, view).await?
    } else {
        BTreeMap::new()
    };
    Ok(Restarts { steps, service_ids })
}

/// The pre-flight checks for restarting `components`.
pub async fn checks(
    ozone: &OzoneReader,
    pods: &[PodState],
    components: &[Component],
    skips: Skips,
) -> Result<Vec<crate::plan::preflight::Check>> {
    let datanodes = if components.contains(&Component::Datanode) && !skips.datanode_health {
        datanode::parse_list(&ozone.query(&Query::datanode_list()).await?)?
    } else {
        Vec::new()
    };
    Ok(rotation::checks(pods, components, &datanodes, skips))
}

/// Refuses a restart round that would start on a degraded cluster: between rounds pods may
/// have gone down or a ring lost its leader, and restarting then could take a second member
/// of a quorum down. Nothing of the round has changed yet, so the message says how to resume.
pub fn refuse_if_degraded(checks: &[crate::plan::preflight::Check], resume: &str) -> Result<()> {
    let reasons: Vec<String> = checks
        .iter()
        .filter_map(|c| match &c.outcome {
            crate::plan::preflight::Outcome::Failed(detail) => {
                Some(format!("{}: {detail} (skip with {})", c.name, c.skip_flag))
            }
            _ => None,
        })
        .collect();
    if reasons.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "refused to start the next restart round: {}; nothing else was changed. Once the cluster is healthy, resume with:\n  {resume}",
        reasons.join("; ")
    )
}

/// The pods not ready now that the restarts may leave waiting: only with
/// `--skip-readiness-check`. Without it the pre-flight refused any such pod, so one not ready
/// later went down during the run and must hold up the next restart of its component.
pub fn not_ready_at_start(
    pods: &[PodState],
    skip_readiness_check: bool,
) -> std::collections::BTreeSet<String> {
    if !skip_readiness_check {
        return Default::default();
    }
    pods.iter()
        .filter(|p| !p.ready)
        .map(|p| p.pod.clone())
        .collect()
}

/// An error that stopped the restarts part-way, naming the command that finishes them
/// unless the error already does (timeouts and refusals print it themselves). The cause
/// stays in the chain, so the exit code is the cause's.
pub fn with_resume<T>(result: Result<T>, resume: &str) -> Result<T> {
    result.map_err(|e| {
        if format!("{e:#}").contains(resume) {
            e
        } else {
            e.context(format!(
                "the restarts stopped part-way; once the cause is fixed, resume with `{resume}`"
            ))
        }
    })
}

/// The label a StatefulSet controller puts on its pods: the revision they were made from.
pub const REVISION_LABEL: &str = "controller-revision-hash";

/// Pods of `components` made from an older revision than their StatefulSet's
/// `status.updateRevision`: with `updateStrategy: OnDelete` they keep running the old template
/// until they are restarted. Deployments roll their pods themselves and have none.
pub fn out_of_date_pods(
    view: &ClusterView,
    components: &[Component],
) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for &component in components {
        let Some(update) = view
            .statefulset(component)
            .and_then(|s| s.status.as_ref())
            .and_then(|s| s.update_revision.as_deref())
        else {
            continue;
        };
        for pod in view.pods_of(component) {
            let revision = crate::cluster::view::label(&pod.metadata, REVISION_LABEL);
            if revision != Some(update) {
                out.extend(pod.metadata.name.clone());
            }
        }
    }
    out
}
