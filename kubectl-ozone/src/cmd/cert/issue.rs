//! `cert issue`: create the managed-mode CA, keystore password and leaf certificates in
//! Secrets, from the `<cluster>-certificates` ConfigMap the render wrote. Plan → print →
//! refuse → confirm → act, like every mutating command; the plan names Secrets and DNS
//! names, never key material.

use super::{PodCert, TlsSetup, pod_cert, secret_annotation, secret_text, tls_setup};
use super::{secrets, wait};
use crate::cmd::common::{ChangeArgs, ClusterArgs, flags_hint};
use crate::exit::BadInput;
use crate::ui::confirm::{Tier, confirm};
use crate::ui::{Format, Io, structured, table};
use anyhow::{Context, Result, bail};
use clap::Args;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::ClusterView;
use ozone_engine::pki::{
    self, CA_BUNDLE_KEY, Ca, ISSUED_AT_ANNOTATION, LeafRequest, TLS_CRT_KEY, TLS_KEY_KEY, Validity,
};
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use ozone_generator::objects::tls::{CertificateRequests, PASSWORD_KEY};
use ozone_generator::spec::resolve::go_duration_seconds;
use ozone_storage::Component;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::ExitCode;

pub(super) const EXAMPLES: &str = "Examples:
  # See which Secrets would be created
  kubectl ozone cert issue --dry-run

  # Create them (after `kubectl ozone render --set security.tls.mode=managed | kubectl apply …`)
  kubectl ozone cert issue --yes

  # Re-issue every leaf certificate with the existing CA (pods pick them up when restarted)
  kubectl ozone cert issue --force --yes";

/// `cert issue` arguments.
#[derive(Debug, Args, Clone)]
pub struct IssueArgs {
    /// Re-issue leaf certificates whose Secrets exist (replacing them), and issue leaves even
    /// when the CA or password Secret must be created anew.
    #[arg(long)]
    pub force: bool,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: ChangeArgs,
}

/// What happens to one Secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// It does not exist and will be created.
    Create,
    /// It exists and is replaced (`--force`).
    Replace,
    /// It exists and is left alone.
    Keep,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Replace => "replace",
            Action::Keep => "keep",
        }
    }
}

/// One Secret of the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretChange {
    /// Secret name.
    pub name: String,
    /// `ca`, `passwords` or `leaf`.
    pub kind: &'static str,
    /// The component of a leaf.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// What happens.
    pub action: Action,
    /// Subject common name (CA and leaves).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    /// DNS names of a leaf.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_names: Vec<String>,
    /// The certificate's SHA-256 fingerprint: the existing one, or after a run the new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// A pod to annotate with the fingerprint of the certificate it runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodAnnotation {
    /// Pod.
    pub pod: String,
    /// Its component.
    pub component: String,
    /// The fingerprint it gets.
    pub fingerprint: String,
}

/// The plan (and, after a run, the result).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuePlan {
    /// The Ozone cluster.
    pub cluster: String,
    /// Its namespace.
    pub namespace: String,
    /// Whether nothing will be (or was) changed.
    pub dry_run: bool,
    /// Every Secret, in the order they are written.
    pub secrets: Vec<SecretChange>,
    /// Running pods that started after their certificate was issued and lack the annotation.
    pub annotate: Vec<PodAnnotation>,
    /// Notes.
    pub notes: Vec<String>,
}

impl IssuePlan {
    fn changes_anything(&self) -> bool {
        !self.annotate.is_empty() || self.secrets.iter().any(|s| s.action != Action::Keep)
    }

    fn to_text(&self, wide: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}cert issue in Ozone cluster {} (namespace {}):",
            if self.dry_run { "Dry run: " } else { "Plan: " },
            self.cluster,
            self.namespace
        );
        let rows: Vec<Vec<String>> = self
            .secrets
            .iter()
            .map(|s| {
                let names = if s.dns_names.is_empty() {
                    "-".to_owned()
                } else if wide {
                    s.dns_names.join(",")
                } else {
                    let first = &s.dns_names[0];
                    match s.dns_names.len() {
                        1 => first.clone(),
                        n => format!("{first} (+{} more)", n - 1),
                    }
                };
                vec![
                    s.name.clone(),
                    s.kind.into(),
                    s.component.clone().unwrap_or_else(|| "-".into()),
                    s.action.as_str().into(),
                    names,
                ]
            })
            .collect();
        out.push_str(&table::render(
            &["SECRET", "KIND", "COMPONENT", "ACTION", "DNS NAMES"],
            &rows,
        ));
        for a in &self.annotate {
            let _ = writeln!(
                out,
                "annotate pod {} with {TLS_FINGERPRINT_ANNOTATION}={}",
                a.pod, a.fingerprint
            );
        }
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        out
    }
}

/// What the cluster holds now, read once.
struct Found {
    ca: Option<Secret>,
    passwords: Option<Secret>,
    leaves: BTreeMap<String, Option<Secret>>,
}

async fn read(session: &Session, req: &CertificateRequests) -> Result<Found> {
    let ca = session.kube.secret(&req.ca.secret_name).await?;
    let passwords = session.kube.secret(&req.password_secret).await?;
    let mut leaves = BTreeMap::new();
    for leaf in req.certificates.values() {
        leaves.insert(
            leaf.secret_name.clone(),
            session.kube.secret(&leaf.secret_name).await?,
        );
    }
    Ok(Found {
        ca,
        passwords,
        leaves,
    })
}

/// Plans the Secrets and pod annotations from what was read; sends no requests.
fn plan(
    view: &ClusterView,
    namespace: &str,
    req: &CertificateRequests,
    found: &Found,
    force: bool,
    dry_run: bool,
) -> Result<IssuePlan> {
    let exists = |s: &Option<Secret>| {
        if s.is_some() {
            Action::Keep
        } else {
            Action::Create
        }
    };
    let ca_action = exists(&found.ca);
    let pw_action = exists(&found.passwords);
    let existing: Vec<&str> = found
        .leaves
        .iter()
        .filter(|(_, s)| s.is_some())
        .map(|(n, _)| n.as_str())
        .collect();
    // Leaves signed by a lost CA, or keystores locked with a lost password, would be kept
    // but useless: only a full re-issue makes them consistent again.
    if !force && !existing.is_empty() {
        for (action, name, what) in [
            (ca_action, &req.ca.secret_name, "CA"),
            (pw_action, &req.password_secret, "keystore password"),
        ] {
            if action == Action::Create {
                return Err(BadInput(format!(
                    "the {what} Secret {name} is missing but leaf Secrets exist ({}): restore it, or re-issue every certificate with --force",
                    existing.join(", ")
                ))
                .into());
            }
        }
    }
    let mut secrets = vec![
        SecretChange {
            name: req.ca.secret_name.clone(),
            kind: "ca",
            component: None,
            action: ca_action,
            common_name: Some(req.ca.common_name.clone()),
            dns_names: Vec::new(),
            fingerprint: found
                .ca
                .as_ref()
                .and_then(|s| secret_text(s, TLS_CRT_KEY))
                .and_then(|pem| pki::fingerprint(&pem).ok()),
        },
        SecretChange {
            name: req.password_secret.clone(),
            kind: "passwords",
            component: None,
            action: pw_action,
            common_name: None,
            dns_names: Vec::new(),
            fingerprint: None,
        },
    ];
    let issues_leaves = force || found.leaves.values().any(Option::is_none);
    if issues_leaves {
        // Found now rather than after the confirmation, so a dry run shows it too.
        check_usable(found, req)?;
    }
    let mut annotate = Vec::new();
    let mut notes = Vec::new();
    for (id, leaf) in &req.certificates {
        let current = found.leaves.get(&leaf.secret_name).cloned().flatten();
        let action = match (&current, force) {
            (None, _) => Action::Create,
            (Some(_), true) => Action::Replace,
            (Some(_), false) => Action::Keep,
        };
        let fingerprint = current
            .as_ref()
            .and_then(|s| secret_text(s, TLS_CRT_KEY))
            .and_then(|pem| pki::fingerprint(&pem).ok());
        if action == Action::Keep {
            match (&current, &fingerprint) {
                (Some(secret), Some(fp)) => {
                    annotate.extend(annotations_for(view, id, secret, fp));
                    let dns = current
                        .as_ref()
                        .and_then(|s| secret_text(s, TLS_CRT_KEY))
                        .and_then(|pem| pki::CertSummary::parse(&pem).ok())
                        .map(|s| s.dns_names);
                    if dns.as_ref().is_some_and(|d| d != &leaf.dns_names) {
                        notes.push(format!(
                            "{}: the certificate's DNS names differ from the rendered ones (scaled since it was issued?); re-issue with `kubectl ozone cert rotate`, or --force",
                            leaf.secret_name
                        ));
                    }
                }
                _ => notes.push(format!(
                    "{} exists but holds no readable certificate; re-issue it with --force",
                    leaf.secret_name
                )),
            }
        }
        secrets.push(SecretChange {
            name: leaf.secret_name.clone(),
            kind: "leaf",
            component: Some(id.clone()),
            action,
            common_name: Some(leaf.common_name.clone()),
            dns_names: leaf.dns_names.clone(),
            fingerprint: if action == Action::Keep {
                fingerprint
            } else {
                None
            },
        });
    }
    Ok(IssuePlan {
        cluster: view.cluster().to_owned(),
        namespace: namespace.to_owned(),
        dry_run,
        secrets,
        annotate,
        notes,
    })
}

/// The existing CA and password Secrets that new leaves will be issued from must hold what
/// that takes.
fn check_usable(found: &Found, req: &CertificateRequests) -> Result<()> {
    if let Some(s) = &found.ca {
        let name = &req.ca.secret_name;
        let (Some(cert), Some(key)) = (secret_text(s, TLS_CRT_KEY), secret_text(s, TLS_KEY_KEY))
        else {
            bail!(
                "CA Secret {name} lacks {TLS_CRT_KEY} or {TLS_KEY_KEY}; restore it, or delete it and re-issue everything with --force"
            );
        };
        Ca::from_pem(&cert, &key).with_context(|| {
            format!("CA Secret {name} is unusable; restore it, or delete it and re-issue everything with --force")
        })?;
    }
    if let Some(s) = &found.passwords
        && secret_text(s, PASSWORD_KEY).is_none_or(|p| p.is_empty())
    {
        bail!(
            "Secret {} has no {PASSWORD_KEY}; restore it, or delete it and re-issue everything with --force",
            req.password_secret
        );
    }
    Ok(())
}

/// Running pods of a component that started after `secret` was issued and carry no
/// fingerprint annotation: they run its certificate, so they get the annotation.
fn annotations_for(view: &ClusterView, id: &str, secret: &Secret, fp: &str) -> Vec<PodAnnotation> {
    let Some(component) = Component::from_id(id) else {
        return Vec::new();
    };
    let Some(issued) =
        secret_annotation(secret, ISSUED_AT_ANNOTATION).and_then(|t| t.parse::<Timestamp>().ok())
    else {
        return Vec::new();
    };
    view.pods_of(component)
        .into_iter()
        .filter(|p| {
            let annotated = p
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key(TLS_FINGERPRINT_ANNOTATION));
            !annotated && pod_cert(p, fp, issued) == PodCert::CurrentByStartTime
        })
        .filter_map(|p| p.metadata.name.clone())
        .map(|pod| PodAnnotation {
            pod,
            component: id.to_owned(),
            fingerprint: fp.to_owned(),
        })
        .collect()
}

pub(super) fn lifetime(text: &str, field: &str) -> Result<SignedDuration> {
    match go_duration_seconds(text) {
        Some(s) if (1.0..1e11).contains(&s) => Ok(SignedDuration::from_secs(s as i64)),
        _ => bail!(
            "{field} {text:?} in the certificates ConfigMap is not a positive duration; re-render and re-apply"
        ),
    }
}

/// Runs `cert issue`.
pub async fn run(session: &Session, io: &mut Io, a: &IssueArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let req = match tls_setup(session, &view).await? {
        TlsSetup::Managed(req) => req,
        TlsSetup::CertManager => {
            return Err(BadInput(format!(
                "Ozone cluster {} gets its certificates from cert-manager; `cert issue` is for security.tls.mode=managed (see `kubectl ozone cert status`)",
                view.cluster()
            ))
            .into());
        }
        TlsSetup::Off => {
            return Err(BadInput(format!(
                "Ozone cluster {} does not use managed TLS (no ConfigMap {}): render it with --set security.tls.mode=managed and apply that first",
                view.cluster(),
                ozone_generator::objects::tls::certificates_config_map_name(view.cluster())
            ))
            .into());
        }
    };
    let found = read(session, &req).await?;
    let mut plan = plan(
        &view,
        session.namespace(),
        &req,
        &found,
        a.force,
        a.change.is_dry_run(),
    )?;
    let wide = a.change.format == Format::Wide;
    if a.change.is_dry_run() {
        match structured(a.change.format, &plan)? {
            Some(s) => io.out.write_all(s.as_bytes())?,
            None => io.out.write_all(plan.to_text(wide).as_bytes())?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    io.err.write_all(plan.to_text(wide).as_bytes())?;
    if !plan.changes_anything() && !a.change.wait {
        io.note("nothing to do: every Secret exists (re-issue with --force, or rotate with `kubectl ozone cert rotate`)");
        if let Some(s) = structured(a.change.format, &plan)? {
            io.out.write_all(s.as_bytes())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let replacing = plan.secrets.iter().any(|s| s.action == Action::Replace);
    let writing = plan.secrets.iter().any(|s| s.action != Action::Keep);
    let question = if replacing {
        "Replace the certificates above? Running pods keep the old ones until restarted."
    } else if writing {
        "Create the Secrets above?"
    } else {
        "Annotate the pods with the fingerprint of the certificate they run?"
    };
    // Past this point something is written: Secrets, or (with --wait, even when every Secret
    // exists) pod annotations, so the question is always asked.
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        a.change.yes,
        question,
        "",
    )?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let act = Actuator::new(&session.kube, &ozone, confirmed);
    let issued = apply(&act, &view, &req, &found, &mut plan)
        .await
        .context("cert issue stopped part-way; re-running it creates what is missing")?;
    for a in &plan.annotate {
        act.annotate_pod(&a.pod, TLS_FINGERPRINT_ANNOTATION, &a.fingerprint)
            .await?;
    }
    let written = plan
        .secrets
        .iter()
        .filter(|s| s.action != Action::Keep)
        .count();
    if written > 0 {
        io.note(format!(
            "wrote {written} Secret(s); pods waiting for them start now, running pods pick up replaced certificates when restarted"
        ));
    }
    if a.change.wait {
        let targets = wait_targets(&plan, &found, issued);
        let resume = format!(
            "kubectl ozone cert issue --wait {}",
            flags_hint(session, view.cluster(), &a.cluster)
        );
        wait::for_pods(
            session,
            &act,
            io,
            view.cluster(),
            &targets,
            &a.change,
            &resume,
        )
        .await?;
    }
    if let Some(s) = structured(a.change.format, &plan)? {
        io.out.write_all(s.as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Generates and writes what the plan says, in order: CA, password, leaves. Fills in the new
/// fingerprints and returns the issue time written to the Secrets (whole seconds, the
/// precision of container start times).
async fn apply(
    act: &Actuator,
    view: &ClusterView,
    req: &CertificateRequests,
    found: &Found,
    plan: &mut IssuePlan,
) -> Result<Timestamp> {
    let now = Timestamp::now();
    let issued = Timestamp::from_second(now.as_second()).unwrap_or(now);
    let ca = match &found.ca {
        Some(s) => {
            let (cert, key) = (secret_text(s, TLS_CRT_KEY), secret_text(s, TLS_KEY_KEY));
            let (Some(cert), Some(key)) = (cert, key) else {
                bail!(
                    "CA Secret {} lacks {TLS_CRT_KEY} or {TLS_KEY_KEY}",
                    req.ca.secret_name
                );
            };
            Ca::from_pem(&cert, &key)
                .with_context(|| format!("CA Secret {}", req.ca.secret_name))?
        }
        None => {
            let validity = Validity::starting(now, lifetime(&req.ca.duration, "ca.duration")?)?;
            let ca = Ca::generate(&req.ca.common_name, &validity)?;
            let s = secrets::ca_secret(
                &view.names,
                &req.ca.secret_name,
                &ca,
                ca.cert_pem(),
                issued,
                None,
            )?;
            act.create_secret(&s).await?;
            plan.secrets[0].fingerprint = Some(pki::fingerprint(ca.cert_pem())?);
            ca
        }
    };
    // Truststores trust every CA in the bundle: during a CA rotation, old and new.
    let bundle = found
        .ca
        .as_ref()
        .and_then(|s| secret_text(s, CA_BUNDLE_KEY))
        .unwrap_or_else(|| ca.cert_pem().to_owned());
    let password = match &found.passwords {
        Some(s) => secret_text(s, PASSWORD_KEY)
            .with_context(|| format!("Secret {} has no key {PASSWORD_KEY}", req.password_secret))?,
        None => {
            let password = pki::generate_password()?;
            act.create_secret(&secrets::password_secret(
                &view.names,
                &req.password_secret,
                &password,
            ))
            .await?;
            password
        }
    };
    let lifetime = lifetime(&req.duration, "duration")?;
    for change in plan.secrets.iter_mut().filter(|s| s.kind == "leaf") {
        if change.action == Action::Keep {
            continue;
        }
        let validity = Validity::starting(now, lifetime)?;
        let leaf = ca.issue(&LeafRequest {
            common_name: change.common_name.clone().unwrap_or_default(),
            dns_names: change.dns_names.clone(),
            validity,
        })?;
        let fingerprint = pki::fingerprint(leaf.cert_pem())?;
        let previous = found.leaves.get(&change.name).cloned().flatten();
        let s = secrets::leaf_secret(
            &view.names,
            &change.name,
            change.component.as_deref().unwrap_or_default(),
            &leaf,
            ca.cert_pem(),
            &bundle,
            &password,
            issued,
            previous.as_ref(),
        )?;
        match change.action {
            Action::Replace => act.replace_secret(&s).await?,
            _ => act.create_secret(&s).await?,
        }
        change.fingerprint = Some(fingerprint);
    }
    Ok(issued)
}

/// What `--wait` watches: each leaf with its fingerprint and issue time.
fn wait_targets(plan: &IssuePlan, found: &Found, issued_now: Timestamp) -> Vec<wait::Target> {
    plan.secrets
        .iter()
        .filter(|s| s.kind == "leaf")
        .filter_map(|s| {
            let component = Component::from_id(s.component.as_deref()?)?;
            let fingerprint = s.fingerprint.clone()?;
            let issued = match s.action {
                Action::Keep => found
                    .leaves
                    .get(&s.name)?
                    .as_ref()
                    .and_then(|x| secret_annotation(x, ISSUED_AT_ANNOTATION))
                    .and_then(|t| t.parse().ok())?,
                _ => issued_now,
            };
            Some(wait::Target {
                component,
                fingerprint,
                issued,
            })
        })
        .collect()
}
