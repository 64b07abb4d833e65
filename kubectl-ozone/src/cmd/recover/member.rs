//! `kubectl ozone recover om|scm POD`: an OM or SCM of an HA ring whose metadata is lost or
//! corrupt is emptied and joins again as a new member would (operations §2.3): its peers ship
//! it the ring's state. The plan (from [`ozone_engine::rings::bootstrap::plan_recover`]): the pod
//! template set to hold the volume without Ozone, the pod recreated, its metadata
//! directories (read from the cluster's configuration) emptied, the template set to the
//! bootstrap form (OM `ozone om --bootstrap`; an SCM's init containers bootstrap it, the
//! primordial SCM with `ozone.scm.primordial.node.id` pointed at a live peer for the run),
//! the pod recreated, waited for as FOLLOWER, and the template restored.
//!
//! Refused (exit 1, nothing written) while the ring would lose its majority without the
//! member, and for a ring of one (`recover --from`); a POD that is not a member of the ring
//! is bad input (exit 2). Emptying a volume asks for the pod name typed on a terminal; with
//! `--yes` the pod must also be named by `--confirm-wipe POD`. Every step is recorded on the
//! StatefulSet, so running the same command again finishes an interrupted recovery.

use crate::cmd::common::{
    ChangeArgs, ClusterArgs, Presented, flags_hint, is_data, present_plan, print_plan,
};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::{Result, anyhow};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::plan::Plan;
use ozone_engine::pods::restart::Waits;
use ozone_engine::rings::bootstrap::{
    self, Bootstrapper, PRIMORDIAL_KEY, RecoverTarget, is_ordinal_of, member_pods, metadata_dirs,
    plan_recover, recover_refusal,
};
use ozone_storage::{Component, ConfigFile};
use std::process::ExitCode;
use tokio::time::Instant;

/// `recover om|scm POD` arguments.
#[derive(Debug, Args, Clone)]
pub struct MemberArgs {
    /// The member to empty and bootstrap again (a pod of the OM or SCM StatefulSet).
    #[arg(value_name = "POD")]
    pub pod: String,
    /// With --yes: the pod's name again, to confirm that its metadata volume is emptied.
    #[arg(long, value_name = "POD")]
    pub confirm_wipe: Option<String>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags. The recovery always waits for the member to rejoin; --timeout bounds it.
    #[command(flatten)]
    pub change: ChangeArgs,
}

/// Runs `recover om|scm POD`.
pub async fn run(
    session: &Session,
    io: &mut Io,
    component: Component,
    a: &MemberArgs,
) -> Result<ExitCode> {
    let started = Instant::now();
    let pod = a.pod.as_str();
    if let Some(other) = &a.confirm_wipe
        && other != pod
    {
        return Err(BadInput(format!(
            "--confirm-wipe {other} does not name the pod to recover ({pod})"
        ))
        .into());
    }
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
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
        dry_run: a.change.is_dry_run(),
        targets: Vec::new(),
        checks: Vec::new(),
        notes,
        steps: actions.iter().map(|a| a.step()).collect(),
    };
    if present_plan(io, &plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    if a.change.yes && a.confirm_wipe.is_none() {
        return Err(BadInput(format!(
            "--yes empties the metadata volume of {pod} without asking: name the pod again with --confirm-wipe {pod}"
        ))
        .into());
    }
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::DataLoss,
        a.change.yes,
        &format!(
            "empty the {component} metadata of {pod} in namespace {} and bootstrap it from the ring? Type the pod name to confirm",
            session.namespace()
        ),
        pod,
    )?;
    let act = Actuator::new(&session.kube, &ozone, confirmed);
    let resume = format!(
        "kubectl ozone recover {} {pod} --yes --confirm-wipe {pod} {}",
        component.id(),
        flags_hint(session, &cluster, &a.cluster)
    );
    let runner = Bootstrapper {
        kube: &session.kube,
        act: &act,
        ozone: &ozone,
        cluster: &cluster,
        waits: Waits {
            interval: a.change.poll_interval,
            deadline: a.change.timeout.map(|t| started + t),
            started,
            resume: resume.clone(),
        },
    };
    runner.run(io, &actions).await.map_err(|e| {
        if format!("{e:#}").contains(&resume) {
            e
        } else {
            e.context(format!(
                "the recovery of {pod} stopped part-way; it is recorded on statefulset {sts_name}, and running it again finishes it:\n  {resume}"
            ))
        }
    })?;
    io.note(format!("{pod} is a FOLLOWER of the {component} ring again"));
    if is_data(a.change.format) {
        print_plan(io, &plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
