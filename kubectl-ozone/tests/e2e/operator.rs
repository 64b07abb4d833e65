//! Operator mode on the real API server: the CRD `kubectl ozone operator crd` prints is
//! accepted (structural schema, CEL cost budget), admits a valid `OzoneCluster`, rejects invalid
//! ones and invalid updates with the field path, exactly as `kubectl ozone lint` reports them;
//! and `operator manifests` installs an operator whose ServiceAccount may apply what render
//! produces (Kubernetes' RBAC escalation check included) and whose pod meets `restricted`.

use crate::support::{BIN, Ctx, Outcome, passed, small_spec, trial, with_spec};
use anyhow::{Context, Result, ensure};
use libtest_mimic::Trial;
use std::io::Write;
use std::process::{Command, Stdio};

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "operator_crd_admits_valid_and_rejects_invalid_clusters",
            operator_crd_admits_valid_and_rejects_invalid_clusters,
        ),
        trial(
            "operator_manifests_install_an_operator_that_may_apply_a_render",
            operator_manifests_install_an_operator_that_may_apply_a_render,
        ),
        trial(
            "operator_watching_one_namespace_may_apply_a_render_there_only",
            operator_watching_one_namespace_may_apply_a_render_there_only,
        ),
    ]
}

const CRD: &str = "ozoneclusters.ozone.apache.org";

/// Runs the plugin without the `-n` the fixture adds (`operator crd` takes none), with the
/// cluster's kubeconfig; returns stdout, failing on a non-zero exit.
fn plugin(ctx: &Ctx, args: &[&str], stdin: Option<&str>) -> Result<String> {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("KUBECONFIG", &ctx.kubeconfig)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().context("cannot run kubectl-ozone")?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.unwrap_or_default().as_bytes())?;
    }
    let out = child.wait_with_output()?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// Installs the CRD (idempotent: server-side apply) and waits until it is served.
fn install_crd(ctx: &Ctx) -> Result<()> {
    let mut cmd = Command::new(BIN);
    let out = cmd
        .args(["operator", "crd"])
        .env("KUBECONFIG", &ctx.kubeconfig)
        .output()?;
    ensure!(out.status.success(), "operator crd failed");
    ctx.kubectl_global(
        &[
            "apply",
            "--server-side",
            "--field-manager=e2e-operator",
            "-f",
            "-",
        ],
        Some(&out.stdout),
    )?
    .ok()
    .context("the API server refused the CRD")?;
    // Polled rather than `kubectl wait`, which fails while the new CRD has no conditions yet.
    ctx.wait_until(
        "the CRD to be established",
        crate::support::timeout(),
        || {
            let out = ctx
                .kubectl_global(&["get", &format!("crd/{CRD}"), "-o", "json"], None)?
                .ok()?;
            let crd = out.json()?;
            let established = crd["status"]["conditions"].as_array().is_some_and(|cs| {
                cs.iter()
                    .any(|c| c["type"] == "Established" && c["status"] == "True")
            });
            Ok((!established).then(|| format!("{}", crd["status"])))
        },
    )
}

/// An OzoneCluster in the test namespace with this `spec` (YAML, indented by two).
fn resource(ctx: &Ctx, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\nmetadata:\n  name: {name}\n  namespace: {}\nspec:\n{spec}",
        ctx.ns
    )
}

const VALID: &str = "  profile: small
  om: {replicas: 1}
  scm: {replicas: 1}
  datanodes:
    replicas: 3
    storage:
      size: 100Gi
      storageClass: standard
      data: [{size: 1Ti, storageClass: hdd}]
";

fn apply(ctx: &Ctx, document: &str) -> Result<crate::support::Output> {
    ctx.kubectl_global(
        &["apply", "--server-side", "--field-manager=e2e", "-f", "-"],
        Some(document.as_bytes()),
    )
}

/// The API server refuses `document` naming `path` and saying `message`, and `kubectl ozone
/// lint` of the same document (`lint_too`) reports the same rule at the same path.
fn refused(ctx: &Ctx, document: &str, path: &str, message: &str, lint_too: bool) -> Result<()> {
    let out = apply(ctx, document)?;
    ensure!(out.code != 0, "the API server admitted:\n{document}");
    ensure!(
        out.stderr.contains(path) && out.stderr.contains(message),
        "the API server refused without `{path}` … `{message}`:\n{}",
        out.stderr
    );
    if lint_too {
        let file = ctx.dir.path().join("cluster.yaml");
        std::fs::write(&file, document)?;
        let report = plugin(ctx, &["lint", &file.display().to_string()], None)?;
        ensure!(
            report.contains(&format!(
                "[ozone-cluster-admission] OzoneCluster/{}/",
                ctx.ns
            )) && report.contains(&format!("{path}: {message}")),
            "lint does not report `{path}: {message}`:\n{report}"
        );
    }
    Ok(())
}

fn operator_crd_admits_valid_and_rejects_invalid_clusters(ctx: &Ctx) -> Outcome {
    install_crd(ctx)?;
    // A valid resource is stored; the spec render reads is the custom resource.
    apply(ctx, &resource(ctx, "ozone", VALID))?.ok()?;
    // Creations the CEL rules refuse, each with its field path, as lint says it.
    refused(
        ctx,
        &resource(ctx, "even", "  om: {replicas: 4}\n"),
        "spec.om.replicas",
        "must be 1 or an odd number of at least 3",
        true,
    )?;
    refused(
        ctx,
        &resource(ctx, "large", "  scm: {replicas: 11}\n"),
        "spec.scm.replicas",
        "must be at most 9",
        true,
    )?;
    refused(
        ctx,
        &resource(ctx, "few", "  datanodes: {replicas: 2}\n"),
        "spec.datanodes.replicas",
        "must be at least 3 when replication is THREE",
        true,
    )?;
    // Updates the transition rules refuse (oldSelf): only the API server sees the stored
    // object, so lint has nothing to say about them.
    refused(
        ctx,
        &resource(ctx, "ozone", &VALID.replace("size: 100Gi", "size: 50Gi")),
        "spec.datanodes.storage.size",
        "may not shrink",
        false,
    )?;
    refused(
        ctx,
        &resource(
            ctx,
            "ozone",
            &VALID.replace("storageClass: standard", "storageClass: fast"),
        ),
        "spec.datanodes.storage.storageClass",
        "may not change once set",
        false,
    )?;
    refused(
        ctx,
        &resource(ctx, "ozone", &VALID.replace("size: 1Ti", "size: 500Gi")),
        "spec.datanodes.storage.data",
        "a data volume's size may not shrink",
        false,
    )?;
    // Growing is fine.
    apply(
        ctx,
        &resource(ctx, "ozone", &VALID.replace("size: 100Gi", "size: 200Gi")),
    )?
    .ok()?;
    // The status subresource and the printer columns.
    ctx.kubectl(&[
        "patch",
        "ozonecluster",
        "ozone",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"phase":"Ready","version":"2.2.1","ready":"5/5"}}"#,
    ])?
    .ok()?;
    let table = ctx.kubectl(&["get", "ozone"])?.ok()?.stdout;
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    ensure!(
        header == ["NAME", "PHASE", "VERSION", "READY", "AGE"],
        "printer columns:\n{table}"
    );
    ensure!(
        table.lines().any(|l| l
            .split_whitespace()
            .take(4)
            .eq(["ozone", "Ready", "2.2.1", "5/5"])),
        "status columns:\n{table}"
    );
    // A user's apply of the spec cannot write the status (the subresource owns it).
    let doc = resource(ctx, "ozone", &VALID.replace("size: 100Gi", "size: 200Gi"))
        + "status: {phase: Broken}\n";
    apply(ctx, &doc)?.ok()?;
    let phase = ctx.kubectl_json(&["get", "ozonecluster", "ozone"])?["status"]["phase"].clone();
    ensure!(phase == "Ready", "status.phase became {phase}");
    passed()
}

fn operator_manifests_install_an_operator_that_may_apply_a_render(ctx: &Ctx) -> Outcome {
    // `-n <test namespace>`: the operator runs there.
    let manifests = ctx.ozone(&["operator", "manifests"])?.ok()?.stdout;
    let result = (|| -> Result<()> {
        ctx.kubectl_global(
            &[
                "apply",
                "--server-side",
                "--field-manager=e2e-operator",
                "-f",
                "-",
            ],
            Some(manifests.as_bytes()),
        )?
        .ok()
        .context("the API server refused the operator's manifests")?;
        // The pod is admitted under `restricted` (the namespace's label) and becomes ready.
        ctx.kubectl(&[
            "rollout",
            "status",
            "deployment/ozone-operator",
            "--timeout=120s",
        ])?
        .ok()?;
        // What the operator will do: apply a render, as its ServiceAccount. Kubernetes refuses
        // a Role granting more than its writer holds, so this proves the ClusterRole holds
        // every rule of the Roles render writes.
        let spec = small_spec(&[]);
        let rendered = ctx.ozone(&with_spec(&["render"], &spec, &[]))?.ok()?.stdout;
        let sa = format!("system:serviceaccount:{}:ozone-operator", ctx.ns);
        ctx.kubectl_global(
            &[
                "--as",
                &sa,
                "apply",
                "--server-side",
                "--force-conflicts",
                "--field-manager=ozone-operator",
                "-f",
                "-",
            ],
            Some(rendered.as_bytes()),
        )?
        .ok()
        .context("the operator's ServiceAccount may not apply a render")?;
        ctx.wait_cluster_ready("ozone")?;
        // And it reads and writes OzoneClusters and their status.
        for (verb, resource) in [
            ("watch", "ozoneclusters.ozone.apache.org"),
            ("patch", "ozoneclusters.ozone.apache.org/status"),
            ("create", "leases.coordination.k8s.io"),
            ("create", "pods/exec"),
        ] {
            let out = ctx.kubectl(&["auth", "can-i", "--as", &sa, verb, resource])?;
            ensure!(
                out.stdout.trim() == "yes",
                "operator may not {verb} {resource}"
            );
        }
        let out = ctx.kubectl(&["auth", "can-i", "--as", &sa, "delete", "nodes"])?;
        ensure!(out.stdout.trim() == "no", "the operator may delete nodes");
        Ok(())
    })();
    // The cluster-scoped objects outlive the namespace: remove them whatever happened.
    let _ = ctx.kubectl_global(
        &[
            "delete",
            "clusterrolebinding/ozone-operator",
            "clusterrole/ozone-operator",
            "--ignore-not-found",
        ],
        None,
    );
    result?;
    passed()
}

/// `--watch-namespace`: a Role in the watched namespace and a ClusterRole for the cluster-scoped
/// kinds (the Namespace limited by name) are enough to apply a render there, and nothing is
/// granted elsewhere.
fn operator_watching_one_namespace_may_apply_a_render_there_only(ctx: &Ctx) -> Outcome {
    let operator_ns = ctx.other_namespace("op")?;
    let mut cmd = Command::new(BIN);
    let out = cmd
        .args([
            "operator",
            "manifests",
            "--namespace",
            &operator_ns,
            "--watch-namespace",
            &ctx.ns,
        ])
        .output()?;
    ensure!(out.status.success(), "operator manifests failed");
    let result = (|| -> Result<()> {
        ctx.kubectl_global(
            &[
                "apply",
                "--server-side",
                "--field-manager=e2e-operator",
                "-f",
                "-",
            ],
            Some(&out.stdout),
        )?
        .ok()
        .context("the API server refused the operator's manifests")?;
        let spec = small_spec(&[]);
        let rendered = ctx.ozone(&with_spec(&["render"], &spec, &[]))?.ok()?.stdout;
        let sa = format!("system:serviceaccount:{operator_ns}:ozone-operator");
        ctx.kubectl_global(
            &[
                "--as",
                &sa,
                "apply",
                "--server-side",
                "--force-conflicts",
                "--field-manager=ozone-operator",
                "-f",
                "-",
            ],
            Some(rendered.as_bytes()),
        )?
        .ok()
        .context("the operator's ServiceAccount may not apply a render in its watched namespace")?;
        let can = |ns: &str, verb: &str, resource: &str| -> Result<bool> {
            let out = ctx.kubectl_global(
                &["auth", "can-i", "--as", &sa, "-n", ns, verb, resource],
                None,
            )?;
            Ok(out.stdout.trim() == "yes")
        };
        ensure!(
            can(&ctx.ns, "create", "statefulsets.apps")?,
            "no statefulsets in the watched namespace"
        );
        ensure!(
            !can("default", "create", "statefulsets.apps")?,
            "statefulsets outside the watched namespace"
        );
        ensure!(
            !can("default", "list", "ozoneclusters.ozone.apache.org")?,
            "OzoneClusters outside the watched namespace"
        );
        Ok(())
    })();
    let _ = ctx.kubectl_global(
        &[
            "delete",
            "clusterrolebinding/ozone-operator-cluster-scoped",
            "clusterrole/ozone-operator-cluster-scoped",
            "--ignore-not-found",
        ],
        None,
    );
    result?;
    passed()
}
