//! `s3 credentials`: an S3 key pair in a Kubernetes Secret, never on the terminal.
//!
//! Secured cluster (`ozone.security.enabled=true`): runs `ozone s3 getsecret` once — a
//! mutation, since OM creates and stores the secret and shows it only this once (operations
//! reference §3.1) — and writes the pair straight into the Secret. If that write fails after
//! Ozone made the secret, the error says how to start over (`ozone s3 revokesecret`, then run
//! again); the secret itself is never printed, in any output mode.
//!
//! Unsecured cluster: the S3 Gateway accepts any pair, so nothing runs in Ozone; with
//! `--secret` a random pair is written, and the output says it is random.

use super::gateway;
use crate::cmd::cert::site_value;
use crate::cmd::common::{ChangeArgs, ClusterArgs, print_plan};
use crate::cmd::snapshot::change::SnapshotChangeArgs;
use crate::exit::BadInput;
use crate::ui::confirm::{Tier, confirm};
use crate::ui::{Io, structured};
use anyhow::{Context, Result};
use clap::Args;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::plan::{Plan, Step};
use ozone_generator::names::{self, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, MANAGER};
use ozone_storage::admin::Mutation;
use ozone_storage::config::keys::SECURITY_ENABLED;
use ozone_storage::s3::{self, KeyPair, REGION};
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::ExitCode;

pub(super) const EXAMPLES: &str = "Examples:
  # Secured cluster: Ozone's secret for the OM pod's principal, into Secret s3 in namespace apps
  kubectl ozone s3 credentials --secret s3 --secret-namespace apps -n ozone

  # For another Ozone user (OM administrators only); see the plan first
  kubectl ozone s3 credentials --ozone-user alice --secret alice-s3 -n ozone --dry-run

Pods use it with envFrom: [{secretRef: {name: s3}}]: the keys are AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL and AWS_REGION.";

/// Secret keys.
pub const ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
/// Secret keys.
pub const SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
/// Secret keys.
pub const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// Secret keys.
pub const REGION_KEY: &str = "AWS_REGION";
/// Annotation saying where the pair came from: `ozone s3 getsecret` or `random`.
pub const SOURCE_ANNOTATION: &str = "ozone.apache.org/s3-credentials-source";

/// `s3 credentials` arguments.
#[derive(Debug, Args, Clone)]
pub struct CredentialsArgs {
    /// The Secret to write (required on a secured cluster).
    #[arg(long, value_name = "NAME")]
    pub secret: Option<String>,
    /// The Secret's namespace (default: the Ozone cluster's).
    #[arg(long, value_name = "NAMESPACE")]
    pub secret_namespace: Option<String>,
    /// The Ozone user whose secret to get (`getsecret -u`; OM administrators only). Default:
    /// the principal the OM pod runs as. (`--user` is kubectl's kubeconfig-user flag.)
    #[arg(long, value_name = "USER")]
    pub ozone_user: Option<String>,
    /// Overwrite the Secret if it exists.
    #[arg(long)]
    pub force: bool,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: SnapshotChangeArgs,
}

/// What was done, as data. Never the secret.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Whether Ozone security is on.
    pub secured: bool,
    /// `namespace/name` of the Secret written, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The access key id (not secret: Ozone's user principal, or the random id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// `ozone s3 getsecret` or `random`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The endpoint stored with it.
    pub endpoint: String,
    /// What to know.
    pub note: String,
}

/// A random pair in AWS's shapes: a 20-character upper-case id, a 40-character secret.
fn random_pair() -> Result<KeyPair> {
    const ID: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = [0u8; 60];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    // 32 and 64 divide 256, so taking the byte modulo the alphabet has no bias.
    let id: String = bytes[..16]
        .iter()
        .map(|b| ID[usize::from(*b) % ID.len()] as char)
        .collect();
    let secret = bytes[20..]
        .iter()
        .map(|b| SECRET[usize::from(*b) % SECRET.len()] as char)
        .collect();
    Ok(KeyPair {
        access_key_id: format!("OZON{id}"),
        secret_access_key: secret,
    })
}

fn secret_object(
    name: &str,
    namespace: &str,
    cluster: &str,
    pair: &KeyPair,
    endpoint: &str,
    source: &str,
    resource_version: Option<String>,
) -> Secret {
    let data = BTreeMap::from([
        (
            ACCESS_KEY_ID.to_owned(),
            ByteString(pair.access_key_id.clone().into_bytes()),
        ),
        (
            SECRET_ACCESS_KEY.to_owned(),
            ByteString(pair.secret_access_key.clone().into_bytes()),
        ),
        (
            ENDPOINT_URL.to_owned(),
            ByteString(endpoint.as_bytes().to_vec()),
        ),
        (
            REGION_KEY.to_owned(),
            ByteString(REGION.as_bytes().to_vec()),
        ),
    ]);
    Secret {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(namespace.to_owned()),
            labels: Some(BTreeMap::from([
                (LABEL_NAME.to_owned(), names::APP_NAME.to_owned()),
                (LABEL_INSTANCE.to_owned(), cluster.to_owned()),
                (LABEL_MANAGED_BY.to_owned(), MANAGER.to_owned()),
            ])),
            annotations: Some(BTreeMap::from([(
                SOURCE_ANNOTATION.to_owned(),
                source.to_owned(),
            )])),
            resource_version,
            ..Default::default()
        },
        type_: Some("Opaque".into()),
        data: Some(data),
        ..Secret::default()
    }
}

/// Runs `s3 credentials`.
pub async fn run(session: &Session, io: &mut Io, a: &CredentialsArgs) -> Result<ExitCode> {
    if let Some(name) = &a.secret
        && !names::is_dns_subdomain(name)
    {
        return Err(BadInput(format!("--secret: {name:?} is not a valid Secret name")).into());
    }
    if let Some(ns) = &a.secret_namespace
        && !names::is_dns_label(ns)
    {
        return Err(BadInput(format!(
            "--secret-namespace: {ns:?} is not a valid namespace name"
        ))
        .into());
    }
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let gateway = gateway(session, &view).await?;
    let endpoint = gateway.in_cluster(&view, "cluster.local")?.url();
    let secured = site_value(session, &view, SECURITY_ENABLED)
        .await?
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let namespace = a
        .secret_namespace
        .clone()
        .unwrap_or_else(|| session.namespace().to_owned());
    let change = ChangeArgs {
        dry_run: a.change.dry_run,
        yes: a.change.yes,
        format: a.change.format,
        ..Default::default()
    };

    let Some(name) = &a.secret else {
        if secured {
            return Err(BadInput(
                "--secret: required on a secured cluster: Ozone shows an S3 secret only once, so it goes straight into a Secret".into(),
            )
            .into());
        }
        let outcome = Outcome {
            secured,
            secret: None,
            access_key_id: None,
            source: None,
            endpoint,
            note: "Ozone security is off (ozone.security.enabled is not true): the S3 Gateway accepts any AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Pass --secret NAME to store a random pair for your applications.".into(),
        };
        return print_outcome(io, &change, &outcome);
    };

    let existing = session.kube.secret_in(&namespace, name).await?;
    if existing.is_some() && !a.force {
        anyhow::bail!(
            "Secret {namespace}/{name} exists; nothing was changed (pass --force to overwrite it{})",
            if secured {
                ", or choose another --secret"
            } else {
                ""
            }
        );
    }
    let source = if secured {
        "ozone s3 getsecret"
    } else {
        "random"
    };
    let m = Mutation::s3_get_secret(a.ozone_user.as_deref());
    let mut steps = Vec::new();
    if secured {
        steps.push(Step::Ozone {
            component: m.component().id().into(),
            argv: m.argv().to_vec(),
        });
    }
    steps.push(Step::UpdateSecret {
        name: format!("{namespace}/{name}"),
        change: format!(
            "{} with {ACCESS_KEY_ID} and {SECRET_ACCESS_KEY} from {}, {ENDPOINT_URL}={endpoint}, {REGION_KEY}={REGION}",
            if existing.is_some() { "overwrite" } else { "create" },
            if secured { "ozone s3 getsecret (never shown)" } else { "a random pair" }
        ),
    });
    let mut notes = Vec::new();
    if !secured {
        notes.push("Ozone security is off: the S3 Gateway accepts any key pair, so a random one is written (it identifies nobody).".to_owned());
    }
    let plan = Plan {
        action: "s3 credentials".into(),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run: change.is_dry_run(),
        targets: Vec::new(),
        checks: Vec::new(),
        notes,
        steps,
    };
    if change.is_dry_run() {
        print_plan(io, &plan, &change)?;
        return Ok(ExitCode::SUCCESS);
    }
    let overwrite = existing.is_some();
    let tier = if overwrite { Tier::Risky } else { Tier::Low };
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        tier,
        a.change.yes,
        &format!("Overwrite Secret {namespace}/{name}? Applications using its pair stop working."),
        "",
    )?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let act = Actuator::new(&session.kube, &ozone, confirmed);
    let pair = if secured {
        let out = act.ozone(&m).await.map_err(|e| {
            anyhow::Error::new(e).context("`ozone s3 getsecret` failed; no Secret was written")
        })?;
        s3::parse_secret(&out).map_err(|e| {
            anyhow::anyhow!(
                "{e}; Ozone may have created the secret nonetheless: revoke it ({}) and run this command again",
                revoke_hint(session, &ozone, a.ozone_user.as_deref())
            )
        })?
    } else {
        random_pair()?
    };
    let secret = secret_object(
        name,
        &namespace,
        view.cluster(),
        &pair,
        &endpoint,
        source,
        existing.and_then(|s| s.metadata.resource_version),
    );
    let written = if overwrite {
        act.replace_secret_in(&namespace, &secret).await
    } else {
        act.create_secret_in(&namespace, &secret).await
    };
    if let Err(e) = written {
        let recovery = if secured {
            format!(
                "Ozone created the S3 secret but it could not be stored, and Ozone shows it only once. Revoke it ({}) and run this command again",
                revoke_hint(session, &ozone, a.ozone_user.as_deref())
            )
        } else {
            "nothing was stored; run this command again".to_owned()
        };
        return Err(anyhow::Error::new(e).context(format!(
            "cannot write Secret {namespace}/{name}. {recovery}"
        )));
    }
    let outcome = Outcome {
        secured,
        secret: Some(format!("{namespace}/{name}")),
        access_key_id: Some(pair.access_key_id.clone()),
        source: Some(source.into()),
        endpoint,
        note: if secured {
            format!(
                "the pair from ozone s3 getsecret is in Secret {namespace}/{name} (keys {ACCESS_KEY_ID}, {SECRET_ACCESS_KEY}, {ENDPOINT_URL}, {REGION_KEY}); it was not printed"
            )
        } else {
            format!(
                "a random pair is in Secret {namespace}/{name}: Ozone security is off, so any pair works and this one identifies nobody"
            )
        },
    };
    print_outcome(io, &change, &outcome)
}

/// The command that revokes the secret, ready to paste.
fn revoke_hint(session: &Session, ozone: &OzoneReader, user: Option<&str>) -> String {
    let pod = ozone
        .parts()
        .1
        .om
        .first()
        .cloned()
        .unwrap_or_else(|| "<om-pod>".into());
    let user = user.map(|u| format!(" -u {u}")).unwrap_or_default();
    format!(
        "kubectl exec -n {} {pod} -- ozone s3 revokesecret -y{user}",
        session.namespace()
    )
}

fn print_outcome(io: &mut Io, change: &ChangeArgs, outcome: &Outcome) -> Result<ExitCode> {
    match structured(change.format, outcome).context("cannot format the result")? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => {
            let mut text = format!("{}\nendpoint: {}\n", outcome.note, outcome.endpoint);
            if let Some(id) = &outcome.access_key_id {
                text.push_str(&format!("access key id: {id}\n"));
            }
            io.out.write_all(text.as_bytes())?;
        }
    }
    io.out.flush()?;
    Ok(ExitCode::SUCCESS)
}
