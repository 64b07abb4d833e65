//! `datanode decommission | maintenance | scale-down` on a running cluster, checked through what
//! Ozone reports after (`datanode list`) and what Kubernetes holds (StatefulSet, pods, PVCs).

use crate::support::{Ctx, Outcome, passed, trial};
use anyhow::{Context, Result, ensure};
use libtest_mimic::Trial;
use serde_json::Value;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial("datanode_decommission_waits_for_ozone", decommission),
        trial("datanode_maintenance_waits_for_ozone", maintenance),
        trial("datanode_scale_down_removes_the_highest", scale_down),
    ]
}

/// How often the plugin polls Ozone while waiting: the default 10 s would only slow the suite.
const POLL: [&str; 2] = ["--poll-interval", "250ms"];

/// A small cluster with `datanodes` datanodes, ready.
fn install(ctx: &Ctx, datanodes: u32) -> Result<()> {
    let replicas = format!("datanodes.replicas={datanodes}");
    ctx.render_apply(&["--profile", "small", "--set", &replicas], None)?;
    ctx.wait_cluster_ready("ozone")
}

/// `datanode list -o json`, by pod name: (operational state, health).
fn states(ctx: &Ctx) -> Result<Vec<(String, String, String)>> {
    let list = ctx
        .ozone(&["datanode", "list", "-o", "json"])?
        .ok()?
        .json()?;
    let rows = list
        .as_array()
        .context("datanode list -o json is no array")?
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
            let host = s("hostName");
            let pod = d["pod"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| host.split('.').next().unwrap_or_default().to_owned());
            (pod, s("opState"), s("health"))
        })
        .collect();
    Ok(rows)
}

fn state_of(rows: &[(String, String, String)], pod: &str) -> Option<(String, String)> {
    rows.iter()
        .find(|(p, _, _)| p == pod)
        .map(|(_, op, h)| (op.clone(), h.clone()))
}

fn replicas(ctx: &Ctx) -> Result<(i64, i64)> {
    let sts = ctx.kubectl_json(&["get", "statefulset", "ozone-datanode"])?;
    Ok((
        sts["spec"]["replicas"].as_i64().unwrap_or(-1),
        sts["status"]["readyReplicas"].as_i64().unwrap_or(0),
    ))
}

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

fn decommission(ctx: &Ctx) -> Outcome {
    install(ctx, 4)?;
    let mut args = vec![
        "datanode",
        "decommission",
        "ozone-datanode-3",
        "--yes",
        "--wait",
        "--progress",
        "plain",
    ];
    args.extend(POLL);
    let out = ctx.ozone(&args)?.ok()?;
    ensure!(
        out.stderr.contains("DECOMMISSIONED"),
        "decommission --wait does not say the datanode is decommissioned:\n{}",
        out.stderr
    );
    let rows = states(ctx)?;
    ensure!(
        state_of(&rows, "ozone-datanode-3") == Some(("DECOMMISSIONED".into(), "HEALTHY".into())),
        "after decommission, Ozone lists: {rows:?}"
    );
    for pod in ["ozone-datanode-0", "ozone-datanode-1", "ozone-datanode-2"] {
        ensure!(
            state_of(&rows, pod) == Some(("IN_SERVICE".into(), "HEALTHY".into())),
            "{pod} left service: {rows:?}"
        );
    }
    // Decommission is Ozone's business: Kubernetes keeps the pod and its volume.
    ensure!(
        replicas(ctx)? == (4, 4),
        "the StatefulSet changed: {:?}",
        replicas(ctx)?
    );
    ensure!(
        names(&ctx.kubectl_json(&["get", "pvc"])?).contains(&"data-ozone-datanode-3".to_owned()),
        "the decommissioned datanode's PVC is gone"
    );
    passed()
}

fn maintenance(ctx: &Ctx) -> Outcome {
    // Four: with three, the plugin refuses (two would stay for THREE replicas).
    install(ctx, 4)?;
    let mut args = vec![
        "datanode",
        "maintenance",
        "ozone-datanode-1",
        "--end",
        "4",
        "--yes",
        "--wait",
        "--progress",
        "plain",
    ];
    args.extend(POLL);
    ctx.ozone(&args)?.ok()?;
    let rows = states(ctx)?;
    ensure!(
        state_of(&rows, "ozone-datanode-1").map(|s| s.0) == Some("IN_MAINTENANCE".into()),
        "after maintenance --wait, Ozone lists: {rows:?}"
    );
    // Back to service.
    let mut args = vec![
        "datanode",
        "recommission",
        "ozone-datanode-1",
        "--yes",
        "--wait",
        "--progress",
        "plain",
    ];
    args.extend(POLL);
    ctx.ozone(&args)?.ok()?;
    let rows = states(ctx)?;
    ensure!(
        state_of(&rows, "ozone-datanode-1").map(|s| s.0) == Some("IN_SERVICE".into()),
        "after recommission --wait, Ozone lists: {rows:?}"
    );
    ensure!(
        replicas(ctx)? == (4, 4),
        "the StatefulSet changed: {:?}",
        replicas(ctx)?
    );
    passed()
}

fn scale_down(ctx: &Ctx) -> Outcome {
    install(ctx, 5)?;
    let mut args = vec![
        "datanode",
        "scale-down",
        "--replicas",
        "4",
        "--yes",
        "--progress",
        "plain",
    ];
    args.extend(POLL);
    ctx.ozone(&args)?.ok()?;
    ctx.wait_until(
        "ozone-datanode-4 to be gone",
        crate::support::timeout(),
        || {
            let pods = names(&ctx.kubectl_json(&[
                "get",
                "pods",
                "-l",
                "app.kubernetes.io/component=datanode",
            ])?);
            Ok(pods
                .contains(&"ozone-datanode-4".to_owned())
                .then(|| format!("pods: {pods:?}")))
        },
    )?;
    ensure!(
        replicas(ctx)?.0 == 4,
        "the StatefulSet asks for {:?} replicas, not 4",
        replicas(ctx)?
    );
    let rows = states(ctx)?;
    ensure!(
        state_of(&rows, "ozone-datanode-4").is_none_or(|(op, _)| op == "DECOMMISSIONED"),
        "the removed datanode was not decommissioned first: {rows:?}"
    );
    for pod in [
        "ozone-datanode-0",
        "ozone-datanode-1",
        "ozone-datanode-2",
        "ozone-datanode-3",
    ] {
        ensure!(
            state_of(&rows, pod) == Some(("IN_SERVICE".into(), "HEALTHY".into())),
            "{pod} is not in service: {rows:?}"
        );
    }
    // Without --delete-pvcs the data stays.
    ensure!(
        names(&ctx.kubectl_json(&["get", "pvc"])?).contains(&"data-ozone-datanode-4".to_owned()),
        "scale-down without --delete-pvcs deleted data-ozone-datanode-4"
    );
    passed()
}
