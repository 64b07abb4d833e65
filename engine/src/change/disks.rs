//! `apply`'s side of storage: growth (each PVC resized, then the StatefulSet re-created with
//! the new claim templates) and volume changes (the rules are in [`crate::plan::disks`]): the
//! StatefulSet of a component that gains volumes is deleted with orphan propagation and created again as
//! rendered — new claim templates and the pod template that mounts them, live replicas — and
//! its pods are then re-created by the rolling restart, each waited healthy, so each comes back
//! with its new, empty volumes.
//!
//! Resuming: the cluster records every step. Cut off before the delete, the transition is
//! found again; between the delete and the create, the pods run without their StatefulSet
//! ([`orphaned`]) and the create is an ordinary apply of a missing object, after which those
//! pods are restarted; cut off during the restarts, the pods left on the old revision are.

use super::apply::Writes;
use super::compare::Comparison;
use crate::cluster::Session;
use crate::events::Events;
use crate::plan::Step;
use crate::plan::transitions::{Kind, Verdict};
use crate::pods::restart::Waits;
use anyhow::{Result, anyhow};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::plan::disks::{orphaned, pvc_of, volume_of};

/// Plans the re-create of every StatefulSet that gains volumes (unless a storage growth
/// re-creates it already, in `grown`); returns their names. The pod restarts that follow are
/// planned with the other restarts.
pub fn plan(c: &Comparison, grown: &BTreeSet<String>, steps: &mut Vec<Step>) -> Vec<String> {
    let mut out = Vec::new();
    for t in c
        .transitions
        .iter()
        .filter(|t| t.kind == Kind::VolumesAdded && t.verdict == Verdict::Apply)
    {
        let name = c.cluster.names().component(t.component);
        if grown.contains(&name) || out.contains(&name) {
            continue;
        }
        steps.push(Step::RecreateStatefulSet { name: name.clone() });
        out.push(name);
    }
    out
}

/// Deletes StatefulSet `name` leaving its pods running, waits until it is gone, and creates it
/// as rendered with its live replicas (which other transitions change).
pub async fn recreate(
    session: &Session,
    c: &Comparison,
    w: &Writes<'_>,
    events: &mut dyn Events,
    name: &str,
    waits: &Waits,
) -> Result<()> {
    let o = c
        .objects
        .iter()
        .find(|o| o.kind == "StatefulSet" && o.name == name)
        .ok_or_else(|| anyhow!("statefulset {name} is not rendered"))?;
    let mut object = o.rendered.clone();
    object["spec"]["replicas"] = o.sent["spec"]["replicas"].clone();
    w.act.delete_statefulset_orphan(name).await?;
    waits
        .until(
            &format!("statefulset {name} to be deleted (its pods keep running)"),
            || async { Ok(session.kube.live(&object).await?.is_none().then_some(())) },
        )
        .await?;
    w.apply(&object, w.force_conflicts).await?;
    let volumes: Vec<&str> = object["spec"]["volumeClaimTemplates"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["metadata"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    events.note(format!(
        "statefulset {name} re-created with volumes {}; its pods kept running",
        volumes.join(", ")
    ));
    Ok(())
}

/// A storage growth to carry out: PVCs to resize, then the StatefulSet re-created.
pub struct Grow {
    /// The StatefulSet.
    pub statefulset: String,
    /// The new size.
    pub size: String,
    /// PVCs still smaller than that.
    pub pvcs: Vec<String>,
}

/// Plans each storage growth, or a refusal when a PVC's StorageClass cannot expand volumes.
pub async fn storage_plan(
    session: &Session,
    c: &Comparison,
    steps: &mut Vec<Step>,
    refusals: &mut Vec<String>,
) -> Result<Vec<Grow>> {
    let mut out = Vec::new();
    let mut classes: BTreeMap<String, Option<String>> = BTreeMap::new();
    for t in c.transitions.iter().filter(|t| t.kind == Kind::StorageGrow) {
        let component = t.component;
        let statefulset = c.cluster.names().component(component);
        let wanted = ozone_generator::quantity::Amount::parse(&t.to)?;
        let mut pvcs = Vec::new();
        let volume = volume_of(t);
        for pvc in c.view.pvcs.iter().filter(|p| {
            crate::cluster::view::component_of(&p.metadata) == Some(component)
                && p.metadata
                    .name
                    .as_deref()
                    .is_some_and(|n| pvc_of(n, volume, &statefulset))
        }) {
            let name = pvc.metadata.name.clone().unwrap_or_default();
            let spec = pvc.spec.as_ref();
            let Some(class) = spec.and_then(|s| s.storage_class_name.clone()) else {
                refusals.push(format!(
                    "{component} storage {} → {}: PVC {name} has no StorageClass, so nothing says its volume can expand",
                    t.from, t.to
                ));
                continue;
            };
            if !classes.contains_key(&class) {
                let problem = match session.kube.storage_class(&class).await {
                    Ok(Some(sc)) if sc.allow_volume_expansion == Some(true) => None,
                    Ok(Some(_)) => Some(format!(
                        "StorageClass {class} does not set allowVolumeExpansion: true, so its volumes cannot grow; keep the size, or move to a class that expands"
                    )),
                    Ok(None) => Some(format!("StorageClass {class} not found")),
                    Err(e) => Some(format!("cannot read StorageClass {class}: {e}")),
                };
                classes.insert(class.clone(), problem);
            }
            if let Some(Some(problem)) = classes.get(&class) {
                refusals.push(format!(
                    "{component} storage {} → {} (PVC {name}): {problem}",
                    t.from, t.to
                ));
                continue;
            }
            let current = spec
                .and_then(|s| s.resources.as_ref())
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"))
                .and_then(|q| ozone_generator::quantity::Amount::parse(&q.0).ok());
            if current.is_none_or(|q| q.cmp_value(&wanted).is_lt()) {
                pvcs.push(name);
            }
        }
        pvcs.sort_by_key(|n| (crate::cluster::view::ordinal(n), n.clone()));
        for name in &pvcs {
            steps.push(Step::ResizePvc {
                name: name.clone(),
                size: t.to.clone(),
            });
        }
        out.push(Grow {
            statefulset,
            size: t.to.clone(),
            pvcs,
        });
    }
    // One re-create per StatefulSet, after all its PVCs are resized.
    let mut recreated = BTreeSet::new();
    for g in &out {
        if recreated.insert(g.statefulset.clone()) {
            steps.push(Step::RecreateStatefulSet {
                name: g.statefulset.clone(),
            });
        }
    }
    Ok(out)
}

/// Resizes the PVCs, then re-creates the StatefulSet with the new claim templates, leaving
/// its pods running: the claim templates cannot be changed in place.
pub async fn grow_storage(
    session: &Session,
    c: &Comparison,
    w: &Writes<'_>,
    events: &mut dyn Events,
    grows: &[Grow],
    waits: &Waits,
) -> Result<()> {
    for g in grows {
        for pvc in &g.pvcs {
            w.act.resize_pvc(pvc, &g.size).await?;
            events.note(format!("persistentvolumeclaim {pvc} resized to {}", g.size));
        }
    }
    let mut recreated = BTreeSet::new();
    for g in grows {
        if recreated.insert(g.statefulset.clone()) {
            recreate(session, c, w, events, &g.statefulset, waits).await?;
        }
    }
    Ok(())
}
