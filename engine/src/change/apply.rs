//! `apply`: the spec reaches the running cluster the way Ozone needs it, as read → plan → run
//! one step at a time ([`read`], [`plan`], [`run_step`]; [`run`] runs them all).
//!
//! 0. OM/SCM ring shrink ([`super::ring_shrink`]): leadership kept on a remaining member,
//!    the leaving members decommissioned and waited for, the StatefulSet scaled down — before
//!    any object is written, while every pod still runs the ring's current configuration.
//! 1. Server-side apply (field manager [`ApplyOptions::field_manager`]) of every changed object
//!    in the render's order — Namespace, RBAC, ConfigMaps, Services, PDBs, workloads, monitoring last. A
//!    StatefulSet keeps its live replicas and volume claim templates: the transitions below
//!    change those.
//! 2. Prune: objects labelled as this cluster's and `managed-by: kubectl-ozone` that the spec
//!    no longer renders (never PVCs, Secrets or the Namespace).
//! 3. Transitions: datanodes down (decommission the highest ordinals, wait, scale — the
//!    `datanode scale-down` engine and its pre-flight), datanodes up (scale, wait until
//!    IN_SERVICE), a new configuration or pod template (the quorum-safe rolling restart of the
//!    StatefulSet pods left on the old revision, the engine of `cert rotate`), storage growth
//!    (only when every PVC's StorageClass has `allowVolumeExpansion: true`: each PVC resized,
//!    then the StatefulSet deleted with orphan propagation and created again, pods running).
//! 4. With [`ApplyOptions::wait`] (`--wait`): every workload rolled out.
//!
//! Each of these is a [`Stage`] of the [`ApplyPlan`]; [`run_step`] runs one, so a controller
//! can run a stage, return, and plan again from the cluster when it comes back.
//!
//! Refused, with nothing written: a new version (`kubectl ozone upgrade`), a TLS mode change
//! while pods run (`kubectl ozone cert`), storage shrink or another StorageClass, OM/SCM ring
//! growth (not carried out by this version), a ring shrink to an even size, to one member
//! without `--allow-ring-to-single`, or of an unhealthy ring, conflicts with field managers
//! other than kubectl's own unless `--force-conflicts`. Fields kubectl's own managers hold
//! (`render | kubectl apply --server-side`, `kubectl edit`, …) on objects labelled
//! `managed-by: kubectl-ozone` are taken over, with a note.
//!
//! Resuming: every step is planned from the cluster as it is, so running the same command
//! again after an interruption does what is left: applies are idempotent, datanodes already
//! decommissioning are only waited for, pods already on the new revision are not restarted.

use super::compare::{Comparison, compare};
use super::datanodes::wait::{self, WaitOpts};
use super::datanodes::{Leaving, Safety, leaving_checks, scale_down::layout};
use super::disks::{self, Grow, grow_storage, storage_plan};
use super::ring_grow::{
    self, deferred, deferred_steps, grow_rings, recorded_statefulsets, ring_growth,
};
use super::ring_shrink as shrink;
use crate::cluster::Session;
use crate::cluster::act::Actuator;
use crate::cluster::exec::OzoneReader;
use crate::cluster::objects::{ObjectError, kind_and_name, kind_info};
use crate::error::BadInput;
use crate::events::Events;
use crate::plan::changes::Action;
use crate::plan::ring_shrink;
use crate::plan::rollout::{deployment_pending, statefulset_pending};
use crate::plan::rotation::Skips;
use crate::plan::transitions::Kind;
use crate::plan::{Plan, Step};
use crate::pods::restart::{Restarter, Waits};
use crate::pods::rolling::{self, out_of_date_pods};
use anyhow::{Context, Result, anyhow};
use ozone_generator::spec::Cluster;
use ozone_storage::Component;
use ozone_storage::admin::{DatanodeInfo, Mutation, OpState, Query, datanode};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tokio::time::Instant;

/// How `apply` goes about it: the engine's side of the command line's flags, or what the
/// operator sets.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// The field manager of the server-side applies (`kubectl-ozone` from the command line;
    /// the operator applies under its own).
    pub field_manager: String,
    /// Take over fields other field managers own (server-side apply `force`).
    pub force_conflicts: bool,
    /// Wait until every workload is rolled out.
    pub wait: bool,
    /// Rolling restart checks skipped.
    pub skips: Skips,
    /// Datanode scale-down checks.
    pub safety: Safety,
    /// A ring may shrink to a single member: `Some("")` once a person confirms by typing the
    /// cluster's name, `Some(name)` for the cluster of that name.
    pub allow_ring_to_single: Option<String>,
    /// A plan that is only shown.
    pub dry_run: bool,
    /// When the whole run gives up waiting, counted from its start (`--timeout`).
    pub timeout: Option<Duration>,
    /// Time between polls while waiting.
    pub poll_interval: Duration,
    /// An owner reference added to every written object (the operator's `OzoneCluster`);
    /// the Namespace is then not written. `None` from the command line.
    pub owner: Option<Value>,
}

impl ApplyOptions {
    /// How a run that started at `started` waits; `resume` is what a person (or a controller's
    /// log) is told resumes it when a wait gives up.
    pub fn waits(&self, started: Instant, resume: String) -> Waits {
        Waits {
            interval: self.poll_interval,
            deadline: self.timeout.map(|t| started + t),
            started,
            resume,
        }
    }
}

/// The cluster as `apply` found it: the spec compared with every live object.
pub struct Observed {
    /// The comparison.
    pub comparison: Comparison,
    /// Ozone queries in this cluster.
    pub ozone: OzoneReader,
}

/// Reads the cluster and compares `cluster` (the resolved spec) with it. Nothing is written.
pub async fn read(session: &Session, cluster: Cluster, opts: &ApplyOptions) -> Result<Observed> {
    let comparison = compare(
        session,
        cluster,
        opts.force_conflicts,
        &opts.field_manager,
        opts.owner.as_ref(),
    )
    .await?;
    let ozone = OzoneReader::new(session.exec.clone(), comparison.view.exec_targets());
    Ok(Observed { comparison, ozone })
}

/// One unit of `apply`'s work, in the order [`ApplyPlan::stages`] lists them. Each re-reads
/// what it needs from the cluster, so a run cut off after any of them resumes by planning
/// again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Stage {
    /// An OM/SCM ring shrink (index into the planned shrinks), before any object is written.
    ShrinkRing(usize),
    /// Server-side apply of the changed objects in render order, then prune.
    WriteObjects,
    /// PVCs resized, then their StatefulSets re-created.
    GrowStorage,
    /// A StatefulSet that gains volumes re-created.
    RecreateStatefulSet(String),
    /// Datanodes down (decommission, wait, scale) and up (scale, wait).
    Datanodes,
    /// OM/SCM rings grown: members restarted, new ones bootstrapped, the deferred applied.
    GrowRings,
    /// The quorum-safe rolling restart of the pods on an older revision.
    Restart,
    /// Every workload waited for until rolled out.
    WaitRollout,
}

/// What [`run_step`] left to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StepOutcome {
    /// The stage at this index runs next.
    Next(usize),
    /// Every stage ran.
    Done,
}

/// `apply`'s plan: the steps to show, the refusals, and the stages that carry it out.
pub struct ApplyPlan {
    /// The plan as shown.
    pub plan: Plan,
    /// Why `apply` refuses, nothing written: transitions it does not carry out, and rings
    /// that cannot shrink now.
    pub refusals: Vec<String>,
    /// Conflicts with field managers other than kubectl's, also refused.
    pub conflicts: Vec<String>,
    /// The stages, in order.
    pub stages: Vec<Stage>,
    /// The records this run resumes from: StatefulSets whose member bootstrap was cut off,
    /// whose template stays the engine's until the bootstrap restores it.
    pub recorded: BTreeSet<String>,
    comparison: Comparison,
    ozone: OzoneReader,
    options: ApplyOptions,
    growth: Vec<(Component, i32)>,
    dn: Datanodes,
    shrinks: Vec<shrink::Shrink>,
    grows: Vec<Grow>,
    restart_components: Vec<Component>,
    leaving: BTreeSet<String>,
}

/// How `apply` writes objects: through the actuator, as the field manager, forcing or not.
pub struct Writes<'a> {
    /// Writes.
    pub act: &'a Actuator,
    /// The field manager.
    pub field_manager: &'a str,
    /// `force` asked for (`--force-conflicts`).
    pub force_conflicts: bool,
}

impl Writes<'_> {
    /// Server-side applies `object`.
    pub async fn apply(&self, object: &Value, force: bool) -> Result<Value, ObjectError> {
        self.act.apply_as(object, self.field_manager, force).await
    }
}

/// Datanodes leaving: decommissioned, waited for, then the StatefulSet scaled down.
struct ScaleDown {
    /// The StatefulSet.
    statefulset: String,
    /// Replicas after.
    to: i32,
    /// Hosts that still need the decommission command.
    decommission: Vec<String>,
    /// Hosts to wait for.
    wait_for: Vec<String>,
}

/// New datanodes: the StatefulSet scaled up, then waited for until IN_SERVICE.
struct ScaleUp {
    /// The StatefulSet.
    statefulset: String,
    /// Replicas after.
    to: i32,
    /// The new datanodes' host names.
    hosts: Vec<String>,
}

/// Datanode transitions planned.
#[derive(Default)]
struct Datanodes {
    /// Scaling down.
    down: Option<ScaleDown>,
    /// Scaling up.
    up: Option<ScaleUp>,
    /// Pods that leave (not restarted).
    leaving: BTreeSet<String>,
}

/// Plans `apply` from what [`read`] found.
pub async fn plan(session: &Session, observed: Observed, opts: &ApplyOptions) -> Result<ApplyPlan> {
    let Observed {
        comparison: mut c,
        ozone,
    } = observed;
    let namespace = session.namespace().to_owned();
    let cluster_name = c.cluster.name.clone();
    if let Some(named) = opts.allow_ring_to_single.as_deref() {
        if !named.is_empty() && named != cluster_name {
            return Err(BadInput(format!(
                "{}={named} does not name this cluster ({cluster_name})",
                ring_shrink::ALLOW_SINGLE_FLAG
            ))
            .into());
        }
        let names = c.cluster.names();
        ring_shrink::allow_single(&mut c.transitions, |comp| names.component(comp));
    }
    let mut notes = Vec::new();
    let mut checks = Vec::new();
    let mut steps = Vec::new();
    let growth = ring_growth(&c);
    let recorded = recorded_statefulsets(&c);
    for o in c.objects.iter().filter(|o| !deferred(&growth, o)) {
        let change = match o.action() {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged | Action::Prune => continue,
        };
        steps.push(Step::ApplyObject {
            object_kind: o.kind.clone(),
            name: o.name.clone(),
            change: change.into(),
        });
    }
    for p in &c.prune {
        let (kind, name) = kind_and_name(p);
        steps.push(Step::DeleteObject {
            object_kind: kind,
            name,
        });
    }
    let refused = c.refusals();
    let dn = if refused.is_empty() {
        datanode_plan(
            session,
            &c,
            &ozone,
            &opts.safety,
            &mut steps,
            &mut checks,
            &mut notes,
        )
        .await?
    } else {
        Datanodes::default()
    };
    let mut refusals: Vec<String> = refused.iter().map(|t| t.describe()).collect();
    let nothing_refused = refused.is_empty();
    let mut shrink_steps = Vec::new();
    let shrinks = if nothing_refused {
        shrink::plan(
            session,
            &c,
            &ozone,
            opts.allow_ring_to_single.is_some(),
            &mut shrink_steps,
            &mut notes,
            &mut refusals,
        )
        .await?
    } else {
        Vec::new()
    };
    // The shrink runs first, before any object is written; the StatefulSet is then sent
    // with its replicas after the shrink.
    steps.splice(0..0, shrink_steps);
    for s in &shrinks {
        if let Some(o) = c
            .objects
            .iter_mut()
            .find(|o| o.kind == "StatefulSet" && o.name == s.plan.statefulset)
        {
            o.sent["spec"]["replicas"] = serde_json::json!(s.plan.to);
        }
    }
    let mut leaving = dn.leaving.clone();
    leaving.extend(shrink::leaving_pods(&shrinks));
    refusals.extend(ring_grow::recoveries_in_progress(&c));
    let grows = if nothing_refused {
        storage_plan(session, &c, &mut steps, &mut refusals).await?
    } else {
        Vec::new()
    };
    let added_volumes = if nothing_refused {
        let grown: BTreeSet<String> = grows.iter().map(|g| g.statefulset.clone()).collect();
        disks::plan(&c, &grown, &mut steps)
    } else {
        Vec::new()
    };
    let restart_components = restart_components(&c);
    let restarts = if restart_components.is_empty() || !refusals.is_empty() {
        None
    } else {
        let stale = out_of_date_pods(&c.view, &restart_components);
        let changing: BTreeSet<Component> = c
            .transitions
            .iter()
            .filter(|t| t.restarts_pods())
            .map(|t| t.component)
            .chain(disks::orphaned(&c.view))
            .collect();
        let pods = rolling::pod_states(&c.view, &ozone, &restart_components).await?;
        checks.extend(rolling::checks(&ozone, &pods, &restart_components, opts.skips).await?);
        let restarting = |pod: &str| {
            !leaving.contains(pod)
                && (stale.contains(pod)
                    || pods
                        .iter()
                        .any(|p| p.pod == pod && changing.contains(&p.component)))
        };
        let r = rolling::plan_restarts(&session.kube, &c.view, &pods, &restart_components, |p| {
            !restarting(p)
        })
        .await?;
        if !r.steps.is_empty() {
            notes.push(
                "restarts: the pods of StatefulSets whose template changes (or that still run an older revision), in quorum-safe order".into(),
            );
        }
        if growth.is_empty() {
            steps.extend(r.plan_steps()?);
        } else {
            let (before, after) = ring_grow::split_restarts(&r, &growth);
            steps.extend(before.plan_steps()?);
            steps.extend(
                ring_grow::plan(session, &c, &ozone, &growth, &mut notes)
                    .await?
                    .iter()
                    .map(|a| a.step()),
            );
            steps.extend(deferred_steps(&c, &growth));
            steps.extend(after.plan_steps()?);
        }
        Some(r)
    };
    if opts.wait {
        for o in c
            .objects
            .iter()
            .filter(|o| matches!(o.kind.as_str(), "StatefulSet" | "Deployment"))
        {
            steps.push(Step::WaitRollout {
                object_kind: o.kind.clone(),
                name: o.name.clone(),
            });
        }
    }
    for t in &c.transitions {
        notes.push(format!("transition: {}", t.describe()));
    }
    if let Some(t) = c.takeover_note() {
        notes.push(t);
    }
    let plan = Plan {
        action: "apply".into(),
        cluster: c.cluster.name.clone(),
        namespace,
        dry_run: opts.dry_run,
        targets: Vec::new(),
        checks,
        notes,
        steps,
    };
    let mut stages: Vec<Stage> = (0..shrinks.len()).map(Stage::ShrinkRing).collect();
    stages.push(Stage::WriteObjects);
    if !grows.is_empty() {
        stages.push(Stage::GrowStorage);
    }
    stages.extend(added_volumes.into_iter().map(Stage::RecreateStatefulSet));
    if dn.down.is_some() || dn.up.is_some() {
        stages.push(Stage::Datanodes);
    }
    if !growth.is_empty() {
        stages.push(Stage::GrowRings);
    }
    if restarts.is_some_and(|r| !r.steps.is_empty()) {
        stages.push(Stage::Restart);
    }
    if opts.wait {
        stages.push(Stage::WaitRollout);
    }
    Ok(ApplyPlan {
        plan,
        refusals,
        conflicts: c.conflicts(),
        stages,
        comparison: c,
        ozone,
        options: opts.clone(),
        growth,
        recorded,
        dn,
        shrinks,
        grows,
        restart_components,
        leaving,
    })
}

impl ApplyPlan {
    /// The comparison the plan was made from.
    pub fn comparison(&self) -> &Comparison {
        &self.comparison
    }

    /// The options it was made with.
    pub fn options(&self) -> &ApplyOptions {
        &self.options
    }

    /// The StatefulSet components whose pods may restart.
    pub fn restart_components(&self) -> &[Component] {
        &self.restart_components
    }

    /// The OM/SCM rings that grow, with the replicas they grow to.
    pub fn growth(&self) -> &[(Component, i32)] {
        &self.growth
    }

    /// Ozone queries in this cluster (the actuator that runs the plan sends Ozone commands
    /// through it).
    pub fn ozone(&self) -> &OzoneReader {
        &self.ozone
    }

    /// The resolved spec's cluster name.
    pub fn cluster(&self) -> &str {
        &self.comparison.cluster.name
    }

    /// Whether a ring shrinks to a single member, losing its fault tolerance.
    pub fn to_single(&self) -> bool {
        self.shrinks.iter().any(|s| s.plan.to == 1)
    }

    /// Refuses, nothing written, when a transition or a conflict stands in the way.
    pub fn refuse_if_refused(&self) -> Result<()> {
        if !self.refusals.is_empty() {
            anyhow::bail!("refused, nothing was changed: {}", self.refusals.join("; "));
        }
        if !self.conflicts.is_empty() {
            anyhow::bail!(
                "refused, nothing was changed: {}",
                self.conflicts.join("; ")
            );
        }
        Ok(())
    }
}

/// Runs stage `index` of `p`. `waits.resume` is the command that resumes, named when a stage
/// stops part-way.
pub async fn run_step(
    session: &Session,
    p: &ApplyPlan,
    index: usize,
    act: &Actuator,
    waits: &Waits,
    events: &mut dyn Events,
) -> Result<StepOutcome> {
    let c = &p.comparison;
    let w = Writes {
        act,
        field_manager: &p.options.field_manager,
        force_conflicts: p.options.force_conflicts,
    };
    let again = |e: anyhow::Error| {
        e.context(format!(
            "apply stopped part-way; what was done stays, and running it again finishes it:\n  {}",
            waits.resume
        ))
    };
    let Some(stage) = p.stages.get(index) else {
        return Ok(StepOutcome::Done);
    };
    match stage {
        Stage::ShrinkRing(i) => {
            let shrinking = shrink::Shrinker {
                kube: &session.kube,
                act,
                ozone: &p.ozone,
                cluster: &c.cluster.name,
                skips: p.options.skips,
                waits,
            };
            shrinking.run(events, &p.shrinks[*i]).await.map_err(again)?;
        }
        Stage::WriteObjects => write_objects(c, &w, events, |o| {
            !deferred(&p.growth, o) && !p.recorded.contains(&o.name)
        })
        .await
        .map_err(again)?,
        Stage::GrowStorage => grow_storage(session, c, &w, events, &p.grows, waits)
            .await
            .map_err(again)?,
        Stage::RecreateStatefulSet(sts) => disks::recreate(session, c, &w, events, sts, waits)
            .await
            .map_err(again)?,
        Stage::Datanodes => change_datanodes(act, &p.ozone, events, &p.dn, waits)
            .await
            .map_err(again)?,
        Stage::GrowRings => grow_rings(p, session, &w, events, waits, &p.dn.leaving)
            .await
            .map_err(again)?,
        Stage::Restart => restart(
            p,
            session,
            act,
            events,
            waits,
            &p.restart_components,
            &p.leaving,
            &BTreeSet::new(),
        )
        .await
        .map_err(again)?,
        Stage::WaitRollout => wait_rollout(session, c, events, waits).await?,
    }
    Ok(if index + 1 < p.stages.len() {
        StepOutcome::Next(index + 1)
    } else {
        StepOutcome::Done
    })
}

/// Runs every stage of `p` in order, then says the cluster is as the spec renders it.
pub async fn run(
    session: &Session,
    p: &ApplyPlan,
    act: &Actuator,
    waits: &Waits,
    events: &mut dyn Events,
) -> Result<()> {
    let mut index = 0;
    while let StepOutcome::Next(next) = run_step(session, p, index, act, waits, events).await? {
        index = next;
    }
    events.note(format!(
        "Ozone cluster {} in namespace {} is as the spec renders it",
        p.comparison.cluster.name,
        session.namespace()
    ));
    Ok(())
}

/// StatefulSet components whose pods may need a restart: a new template, or pods left on an
/// older revision (an earlier apply cut off, or a GitOps apply).
fn restart_components(c: &Comparison) -> Vec<Component> {
    let orphaned = disks::orphaned(&c.view);
    let changing: BTreeSet<Component> = c
        .transitions
        .iter()
        .filter(|t| t.restarts_pods())
        .map(|t| t.component)
        .chain(orphaned.iter().copied())
        .collect();
    let sts: Vec<Component> = Component::ALL
        .into_iter()
        .filter(|comp| c.view.statefulset(*comp).is_some() || orphaned.contains(comp))
        .collect();
    let stale = out_of_date_pods(&c.view, &sts);
    sts.into_iter()
        .filter(|comp| {
            changing.contains(comp)
                || c.view
                    .pods_of(*comp)
                    .iter()
                    .any(|p| p.metadata.name.as_ref().is_some_and(|n| stale.contains(n)))
        })
        .collect()
}

async fn datanode_plan(
    session: &Session,
    c: &Comparison,
    ozone: &OzoneReader,
    safety: &Safety,
    steps: &mut Vec<Step>,
    checks: &mut Vec<crate::plan::preflight::Check>,
    notes: &mut Vec<String>,
) -> Result<Datanodes> {
    let mut out = Datanodes::default();
    let Some(t) = c
        .transitions
        .iter()
        .find(|t| matches!(t.kind, Kind::DatanodesUp | Kind::DatanodesDown))
    else {
        return Ok(out);
    };
    let from: i32 = t.from.parse()?;
    let to: i32 = t.to.parse()?;
    let names = c.cluster.names();
    let sts = names.component(Component::Datanode);
    if t.kind == Kind::DatanodesUp {
        let hosts: Vec<String> = (from..to)
            .map(|i| names.pod_host(Component::Datanode, i))
            .collect();
        steps.push(Step::ScaleStatefulSet {
            name: sts.clone(),
            from,
            to,
        });
        steps.push(Step::Wait {
            datanodes: hosts.clone(),
            until: OpState::InService.to_string(),
        });
        out.up = Some(ScaleUp {
            statefulset: sts,
            to,
            hosts,
        });
        return Ok(out);
    }
    let datanodes: Vec<DatanodeInfo> =
        datanode::parse_list(&ozone.query(&Query::datanode_list()).await?)?;
    let lay = layout(&c.view, &datanodes, to)?;
    notes.extend(lay.notes.iter().cloned());
    if !lay.pvcs.is_empty() {
        notes.push(format!(
            "kept PVCs (their data stays; delete with `kubectl ozone datanode scale-down --delete-pvcs`): {}",
            lay.pvcs.join(", ")
        ));
    }
    if !lay.leaving.is_empty() {
        let leaving = Leaving {
            datanodes: &datanodes,
            uuids: lay.leaving.iter().map(String::as_str).collect(),
            targets: &lay.targets,
        };
        checks.extend(leaving_checks(session, &c.view, ozone, &leaving, safety, notes).await?);
    }
    if !lay.to_decommission.is_empty() {
        let m = Mutation::decommission(&lay.to_decommission);
        steps.push(Step::Ozone {
            component: m.component().id().into(),
            argv: m.argv().to_vec(),
        });
    }
    if !lay.to_wait.is_empty() {
        steps.push(Step::Wait {
            datanodes: lay.to_wait.clone(),
            until: OpState::Decommissioned.to_string(),
        });
    }
    steps.push(Step::ScaleStatefulSet {
        name: sts.clone(),
        from,
        to,
    });
    out.leaving = (to..from)
        .map(|i| names.pod(Component::Datanode, i))
        .collect();
    out.down = Some(ScaleDown {
        statefulset: sts,
        to,
        decommission: lay.to_decommission,
        wait_for: lay.to_wait,
    });
    Ok(out)
}

async fn write_objects(
    c: &Comparison,
    w: &Writes<'_>,
    events: &mut dyn Events,
    now: impl Fn(&super::compare::Compared) -> bool,
) -> Result<()> {
    for o in c.objects.iter().filter(|o| now(o)) {
        let verb = match o.action() {
            Action::Create => "created",
            Action::Update => "configured",
            Action::Unchanged | Action::Prune => continue,
        };
        w.apply(&o.sent, o.force(w.force_conflicts)).await?;
        events.note(format!("{} {} {verb}", o.kind, o.name));
    }
    for p in &c.prune {
        let (kind, name) = kind_and_name(p);
        let info = kind_info(&kind).ok_or_else(|| anyhow!("{kind} {name}: unknown kind"))?;
        w.act.delete_object(info, &name).await?;
        events.note(format!("{kind} {name} pruned"));
    }
    Ok(())
}

/// The time left before the run's deadline, for the datanode waits that take a timeout.
fn remaining(waits: &Waits) -> Option<Duration> {
    waits
        .deadline
        .map(|d| d.saturating_duration_since(Instant::now()))
}

async fn change_datanodes(
    act: &Actuator,
    ozone: &OzoneReader,
    events: &mut dyn Events,
    dn: &Datanodes,
    waits: &Waits,
) -> Result<()> {
    let opts = WaitOpts {
        timeout: remaining(waits),
        interval: waits.interval,
    };
    if let Some(down) = &dn.down {
        if !down.decommission.is_empty() {
            let out = act
                .ozone(&Mutation::decommission(&down.decommission))
                .await?;
            events.note(out.trim_end());
        }
        if !down.wait_for.is_empty() {
            wait::until(
                ozone,
                events,
                &down.wait_for,
                OpState::Decommissioned,
                &opts,
                &waits.resume,
            )
            .await?;
        }
        act.scale_statefulset(&down.statefulset, down.to).await?;
        events.note(format!(
            "scaled statefulset {} to {}",
            down.statefulset, down.to
        ));
    }
    if let Some(up) = &dn.up {
        act.scale_statefulset(&up.statefulset, up.to).await?;
        events.note(format!(
            "scaled statefulset {} to {}",
            up.statefulset, up.to
        ));
        wait::until(
            ozone,
            events,
            &up.hosts,
            OpState::InService,
            &opts,
            &waits.resume,
        )
        .await?;
    }
    Ok(())
}

/// Restarts the pods of `components` left on an older revision, except those `leaving` or
/// held off; planned again from the cluster as it is now.
#[allow(clippy::too_many_arguments)]
pub(super) async fn restart(
    p: &ApplyPlan,
    session: &Session,
    act: &Actuator,
    events: &mut dyn Events,
    waits: &Waits,
    components: &[Component],
    leaving: &BTreeSet<String>,
    hold_off: &BTreeSet<String>,
) -> Result<()> {
    let (c, ozone, skips) = (&p.comparison, &p.ozone, p.options.skips);
    let kube = &session.kube;
    let cluster = c.cluster.name.as_str();
    // The controller computes the new revision once it has seen the applied template.
    waits
        .until(
            "the StatefulSet controller to see the new templates",
            || async {
                let all = kube.ozone_statefulsets().await?;
                let behind = all.iter().any(|s| {
                    crate::cluster::view::label(&s.metadata, ozone_generator::names::LABEL_INSTANCE)
                        == Some(cluster)
                        && s.status.as_ref().and_then(|st| st.observed_generation)
                            < s.metadata.generation
                });
                Ok((!behind).then_some(()))
            },
        )
        .await?;
    let view = kube
        .snapshot(cluster, kube.ozone_statefulsets().await?)
        .await?;
    let stale = out_of_date_pods(&view, components);
    let pods = rolling::pod_states(&view, ozone, components).await?;
    let round = rolling::checks(ozone, &pods, components, skips).await?;
    rolling::refuse_if_degraded(&round, &waits.resume)?;
    let restarts = rolling::plan_restarts(kube, &view, &pods, components, |p| {
        leaving.contains(p) || hold_off.contains(p) || !stale.contains(p)
    })
    .await?;
    let restarter = Restarter {
        kube,
        act,
        ozone,
        cluster,
        check_roles: !skips.leader,
        check_datanodes: !skips.datanode_health,
        not_ready_at_start: rolling::not_ready_at_start(&pods, skips.readiness),
        waits: waits.clone(),
    };
    restarts
        .run(&restarter, events, &BTreeMap::new())
        .await
        .context("the rolling restart stopped")
}

async fn wait_rollout(
    session: &Session,
    c: &Comparison,
    events: &mut dyn Events,
    waits: &Waits,
) -> Result<()> {
    let kube = &session.kube;
    let cluster = c.cluster.name.as_str();
    let workloads: Vec<(String, String)> = c
        .objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "StatefulSet" | "Deployment"))
        .map(|o| (o.kind.clone(), o.name.clone()))
        .collect();
    for (kind, name) in &workloads {
        events.note(format!("waiting until {kind} {name} is rolled out"));
        waits
            .until(&format!("{kind} {name} to be rolled out"), || async {
                let view = kube
                    .snapshot(cluster, kube.ozone_statefulsets().await?)
                    .await?;
                let pending = if kind == "StatefulSet" {
                    view.statefulsets
                        .iter()
                        .find(|s| s.metadata.name.as_deref() == Some(name))
                        .map_or(Some("not found".to_owned()), statefulset_pending)
                } else {
                    view.deployments
                        .iter()
                        .find(|d| d.metadata.name.as_deref() == Some(name))
                        .map_or(Some("not found".to_owned()), deployment_pending)
                };
                Ok(pending.is_none().then_some(()))
            })
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
