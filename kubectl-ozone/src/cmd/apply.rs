//! `kubectl ozone apply -f SPEC`: the spec reaches the running cluster the way Ozone needs it.
//!
//! 0. OM/SCM ring shrink ([`super::ring_shrink`]): leadership kept on a remaining member,
//!    the leaving members decommissioned and waited for, the StatefulSet scaled down — before
//!    any object is written, while every pod still runs the ring's current configuration.
//! 1. Server-side apply (field manager `kubectl-ozone`) of every changed object in the render's
//!    order — Namespace, RBAC, ConfigMaps, Services, PDBs, workloads, monitoring last. A
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
//! 4. `--wait`: every workload rolled out.
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

use super::compare::{self, Comparison, DesiredArgs};
use super::datanode::SafetyArgs;
use super::datanode::change::{Leaving, leaving_checks};
use super::datanode::scale_down::layout;
use super::datanode::wait::{self, WaitOpts};
use super::disks;
use super::restart::SkipArgs;
use super::ring_grow::{self, deferred, deferred_steps, recorded_statefulsets, ring_growth};
use super::ring_shrink as shrink;
use crate::cmd::common::{ChangeArgs, Presented, is_data, present_plan, print_plan};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::objects::{kind_and_name, kind_info};
use ozone_engine::plan::changes::Action;
use ozone_engine::plan::ring_shrink;
use ozone_engine::plan::rollout::{deployment_pending, statefulset_pending};
use ozone_engine::plan::transitions::Kind;
use ozone_engine::plan::{Plan, Step};
use ozone_engine::pods::restart::{Restarter, Waits};
use ozone_engine::pods::rolling::{self, out_of_date_pods};
use ozone_storage::Component;
use ozone_storage::admin::{DatanodeInfo, Mutation, OpState, Query, datanode};
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::time::Duration;
use tokio::time::Instant;

pub(crate) const EXAMPLES: &str = "Examples:
  # The change workflow: edit the spec, look, apply
  kubectl ozone diff -f ozone-cluster.yaml
  kubectl ozone apply -f ozone-cluster.yaml --dry-run
  kubectl ozone apply -f ozone-cluster.yaml --yes --wait --timeout 1h

  # A new development cluster in an empty namespace, waited until ready
  kubectl ozone apply --profile small -n dev --yes --wait";

/// `apply` arguments.
#[derive(Debug, Args, Clone)]
pub struct ApplyArgs {
    /// The spec and the cluster.
    #[command(flatten)]
    pub desired: DesiredArgs,
    /// Take over fields other field managers own (server-side apply `force`).
    #[arg(long)]
    pub force_conflicts: bool,
    /// Change flags. --wait waits until every workload is rolled out; restarts and datanode
    /// changes are always waited for.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Rolling restart checks.
    #[command(flatten)]
    pub skips: SkipArgs,
    /// Datanode scale-down checks.
    #[command(flatten)]
    pub safety: SafetyArgs,
    /// Let an OM or SCM ring shrink to a single member, which then has no fault tolerance. On
    /// a terminal apply asks to type the cluster name; without one, give it as the value:
    /// --allow-ring-to-single=<cluster name>.
    #[arg(
        long,
        value_name = "CLUSTER",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub allow_ring_to_single: Option<String>,
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

fn resume_command(a: &ApplyArgs, namespace: &str) -> String {
    let mut out = format!("kubectl ozone apply{} --yes", a.desired.hint(namespace));
    if a.force_conflicts {
        out.push_str(" --force-conflicts");
    }
    if a.change.wait {
        out.push_str(" --wait");
    }
    out.push_str(&a.skips.hint());
    if a.allow_ring_to_single.is_some() {
        out.push_str(&format!(
            " {}={}",
            ring_shrink::ALLOW_SINGLE_FLAG,
            a.desired.name.as_deref().unwrap_or("<cluster name>")
        ));
    }
    for (on, flag) in [
        (a.safety.skip_replication_check, " --skip-replication-check"),
        (a.safety.skip_safemode_check, " --skip-safemode-check"),
        (a.safety.skip_ownership_check, " --skip-ownership-check"),
    ] {
        if on {
            out.push_str(flag);
        }
    }
    out
}

/// Runs `apply`.
pub async fn run(session: &Session, io: &mut Io, a: &ApplyArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let started = Instant::now();
    let namespace = session.namespace().to_owned();
    let cluster = compare::resolve(&a.desired, &namespace)?;
    let mut c = compare::compare(session, cluster, a.force_conflicts).await?;
    let cluster_name = c.cluster.name.clone();
    if let Some(named) = a.allow_ring_to_single.as_deref() {
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
    let resume = resume_command(a, &namespace).replace("<cluster name>", &cluster_name);
    let ozone = OzoneReader::new(session.exec.clone(), c.view.exec_targets());
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
        datanode_plan(session, &c, &ozone, a, &mut steps, &mut checks, &mut notes).await?
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
            a.allow_ring_to_single.is_some(),
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
        checks.extend(rolling::checks(&ozone, &pods, &restart_components, a.skips.skips()).await?);
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
    if a.change.wait {
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
        namespace: namespace.clone(),
        dry_run: a.change.is_dry_run(),
        targets: Vec::new(),
        checks,
        notes,
        steps,
    };
    let presented = present_plan(io, &plan, &a.change)?;
    if !refusals.is_empty() {
        anyhow::bail!("refused, nothing was changed: {}", refusals.join("; "));
    }
    let conflicts = c.conflicts();
    if !conflicts.is_empty() {
        anyhow::bail!("refused, nothing was changed: {}", conflicts.join("; "));
    }
    if presented == Presented::DryRun || !plan.changes_anything() {
        return Ok(ExitCode::SUCCESS);
    }
    let question = format!(
        "apply {} steps to Ozone cluster {} in namespace {namespace}?",
        plan.steps.len(),
        c.cluster.name
    );
    let to_single = shrinks.iter().any(|s| s.plan.to == 1);
    let confirmed = if to_single && a.allow_ring_to_single.as_deref() == Some("") {
        // `--yes` does not answer this one: the ring loses its fault tolerance.
        if io.prompt.is_none() {
            return Err(BadInput(format!(
                "refusing to shrink a ring to a single member without a terminal to type the cluster name on; name it in the flag: {}={cluster_name}",
                ring_shrink::ALLOW_SINGLE_FLAG
            ))
            .into());
        }
        confirm(
            io.prompt.as_deref_mut(),
            Tier::DataLoss,
            false,
            &format!(
                "{question}\nA ring shrinks to a single member and will have no fault tolerance."
            ),
            &cluster_name,
        )?
    } else {
        confirm(
            io.prompt.as_deref_mut(),
            Tier::Risky,
            a.change.yes,
            &question,
            "",
        )?
    };
    let act = Actuator::new(&session.kube, &ozone, confirmed);
    let waits = Waits {
        interval: a.change.poll_interval,
        deadline: a.change.timeout.map(|t| started + t),
        started,
        resume: resume.clone(),
    };
    let again = |e: anyhow::Error| {
        e.context(format!(
            "apply stopped part-way; what was done stays, and running it again finishes it:\n  {resume}"
        ))
    };
    let shrinking = shrink::Shrinker {
        kube: &session.kube,
        act: &act,
        ozone: &ozone,
        cluster: &cluster_name,
        skips: &a.skips,
        waits: &waits,
    };
    for s in &shrinks {
        shrinking.run(io, s).await.map_err(again)?;
    }
    write_objects(&c, &act, io, a.force_conflicts, |o| {
        !deferred(&growth, o) && !recorded.contains(&o.name)
    })
    .await
    .map_err(again)?;
    grow_storage(session, &c, &act, io, &grows, &waits, a.force_conflicts)
        .await
        .map_err(again)?;
    for sts in &added_volumes {
        disks::recreate(session, &c, &act, io, sts, &waits, a.force_conflicts)
            .await
            .map_err(again)?;
    }
    change_datanodes(&act, &ozone, io, &dn, &waits)
        .await
        .map_err(again)?;
    if !growth.is_empty() {
        grow_rings(
            session,
            &c,
            &act,
            &ozone,
            io,
            a,
            &waits,
            &restart_components,
            &dn,
            &growth,
        )
        .await
        .map_err(again)?;
    }
    if let Some(r) = restarts
        && !r.steps.is_empty()
    {
        restart(
            session,
            &c,
            &act,
            &ozone,
            io,
            a,
            &waits,
            &restart_components,
            &leaving,
            &BTreeSet::new(),
        )
        .await
        .map_err(again)?;
    }
    if a.change.wait {
        wait_rollout(session, &c, io, &waits).await?;
    }
    io.note(format!(
        "Ozone cluster {} in namespace {namespace} is as the spec renders it",
        c.cluster.name
    ));
    if is_data(a.change.format) {
        print_plan(io, &plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A storage growth to carry out: PVCs to resize, then the StatefulSet re-created.
struct Grow {
    /// The StatefulSet.
    statefulset: String,
    /// The new size.
    size: String,
    /// PVCs still smaller than that.
    pvcs: Vec<String>,
}

/// Plans each storage growth, or a refusal when a PVC's StorageClass cannot expand volumes.
async fn storage_plan(
    session: &Session,
    c: &Comparison,
    steps: &mut Vec<Step>,
    refusals: &mut Vec<String>,
) -> Result<Vec<Grow>> {
    let mut out = Vec::new();
    let mut classes: BTreeMap<String, Option<String>> = BTreeMap::new();
    for t in c.transitions.iter().filter(|t| t.kind == Kind::StorageGrow) {
        let component = t.component;
        let statefulset = c.cluster.names().component(component);
        let wanted = ozone_generator::quantity::Amount::parse(&t.to)?;
        let mut pvcs = Vec::new();
        let volume = disks::volume_of(t);
        for pvc in c.view.pvcs.iter().filter(|p| {
            ozone_engine::cluster::view::component_of(&p.metadata) == Some(component)
                && p.metadata
                    .name
                    .as_deref()
                    .is_some_and(|n| disks::pvc_of(n, volume, &statefulset))
        }) {
            let name = pvc.metadata.name.clone().unwrap_or_default();
            let spec = pvc.spec.as_ref();
            let Some(class) = spec.and_then(|s| s.storage_class_name.clone()) else {
                refusals.push(format!(
                    "{component} storage {} → {}: PVC {name} has no StorageClass, so nothing says its volume can expand",
                    t.from, t.to
                ));
                continue;
            };
            if !classes.contains_key(&class) {
                let problem = match session.kube.storage_class(&class).await {
                    Ok(Some(sc)) if sc.allow_volume_expansion == Some(true) => None,
                    Ok(Some(_)) => Some(format!(
                        "StorageClass {class} does not set allowVolumeExpansion: true, so its volumes cannot grow; keep the size, or move to a class that expands"
                    )),
                    Ok(None) => Some(format!("StorageClass {class} not found")),
                    Err(e) => Some(format!("cannot read StorageClass {class}: {e}")),
                };
                classes.insert(class.clone(), problem);
            }
            if let Some(Some(problem)) = classes.get(&class) {
                refusals.push(format!(
                    "{component} storage {} → {} (PVC {name}): {problem}",
                    t.from, t.to
                ));
                continue;
            }
            let current = spec
                .and_then(|s| s.resources.as_ref())
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"))
                .and_then(|q| ozone_generator::quantity::Amount::parse(&q.0).ok());
            if current.is_none_or(|q| q.cmp_value(&wanted).is_lt()) {
                pvcs.push(name);
            }
        }
        pvcs.sort_by_key(|n| (ozone_engine::cluster::view::ordinal(n), n.clone()));
        for name in &pvcs {
            steps.push(Step::ResizePvc {
                name: name.clone(),
                size: t.to.clone(),
            });
        }
        out.push(Grow {
            statefulset,
            size: t.to.clone(),
            pvcs,
        });
    }
    // One re-create per StatefulSet, after all its PVCs are resized.
    let mut recreated = BTreeSet::new();
    for g in &out {
        if recreated.insert(g.statefulset.clone()) {
            steps.push(Step::RecreateStatefulSet {
                name: g.statefulset.clone(),
            });
        }
    }
    Ok(out)
}

/// Resizes the PVCs, then re-creates the StatefulSet with the new claim templates, leaving
/// its pods running: the claim templates cannot be changed in place.
async fn grow_storage(
    session: &Session,
    c: &Comparison,
    act: &Actuator,
    io: &mut Io,
    grows: &[Grow],
    waits: &Waits,
    force: bool,
) -> Result<()> {
    for g in grows {
        for pvc in &g.pvcs {
            act.resize_pvc(pvc, &g.size).await?;
            io.note(format!("persistentvolumeclaim {pvc} resized to {}", g.size));
        }
    }
    let mut recreated = BTreeSet::new();
    for g in grows {
        if recreated.insert(g.statefulset.clone()) {
            disks::recreate(session, c, act, io, &g.statefulset, waits, force).await?;
        }
    }
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
    a: &ApplyArgs,
    steps: &mut Vec<Step>,
    checks: &mut Vec<ozone_engine::plan::preflight::Check>,
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
        checks.extend(leaving_checks(session, &c.view, ozone, &leaving, &a.safety, notes).await?);
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
    act: &Actuator,
    io: &mut Io,
    force: bool,
    now: impl Fn(&super::compare::Compared) -> bool,
) -> Result<()> {
    for o in c.objects.iter().filter(|o| now(o)) {
        let verb = match o.action() {
            Action::Create => "created",
            Action::Update => "configured",
            Action::Unchanged | Action::Prune => continue,
        };
        act.apply(&o.sent, o.force(force)).await?;
        io.note(format!("{} {} {verb}", o.kind, o.name));
    }
    for p in &c.prune {
        let (kind, name) = kind_and_name(p);
        let info = kind_info(&kind).ok_or_else(|| anyhow!("{kind} {name}: unknown kind"))?;
        act.delete_object(info, &name).await?;
        io.note(format!("{kind} {name} pruned"));
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
    io: &mut Io,
    dn: &Datanodes,
    waits: &Waits,
) -> Result<()> {
    let opts = WaitOpts {
        timeout: remaining(waits),
        interval: waits.interval,
        progress: crate::ui::progress::ProgressMode::Plain,
    };
    if let Some(down) = &dn.down {
        if !down.decommission.is_empty() {
            let out = act
                .ozone(&Mutation::decommission(&down.decommission))
                .await?;
            io.note(out.trim_end());
        }
        if !down.wait_for.is_empty() {
            wait::until(
                ozone,
                io,
                &down.wait_for,
                OpState::Decommissioned,
                &opts,
                &waits.resume,
            )
            .await?;
        }
        act.scale_statefulset(&down.statefulset, down.to).await?;
        io.note(format!(
            "scaled statefulset {} to {}",
            down.statefulset, down.to
        ));
    }
    if let Some(up) = &dn.up {
        act.scale_statefulset(&up.statefulset, up.to).await?;
        io.note(format!(
            "scaled statefulset {} to {}",
            up.statefulset, up.to
        ));
        wait::until(
            ozone,
            io,
            &up.hosts,
            OpState::InService,
            &opts,
            &waits.resume,
        )
        .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn restart(
    session: &Session,
    c: &Comparison,
    act: &Actuator,
    ozone: &OzoneReader,
    io: &mut Io,
    a: &ApplyArgs,
    waits: &Waits,
    components: &[Component],
    leaving: &BTreeSet<String>,
    hold_off: &BTreeSet<String>,
) -> Result<()> {
    let kube = &session.kube;
    let cluster = c.cluster.name.as_str();
    // The controller computes the new revision once it has seen the applied template.
    waits
        .until(
            "the StatefulSet controller to see the new templates",
            || async {
                let all = kube.ozone_statefulsets().await?;
                let behind = all.iter().any(|s| {
                    ozone_engine::cluster::view::label(
                        &s.metadata,
                        ozone_generator::names::LABEL_INSTANCE,
                    ) == Some(cluster)
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
    let round = rolling::checks(ozone, &pods, components, a.skips.skips()).await?;
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
        check_roles: !a.skips.skip_leader_check,
        check_datanodes: !a.skips.skip_datanode_health_check,
        not_ready_at_start: rolling::not_ready_at_start(&pods, a.skips.skip_readiness_check),
        waits: waits.clone(),
    };
    restarts
        .run(&restarter, io, &BTreeMap::new())
        .await
        .context("the rolling restart stopped")
}

/// Grows the OM/SCM rings: the existing members restart onto the new configuration (a ring
/// cut off mid-growth first gets its recorded template back), each new member is
/// bootstrapped, then the Deployments held back are applied.
#[allow(clippy::too_many_arguments)]
async fn grow_rings(
    session: &Session,
    c: &Comparison,
    act: &Actuator,
    ozone: &OzoneReader,
    io: &mut Io,
    a: &ApplyArgs,
    waits: &Waits,
    components: &[Component],
    dn: &Datanodes,
    growth: &[(Component, i32)],
) -> Result<()> {
    let cluster = c.cluster.name.as_str();
    let bootstrapper = ozone_engine::rings::bootstrap::Bootstrapper {
        kube: &session.kube,
        act,
        ozone,
        cluster,
        waits: waits.clone(),
    };
    let mut rings = Vec::new();
    for (component, _) in growth {
        let ring =
            ozone_engine::rings::bootstrap::read_ring(&session.kube, ozone, cluster, *component)
                .await?;
        if let Some(restore) = ring_grow::restore_first(&ring) {
            bootstrapper.run(io, &[restore]).await?;
        }
        rings.push(ring);
    }
    let before: Vec<Component> = components
        .iter()
        .copied()
        .filter(|c| growth.iter().any(|(g, _)| g == c))
        .collect();
    if !before.is_empty() {
        restart(
            session,
            c,
            act,
            ozone,
            io,
            a,
            waits,
            &before,
            &dn.leaving,
            &ring_grow::joining(&rings),
        )
        .await?;
    }
    for (component, to) in growth {
        let ring =
            ozone_engine::rings::bootstrap::read_ring(&session.kube, ozone, cluster, *component)
                .await?;
        let actions = ozone_engine::rings::bootstrap::plan_grow(&ring, *to);
        bootstrapper
            .run(io, &actions)
            .await
            .with_context(|| format!("growing the {component} ring stopped"))?;
    }
    for o in c.objects.iter().filter(|o| deferred(growth, o)) {
        if matches!(o.action(), Action::Create | Action::Update) {
            act.apply(&o.sent, o.force(a.force_conflicts)).await?;
            io.note(format!("{} {} configured", o.kind, o.name));
        }
    }
    Ok(())
}

async fn wait_rollout(session: &Session, c: &Comparison, io: &mut Io, waits: &Waits) -> Result<()> {
    let kube = &session.kube;
    let cluster = c.cluster.name.as_str();
    let workloads: Vec<(String, String)> = c
        .objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "StatefulSet" | "Deployment"))
        .map(|o| (o.kind.clone(), o.name.clone()))
        .collect();
    for (kind, name) in &workloads {
        io.note(format!("waiting until {kind} {name} is rolled out"));
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
