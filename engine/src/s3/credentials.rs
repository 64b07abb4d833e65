//! S3 credentials (`s3 credentials`): an S3 key pair in a Kubernetes Secret, never shown.
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
use crate::certs::site_value;
use crate::cluster::Session;
use crate::cluster::act::{Actuator, Confirmed};
use crate::cluster::discover;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::ClusterView;
use crate::error::BadInput;
use crate::plan::{Plan, Step};
use anyhow::Result;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use ozone_generator::names::{self, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, MANAGER};
use ozone_storage::admin::Mutation;
use ozone_storage::config::keys::SECURITY_ENABLED;
use ozone_storage::s3::{self, KeyPair, REGION};
use serde::Serialize;
use std::collections::BTreeMap;

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

/// What `s3 credentials` is asked to do, built from its flags.
#[derive(Clone, Debug, Default)]
pub struct CredentialsOptions {
    /// The Ozone cluster (`--name`); `None`: the only one in the namespace.
    pub cluster: Option<String>,
    /// The Secret to write (`--secret`; required on a secured cluster).
    pub secret: Option<String>,
    /// The Secret's namespace; `None`: the Ozone cluster's.
    pub secret_namespace: Option<String>,
    /// The Ozone user whose secret to get (`getsecret -u`); `None`: the OM pod's principal.
    pub ozone_user: Option<String>,
    /// Overwrite the Secret if it exists.
    pub force: bool,
    /// Plan only.
    pub dry_run: bool,
}

/// What `s3 credentials` will do.
pub enum Credentials {
    /// Nothing to write (an unsecured cluster and no `--secret`): only what to know.
    Nothing(Outcome),
    /// A Secret to write, once confirmed.
    Write(Box<CredentialsWrite>),
}

/// A planned write of a key pair into a Secret.
pub struct CredentialsWrite {
    /// The plan.
    pub plan: Plan,
    /// Whether an existing Secret is overwritten (applications using its pair stop working).
    pub overwrite: bool,
    /// `namespace/name` of the Secret.
    pub secret: String,
    view: ClusterView,
    name: String,
    namespace: String,
    secured: bool,
    endpoint: String,
    existing: Option<Secret>,
    mutation: Mutation,
    ozone_user: Option<String>,
}

/// Reads the cluster (its gateway, whether Ozone security is on, the Secret) and plans the
/// write. Refuses (bad input) invalid names, and a secured cluster without `--secret`.
pub async fn plan(session: &Session, opts: &CredentialsOptions) -> Result<Credentials> {
    if let Some(name) = &opts.secret
        && !names::is_dns_subdomain(name)
    {
        return Err(BadInput(format!("--secret: {name:?} is not a valid Secret name")).into());
    }
    if let Some(ns) = &opts.secret_namespace
        && !names::is_dns_label(ns)
    {
        return Err(BadInput(format!(
            "--secret-namespace: {ns:?} is not a valid namespace name"
        ))
        .into());
    }
    let view = discover::find(&session.kube, opts.cluster.as_deref()).await?;
    let gateway = gateway(session, &view).await?;
    let endpoint = gateway.in_cluster(&view, "cluster.local")?.url();
    let secured = site_value(session, &view, SECURITY_ENABLED)
        .await?
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let namespace = opts
        .secret_namespace
        .clone()
        .unwrap_or_else(|| session.namespace().to_owned());

    let Some(name) = &opts.secret else {
        if secured {
            return Err(BadInput(
                "--secret: required on a secured cluster: Ozone shows an S3 secret only once, so it goes straight into a Secret".into(),
            )
            .into());
        }
        return Ok(Credentials::Nothing(Outcome {
            secured,
            secret: None,
            access_key_id: None,
            source: None,
            endpoint,
            note: "Ozone security is off (ozone.security.enabled is not true): the S3 Gateway accepts any AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. Pass --secret NAME to store a random pair for your applications.".into(),
        }));
    };

    let existing = session.kube.secret_in(&namespace, name).await?;
    if existing.is_some() && !opts.force {
        anyhow::bail!(
            "Secret {namespace}/{name} exists; nothing was changed (pass --force to overwrite it{})",
            if secured {
                ", or choose another --secret"
            } else {
                ""
            }
        );
    }
    let m = Mutation::s3_get_secret(opts.ozone_user.as_deref());
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
        dry_run: opts.dry_run,
        targets: Vec::new(),
        checks: Vec::new(),
        notes,
        steps,
    };
    Ok(Credentials::Write(Box::new(CredentialsWrite {
        plan,
        overwrite: existing.is_some(),
        secret: format!("{namespace}/{name}"),
        view,
        name: name.clone(),
        namespace,
        secured,
        endpoint,
        existing,
        mutation: m,
        ozone_user: opts.ozone_user.clone(),
    })))
}

impl CredentialsWrite {
    /// Gets the pair (`ozone s3 getsecret`, or a random one) and writes it into the Secret.
    /// When the write fails after Ozone made the secret, the error says how to start over.
    pub async fn run(self: Box<Self>, session: &Session, confirmed: Confirmed) -> Result<Outcome> {
        let CredentialsWrite {
            view,
            name,
            namespace,
            secured,
            endpoint,
            existing,
            mutation: m,
            ozone_user,
            overwrite,
            ..
        } = *self;
        let name = &name;
        let source = if secured {
            "ozone s3 getsecret"
        } else {
            "random"
        };
        let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
        let act = Actuator::new(&session.kube, &ozone, confirmed);
        let pair = if secured {
            let out = act.ozone(&m).await.map_err(|e| {
                anyhow::Error::new(e).context("`ozone s3 getsecret` failed; no Secret was written")
            })?;
            s3::parse_secret(&out).map_err(|e| {
                anyhow::anyhow!(
                    "{e}; Ozone may have created the secret nonetheless: revoke it ({}) and run this command again",
                    revoke_hint(session, &ozone, ozone_user.as_deref())
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
                    revoke_hint(session, &ozone, ozone_user.as_deref())
                )
            } else {
                "nothing was stored; run this command again".to_owned()
            };
            return Err(anyhow::Error::new(e).context(format!(
                "cannot write Secret {namespace}/{name}. {recovery}"
            )));
        }
        Ok(Outcome {
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
        })
    }
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
