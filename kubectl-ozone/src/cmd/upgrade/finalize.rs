//! `kubectl ozone upgrade finalize`: SCM, then OM finalize (operations §1.1 steps 5–6),
//! waiting until both report finalized. Refused while some pod runs another image than its
//! workload's, or an upgrade is unfinished; asks for a typed confirmation naming the
//! consequence: no downgrade afterwards.

use super::{exec_targets, finalization, om_service_id};
use crate::cmd::cert::restart::Waits;
use crate::cmd::common::{ChangeArgs, ClusterArgs, Presented, flags_hint, present_plan};
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::{Context, Result};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::{Actuator, WorkloadKind};
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::plan::upgrade::{self, PHASE_ANNOTATION, Phase};
use ozone_engine::plan::{Plan, Step};
use ozone_storage::Component;
use ozone_storage::admin::{FinalizationStatus, Mutation, upgrade as parse};
use std::collections::BTreeMap;
use std::process::ExitCode;
use tokio::time::Instant;

/// `upgrade finalize` arguments.
#[derive(Debug, Args, Clone)]
pub struct FinalizeArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Take finalization over from another caller that started it and went away.
    #[arg(long)]
    pub takeover: bool,
}

/// The phrase the typed confirmation asks for.
pub const PHRASE: &str = "finalize";

/// Runs `upgrade finalize`.
pub async fn run(session: &Session, io: &mut Io, a: &FinalizeArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let cluster = view.cluster().to_owned();
    let workloads = upgrade::workloads(&view);
    let record = upgrade::record(&workloads);
    if let Some(r) = record.filter(|r| r.phase < Phase::Done) {
        anyhow::bail!(
            "refused: the {} to {} is unfinished (phase {}); finish it first with `kubectl ozone upgrade --to {} {}`",
            ozone_storage::versions::direction(r.from, r.target).noun(),
            r.target,
            r.phase.as_str(),
            r.target,
            flags_hint(session, &cluster, &a.cluster)
        );
    }
    let mut stale = Vec::new();
    for w in &workloads {
        for p in view.pods_of(w.component) {
            let image = p
                .spec
                .as_ref()
                .and_then(|s| s.containers.iter().find(|c| c.name == w.main_container))
                .and_then(|c| c.image.clone())
                .unwrap_or_default();
            if image != w.image || w.version() != workloads[0].version() {
                stale.push(format!(
                    "{} ({image})",
                    p.metadata.name.clone().unwrap_or_default()
                ));
            }
        }
    }
    if !stale.is_empty() {
        anyhow::bail!(
            "refused: not every pod runs the new version: {}; nothing was changed",
            stale.join(", ")
        );
    }
    let ozone = OzoneReader::new(session.exec.clone(), exec_targets(&view, &workloads));
    let (om, scm) = finalization(&ozone).await?;
    let service_id = om_service_id(session, &view).await?;
    let scm_m = Mutation::finalize_upgrade(Component::Scm, None, a.takeover);
    let om_m = Mutation::finalize_upgrade(Component::Om, service_id.as_deref(), a.takeover);
    let mut steps = Vec::new();
    for (status, m) in [(scm, &scm_m), (om, &om_m)] {
        if !status.is_finalized() {
            steps.push(Step::Ozone {
                component: m.component().id().into(),
                argv: m.argv().to_vec(),
            });
        }
    }
    let plan = Plan {
        action: "upgrade finalization".into(),
        cluster: cluster.clone(),
        namespace: session.namespace().into(),
        dry_run: a.change.is_dry_run(),
        targets: Vec::new(),
        checks: Vec::new(),
        notes: vec![format!(
            "OM {om}, SCM {scm}; after finalization the cluster cannot be downgraded"
        )],
        steps,
    };
    if present_plan(io, &plan, &a.change)? == Presented::DryRun || plan.steps.is_empty() {
        if plan.steps.is_empty() && !a.change.is_dry_run() {
            // Said as `upgrade` and `upgrade status` say it.
            let standing = ozone_engine::plan::finality::Facts {
                running: workloads
                    .iter()
                    .find(|w| w.component == Component::Scm)
                    .and_then(|w| w.version()),
                record,
                om: Some(om.to_string()),
                scm: Some(scm.to_string()),
            }
            .standing(&flags_hint(session, &cluster, &a.cluster));
            io.note(format!(
                "OM and SCM are finalized already, nothing to do: {}",
                standing.summary
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::DataLoss,
        a.change.yes,
        &format!(
            "Finalize the upgrade of cluster {cluster}? Afterwards it can never be downgraded."
        ),
        PHRASE,
    )?;
    let act = Actuator::new(&session.kube, &ozone, confirmed);
    let resume = format!(
        "kubectl ozone upgrade finalize {}",
        flags_hint(session, &cluster, &a.cluster)
    );
    let waits = Waits {
        interval: a.change.poll_interval,
        deadline: a.change.timeout.map(|t| started + t),
        started,
        resume: resume.clone(),
    };
    for (status, m) in [(scm, &scm_m), (om, &om_m)] {
        let component = m.component();
        if status.is_finalized() {
            continue;
        }
        io.note(format!("finalizing {component}: {}", m.argv().join(" ")));
        let out = act.ozone(m).await.with_context(|| {
            format!(
                "{component} finalization failed. Ozone lets one caller finalize at a time: if another `finalizeupgrade` runs, wait for it; if its caller went away, take it over with `{resume} --takeover`"
            )
        })?;
        parse::parse_finalize(&out)?;
        waits
            .until(&format!("{component} to report finalized"), || async {
                let (om, scm) = finalization(&ozone).await?;
                let s: FinalizationStatus = if component == Component::Om { om } else { scm };
                Ok(s.is_finalized().then_some(()))
            })
            .await?;
        io.note(format!("{component} is finalized"));
    }
    if let Some(scm_w) = workloads.iter().find(|w| w.component == Component::Scm) {
        let annotations = BTreeMap::from([(
            PHASE_ANNOTATION.to_owned(),
            Some(Phase::Finalized.as_str().to_owned()),
        )]);
        act.annotate_workload(WorkloadKind::StatefulSet, &scm_w.name, &annotations)
            .await?;
    }
    io.note(format!(
        "cluster {cluster} is finalized: the upgrade is permanent"
    ));
    Ok(ExitCode::SUCCESS)
}
