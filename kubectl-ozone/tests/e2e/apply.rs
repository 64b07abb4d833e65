//! `diff` and `apply` on a running cluster, as a user runs them after installing with
//! `render | kubectl apply --server-side` (field manager `kubectl`, or `kubectl-ozone`): what
//! `diff` prints and its exit code, then the cluster after `apply` — StatefulSets, pods on
//! their update revision, PVCs, what Ozone lists — and `diff` finding nothing left. Also the
//! refusal of fields a GitOps controller owns, and `apply` killed with SIGKILL and run again.

use crate::support::{Ctx, Outcome, passed, skipped, small_spec as spec, trial, with_spec as with};
use anyhow::{Context, Result, ensure};
use libtest_mimic::Trial;
use serde_json::{Value, json};

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial("apply_config_after_kubectl_server_side", config_kubectl),
        trial(
            "apply_config_after_field_manager_kubectl_ozone",
            config_ours,
        ),
        trial("apply_datanodes_up_then_down", datanodes_up_down),
        trial("apply_storage_growth", storage_growth),
        trial("apply_om_ring_3_5_3", om_ring),
        trial("apply_datanodes_down_resumes_after_sigkill", resumption),
    ]
}

/// How often the plugin polls while waiting: the default 10 s would only slow the suite.
const POLL: [&str; 2] = ["--poll-interval", "250ms"];

/// The handler count of OM, a configuration change that restarts OM alone.
const OM_HANDLERS: &str = "config.ozone-site\\.xml.ozone\\.om\\.handler\\.count=40";
const OM_HANDLERS_KEY: &str = "OZONE-SITE.XML_ozone.om.handler.count";

/// Installs the small profile with `sets` through `render | kubectl apply --server-side`
/// (`manager`: `--field-manager`, default kubectl's) and waits until it is ready.
fn install(ctx: &Ctx, sets: &[&str], manager: Option<&str>) -> Result<()> {
    let s = spec(sets);
    let args: Vec<&str> = s.iter().map(String::as_str).collect();
    ctx.render_apply(&args, manager)?;
    ctx.wait_cluster_ready("ozone")
}

/// `kubectl ozone diff` of the spec: exit code and standard output.
fn diff(ctx: &Ctx, sets: &[&str]) -> Result<(i32, String)> {
    let s = spec(sets);
    let out = ctx.ozone(&with(&["diff"], &s, &[]))?;
    ensure!(
        out.code == 0 || out.code == 1,
        "diff failed ({}): {}",
        out.code,
        out.stderr
    );
    Ok((out.code, out.stdout))
}

/// `diff` finds the cluster as the spec renders it.
fn in_sync(ctx: &Ctx, sets: &[&str], after: &str) -> Result<()> {
    let (code, out) = diff(ctx, sets)?;
    ensure!(
        code == 0 && out.contains("No differences"),
        "after {after}, diff exits {code}:\n{out}"
    );
    Ok(())
}

/// `kubectl ozone apply --yes --wait` of the spec; its output.
fn apply(ctx: &Ctx, sets: &[&str]) -> Result<crate::support::Output> {
    let s = spec(sets);
    let mut more = vec!["--yes", "--wait", "--progress", "plain"];
    more.extend(POLL);
    ctx.ozone(&with(&["apply"], &s, &more))
}

/// The `+`/`-` lines of a unified diff, headers left out.
fn changed_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect()
}

/// Name and uid of every pod of the cluster but the OM's, sorted.
fn pods_other_than_om(ctx: &Ctx) -> Result<Vec<(String, String)>> {
    let pods = ctx.kubectl_json(&[
        "get",
        "pods",
        "-l",
        "app.kubernetes.io/instance=ozone,app.kubernetes.io/component!=om",
    ])?;
    let mut out: Vec<(String, String)> = pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let field = |k: &str| p["metadata"][k].as_str().unwrap_or_default().to_owned();
            (field("name"), field("uid"))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Every pod of every StatefulSet of the cluster runs its StatefulSet's update revision.
fn pods_on_update_revision(ctx: &Ctx) -> Result<Option<String>> {
    let list = ctx.kubectl_json(&[
        "get",
        "statefulsets",
        "-l",
        "app.kubernetes.io/instance=ozone",
    ])?;
    let pods = ctx.kubectl_json(&["get", "pods", "-l", "app.kubernetes.io/instance=ozone"])?;
    let mut behind = Vec::new();
    for sts in list["items"].as_array().into_iter().flatten() {
        let name = sts["metadata"]["name"].as_str().unwrap_or_default();
        let update = sts["status"]["updateRevision"].as_str().unwrap_or_default();
        for p in pods["items"].as_array().into_iter().flatten() {
            let pod = p["metadata"]["name"].as_str().unwrap_or_default();
            let ordinal = pod.strip_prefix(name).and_then(|r| r.strip_prefix('-'));
            if ordinal.is_some_and(|o| o.parse::<u32>().is_ok())
                && p["metadata"]["labels"]["controller-revision-hash"] != update
            {
                behind.push(pod.to_owned());
            }
        }
    }
    Ok((!behind.is_empty()).then(|| format!("pods not on their update revision: {behind:?}")))
}

/// The configuration change on a cluster installed by `manager`: `diff` shows it alone, `apply`
/// takes over what kubectl set, restarts the pods onto it, and a field a GitOps controller
/// owns is refused naming it.
fn config_change(ctx: &Ctx, manager: Option<&str>) -> Outcome {
    install(ctx, &[], manager)?;
    in_sync(ctx, &[], "install")?;

    let (code, out) = diff(ctx, &[OM_HANDLERS])?;
    ensure!(
        code == 1,
        "diff of a configuration change exits {code}:\n{out}"
    );
    ensure!(!out.contains("Conflict"), "diff reports a conflict:\n{out}");
    let lines = changed_lines(&out);
    for l in &lines {
        let twin = format!("{}{}", if l.starts_with('+') { '-' } else { '+' }, &l[1..]);
        ensure!(
            !lines.contains(&twin.as_str()),
            "{l:?} is only moved (key order), not changed:\n{out}"
        );
    }
    ensure!(
        lines
            .iter()
            .all(|l| l.contains("handler.count") || l.contains("config-hash")),
        "diff shows more than the handler count and the configuration hashes:\n{out}"
    );
    eprintln!(
        "diff of the handler count after {}: {} lines, {} changed",
        manager.unwrap_or("kubectl"),
        out.lines().count(),
        lines.len()
    );

    let others_before = pods_other_than_om(ctx)?;
    let out = apply(ctx, &[OM_HANDLERS])?.ok()?;
    if manager.is_none() {
        ensure!(
            out.stderr.contains("taking over") && out.stderr.contains("field manager kubectl"),
            "apply does not say it takes over kubectl's fields:\n{}",
            out.stderr
        );
    }
    // An OM server key is read by OM alone: only the OM pod restarts (each component's pods
    // carry the hash of the configuration it reads), the other components keep their pods.
    let restarted: Vec<&str> = out
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("restarted "))
        .collect();
    ensure!(
        restarted == ["ozone-om-0"],
        "apply restarted {restarted:?}, not the OM pod alone:\n{}",
        out.stderr
    );
    ensure!(
        pods_other_than_om(ctx)? == others_before,
        "pods other than OM were replaced by an OM-only configuration change"
    );
    let cm = ctx.kubectl_json(&["get", "configmap", "ozone-config"])?;
    ensure!(
        cm["data"][OM_HANDLERS_KEY] == "40",
        "the ConfigMap holds {} for {OM_HANDLERS_KEY}",
        cm["data"][OM_HANDLERS_KEY]
    );
    ctx.wait_until(
        "pods on their update revision",
        crate::support::timeout(),
        || pods_on_update_revision(ctx),
    )?;
    ctx.wait_cluster_ready("ozone")?;
    in_sync(ctx, &[OM_HANDLERS], "apply")?;

    // A GitOps controller now owns the key: a change to it is refused, naming it.
    let gitops = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "ozone-config", "namespace": ctx.ns},
        "data": {OM_HANDLERS_KEY: "40"}});
    ctx.kubectl_global(
        &[
            "apply",
            "--server-side",
            "--field-manager=argocd-controller",
            "-f",
            "-",
        ],
        Some(gitops.to_string().as_bytes()),
    )?
    .ok()?;
    let fifty = "config.ozone-site\\.xml.ozone\\.om\\.handler\\.count=50";
    let refused = apply(ctx, &[fifty])?.expect_code(1)?;
    for expected in [
        "refused, nothing was changed",
        "ConfigMap ozone-config: fields owned by field manager argocd-controller",
        ".data.OZONE-SITE.XML_ozone.om.handler.count",
        "--force-conflicts",
    ] {
        ensure!(
            refused.stderr.contains(expected),
            "the refusal does not say {expected:?}:\n{}",
            refused.stderr
        );
    }
    let cm = ctx.kubectl_json(&["get", "configmap", "ozone-config"])?;
    ensure!(
        cm["data"][OM_HANDLERS_KEY] == "40",
        "a refused apply changed the ConfigMap"
    );
    passed()
}

fn config_kubectl(ctx: &Ctx) -> Outcome {
    config_change(ctx, None)
}

fn config_ours(ctx: &Ctx) -> Outcome {
    config_change(ctx, Some("kubectl-ozone"))
}

/// `datanode list -o json`: pod → operational state.
fn op_states(ctx: &Ctx) -> Result<Vec<(String, String)>> {
    let list = ctx
        .ozone(&["datanode", "list", "-o", "json"])?
        .ok()?
        .json()?;
    Ok(list
        .as_array()
        .context("datanode list -o json is no array")?
        .iter()
        .map(|d| {
            let host = d["hostName"].as_str().unwrap_or_default();
            let pod = d["pod"]
                .as_str()
                .unwrap_or_else(|| host.split('.').next().unwrap_or_default());
            (
                pod.to_owned(),
                d["opState"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

fn state(rows: &[(String, String)], pod: &str) -> Option<String> {
    rows.iter().find(|(p, _)| p == pod).map(|(_, s)| s.clone())
}

fn replicas(ctx: &Ctx, sts: &str) -> Result<i64> {
    Ok(
        ctx.kubectl_json(&["get", "statefulset", sts])?["spec"]["replicas"]
            .as_i64()
            .unwrap_or(-1),
    )
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_owned))
        .collect()
}

/// After a scale to `n` datanodes: the StatefulSet asks for `n`, pods `0..n` run, the ones
/// above are gone (their PVCs kept) and decommissioned in Ozone, the others in service.
fn datanodes_are(ctx: &Ctx, n: usize, gone: &[usize]) -> Result<()> {
    ensure!(
        replicas(ctx, "ozone-datanode")? == n as i64,
        "the datanode StatefulSet asks for {} replicas, not {n}",
        replicas(ctx, "ozone-datanode")?
    );
    ctx.wait_cluster_ready("ozone")?;
    let expected: Vec<String> = (0..n).map(|i| format!("ozone-datanode-{i}")).collect();
    ctx.wait_until(
        &format!("datanode pods {expected:?} alone"),
        crate::support::timeout(),
        || {
            let mut pods = names(&ctx.kubectl_json(&[
                "get",
                "pods",
                "-l",
                "app.kubernetes.io/component=datanode",
            ])?);
            pods.sort_by_key(|p| p.rsplit('-').next().and_then(|o| o.parse::<usize>().ok()));
            Ok((pods != expected).then(|| format!("pods: {pods:?}")))
        },
    )?;
    let pods = expected;
    let pvcs = names(&ctx.kubectl_json(&["get", "pvc"])?);
    let rows = op_states(ctx)?;
    for i in 0..n {
        let pod = format!("ozone-datanode-{i}");
        ensure!(pods.contains(&pod), "{pod} does not run: {pods:?}");
        ensure!(
            state(&rows, &pod).as_deref() == Some("IN_SERVICE"),
            "{pod} is not in service: {rows:?}"
        );
    }
    for i in gone {
        let pod = format!("ozone-datanode-{i}");
        ensure!(!pods.contains(&pod), "{pod} still runs: {pods:?}");
        ensure!(
            state(&rows, &pod).as_deref() == Some("DECOMMISSIONED"),
            "{pod} left without being decommissioned: {rows:?}"
        );
        ensure!(
            pvcs.contains(&format!("data-{pod}")),
            "the PVC of {pod} was deleted: {pvcs:?}"
        );
    }
    Ok(())
}

fn datanodes_up_down(ctx: &Ctx) -> Outcome {
    install(ctx, &[], None)?;
    let four = ["datanodes.replicas=4"];
    let (code, out) = diff(ctx, &four)?;
    ensure!(
        code == 1 && out.contains("datanodes 3 → 4: apply"),
        "diff of datanodes 3 → 4 exits {code}:\n{out}"
    );
    apply(ctx, &four)?.ok()?;
    datanodes_are(ctx, 4, &[])?;
    in_sync(ctx, &four, "datanodes 3 → 4")?;

    let three = ["datanodes.replicas=3"];
    let (code, out) = diff(ctx, &three)?;
    ensure!(
        code == 1 && out.contains("datanodes 4 → 3: apply: decommission"),
        "diff of datanodes 4 → 3 exits {code} (a pending transition is a difference):\n{out}"
    );
    apply(ctx, &three)?.ok()?;
    datanodes_are(ctx, 3, &[3])?;
    in_sync(ctx, &three, "datanodes 4 → 3")?;
    passed()
}

/// `apply` of datanodes 6 → 5 → 4 → 3, each killed with SIGKILL at another point (just after
/// the decommission command, while waiting for it, once decommissioned but before the scale),
/// then run again: each time the cluster ends as the spec says.
fn resumption(ctx: &Ctx) -> Outcome {
    install(ctx, &["datanodes.replicas=6"], None)?;
    let points = [
        (5, "Started decommissioning"),
        (4, "0/1 DECOMMISSIONED"),
        (3, "now DECOMMISSIONED"),
    ];
    for (to, marker) in points {
        let set = format!("datanodes.replicas={to}");
        let s = spec(&[&set]);
        let mut more = vec!["--yes", "--progress", "plain"];
        more.extend(POLL);
        let mut running = ctx.spawn_ozone(&with(&["apply"], &s, &more))?;
        running.kill_when(marker)?;
        let out = apply(ctx, &[&set])?;
        ensure!(
            out.code == 0,
            "apply run again after SIGKILL at {marker:?} exits {}:\n{}",
            out.code,
            out.stderr
        );
        let gone: Vec<usize> = (to..6).collect();
        datanodes_are(ctx, to, &gone)?;
        in_sync(
            ctx,
            &[&set],
            &format!("SIGKILL at {marker:?} and a second run"),
        )?;
    }
    passed()
}

/// Storage growth: the harness has no StorageClass, so the test makes one that allows
/// expansion (provisioned by the harness's fake provisioner) and removes it after.
fn storage_growth(ctx: &Ctx) -> Outcome {
    let class = format!("{}-expand", ctx.ns);
    let sc = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": class},
        "provisioner": "sim.kubectl-ozone.test/fake-provisioner",
        "allowVolumeExpansion": true, "volumeBindingMode": "Immediate"});
    ctx.kubectl_global(&["apply", "-f", "-"], Some(sc.to_string().as_bytes()))?
        .ok()?;
    let result = grow(ctx, &class);
    let _ = ctx.kubectl_global(&["delete", "storageclass", &class, "--wait=false"], None);
    result
}

fn grow(ctx: &Ctx, class: &str) -> Outcome {
    let class_set = format!("datanodes.storage.storageClass={class}");
    install(ctx, &[&class_set], None)?;
    ctx.wait_until(
        "the datanode PVCs to be bound",
        crate::support::timeout(),
        || {
            let pvcs =
                ctx.kubectl_json(&["get", "pvc", "-l", "app.kubernetes.io/component=datanode"])?;
            let pending: Vec<String> = pvcs["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["status"]["phase"] != "Bound")
                .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_owned))
                .collect();
            Ok((!pending.is_empty()).then(|| format!("not bound: {pending:?}")))
        },
    )?;
    let uids = |ctx: &Ctx| -> Result<Vec<String>> {
        let pods =
            ctx.kubectl_json(&["get", "pods", "-l", "app.kubernetes.io/component=datanode"])?;
        let mut out: Vec<String> = pods["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p["metadata"]["uid"].as_str().unwrap_or_default().to_owned())
            .collect();
        out.sort();
        Ok(out)
    };
    let before = uids(ctx)?;
    let bigger = [class_set.as_str(), "datanodes.storage.size=40Gi"];
    let (code, out) = diff(ctx, &bigger)?;
    ensure!(
        code == 1 && out.contains("datanode storage") && out.contains("→ 40Gi: apply"),
        "diff of datanode storage growth exits {code}:\n{out}"
    );
    apply(ctx, &bigger)?.ok()?;
    let sts = ctx.kubectl_json(&["get", "statefulset", "ozone-datanode"])?;
    ensure!(
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
            == "40Gi",
        "the StatefulSet's claim template asks for {}",
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
    );
    let pvcs = ctx.kubectl_json(&["get", "pvc", "-l", "app.kubernetes.io/component=datanode"])?;
    let items = pvcs["items"].as_array().cloned().unwrap_or_default();
    ensure!(items.len() == 3, "{} datanode PVCs", items.len());
    for p in &items {
        ensure!(
            p["spec"]["resources"]["requests"]["storage"] == "40Gi",
            "PVC {} asks for {}",
            p["metadata"]["name"],
            p["spec"]["resources"]["requests"]["storage"]
        );
    }
    ensure!(
        uids(ctx)? == before,
        "the datanode pods were replaced; storage growth must keep them running"
    );
    in_sync(ctx, &bigger, "storage growth")?;
    let capacities: Vec<String> = items
        .iter()
        .map(|p| {
            p["status"]["capacity"]["storage"]
                .as_str()
                .unwrap_or("?")
                .to_owned()
        })
        .collect();
    if capacities.iter().any(|c| c != "40Gi") {
        return skipped(format!(
            "storage growth applied (PVCs ask for 40Gi, StatefulSet re-created, pods kept), but the PVCs' capacity stays {capacities:?}: the harness has no volume resizer, so the expansion itself cannot complete"
        ));
    }
    passed()
}

/// The OM ring members `ozone admin om roles` lists (through `status -o json`).
fn om_members(ctx: &Ctx) -> Result<usize> {
    let status = ctx.ozone(&["status", "-o", "json"])?.ok()?.json()?;
    status["ozone"]["om"]
        .as_array()
        .map(Vec::len)
        .with_context(|| format!("status -o json lists no OM roles: {}", status["ozone"]))
}

fn om_ring(ctx: &Ctx) -> Outcome {
    let three = ["om.replicas=3"];
    install(ctx, &three, None)?;
    let five = ["om.replicas=5"];
    let (code, out) = diff(ctx, &five)?;
    ensure!(
        code == 1 && out.contains("om ring 3 → 5: apply"),
        "diff of OM ring 3 → 5 exits {code}:\n{out}"
    );
    apply(ctx, &five)?.ok()?;
    ctx.wait_cluster_ready("ozone")?;
    ensure!(
        replicas(ctx, "ozone-om")? == 5,
        "the OM StatefulSet is not at 5"
    );
    ensure!(
        om_members(ctx)? == 5,
        "Ozone lists {} OMs, not 5",
        om_members(ctx)?
    );
    in_sync(ctx, &five, "OM ring 3 → 5")?;

    let (code, out) = diff(ctx, &three)?;
    ensure!(
        code == 1 && out.contains("om ring 5 → 3: apply"),
        "diff of OM ring 5 → 3 exits {code}:\n{out}"
    );
    apply(ctx, &three)?.ok()?;
    ctx.wait_cluster_ready("ozone")?;
    ensure!(
        replicas(ctx, "ozone-om")? == 3,
        "the OM StatefulSet is not at 3"
    );
    ensure!(
        om_members(ctx)? == 3,
        "Ozone lists {} OMs, not 3",
        om_members(ctx)?
    );
    in_sync(ctx, &three, "OM ring 5 → 3")?;
    passed()
}
