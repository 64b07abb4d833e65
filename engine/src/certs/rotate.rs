//! Certificate rotation (`cert rotate`): new leaf certificates, then a rolling restart that
//! keeps Raft quorums and data available (order from `ozone_storage::rotation`).
//!
//! - managed mode (the cluster has the `<cluster>-certificates` ConfigMap): each component's
//!   Secret gets a new certificate and key issued from the cluster's CA.
//! - cert-manager mode (HTTPS without that ConfigMap): the Certificate gets the status
//!   condition `Issuing=True` that `cmctl renew` sets, and the command waits until the Secret
//!   holds a new certificate.
//!
//! Resuming: a pod records the fingerprint of the certificate it started with. A run cut off
//! during the restarts prints the same command with `--resume`, which issues nothing and
//! restarts only the pods that do not serve their Secret's certificate yet. Without
//! `--resume` every run is a new rotation: a run cut off while certificates were being issued
//! is simply run again.
//!
//! [`plan`] reads the cluster and returns a [`Rotation`]: the leaves ([`LeafRotation`]) or,
//! with `--ca`, the CA ([`super::ca::CaRotation`]); the caller shows its plan, confirms and
//! runs it with the commands that resume it ([`ResumeHints`]).

use super::ca::CaRotation;
use super::{TlsSetup, tls_setup};
use crate::cluster::Session;
use crate::cluster::act::{Actuator, Confirmed};
use crate::cluster::discover;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::{ClusterView, KubeReader};
use crate::error::BadInput;
use crate::events::Events;
use crate::pki::{TLS_CRT_KEY, fingerprint};
use crate::plan::rotation::Skips;
use crate::plan::{Plan, Step};
use crate::pods::restart::{Restarter, Waits};
use crate::pods::rolling::{Restarts, plan_restarts, pod_states, with_resume};
use anyhow::{Context, Result, anyhow};
use k8s_openapi::api::core::v1::Secret;
use kube::api::DynamicObject;
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use ozone_generator::objects::tls::{CertificateRequests, secret_name_for, serves_https};
use ozone_storage::Component;
use ozone_storage::rotation::PodState;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// The annotation cert-manager puts on the Secrets it writes, naming their Certificate.
const CERT_MANAGER_CERTIFICATE: &str = "cert-manager.io/certificate-name";

/// What `cert rotate` is asked to do, built from its flags.
#[derive(Clone, Debug, Default)]
pub struct RotateOptions {
    /// The Ozone cluster (`--name`); `None`: the only one in the namespace.
    pub cluster: Option<String>,
    /// Only these components (`--component`); empty: every one that serves HTTPS.
    pub components: Vec<Component>,
    /// Replace the CA itself (`--ca`, managed mode).
    pub ca: bool,
    /// Finish an interrupted rotation: issue nothing, restart only the pods that do not
    /// serve their Secret's certificate yet (`--resume`).
    pub resume: bool,
    /// The pre-flight checks to skip.
    pub skips: Skips,
    /// Plan only (`--dry-run`).
    pub dry_run: bool,
    /// How long the whole run may take; `None`: no limit.
    pub timeout: Option<Duration>,
    /// Time between polls while waiting.
    pub poll_interval: Duration,
}

/// The commands that resume a run, for the messages of a run that stops: the front end
/// knows how it was invoked, the engine does not.
#[derive(Clone, Debug, Default)]
pub struct ResumeHints {
    /// Repeats this run as it was asked (`--ca` resumes a CA rotation by itself).
    pub rerun: String,
    /// Finishes the restarts of a leaf rotation whose certificates are written (`--resume`).
    pub restarts: String,
}

/// A planned rotation.
pub enum Rotation {
    /// New leaf certificates, then a rolling restart.
    Leaves(LeafRotation),
    /// A new CA, in phases (`--ca`).
    Ca(CaRotation),
}

impl Rotation {
    /// The plan to show.
    pub fn plan(&self) -> &Plan {
        match self {
            Rotation::Leaves(r) => &r.plan,
            Rotation::Ca(r) => &r.plan,
        }
    }

    /// The cluster it rotates.
    pub fn cluster(&self) -> &str {
        match self {
            Rotation::Leaves(r) => r.view.cluster(),
            Rotation::Ca(r) => r.view.cluster(),
        }
    }

    /// The confirmation question.
    pub fn question(&self) -> String {
        match self {
            Rotation::Leaves(r) => r.question(),
            Rotation::Ca(r) => r.question(),
        }
    }

    /// Runs the confirmed rotation to its end.
    pub async fn run(
        &self,
        session: &Session,
        confirmed: Confirmed,
        opts: &RotateOptions,
        hints: &ResumeHints,
        events: &mut dyn Events,
    ) -> Result<()> {
        match self {
            Rotation::Leaves(r) => r.run(session, confirmed, opts, hints, events).await,
            Rotation::Ca(r) => r.run(session, confirmed, opts, hints, events).await,
        }
    }
}

/// A planned leaf rotation: the plan to show and what the run works from.
pub struct LeafRotation {
    /// The plan.
    pub plan: Plan,
    view: ClusterView,
    requests: Option<CertificateRequests>,
    secrets: Vec<TlsSecret>,
    pods: Vec<PodState>,
    restarts: Restarts,
    /// Components that get a new certificate (none when resuming).
    fresh: Vec<Component>,
    started: Instant,
}

/// Who issues a component's certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issuer {
    /// kubectl-ozone, from the CA Secret.
    Managed,
    /// cert-manager, for this Certificate.
    CertManager(String),
}

/// A component's TLS Secret as found.
pub struct TlsSecret {
    /// The component.
    pub component: Component,
    /// Secret name.
    pub name: String,
    /// Fingerprint of its certificate.
    pub fingerprint: String,
    /// Who issues it.
    pub issuer: Issuer,
}

/// The fingerprint of the certificate in a Secret.
pub fn secret_fingerprint(secret: &Secret) -> Result<String> {
    let name = secret.metadata.name.as_deref().unwrap_or_default();
    let pem = super::reissue::text(secret, TLS_CRT_KEY)?;
    fingerprint(&pem).with_context(|| format!("secret {name}: {TLS_CRT_KEY}"))
}

/// Reads the TLS Secrets of `components`. `managed` says who issues them: kubectl-ozone, or
/// cert-manager (whose Secrets name their Certificate; the render names it
/// `<cluster>-<component>`).
pub async fn tls_secrets(
    kube: &KubeReader,
    view: &ClusterView,
    components: &[Component],
    managed: bool,
) -> Result<Vec<TlsSecret>> {
    let mut out = Vec::new();
    for &component in components {
        let name = secret_name_for(&view.names, component);
        let secret = kube.secret(&name).await?.ok_or_else(|| {
            anyhow!(
                "secret {name} not found: {component} has no certificate yet (managed mode: run `kubectl ozone cert issue`)"
            )
        })?;
        let issuer = if managed {
            Issuer::Managed
        } else {
            Issuer::CertManager(
                super::secret_annotation(&secret, CERT_MANAGER_CERTIFICATE)
                    .map_or_else(|| view.names.component(component), str::to_owned),
            )
        };
        out.push(TlsSecret {
            component,
            fingerprint: secret_fingerprint(&secret)?,
            name,
            issuer,
        });
    }
    Ok(out)
}

/// The components to rotate: those given, or every component with pods that serves HTTPS.
pub fn chosen(view: &ClusterView, given: &[Component]) -> Result<Vec<Component>, BadInput> {
    if given.is_empty() {
        return Ok(Component::ALL
            .into_iter()
            .filter(|c| serves_https(*c) && !view.pods_of(*c).is_empty())
            .collect());
    }
    let mut out = Vec::new();
    for &c in given {
        if !serves_https(c) {
            return Err(BadInput(format!(
                "--component {c}: {} serves no HTTPS endpoint, so it has no certificate",
                c.title()
            )));
        }
        if view.pods_of(c).is_empty() {
            return Err(BadInput(format!(
                "--component {c}: cluster {} has no {c} pods",
                view.cluster()
            )));
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out.sort();
    Ok(out)
}

/// The fingerprint a pod recorded when it started.
fn pod_fingerprint<'v>(view: &'v ClusterView, pod: &str) -> Option<&'v str> {
    view.pods
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some(pod))?
        .metadata
        .annotations
        .as_ref()?
        .get(TLS_FINGERPRINT_ANNOTATION)
        .map(String::as_str)
}

/// The pre-flight checks for restarting `components`, skipped as `skips` says.
pub async fn checks(
    ozone: &OzoneReader,
    pods: &[PodState],
    components: &[Component],
    skips: Skips,
) -> Result<Vec<crate::plan::preflight::Check>> {
    crate::pods::rolling::checks(ozone, pods, components, skips).await
}

/// Reads the cluster and plans the rotation `opts` asks for; refuses (bad input) what
/// cannot be rotated. Nothing is changed.
pub async fn plan(session: &Session, opts: &RotateOptions) -> Result<Rotation> {
    if opts.ca && !opts.components.is_empty() {
        return Err(BadInput(
            "--ca rotates the CA of every component; it cannot be combined with --component".into(),
        )
        .into());
    }
    let started = Instant::now();
    let view = discover::find(&session.kube, opts.cluster.as_deref()).await?;
    let components = chosen(&view, &opts.components)?;
    if components.is_empty() {
        return Err(BadInput(format!(
            "cluster {} has no pods that serve HTTPS",
            view.cluster()
        ))
        .into());
    }
    let requests = match tls_setup(session, &view).await? {
        TlsSetup::Managed(r) => Some(r),
        TlsSetup::CertManager => None,
        TlsSetup::Off => {
            return Err(BadInput(format!(
                "cluster {} serves plain HTTP (security.tls.mode: none): there are no certificates to rotate",
                view.cluster()
            ))
            .into());
        }
    };
    if opts.ca {
        let Some(requests) = requests else {
            return Err(BadInput(
                "--ca: this cluster's certificates come from cert-manager; rotate the CA of its issuer with cert-manager instead".into(),
            )
            .into());
        };
        return Ok(Rotation::Ca(
            super::ca::plan(session, opts, view, components, requests, started).await?,
        ));
    }
    let secrets = tls_secrets(&session.kube, &view, &components, requests.is_some()).await?;
    if let Some(r) = &requests
        && !opts.resume
    {
        super::reissue::check(&session.kube, r, &components).await?;
    }
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let pods = pod_states(&view, &ozone, &components).await?;
    let checks = checks(&ozone, &pods, &components, opts.skips).await?;
    let mut notes = Vec::new();
    let mut steps = Vec::new();
    let fresh: Vec<Component> = if opts.resume {
        notes.push(
            "resuming: no new certificates; pods that already serve their Secret's certificate are not restarted".into(),
        );
        Vec::new()
    } else {
        components.clone()
    };
    for s in secrets.iter().filter(|s| fresh.contains(&s.component)) {
        steps.push(match &s.issuer {
            Issuer::Managed => Step::UpdateSecret {
                name: s.name.clone(),
                change: format!(
                    "new certificate and key for {} issued from the cluster CA",
                    s.component
                ),
            },
            Issuer::CertManager(certificate) => Step::RenewCertificate {
                name: certificate.clone(),
                secret: s.name.clone(),
            },
        });
    }
    let current = |pod: &str| {
        let Some(p) = pods.iter().find(|p| p.pod == pod) else {
            return false;
        };
        opts.resume
            && secrets
                .iter()
                .find(|s| s.component == p.component)
                .is_some_and(|s| pod_fingerprint(&view, pod) == Some(s.fingerprint.as_str()))
    };
    let restarts = plan_restarts(&session.kube, &view, &pods, &components, current).await?;
    steps.extend(restarts.plan_steps()?);
    let plan = Plan {
        action: "certificate rotation".into(),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run: opts.dry_run,
        targets: Vec::new(),
        checks,
        notes,
        steps,
    };
    Ok(Rotation::Leaves(LeafRotation {
        plan,
        view,
        requests,
        secrets,
        pods,
        restarts,
        fresh,
        started,
    }))
}

impl LeafRotation {
    /// The confirmation question.
    pub fn question(&self) -> String {
        let restarting = self
            .restarts
            .steps
            .iter()
            .filter(|s| matches!(s, ozone_storage::rotation::Step::Restart { .. }))
            .count();
        if self.fresh.is_empty() {
            format!("restart {restarting} pods one at a time?")
        } else {
            format!(
                "rotate the certificates of {} and restart {restarting} pods one at a time?",
                self.fresh
                    .iter()
                    .map(|c| c.id())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    /// Runs the confirmed rotation: new certificates, then the restarts. Cut off while
    /// certificates are issued, the rotation is run again from the start (`hints.rerun`);
    /// cut off during the restarts, it is resumed (`hints.restarts`).
    pub async fn run(
        &self,
        session: &Session,
        confirmed: Confirmed,
        opts: &RotateOptions,
        hints: &ResumeHints,
        events: &mut dyn Events,
    ) -> Result<()> {
        let view = &self.view;
        let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
        let act = Actuator::new(&session.kube, &ozone, confirmed);
        let mut waits = Waits {
            interval: opts.poll_interval,
            deadline: opts.timeout.map(|t| self.started + t),
            started: self.started,
            resume: hints.rerun.clone(),
        };
        let mut fingerprints: BTreeMap<Component, String> = self
            .secrets
            .iter()
            .map(|s| (s.component, s.fingerprint.clone()))
            .collect();
        for s in self
            .secrets
            .iter()
            .filter(|s| self.fresh.contains(&s.component))
        {
            let new = match &s.issuer {
                Issuer::Managed => {
                    let requests = self.requests.as_ref().ok_or_else(|| {
                        anyhow!("managed mode without its certificates ConfigMap")
                    })?;
                    super::reissue::reissue(
                        &session.kube,
                        &act,
                        &view.names,
                        requests,
                        s.component,
                        &s.name,
                    )
                    .await?
                }
                Issuer::CertManager(certificate) => {
                    renew(&session.kube, &act, &waits, s, certificate).await?
                }
            };
            events.note(format!("secret {} now holds a new certificate", s.name));
            fingerprints.insert(s.component, new);
        }
        waits.resume = hints.restarts.clone();
        let restarter = Restarter {
            kube: &session.kube,
            act: &act,
            ozone: &ozone,
            cluster: view.cluster(),
            check_roles: !opts.skips.leader,
            check_datanodes: !opts.skips.datanode_health,
            not_ready_at_start: crate::pods::rolling::not_ready_at_start(
                &self.pods,
                opts.skips.readiness,
            ),
            waits,
        };
        let resume = restarter.waits.resume.clone();
        with_resume(
            self.restarts.run(&restarter, events, &fingerprints).await,
            &resume,
        )?;
        events.note("certificate rotation complete");
        Ok(())
    }
}

/// Sets the condition `cmctl renew` sets on a Certificate: `Issuing=True`, reason
/// `ManuallyTriggered`, replacing an earlier Issuing condition.
pub fn mark_issuing(certificate: &mut DynamicObject, now: &str) {
    let generation = certificate.metadata.generation;
    let condition = serde_json::json!({
        "type": "Issuing",
        "status": "True",
        "reason": "ManuallyTriggered",
        "message": "Certificate re-issuance manually triggered",
        "observedGeneration": generation,
        "lastTransitionTime": now,
    });
    let data = &mut certificate.data;
    if !data["status"].is_object() {
        data["status"] = serde_json::json!({});
    }
    let conditions = &mut data["status"]["conditions"];
    if !conditions.is_array() {
        *conditions = serde_json::json!([]);
    }
    if let Some(list) = conditions.as_array_mut() {
        list.retain(|c| c["type"] != "Issuing");
        list.push(condition);
    }
}

/// Asks cert-manager to renew `certificate` and waits until the Secret's certificate changes.
/// Returns the new fingerprint.
async fn renew(
    kube: &KubeReader,
    act: &Actuator,
    waits: &Waits,
    s: &TlsSecret,
    certificate: &str,
) -> Result<String> {
    let mut cert = kube.certificate(certificate).await?.ok_or_else(|| {
        anyhow!(
            "certificate {certificate} (named by secret {}) not found",
            s.name
        )
    })?;
    mark_issuing(&mut cert, &now_rfc3339());
    act.replace_certificate_status(&cert)
        .await
        .with_context(|| format!("cannot ask cert-manager to renew {certificate}"))?;
    waits
        .until(
            &format!(
                "cert-manager to write a new certificate into secret {}",
                s.name
            ),
            || async {
                let Some(secret) = kube.secret(&s.name).await? else {
                    return Ok(None);
                };
                let fp = secret_fingerprint(&secret)?;
                Ok((fp != s.fingerprint).then_some(fp))
            },
        )
        .await
}

/// The current time as RFC 3339, as Kubernetes conditions carry it.
fn now_rfc3339() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
