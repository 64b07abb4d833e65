//! `kubectl ozone operator run` on the real control plane, as its ServiceAccount with exactly
//! the rights `operator manifests --watch-namespace` grants: a cluster from a resource to
//! `Available`, no write in steady state, pause, datanodes shrunk by decommission first, stop
//! and start, an upgrade with a manual finalize, a kill mid-operation, two replicas with one
//! leader, and deletion that keeps the PVCs.

use crate::support::{BIN, Ctx, Outcome, Running, passed, trial};
use anyhow::{Context, Result, bail, ensure};
use libtest_mimic::Trial;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "operator_runs_a_cluster_from_a_resource_writes_nothing_when_settled_and_deletes_it",
            lifecycle,
        ),
        trial(
            "operator_shrinks_datanodes_by_decommission_and_resumes_after_a_kill",
            shrink_with_kill,
        ),
        trial("operator_stops_and_starts_a_cluster_in_order", stop_start),
        trial(
            "operator_upgrades_and_waits_for_a_manual_finalize",
            upgrade_manual_finalize,
        ),
        trial(
            "operator_replicas_elect_one_leader_and_a_follower_takes_over",
            two_replicas,
        ),
        trial(
            "operator_grows_the_om_ring_and_restarts_on_a_template_change",
            ring_and_restart,
        ),
        trial(
            "operator_finishes_an_upgrade_after_a_kill_without_a_second_prepare",
            upgrade_with_kill,
        ),
        trial(
            "operator_issues_rotates_and_restarts_on_the_plugins_requests",
            plugin_requests,
        ),
        trial(
            "operator_runs_a_medium_cluster_beside_a_malformed_resource",
            medium_and_malformed,
        ),
    ]
}

/// The operator installed for the test's namespace: its ServiceAccount's kubeconfig.
struct Installed {
    kubeconfig: PathBuf,
    namespace: String,
}

/// Installs the CRD and the namespaced part of `operator manifests --namespace <op>
/// --watch-namespace <test>` (ServiceAccount, Roles, RoleBindings; the cluster-scoped
/// ClusterRole is shared by every test and not needed in this mode), and writes a kubeconfig
/// holding a token of the ServiceAccount.
fn install(ctx: &Ctx) -> Result<Installed> {
    let namespace = ctx.other_namespace("op")?;
    let out = Command::new(BIN)
        .args([
            "operator",
            "manifests",
            "--namespace",
            &namespace,
            "--watch-namespace",
            &ctx.ns,
            "-o",
            "json",
        ])
        .output()?;
    ensure!(out.status.success(), "operator manifests failed");
    let list: Value = serde_json::from_slice(&out.stdout)?;
    let items: Vec<Value> = list["items"]
        .as_array()
        .context("operator manifests -o json is no List")?
        .iter()
        .filter(|o| {
            !matches!(
                o["kind"].as_str(),
                Some("Namespace" | "ClusterRole" | "ClusterRoleBinding" | "Deployment")
            )
        })
        .cloned()
        .collect();
    let body = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    ctx.kubectl_global(
        &[
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=e2e-operator",
            "-f",
            "-",
        ],
        Some(body.to_string().as_bytes()),
    )?
    .ok()
    .context("the API server refused the operator's manifests")?;
    ctx.wait_until("the CRD to be served", crate::support::timeout(), || {
        let out = ctx.kubectl(&["get", "ozoneclusters"])?;
        Ok((out.code != 0).then(|| out.stderr.clone()))
    })?;
    let token = ctx
        .kubectl_global(
            &[
                "create",
                "token",
                "ozone-operator",
                "-n",
                &namespace,
                "--duration=2h",
            ],
            None,
        )?
        .ok()?
        .stdout
        .trim()
        .to_owned();
    let admin = ctx
        .kubectl_global(
            &[
                "config",
                "view",
                "--raw",
                "--minify",
                "--flatten",
                "-o",
                "json",
            ],
            None,
        )?
        .ok()?
        .json()?;
    let mut config = admin.clone();
    config["users"] = serde_json::json!([{"name": "operator", "user": {"token": token}}]);
    if let Some(contexts) = config["contexts"].as_array_mut() {
        for c in contexts {
            c["context"]["user"] = "operator".into();
        }
    }
    let kubeconfig = ctx.dir.path().join("operator.kubeconfig");
    std::fs::write(&kubeconfig, serde_json::to_vec(&config)?)?;
    Ok(Installed {
        kubeconfig,
        namespace,
    })
}

/// A free local port for the operator's metrics.
fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A running operator and its metrics port.
struct Operator {
    process: Running,
    metrics_port: u16,
}

impl Drop for Operator {
    /// The end of the operator's log, for a failing test's report.
    fn drop(&mut self) {
        if std::thread::panicking() || std::env::var_os("OZONE_E2E_OPERATOR_LOG").is_some() {
            let lines = self.process.drain();
            let tail = &lines[lines.len().saturating_sub(40)..];
            eprintln!(
                "operator log (last {} lines):\n{}",
                tail.len(),
                tail.join("\n")
            );
        }
    }
}

impl Operator {
    /// `operator run` for the test's namespace, polling fast and looking at settled clusters
    /// every 2 s (so that "no write in steady state" is seen over many passes); waits until
    /// its log says `ready` (e.g. "watching", or "waiting for Lease" for a follower).
    fn spawn(ctx: &Ctx, installed: &Installed, more: &[&str], ready: &str) -> Result<Operator> {
        let metrics_port = free_port()?;
        let port = metrics_port.to_string();
        let mut args = vec![
            "operator",
            "run",
            "--watch-namespace",
            &ctx.ns,
            "--metrics-port",
            &port,
            "--health-port",
            "0",
            "--resync-interval",
            "2s",
            "--poll-interval",
            "1s",
        ];
        args.extend_from_slice(more);
        let mut process = ctx.spawn_as(&installed.kubeconfig, &args)?;
        process.wait_for(ready)?;
        Ok(Operator {
            process,
            metrics_port,
        })
    }

    /// A replica that reconciles (it leads, or runs without leader election).
    fn start(ctx: &Ctx, installed: &Installed, more: &[&str]) -> Result<Operator> {
        Operator::spawn(ctx, installed, more, "watching")
    }

    /// The operator's counters, by metric name.
    fn metrics(&self) -> Result<BTreeMap<String, f64>> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.metrics_port))?;
        stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
        let mut text = String::new();
        stream.read_to_string(&mut text)?;
        Ok(text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (name, value) = l.rsplit_once(' ')?;
                Some((name.to_owned(), value.parse().ok()?))
            })
            .collect())
    }

    fn metric(&self, name: &str) -> Result<f64> {
        self.metrics()?
            .get(name)
            .copied()
            .with_context(|| format!("no metric {name}"))
    }
}

/// An OzoneCluster `ozone` in the test namespace: the small profile without monitoring
/// objects, plus `extra` (YAML lines under `spec`, indented by two).
fn resource(ctx: &Ctx, extra: &str) -> String {
    format!(
        "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nmetadata:\n  name: ozone\n  namespace: {}\nspec:\n  profile: small\n  monitoring: {{serviceMonitors: false}}\n{extra}",
        ctx.ns
    )
}

fn apply(ctx: &Ctx, document: &str) -> Result<()> {
    ctx.kubectl_global(
        &[
            "apply",
            "--server-side",
            "--field-manager=gitops",
            "-f",
            "-",
        ],
        Some(document.as_bytes()),
    )?
    .ok()
    .context("the API server refused the resource")?;
    Ok(())
}

fn status(ctx: &Ctx) -> Result<Value> {
    Ok(ctx.kubectl_json(&["get", "ozonecluster", "ozone"])?["status"].clone())
}

fn condition(status: &Value, type_: &str) -> Option<String> {
    status["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
        .and_then(|c| c["status"].as_str().map(str::to_owned))
}

/// Waits until the resource's phase is `phase` for its current generation.
fn wait_phase(ctx: &Ctx, phase: &str) -> Result<Value> {
    let mut last = Value::Null;
    ctx.wait_until(
        &format!("OzoneCluster phase {phase}"),
        crate::support::timeout(),
        || {
            let obj = ctx.kubectl_json(&["get", "ozonecluster", "ozone"])?;
            let s = &obj["status"];
            let current = s["observedGeneration"] == obj["metadata"]["generation"];
            last = s.clone();
            Ok((!(current && s["phase"] == phase)).then(|| {
                format!(
                    "phase {} ({}), observed generation {} of {}",
                    s["phase"],
                    s["phaseReason"],
                    s["observedGeneration"],
                    obj["metadata"]["generation"]
                )
            }))
        },
    )?;
    Ok(last)
}

fn replicas(ctx: &Ctx, sts: &str) -> Result<i64> {
    Ok(
        ctx.kubectl_json(&["get", "statefulset", sts])?["spec"]["replicas"]
            .as_i64()
            .unwrap_or(-1),
    )
}

/// Every object's resourceVersion in the namespace (the cluster's and the resource).
fn versions(ctx: &Ctx) -> Result<BTreeMap<String, String>> {
    let list = ctx.kubectl_json(&[
        "get",
        "ozoneclusters,statefulsets,deployments,services,configmaps,secrets,serviceaccounts,roles,rolebindings,poddisruptionbudgets,networkpolicies,pods,persistentvolumeclaims",
    ])?;
    Ok(list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            (
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap_or(""),
                    o["metadata"]["name"].as_str().unwrap_or("")
                ),
                o["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect())
}

fn lifecycle(ctx: &Ctx) -> Outcome {
    let installed = install(ctx)?;
    let op = Operator::start(ctx, &installed, &[])?;
    apply(ctx, &resource(ctx, ""))?;
    let s = wait_phase(ctx, "Ready")?;
    ensure!(
        condition(&s, "Available").as_deref() == Some("True"),
        "{s:#}"
    );
    ensure!(s["version"].is_string(), "no status.version: {s:#}");
    ctx.wait_cluster_ready("ozone")?;
    let sts = ctx.kubectl_json(&["get", "statefulset", "ozone-om"])?;
    ensure!(
        sts["metadata"]["ownerReferences"][0]["kind"] == "OzoneCluster",
        "the OM StatefulSet has no owner reference: {}",
        sts["metadata"]
    );
    let obj = ctx.kubectl_json(&["get", "ozonecluster", "ozone"])?;
    ensure!(
        obj["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f == "ozone.apache.org/finalizer")),
        "no finalizer: {}",
        obj["metadata"]
    );

    // Steady state: passes go on (resync every 2 s), nothing is written. Two passes first,
    // so that the pods' last readiness changes are in the status.
    let passes = op.metric("ozone_operator_reconciles_total")?;
    ctx.wait_until("two more passes", crate::support::timeout(), || {
        let now = op.metric("ozone_operator_reconciles_total")?;
        Ok((now < passes + 2.0).then(|| format!("{now} passes")))
    })?;
    let before = versions(ctx)?;
    let writes = op.metric("ozone_operator_api_writes_total")?;
    let passes = op.metric("ozone_operator_reconciles_total")?;
    ctx.wait_until("five more passes", crate::support::timeout(), || {
        let now = op.metric("ozone_operator_reconciles_total")?;
        Ok((now < passes + 5.0).then(|| format!("{now} passes")))
    })?;
    let after = versions(ctx)?;
    let changed: Vec<&String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    ensure!(changed.is_empty(), "written in steady state: {changed:?}");
    ensure!(
        op.metric("ozone_operator_api_writes_total")? == writes,
        "the operator counted writes in steady state"
    );

    // Paused: a spec change is only observed.
    apply(
        ctx,
        &resource(
            ctx,
            "  datanodes: {replicas: 4}\n  clusterOperation: {reconciliationPaused: true}\n",
        ),
    )?;
    let s = wait_phase(ctx, "Paused")?;
    ensure!(
        condition(&s, "ReconciliationPaused").as_deref() == Some("True"),
        "{s:#}"
    );
    ensure!(replicas(ctx, "ozone-datanode")? == 3, "paused, yet scaled");
    apply(ctx, &resource(ctx, "  datanodes: {replicas: 4}\n"))?;
    wait_phase(ctx, "Ready")?;
    ensure!(
        replicas(ctx, "ozone-datanode")? == 4,
        "not scaled once unpaused"
    );

    // Deleted: the rendered objects go (garbage collector), the PVCs stay.
    ctx.kubectl(&["delete", "ozonecluster", "ozone", "--wait=false"])?
        .ok()?;
    ctx.wait_until(
        "the resource and its StatefulSets to be gone",
        crate::support::timeout(),
        || {
            let left = ctx
                .kubectl(&[
                    "get",
                    "ozoneclusters,statefulsets,deployments,configmaps",
                    "-o",
                    "name",
                ])?
                .ok()?
                .stdout;
            let left: Vec<&str> = left
                .lines()
                .filter(|l| !l.contains("kube-root-ca"))
                .collect();
            Ok((!left.is_empty()).then(|| left.join(", ")))
        },
    )?;
    let pvcs = ctx.kubectl(&["get", "pvc", "-o", "name"])?.ok()?.stdout;
    ensure!(
        pvcs.contains("data-ozone-datanode-0"),
        "the PVCs went with the resource: {pvcs}"
    );
    drop(op);
    passed()
}

/// `datanode list -o json` by pod: operational state.
fn datanode_states(ctx: &Ctx) -> Result<BTreeMap<String, String>> {
    let list = ctx
        .ozone(&["datanode", "list", "-o", "json"])?
        .ok()?
        .json()?;
    Ok(list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| {
            let pod = d["pod"].as_str().map(str::to_owned).or_else(|| {
                d["hostName"]
                    .as_str()
                    .and_then(|h| h.split('.').next())
                    .map(str::to_owned)
            })?;
            Some((pod, d["opState"].as_str().unwrap_or_default().to_owned()))
        })
        .collect())
}

fn shrink_with_kill(ctx: &Ctx) -> Outcome {
    let installed = install(ctx)?;
    let mut op = Operator::start(ctx, &installed, &[])?;
    apply(ctx, &resource(ctx, "  datanodes: {replicas: 5}\n"))?;
    wait_phase(ctx, "Ready")?;
    ctx.wait_cluster_ready("ozone")?;
    apply(ctx, &resource(ctx, "  datanodes: {replicas: 4}\n"))?;
    // Killed once Ozone has started the decommission (its answer is the engine's note).
    op.process.kill_when("Started decommissioning")?;
    let s = status(ctx)?;
    ensure!(
        s["operation"]["kind"] == "ScaleDatanodes",
        "the operation was not on record before the step acted: {s:#}"
    );
    ensure!(
        replicas(ctx, "ozone-datanode")? == 5,
        "the StatefulSet shrank before the decommission finished"
    );
    let op = Operator::start(ctx, &installed, &[])?;
    wait_phase(ctx, "Ready")?;
    ensure!(replicas(ctx, "ozone-datanode")? == 4, "not shrunk");
    let states = datanode_states(ctx)?;
    ensure!(
        states
            .get("ozone-datanode-4")
            .is_none_or(|s| s == "DECOMMISSIONED"),
        "the removed datanode was not decommissioned: {states:?}"
    );
    for i in 0..4 {
        let pod = format!("ozone-datanode-{i}");
        ensure!(
            states.get(&pod).map(String::as_str) == Some("IN_SERVICE"),
            "{pod} is not in service: {states:?}"
        );
    }
    drop(op);
    passed()
}

fn stop_start(ctx: &Ctx) -> Outcome {
    let installed = install(ctx)?;
    let op = Operator::start(ctx, &installed, &[])?;
    apply(ctx, &resource(ctx, ""))?;
    wait_phase(ctx, "Ready")?;
    ctx.wait_cluster_ready("ozone")?;
    apply(ctx, &resource(ctx, "  clusterOperation: {stopped: true}\n"))?;
    let s = wait_phase(ctx, "Stopped")?;
    ensure!(condition(&s, "Stopped").as_deref() == Some("True"), "{s:#}");
    let pods = ctx.kubectl(&["get", "pods", "-o", "name"])?.ok()?.stdout;
    ensure!(pods.trim().is_empty(), "pods left when stopped: {pods}");
    let pvcs = ctx.kubectl(&["get", "pvc", "-o", "name"])?.ok()?.stdout;
    ensure!(pvcs.contains("data-ozone-scm-0"), "PVCs gone: {pvcs}");
    // The order: the Events of the steps, oldest first.
    let started = order_of_steps(ctx, "stop[")?;
    ensure!(
        started
            == [
                "stop[s3g]",
                "stop[recon]",
                "stop[om]",
                "stop[datanode]",
                "stop[scm]"
            ],
        "stopped in this order: {started:?}"
    );
    apply(ctx, &resource(ctx, ""))?;
    wait_phase(ctx, "Ready")?;
    ctx.wait_cluster_ready("ozone")?;
    let started = order_of_steps(ctx, "start[")?;
    ensure!(
        started
            == [
                "start[scm]",
                "start[datanode]",
                "start[om]",
                "start[recon]",
                "start[s3g]"
            ],
        "started in this order: {started:?}"
    );
    drop(op);
    passed()
}

/// The steps (the `action` of the operator's `StepStarted` Events) that start with
/// `prefix`, by when each was first seen.
fn order_of_steps(ctx: &Ctx, prefix: &str) -> Result<Vec<String>> {
    let list = ctx.kubectl_json(&["get", "events.events.k8s.io"])?;
    let mut steps: Vec<(String, String)> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["reason"] == "StepStarted")
        .filter_map(|e| {
            let step = e["action"].as_str()?;
            step.starts_with(prefix).then(|| {
                (
                    e["eventTime"].as_str().unwrap_or_default().to_owned(),
                    step.to_owned(),
                )
            })
        })
        .collect();
    steps.sort();
    Ok(steps.into_iter().map(|(_, n)| n).collect())
}

fn upgrade_manual_finalize(ctx: &Ctx) -> Outcome {
    let installed = install(ctx)?;
    let op = Operator::start(ctx, &installed, &[])?;
    apply(ctx, &resource(ctx, "  version: 2.1.1\n"))?;
    let s = wait_phase(ctx, "Ready")?;
    ensure!(s["version"] == "2.1.1", "{s:#}");
    ctx.wait_cluster_ready("ozone")?;
    apply(ctx, &resource(ctx, "  version: 2.2.0\n"))?;
    let s = wait_phase(ctx, "UpgradeAwaitingFinalize")?;
    ensure!(s["version"] == "2.2.0", "{s:#}");
    let images = ctx
        .kubectl(&[
            "get",
            "pods",
            "-o",
            "jsonpath={range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}",
        ])?
        .ok()?
        .stdout;
    ensure!(
        images.lines().all(|i| i.ends_with(":2.2.0")),
        "pods not on 2.2.0: {images}"
    );
    // The field finishes it.
    apply(
        ctx,
        &resource(ctx, "  version: 2.2.0\n  upgrade: {finalize: auto}\n"),
    )?;
    wait_phase(ctx, "Ready")?;
    let record =
        ctx.kubectl_json(&["get", "statefulset", "ozone-scm"])?["metadata"]["annotations"].clone();
    ensure!(
        record
            .as_object()
            .is_some_and(|a| a.values().any(|v| v == "finalized")),
        "the upgrade was not finalized: {record}"
    );
    drop(op);
    passed()
}

fn two_replicas(ctx: &Ctx) -> Outcome {
    let installed = install(ctx)?;
    let ns = installed.namespace.clone();
    let mut first = Operator::start(
        ctx,
        &installed,
        &[
            "--leader-elect",
            "--leader-election-namespace",
            &ns,
            "--pod-name",
            "replica-a",
        ],
    )?;
    // ("leading" came before "watching", which `start` waited for.)
    ensure!(
        first.process.drain().iter().any(|l| l.contains("leading")),
        "the first replica does not lead"
    );
    let second = start_follower(ctx, &installed, &ns)?;
    apply(ctx, &resource(ctx, ""))?;
    wait_phase(ctx, "Ready")?;
    let lease = ctx
        .kubectl_global(
            &["get", "lease", "ozone-operator", "-n", &ns, "-o", "json"],
            None,
        )?
        .ok()?
        .json()?;
    ensure!(
        lease["spec"]["holderIdentity"] == "replica-a",
        "the Lease is held by {}",
        lease["spec"]["holderIdentity"]
    );
    let mut second = second;
    ensure!(
        !second.process.drain().iter().any(|l| l.contains("leading")),
        "both replicas lead"
    );
    ensure!(
        second
            .metric("ozone_operator_reconciles_total")
            .unwrap_or(0.0)
            == 0.0,
        "the follower reconciled"
    );
    // The leader dies; the follower takes over and reconciles a change.
    first.process.kill()?;
    second.process.wait_for("leading")?;
    apply(ctx, &resource(ctx, "  datanodes: {replicas: 4}\n"))?;
    wait_phase(ctx, "Ready")?;
    ensure!(
        replicas(ctx, "ozone-datanode")? == 4,
        "the new leader did not act"
    );
    passed()
}

/// A second replica, which waits for the Lease.
fn start_follower(ctx: &Ctx, installed: &Installed, ns: &str) -> Result<Operator> {
    let more = [
        "--leader-elect",
        "--leader-election-namespace",
        ns,
        "--pod-name",
        "replica-b",
    ];
    let mut follower = Operator::spawn(ctx, installed, &more, "waiting for Lease")?;
    if follower.process.ended() {
        bail!("the second replica ended: {:?}", follower.process.drain());
    }
    Ok(follower)
}

/// The pods' uids by name.
fn uids(ctx: &Ctx, selector: &str) -> Result<BTreeMap<String, String>> {
    let list = ctx.kubectl_json(&["get", "pods", "-l", selector])?;
    Ok(list["items"]
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

fn ring_and_restart(ctx: &Ctx) -> Outcome {
    let installed = install(ctx)?;
    let op = Operator::start(ctx, &installed, &[])?;
    apply(ctx, &resource(ctx, "  om: {replicas: 3}\n"))?;
    wait_phase(ctx, "Ready")?;
    ctx.wait_cluster_ready("ozone")?;
    // The ring grows through the engine's bootstrap, not a plain scale.
    apply(ctx, &resource(ctx, "  om: {replicas: 5}\n"))?;
    wait_phase(ctx, "Ready")?;
    ctx.wait_cluster_ready("ozone")?;
    ensure!(replicas(ctx, "ozone-om")? == 5, "the OM ring did not grow");
    ensure!(
        order_of_steps(ctx, "growRings")? == ["growRings"],
        "no growRings step: {:?}",
        order_of_steps(ctx, "")?
    );
    // A template change restarts every OM pod (quorum-safe, through the engine's restart).
    let before = uids(ctx, "app.kubernetes.io/component=om")?;
    apply(
        ctx,
        &resource(
            ctx,
            "  om:\n    replicas: 5\n    resources: {requests: {cpu: 400m}}\n",
        ),
    )?;
    wait_phase(ctx, "Ready")?;
    ctx.wait_cluster_ready("ozone")?;
    let after = uids(ctx, "app.kubernetes.io/component=om")?;
    for (pod, uid) in &before {
        ensure!(after.get(pod) != Some(uid), "{pod} was not restarted");
    }
    ensure!(
        order_of_steps(ctx, "restart")? == ["restart"],
        "no restart step: {:?}",
        order_of_steps(ctx, "")?
    );
    drop(op);
    passed()
}

fn upgrade_with_kill(ctx: &Ctx) -> Outcome {
    let installed = install(ctx)?;
    let mut first = Operator::start(ctx, &installed, &[])?;
    apply(
        ctx,
        &resource(ctx, "  version: 2.1.1\n  om: {replicas: 3}\n"),
    )?;
    wait_phase(ctx, "Ready")?;
    ctx.wait_cluster_ready("ozone")?;
    apply(
        ctx,
        &resource(ctx, "  version: 2.2.0\n  om: {replicas: 3}\n"),
    )?;
    // Killed while the pods stop (after the OM ring was prepared).
    first.process.kill_when("then scale it to 0")?;
    ensure!(
        first
            .process
            .drain()
            .iter()
            .any(|l| l.contains("om prepare")),
        "the OM ring was not prepared before the stop"
    );
    let s = status(ctx)?;
    ensure!(s["operation"]["kind"] == "Upgrade", "{s:#}");
    let mut second = Operator::start(ctx, &installed, &[])?;
    wait_phase(ctx, "UpgradeAwaitingFinalize")?;
    ensure!(
        !second
            .process
            .drain()
            .iter()
            .any(|l| l.contains("om prepare")),
        "the resumed upgrade prepared the OM ring again"
    );
    ctx.wait_cluster_ready("ozone")?;
    passed()
}

fn plugin_requests(ctx: &Ctx) -> Outcome {
    let installed = install(ctx)?;
    let op = Operator::start(ctx, &installed, &[])?;
    // Managed TLS: the operator issues the CA and the certificates the pods wait for.
    apply(ctx, &resource(ctx, "  security: {tls: {mode: managed}}\n"))?;
    wait_phase(ctx, "Ready")?;
    ctx.wait_cluster_ready("ozone")?;
    ensure!(
        order_of_steps(ctx, "issueCertificates")? == ["issueCertificates"],
        "no issueCertificates step: {:?}",
        order_of_steps(ctx, "")?
    );
    let secret = |ctx: &Ctx| -> Result<String> {
        Ok(
            ctx.kubectl_json(&["get", "secret", "ozone-om-tls"])?["data"]["tls.crt"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let issued = secret(ctx)?;
    ensure!(!issued.is_empty(), "no OM certificate was issued");

    // `cert rotate` on a managed cluster is a request the operator carries out once.
    let before = uids(ctx, "app.kubernetes.io/instance=ozone")?;
    ctx.ozone(&["cert", "rotate", "--yes"])?.ok()?;
    let handled = |key: &str| -> Result<Option<String>> {
        let obj = ctx.kubectl_json(&["get", "ozonecluster", "ozone"])?;
        let asked = obj["metadata"]["annotations"][key]
            .as_str()
            .map(str::to_owned);
        let done = obj["status"]["handled"][key].as_str().map(str::to_owned);
        Ok((asked.is_none() || asked != done).then(|| format!("asked {asked:?}, done {done:?}")))
    };
    ctx.wait_until(
        "the rotation to be carried out",
        crate::support::timeout(),
        || handled("ozone.apache.org/rotateCertificatesAt"),
    )?;
    wait_phase(ctx, "Ready")?;
    ensure!(
        secret(ctx)? != issued,
        "the OM certificate was not re-issued"
    );
    let after = uids(ctx, "app.kubernetes.io/instance=ozone")?;
    for (pod, uid) in &before {
        ensure!(
            after.get(pod) != Some(uid),
            "{pod} was not restarted onto its new certificate"
        );
    }

    // `restart`: the same, every pod once.
    ctx.wait_cluster_ready("ozone")?;
    let before = after;
    ctx.ozone(&["restart", "--yes"])?.ok()?;
    ctx.wait_until(
        "the restart to be carried out",
        crate::support::timeout(),
        || handled("ozone.apache.org/restartedAt"),
    )?;
    wait_phase(ctx, "Ready")?;
    let after = uids(ctx, "app.kubernetes.io/instance=ozone")?;
    for (pod, uid) in &before {
        ensure!(after.get(pod) != Some(uid), "{pod} was not restarted");
    }
    drop(op);
    passed()
}

fn medium_and_malformed(ctx: &Ctx) -> Outcome {
    let installed = install(ctx)?;
    let op = Operator::start(ctx, &installed, &[])?;
    // A resource the API server admits but the parser refuses (a version kubectl-ozone does
    // not know): Degraded with reason InvalidSpec, a Warning Event, nothing written.
    let broken = format!(
        "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nmetadata:\n  name: broken\n  namespace: {}\nspec:\n  profile: small\n  version: 0.0.1\n",
        ctx.ns
    );
    apply(ctx, &broken)?;
    // The other cluster of the namespace goes on regardless: a medium one, to Ready.
    let medium = format!(
        "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nmetadata:\n  name: ozone\n  namespace: {}\nspec:\n  profile: medium\n  monitoring: {{serviceMonitors: false, prometheusRules: false}}\n",
        ctx.ns
    );
    apply(ctx, &medium)?;
    let s = wait_phase(ctx, "Ready")?;
    ensure!(
        condition(&s, "Available").as_deref() == Some("True"),
        "{s:#}"
    );
    ctx.wait_cluster_ready("ozone")?;
    for sts in ["ozone-om", "ozone-scm"] {
        ensure!(replicas(ctx, sts)? == 3, "{sts} is not a ring of 3");
    }
    let obj = ctx.kubectl_json(&["get", "ozonecluster", "broken"])?;
    let degraded = obj["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Degraded")
        .cloned()
        .unwrap_or_default();
    ensure!(
        degraded["status"] == "True" && degraded["reason"] == "InvalidSpec",
        "the malformed resource is not Degraded/InvalidSpec: {}",
        obj["status"]
    );
    ensure!(
        degraded["message"]
            .as_str()
            .is_some_and(|m| m.contains("0.0.1")),
        "the condition does not name the bad value: {degraded}"
    );
    let written = ctx
        .kubectl(&[
            "get",
            "statefulsets",
            "-l",
            "app.kubernetes.io/instance=broken",
            "-o",
            "name",
        ])?
        .ok()?
        .stdout;
    ensure!(
        written.trim().is_empty(),
        "objects written for the malformed resource: {written}"
    );
    drop(op);
    passed()
}
