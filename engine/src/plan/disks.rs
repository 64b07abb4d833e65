//! Volume changes of a running cluster: disks added to datanodes, a `ratis` volume added,
//! volumes removed, and growth of volumes other than the first. A StatefulSet's volume claim
//! templates never change in place, so adding volumes is carried out like storage growth — the
//! StatefulSet deleted with orphan propagation (pods keep running) and created again with the
//! new templates — and then every datanode pod is re-created one at a time, each waited healthy
//! in SCM, so it comes back with its new, empty volumes (the StatefulSet controller creates
//! their PVCs). Pure: the transitions come from the shapes of [`super::transitions`].
//!
//! Refused: removing a volume (the containers or the Raft log on it would be lost; decommission
//! the datanodes, or move the data off first), and adding or removing the `ratis` volume of a
//! running OM or SCM ring (its Raft log cannot move to an empty volume in place).

use super::transitions::{Kind, Transition, Verdict, VolumeShape, WorkloadShape};
use ozone_generator::objects::volumes::DATA_VOLUME;
use ozone_storage::Component;
use serde_json::Value;

/// The claim template names of a StatefulSet as JSON, in order.
fn template_names(sts: &Value) -> Vec<&str> {
    sts["spec"]["volumeClaimTemplates"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter_map(|t| t["metadata"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the rendered StatefulSet has other volume claim templates than the live one: its
/// pod template then mounts volumes the live object cannot have, so it reaches the cluster only
/// through the re-create, not through the server-side apply.
pub fn templates_differ(desired: &Value, live: &Value) -> bool {
    desired["kind"] == "StatefulSet" && template_names(desired) != template_names(live)
}

fn names(volumes: &[VolumeShape]) -> String {
    if volumes.is_empty() {
        return "(none)".into();
    }
    volumes
        .iter()
        .map(|v| v.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The volume transitions of one component, appended to `out`.
pub fn detect(
    out: &mut Vec<Transition>,
    component: Component,
    l: &WorkloadShape,
    d: &WorkloadShape,
) {
    if l.kind != "StatefulSet" || d.kind != "StatefulSet" {
        return;
    }
    let has = |vs: &[VolumeShape], name: &str| vs.iter().any(|v| v.name == name);
    let added: Vec<&VolumeShape> = d
        .volumes
        .iter()
        .filter(|v| !has(&l.volumes, &v.name))
        .collect();
    let removed: Vec<&VolumeShape> = l
        .volumes
        .iter()
        .filter(|v| !has(&d.volumes, &v.name))
        .collect();
    let t = |kind, verdict, how: String| Transition {
        kind,
        component,
        from: names(&l.volumes),
        to: names(&d.volumes),
        verdict,
        how,
        volume: None,
    };
    if !removed.is_empty() {
        let gone: Vec<&str> = removed.iter().map(|v| v.name.as_str()).collect();
        let how = match component {
            Component::Datanode => format!(
                "removing volume{} {} would lose the containers (or the Raft log and container databases) on {}; decommission the datanodes first (`kubectl ozone datanode decommission`), or move the data off (scale the datanodes down and up again with the new layout), then change the volumes",
                if gone.len() == 1 { "" } else { "s" },
                gone.join(", "),
                if gone.len() == 1 { "it" } else { "them" },
            ),
            _ => format!(
                "removing volume {} would lose the {} Raft log on it; keep it (storage.ratis), or build a new cluster and move the data",
                gone.join(", "),
                component.id()
            ),
        };
        out.push(t(Kind::VolumesRemoved, Verdict::Refuse, how));
    }
    if !added.is_empty() {
        let new: Vec<&str> = added.iter().map(|v| v.name.as_str()).collect();
        let (verdict, how) = match component {
            Component::Datanode => (
                Verdict::Apply,
                format!(
                    "{} is re-created with orphan propagation (pods keep running) with the new volume claim template{} {}, then each datanode pod is re-created one at a time, each waited healthy in SCM, and comes back with its new, empty volumes",
                    d.name,
                    if new.len() == 1 { "" } else { "s" },
                    new.join(", ")
                ),
            ),
            _ => (
                Verdict::Refuse,
                format!(
                    "a running {c} ring's Raft log cannot move to a new, empty volume in place; keep the log where it is with {c}.storage.ratis.enabled: false (clusters created before their profile had the volume), or give a new cluster the volume",
                    c = component.id()
                ),
            ),
        };
        out.push(t(Kind::VolumesAdded, verdict, how));
    }
    // Volumes in both beyond the first (whose growth and class the storage transitions
    // handle): the same rules, per volume.
    for dv in d.volumes.iter().skip(1) {
        let Some(lv) = l.volumes.iter().find(|v| v.name == dv.name) else {
            continue;
        };
        if lv.storage_class != dv.storage_class {
            out.push(Transition {
                kind: Kind::StorageClass,
                component,
                from: lv
                    .storage_class
                    .clone()
                    .unwrap_or_else(|| "(default)".into()),
                to: dv
                    .storage_class
                    .clone()
                    .unwrap_or_else(|| "(default)".into()),
                verdict: Verdict::Refuse,
                how: format!(
                    "existing {} volumes cannot move to another StorageClass; keep the class",
                    dv.name
                ),
                volume: Some(dv.name.clone()),
            });
        }
        let (Some(from), Some(to)) = (&lv.size, &dv.size) else {
            continue;
        };
        out.extend(super::transitions::size_change(
            component,
            &d.name,
            from,
            to,
            Some(&dv.name),
        ));
    }
}

/// The claim template a storage transition is about: its own, or the first data volume.
pub fn volume_of(t: &Transition) -> &str {
    t.volume.as_deref().unwrap_or(DATA_VOLUME)
}

/// Whether `pvc` belongs to claim template `volume` of StatefulSet `statefulset`
/// (`<template>-<statefulset>-<ordinal>`).
pub fn pvc_of(pvc: &str, volume: &str, statefulset: &str) -> bool {
    pvc.strip_prefix(volume)
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.strip_prefix(statefulset))
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|ordinal| !ordinal.is_empty() && ordinal.bytes().all(|b| b.is_ascii_digit()))
}

/// The components whose pods run without their StatefulSet: a re-create cut off between the
/// delete and the create. Their pods are re-created once the StatefulSet is back (those left
/// on an older revision), so volumes added by the cut-off run reach them.
pub fn orphaned(view: &crate::cluster::view::ClusterView) -> Vec<Component> {
    Component::ALL
        .into_iter()
        .filter(|c| {
            c.service().state == ozone_storage::catalog::State::Persistent
                && view.statefulset(*c).is_none()
                && !view.pods_of(*c).is_empty()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(names: &[(&str, &str)]) -> WorkloadShape {
        WorkloadShape {
            kind: "StatefulSet".into(),
            name: "ozone-datanode".into(),
            replicas: 5,
            volumes: names
                .iter()
                .map(|(n, s)| VolumeShape {
                    name: (*n).into(),
                    size: Some((*s).into()),
                    storage_class: Some("local".into()),
                })
                .collect(),
            ..WorkloadShape::default()
        }
    }

    fn kinds(component: Component, l: &WorkloadShape, d: &WorkloadShape) -> Vec<Transition> {
        let mut out = Vec::new();
        detect(&mut out, component, l, d);
        out
    }

    #[test]
    fn disks_added_to_datanodes_are_carried_out() {
        let l = shape(&[("data", "4Ti")]);
        let d = shape(&[("data", "4Ti"), ("data1", "4Ti"), ("ratis", "200Gi")]);
        let ts = kinds(Component::Datanode, &l, &d);
        assert_eq!(ts.len(), 1, "{ts:?}");
        assert_eq!(
            (ts[0].kind, ts[0].verdict),
            (Kind::VolumesAdded, Verdict::Apply)
        );
        assert_eq!(
            (ts[0].from.as_str(), ts[0].to.as_str()),
            ("data", "data, data1, ratis")
        );
        assert!(
            ts[0].how.contains("data1, ratis") && ts[0].how.contains("one at a time"),
            "{}",
            ts[0].how
        );
    }

    #[test]
    fn removing_a_disk_is_refused_with_the_way_to_do_it() {
        let l = shape(&[("data", "4Ti"), ("data1", "4Ti"), ("data2", "4Ti")]);
        let d = shape(&[("data", "4Ti"), ("data1", "4Ti")]);
        let ts = kinds(Component::Datanode, &l, &d);
        assert_eq!(
            (ts[0].kind, ts[0].verdict),
            (Kind::VolumesRemoved, Verdict::Refuse)
        );
        assert!(
            ts[0].how.contains("decommission the datanodes"),
            "{}",
            ts[0].how
        );
    }

    #[test]
    fn a_raft_log_volume_for_a_running_ring_is_refused() {
        let l = shape(&[("data", "100Gi")]);
        let d = shape(&[("data", "100Gi"), ("ratis", "20Gi")]);
        let ts = kinds(Component::Om, &l, &d);
        assert_eq!(
            (ts[0].kind, ts[0].verdict),
            (Kind::VolumesAdded, Verdict::Refuse)
        );
        assert!(
            ts[0].how.contains("om.storage.ratis.enabled: false"),
            "{}",
            ts[0].how
        );
    }

    #[test]
    fn further_volumes_grow_and_never_shrink() {
        let l = shape(&[("data", "4Ti"), ("ratis", "100Gi")]);
        let grow = kinds(
            Component::Datanode,
            &l,
            &shape(&[("data", "4Ti"), ("ratis", "200Gi")]),
        );
        assert_eq!(
            (grow[0].kind, grow[0].verdict, grow[0].volume.as_deref()),
            (Kind::StorageGrow, Verdict::Apply, Some("ratis"))
        );
        let shrink = kinds(
            Component::Datanode,
            &l,
            &shape(&[("data", "4Ti"), ("ratis", "50Gi")]),
        );
        assert_eq!(shrink[0].kind, Kind::StorageShrink);
    }

    #[test]
    fn pvc_names_by_template() {
        assert!(pvc_of("data-ozone-datanode-0", "data", "ozone-datanode"));
        assert!(pvc_of("data1-ozone-datanode-12", "data1", "ozone-datanode"));
        assert!(!pvc_of("data1-ozone-datanode-0", "data", "ozone-datanode"));
        assert!(!pvc_of("ratis-ozone-om-0", "data", "ozone-om"));
        assert!(!pvc_of("data-ozone-datanode-x", "data", "ozone-datanode"));
    }
}
