//! Plugin and operator together: on a cluster whose `OzoneCluster` resource carries the
//! operator's finalizer, `restart` and `cert rotate` ask the operator through an annotation,
//! `apply` applies the resource, the other changing commands refuse naming the field, and
//! read-only commands work unchanged. Every real change holds the cluster's engine lock.

use crate::exit;
use crate::scenarios::change::with_revisions;
use crate::testing::{FakeCluster, RunCommand, store};
use ozone_engine::managed::{FINALIZER, RESTART_ANNOTATION, ROTATE_CERTS_ANNOTATION};
use serde_json::{Value, json};

fn resource(finalizers: &[&str], spec: Value) -> Value {
    json!({
        "apiVersion": "ozone.apache.org/v1alpha1", "kind": "OzoneCluster",
        "metadata": {"name": "ozone", "namespace": "ozone", "generation": 2, "finalizers": finalizers},
        "spec": spec,
        "status": {"phase": "Ready", "phaseReason": "every pod is ready"},
    })
}

/// A cluster with pods on an old revision (so a plain `restart` has work) and its
/// `OzoneCluster` resource.
fn cluster(finalizers: &[&str], spec: Value) -> FakeCluster {
    let c = FakeCluster::new("ozone", 3, 3, 3);
    with_revisions(&c, &["ozone-om-1", "ozone-datanode-2"]);
    store(
        &mut c.api.state.lock().unwrap(),
        "ozoneclusters",
        resource(finalizers, spec),
    );
    c
}

fn managed() -> FakeCluster {
    cluster(&[FINALIZER], json!({"profile": "small"}))
}

fn annotation(c: &FakeCluster, key: &str) -> Option<String> {
    c.api.object("ozoneclusters", "ozone").unwrap()["metadata"]["annotations"][key]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test(start_paused = true)]
async fn restart_of_a_managed_cluster_writes_the_annotation_and_restarts_nothing() {
    let c = managed();
    let r = c.run(&["restart", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_eq!(c.journal(), ["PATCH ozoneclusters/ozone"]);
    assert!(c.ozone.mutations().is_empty());
    let value = annotation(&c, RESTART_ANNOTATION).expect("annotation set");
    assert!(
        value.parse::<k8s_openapi::jiff::Timestamp>().is_ok() && value.ends_with('Z'),
        "{value}"
    );
    for expected in [
        "OzoneCluster ozone/ozone is managed by the operator: requested with annotation ozone.apache.org/restartedAt=",
        "one at a time in quorum-safe order",
        "kubectl get ozonecluster ozone -n ozone -w",
        "kubectl ozone status -n ozone --name ozone",
    ] {
        assert!(r.err.contains(expected), "{expected:?} in\n{}", r.err);
    }
    // The operator does the work, and takes the lock for it: the plugin took none.
    assert!(
        c.api.lease_writes().is_empty(),
        "{:?}",
        c.api.lease_writes()
    );
}

#[tokio::test(start_paused = true)]
async fn a_dry_run_says_what_it_would_request_and_writes_nothing() {
    let c = managed();
    c.refuse_writes();
    let r = c.run(&["restart", "--dry-run"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        r.out.starts_with("Dry run: would set annotation ozone.apache.org/restartedAt=<now, RFC 3339 UTC> on OzoneCluster ozone/ozone"),
        "{}",
        r.out
    );
    assert!(c.api.writes().is_empty() && c.api.lease_writes().is_empty());
    // Without --yes and without a terminal: refused, as every other change.
    let r = c.run(&["restart"], None).await;
    assert_eq!(r.code(), exit::BAD_INPUT, "{}", r.all());
    assert!(r.error().contains("pass --yes"), "{}", r.error());
    // One pod or component: the operator restarts the whole cluster, so that is refused.
    let r = c.run(&["restart", "om", "--yes"], None).await;
    assert_eq!(r.code(), exit::BAD_INPUT, "{}", r.all());
    assert!(
        r.error().contains("the operator restarts every pod"),
        "{}",
        r.error()
    );
    assert!(c.api.writes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn cert_rotate_of_a_managed_cluster_writes_its_annotation() {
    let c = managed();
    let r = c.run(&["cert", "rotate", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_eq!(c.journal(), ["PATCH ozoneclusters/ozone"]);
    assert!(annotation(&c, ROTATE_CERTS_ANNOTATION).is_some());
    assert!(annotation(&c, RESTART_ANNOTATION).is_none());
    assert!(r.err.contains("rotate the certificates"), "{}", r.err);
}

#[tokio::test(start_paused = true)]
async fn decommission_of_a_managed_cluster_refuses_naming_the_field() {
    let c = managed();
    let r = c
        .run(
            &["datanode", "decommission", "ozone-datanode-2", "--yes"],
            None,
        )
        .await;
    assert_eq!(r.code(), exit::BAD_INPUT, "{}", r.all());
    assert!(
        r.error().starts_with(
            "OzoneCluster ozone/ozone is managed by the operator: change spec.datanodes.replicas in the resource (kubectl edit ozonecluster ozone -n ozone); the operator decommissions the datanodes it removes first"
        ),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty() && c.api.lease_writes().is_empty());
    let r = c.run(&["upgrade", "--to", "2.1.0", "--yes"], None).await;
    assert_eq!(r.code(), exit::BAD_INPUT, "{}", r.all());
    assert!(
        r.error().contains("change spec.version in the resource"),
        "{}",
        r.error()
    );
    // No field for a recovery: only with reconciliation paused.
    let r = c.run(&["recover", "om", "ozone-om-1", "--yes"], None).await;
    assert_eq!(r.code(), exit::BAD_INPUT, "{}", r.all());
    assert!(
        r.error()
            .contains("set spec.clusterOperation.reconciliationPaused: true in the resource"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty());
}

#[tokio::test(start_paused = true)]
async fn with_reconciliation_paused_a_command_without_a_field_runs_under_the_lock() {
    let c = cluster(
        &[FINALIZER],
        json!({"clusterOperation": {"reconciliationPaused": true}}),
    );
    let r = c
        .run(
            &[
                "datanode",
                "maintenance",
                "ozone-datanode-2",
                "--skip-replication-check",
                "--yes",
            ],
            None,
        )
        .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        r.err.contains("OzoneCluster ozone/ozone is managed by the operator; `kubectl ozone datanode maintenance` runs as usual"),
        "{}",
        r.err
    );
    assert!(!c.ozone.mutations().is_empty());
    assert_eq!(
        c.api.lease_writes(),
        ["POST leases", "DELETE leases/ozone-engine-lock"]
    );
}

#[tokio::test]
async fn status_of_a_managed_cluster_says_so_with_the_phase() {
    let c = managed();
    let r = c.run(&["status"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let mut lines = r.out.lines();
    assert_eq!(lines.next(), Some("Ozone cluster ozone in namespace ozone"));
    assert_eq!(
        lines.next(),
        Some("Managed by the operator: OzoneCluster ozone/ozone, phase Ready: every pod is ready")
    );
    assert!(r.out.contains("ozone-datanode-2"), "{}", r.out);
    // As data, stdout stays the report; the line goes to stderr.
    let r = c.run(&["status", "-o", "json"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(serde_json::from_str::<Value>(&r.out).is_ok());
    assert!(r.err.contains("Managed by the operator"), "{}", r.err);
    assert!(c.api.writes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn apply_to_a_managed_cluster_applies_the_resource() {
    let c = managed();
    let r = c
        .run(
            &[
                "apply",
                "--profile",
                "small",
                "-n",
                "ozone",
                "--set",
                "datanodes.replicas=4",
                "--yes",
            ],
            None,
        )
        .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_eq!(r.out, "ozonecluster/ozone configured\n");
    assert!(r.err.contains("the operator"), "{}", r.err);
    assert_eq!(c.journal(), ["PATCH ozoneclusters/ozone"]);
    let stored = c.api.object("ozoneclusters", "ozone").unwrap();
    assert_eq!(stored["spec"]["datanodes"]["replicas"], 4);
    // The finalizer the operator set stays: apply owns only the fields it sends.
    assert_eq!(stored["metadata"]["finalizers"], json!([FINALIZER]));
    let write = c.api.writes().pop().unwrap();
    assert!(
        write.uri.contains("fieldManager=kubectl-ozone"),
        "{}",
        write.uri
    );
    // A bad spec is refused by the same parser as render, before anything is written.
    let r = c
        .run(
            &[
                "apply",
                "--profile",
                "small",
                "-n",
                "ozone",
                "--set",
                "datanodes.replicas=x",
                "--yes",
            ],
            None,
        )
        .await;
    assert_eq!(r.code(), exit::BAD_INPUT, "{}", r.all());
    assert_eq!(c.journal().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn without_the_finalizer_the_plugin_acts_itself_holding_the_lock() {
    let c = cluster(&[], json!({}));
    let r = c.run(&["restart", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(c.journal().iter().any(|e| e.starts_with("DELETE pods/")));
    assert!(annotation(&c, RESTART_ANNOTATION).is_none());
    assert_eq!(
        c.api.lease_writes(),
        ["POST leases", "DELETE leases/ozone-engine-lock"]
    );
    assert!(c.api.object("leases", "ozone-engine-lock").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_lock_held_by_another_run_refuses_and_changes_nothing() {
    let c = FakeCluster::new("ozone", 3, 3, 3);
    with_revisions(&c, &["ozone-om-1"]);
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    store(
        &mut c.api.state.lock().unwrap(),
        "leases",
        json!({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "ozone-engine-lock", "namespace": "ozone", "resourceVersion": "3",
                "annotations": {"ozone.apache.org/operation": "upgrade"}},
            "spec": {"holderIdentity": "ozone-operator-0", "leaseDurationSeconds": 30,
                "acquireTime": now, "renewTime": now},
        }),
    );
    let r = c.run(&["restart", "--yes"], None).await;
    assert_eq!(r.code(), exit::BAD_INPUT, "{}", r.all());
    assert!(
        r.error().starts_with("Ozone cluster ozone in namespace ozone is busy: ozone-operator-0 holds its engine lock (Lease ozone-engine-lock) since "),
        "{}",
        r.error()
    );
    assert!(
        r.error().contains("for `upgrade`; it expires at "),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty());
    // A dry run needs no lock.
    let r = c.run(&["restart", "--dry-run"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
}

/// The requests of `restart`, `cert rotate` and `apply` on a managed cluster, and of a
/// `restart` holding the lock, are granted by their rows of the permissions table.
#[tokio::test(start_paused = true)]
async fn every_request_is_covered_by_the_documented_permissions() {
    use ozone_generator::permissions::COMMANDS;
    let cases: [(&str, FakeCluster, &[&str]); 4] = [
        ("restart", managed(), &["restart", "--yes"]),
        ("cert rotate", managed(), &["cert", "rotate", "--yes"]),
        (
            "apply",
            managed(),
            &["apply", "--profile", "small", "-n", "ozone", "--yes"],
        ),
        ("restart", cluster(&[], json!({})), &["restart", "--yes"]),
    ];
    for (command, c, args) in cases {
        let r = c.run(args, None).await;
        assert_eq!(r.code(), 0, "{args:?}: {}", r.all());
        let rules = COMMANDS
            .iter()
            .find(|p| p.command == command)
            .unwrap()
            .rules;
        for (group, resource, verb) in c.api.requests().iter().map(crate::scenarios::rbac_of) {
            assert!(
                rules.iter().any(|rule| rule.api_group == group
                    && rule.resource == resource
                    && rule.verbs.contains(&verb.as_str())),
                "`{command}` sends {verb} {group}/{resource}, which the permissions table does not grant"
            );
        }
    }
}
