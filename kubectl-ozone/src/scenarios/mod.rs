//! End-to-end scenarios of the day-2 commands against the fakes in [`crate::testing`]: the
//! command line is parsed as a user types it, the Kubernetes side goes through a real
//! `kube::Client` to a fake API that records requests, the Ozone side through a scripted
//! exec. Time is paused, so waits and timeouts take no real time.

mod backup;
mod cert;
mod change;
mod doctor;
mod managed;
mod member;
mod rbac;
mod recover;
mod report;
mod s3;
mod upgrade;

use crate::exit;
use crate::testing::Run;
use crate::testing::{FakeCluster, RunCommand};
use crate::ui::confirm::testing::Scripted;
use http::Method;

async fn run(c: &FakeCluster, args: &[&str], prompt: Option<Scripted>) -> Run {
    c.run(args, prompt).await
}

#[tokio::test]
async fn status_costs_the_same_number_of_requests_for_5_or_500_datanodes() {
    let mut counts = Vec::new();
    for n in [5, 500] {
        let c = FakeCluster::new("ozone", 3, 3, n);
        let r = run(&c, &["status", "-o", "json"], None).await;
        assert_eq!(r.code(), 0, "{}", r.err);
        let report: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        assert_eq!(report["ozone"]["datanodes"]["total"], n);
        assert_eq!(
            report["kubernetes"]["pods"].as_array().unwrap().len(),
            n + 6
        );
        let requests = c.api.requests();
        assert!(requests.iter().all(|r| r.method == Method::GET
            && (r.uri.contains("labelSelector=")
                || r.uri
                    == "/apis/ozone.apache.org/v1alpha1/namespaces/ozone/ozoneclusters/ozone")));
        counts.push((requests.len(), c.ozone.call_count()));
    }
    // StatefulSets, Deployments, pods, PVCs, whether the operator manages the cluster; and scm
    // roles, om roles, safemode, datanode list.
    assert_eq!(counts, vec![(5, 4), (5, 4)]);
}

#[tokio::test]
async fn status_tables_show_both_views() {
    let c = FakeCluster::new("ozone", 3, 3, 5);
    c.ozone.state.lock().unwrap().datanodes[4].op = "DECOMMISSIONING".into();
    let r = run(&c, &["status"], None).await;
    assert_eq!(r.code(), 0, "{}", r.err);
    for expected in [
        "Ozone cluster ozone in namespace ozone",
        "datanode    StatefulSet   ozone-datanode   5/5",
        "ozone-datanode-4   datanode    Running   true    0          node-4",
        "data-ozone-datanode-0   100Gi   Bound",
        "scm       ozone-scm-0   LEADER",
        "om        ozone-om-1    FOLLOWER",
        "Safe mode: off",
        "Datanodes: 5 (DECOMMISSIONING/HEALTHY 1, IN_SERVICE/HEALTHY 4)",
        "Capacity: 5.0GiB used of 500.0GiB (1.0%)",
    ] {
        assert!(
            r.out.contains(expected),
            "missing {expected:?} in\n{}",
            r.out
        );
    }
}

#[tokio::test]
async fn status_without_exec_permission_still_prints_kubernetes_and_exits_1() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    c.ozone.state.lock().unwrap().forbidden = true;
    let r = run(&c, &["status"], None).await;
    assert_eq!(r.code(), 1);
    assert!(r.out.contains("ozone-scm-0"), "{}", r.out);
    assert!(
        r.err
            .contains("needs create on pods/exec in namespace ozone"),
        "{}",
        r.err
    );
    // Issue 23: the refusal was stated three times in one line, and again on stdout.
    let mentions = r.all().lines().filter(|l| l.contains("pods/exec")).count();
    assert_eq!(mentions, 1, "{}", r.all());
    assert_eq!(r.err.lines().count(), 1, "{}", r.err);
}

/// Issue 23 (defect 6) as the real API server answers a `<cluster>-viewer`: the exec is
/// refused with a 403 that names the pod, so every refusal reads differently.
#[tokio::test]
async fn status_as_a_viewer_prints_the_kubernetes_side_then_one_line_about_pods_exec() {
    let c = FakeCluster::new("ozone", 3, 3, 3);
    c.api.state.lock().unwrap().forbid_exec = true;
    let ws = std::sync::Arc::new(ozone_engine::cluster::ws::WsExec::new(
        c.api.client("ozone"),
        "ozone",
    ));
    let session = ozone_engine::cluster::Session {
        kube: ozone_engine::cluster::view::KubeReader::new(c.api.client("ozone"), "ozone"),
        exec: ws,
    };
    for format in ["table", "json"] {
        let (mut io, out, err) = crate::testing::io(None);
        let args = crate::cmd::status::StatusArgs {
            cluster: Default::default(),
            format: if format == "json" {
                crate::ui::Format::Json
            } else {
                crate::ui::Format::Table
            },
        };
        let code = crate::cmd::status::status(&session, &mut io, &args)
            .await
            .unwrap();
        assert_eq!(code, std::process::ExitCode::from(exit::FAILURE));
        let (out, err) = (out.text(), err.text());
        assert_eq!(
            err,
            "error: the Ozone side of cluster ozone could not be read: forbidden: kubectl-ozone needs create on pods/exec in namespace ozone to run the Ozone CLI (get as well before Kubernetes 1.35): pods \"ozone-scm-0\" is forbidden: User \"jane\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"ozone\"\n"
        );
        if format == "table" {
            for expected in [
                "datanode    StatefulSet   ozone-datanode   3/3",
                "ozone-om-2",
                "data-ozone-datanode-2",
            ] {
                assert!(out.contains(expected), "{expected:?} in\n{out}");
            }
            assert!(
                !out.contains("pods/exec") && !out.contains("\nOzone\n"),
                "{out}"
            );
        } else {
            let report: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(report["ozone"]["errors"].as_array().unwrap().len(), 1);
            assert_eq!(report["kubernetes"]["pods"].as_array().unwrap().len(), 9);
        }
    }
}

#[tokio::test]
async fn the_real_exec_transport_turns_403_into_the_missing_permission() {
    use ozone_engine::cluster::exec::{ExecError, OzoneExec};
    let c = FakeCluster::new("ozone", 1, 1, 3);
    c.api.state.lock().unwrap().forbid_exec = true;
    let ws = ozone_engine::cluster::ws::WsExec::new(c.api.client("ozone"), "ozone");
    let argv: Vec<String> = ["ozone", "admin", "scm", "roles", "--json"]
        .map(String::from)
        .to_vec();
    let err = ws.run("ozone-scm-0", "scm", &argv).await.unwrap_err();
    assert!(matches!(err, ExecError::Forbidden { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("forbidden: kubectl-ozone needs create on pods/exec in namespace ozone"),
        "{err}"
    );
    let req = &c.api.requests()[0];
    assert!(
        req.uri
            .starts_with("/api/v1/namespaces/ozone/pods/ozone-scm-0/exec?"),
        "{}",
        req.uri
    );
    assert!(
        req.uri.contains("container=scm") && req.uri.contains("command=ozone"),
        "{}",
        req.uri
    );
}

#[tokio::test]
async fn several_clusters_need_name_and_the_error_lists_them() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    c.add("other", 1, 1, 3);
    let r = run(&c, &["status"], None).await;
    assert_eq!(r.code(), exit::BAD_INPUT);
    assert!(
        r.error().contains(
            "several Ozone clusters in namespace ozone: other, ozone; choose one with --name"
        ),
        "{}",
        r.error()
    );
    let r = run(&c, &["status", "--name", "other", "-o", "json"], None).await;
    assert_eq!(r.code(), 0, "{}", r.err);
    assert!(r.out.contains("\"cluster\": \"other\""));
}

#[tokio::test]
async fn datanode_list_joins_every_datanode_with_pods_pvcs_and_nodes() {
    let c = FakeCluster::new("ozone", 1, 1, 150);
    let r = run(&c, &["datanode", "list", "-o", "json"], None).await;
    assert_eq!(r.code(), 0, "{}", r.err);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&r.out).unwrap();
    // More than Ozone's default page of 100: the list asks for --all.
    assert_eq!(rows.len(), 150);
    assert_eq!(rows[120]["pod"], "ozone-datanode-120");
    assert_eq!(rows[120]["uuid"], "ozone-uuid-120");
    assert_eq!(rows[120]["node"], "node-1");
    assert_eq!(rows[120]["pvcs"][0], "data-ozone-datanode-120");
    assert_eq!(rows[120]["opState"], "IN_SERVICE");
    let calls = c.ozone.state.lock().unwrap().calls.clone();
    assert_eq!(calls[0].1, "ozone admin datanode list --json --all");
    let r = run(&c, &["datanode", "list"], None).await;
    assert!(
        r.out.lines().next().unwrap().starts_with("POD "),
        "{}",
        r.out
    );
}

#[tokio::test]
async fn decommission_is_refused_when_too_few_datanodes_would_remain() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let r = run(
        &c,
        &["datanode", "decommission", "ozone-datanode-2", "--yes"],
        None,
    )
    .await;
    assert_eq!(r.code(), 1);
    assert!(
        r.error().contains("refused, nothing was changed: replication: only 2 datanodes would stay in service and healthy, but RATIS/THREE needs 3 (skip with --skip-replication-check)"),
        "{}",
        r.error()
    );
    assert!(c.ozone.mutations().is_empty());

    // The skip is explicit and printed.
    let r = run(
        &c,
        &[
            "datanode",
            "decommission",
            "ozone-datanode-2",
            "--yes",
            "--skip-replication-check",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert!(
        r.err
            .contains("SKIPPED replication: skipped by --skip-replication-check"),
        "{}",
        r.err
    );
    assert_eq!(
        c.ozone.mutations(),
        vec![
            "ozone admin datanode decommission -- ozone-datanode-2.ozone-datanode-headless.ozone.svc.cluster.local"
        ]
    );
}

#[tokio::test]
async fn an_ec_policy_given_by_the_operator_raises_the_bar() {
    let c = FakeCluster::new("ozone", 1, 1, 5);
    let r = run(
        &c,
        &[
            "datanode",
            "decommission",
            "ozone-datanode-4",
            "--replication",
            "rs-3-2-1024k",
            "--dry-run",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 1);
    assert!(r.out.contains("FAILED  replication: only 4 datanodes would stay in service and healthy, but EC/rs-3-2-1024k needs 5"), "{}", r.out);
}

#[tokio::test]
async fn safe_mode_blocks_decommission() {
    let c = FakeCluster::new("ozone", 1, 1, 5);
    c.ozone.state.lock().unwrap().in_safe_mode = true;
    let r = run(
        &c,
        &["datanode", "decommission", "ozone-datanode-4", "--yes"],
        None,
    )
    .await;
    assert!(
        r.error().contains("safe-mode: SCM is in safe mode"),
        "{}",
        r.error()
    );
    assert!(c.ozone.mutations().is_empty());
}

#[tokio::test]
async fn an_unknown_target_is_bad_input_and_lists_datanodes() {
    let c = FakeCluster::new("ozone", 1, 1, 4);
    let r = run(
        &c,
        &["datanode", "decommission", "other-datanode-1", "--yes"],
        None,
    )
    .await;
    assert_eq!(r.code(), exit::BAD_INPUT);
    assert!(
        r.error().contains("\"other-datanode-1\" is not a datanode of Ozone cluster ozone: give a pod name, host name or UUID (datanodes: ozone-datanode-0, ozone-datanode-1, ozone-datanode-2, ozone-datanode-3)"),
        "{}",
        r.error()
    );
    // A UUID and a full host name resolve as well as a pod name.
    let r = run(
        &c,
        &[
            "datanode",
            "decommission",
            "ozone-uuid-3",
            "--dry-run",
            "-o",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let plan: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(plan["targets"][0]["pod"], "ozone-datanode-3");
}

#[tokio::test]
async fn without_a_terminal_and_without_yes_nothing_changes() {
    let c = FakeCluster::new("ozone", 1, 1, 5);
    let r = run(&c, &["datanode", "decommission", "ozone-datanode-4"], None).await;
    assert_eq!(r.code(), exit::BAD_INPUT);
    assert!(r.error().contains("pass --yes"), "{}", r.error());
    assert!(c.ozone.mutations().is_empty());
    // On a terminal, "no" changes nothing either; "yes" goes ahead.
    let r = run(
        &c,
        &["datanode", "decommission", "ozone-datanode-4"],
        Some(Scripted::new(&["n"])),
    )
    .await;
    assert!(r.error().contains("aborted"), "{}", r.error());
    assert!(c.ozone.mutations().is_empty());
    let r = run(
        &c,
        &["datanode", "decommission", "ozone-datanode-4"],
        Some(Scripted::new(&["y"])),
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(c.ozone.mutations().len(), 1);
    assert!(r.err.contains("follow progress with:\n  kubectl ozone datanode decommission ozone-datanode-4 --wait -n ozone --name ozone"), "{}", r.err);
}

#[tokio::test]
async fn dry_runs_change_nothing_even_where_every_write_would_fail() {
    let c = FakeCluster::new("ozone", 1, 1, 6);
    c.refuse_writes();
    for args in [
        &["datanode", "decommission", "ozone-datanode-5", "--dry-run"][..],
        &[
            "datanode",
            "maintenance",
            "ozone-datanode-5",
            "--end",
            "4",
            "--dry-run=client",
        ][..],
        &[
            "datanode",
            "recommission",
            "ozone-datanode-5",
            "--dry-run",
            "--wait",
        ][..],
        &[
            "datanode",
            "scale-down",
            "--replicas",
            "4",
            "--delete-pvcs",
            "--dry-run",
        ][..],
    ] {
        let r = run(&c, args, None).await;
        assert_eq!(r.code(), 0, "{args:?}: {}", r.error());
        assert!(r.out.starts_with("Dry run: "), "{}", r.out);
    }
    assert!(c.api.writes().is_empty(), "{:?}", c.api.writes());
    assert!(c.ozone.mutations().is_empty());

    // The plan as data.
    let r = run(
        &c,
        &[
            "datanode",
            "scale-down",
            "--replicas",
            "4",
            "--delete-pvcs",
            "--dry-run",
            "-o",
            "json",
        ],
        None,
    )
    .await;
    let plan: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let kinds: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "ozone",
            "wait",
            "scaleStatefulSet",
            "deletePvc",
            "deletePvc"
        ]
    );
    assert_eq!(plan["steps"][0]["argv"][3], "decommission");
    assert_eq!(plan["steps"][2]["from"], 6);
    assert_eq!(plan["steps"][3]["name"], "data-ozone-datanode-4");
    assert_eq!(plan["dryRun"], true);

    // The fake really does refuse writes: the same command without --dry-run fails.
    let r = run(
        &c,
        &["datanode", "decommission", "ozone-datanode-5", "--yes"],
        None,
    )
    .await;
    assert!(r.error().contains("mutations are refused"), "{}", r.error());
}

#[tokio::test(start_paused = true)]
async fn decommission_wait_reports_progress_until_done() {
    let c = FakeCluster::new("ozone", 1, 1, 5);
    let r = run(
        &c,
        &[
            "datanode",
            "decommission",
            "ozone-datanode-4",
            "--yes",
            "--wait",
            "--progress",
            "plain",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let progress: Vec<&str> = r
        .err
        .lines()
        .filter(|l| l.contains("under-replicated"))
        .collect();
    assert_eq!(progress.len(), 3, "{}", r.err);
    assert!(progress[0].ends_with("0/1 DECOMMISSIONED; containers under-replicated: 100, unclosed: 0; unclosed pipelines: 1"), "{}", progress[0]);
    assert!(
        progress[1].contains("under-replicated: 60"),
        "{}",
        progress[1]
    );
    assert!(
        progress[2].contains("under-replicated: 20"),
        "{}",
        progress[2]
    );
    assert!(r.err.contains("done: ozone-datanode-4.ozone-datanode-headless.ozone.svc.cluster.local now DECOMMISSIONED"), "{}", r.err);
    assert_eq!(c.ozone.op_state("ozone-datanode-4"), "DECOMMISSIONED");
}

#[tokio::test(start_paused = true)]
async fn a_wait_that_times_out_exits_3_and_resuming_sends_nothing_twice() {
    let c = FakeCluster::new("ozone", 1, 1, 5);
    c.ozone.state.lock().unwrap().work_per_poll = 0;
    let r = run(
        &c,
        &[
            "datanode",
            "decommission",
            "ozone-datanode-4",
            "--yes",
            "--wait",
            "--timeout",
            "30s",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), exit::TIMEOUT);
    assert!(r.error().contains("timed out after 30s waiting for ozone-datanode-4.ozone-datanode-headless.ozone.svc.cluster.local to be DECOMMISSIONED; the operation goes on in Ozone. Resume watching with:\n  kubectl ozone datanode decommission ozone-datanode-4 --wait -n ozone --name ozone"), "{}", r.error());
    assert_eq!(c.ozone.op_state("ozone-datanode-4"), "DECOMMISSIONING");

    c.ozone.state.lock().unwrap().work_per_poll = 50;
    let r = run(
        &c,
        &[
            "datanode",
            "decommission",
            "ozone-datanode-4",
            "--wait",
            "-n",
            "ozone",
            "--name",
            "ozone",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert!(
        r.err
            .contains("ozone-datanode-4 is already DECOMMISSIONING: no command sent"),
        "{}",
        r.err
    );
    assert_eq!(c.ozone.mutations().len(), 1, "no second decommission");
    assert_eq!(c.ozone.op_state("ozone-datanode-4"), "DECOMMISSIONED");
}

#[tokio::test(start_paused = true)]
async fn maintenance_with_an_end_and_recommission() {
    let c = FakeCluster::new("ozone", 1, 1, 5);
    let r = run(
        &c,
        &[
            "datanode",
            "maintenance",
            "ozone-datanode-1",
            "--end",
            "4",
            "--yes",
            "--wait",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(
        c.ozone.mutations()[0],
        "ozone admin datanode maintenance --end 4 -- ozone-datanode-1.ozone-datanode-headless.ozone.svc.cluster.local"
    );
    assert_eq!(c.ozone.op_state("ozone-datanode-1"), "IN_MAINTENANCE");
    // Recommission is low-risk: no question even without a terminal.
    let r = run(
        &c,
        &["datanode", "recommission", "ozone-datanode-1", "--wait"],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(c.ozone.op_state("ozone-datanode-1"), "IN_SERVICE");
}

#[tokio::test(start_paused = true)]
async fn an_interrupted_scale_down_resumes_where_it_stopped() {
    let c = FakeCluster::new("ozone", 1, 1, 5);
    c.ozone.state.lock().unwrap().work_per_poll = 0;
    // First attempt: the decommission starts, the wait times out; nothing is scaled.
    let r = run(
        &c,
        &[
            "datanode",
            "scale-down",
            "--replicas",
            "4",
            "--yes",
            "--timeout",
            "1m",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), exit::TIMEOUT, "{}", r.error());
    assert!(
        r.error()
            .contains("kubectl ozone datanode scale-down --replicas 4 -n ozone --name ozone"),
        "{}",
        r.error()
    );
    assert_eq!(c.ozone.op_state("ozone-datanode-4"), "DECOMMISSIONING");
    assert!(c.api.writes().is_empty());

    // Re-run: no second decommission; wait, then scale; the PVC is kept.
    c.ozone.state.lock().unwrap().work_per_poll = 50;
    let r = run(
        &c,
        &["datanode", "scale-down", "--replicas", "4", "--yes"],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(c.ozone.mutations().len(), 1);
    let writes = c.api.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].method, Method::PATCH);
    assert!(
        writes[0]
            .uri
            .starts_with("/apis/apps/v1/namespaces/ozone/statefulsets/ozone-datanode/scale"),
        "{}",
        writes[0].uri
    );
    assert!(
        r.err.contains(
            "kept PVCs (their data stays; delete with --delete-pvcs): data-ozone-datanode-4"
        ),
        "{}",
        r.err
    );

    // Re-run with --delete-pvcs: only the PVC is left to do.
    let r = run(
        &c,
        &[
            "datanode",
            "scale-down",
            "--replicas",
            "4",
            "--delete-pvcs",
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let writes = c.api.writes();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert_eq!(writes[1].method, Method::DELETE);
    assert!(
        writes[1]
            .uri
            .starts_with("/api/v1/namespaces/ozone/persistentvolumeclaims/data-ozone-datanode-4?"),
        "{}",
        writes[1].uri
    );
    // And once more: nothing to do.
    let r = run(
        &c,
        &[
            "datanode",
            "scale-down",
            "--replicas",
            "4",
            "--delete-pvcs",
            "--yes",
        ],
        None,
    )
    .await;
    assert!(r.err.contains("Nothing to change."), "{}", r.err);
    assert_eq!(c.api.writes().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn deleting_pvcs_needs_the_typed_phrase_naming_them() {
    let c = FakeCluster::new("ozone", 1, 1, 5);
    let prompt = Scripted::new(&["yes"]);
    let r = run(
        &c,
        &["datanode", "scale-down", "--replicas", "4", "--delete-pvcs"],
        Some(prompt.clone()),
    )
    .await;
    assert!(
        r.error().contains("aborted: nothing was changed"),
        "{}",
        r.error()
    );
    assert!(
        prompt.asked.lock().unwrap()[0].contains("DELETE the data in PVCs data-ozone-datanode-4")
    );
    assert!(c.api.writes().is_empty() && c.ozone.mutations().is_empty());
    let r = run(
        &c,
        &["datanode", "scale-down", "--replicas", "4", "--delete-pvcs"],
        Some(Scripted::new(&["delete data-ozone-datanode-4"])),
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(c.api.writes().len(), 2);
}

#[tokio::test]
async fn scale_down_below_the_replication_factor_is_refused() {
    let c = FakeCluster::new("ozone", 1, 1, 4);
    let r = run(
        &c,
        &["datanode", "scale-down", "--replicas", "2", "--yes"],
        None,
    )
    .await;
    assert_eq!(r.code(), 1);
    assert!(
        r.error().contains(
            "only 2 datanodes would stay in service and healthy, but RATIS/THREE needs 3"
        ),
        "{}",
        r.error()
    );
    let r = run(
        &c,
        &["datanode", "scale-down", "--replicas", "9", "--yes"],
        None,
    )
    .await;
    assert_eq!(r.code(), exit::BAD_INPUT);
    assert!(c.api.writes().is_empty() && c.ozone.mutations().is_empty());
}

#[tokio::test]
async fn a_down_scm_pod_is_skipped_for_reads() {
    let c = FakeCluster::new("ozone", 3, 1, 3);
    c.ozone.state.lock().unwrap().down = vec!["ozone-scm-0".into()];
    let r = run(&c, &["datanode", "list", "-o", "json"], None).await;
    assert_eq!(r.code(), 0, "{}", r.err);
    let calls = c.ozone.state.lock().unwrap().calls.clone();
    assert_eq!(
        calls.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        ["ozone-scm-0", "ozone-scm-1"]
    );
}

/// The verb and resource RBAC checks for a recorded request.
pub(crate) fn rbac_of(r: &crate::testing::Recorded) -> (String, String, String) {
    let path = r.uri.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, rest) = match parts.as_slice() {
        ["api", "v1", "namespaces", _, rest @ ..] => ("", rest.to_vec()),
        ["apis", g, _, "namespaces", _, rest @ ..] => (*g, rest.to_vec()),
        _ => panic!("unexpected path {path}"),
    };
    let resource = match rest.as_slice() {
        [res] | [res, _] => res.to_string(),
        [res, _, sub] => format!("{res}/{sub}"),
        _ => panic!("unexpected path {path}"),
    };
    let verb = match (&r.method, rest.len()) {
        (&Method::GET, 1) => "list",
        (&Method::GET, _) => "get",
        (&Method::PATCH, _) => "patch",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::DELETE, _) => "delete",
        (m, _) => panic!("unexpected method {m}"),
    };
    (group.to_owned(), resource, verb.to_owned())
}

#[tokio::test(start_paused = true)]
async fn every_request_is_covered_by_the_documented_permissions() {
    use ozone_generator::permissions::COMMANDS;
    const SNAP: &str = "snapshot create, list, info, rename, delete, diff";
    let cases: [(&str, &[&str]); 11] = [
        (SNAP, &["snapshot", "create", "vol1/logs", "snap9"]),
        (SNAP, &["snapshot", "list", "vol1/logs"]),
        (SNAP, &["snapshot", "info", "vol1/logs", "snap1"]),
        (SNAP, &["snapshot", "rename", "vol1/logs", "snap1", "snap8"]),
        (SNAP, &["snapshot", "delete", "vol1/logs", "snap2", "--yes"]),
        (
            SNAP,
            &["snapshot", "diff", "vol1/logs", "snap1", "snap2", "--wait"],
        ),
        ("status", &["status"]),
        ("datanode list", &["datanode", "list"]),
        (
            "datanode decommission, recommission, maintenance",
            &[
                "datanode",
                "decommission",
                "ozone-datanode-5",
                "--yes",
                "--wait",
            ],
        ),
        (
            "datanode decommission, recommission, maintenance",
            &["datanode", "maintenance", "ozone-datanode-5", "--yes"],
        ),
        (
            "datanode scale-down",
            &[
                "datanode",
                "scale-down",
                "--replicas",
                "5",
                "--delete-pvcs",
                "--yes",
            ],
        ),
    ];
    for (command, args) in cases {
        let c = snap_cluster(2);
        let r = run(&c, args, None).await;
        assert_eq!(r.code(), 0, "{args:?}: {}", r.error());
        let rules = COMMANDS
            .iter()
            .find(|p| p.command == command)
            .unwrap_or_else(|| panic!("{command} is not in the permissions table"))
            .rules;
        let mut needed: Vec<(String, String, String)> =
            c.api.requests().iter().map(rbac_of).collect();
        if c.ozone.call_count() > 0 {
            needed.push((String::new(), "pods/exec".into(), "create".into()));
        }
        for (group, resource, verb) in needed {
            assert!(
                rules.iter().any(|rule| rule.api_group == group
                    && rule.resource == resource
                    && rule.verbs.contains(&verb.as_str())),
                "`{command}` sends {verb} {group}/{resource}, which the permissions table does not grant"
            );
        }
    }
}

#[tokio::test]
async fn a_forbidden_list_names_the_verb_resource_and_namespace() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    c.api.state.lock().unwrap().forbid_pod_list = true;
    let r = run(&c, &["status"], None).await;
    assert_eq!(r.code(), 1);
    assert!(
        r.error()
            .starts_with("forbidden: kubectl-ozone needs list on pods in namespace ozone"),
        "{}",
        r.error()
    );
}

#[tokio::test]
async fn a_failing_ozone_command_shows_its_exit_code_and_the_end_of_stderr() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    c.ozone.state.lock().unwrap().broken = vec!["ozone admin safemode status".into()];
    let r = run(&c, &["status"], None).await;
    assert_eq!(r.code(), 1);
    // The rest of the Ozone view is still there.
    assert!(
        r.out.contains("Datanodes: 3 (IN_SERVICE/HEALTHY 3)"),
        "{}",
        r.out
    );
    assert!(
        r.err.contains("`ozone admin safemode status` failed in pod ozone-scm-0 with exit code 1: \tat org.apache.Frame16"),
        "{}",
        r.err
    );
    assert!(
        r.err.contains("Error: SCM unreachable") && !r.err.contains("Frame15"),
        "{}",
        r.err
    );
}

/// A cluster with bucket vol1/logs holding snapshots snap1..=sN, a day apart.
fn snap_cluster(n: usize) -> FakeCluster {
    use crate::testing::FakeSnapshot;
    let c = FakeCluster::new("ozone", 1, 1, 6);
    {
        let mut oz = c.ozone.state.lock().unwrap();
        oz.buckets = vec!["vol1/logs".into(), "vol1/other".into()];
        oz.snapshots = (1..=n)
            .map(|i| FakeSnapshot {
                bucket: "vol1/logs".into(),
                name: format!("snap{i}"),
                created: 1_763_856_000_000 + 86_400_000 * i as i64,
                referenced: 5 * 1_073_741_824,
                exclusive: 200 * 1_048_576,
            })
            .collect();
        oz.diff.entries = vec![
            ("CREATE".into(), "logs/new.log".into(), None),
            ("MODIFY".into(), "logs/app.log".into(), None),
            ("DELETE".into(), "logs/old.log".into(), None),
            (
                "RENAME".into(),
                "logs/a.log".into(),
                Some("logs/b.log".into()),
            ),
        ];
    }
    c
}

fn snapshot_names(c: &FakeCluster) -> Vec<String> {
    c.ozone
        .state
        .lock()
        .unwrap()
        .snapshots
        .iter()
        .map(|s| s.name.clone())
        .collect()
}

#[tokio::test]
async fn snapshot_list_shows_every_snapshot_with_human_sizes() {
    let c = snap_cluster(150);
    let r = run(&c, &["snapshot", "list", "vol1/logs", "-o", "json"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let list: Vec<serde_json::Value> = serde_json::from_str(&r.out).unwrap();
    // More than Ozone's default page of 100: the list asks for --all.
    assert_eq!(list.len(), 150);
    assert_eq!(list[120]["name"], "snap121");
    assert_eq!(list[120]["exclusiveSize"], 209_715_200);
    assert_eq!(list[120]["snapshotStatus"], "SNAPSHOT_ACTIVE");
    let calls = c.ozone.state.lock().unwrap().calls.clone();
    assert_eq!(
        calls[0],
        (
            "ozone-om-0".into(),
            "ozone sh snapshot list /vol1/logs --all".into()
        )
    );

    let r = run(&c, &["snapshot", "ls", "/vol1/logs"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let lines: Vec<&str> = r.out.lines().collect();
    assert_eq!(lines.len(), 151);
    assert_eq!(
        lines[0],
        "NAME      CREATED                STATUS   REFERENCED   EXCLUSIVE"
    );
    assert_eq!(
        lines[1],
        "snap1     2025-11-24T00:00:00Z   ACTIVE   5.0GiB       200.0MiB"
    );

    let r = run(&c, &["snapshot", "list", "vol1/other"], None).await;
    assert_eq!((r.code(), r.out.as_str()), (0, ""));
    assert!(r.err.contains("No snapshots in vol1/other."), "{}", r.err);

    let r = run(
        &c,
        &["snapshot", "info", "vol1/logs", "snap3", "-o", "yaml"],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert!(
        r.out.contains("name: snap3\n") && r.out.contains("referencedSize: 5368709120\n"),
        "{}",
        r.out
    );
    let r = run(&c, &["snapshot", "info", "vol1/logs", "snap3"], None).await;
    assert!(
        r.out.contains("Referenced:  5.0GiB (15.0GiB replicated)"),
        "{}",
        r.out
    );
}

#[tokio::test]
async fn snapshot_create_names_by_time_and_prints_the_new_snapshot() {
    let c = snap_cluster(1);
    let r = run(&c, &["snapshot", "create", "vol1/logs", "-o", "json"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let snap: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let name = snap["name"].as_str().unwrap();
    let stamp = name.strip_prefix("snap-").unwrap();
    assert!(
        stamp.len() == 15 && stamp.as_bytes()[8] == b'-',
        "{name} is not snap-YYYYMMDD-HHMMSS"
    );
    assert_eq!(
        c.ozone.mutations(),
        [format!("ozone sh snapshot create /vol1/logs {name}")]
    );

    let r = run(
        &c,
        &["snapshot", "create", "vol1/logs", "before-upgrade"],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(r.out, "snapshot before-upgrade of vol1/logs created\n");
    let r = run(
        &c,
        &[
            "snapshot",
            "rename",
            "vol1/logs",
            "before-upgrade",
            "pre-2-3",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(
        r.out,
        "snapshot before-upgrade of vol1/logs renamed to pre-2-3\n"
    );
    assert_eq!(snapshot_names(&c), ["snap1", name, "pre-2-3"]);
}

#[tokio::test]
async fn snapshot_delete_asks_for_the_name_and_refuses_without_a_terminal() {
    let c = snap_cluster(2);
    let args = ["snapshot", "delete", "vol1/logs", "snap1"];
    let r = run(&c, &args, None).await;
    assert_eq!(r.code(), exit::BAD_INPUT);
    assert!(
        r.error().contains("no terminal to ask on; pass --yes"),
        "{}",
        r.error()
    );

    let prompt = Scripted::new(&["yes"]);
    let r = run(&c, &args, Some(prompt.clone())).await;
    assert_eq!(r.code(), 1);
    assert!(
        r.error().contains("aborted: nothing was changed"),
        "{}",
        r.error()
    );
    let asked = prompt.asked.lock().unwrap().clone();
    assert!(
        asked[0].starts_with(
            "Delete snapshot snap1 of vol1/logs? Its point-in-time copy cannot be recovered."
        ) && asked[0].contains("Exclusive:   200.0MiB"),
        "{asked:?}"
    );
    assert!(c.ozone.mutations().is_empty());
    assert_eq!(snapshot_names(&c), ["snap1", "snap2"]);

    // Typing the snapshot's name goes ahead; so does --yes.
    let r = run(&c, &args, Some(Scripted::new(&["snap1"]))).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(r.out, "snapshot snap1 of vol1/logs deleted\n");
    let r = run(&c, &["snapshot", "rm", "vol1/logs", "snap2", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert!(snapshot_names(&c).is_empty());
    assert_eq!(
        c.ozone.mutations(),
        [
            "ozone sh snapshot delete /vol1/logs snap1",
            "ozone sh snapshot delete /vol1/logs snap2"
        ]
    );
}

#[tokio::test]
async fn snapshot_dry_runs_print_the_ozone_command_and_run_nothing() {
    let c = snap_cluster(2);
    c.refuse_writes();
    for (args, command) in [
        (
            &["snapshot", "create", "vol1/logs", "snap9", "--dry-run"][..],
            "ozone sh snapshot create /vol1/logs snap9",
        ),
        (
            &[
                "snapshot",
                "rename",
                "vol1/logs",
                "snap1",
                "snap9",
                "--dry-run",
            ][..],
            "ozone sh snapshot rename /vol1/logs snap1 snap9",
        ),
        (
            &[
                "snapshot",
                "delete",
                "vol1/logs",
                "snap1",
                "--dry-run=client",
            ][..],
            "ozone sh snapshot delete /vol1/logs snap1",
        ),
        (
            &[
                "snapshot",
                "diff",
                "vol1/logs",
                "snap1",
                "snap2",
                "--wait",
                "--dry-run",
            ][..],
            "ozone sh snapshot diff /vol1/logs snap1 snap2 --page-size 1000 --json",
        ),
    ] {
        let r = run(&c, args, None).await;
        assert_eq!(r.code(), 0, "{args:?}: {}", r.error());
        assert!(r.out.starts_with("Dry run: snapshot "), "{}", r.out);
        assert!(
            r.out.contains(&format!("run in a om pod: {command}\n")),
            "{}",
            r.out
        );
    }
    let r = run(
        &c,
        &[
            "snapshot",
            "delete",
            "vol1/logs",
            "snap1",
            "--dry-run",
            "-o",
            "json",
        ],
        None,
    )
    .await;
    let plan: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(plan["dryRun"], true);
    assert_eq!(plan["steps"][0]["argv"][3], "delete");
    assert!(c.ozone.mutations().is_empty());
    assert!(c.api.writes().is_empty());
    // The diff job was not started either: only the delete pre-flight read ran.
    let calls = c.ozone.state.lock().unwrap().calls.clone();
    assert!(
        calls
            .iter()
            .all(|(_, cmd)| cmd.starts_with("ozone sh snapshot info")),
        "{calls:?}"
    );
    assert_eq!(snapshot_names(&c), ["snap1", "snap2"]);

    // The fake really does refuse writes.
    let r = run(&c, &["snapshot", "create", "vol1/logs", "snap9"], None).await;
    assert!(r.error().contains("mutations are refused"), "{}", r.error());
}

#[tokio::test(start_paused = true)]
async fn snapshot_diff_waits_with_progress_then_reads_every_page() {
    let c = snap_cluster(2);
    {
        let mut oz = c.ozone.state.lock().unwrap();
        oz.diff.polls_left = 3;
        oz.diff.entries = (0..2500)
            .map(|i| match i % 4 {
                3 => (
                    "RENAME".to_owned(),
                    format!("k{i}"),
                    Some(format!("k{i}.moved")),
                ),
                _ => ("CREATE".to_owned(), format!("k{i}"), None),
            })
            .collect();
    }
    let r = run(
        &c,
        &[
            "snapshot",
            "diff",
            "vol1/logs",
            "snap1",
            "snap2",
            "--wait",
            "--progress",
            "plain",
            "--page-size",
            "1000",
            "-o",
            "json",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let progress: Vec<&str> = r
        .err
        .lines()
        .filter(|l| l.contains("snapshot diff IN_PROGRESS"))
        .collect();
    assert_eq!(
        progress,
        [
            "[0s] snapshot diff IN_PROGRESS 25% (DIFF_REPORT_GEN)",
            "[5s] snapshot diff IN_PROGRESS 33% (DIFF_REPORT_GEN)",
            "[10s] snapshot diff IN_PROGRESS 50% (DIFF_REPORT_GEN)",
        ],
        "{}",
        r.err
    );
    assert!(r.err.contains("[15s] snapshot diff DONE"), "{}", r.err);
    assert!(
        r.err
            .contains("reading page 3 of the report (2000 changes so far)"),
        "{}",
        r.err
    );
    assert!(r.err.contains("2500 changes from snap1 to snap2 in vol1/logs: 1875 added, 0 deleted, 625 renamed, 0 modified"), "{}", r.err);
    let result: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(result["jobStatus"], "DONE");
    let changes = result["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2500);
    assert_eq!(changes[2499]["path"], "./k2499");
    assert_eq!(
        changes[3],
        serde_json::json!({"change": "renamed", "path": "./k3", "newPath": "./k3.moved"})
    );
    let calls: Vec<String> = c
        .ozone
        .state
        .lock()
        .unwrap()
        .calls
        .iter()
        .map(|(_, c)| c.clone())
        .collect();
    // Four polls, then pages two and three by token.
    assert_eq!(
        calls.iter().filter(|c| c.contains("snapshot diff")).count(),
        6
    );
    assert!(
        calls[4].ends_with("--page-size 1000 --json --token 1000"),
        "{calls:?}"
    );
    assert!(
        calls[5].ends_with("--page-size 1000 --json --token 2000"),
        "{calls:?}"
    );

    // The table: one row per change.
    c.ozone.state.lock().unwrap().diff.entries.truncate(4);
    let r = run(
        &c,
        &["snapshot", "diff", "vol1/logs", "snap1", "snap2"],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(
        r.out,
        "CHANGE    PATH   NEW PATH\nadded     ./k0\nadded     ./k1\nadded     ./k2\nrenamed   ./k3   ./k3.moved\n"
    );
}

#[tokio::test(start_paused = true)]
async fn snapshot_diff_without_wait_starts_the_job_and_a_wait_can_time_out() {
    let c = snap_cluster(2);
    c.ozone.state.lock().unwrap().diff.polls_left = 100;
    let r = run(
        &c,
        &["snapshot", "diff", "vol1/logs", "snap1", "snap2"],
        None,
    )
    .await;
    assert_eq!((r.code(), r.out.as_str()), (0, ""), "{}", r.error());
    assert!(
        r.err.contains("snapshot diff snap1 → snap2 of vol1/logs: IN_PROGRESS (1%); follow it with:\n  kubectl ozone snapshot diff vol1/logs snap1 snap2 --wait -n ozone --name ozone"),
        "{}",
        r.err
    );
    let r = run(
        &c,
        &[
            "snapshot",
            "diff",
            "vol1/logs",
            "snap1",
            "snap2",
            "-o",
            "json",
        ],
        None,
    )
    .await;
    let result: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(result["jobStatus"], "IN_PROGRESS");
    assert_eq!(result["changes"], serde_json::json!([]));

    let r = run(
        &c,
        &[
            "snapshot",
            "diff",
            "vol1/logs",
            "snap1",
            "snap2",
            "--wait",
            "--timeout",
            "30s",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), exit::TIMEOUT, "{}", r.error());
    assert!(
        r.error().starts_with("timed out after 30s waiting for the snapshot diff snap1 → snap2 of vol1/logs; the job goes on in Ozone. Resume watching with:\n  kubectl ozone snapshot diff vol1/logs snap1 snap2 --wait -n ozone --name ozone"),
        "{}",
        r.error()
    );
}

#[tokio::test]
async fn each_ozone_error_is_one_line_and_exit_1() {
    let c = snap_cluster(2);
    c.ozone.state.lock().unwrap().snapshot_limit = 3;
    for (args, expected) in [
        (
            &["snapshot", "list", "vol1/nope"][..],
            "bucket vol1/nope not found in Ozone (BUCKET_NOT_FOUND)",
        ),
        (
            &["snapshot", "list", "vol9/logs"][..],
            "volume vol9 not found in Ozone (VOLUME_NOT_FOUND)",
        ),
        (
            &["snapshot", "create", "vol1/logs", "snap2"][..],
            "snapshot snap2 already exists in vol1/logs; choose another name (FILE_ALREADY_EXISTS)",
        ),
        (
            &["snapshot", "rename", "vol1/logs", "snap1", "snap2"][..],
            "snapshot snap2 already exists in vol1/logs; choose another name (FILE_ALREADY_EXISTS)",
        ),
        (
            &["snapshot", "info", "vol1/logs", "snap7"][..],
            "snapshot snap7 not found in vol1/logs (FILE_NOT_FOUND: Snapshot does not exist: /vol1/logs/snap7)",
        ),
        (
            &["snapshot", "delete", "vol1/logs", "snap7", "--yes"][..],
            "snapshot snap7 not found in vol1/logs (FILE_NOT_FOUND: Snapshot does not exist: /vol1/logs/snap7)",
        ),
        (
            &["snapshot", "diff", "vol1/logs", "snap1", "snap7"][..],
            "snapshot snap1 or snap7 not found in vol1/logs (FILE_NOT_FOUND: Snapshot does not exist: /vol1/logs/snap7)",
        ),
    ] {
        let r = run(&c, args, None).await;
        assert_eq!(r.code(), 1, "{args:?}: {}", r.error());
        assert_eq!(r.error(), expected, "{args:?}");
    }
    let r = run(&c, &["snapshot", "create", "vol1/logs", "snap3"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let r = run(&c, &["snapshot", "create", "vol1/logs", "snap4"], None).await;
    assert_eq!(r.code(), 1);
    assert_eq!(
        r.error(),
        "snapshot limit reached in vol1/logs: delete old snapshots first, or raise ozone.om.fs.snapshot.max.limit (TOO_MANY_SNAPSHOTS: Snapshot limit of 3 reached. Cannot create more snapshots.)"
    );
    c.ozone.state.lock().unwrap().diff.failure =
        Some("Snapshot diff job failed: compaction DAG pruned".into());
    let r = run(
        &c,
        &["snapshot", "diff", "vol1/logs", "snap1", "snap2", "--wait"],
        None,
    )
    .await;
    assert_eq!(r.code(), 1);
    assert_eq!(
        r.error(),
        "snapshot diff snap1 → snap2 of vol1/logs failed in Ozone: Snapshot diff job failed: compaction DAG pruned"
    );
    assert_eq!(snapshot_names(&c), ["snap1", "snap2", "snap3"]);
}

#[tokio::test]
async fn a_rejected_diff_or_a_report_that_pages_forever_ends_with_one_line() {
    let c = snap_cluster(2);
    c.ozone.state.lock().unwrap().diff.rejected = true;
    let r = run(
        &c,
        &["snapshot", "diff", "vol1/logs", "snap1", "snap2", "--wait"],
        None,
    )
    .await;
    assert_eq!(r.code(), 1);
    assert_eq!(
        r.error(),
        "Ozone rejected the snapshot diff snap1 → snap2 of vol1/logs (too many diff jobs running?): Ozone gave no reason; try again later"
    );
    {
        let mut oz = c.ozone.state.lock().unwrap();
        oz.diff.rejected = false;
        oz.diff.stuck_token = true;
    }
    let r = run(
        &c,
        &[
            "snapshot",
            "diff",
            "vol1/logs",
            "snap1",
            "snap2",
            "--page-size",
            "2",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 1);
    assert_eq!(
        r.error(),
        "Ozone returned the page token \"2\" twice; stopping after page 2"
    );
    assert_eq!(r.out, "");
}

#[tokio::test]
async fn bad_snapshot_arguments_exit_2_naming_the_argument_and_do_nothing() {
    let c = snap_cluster(2);
    for (args, expected) in [
        (
            &["snapshot", "list", "vol1"][..],
            "VOLUME/BUCKET: \"vol1\" is not volume/bucket",
        ),
        (
            &["snapshot", "create", "Vol1/logs"][..],
            "VOLUME/BUCKET: \"Vol1/logs\" is not volume/bucket",
        ),
        (
            &["snapshot", "create", "vol1/logs", "Before_Upgrade"][..],
            "NAME: \"Before_Upgrade\" is not a valid snapshot name",
        ),
        (
            &["snapshot", "info", "vol1/logs", "s"][..],
            "NAME: \"s\" is not a valid snapshot name",
        ),
        (
            &["snapshot", "rename", "vol1/logs", "snap1", "a?b"][..],
            "NEW_NAME: \"a?b\" is not a valid snapshot name",
        ),
        (
            &["snapshot", "delete", "vol1/logs", "snap-", "--yes"][..],
            "NAME: \"snap-\" is not a valid snapshot name",
        ),
        (
            &["snapshot", "diff", "vol1/logs", "1234", "snap2"][..],
            "FROM: \"1234\" is not a valid snapshot name",
        ),
        (
            &["snapshot", "diff", "vol1/logs", "snap1", "S2", "--wait"][..],
            "TO: \"S2\" is not a valid snapshot name",
        ),
    ] {
        let r = run(&c, args, None).await;
        assert_eq!(r.code(), exit::BAD_INPUT, "{args:?}: {}", r.error());
        assert!(r.error().starts_with(expected), "{args:?}: {}", r.error());
    }
    assert!(c.api.requests().is_empty());
    assert_eq!(c.ozone.call_count(), 0);
}
