//! Recovering a ring member: an OM or SCM of an HA ring whose metadata is lost or
//! corrupt is emptied and joins again as a new member would (operations §2.3): its peers ship
//! it the ring's state. The plan (from [`crate::rings::bootstrap::plan_recover`]): the pod
//! template set to hold the volume without Ozone, the pod recreated, its metadata
//! directories (read from the cluster's configuration) emptied, the template set to the
//! bootstrap form (OM `ozone om --bootstrap`; an SCM's init containers bootstrap it, the
//! primordial SCM with `ozone.scm.primordial.node.id` pointed at a live peer for the run),
//! the pod recreated, waited for as FOLLOWER, and the template restored.
//!
//! Refused (exit 1, nothing written) while the ring would lose its majority without the
//! member, and for a ring of one (`recover --from`); a POD that is not a member of the ring
//! is bad input (exit 2). Emptying a volume is data loss, which a front end confirms before
//! [`MemberPlan::run`]. Every step is recorded on the StatefulSet, so planning again
//! finishes an interrupted recovery.

use crate::cluster::Session;
use crate::cluster::act::{Actuator, Confirmed};
use crate::cluster::discover;
use crate::cluster::exec::OzoneReader;
use crate::error::BadInput;
use crate::events::Events;
use crate::plan::Plan;
use crate::pods::restart::Waits;
use crate::rings::bootstrap::{
    self, Action, Bootstrapper, PRIMORDIAL_KEY, RecoverTarget, is_ordinal_of, member_pods,
    metadata_dirs, plan_recover, recover_refusal,
};
use crate::upgrade::Flags;
use anyhow::{Result, anyhow};
use ozone_storage::{Component, ConfigFile};
use std::time::Duration;
use tokio::time::Instant;

/// How a member recovery runs.
#[derive(Clone, Debug)]
pub struct MemberOptions {
    /// When waiting gives up; none: never.
    pub timeout: Option<Duration>,
    /// Time between polls.
    pub poll: Duration,
    /// Plan only.
    pub dry_run: bool,
    /// How follow-up commands select the cluster.
    pub flags: Flags,
}

/// A member recovery planned.
pub struct MemberPlan {
    /// The plan as shown.
    pub plan: Plan,
    /// The cluster.
    pub cluster: String,
    /// OM or SCM.
    pub component: Component,
    /// The member emptied and bootstrapped again.
    pub pod: String,
    actions: Vec<Action>,
    statefulset: String,
    ozone: OzoneReader,
    waits: Waits,
}

/// Reads `cluster` (the only one when `None`) and plans the recovery of `pod`, a member of
/// its `component` ring.
pub async fn plan(
    session: &Session,
    cluster: Option<&str>,
    component: Component,
    pod: &str,
    options: &MemberOptions,
) -> Result<MemberPlan> {
    let started = Instant::now();
    let view = discover::find(&session.kube, cluster).await?;
    let cluster = view.cluster().to_owned();
    let sts = view
        .statefulset(component)
        .ok_or_else(|| BadInput(format!("cluster {cluster} has no {component} StatefulSet")))?;
    let sts_name = sts.metadata.name.clone().unwrap_or_default();
    let replicas = sts.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let members = member_pods(&sts_name, replicas);
    if !is_ordinal_of(&sts_name, pod) || !members.iter().any(|m| m == pod) {
        return Err(BadInput(format!(
            "{pod} is not a member of the {component} ring of cluster {cluster} (its members: {})",
            members.join(", ")
        ))
        .into());
    }
    // Ask the other members first: the one to recover may answer wrongly or not at all.
    let mut targets = view.exec_targets();
    for list in [&mut targets.om, &mut targets.scm] {
        if let Some(i) = list.iter().position(|p| p == pod) {
            let p = list.remove(i);
            list.push(p);
        }
    }
    let ozone = OzoneReader::new(session.exec.clone(), targets);
    let ring = bootstrap::read_ring(&session.kube, &ozone, &cluster, component).await?;
    if let Some(problem) = recover_refusal(&ring, pod, &members) {
        anyhow::bail!("refused, nothing was changed: {problem}");
    }
    let config_map = view.names.config_map();
    let data = session
        .kube
        .config_map(&config_map)
        .await?
        .and_then(|c| c.data)
        .ok_or_else(|| {
            anyhow!("ConfigMap {config_map} not found: cannot tell where {pod} keeps its metadata")
        })?;
    let data: std::collections::BTreeMap<String, String> = data.into_iter().collect();
    let dirs = metadata_dirs(&data, component)
        .map_err(|e| anyhow!("refused, nothing was changed: {e}"))?;
    let mut notes = Vec::new();
    let primordial = if component == Component::Scm
        && data
            .get(&ConfigFile::OzoneSite.env_name(PRIMORDIAL_KEY))
            .is_some_and(|id| id == pod || id.split('.').next() == Some(pod))
    {
        let stand_in = ring
            .roles
            .iter()
            .filter(|(p, r)| p != pod && bootstrap::steady(r))
            .min_by_key(|(_, r)| !r.eq_ignore_ascii_case("LEADER"))
            .map(|(p, _)| p.clone())
            .ok_or_else(|| anyhow!("no live SCM to stand in as the primordial node"))?;
        notes.push(format!(
            "{pod} is the primordial SCM ({PRIMORDIAL_KEY}); for the run {stand_in} stands in, so that its bootstrap is not skipped"
        ));
        Some(stand_in)
    } else {
        None
    };
    let target = RecoverTarget {
        pod: pod.to_owned(),
        dirs,
        primordial,
    };
    let actions =
        plan_recover(&ring, &target).map_err(|e| anyhow!("refused, nothing was changed: {e}"))?;
    if ring.in_progress.is_some() {
        notes.push(format!(
            "resuming the recovery of {pod} recorded on statefulset {sts_name}"
        ));
    }
    notes.push(format!(
        "{pod}'s metadata is emptied; the ring's leader ships it the whole state (keep free space of twice the DB size on its volume)"
    ));
    let plan = Plan {
        action: format!("recover {component} member {pod}"),
        cluster: cluster.clone(),
        namespace: session.namespace().into(),
        dry_run: options.dry_run,
        targets: Vec::new(),
        checks: Vec::new(),
        notes,
        steps: actions.iter().map(|a| a.step()).collect(),
    };
    let resume = format!(
        "kubectl ozone recover {} {pod} --yes --confirm-wipe {pod} {}",
        component.id(),
        options.flags.of(&cluster)
    );
    Ok(MemberPlan {
        plan,
        cluster,
        component,
        pod: pod.to_owned(),
        actions,
        statefulset: sts_name,
        ozone,
        waits: Waits {
            interval: options.poll,
            deadline: options.timeout.map(|t| started + t),
            started,
            resume,
        },
    })
}

impl MemberPlan {
    /// Empties the member and bootstraps it from the ring, until it is a FOLLOWER again.
    pub async fn run(
        &self,
        session: &Session,
        confirmed: Confirmed,
        events: &mut dyn Events,
    ) -> Result<()> {
        let act = Actuator::new(&session.kube, &self.ozone, confirmed);
        let (pod, component, resume) = (&self.pod, self.component, &self.waits.resume);
        let runner = Bootstrapper {
            kube: &session.kube,
            act: &act,
            ozone: &self.ozone,
            cluster: &self.cluster,
            waits: self.waits.clone(),
        };
        runner.run(events, &self.actions).await.map_err(|e| {
            if format!("{e:#}").contains(resume.as_str()) {
                e
            } else {
                e.context(format!(
                    "the recovery of {pod} stopped part-way; it is recorded on statefulset {}, and running it again finishes it:\n  {resume}",
                    self.statefulset
                ))
            }
        })?;
        events.note(format!("{pod} is a FOLLOWER of the {component} ring again"));
        Ok(())
    }
}
