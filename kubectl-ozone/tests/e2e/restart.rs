//! `restart` and `restart --all` on a real StatefulSet controller: a GitOps apply of a new
//! render (`kubectl apply`) changes the templates but, with `updateStrategy: OnDelete`, restarts
//! nothing; `doctor` names the pods left behind and says to run `kubectl ozone restart`, which
//! brings them onto the current revision. Also the checks the other day-2 areas end with:
//! nothing left on an older template.

use crate::support::{Ctx, Outcome, passed, trial};
use anyhow::{Context, Result, ensure};
use libtest_mimic::Trial;
use serde_json::Value;
use std::collections::BTreeMap;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![trial(
        "restart_finishes_a_gitops_apply_then_restart_all",
        restart_finishes_a_gitops_apply_then_restart_all,
    )]
}

/// How often the plugin polls while waiting: the default would only slow the suite.
pub const POLL: [&str; 2] = ["--poll-interval", "250ms"];

/// Every pod of cluster `ozone` made by a StatefulSet: (pod, its revision, its StatefulSet's
/// `status.updateRevision`).
pub fn revisions(ctx: &Ctx) -> Result<Vec<(String, String, String)>> {
    let sts = ctx.kubectl_json(&[
        "get",
        "statefulsets",
        "-l",
        "app.kubernetes.io/instance=ozone",
    ])?;
    let mut update = BTreeMap::new();
    for s in sts["items"].as_array().into_iter().flatten() {
        let name = s["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let rev = s["status"]["updateRevision"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        update.insert(name, rev);
    }
    let pods = ctx.kubectl_json(&["get", "pods", "-l", "app.kubernetes.io/instance=ozone"])?;
    let mut out = Vec::new();
    for p in pods["items"].as_array().into_iter().flatten() {
        let name = p["metadata"]["name"].as_str().unwrap_or_default();
        let owner = p["metadata"]["ownerReferences"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["kind"] == "StatefulSet")
            .and_then(|o| o["name"].as_str());
        let Some(owner) = owner else { continue };
        let rev = p["metadata"]["labels"]["controller-revision-hash"]
            .as_str()
            .unwrap_or_default();
        out.push((
            name.to_owned(),
            rev.to_owned(),
            update.get(owner).cloned().unwrap_or_default(),
        ));
    }
    out.sort();
    Ok(out)
}

/// The pods on an older revision than their StatefulSet's.
pub fn stale(ctx: &Ctx) -> Result<Vec<String>> {
    Ok(revisions(ctx)?
        .into_iter()
        .filter(|(_, rev, update)| rev != update)
        .map(|(pod, _, _)| pod)
        .collect())
}

/// `doctor -o json` findings of `check` that are not `ok`.
pub fn doctor_findings(ctx: &Ctx, check: &str) -> Result<Vec<Value>> {
    let out = ctx
        .ozone(&["doctor", "-o", "json", "--fail-on", "none"])?
        .ok()?;
    let report = out.json()?;
    Ok(report["findings"]
        .as_array()
        .context("doctor -o json has no findings")?
        .iter()
        .filter(|f| f["check"] == check && f["verdict"] != "ok")
        .cloned()
        .collect())
}

/// What every day-2 flow must end with: no pod on an older template, by the pods' labels and
/// by what `doctor` reports.
pub fn assert_nothing_on_an_older_template(ctx: &Ctx, after: &str) -> Result<()> {
    let stale = stale(ctx)?;
    ensure!(
        stale.is_empty(),
        "after {after}: pods on an older revision than their StatefulSet's: {stale:?}"
    );
    let findings = doctor_findings(ctx, "rollout")?;
    ensure!(
        findings.is_empty(),
        "after {after}: doctor reports pods on an older template: {findings:#?}"
    );
    Ok(())
}

/// Pod name → uid of cluster `ozone`'s pods.
pub fn uids(ctx: &Ctx) -> Result<BTreeMap<String, String>> {
    let pods = ctx.kubectl_json(&["get", "pods", "-l", "app.kubernetes.io/instance=ozone"])?;
    Ok(pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                p["metadata"]["uid"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

fn restart_finishes_a_gitops_apply_then_restart_all(ctx: &Ctx) -> Outcome {
    ctx.render_apply(&["--profile", "small"], None)?;
    ctx.wait_cluster_ready("ozone")?;
    assert_nothing_on_an_older_template(ctx, "the install")?;
    // A GitOps change: a new render applied with kubectl, which under OnDelete restarts no pod.
    let before = uids(ctx)?;
    ctx.render_apply(
        &[
            "--profile",
            "small",
            "--set",
            "om.resources.requests.cpu=400m",
            "--set",
            "datanodes.resources.requests.cpu=400m",
        ],
        None,
    )?;
    ctx.wait_until(
        "the StatefulSet controller to see the new templates",
        crate::support::timeout(),
        || {
            let s = stale(ctx)?;
            Ok((s.len() < 4).then(|| format!("stale: {s:?}")))
        },
    )?;
    let left = stale(ctx)?;
    ensure!(
        left == [
            "ozone-datanode-0",
            "ozone-datanode-1",
            "ozone-datanode-2",
            "ozone-om-0"
        ],
        "after a GitOps apply the OM and datanode pods stay on their old revision: {left:?}"
    );
    // doctor names them and says what to do: the plugin's restart, not a rollout that
    // OnDelete StatefulSets never do.
    let findings = doctor_findings(ctx, "rollout")?;
    let fixes: Vec<&str> = findings.iter().filter_map(|f| f["fix"].as_str()).collect();
    ensure!(
        fixes.len() == 2
            && fixes
                .iter()
                .any(|f| f.starts_with("kubectl ozone restart om "))
            && fixes
                .iter()
                .any(|f| f.starts_with("kubectl ozone restart datanode "))
            && fixes
                .iter()
                .all(|f| f.contains("OnDelete") && !f.contains("rollout status")),
        "doctor's fixes: {findings:#?}"
    );
    let out = ctx.ozone(&["restart", "--yes", POLL[0], POLL[1]])?.ok()?;
    ctx.wait_cluster_ready("ozone")?;
    assert_nothing_on_an_older_template(ctx, "restart")?;
    let after = uids(ctx)?;
    for (pod, uid) in &before {
        let restarted = after.get(pod) != Some(uid);
        let expected = left.contains(pod);
        ensure!(
            restarted == expected || pod.starts_with("ozone-s3g"),
            "{pod}: restarted {restarted}, expected {expected}\n{}",
            out.stderr
        );
    }
    // Again: nothing is out of date, nothing restarts.
    ctx.ozone(&["restart", "--yes", POLL[0], POLL[1]])?.ok()?;
    ensure!(uids(ctx)? == after, "a second restart restarted pods");
    // --all: every pod, one at a time; the record of the run is gone at the end.
    ctx.ozone(&["restart", "--all", "--yes", POLL[0], POLL[1]])?
        .ok()?;
    ctx.wait_cluster_ready("ozone")?;
    let all = uids(ctx)?;
    for (pod, uid) in &after {
        ensure!(
            all.get(pod).is_none_or(|u| u != uid),
            "restart --all left {pod} as it was"
        );
    }
    let sts = ctx.kubectl_json(&[
        "get",
        "statefulsets,deployments",
        "-l",
        "app.kubernetes.io/instance=ozone",
    ])?;
    for w in sts["items"].as_array().into_iter().flatten() {
        ensure!(
            w["metadata"]["annotations"]["ozone.apache.org/restart-all-since"].is_null(),
            "the restart --all record is left on {}",
            w["metadata"]["name"]
        );
    }
    assert_nothing_on_an_older_template(ctx, "restart --all")?;
    passed()
}
