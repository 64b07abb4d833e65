//! The day-2 commands as a subject bound only to one Role that render writes (issue 23):
//! `<cluster>-operator` runs each documented verb that applies to a small cluster, `apply` of a
//! new `rbac.bindings.developer` entry included (Kubernetes' escalation check); a
//! `<cluster>-viewer` gets `status`'s Kubernetes side and one line saying that the Ozone side
//! needs `pods/exec`.
//!
//! The subject is an impersonated user (`--as`, with the test's administrator kubeconfig): the
//! API server authorizes an impersonated request as that user's own — the RBAC authorizer and
//! the escalation check alike (checked on the harness against a client-certificate user of
//! `../shared/harness/user`: the same answers, word for word) — so this runs unchanged on the
//! harness, kind and k3d, with no user kubeconfig to make.

use crate::support::{Ctx, Outcome, Output, passed, trial};
use anyhow::{Context, Result, ensure};
use libtest_mimic::Trial;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial("rbac_operator_role_runs_the_day2_verbs", operator),
        trial("rbac_viewer_status_is_kubernetes_and_one_line", viewer),
    ]
}

/// How often the plugin polls Ozone while waiting.
const POLL: [&str; 2] = ["--poll-interval", "250ms"];

/// The spec every run uses: small, with four datanodes so that one can leave.
const SPEC: [&str; 4] = ["--profile", "small", "--set", "datanodes.replicas=4"];

/// A small cluster with four datanodes, applied by the administrator as `kubectl ozone apply`
/// does it, ready.
fn install(ctx: &Ctx) -> Result<()> {
    ctx.render_apply(&SPEC, Some("kubectl-ozone"))?;
    ctx.wait_cluster_ready("ozone")
}

/// Binds Role `ozone-<role>` to user `user` (as the administrator) and waits until the API
/// server authorizes that user with it.
fn bind(ctx: &Ctx, role: &str, user: &str) -> Result<()> {
    ctx.kubectl(&[
        "create",
        "rolebinding",
        user,
        &format!("--role=ozone-{role}"),
        &format!("--user={user}"),
    ])?
    .ok()?;
    ctx.wait_until(
        &format!("the {role} Role to reach the authorizer"),
        crate::support::timeout(),
        || {
            let out = ctx.kubectl(&["auth", "can-i", "list", "pods", "--as", user])?;
            Ok((out.stdout.trim() != "yes").then(|| out.stdout.trim().to_owned()))
        },
    )
}

/// Runs the plugin as `user`.
fn as_user(ctx: &Ctx, user: &str, args: &[&str]) -> Result<Output> {
    let mut all = args.to_vec();
    all.extend(["--as", user]);
    ctx.ozone(&all)
}

fn refused(out: &Output) -> bool {
    let text = format!("{}\n{}", out.stdout, out.stderr).to_lowercase();
    text.contains("forbidden") || text.contains("escalation")
}

fn operator(ctx: &Ctx) -> Outcome {
    install(ctx)?;
    const USER: &str = "e2e-operator";
    bind(ctx, "operator", USER)?;

    let out = as_user(ctx, USER, &["status"])?.ok()?;
    ensure!(
        out.stdout.contains("Datanodes: 4"),
        "status as the operator has no Ozone side:\n{}",
        out.stdout
    );
    as_user(ctx, USER, &["datanode", "list"])?.ok()?;
    let out = as_user(ctx, USER, &[&["diff"][..], &SPEC].concat())?.ok()?;
    ensure!(
        out.stdout.contains("No differences"),
        "diff as the operator:\n{}",
        out.stdout
    );

    // doctor and report find what they find on this cluster; as the operator they must find
    // the same as the administrator, and be refused nothing.
    let admin = ctx.ozone(&["doctor"])?;
    let out = as_user(ctx, USER, &["doctor"])?;
    ensure!(
        out.code == admin.code && !refused(&out),
        "doctor as the operator exited {} (the administrator's: {}):\n{}\n{}",
        out.code,
        admin.code,
        out.stdout,
        out.stderr
    );
    let path = ctx.dir.path().join("operator.tar.gz");
    let path = path.to_string_lossy().into_owned();
    let admin_path = ctx.dir.path().join("admin.tar.gz");
    let admin = ctx.ozone(&["report", "-o", &admin_path.to_string_lossy()])?;
    let out = as_user(ctx, USER, &["report", "-o", &path])?;
    ensure!(
        out.code == admin.code && !refused(&out),
        "report as the operator exited {} (the administrator's: {}):\n{}",
        out.code,
        admin.code,
        out.stderr
    );

    // The change issue 23 found refused: a new binding of the developer Role.
    let developers = [
        "--set",
        "rbac.bindings.developer[0].kind=Group",
        "--set",
        "rbac.bindings.developer[0].name=e2e-developers",
    ];
    let spec = [&SPEC[..], &developers].concat();
    as_user(ctx, USER, &[&["apply"][..], &spec, &["--yes"]].concat())?.ok()?;
    let binding = ctx.kubectl_json(&["get", "rolebinding", "ozone-developer"])?;
    ensure!(
        binding["roleRef"]["name"] == "ozone-developer"
            && binding["subjects"][0]["name"] == "e2e-developers",
        "the developer binding is not as the spec says: {binding}"
    );
    let out = as_user(ctx, USER, &[&["diff"][..], &spec].concat())?.ok()?;
    ensure!(
        out.stdout.contains("No differences"),
        "diff after the binding:\n{}",
        out.stdout
    );

    for verb in ["maintenance", "recommission"] {
        as_user(ctx, USER, &["datanode", verb, "ozone-datanode-3", "--yes"])?.ok()?;
    }
    let mut decommission = vec![
        "datanode",
        "decommission",
        "ozone-datanode-3",
        "--yes",
        "--wait",
    ];
    decommission.extend(POLL);
    as_user(ctx, USER, &decommission)?.ok()?;
    as_user(
        ctx,
        USER,
        &["datanode", "recommission", "ozone-datanode-3", "--yes"],
    )?
    .ok()?;

    for args in [
        ["volume", "create", "/vol1"],
        ["bucket", "create", "/vol1/logs"],
    ] {
        let mut exec = vec!["exec", "ozone-om-0", "--", "ozone", "sh"];
        exec.extend_from_slice(&args);
        ctx.kubectl(&exec)?.ok()?;
    }
    as_user(
        ctx,
        USER,
        &["snapshot", "create", "vol1/logs", "by-operator"],
    )?
    .ok()?;
    let out = as_user(ctx, USER, &["snapshot", "list", "vol1/logs"])?.ok()?;
    ensure!(
        out.stdout.contains("by-operator"),
        "snapshot list as the operator:\n{}",
        out.stdout
    );

    // A datanode shrink: decommission, wait, scale.
    let shrunk = [
        "--profile",
        "small",
        "--set",
        "datanodes.replicas=3",
        "--set",
        "rbac.bindings.developer[0].kind=Group",
        "--set",
        "rbac.bindings.developer[0].name=e2e-developers",
    ];
    let mut apply = [&["apply"][..], &shrunk, &["--yes", "--wait"]].concat();
    apply.extend(POLL);
    as_user(ctx, USER, &apply)?.ok()?;
    let sts = ctx.kubectl_json(&["get", "statefulset", "ozone-datanode"])?;
    ensure!(
        sts["spec"]["replicas"] == 3,
        "after the shrink the StatefulSet asks for {}",
        sts["spec"]["replicas"]
    );

    as_user(ctx, USER, &["restart", "om", "--all", "--yes"])?.ok()?;
    passed()
}

fn viewer(ctx: &Ctx) -> Outcome {
    install(ctx)?;
    const USER: &str = "e2e-viewer";
    bind(ctx, "viewer", USER)?;
    // A partial answer: what Kubernetes holds, and why Ozone's side is missing (README "RBAC").
    let out = as_user(ctx, USER, &["status"])?.expect_code(1)?;
    for name in [
        "ozone-scm",
        "ozone-om",
        "ozone-datanode",
        "data-ozone-datanode-3",
    ] {
        ensure!(
            out.stdout.contains(name),
            "status as a viewer does not show {name}:\n{}",
            out.stdout
        );
    }
    let mentions: Vec<&str> = out
        .stdout
        .lines()
        .chain(out.stderr.lines())
        .filter(|l| l.contains("pods/exec"))
        .collect();
    ensure!(
        mentions.len() == 1 && out.stderr.lines().count() == 1,
        "status as a viewer should say once that pods/exec is needed:\n--- stdout\n{}\n--- stderr\n{}",
        out.stdout,
        out.stderr
    );
    ensure!(
        mentions[0].contains("needs create on pods/exec"),
        "the line does not name the permission: {}",
        mentions[0]
    );
    let json = as_user(ctx, USER, &["status", "-o", "json"])?.expect_code(1)?;
    let report = json.json()?;
    let errors = report["ozone"]["errors"]
        .as_array()
        .context("status -o json has no ozone.errors")?;
    ensure!(errors.len() == 1, "ozone.errors: {errors:?}");
    passed()
}
