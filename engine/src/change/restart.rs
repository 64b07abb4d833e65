//! The quorum-safe rolling restart on its own, as `kubectl ozone restart [COMPONENT] [POD]`
//! asks for it (the engine `cert rotate` uses): OM and SCM followers first, leadership moved before a
//! leader restarts, datanodes one at a time while SCM reports them healthy, gateways last.
//!
//! By default only pods made from an older revision than their StatefulSet's
//! `status.updateRevision` restart: with `updateStrategy: OnDelete` a plain `kubectl apply`
//! of a new render changes the template but restarts nothing, and this finishes the roll.
//! `--all` restarts every pod (of COMPONENT). Re-running after an interruption restarts only
//! what is still out of date; for `--all`, the start of the run is recorded on the cluster
//! (annotation [`RESTART_ALL_ANNOTATION`] on each StatefulSet and Deployment restarted, and
//! on each pod once restarted), so the same command run again restarts only the pods not
//! restarted since, and the record is removed when the run is done.

use crate::cluster::Session;
use crate::cluster::act::{Actuator, WorkloadKind};
use crate::cluster::discover;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::ClusterView;
use crate::error::BadInput;
use crate::events::Events;
use crate::plan::Plan;
use crate::plan::rotation::Skips;
use crate::pods::restart::{Restarter, Waits};
use crate::pods::rolling::{self, Restarts, out_of_date_pods};
use anyhow::Result;
use ozone_storage::Component;
use ozone_storage::rotation::PodState;
use std::collections::BTreeMap;

/// What to restart.
#[derive(Debug, Clone, Copy, Default)]
pub struct RestartRequest<'a> {
    /// The Ozone cluster's name, when the namespace holds several.
    pub cluster: Option<&'a str>,
    /// Only this component.
    pub component: Option<Component>,
    /// Only this pod of `component`.
    pub pod: Option<&'a str>,
    /// Every pod, not only those on an older revision than their StatefulSet's.
    pub all: bool,
    /// The checks skipped.
    pub skips: Skips,
    /// A plan that is only shown.
    pub dry_run: bool,
}

/// The components to restart: the one given (which must have pods), or every one with pods.
fn components(view: &ClusterView, req: &RestartRequest<'_>) -> Result<Vec<Component>, BadInput> {
    match req.component {
        Some(c) if view.pods_of(c).is_empty() => Err(BadInput(format!(
            "cluster {} has no {c} pods",
            view.cluster()
        ))),
        Some(c) => {
            if let Some(pod) = req.pod
                && !view
                    .pods_of(c)
                    .iter()
                    .any(|p| p.metadata.name.as_deref() == Some(pod))
            {
                return Err(BadInput(format!(
                    "{pod} is not a {c} pod of cluster {}",
                    view.cluster()
                )));
            }
            Ok(vec![c])
        }
        None => Ok(Component::ALL
            .into_iter()
            .filter(|c| !view.pods_of(*c).is_empty())
            .collect()),
    }
}

/// Records the start of a `restart --all` run (RFC 3339) on the workloads it restarts, and
/// on each pod once restarted.
pub const RESTART_ALL_ANNOTATION: &str = "ozone.apache.org/restart-all-since";

/// The workloads of `components`, as (kind, name).
fn workloads(view: &ClusterView, components: &[Component]) -> Vec<(WorkloadKind, String)> {
    let of = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        crate::cluster::view::component_of(m).is_some_and(|c| components.contains(&c))
    };
    let mut out: Vec<(WorkloadKind, String)> = view
        .statefulsets
        .iter()
        .filter(|s| of(&s.metadata))
        .filter_map(|s| Some((WorkloadKind::StatefulSet, s.metadata.name.clone()?)))
        .collect();
    out.extend(
        view.deployments
            .iter()
            .filter(|d| of(&d.metadata))
            .filter_map(|d| Some((WorkloadKind::Deployment, d.metadata.name.clone()?))),
    );
    out
}

/// The start of an interrupted `--all` run recorded on one of the workloads, if any.
fn recorded_start(view: &ClusterView, components: &[Component]) -> Option<String> {
    let annotation = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        (crate::cluster::view::component_of(m).is_some_and(|c| components.contains(&c)))
            .then(|| m.annotations.as_ref()?.get(RESTART_ALL_ANNOTATION).cloned())
            .flatten()
    };
    view.statefulsets
        .iter()
        .find_map(|s| annotation(&s.metadata))
        .or_else(|| {
            view.deployments
                .iter()
                .find_map(|d| annotation(&d.metadata))
        })
}

/// Whether `pod` was restarted by the `--all` run that started at `since`: it carries the
/// run's mark, or was created after the run started (creation times have whole seconds, so
/// a pod created in the very second the run started counts as restarted).
fn restarted_since(view: &ClusterView, pod: &str, since: &str) -> bool {
    let Some(p) = view
        .pods
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some(pod))
    else {
        return false;
    };
    let marked = p
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(RESTART_ALL_ANNOTATION))
        .is_some_and(|v| v == since);
    let created_after = match (
        p.metadata.creation_timestamp.as_ref(),
        since.parse::<k8s_openapi::jiff::Timestamp>(),
    ) {
        (Some(created), Ok(start)) => created.0 >= start,
        _ => false,
    };
    marked || created_after
}

/// Removes the record of a finished `--all` run from the workloads.
async fn clear_record(act: &Actuator, view: &ClusterView, components: &[Component]) -> Result<()> {
    let clear = BTreeMap::from([(RESTART_ALL_ANNOTATION.to_owned(), None)]);
    for (kind, name) in workloads(view, components) {
        act.annotate_workload(kind, &name, &clear).await?;
    }
    Ok(())
}

/// A rolling restart planned from the cluster as it is, with what running it needs.
pub struct RestartPlan {
    /// The plan as shown.
    pub plan: Plan,
    /// The start of an interrupted `--all` run this one resumes.
    pub resumed: Option<String>,
    /// Ozone queries in this cluster.
    pub ozone: OzoneReader,
    restarts: Restarts,
    view: ClusterView,
    components: Vec<Component>,
    pods: Vec<PodState>,
    skips: Skips,
    every: bool,
    since: String,
}

/// Plans the restart `req` asks for. A member bootstrap in progress refuses.
pub async fn plan(session: &Session, req: &RestartRequest<'_>) -> Result<RestartPlan> {
    let view = discover::find(&session.kube, req.cluster).await?;
    let components = components(&view, req)?;
    // A member bootstrap holds the template of its StatefulSet: restarting the other members
    // now would start them from that template (held, or `--bootstrap`).
    for s in &view.statefulsets {
        if let Some(p) = crate::rings::bootstrap::InProgress::of(s)? {
            anyhow::bail!(
                "refused, nothing was changed: statefulset {} records a member bootstrap in progress ({:?} of {}); finish it first (`kubectl ozone recover` for a recovery, `kubectl ozone apply` for a ring growth)",
                s.metadata.name.as_deref().unwrap_or_default(),
                p.purpose,
                p.pod
            );
        }
    }
    let stale = out_of_date_pods(&view, &components);
    let every = req.all && req.pod.is_none();
    let resumed = if every {
        recorded_start(&view, &components)
    } else {
        None
    };
    // Whole seconds: the API server records creation times to the second.
    let since = resumed.clone().unwrap_or_else(|| {
        let now = k8s_openapi::jiff::Timestamp::now();
        k8s_openapi::jiff::Timestamp::from_second(now.as_second())
            .unwrap_or(now)
            .to_string()
    });
    let restart = |pod: &str| match req.pod {
        Some(only) => pod == only,
        None if every => !restarted_since(&view, pod, &since),
        None => stale.contains(pod),
    };
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let pods = rolling::pod_states(&view, &ozone, &components).await?;
    let checks = rolling::checks(&ozone, &pods, &components, req.skips).await?;
    let restarts =
        rolling::plan_restarts(&session.kube, &view, &pods, &components, |p| !restart(p)).await?;
    let mut notes = Vec::new();
    if let Some(start) = &resumed {
        notes.push(format!(
            "resuming the --all run that started at {start}: pods restarted since are not restarted again"
        ));
    }
    if !req.all && req.pod.is_none() {
        notes.push(if stale.is_empty() {
            "every pod runs its StatefulSet's current revision (restart them anyway with --all)"
                .to_owned()
        } else {
            format!(
                "pods on an older revision than their StatefulSet's: {}",
                stale.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        });
    }
    let plan = Plan {
        action: "rolling restart".into(),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run: req.dry_run,
        targets: Vec::new(),
        // Checks matter only when something restarts.
        checks: if restarts.steps.is_empty() {
            Vec::new()
        } else {
            checks
        },
        notes,
        steps: restarts.plan_steps()?,
    };
    Ok(RestartPlan {
        plan,
        resumed,
        ozone,
        restarts,
        view,
        components,
        pods,
        skips: req.skips,
        every,
        since,
    })
}

impl RestartPlan {
    /// How many pods restart.
    pub fn count(&self) -> usize {
        self.restarts
            .steps
            .iter()
            .filter(|s| matches!(s, ozone_storage::rotation::Step::Restart { .. }))
            .count()
    }

    /// Removes the record of an interrupted `--all` run that restarted every pod but was cut
    /// off before removing it.
    pub async fn clear_record(&self, act: &Actuator) -> Result<()> {
        clear_record(act, &self.view, &self.components).await
    }

    /// Restarts the pods one at a time; `waits.resume` is the command that resumes.
    pub async fn run(
        &self,
        session: &Session,
        act: &Actuator,
        events: &mut dyn Events,
        waits: Waits,
    ) -> Result<()> {
        let (view, components, since) = (&self.view, &self.components, &self.since);
        let (ozone, restarts, resumed) = (&self.ozone, &self.restarts, &self.resumed);
        let resume = waits.resume.clone();
        let restarter = Restarter {
            kube: &session.kube,
            act,
            ozone,
            cluster: view.cluster(),
            check_roles: !self.skips.leader,
            check_datanodes: !self.skips.datanode_health,
            not_ready_at_start: rolling::not_ready_at_start(&self.pods, self.skips.readiness),
            waits,
        };
        if self.every {
            if resumed.is_none() {
                let record =
                    BTreeMap::from([(RESTART_ALL_ANNOTATION.to_owned(), Some(since.clone()))]);
                for (kind, name) in workloads(view, components) {
                    rolling::with_resume(
                        act.annotate_workload(kind, &name, &record)
                            .await
                            .map_err(Into::into),
                        &resume,
                    )?;
                }
            }
            rolling::with_resume(
                restarts
                    .run_annotated(&restarter, events, |_| {
                        Some((RESTART_ALL_ANNOTATION, since.as_str()))
                    })
                    .await,
                &resume,
            )?;
            rolling::with_resume(clear_record(act, view, components).await, &resume)?;
        } else {
            rolling::with_resume(
                restarts.run(&restarter, events, &BTreeMap::new()).await,
                &resume,
            )?;
        }
        events.note(format!("restarted {} pods", self.count()));
        Ok(())
    }
}
