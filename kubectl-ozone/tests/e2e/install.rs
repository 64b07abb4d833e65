//! Installing a cluster the way the README shows (`render | kubectl apply --server-side`), then
//! reading it back with `status`, `doctor` and `report`.

use crate::support::{Ctx, Outcome, passed, trial};
use anyhow::{Context, Result, bail, ensure};
use libtest_mimic::Trial;
use std::io::Read;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial("install_small_then_status", install_small_then_status),
        trial(
            "install_small_with_field_manager_then_doctor",
            install_small_with_field_manager_then_doctor,
        ),
        trial(
            "report_bundle_redacts_secrets",
            report_bundle_redacts_secrets,
        ),
    ]
}

/// `render --profile small | kubectl apply --server-side -f -`, waited until ready.
pub fn install_small(ctx: &Ctx, field_manager: Option<&str>) -> Result<()> {
    ctx.render_apply(&["--profile", "small"], field_manager)?;
    ctx.wait_cluster_ready("ozone")
}

/// The line of a table whose first cells are `cells` (columns separated by runs of spaces).
fn row<'a>(text: &'a str, cells: &[&str]) -> Option<&'a str> {
    text.lines().find(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        words.len() >= cells.len() && words[..cells.len()] == *cells
    })
}

fn install_small_then_status(ctx: &Ctx) -> Outcome {
    install_small(ctx, None)?;
    let out = ctx.ozone(&["status"])?.ok()?;
    let text = &out.stdout;
    ensure!(
        text.starts_with(&format!("Ozone cluster ozone in namespace {}", ctx.ns)),
        "status names another cluster:\n{text}"
    );
    for (component, kind, name, ready) in [
        ("scm", "StatefulSet", "ozone-scm", "1/1"),
        ("om", "StatefulSet", "ozone-om", "1/1"),
        ("datanode", "StatefulSet", "ozone-datanode", "3/3"),
        ("s3g", "Deployment", "ozone-s3g", "1/1"),
        ("recon", "StatefulSet", "ozone-recon", "1/1"),
    ] {
        ensure!(
            row(text, &[component, kind, name, ready]).is_some(),
            "status shows no `{component} {kind} {name} {ready}` row:\n{text}"
        );
    }
    for pod in [
        "ozone-scm-0",
        "ozone-om-0",
        "ozone-datanode-0",
        "ozone-datanode-1",
        "ozone-datanode-2",
    ] {
        let line = row(text, &[pod]).with_context(|| format!("no row for {pod}:\n{text}"))?;
        let words: Vec<&str> = line.split_whitespace().collect();
        ensure!(
            words.get(2) == Some(&"Running") && words.get(3) == Some(&"true"),
            "{pod} is not shown running and ready: {line}"
        );
    }
    ensure!(
        row(text, &["scm", "ozone-scm-0", "LEADER"]).is_some()
            && row(text, &["om", "ozone-om-0", "LEADER"]).is_some(),
        "status shows no SCM and OM leader:\n{text}"
    );
    ensure!(
        text.contains("Safe mode: off\n"),
        "status does not show SCM out of safe mode:\n{text}"
    );
    ensure!(
        text.contains("Datanodes: 3 (IN_SERVICE/HEALTHY 3)\n"),
        "status does not show 3 healthy datanodes in service:\n{text}"
    );
    // The same, as data.
    let json = ctx.ozone(&["status", "-o", "json"])?.ok()?.json()?;
    ensure!(
        json["ozone"]["errors"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "status -o json reports errors: {}",
        json["ozone"]["errors"]
    );
    ensure!(
        json["ozone"]["datanodes"]["total"] == 3 && json["ozone"]["safeMode"] == "out",
        "status -o json: {}",
        json["ozone"]
    );
    passed()
}

fn install_small_with_field_manager_then_doctor(ctx: &Ctx) -> Outcome {
    install_small(ctx, Some("kubectl-ozone"))?;
    // What a user sees of who owns the objects.
    let sts = ctx.kubectl_json(&["get", "statefulset", "ozone-om", "--show-managed-fields"])?;
    let managers: Vec<&str> = sts["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["operation"] == "Apply")
        .filter_map(|m| m["manager"].as_str())
        .collect();
    ensure!(
        managers == ["kubectl-ozone"],
        "the applied fields of StatefulSet ozone-om belong to {managers:?}, not kubectl-ozone"
    );
    let out = ctx.ozone(&["doctor"])?;
    let text = out.stdout.clone();
    let out = out.ok()?;
    ensure!(
        text.contains("0 warning(s), 0 error(s), 0 not checked"),
        "doctor on a healthy cluster found something:\n{text}"
    );
    for (check, detail) in [
        ("pod-state", "7 of 7 pods running and ready"),
        ("pvc", "6 PVCs bound"),
        ("raft-om", "OM: leader ozone-om-0, 0 followers"),
        ("raft-scm", "SCM: leader ozone-scm-0, 0 followers"),
        ("safe-mode", "SCM: out of safe mode"),
        ("datanodes", "3 datanodes, none dead or stale"),
    ] {
        ensure!(
            text.lines()
                .any(|l| l.starts_with("ok") && l.contains(check) && l.contains(detail)),
            "doctor has no `ok {check} {detail}` line:\n{}",
            out.stdout
        );
    }
    passed()
}

fn report_bundle_redacts_secrets(ctx: &Ctx) -> Outcome {
    install_small(ctx, None)?;
    let secret_value = format!("e2e-s3cr3t-{}", ctx.ns);
    ctx.kubectl(&[
        "create",
        "secret",
        "generic",
        "app-credentials",
        "--from-literal=accessKey=app",
        &format!("--from-literal=secretKey={secret_value}"),
    ])?
    .ok()?;
    let path = ctx.dir.path().join("bundle.tar.gz");
    let path_arg = path.to_string_lossy().into_owned();
    let out = ctx.ozone(&["report", "-o", &path_arg])?;
    // Parts that need pod networking (each pod's /conf through pods/proxy) may be missing on a
    // cluster without it; the report says which and why, and exits 1. Anything else is a failure.
    let mut proxy_cause = None;
    if out.code != 0 {
        let unreachable = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("  "))
            .all(|l| l.contains("ozone-site.xml") && l.contains("pods/proxy"));
        ensure!(
            out.code == 1 && unreachable,
            "report failed:\n{}",
            out.stderr
        );
        proxy_cause = Some(report_names_the_proxy_cause(ctx, &out.stderr)?);
    }
    ensure!(
        out.stderr.contains(&format!("wrote {path_arg}")),
        "report does not say where it wrote the bundle:\n{}",
        out.stderr
    );
    let files = untar(&path)?;
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "ozone-report-ozone/index.json",
        "ozone-report-ozone/status.json",
        "ozone-report-ozone/doctor.json",
        "ozone-report-ozone/kubernetes/statefulsets.yaml",
        "ozone-report-ozone/kubernetes/secrets.yaml",
        "ozone-report-ozone/logs/ozone-om-0/om.log",
        "ozone-report-ozone/ozone/ozone-om-0/version.txt",
    ] {
        ensure!(
            names.contains(&expected),
            "the bundle has no {expected}: {names:?}"
        );
    }
    if let Some(why) = proxy_cause {
        let index: serde_json::Value = files
            .iter()
            .find(|(n, _)| n.ends_with("/index.json"))
            .map(|(_, t)| serde_json::from_str(t))
            .transpose()?
            .context("the bundle has no index.json")?;
        let listed = index["failed"].as_array().is_some_and(|failed| {
            failed.iter().any(|f| {
                f["what"] == "ozone/ozone-om-0/ozone-site.xml"
                    && f["why"].as_str().is_some_and(|w| w.starts_with(&why))
            })
        });
        ensure!(
            listed,
            "index.json does not list ozone-om-0's ozone-site.xml with `{why}`:\n{index:#}"
        );
    }
    for (name, text) in &files {
        if text.contains(&secret_value) {
            bail!("{name} in the bundle holds the Secret's value");
        }
    }
    let secrets = files
        .iter()
        .find(|(n, _)| n.ends_with("kubernetes/secrets.yaml"))
        .map(|(_, t)| t.as_str())
        .unwrap_or_default();
    ensure!(
        secrets.contains("app-credentials") && secrets.contains("secretKey"),
        "secrets.yaml does not name the Secret and its keys:\n{secrets}"
    );
    let image = ctx
        .kubectl(&[
            "get",
            "statefulset",
            "ozone-om",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ])?
        .ok()?
        .stdout;
    let release = image.rsplit(':').next().unwrap_or_default().to_owned();
    let version = files
        .iter()
        .find(|(n, _)| n.ends_with("ozone/ozone-om-0/version.txt"))
        .map(|(_, t)| t.as_str())
        .unwrap_or_default();
    ensure!(
        version.contains("Ozone") && version.contains(&release),
        "version.txt of ozone-om-0 does not name the release of {image}:\n{version}"
    );
    passed()
}

/// The line of ozone-om-0's `ozone-site.xml` gives the API server's own reason, once: the one
/// `kubectl get --raw` of the same proxy path prints after `Error from server (REASON): `.
fn report_names_the_proxy_cause(ctx: &Ctx, stderr: &str) -> Result<String> {
    let raw = ctx.kubectl(&[
        "get",
        "--raw",
        &format!(
            "/api/v1/namespaces/{}/pods/ozone-om-0:9874/proxy/conf",
            ctx.ns
        ),
    ])?;
    ensure!(
        raw.code != 0,
        "report could not read ozone-om-0's /conf, but kubectl can:\n{stderr}"
    );
    let cause = raw
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("Error from server ("))
        .and_then(|l| l.split_once("): "))
        .map(|(_, message)| message.trim().to_owned())
        .with_context(|| format!("kubectl gives no server error:\n{}", raw.stderr))?;
    let line = stderr
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("ozone/ozone-om-0/ozone-site.xml: ")
        })
        .with_context(|| format!("report does not name ozone-om-0's ozone-site.xml:\n{stderr}"))?;
    let attempt = format!("cannot get pods/proxy in namespace {}: ", ctx.ns);
    ensure!(
        line.contains(&format!("{attempt}{cause}")) && line.matches(cause.as_str()).count() == 1,
        "report does not give the API server's reason `{cause}` once after `{attempt}`:\n{line}"
    );
    Ok(format!("{attempt}{cause}"))
}

/// Every file of a .tar.gz, as (path, text).
fn untar(path: &std::path::Path) -> Result<Vec<(String, String)>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("no bundle at {}", path.display()))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut files = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        files.push((name, String::from_utf8_lossy(&bytes).into_owned()));
    }
    Ok(files)
}
