//! Storage layout and placement on a real control plane: disks added to the datanodes of a
//! running cluster (new PVCs created and bound, every datanode pod re-created, one at a time,
//! the rings untouched), and placement per component with the real scheduler (datanodes only on
//! nodes labelled and tainted for them, OM pods over three zones).

use crate::support::{Ctx, Outcome, passed, skipped, small_spec as spec, trial, with_spec as args};
use anyhow::{Context, Result, ensure};
use libtest_mimic::Trial;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial("storage_disks_added_to_running_datanodes", disks_added),
        trial("storage_placement_per_component", placement),
    ]
}

/// How often the plugin polls while waiting: the default 10 s would only slow the suite.
const POLL: [&str; 2] = ["--poll-interval", "250ms"];

/// Pods of component `component` of cluster `ozone`, by name.
fn pods(ctx: &Ctx, component: &str) -> Result<BTreeMap<String, Value>> {
    let list = ctx.kubectl_json(&[
        "get",
        "pods",
        "-l",
        &format!("app.kubernetes.io/instance=ozone,app.kubernetes.io/component={component}"),
    ])?;
    Ok(list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["metadata"]["name"].as_str()?.to_owned(), p.clone())))
        .collect())
}

fn uids(pods: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    pods.iter()
        .map(|(n, p)| {
            (
                n.clone(),
                p["metadata"]["uid"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

const DISKS: [&str; 3] = [
    "datanodes.storage.data[0].size=20Gi",
    "datanodes.storage.data[1].size=20Gi",
    "datanodes.storage.ratis.size=5Gi",
];

/// Two data volumes and a ratis volume for the three datanodes of a running small cluster.
fn disks_added(ctx: &Ctx) -> Outcome {
    let before_spec = spec(&[]);
    ctx.render_apply(
        &before_spec.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    )?;
    ctx.wait_cluster_ready("ozone")?;
    let datanodes = uids(&pods(ctx, "datanode")?);
    ensure!(datanodes.len() == 3, "datanodes: {datanodes:?}");
    let om = uids(&pods(ctx, "om")?);
    let scm = uids(&pods(ctx, "scm")?);

    let s = spec(&DISKS);
    let diff = ctx.ozone(&args(&["diff"], &s, &[]))?;
    ensure!(diff.code == 1, "diff exits {}: {}", diff.code, diff.stderr);
    ensure!(
        diff.stdout
            .contains("datanode volumes data → data, data1, ratis: apply:"),
        "diff does not name the new volumes:\n{}",
        diff.stdout
    );

    let mut more = vec!["--yes", "--wait", "--progress", "plain"];
    more.extend(POLL);
    let out = ctx.ozone(&args(&["apply"], &s, &more))?.ok()?;
    eprintln!("{}", out.stderr);

    let sts = ctx.kubectl_json(&["get", "statefulset", "ozone-datanode"])?;
    let templates: Vec<&str> = sts["spec"]["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["metadata"]["name"].as_str())
        .collect();
    ensure!(
        templates == ["data", "data1", "ratis"],
        "claim templates {templates:?}"
    );
    // New PVCs, created by the StatefulSet controller for the re-created pods, all bound.
    ctx.wait_until(
        "the new PVCs to be bound",
        crate::support::timeout(),
        || {
            let list = ctx.kubectl_json(&["get", "pvc"])?;
            let phase: BTreeMap<String, String> = list["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| {
                    Some((
                        p["metadata"]["name"].as_str()?.to_owned(),
                        p["status"]["phase"].as_str().unwrap_or("?").to_owned(),
                    ))
                })
                .collect();
            let missing: Vec<String> = (0..3)
                .flat_map(|i| ["data1", "ratis"].map(|v| format!("{v}-ozone-datanode-{i}")))
                .filter(|n| phase.get(n).map(String::as_str) != Some("Bound"))
                .collect();
            Ok((!missing.is_empty()).then(|| format!("not bound: {missing:?} (all: {phase:?})")))
        },
    )?;
    // Every datanode pod is new and mounts the new volumes; the rings were left alone.
    let now = pods(ctx, "datanode")?;
    for (name, uid) in &datanodes {
        let pod = now.get(name).with_context(|| format!("{name} is gone"))?;
        ensure!(
            pod["metadata"]["uid"].as_str() != Some(uid),
            "{name} was not re-created"
        );
        let claims: BTreeSet<&str> = pod["spec"]["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["persistentVolumeClaim"]["claimName"].as_str())
            .collect();
        for v in ["data", "data1", "ratis"] {
            ensure!(
                claims.contains(format!("{v}-{name}").as_str()),
                "{name} does not mount {v}: {claims:?}"
            );
        }
    }
    // One at a time: each pod was created after the one before it was ready, so no two share
    // a creation second (the fake kubelet makes a pod Ready a second after it starts).
    let created: BTreeSet<&str> = now
        .values()
        .filter_map(|p| p["metadata"]["creationTimestamp"].as_str())
        .collect();
    ensure!(
        created.len() == 3,
        "datanode pods created together: {created:?}"
    );
    ensure!(uids(&pods(ctx, "om")?) == om, "OM pods were restarted");
    ensure!(uids(&pods(ctx, "scm")?) == scm, "SCM pods were restarted");
    let again = ctx.ozone(&args(&["diff"], &s, &[]))?;
    ensure!(
        again.code == 0,
        "diff after apply exits {}:\n{}",
        again.code,
        again.stdout
    );
    passed()
}

/// Labels and taints harness nodes for the test and takes both off again when dropped, also
/// when the test fails.
struct Dedicated<'a> {
    ctx: &'a Ctx,
    key: String,
    nodes: Vec<String>,
}

impl Drop for Dedicated<'_> {
    fn drop(&mut self) {
        for n in &self.nodes {
            let _ = self.ctx.kubectl_global(
                &[
                    "taint",
                    "node",
                    n,
                    &format!("{}=ozone:NoSchedule-", self.key),
                ],
                None,
            );
            let _ = self
                .ctx
                .kubectl_global(&["label", "node", n, &format!("{}-", self.key)], None);
        }
    }
}

/// Datanodes on one node per zone, labelled and tainted for them; OM over three zones.
fn placement(ctx: &Ctx) -> Outcome {
    let nodes = ctx.kubectl_json(&["get", "nodes"])?;
    let mut by_zone: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in nodes["items"].as_array().into_iter().flatten() {
        let (Some(name), Some(zone)) = (
            n["metadata"]["name"].as_str(),
            n["metadata"]["labels"]["topology.kubernetes.io/zone"].as_str(),
        ) else {
            continue;
        };
        by_zone
            .entry(zone.to_owned())
            .or_default()
            .push(name.to_owned());
    }
    if by_zone.len() < 3 || by_zone.values().any(|v| v.len() < 2) {
        return skipped(format!(
            "needs nodes in three zones, two or more each (the harness's 9); found {by_zone:?}"
        ));
    }
    // A key of this test's own, so tests running beside it are never steered by it.
    let key = format!("{}/storage", crate::support::slug(&ctx.ns, 50));
    let chosen: Vec<String> = by_zone.values().map(|v| v[0].clone()).collect();
    let guard = Dedicated {
        ctx,
        key: key.clone(),
        nodes: Vec::new(),
    };
    let mut guard = guard;
    for n in &chosen {
        guard.nodes.push(n.clone());
        ctx.kubectl_global(&["label", "node", n, &format!("{key}=ozone")], None)?
            .ok()?;
        ctx.kubectl_global(
            &["taint", "node", n, &format!("{key}=ozone:NoSchedule")],
            None,
        )?
        .ok()?;
    }
    let selector = format!(
        "datanodes.placement.nodeSelector.{}=ozone",
        key.replace('.', "\\.")
    );
    let tol_key = format!("datanodes.placement.tolerations[0].key={key}");
    let s = spec(&[
        &selector,
        &tol_key,
        "datanodes.placement.tolerations[0].value=ozone",
        "datanodes.placement.tolerations[0].effect=NoSchedule",
        "om.replicas=3",
        "om.placement.topologySpread=zone",
    ]);
    ctx.render_apply(&s.iter().map(String::as_str).collect::<Vec<_>>(), None)?;
    ctx.wait_cluster_ready("ozone")?;

    let datanodes = pods(ctx, "datanode")?;
    ensure!(datanodes.len() == 3, "datanodes: {:?}", datanodes.keys());
    for (name, p) in &datanodes {
        let node = p["spec"]["nodeName"].as_str().unwrap_or_default();
        ensure!(
            chosen.iter().any(|c| c == node),
            "{name} runs on {node}, not on a node labelled {key} ({chosen:?})"
        );
    }
    let zone_of: BTreeMap<&str, &str> = by_zone
        .iter()
        .flat_map(|(z, ns)| ns.iter().map(move |n| (n.as_str(), z.as_str())))
        .collect();
    let om = pods(ctx, "om")?;
    let zones: BTreeSet<&str> = om
        .values()
        .filter_map(|p| zone_of.get(p["spec"]["nodeName"].as_str()?).copied())
        .collect();
    ensure!(
        om.len() == 3 && zones.len() == 3,
        "OM pods over zones {zones:?}: {:?}",
        om.values()
            .map(|p| p["spec"]["nodeName"].clone())
            .collect::<Vec<_>>()
    );
    drop(guard);
    passed()
}
