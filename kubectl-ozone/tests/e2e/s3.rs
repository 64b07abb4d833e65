//! `s3 credentials` as a user runs it: on an unsecured cluster (the message, a random pair in a
//! Secret of the application's namespace, `--force`, `--dry-run`) and on a secured one with
//! managed TLS (Ozone's pair from `ozone s3 getsecret`, never printed; a second secret refused
//! by Ozone until the user revokes the first). The Secrets are read back after every run.

use crate::install::install_small;
use crate::support::{Ctx, Outcome, passed, trial};
use anyhow::{Context, Result, ensure};
use k8s_openapi::api::core::v1::Secret;
use libtest_mimic::Trial;
use std::collections::BTreeMap;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial("s3_credentials_unsecured_writes_a_random_pair", unsecured),
        trial(
            // Short: `cert issue` refuses namespaces over ~31 characters (a leaf's common name
            // `<cluster>-datanode.<namespace>.svc.cluster.local` must be ≤ 64), see notes/e2e.md.
            "s3_secured_tls",
            secured,
        ),
    ]
}

const KEYS: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
];
const SOURCE: &str = "ozone.apache.org/s3-credentials-source";

/// A Secret's data as text, or `None` when it is not there.
fn secret(
    ctx: &Ctx,
    namespace: &str,
    name: &str,
) -> Result<Option<(Secret, BTreeMap<String, String>)>> {
    let out = ctx.kubectl_global(
        &["get", "secret", name, "-n", namespace, "-o", "json"],
        None,
    )?;
    if out.code != 0 {
        ensure!(
            out.stderr.contains("NotFound"),
            "cannot read Secret {namespace}/{name}:\n{}",
            out.stderr
        );
        return Ok(None);
    }
    let secret: Secret = serde_json::from_str(&out.stdout).context("not a Secret")?;
    let data = secret
        .data
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8_lossy(&v.0).into_owned()))
        .collect();
    Ok(Some((secret, data)))
}

fn annotation<'a>(s: &'a Secret, key: &str) -> Option<&'a str> {
    s.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

/// The value after `prefix` on a line of `text`.
fn line_value<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.lines().find_map(|l| l.strip_prefix(prefix))
}

fn unsecured(ctx: &Ctx) -> Outcome {
    install_small(ctx, None)?;
    let apps = ctx.other_namespace("apps")?;

    // Without --secret: nothing to store, the user is told why any pair works.
    let out = ctx.ozone(&["s3", "credentials"])?.ok()?;
    ensure!(
        out.stdout.starts_with(
            "Ozone security is off (ozone.security.enabled is not true): the S3 Gateway accepts any AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Pass --secret NAME to store a random pair for your applications.\n"
        ),
        "s3 credentials on an unsecured cluster says:\n{}",
        out.stdout
    );
    let endpoint = line_value(&out.stdout, "endpoint: ")
        .context("no endpoint line")?
        .to_owned();
    ensure!(
        endpoint.starts_with("http://") && endpoint.contains(&format!(".{}.svc", ctx.ns)),
        "the endpoint {endpoint} is not the S3 Gateway's in-cluster HTTP address"
    );

    let out = ctx
        .ozone(&[
            "s3",
            "credentials",
            "--secret",
            "s3",
            "--secret-namespace",
            &apps,
            "--dry-run",
        ])?
        .ok()?;
    ensure!(
        out.stdout.contains(&format!("{apps}/s3")),
        "the dry run does not name the Secret:\n{}",
        out.stdout
    );
    ensure!(
        secret(ctx, &apps, "s3")?.is_none(),
        "a dry run wrote the Secret"
    );

    let out = ctx
        .ozone(&[
            "s3",
            "credentials",
            "--secret",
            "s3",
            "--secret-namespace",
            &apps,
        ])?
        .ok()?;
    let (s, data) = secret(ctx, &apps, "s3")?.context("no Secret written")?;
    ensure!(
        data.keys().map(String::as_str).collect::<Vec<_>>() == KEYS,
        "the Secret's keys: {:?}",
        data.keys()
    );
    let id = &data["AWS_ACCESS_KEY_ID"];
    let key = &data["AWS_SECRET_ACCESS_KEY"];
    ensure!(
        id.len() == 20 && key.len() == 40,
        "the random pair is not in AWS's shapes (20 and 40 characters): {id}"
    );
    ensure!(
        data["AWS_ENDPOINT_URL"] == endpoint && data["AWS_REGION"] == "us-east-1",
        "endpoint and region in the Secret: {} {}",
        data["AWS_ENDPOINT_URL"],
        data["AWS_REGION"]
    );
    ensure!(
        annotation(&s, SOURCE) == Some("random"),
        "the Secret does not say its pair is random: {:?}",
        s.metadata.annotations
    );
    ensure!(
        out.stdout.starts_with(&format!("a random pair is in Secret {apps}/s3: Ozone security is off, so any pair works and this one identifies nobody\n"))
            && line_value(&out.stdout, "access key id: ") == Some(id.as_str())
            && !out.stdout.contains(key.as_str())
            && !out.stderr.contains(key.as_str()),
        "s3 credentials --secret says (the secret key must not appear):\n{}{}",
        out.stdout,
        out.stderr
    );

    // An existing Secret is kept without --force; --force asks, --yes answers.
    let out = ctx
        .ozone(&[
            "s3",
            "credentials",
            "--secret",
            "s3",
            "--secret-namespace",
            &apps,
        ])?
        .expect_code(1)?;
    ensure!(
        out.stderr.contains(&format!(
            "Secret {apps}/s3 exists; nothing was changed (pass --force to overwrite it)"
        )),
        "a second run:\n{}",
        out.stderr
    );
    let out = ctx
        .ozone(&[
            "s3",
            "credentials",
            "--secret",
            "s3",
            "--secret-namespace",
            &apps,
            "--force",
        ])?
        .expect_code(2)?;
    ensure!(
        out.stderr.contains("pass --yes"),
        "--force without a terminal:\n{}",
        out.stderr
    );
    let (_, unchanged) = secret(ctx, &apps, "s3")?.context("the Secret went away")?;
    ensure!(unchanged == data, "a refused run changed the Secret");
    ctx.ozone(&[
        "s3",
        "credentials",
        "--secret",
        "s3",
        "--secret-namespace",
        &apps,
        "--force",
        "--yes",
    ])?
    .ok()?;
    let (_, replaced) = secret(ctx, &apps, "s3")?.context("the Secret went away")?;
    ensure!(
        replaced["AWS_ACCESS_KEY_ID"] != *id && replaced["AWS_SECRET_ACCESS_KEY"] != *key,
        "--force --yes kept the old pair"
    );

    let out = ctx
        .ozone(&["s3", "credentials", "--secret", "Bad_Name"])?
        .expect_code(2)?;
    ensure!(
        out.stderr
            .contains("--secret: \"Bad_Name\" is not a valid Secret name"),
        "a bad Secret name:\n{}",
        out.stderr
    );
    passed()
}

fn secured(ctx: &Ctx) -> Outcome {
    ctx.render_apply(
        &[
            "--profile",
            "small",
            "--set",
            "security.tls.mode=managed",
            "--set",
            "config.ozone-site\\.xml.ozone\\.security\\.enabled=true",
        ],
        None,
    )?;
    ctx.ozone(&["cert", "issue", "--yes"])?.ok()?;
    ctx.wait_cluster_ready("ozone")?;

    let out = ctx.ozone(&["s3", "credentials"])?.expect_code(2)?;
    ensure!(
        out.stderr
            .contains("--secret: required on a secured cluster"),
        "without --secret on a secured cluster:\n{}",
        out.stderr
    );

    let out = ctx
        .ozone(&["s3", "credentials", "--secret", "s3", "--dry-run"])?
        .ok()?;
    ensure!(
        out.stdout.contains("ozone s3 getsecret"),
        "the dry run does not show the Ozone command:\n{}",
        out.stdout
    );
    ensure!(
        secret(ctx, &ctx.ns, "s3")?.is_none(),
        "a dry run wrote the Secret"
    );

    let out = ctx
        .ozone(&["s3", "credentials", "--secret", "s3", "-o", "json"])?
        .ok()?;
    let (s, data) = secret(ctx, &ctx.ns, "s3")?.context("no Secret written")?;
    ensure!(
        data.keys().map(String::as_str).collect::<Vec<_>>() == KEYS,
        "the Secret's keys: {:?}",
        data.keys()
    );
    let key = &data["AWS_SECRET_ACCESS_KEY"];
    ensure!(
        !key.is_empty() && !out.stdout.contains(key.as_str()) && !out.stderr.contains(key.as_str()),
        "Ozone's secret was printed or not stored:\n{}{}",
        out.stdout,
        out.stderr
    );
    let result = out.json()?;
    ensure!(
        result["secured"] == true
            && result["secret"] == format!("{}/s3", ctx.ns)
            && result["source"] == "ozone s3 getsecret"
            && result["accessKeyId"] == data["AWS_ACCESS_KEY_ID"].as_str(),
        "s3 credentials -o json: {result}"
    );
    ensure!(
        annotation(&s, SOURCE) == Some("ozone s3 getsecret"),
        "the Secret does not say where its pair came from: {:?}",
        s.metadata.annotations
    );
    let endpoint = &data["AWS_ENDPOINT_URL"];
    ensure!(
        endpoint.starts_with("https://") && endpoint.contains(&format!(".{}.svc", ctx.ns)),
        "under managed TLS the endpoint {endpoint} is not the S3 Gateway's HTTPS address"
    );
    ensure!(
        result["endpoint"] == endpoint.as_str(),
        "the printed endpoint is not the stored one: {result}"
    );

    // Ozone makes one secret per user: a second Secret fails in Ozone and writes nothing,
    // until the user revokes the first.
    let out = ctx
        .ozone(&["s3", "credentials", "--secret", "s3-again"])?
        .expect_code(1)?;
    ensure!(
        out.stderr
            .contains("`ozone s3 getsecret` failed; no Secret was written"),
        "a second getsecret:\n{}",
        out.stderr
    );
    ensure!(
        secret(ctx, &ctx.ns, "s3-again")?.is_none(),
        "a failed getsecret wrote a Secret"
    );
    ctx.kubectl(&[
        "exec",
        "ozone-om-0",
        "--",
        "ozone",
        "s3",
        "revokesecret",
        "-y",
    ])?
    .ok()?;
    ctx.ozone(&["s3", "credentials", "--secret", "s3-again"])?
        .ok()?;
    let (_, again) = secret(ctx, &ctx.ns, "s3-again")?.context("no Secret written after revoke")?;
    ensure!(
        again["AWS_SECRET_ACCESS_KEY"] != *key,
        "the secret made after revoking is the revoked one"
    );
    passed()
}
