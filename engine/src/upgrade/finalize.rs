//! Finalization: SCM, then OM finalize (operations §1.1 steps 5–6), waiting until both
//! report finalized. Refused while some pod runs another image than its workload's, or an
//! upgrade is unfinished; after it the cluster can never be downgraded, which a front end
//! confirms before [`FinalizePlan::run`].

use super::{Flags, exec_targets, finalization, om_service_id};
use crate::cluster::Session;
use crate::cluster::act::{Actuator, Confirmed, WorkloadKind};
use crate::cluster::discover;
use crate::cluster::exec::OzoneReader;
use crate::events::Events;
use crate::plan::upgrade::{self, PHASE_ANNOTATION, Phase};
use crate::plan::{Plan, Step};
use crate::pods::restart::Waits;
use anyhow::{Context, Result};
use ozone_storage::Component;
use ozone_storage::admin::{FinalizationStatus, Mutation, upgrade as parse};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// How finalization runs.
#[derive(Clone, Debug)]
pub struct FinalizeOptions {
    /// Take finalization over from another caller that started it and went away.
    pub takeover: bool,
    /// When waiting gives up; none: never.
    pub timeout: Option<Duration>,
    /// Time between polls.
    pub poll: Duration,
    /// Plan only.
    pub dry_run: bool,
    /// How follow-up commands select the cluster.
    pub flags: Flags,
}

/// Finalization planned.
pub struct FinalizePlan {
    /// The plan as shown; no steps when both are finalized already.
    pub plan: Plan,
    /// The cluster.
    pub cluster: String,
    /// With no steps: the line that says nothing is left to do.
    pub finalized_already: Option<String>,
    /// The finalize commands still to run, SCM first.
    pending: Vec<Mutation>,
    anchor: Option<String>,
    ozone: OzoneReader,
    waits: Waits,
}

/// Reads `cluster` (the only one when `None`) and plans its finalization.
pub async fn plan(
    session: &Session,
    cluster: Option<&str>,
    options: &FinalizeOptions,
) -> Result<FinalizePlan> {
    let started = Instant::now();
    let view = discover::find(&session.kube, cluster).await?;
    let cluster = view.cluster().to_owned();
    let flags = options.flags.of(&cluster);
    let workloads = upgrade::workloads(&view);
    let record = upgrade::record(&workloads);
    if let Some(r) = record.filter(|r| r.phase < Phase::Done) {
        anyhow::bail!(
            "refused: the {} to {} is unfinished (phase {}); finish it first with `kubectl ozone upgrade --to {} {}`",
            ozone_storage::versions::direction(r.from, r.target).noun(),
            r.target,
            r.phase.as_str(),
            r.target,
            flags
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
    let scm_m = Mutation::finalize_upgrade(Component::Scm, None, options.takeover);
    let om_m = Mutation::finalize_upgrade(Component::Om, service_id.as_deref(), options.takeover);
    let pending: Vec<Mutation> = [(scm, scm_m), (om, om_m)]
        .into_iter()
        .filter(|(status, _)| !status.is_finalized())
        .map(|(_, m)| m)
        .collect();
    let steps = pending
        .iter()
        .map(|m| Step::Ozone {
            component: m.component().id().into(),
            argv: m.argv().to_vec(),
        })
        .collect::<Vec<_>>();
    let scm_workload = workloads.iter().find(|w| w.component == Component::Scm);
    // Said as the upgrade and its status say it.
    let finalized_already = steps.is_empty().then(|| {
        let standing = crate::plan::finality::Facts {
            running: scm_workload.and_then(|w| w.version()),
            record,
            om: Some(om.to_string()),
            scm: Some(scm.to_string()),
        }
        .standing(&flags);
        format!(
            "OM and SCM are finalized already, nothing to do: {}",
            standing.summary
        )
    });
    let plan = Plan {
        action: "upgrade finalization".into(),
        cluster: cluster.clone(),
        namespace: session.namespace().into(),
        dry_run: options.dry_run,
        targets: Vec::new(),
        checks: Vec::new(),
        notes: vec![format!(
            "OM {om}, SCM {scm}; after finalization the cluster cannot be downgraded"
        )],
        steps,
    };
    Ok(FinalizePlan {
        plan,
        cluster,
        finalized_already,
        pending,
        anchor: scm_workload.map(|w| w.name.clone()),
        ozone,
        waits: Waits {
            interval: options.poll,
            deadline: options.timeout.map(|t| started + t),
            started,
            resume: format!("kubectl ozone upgrade finalize {flags}"),
        },
    })
}

impl FinalizePlan {
    /// Finalizes SCM, then OM, each waited for, and records it on the SCM StatefulSet.
    pub async fn run(
        &self,
        session: &Session,
        confirmed: Confirmed,
        events: &mut dyn Events,
    ) -> Result<()> {
        let act = Actuator::new(&session.kube, &self.ozone, confirmed);
        let resume = &self.waits.resume;
        for m in &self.pending {
            let component = m.component();
            events.note(format!("finalizing {component}: {}", m.argv().join(" ")));
            let out = act.ozone(m).await.with_context(|| {
                format!(
                    "{component} finalization failed. Ozone lets one caller finalize at a time: if another `finalizeupgrade` runs, wait for it; if its caller went away, take it over with `{resume} --takeover`"
                )
            })?;
            parse::parse_finalize(&out)?;
            self.waits
                .until(&format!("{component} to report finalized"), || async {
                    let (om, scm) = finalization(&self.ozone).await?;
                    let s: FinalizationStatus = if component == Component::Om { om } else { scm };
                    Ok(s.is_finalized().then_some(()))
                })
                .await?;
            events.note(format!("{component} is finalized"));
        }
        if let Some(anchor) = &self.anchor {
            let annotations = BTreeMap::from([(
                PHASE_ANNOTATION.to_owned(),
                Some(Phase::Finalized.as_str().to_owned()),
            )]);
            act.annotate_workload(WorkloadKind::StatefulSet, anchor, &annotations)
                .await?;
        }
        events.note(format!(
            "cluster {} is finalized: the upgrade is permanent",
            self.cluster
        ));
        Ok(())
    }
}
