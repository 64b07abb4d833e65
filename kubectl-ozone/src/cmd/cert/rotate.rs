//! `cert rotate`: new leaf certificates, then a rolling restart that keeps Raft quorums and
//! data available (order from `ozone_storage::rotation`).
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

use super::restart::{Restarter, Waits};
use super::{TlsSetup, tls_setup};
use crate::cmd::common::{ChangeArgs, ClusterArgs, flags_hint};
use crate::cmd::common::{Presented, is_data, present_plan, print_plan};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use k8s_openapi::api::core::v1::Secret;
use kube::api::DynamicObject;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::{ClusterView, KubeReader};
use ozone_engine::pki::{TLS_CRT_KEY, fingerprint};
use ozone_engine::plan::rotation::Skips;
use ozone_engine::plan::{Plan, Step};
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use ozone_generator::objects::tls::{secret_name_for, serves_https};
use ozone_storage::Component;
use ozone_storage::rotation::PodState;
use std::collections::BTreeMap;
use std::process::ExitCode;
use tokio::time::Instant;

pub(super) const EXAMPLES: &str = "Examples:
  # See the plan: Secrets changed, pod restart order, Ozone commands
  kubectl ozone cert rotate --dry-run

  # Only the S3 Gateway's certificate, without asking
  kubectl ozone cert rotate --component s3g --yes

  # Replace the CA itself (managed mode), in phases; re-run to resume
  kubectl ozone cert rotate --ca --timeout 2h";

/// The annotation cert-manager puts on the Secrets it writes, naming their Certificate.
const CERT_MANAGER_CERTIFICATE: &str = "cert-manager.io/certificate-name";

/// `cert rotate` arguments.
#[derive(Debug, Args, Clone)]
pub struct RotateArgs {
    /// Rotate only this component's certificate (scm, om, datanode, s3g, recon); repeatable.
    /// Default: every component that serves HTTPS.
    #[arg(long = "component", value_name = "COMPONENT", value_parser = parse_component)]
    pub components: Vec<Component>,
    /// Replace the CA itself (managed mode): new CA trusted everywhere, restart, leaves
    /// re-issued, restart, old CA dropped, restart. Progress is recorded on the CA Secret;
    /// re-run to resume.
    #[arg(long)]
    pub ca: bool,
    /// Finish an interrupted rotation: issue nothing, restart only the pods that do not serve
    /// their Secret's certificate yet (what an interrupted run prints).
    #[arg(long, conflicts_with = "ca")]
    pub resume: bool,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags. A rolling restart always waits for each pod; --timeout bounds the run.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Skip the check that every pod to restart is ready.
    #[arg(long)]
    pub skip_readiness_check: bool,
    /// Skip the check that OM and SCM have a Raft leader and a follower to hand over to, and
    /// the re-check of their roles before each OM or SCM pod is deleted.
    #[arg(long)]
    pub skip_leader_check: bool,
    /// Skip the check that SCM reports every datanode healthy, before the run and before
    /// each datanode is deleted.
    #[arg(long)]
    pub skip_datanode_health_check: bool,
}

fn parse_component(s: &str) -> Result<Component, String> {
    Component::from_id(s).ok_or_else(|| {
        let ids: Vec<&str> = Component::ALL.iter().map(|c| c.id()).collect();
        format!("unknown component; one of {}", ids.join(", "))
    })
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

pub use ozone_engine::pods::rolling::{
    Restarts, plan_restarts, pod_states, refuse_if_degraded, with_resume,
};

/// The pre-flight checks for restarting `components`, skipped as `cert rotate`'s flags say.
pub async fn checks(
    ozone: &OzoneReader,
    pods: &[PodState],
    components: &[Component],
    a: &RotateArgs,
) -> Result<Vec<ozone_engine::plan::preflight::Check>> {
    ozone_engine::pods::rolling::checks(ozone, pods, components, skips(a)).await
}

fn skips(a: &RotateArgs) -> Skips {
    Skips {
        readiness: a.skip_readiness_check,
        leader: a.skip_leader_check,
        datanode_health: a.skip_datanode_health_check,
    }
}

/// The pods not ready now that the restarts may leave waiting (see
/// [`ozone_engine::pods::rolling::not_ready_at_start`]).
pub fn not_ready_at_start(pods: &[PodState], a: &RotateArgs) -> std::collections::BTreeSet<String> {
    ozone_engine::pods::rolling::not_ready_at_start(pods, a.skip_readiness_check)
}

/// The command that resumes this run.
pub fn resume_command(
    session: &Session,
    view: &ClusterView,
    a: &RotateArgs,
    resume: bool,
) -> String {
    let mut cmd = String::from("kubectl ozone cert rotate");
    if a.ca {
        cmd.push_str(" --ca");
    } else if resume {
        cmd.push_str(" --resume");
    }
    for c in &a.components {
        cmd.push_str(&format!(" --component {c}"));
    }
    format!("{cmd} {}", flags_hint(session, view.cluster(), &a.cluster))
}

/// Runs `cert rotate`.
pub async fn run(session: &Session, io: &mut Io, a: &RotateArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    if a.ca && !a.components.is_empty() {
        return Err(BadInput(
            "--ca rotates the CA of every component; it cannot be combined with --component".into(),
        )
        .into());
    }
    let started = Instant::now();
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let components = chosen(&view, &a.components)?;
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
    if a.ca {
        let Some(requests) = &requests else {
            return Err(BadInput(
                "--ca: this cluster's certificates come from cert-manager; rotate the CA of its issuer with cert-manager instead".into(),
            )
            .into());
        };
        return super::ca::run(session, io, a, &view, &components, requests, started).await;
    }
    let secrets = tls_secrets(&session.kube, &view, &components, requests.is_some()).await?;
    if let Some(r) = &requests
        && !a.resume
    {
        super::reissue::check(&session.kube, r, &components).await?;
    }
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let pods = pod_states(&view, &ozone, &components).await?;
    let checks = checks(&ozone, &pods, &components, a).await?;
    let mut notes = Vec::new();
    let mut steps = Vec::new();
    let fresh: Vec<Component> = if a.resume {
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
        a.resume
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
        dry_run: a.change.is_dry_run(),
        targets: Vec::new(),
        checks,
        notes,
        steps,
    };
    if present_plan(io, &plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    if !plan.changes_anything() {
        return Ok(ExitCode::SUCCESS);
    }
    let restarting = restarts
        .steps
        .iter()
        .filter(|s| matches!(s, ozone_storage::rotation::Step::Restart { .. }))
        .count();
    let question = if fresh.is_empty() {
        format!("restart {restarting} pods one at a time?")
    } else {
        format!(
            "rotate the certificates of {} and restart {restarting} pods one at a time?",
            fresh.iter().map(|c| c.id()).collect::<Vec<_>>().join(", ")
        )
    };
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        a.change.yes,
        &question,
        "",
    )?;
    let act = Actuator::new(&session.kube, &ozone, confirmed);
    // Cut off while certificates are issued, the rotation is run again from the start; cut
    // off during the restarts, it is resumed.
    let mut waits = Waits {
        interval: a.change.poll_interval,
        deadline: a.change.timeout.map(|t| started + t),
        started,
        resume: resume_command(session, &view, a, a.resume),
    };
    let mut fingerprints: BTreeMap<Component, String> = secrets
        .iter()
        .map(|s| (s.component, s.fingerprint.clone()))
        .collect();
    for s in secrets.iter().filter(|s| fresh.contains(&s.component)) {
        let new = match &s.issuer {
            Issuer::Managed => {
                let requests = requests
                    .as_ref()
                    .ok_or_else(|| anyhow!("managed mode without its certificates ConfigMap"))?;
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
        io.note(format!("secret {} now holds a new certificate", s.name));
        fingerprints.insert(s.component, new);
    }
    waits.resume = resume_command(session, &view, a, true);
    let restarter = Restarter {
        kube: &session.kube,
        act: &act,
        ozone: &ozone,
        cluster: view.cluster(),
        check_roles: !a.skip_leader_check,
        check_datanodes: !a.skip_datanode_health_check,
        not_ready_at_start: not_ready_at_start(&pods, a),
        waits,
    };
    let resume = restarter.waits.resume.clone();
    with_resume(restarts.run(&restarter, io, &fingerprints).await, &resume)?;
    io.note("certificate rotation complete");
    if is_data(a.change.format) {
        print_plan(io, &plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
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
