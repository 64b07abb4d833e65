//! OM/SCM ring growth in `apply`: which rings grow, what waits for the bootstrap (the
//! Deployments, whose pods would otherwise roll to the new configuration before the new
//! members exist), the rolling restart split around the bootstrap, and the bootstrap plan of
//! each ring from [`ozone_engine::rings::bootstrap`]. The existing members restart first so they
//! know the new node ids; then each new member joins; then the clients restart.

use super::compare::{Compared, Comparison};
use anyhow::Result;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::plan::Step;
use ozone_engine::plan::transitions::Kind;
use ozone_engine::pods::rolling::Restarts;
use ozone_engine::rings::bootstrap::{self, Action, InProgress, Purpose};
use ozone_storage::Component;
use std::collections::BTreeSet;

/// The rings that grow, SCM first (datanodes and OMs find SCM by its ring), with the
/// replicas they grow to; also a ring whose growth is recorded as in progress although its
/// replicas are reached (cut off before its template was restored or its record cleared).
pub fn ring_growth(c: &Comparison) -> Vec<(Component, i32)> {
    [Component::Scm, Component::Om]
        .into_iter()
        .filter_map(|component| {
            if let Some(t) = c
                .transitions
                .iter()
                .find(|t| t.kind == Kind::RingGrow && t.component == component)
            {
                return Some((component, t.to.parse().ok()?));
            }
            let sts = c.view.statefulset(component)?;
            let recorded = InProgress::of(sts).ok().flatten()?;
            let name = sts.metadata.name.as_deref()?;
            let rendered = c
                .objects
                .iter()
                .find(|o| o.kind == "StatefulSet" && o.name == name)?;
            (recorded.purpose == Purpose::Grow)
                .then(|| {
                    Some((
                        component,
                        rendered.rendered["spec"]["replicas"].as_i64()? as i32,
                    ))
                })
                .flatten()
        })
        .collect()
}

/// StatefulSets whose member bootstrap was cut off: their template is the engine's until it
/// restores the recorded one, so `apply` does not write it in between.
pub fn recorded_statefulsets(c: &Comparison) -> BTreeSet<String> {
    c.view
        .statefulsets
        .iter()
        .filter(|s| InProgress::of(s).ok().flatten().is_some())
        .filter_map(|s| s.metadata.name.clone())
        .collect()
}

/// Whether an object waits until the rings have grown: the Deployments (S3G, HttpFS) roll
/// their pods as soon as their template changes.
pub fn deferred(growth: &[(Component, i32)], o: &Compared) -> bool {
    !growth.is_empty() && o.kind == "Deployment"
}

/// The printed applies of the deferred objects.
pub fn deferred_steps(c: &Comparison, growth: &[(Component, i32)]) -> Vec<Step> {
    c.objects
        .iter()
        .filter(|o| deferred(growth, o))
        .filter_map(|o| {
            let change = match o.action() {
                ozone_engine::plan::changes::Action::Create => "create",
                ozone_engine::plan::changes::Action::Update => "update",
                _ => return None,
            };
            Some(Step::ApplyObject {
                object_kind: o.kind.clone(),
                name: o.name.clone(),
                change: change.into(),
            })
        })
        .collect()
}

/// The restarts before the bootstrap (the growing rings' existing members) and after it.
pub fn split_restarts(r: &Restarts, growth: &[(Component, i32)]) -> (Restarts, Restarts) {
    let growing = |c: &Component| growth.iter().any(|(g, _)| g == c);
    let component = |s: &ozone_storage::rotation::Step| match s {
        ozone_storage::rotation::Step::Restart { component, .. }
        | ozone_storage::rotation::Step::TransferLeadership { component, .. } => *component,
    };
    let (before, after) = r
        .steps
        .iter()
        .cloned()
        .partition(|s| growing(&component(s)));
    (
        Restarts {
            steps: before,
            service_ids: r.service_ids.clone(),
        },
        Restarts {
            steps: after,
            service_ids: r.service_ids.clone(),
        },
    )
}

/// The bootstrap of every growing ring, planned from the cluster as it is now.
pub async fn plan(
    session: &Session,
    c: &Comparison,
    ozone: &OzoneReader,
    growth: &[(Component, i32)],
    notes: &mut Vec<String>,
) -> Result<Vec<Action>> {
    let mut out = Vec::new();
    for (component, to) in growth {
        let ring = bootstrap::read_ring(&session.kube, ozone, &c.cluster.name, *component).await?;
        if let Some(p) = &ring.in_progress
            && p.purpose != Purpose::Grow
        {
            anyhow::bail!(
                "statefulset {} records a member recovery in progress ({} {}); finish it first with `kubectl ozone recover {} {}`",
                ring.statefulset,
                p.pod,
                serde_json::to_string(&p.phase)?.trim_matches('"'),
                component.id(),
                p.pod
            );
        }
        notes.push(format!(
            "{component} ring growth to {to}: the StatefulSet keeps {} replicas until each new member is bootstrapped",
            ring.replicas
        ));
        out.extend(bootstrap::plan_grow(&ring, *to));
    }
    Ok(out)
}

/// The pods of the growing rings that must not be restarted before the bootstrap: those not
/// (yet) LEADER or FOLLOWER — new members still joining.
pub fn joining(rings: &[bootstrap::RingNow]) -> BTreeSet<String> {
    rings
        .iter()
        .flat_map(|r| r.pods.keys().filter(|p| !r.is_member(p)).cloned())
        .collect()
}

/// For a ring whose growth was cut off: the recorded template back first, so the existing
/// members restart onto it and not onto the bootstrap form.
pub fn restore_first(ring: &bootstrap::RingNow) -> Option<Action> {
    let p = ring.in_progress.as_ref()?;
    (p.purpose == Purpose::Grow && p.template != ring.template).then(|| Action::SetTemplate {
        statefulset: ring.statefulset.clone(),
        component: ring.component,
        form: bootstrap::Form::Restored,
        template: p.template.clone(),
    })
}

/// Recoveries recorded on the cluster's StatefulSets: while one runs, its template is held
/// or bootstrapping, and restarting the other members onto it would take them out of the ring.
pub fn recoveries_in_progress(c: &Comparison) -> Vec<String> {
    c.view
        .statefulsets
        .iter()
        .filter_map(|s| {
            let p = InProgress::of(s).ok().flatten()?;
            let component = ozone_engine::cluster::view::component_of(&s.metadata)?;
            (p.purpose == Purpose::Recover).then(|| {
                format!(
                    "a recovery of {pod} is in progress (recorded on statefulset {sts}); finish it first with `kubectl ozone recover {c} {pod}`",
                    pod = p.pod,
                    sts = s.metadata.name.as_deref().unwrap_or_default(),
                    c = component.id()
                )
            })
        })
        .collect()
}
