//! `apply`'s side of volume changes (the rules are in [`ozone_engine::plan::disks`]): the StatefulSet
//! of a component that gains volumes is deleted with orphan propagation and created again as
//! rendered — new claim templates and the pod template that mounts them, live replicas — and
//! its pods are then re-created by the rolling restart, each waited healthy, so each comes back
//! with its new, empty volumes.
//!
//! Resuming: the cluster records every step. Cut off before the delete, the transition is
//! found again; between the delete and the create, the pods run without their StatefulSet
//! ([`orphaned`]) and the create is an ordinary apply of a missing object, after which those
//! pods are restarted; cut off during the restarts, the pods left on the old revision are.

use super::compare::Comparison;
use crate::ui::Io;
use anyhow::{Result, anyhow};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::plan::Step;
use ozone_engine::plan::transitions::{Kind, Verdict};
use ozone_engine::pods::restart::Waits;
use std::collections::BTreeSet;

pub use ozone_engine::plan::disks::{orphaned, pvc_of, volume_of};

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
    act: &Actuator,
    io: &mut Io,
    name: &str,
    waits: &Waits,
    force: bool,
) -> Result<()> {
    let o = c
        .objects
        .iter()
        .find(|o| o.kind == "StatefulSet" && o.name == name)
        .ok_or_else(|| anyhow!("statefulset {name} is not rendered"))?;
    let mut object = o.rendered.clone();
    object["spec"]["replicas"] = o.sent["spec"]["replicas"].clone();
    act.delete_statefulset_orphan(name).await?;
    waits
        .until(
            &format!("statefulset {name} to be deleted (its pods keep running)"),
            || async { Ok(session.kube.live(&object).await?.is_none().then_some(())) },
        )
        .await?;
    act.apply(&object, force).await?;
    let volumes: Vec<&str> = object["spec"]["volumeClaimTemplates"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["metadata"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    io.note(format!(
        "statefulset {name} re-created with volumes {}; its pods kept running",
        volumes.join(", ")
    ));
    Ok(())
}
