//! Managed TLS on a real control plane: the render refers to Secrets that do not exist yet, so
//! the pods wait; `cert issue --wait` creates the CA and certificates and the pods start;
//! `cert rotate` issues new leaves and restarts every pod in quorum-safe order onto them.
//! Each flow ends with `cert status` clean and nothing left on an older template.

use crate::restart::{POLL, assert_nothing_on_an_older_template, doctor_findings, uids};
use crate::support::{Ctx, Outcome, passed, timeout, trial};
use anyhow::{Result, ensure};
use libtest_mimic::Trial;
use serde_json::Value;
use std::collections::BTreeMap;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![trial(
        "cert_issue_then_rotate_managed_tls",
        cert_issue_then_rotate_managed_tls,
    )]
}

const MANAGED: [&str; 4] = ["--profile", "small", "--set", "security.tls.mode=managed"];

/// The SHA-256 fingerprint annotation of each `<cluster>-<component>-tls` Secret.
fn secret_fingerprints(ctx: &Ctx) -> Result<BTreeMap<String, String>> {
    let secrets = ctx.kubectl_json(&["get", "secrets"])?;
    Ok(secrets["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let name = s["metadata"]["name"].as_str()?;
            let fp = s["metadata"]["annotations"]
                .as_object()?
                .iter()
                .find(|(k, _)| k.ends_with("fingerprint"))?
                .1
                .as_str()?;
            name.ends_with("-tls")
                .then(|| (name.to_owned(), fp.to_owned()))
        })
        .collect())
}

/// Each pod's `ozone.apache.org/tls-fingerprint`.
fn pod_fingerprints(ctx: &Ctx) -> Result<BTreeMap<String, Option<String>>> {
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
                p["metadata"]["annotations"]["ozone.apache.org/tls-fingerprint"]
                    .as_str()
                    .map(str::to_owned),
            )
        })
        .collect())
}

/// `cert status -o json` exits 0 and every pod serves its Secret's current certificate.
fn assert_certificates_current(ctx: &Ctx, after: &str) -> Result<()> {
    let out = ctx.ozone(&["cert", "status", "-o", "json"])?;
    ensure!(
        out.code == 0,
        "after {after}: cert status exited {}:\n{}{}",
        out.code,
        out.stdout,
        out.stderr
    );
    let text = out.stdout.clone();
    let report: Value = out.json()?;
    ensure!(
        !text.contains("\"stale\""),
        "after {after}: cert status shows a pod on an older certificate: {report:#}"
    );
    let findings = doctor_findings(ctx, "certificates")?;
    ensure!(findings.is_empty(), "after {after}: doctor: {findings:#?}");
    Ok(())
}

fn cert_issue_then_rotate_managed_tls(ctx: &Ctx) -> Outcome {
    ctx.render_apply(&MANAGED, None)?;
    // No key material is rendered: the pods wait for their Secrets.
    ctx.wait_until("a pod waiting for its TLS Secret", timeout(), || {
        let pods = ctx.kubectl_json(&["get", "pods", "-l", "app.kubernetes.io/instance=ozone"])?;
        let waiting = pods["items"].as_array().into_iter().flatten().any(|p| {
            p["status"]["containerStatuses"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| {
                    c["state"]["waiting"]["reason"]
                        .as_str()
                        .is_some_and(|r| r.contains("Container"))
                })
        });
        Ok((!waiting).then(|| "no pod waits".to_owned()))
    })?;
    let issue = ctx
        .ozone(&["cert", "issue", "--wait", "--yes", POLL[0], POLL[1]])?
        .ok()?;
    ctx.wait_cluster_ready("ozone")?;
    let issued = secret_fingerprints(ctx)?;
    ensure!(
        issued.len() >= 4,
        "cert issue made these certificate Secrets: {issued:?}\n{}",
        issue.stderr
    );
    for (pod, fp) in pod_fingerprints(ctx)? {
        ensure!(
            fp.is_some(),
            "{pod} does not record the certificate it started with"
        );
    }
    assert_certificates_current(ctx, "cert issue")?;
    assert_nothing_on_an_older_template(ctx, "cert issue")?;
    // Rotate: new leaves from the same CA, every pod restarted onto its new certificate.
    let before = uids(ctx)?;
    ctx.ozone(&["cert", "rotate", "--yes", POLL[0], POLL[1]])?
        .ok()?;
    ctx.wait_cluster_ready("ozone")?;
    let rotated = secret_fingerprints(ctx)?;
    for (secret, fp) in &issued {
        ensure!(
            rotated.get(secret).is_some_and(|new| new != fp),
            "{secret} was not re-issued by cert rotate"
        );
    }
    let after = uids(ctx)?;
    for (pod, uid) in &before {
        ensure!(
            after.get(pod) != Some(uid),
            "cert rotate did not restart {pod}"
        );
    }
    let pods = pod_fingerprints(ctx)?;
    for (pod, fp) in &pods {
        let serves_new = fp
            .as_ref()
            .is_some_and(|f| rotated.values().any(|r| r == f));
        ensure!(
            serves_new,
            "{pod} records {fp:?}, not a rotated certificate"
        );
    }
    assert_certificates_current(ctx, "cert rotate")?;
    assert_nothing_on_an_older_template(ctx, "cert rotate")?;
    passed()
}
