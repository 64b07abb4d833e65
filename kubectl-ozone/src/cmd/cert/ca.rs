//! `cert rotate --ca` (managed mode): replace the cluster CA without ever leaving a client
//! with a peer it does not trust, in the phases of `ozone_storage::rotation::CaPhase`:
//! new CA added to every truststore → restart all → leaves re-issued from the new CA →
//! restart all → old CA removed → restart all.
//!
//! State lives in the CA Secret `<cluster>-ca`: the annotation `ozone.apache.org/ca-rotation`
//! holds the last phase completed, and the new CA waits in `next-ca.crt`/`next-ca.key` until
//! every pod trusts it. Every action is idempotent, so re-running after an interruption
//! repeats at most the action that was cut off (a restart round restarts every pod again).

use super::issue::lifetime;
use super::reissue::{
    current_leaf, issued_of, leaf_request, now, password, required, signing_ca, text,
};
use super::restart::{Restarter, Waits};
use super::rotate::{RotateArgs, TlsSecret, checks, plan_restarts, pod_states, resume_command};
use super::secrets;
use crate::cmd::common::{Presented, is_data, present_plan, print_plan};
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::{Context, Result, anyhow};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::ClusterView;
use ozone_engine::pki::{CA_BUNDLE_KEY, Ca, Validity};
use ozone_engine::plan::{Plan, Step};
use ozone_generator::names::Names;
use ozone_generator::objects::tls::CertificateRequests;
use ozone_storage::Component;
use ozone_storage::rotation::{CaAction, CaPhase};
use std::collections::BTreeMap;
use std::process::ExitCode;
use tokio::time::Instant;

/// Annotation on the CA Secret: the last CA rotation phase completed.
pub const PHASE_ANNOTATION: &str = "ozone.apache.org/ca-rotation";
/// Key of the CA Secret holding the new CA's certificate while it is not yet signing.
pub const NEXT_CRT_KEY: &str = "next-ca.crt";
/// Key of the CA Secret holding the new CA's private key while it is not yet signing.
pub const NEXT_KEY_KEY: &str = "next-ca.key";

/// Where a rotation stands, from the CA Secret: no annotation, or `done` from an earlier
/// rotation, starts a new one; anything unknown is refused rather than guessed at.
pub fn phase_of(ca_secret: &Secret) -> Result<CaPhase> {
    let value = ca_secret
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(PHASE_ANNOTATION));
    match value {
        None => Ok(CaPhase::Started),
        Some(v) => match CaPhase::parse(v) {
            Some(CaPhase::Done) => Ok(CaPhase::Started),
            Some(p) => Ok(p),
            None => Err(anyhow!(
                "secret {} has {PHASE_ANNOTATION}={v:?}, which is not a phase this version knows; refusing to guess where the CA rotation stands",
                ca_secret.metadata.name.as_deref().unwrap_or_default()
            )),
        },
    }
}

/// The components of every entry of the `<cluster>-certificates` ConfigMap, in restart
/// order; an id this version does not know is refused rather than left on the old CA.
fn leaf_components(requests: &CertificateRequests) -> Result<Vec<Component>> {
    let mut out = requests
        .certificates
        .keys()
        .map(|id| {
            Component::from_id(id).ok_or_else(|| {
                anyhow!(
                    "the certificates ConfigMap has an entry for {id:?}, which is no component this version knows; refusing to rotate the CA and leave that certificate on the old one"
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort();
    Ok(out)
}

fn record(secret: &mut Secret, phase: CaPhase) {
    secret
        .metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert(PHASE_ANNOTATION.to_owned(), phase.as_str().to_owned());
}

/// The CA Secret as `cert issue` lays it out (signing CA, bundle), plus the rotation's state:
/// the phase and, while it does not sign yet, the new CA. The issue time changes only with
/// the signing CA.
fn ca_secret(
    names: &Names,
    previous: &Secret,
    signing: &Ca,
    bundle: &str,
    next: Option<&Ca>,
    phase: CaPhase,
) -> Result<Secret> {
    let name = previous.metadata.name.as_deref().unwrap_or_default();
    let same_ca = text(previous, ozone_engine::pki::TLS_CRT_KEY)
        .ok()
        .as_deref()
        == Some(signing.cert_pem());
    let issued = if same_ca { issued_of(previous) } else { now() };
    let mut secret = secrets::ca_secret(names, name, signing, bundle, issued, Some(previous))?;
    if let (Some(next), Some(data)) = (next, secret.data.as_mut()) {
        data.insert(NEXT_CRT_KEY.to_owned(), ByteString(next.cert_pem().into()));
        data.insert(NEXT_KEY_KEY.to_owned(), ByteString(next.key_pem().into()));
    }
    record(&mut secret, phase);
    Ok(secret)
}

/// A leaf Secret rewritten with the same certificate and key and the trust of `bundle`.
fn retrusted(
    names: &Names,
    previous: &Secret,
    component: Component,
    issuer: &Ca,
    bundle: &str,
    password: &str,
) -> Result<Secret> {
    let name = previous.metadata.name.as_deref().unwrap_or_default();
    Ok(secrets::leaf_secret(
        names,
        name,
        component.id(),
        &current_leaf(previous)?,
        issuer.cert_pem(),
        bundle,
        password,
        issued_of(previous),
        Some(previous),
    )?)
}

/// The printed steps of one action.
fn describe(
    action: CaAction,
    next: CaPhase,
    ca: &str,
    leaves: &[TlsSecret],
    restarts: &[Step],
) -> Vec<Step> {
    let leaf_steps = |change: &str| -> Vec<Step> {
        leaves
            .iter()
            .map(|l| Step::UpdateSecret {
                name: l.name.clone(),
                change: change.to_owned(),
            })
            .collect()
    };
    let record = Step::RecordPhase {
        secret: ca.to_owned(),
        phase: next.as_str().to_owned(),
    };
    let mut out = Vec::new();
    match action {
        CaAction::TrustNewCa => {
            out.push(Step::UpdateSecret {
                name: ca.to_owned(),
                change: "generate the new CA (kept beside the signing one) and trust both".into(),
            });
            out.extend(leaf_steps(
                "truststore and ca.crt trust the old and the new CA",
            ));
            out.push(record);
        }
        CaAction::ReissueLeaves => {
            out.push(Step::UpdateSecret {
                name: ca.to_owned(),
                change: "the new CA becomes the signing CA".into(),
            });
            out.extend(leaf_steps("new certificate and key issued from the new CA"));
            out.push(record);
        }
        CaAction::DropOldCa => {
            out.extend(leaf_steps("truststore and ca.crt trust only the new CA"));
            out.push(Step::UpdateSecret {
                name: ca.to_owned(),
                change: format!("the bundle holds only the new CA; phase {}", next.as_str()),
            });
        }
        CaAction::RestartAll => {
            out.extend(restarts.iter().cloned());
            out.push(record);
        }
    }
    out
}

/// How many restart rounds are left after `phase`.
fn rounds_left(mut phase: CaPhase) -> usize {
    let mut n = 0;
    while let Some((action, next)) = phase.next_action() {
        n += usize::from(action == CaAction::RestartAll);
        phase = next;
    }
    n
}

/// Runs a CA rotation from the phase recorded on the CA Secret.
pub async fn run(
    session: &Session,
    io: &mut Io,
    a: &RotateArgs,
    view: &ClusterView,
    components: &[Component],
    requests: &CertificateRequests,
    started: Instant,
) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let kube = &session.kube;
    // Every leaf the CA signs changes trust, not only those of components with pods: a
    // component scaled to 0 would otherwise come back with a leaf from a CA nobody trusts.
    // Only `components` (those with pods) restart.
    let leaf_components = leaf_components(requests)?;
    let secrets = &super::rotate::tls_secrets(kube, view, &leaf_components, true).await?;
    let ca_name = requests.ca.secret_name.clone();
    let start = phase_of(&required(kube, &ca_name).await?)?;
    super::reissue::check(kube, requests, &leaf_components).await?;
    let password = password(kube, requests).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let pods = pod_states(view, &ozone, components).await?;
    let checks = checks(&ozone, &pods, components, a).await?;
    let restarts = plan_restarts(kube, view, &pods, components, |_| false).await?;
    let restart_steps = restarts.plan_steps()?;
    let mut steps = Vec::new();
    let mut phase = start;
    while let Some((action, next)) = phase.next_action() {
        steps.extend(describe(action, next, &ca_name, secrets, &restart_steps));
        phase = next;
    }
    let mut notes =
        vec!["each restart round is planned again from the Raft roles at that time".to_owned()];
    if start != CaPhase::Started {
        notes.insert(
            0,
            format!("resuming the CA rotation after phase {start} (recorded on secret {ca_name})"),
        );
    }
    let plan = Plan {
        action: "CA rotation".into(),
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
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        a.change.yes,
        &format!(
            "replace the CA of cluster {}, restarting every pod {}?",
            view.cluster(),
            match rounds_left(start) {
                1 => "once".to_owned(),
                n => format!("{n} times"),
            }
        ),
        "",
    )?;
    let act = Actuator::new(kube, &ozone, confirmed);
    let waits = Waits {
        interval: a.change.poll_interval,
        deadline: a.change.timeout.map(|t| started + t),
        started,
        resume: resume_command(session, view, a, false),
    };
    let ctx = Ctx {
        session,
        names: &view.names,
        act: &act,
        ca_name: &ca_name,
        leaves: secrets,
        password: &password,
        requests,
    };
    let mut phase = start;
    while let Some((action, next)) = phase.next_action() {
        io.note(format!("CA rotation: {phase} → {next}"));
        match action {
            CaAction::TrustNewCa => trust_new_ca(&ctx, next).await?,
            CaAction::ReissueLeaves => reissue_leaves(&ctx, next).await?,
            CaAction::DropOldCa => drop_old_ca(&ctx, next).await?,
            CaAction::RestartAll => {
                super::rotate::with_resume(
                    restart_all(session, io, &act, a, components, &waits).await,
                    &waits.resume,
                )?;
                record_phase(&ctx, next).await?;
            }
        }
        phase = next;
    }
    io.note("CA rotation complete");
    if is_data(a.change.format) {
        print_plan(io, &plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What the Secret-changing actions work with.
struct Ctx<'a> {
    session: &'a Session,
    names: &'a Names,
    act: &'a Actuator,
    ca_name: &'a str,
    leaves: &'a [TlsSecret],
    password: &'a str,
    requests: &'a CertificateRequests,
}

/// Keeps a new CA beside the signing one, trusts both everywhere, records `next`.
async fn trust_new_ca(ctx: &Ctx<'_>, next: CaPhase) -> Result<()> {
    let kube = &ctx.session.kube;
    let ca = required(kube, ctx.ca_name).await?;
    let current = signing_ca(&ca)?;
    // A run cut off after the new CA was stored reuses it: leaves may already trust it.
    let new = match (text(&ca, NEXT_CRT_KEY), text(&ca, NEXT_KEY_KEY)) {
        (Ok(crt), Ok(key)) => {
            Ca::from_pem(&crt, &key).context("the new CA in the CA Secret is not usable")?
        }
        _ => {
            let lifetime = lifetime(&ctx.requests.ca.duration, "ca.duration")?;
            Ca::generate(
                &ctx.requests.ca.common_name,
                &Validity::starting(now(), lifetime)?,
            )?
        }
    };
    let bundle = format!("{}{}", current.cert_pem(), new.cert_pem());
    let stored = ca_secret(
        ctx.names,
        &ca,
        &current,
        &bundle,
        Some(&new),
        CaPhase::Started,
    )?;
    ctx.act
        .replace_secret(&stored)
        .await
        .context("cannot store the new CA")?;
    for l in ctx.leaves {
        let previous = required(kube, &l.name).await?;
        let secret = retrusted(
            ctx.names,
            &previous,
            l.component,
            &current,
            &bundle,
            ctx.password,
        )?;
        ctx.act.replace_secret(&secret).await?;
    }
    record_phase(ctx, next).await
}

/// Records `phase` on the CA Secret, changing nothing else.
async fn record_phase(ctx: &Ctx<'_>, phase: CaPhase) -> Result<()> {
    let mut ca = required(&ctx.session.kube, ctx.ca_name).await?;
    record(&mut ca, phase);
    ctx.act.replace_secret(&ca).await?;
    Ok(())
}

/// Makes the new CA the signing one, re-issues every leaf from it, records `next`.
async fn reissue_leaves(ctx: &Ctx<'_>, next: CaPhase) -> Result<()> {
    let kube = &ctx.session.kube;
    let mut ca = required(kube, ctx.ca_name).await?;
    // Without `next-ca.*` the new CA was promoted by a run that was cut off.
    if let (Ok(crt), Ok(key)) = (text(&ca, NEXT_CRT_KEY), text(&ca, NEXT_KEY_KEY)) {
        let new = Ca::from_pem(&crt, &key).context("the new CA in the CA Secret is not usable")?;
        let bundle = text(&ca, CA_BUNDLE_KEY)?;
        let promoted = ca_secret(ctx.names, &ca, &new, &bundle, None, phase_of(&ca)?)?;
        ctx.act
            .replace_secret(&promoted)
            .await
            .context("cannot promote the new CA")?;
        ca = required(kube, ctx.ca_name).await?;
    }
    let signing = signing_ca(&ca)?;
    let bundle = text(&ca, CA_BUNDLE_KEY)?;
    for l in ctx.leaves {
        let previous = required(kube, &l.name).await?;
        let issued = now();
        let leaf = signing.issue(&leaf_request(ctx.requests, l.component, issued)?)?;
        let secret = secrets::leaf_secret(
            ctx.names,
            &l.name,
            l.component.id(),
            &leaf,
            signing.cert_pem(),
            &bundle,
            ctx.password,
            issued,
            Some(&previous),
        )?;
        ctx.act.replace_secret(&secret).await?;
    }
    record_phase(ctx, next).await
}

/// Trusts only the signing (new) CA everywhere; the CA Secret's bundle and `next` are written
/// last, together.
async fn drop_old_ca(ctx: &Ctx<'_>, next: CaPhase) -> Result<()> {
    let kube = &ctx.session.kube;
    let signing = signing_ca(&required(kube, ctx.ca_name).await?)?;
    let new_only = signing.cert_pem().to_owned();
    for l in ctx.leaves {
        let previous = required(kube, &l.name).await?;
        let secret = retrusted(
            ctx.names,
            &previous,
            l.component,
            &signing,
            &new_only,
            ctx.password,
        )?;
        ctx.act.replace_secret(&secret).await?;
    }
    let ca = required(kube, ctx.ca_name).await?;
    let secret = ca_secret(ctx.names, &ca, &signing, &new_only, None, next)?;
    ctx.act.replace_secret(&secret).await?;
    Ok(())
}

/// One restart round of every pod, planned from the cluster as it is now.
async fn restart_all(
    session: &Session,
    io: &mut Io,
    act: &Actuator,
    a: &RotateArgs,
    components: &[Component],
    waits: &Waits,
) -> Result<()> {
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let pods = pod_states(&view, &ozone, components).await?;
    // Every round gets the pre-flight the first one got: the cluster may have degraded
    // during the previous round or while the Secrets were rewritten.
    let round_checks = checks(&ozone, &pods, components, a).await?;
    super::rotate::refuse_if_degraded(&round_checks, &waits.resume)?;
    let restarts = plan_restarts(&session.kube, &view, &pods, components, |_| false).await?;
    let secrets = super::rotate::tls_secrets(&session.kube, &view, components, true).await?;
    let fingerprints: BTreeMap<Component, String> = secrets
        .into_iter()
        .map(|s| (s.component, s.fingerprint))
        .collect();
    let restarter = Restarter {
        kube: &session.kube,
        act,
        ozone: &ozone,
        cluster: view.cluster(),
        check_roles: !a.skip_leader_check,
        check_datanodes: !a.skip_datanode_health_check,
        not_ready_at_start: super::rotate::not_ready_at_start(&pods, a),
        waits: waits.clone(),
    };
    restarts.run(&restarter, io, &fingerprints).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_read_from_the_annotation_and_rounds_counted() {
        let mut s = Secret::default();
        assert_eq!(phase_of(&s).unwrap(), CaPhase::Started);
        record(&mut s, CaPhase::Done);
        // A finished rotation: the next run starts a new one.
        assert_eq!(phase_of(&s).unwrap(), CaPhase::Started);
        record(&mut s, CaPhase::LeavesReissued);
        assert_eq!(phase_of(&s).unwrap(), CaPhase::LeavesReissued);
        s.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(PHASE_ANNOTATION.to_owned(), "somewhere".to_owned());
        assert!(phase_of(&s).is_err());
        assert_eq!(rounds_left(CaPhase::Started), 3);
        assert_eq!(rounds_left(CaPhase::LeavesReissued), 2);
        assert_eq!(rounds_left(CaPhase::OldCaRemoved), 1);
    }
}
