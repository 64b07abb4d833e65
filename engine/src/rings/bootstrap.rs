//! Bringing a new or emptied OM/SCM member into a running Raft ring: the team's one
//! member-bootstrap mechanism, used by ring growth in `apply` and by `recover om|scm POD`.
//!
//! Every Ozone StatefulSet uses `updateStrategy: OnDelete`, so a plan may temporarily set a
//! StatefulSet's pod template: only pods created afterwards (a new ordinal, or a pod the plan
//! deletes) start from it. The forms a template takes ([`Form`]):
//! - **hold**: no init containers, the main container runs `sleep infinity` without probes
//!   (the entrypoint is bypassed), same volumes and security context — a pod that holds its
//!   PVC with no Ozone process, so its metadata can be emptied;
//! - **bootstrap**: OM's main container starts `ozone om --bootstrap` (the entrypoint's
//!   `ENSURE_OM_INITIALIZED` still runs `ozone om --init` on an empty volume first). An SCM
//!   bootstraps through the init containers every SCM pod runs; only when the member is the
//!   primordial node is `ozone.scm.primordial.node.id` pointed at another live SCM for the run
//!   (an explicit `env` entry, which wins over the `envFrom` ConfigMap key);
//! - the template as it was (the render), restored once the member is a FOLLOWER.
//!
//! Restoring a template restarts nothing under `OnDelete`: a member that joined in a
//! bootstrap form would keep running it, on an older revision than its StatefulSet's. So a
//! member that started in another form than the render is restarted once more after the
//! restore (a follower's restart, quorum-safe through [`super::rolling`]) and waited for as a
//! FOLLOWER again: it ends on the rendered template, as `diff` and `doctor` expect it.
//!
//! Each template change is recorded first in the StatefulSet's [`IN_PROGRESS_ANNOTATION`]
//! (what, for which pod, which phase, and the template to restore), so every run plans again
//! from the cluster — annotation, template, pods, Raft roles — and either finishes or
//! restores. Plans are data ([`Action`], printed as [`Step`]s); [`Bootstrapper`] carries them
//! out through the [`Actuator`], so a controller can run the same planners in a loop.

use crate::cluster::act::Actuator;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::{KubeReader, is_ready, ordinal, phase};
use crate::events::Events;
use crate::plan::Step;
use crate::plan::rotation::short_host;
use crate::pods::restart::Waits;
use anyhow::{Context, Result, anyhow};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Pod;
use ozone_storage::admin::{Query, roles};
use ozone_storage::{Component, ConfigFile};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The StatefulSet annotation recording a member bootstrap in progress (JSON of
/// [`InProgress`]). Absent when nothing is in progress.
pub const IN_PROGRESS_ANNOTATION: &str = "ozone.apache.org/member-bootstrap";

/// The config key naming the SCM that formats the cluster (reference §3.1).
pub const PRIMORDIAL_KEY: &str = "ozone.scm.primordial.node.id";

/// What the hold container runs instead of Ozone.
pub const HOLD_COMMAND: [&str; 2] = ["sleep", "infinity"];

/// Why a member is (re)bootstrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// A new ordinal joins (ring growth).
    Grow,
    /// An existing member's metadata is emptied and it joins again.
    Recover,
}

/// How far a member got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// The hold template is (being) set; the pod is (being) recreated holding its volume.
    Holding,
    /// The metadata was emptied in the held pod.
    Wiped,
    /// The pod is (being) started in the bootstrap form and waited for as a FOLLOWER.
    Joining,
    /// The member joined in the bootstrap form; the template is (being) restored and the pod
    /// restarted onto it, a follower's restart, then waited for as a FOLLOWER again.
    Restarting,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Holding => "holding",
            Phase::Wiped => "wiped",
            Phase::Joining => "joining",
            Phase::Restarting => "restarting",
        }
    }
}

/// The record on the StatefulSet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InProgress {
    /// Why.
    pub purpose: Purpose,
    /// The member.
    pub pod: String,
    /// How far it got.
    pub phase: Phase,
    /// The SCM node id that stands in as primordial for the run, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primordial: Option<String>,
    /// The pod template to restore at the end (as it was before the first change).
    pub template: Value,
}

impl InProgress {
    /// Reads the record of a StatefulSet; a record that does not parse is an error (it must
    /// not be mistaken for "nothing in progress" while a template is patched).
    pub fn of(sts: &StatefulSet) -> Result<Option<InProgress>> {
        let Some(text) = sts
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(IN_PROGRESS_ANNOTATION))
        else {
            return Ok(None);
        };
        serde_json::from_str(text).map(Some).map_err(|e| {
            anyhow!(
                "annotation {IN_PROGRESS_ANNOTATION} on statefulset {} does not parse ({e}); remove it only once the pod template is as rendered",
                sts.metadata.name.as_deref().unwrap_or_default()
            )
        })
    }

    fn summary(&self) -> String {
        let purpose = match self.purpose {
            Purpose::Grow => "grow",
            Purpose::Recover => "recover",
        };
        format!("{purpose} {} {}", self.pod, self.phase.as_str())
    }
}

/// A form of the pod template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// As recorded before the first change (the render).
    Restored,
    /// Holding the volume, no Ozone process.
    Hold,
    /// Starting as a new member; for SCM, `primordial` overrides the primordial node id.
    Bootstrap {
        /// The SCM node id that stands in as primordial.
        primordial: Option<String>,
    },
}

impl Form {
    fn describe(&self, component: Component) -> String {
        match self {
            Form::Restored => "as rendered (recorded before the change)".into(),
            Form::Hold => format!(
                "hold: {} runs `{}` without probes or init containers, holding its volume",
                component.id(),
                HOLD_COMMAND.join(" ")
            ),
            Form::Bootstrap { primordial } => match (component, primordial) {
                (Component::Om, _) => "bootstrap: ozone om --bootstrap".into(),
                (_, Some(id)) => format!(
                    "bootstrap: {PRIMORDIAL_KEY}={id} for every container (the init containers run ozone scm --bootstrap)"
                ),
                (_, None) => "as rendered (the init containers run ozone scm --bootstrap)".into(),
            },
        }
    }
}

fn env_name() -> String {
    ConfigFile::OzoneSite.env_name(PRIMORDIAL_KEY)
}

/// The pod template `base` in `form`. Pure; `base` is a `spec.template` as JSON.
pub fn template_for(base: &Value, component: Component, form: &Form) -> Value {
    let mut t = base.clone();
    let main = component.id();
    match form {
        Form::Restored => {}
        Form::Hold => {
            if let Some(spec) = t["spec"].as_object_mut() {
                spec.remove("initContainers");
            }
            for c in containers_mut(&mut t, "containers") {
                if c["name"] == main {
                    let c = c.as_object_mut().expect("container object");
                    c.insert("command".into(), json!(HOLD_COMMAND));
                    for k in ["args", "startupProbe", "readinessProbe", "livenessProbe"] {
                        c.remove(k);
                    }
                }
            }
        }
        Form::Bootstrap { primordial } => {
            if component == Component::Om {
                for c in containers_mut(&mut t, "containers") {
                    if c["name"] == main {
                        c["args"] = json!(["ozone", "om", "--bootstrap"]);
                    }
                }
            }
            if let (Component::Scm, Some(id)) = (component, primordial) {
                let name = env_name();
                for list in ["initContainers", "containers"] {
                    for c in containers_mut(&mut t, list) {
                        let env = c
                            .as_object_mut()
                            .expect("container object")
                            .entry("env")
                            .or_insert_with(|| json!([]));
                        if let Some(env) = env.as_array_mut() {
                            env.retain(|e| e["name"] != name.as_str());
                            env.push(json!({"name": name, "value": id}));
                        }
                    }
                }
            }
        }
    }
    t
}

fn containers_mut<'a>(t: &'a mut Value, list: &str) -> impl Iterator<Item = &'a mut Value> {
    t["spec"][list]
        .as_array_mut()
        .map(|a| a.iter_mut())
        .into_iter()
        .flatten()
}

/// What a live pod runs, as far as bootstrapping cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodForm {
    /// The hold container.
    Held,
    /// Started to bootstrap (OM `--bootstrap`; SCM with the primordial override).
    Bootstrapping,
    /// Anything else: Ozone as rendered.
    Plain,
}

/// The form a pod was created in.
pub fn pod_form(pod: &Pod, component: Component) -> PodForm {
    let Some(spec) = pod.spec.as_ref() else {
        return PodForm::Plain;
    };
    let main = spec
        .containers
        .iter()
        .find(|c| c.name == component.id())
        .or(spec.containers.first());
    let Some(main) = main else {
        return PodForm::Plain;
    };
    if main.command.as_deref().is_some_and(|c| c == HOLD_COMMAND) {
        return PodForm::Held;
    }
    let bootstrap_args = main
        .args
        .as_deref()
        .is_some_and(|a| a.iter().any(|w| w == "--bootstrap"));
    let overridden = main
        .env
        .as_deref()
        .is_some_and(|e| e.iter().any(|v| v.name == env_name()));
    if (component == Component::Om && bootstrap_args) || (component == Component::Scm && overridden)
    {
        PodForm::Bootstrapping
    } else {
        PodForm::Plain
    }
}

/// One change (or wait) of a bootstrap, as data.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Set (`Some`) or clear (`None`) the in-progress record on the StatefulSet.
    Record {
        /// The StatefulSet.
        statefulset: String,
        /// The record.
        record: Option<InProgress>,
    },
    /// Set the StatefulSet's pod template to `template` (`form` says what it is).
    SetTemplate {
        /// The StatefulSet.
        statefulset: String,
        /// The component.
        component: Component,
        /// What it is.
        form: Form,
        /// The template.
        template: Value,
    },
    /// Delete a pod; wait until its replacement (a new uid) is running, and ready when
    /// `ready` (a held pod has no probes: ready once its container runs).
    DeletePod {
        /// The component.
        component: Component,
        /// The pod.
        pod: String,
        /// Whether to wait for readiness.
        ready: bool,
    },
    /// Empty the metadata directories in a held pod.
    Wipe {
        /// The pod.
        pod: String,
        /// Its container.
        container: String,
        /// The directories.
        dirs: Vec<String>,
    },
    /// Change the StatefulSet's replicas.
    Scale {
        /// The StatefulSet.
        statefulset: String,
        /// Replicas now.
        from: i32,
        /// Replicas after.
        to: i32,
    },
    /// Restart a member onto the template as it is now (the rendered one): a quorum-safe
    /// restart of that one pod — leadership moved first should it lead — waited for until
    /// its replacement is ready.
    RestartMember {
        /// The component.
        component: Component,
        /// The pod.
        pod: String,
    },
    /// Wait until the pod is a FOLLOWER (or the LEADER) in `om roles` / `scm roles`.
    WaitMember {
        /// The component.
        component: Component,
        /// The pod.
        pod: String,
    },
}

impl Action {
    /// The printed form.
    pub fn step(&self) -> Step {
        match self {
            Action::Record {
                statefulset,
                record,
            } => Step::RecordMember {
                name: statefulset.clone(),
                progress: record.as_ref().map(InProgress::summary),
            },
            Action::SetTemplate {
                statefulset,
                component,
                form,
                ..
            } => Step::SetTemplate {
                name: statefulset.clone(),
                form: form.describe(*component),
            },
            Action::DeletePod { pod, ready, .. } => Step::DeletePod {
                pod: pod.clone(),
                until: if *ready { "ready" } else { "running" }.into(),
            },
            Action::Wipe { pod, dirs, .. } => Step::WipeMetadata {
                pod: pod.clone(),
                dirs: dirs.clone(),
            },
            Action::Scale {
                statefulset,
                from,
                to,
            } => Step::ScaleStatefulSet {
                name: statefulset.clone(),
                from: *from,
                to: *to,
            },
            Action::RestartMember { pod, .. } => Step::RestartPod {
                pod: pod.clone(),
                others_ready: true,
            },
            Action::WaitMember { component, pod } => Step::WaitRole {
                component: component.id().into(),
                pod: pod.clone(),
                role: "FOLLOWER".into(),
            },
        }
    }
}

/// A ring as read now: its StatefulSet, pods and Raft roles.
#[derive(Clone, Debug)]
pub struct RingNow {
    /// The component.
    pub component: Component,
    /// The StatefulSet's name.
    pub statefulset: String,
    /// Its `spec.replicas`.
    pub replicas: i32,
    /// Its pod template, as JSON.
    pub template: Value,
    /// The in-progress record.
    pub in_progress: Option<InProgress>,
    /// Its pods by name: (form, ready).
    pub pods: BTreeMap<String, (PodForm, bool)>,
    /// Every member Ozone reports: (pod, role).
    pub roles: Vec<(String, String)>,
}

impl RingNow {
    /// Whether `pod` is an active member (LEADER or FOLLOWER).
    pub fn is_member(&self, pod: &str) -> bool {
        self.roles.iter().any(|(p, r)| p == pod && steady(r))
    }

    /// The pod names of ordinals `0..replicas`.
    pub fn pod_name(&self, i: i32) -> String {
        format!("{}-{i}", self.statefulset)
    }
}

/// Whether a Raft role is an active member's.
pub fn steady(role: &str) -> bool {
    let r = role.trim();
    r.eq_ignore_ascii_case("LEADER") || r.eq_ignore_ascii_case("FOLLOWER")
}

/// Reads a ring. Roles that cannot be read are an error: every decision depends on them.
pub async fn read_ring(
    kube: &KubeReader,
    ozone: &OzoneReader,
    cluster: &str,
    component: Component,
) -> Result<RingNow> {
    let name = format!("{cluster}-{}", component.id());
    let sts = kube
        .ozone_statefulsets()
        .await?
        .into_iter()
        .find(|s| s.metadata.name.as_deref() == Some(name.as_str()))
        .ok_or_else(|| anyhow!("statefulset {name} not found"))?;
    let in_progress = InProgress::of(&sts)?;
    let spec = sts.spec.clone().unwrap_or_default();
    let template = serde_json::to_value(&spec.template)?;
    let pods = kube
        .component_pods(cluster, component)
        .await?
        .into_iter()
        .filter(|p| phase(p) != "Failed")
        .filter_map(|p| {
            let n = p.metadata.name.clone()?;
            Some((n, (pod_form(&p, component), is_ready(&p))))
        })
        .collect();
    let roles = ring_roles(ozone, component).await?;
    Ok(RingNow {
        component,
        statefulset: name,
        replicas: spec.replicas.unwrap_or(1),
        template,
        in_progress,
        pods,
        roles,
    })
}

/// Every member Ozone reports and its role, as `(pod, role)`.
pub async fn ring_roles(
    ozone: &OzoneReader,
    component: Component,
) -> Result<Vec<(String, String)>> {
    let short = |h: &str| short_host(h).to_owned();
    Ok(if component == Component::Om {
        roles::parse_om_roles(&ozone.query(&Query::om_roles()).await?)?
            .into_iter()
            .map(|r| (short(&r.host), r.role))
            .collect()
    } else {
        roles::parse_scm_roles(&ozone.query(&Query::scm_roles()).await?)?
            .into_iter()
            .map(|r| (short(&r.host), r.role))
            .collect()
    })
}

/// The actions that take `ring` to `to` members, one new ordinal at a time: OM template in
/// the bootstrap form, scale by one, wait until FOLLOWER; at the end the recorded template
/// back. Re-planned from the cluster: ordinals already scaled but not yet members are
/// waited for (recreated in the bootstrap form if they started otherwise), members are
/// skipped.
pub fn plan_grow(ring: &RingNow, to: i32) -> Vec<Action> {
    let component = ring.component;
    let sts = ring.statefulset.clone();
    let mut out = Vec::new();
    let recorded = ring
        .in_progress
        .as_ref()
        .filter(|p| p.purpose == Purpose::Grow);
    let base = recorded.map_or(&ring.template, |p| &p.template).clone();
    let bootstrap = template_for(&base, component, &Form::Bootstrap { primordial: None });
    // An SCM joins through its init containers: its template never changes.
    let patched = bootstrap != base;
    let mut template_now = ring.template.clone();
    let mut recorded_any = recorded.is_some();
    let mut set_bootstrap = |out: &mut Vec<Action>, pod: &str, template_now: &mut Value| {
        recorded_any = true;
        out.push(Action::Record {
            statefulset: sts.clone(),
            record: Some(InProgress {
                purpose: Purpose::Grow,
                pod: pod.to_owned(),
                phase: Phase::Joining,
                primordial: None,
                template: base.clone(),
            }),
        });
        if *template_now != bootstrap {
            out.push(Action::SetTemplate {
                statefulset: sts.clone(),
                component,
                form: Form::Bootstrap { primordial: None },
                template: bootstrap.clone(),
            });
            *template_now = bootstrap.clone();
        }
    };
    // Cut off while the joined members restarted onto the render: no ordinal joins again.
    let restarting = recorded.is_some_and(|p| p.phase == Phase::Restarting);
    // Members that join in the bootstrap form now.
    let mut joining: Vec<String> = Vec::new();
    // Ordinals already created but not members yet (a run cut off while they joined).
    for i in 0..ring.replicas {
        let pod = ring.pod_name(i);
        if restarting {
            // One may be restarting right now: waited for, never bootstrapped again.
            if !ring.is_member(&pod) {
                out.push(Action::WaitMember {
                    component,
                    pod: pod.clone(),
                });
            }
            continue;
        }
        // Only the member this bootstrap recorded: a member that is down is a matter for
        // the pre-flight, and emptying or re-bootstrapping it is `recover`.
        if ring.is_member(&pod) || recorded.is_none_or(|p| p.pod != pod) {
            continue;
        }
        joining.push(pod.clone());
        set_bootstrap(&mut out, &pod, &mut template_now);
        let started_plain = ring
            .pods
            .get(&pod)
            .is_some_and(|(form, _)| *form != PodForm::Bootstrapping);
        if patched && started_plain {
            out.push(Action::DeletePod {
                component,
                pod: pod.clone(),
                ready: false,
            });
        }
        out.push(Action::WaitMember {
            component,
            pod: pod.clone(),
        });
    }
    for i in ring.replicas..to {
        let pod = ring.pod_name(i);
        joining.push(pod.clone());
        set_bootstrap(&mut out, &pod, &mut template_now);
        out.push(Action::Scale {
            statefulset: sts.clone(),
            from: i,
            to: i + 1,
        });
        out.push(Action::WaitMember {
            component,
            pod: pod.clone(),
        });
    }
    // Members that joined in the bootstrap form restart onto the render once it is back (under
    // OnDelete the restore restarts nothing): those joining now, and on a resumed run those
    // still in that form. The record stays until they did, so a cut-off run finishes them.
    let mut restart: Vec<String> = if patched { joining } else { Vec::new() };
    if recorded.is_some() {
        for (pod, (form, _)) in &ring.pods {
            if *form == PodForm::Bootstrapping && !restart.contains(pod) {
                restart.push(pod.clone());
            }
        }
    }
    restart.sort_by_key(|p| ordinal(p));
    if let Some(last) = restart.last() {
        recorded_any = true;
        if !restarting {
            out.push(Action::Record {
                statefulset: sts.clone(),
                record: Some(InProgress {
                    purpose: Purpose::Grow,
                    pod: last.clone(),
                    phase: Phase::Restarting,
                    primordial: None,
                    template: base.clone(),
                }),
            });
        }
    }
    if template_now != base {
        out.push(Action::SetTemplate {
            statefulset: sts.clone(),
            component,
            form: Form::Restored,
            template: base.clone(),
        });
    }
    for pod in restart {
        out.push(Action::RestartMember {
            component,
            pod: pod.clone(),
        });
        out.push(Action::WaitMember { component, pod });
    }
    if recorded_any {
        out.push(Action::Record {
            statefulset: sts,
            record: None,
        });
    }
    out
}

/// What `recover` needs besides the ring.
#[derive(Clone, Debug)]
pub struct RecoverTarget {
    /// The member to empty and bootstrap again.
    pub pod: String,
    /// Metadata directories to empty (from the cluster's configuration).
    pub dirs: Vec<String>,
    /// For SCM: the node id that stands in as primordial when the member is the primordial
    /// node.
    pub primordial: Option<String>,
}

/// Why `recover` must not run now, or `None`. `members` are the ring's pods (ordinals of
/// the StatefulSet). A single member has no peer to copy from; a ring whose other healthy
/// members are not a majority of the whole would lose its quorum while the member is down.
pub fn recover_refusal(ring: &RingNow, pod: &str, members: &[String]) -> Option<String> {
    let c = ring.component.id();
    if members.len() < 2 {
        return Some(format!(
            "{pod} is the only {c} of the ring: there is no other member to copy its metadata from; restore it from a backup with `kubectl ozone recover --from DIR/NAME`"
        ));
    }
    let healthy: Vec<&String> = members
        .iter()
        .filter(|m| *m != pod && ring.is_member(m))
        .collect();
    let majority = members.len() / 2 + 1;
    if healthy.len() < majority {
        let others: Vec<String> = members
            .iter()
            .filter(|m| *m != pod)
            .map(|m| {
                let role = ring
                    .roles
                    .iter()
                    .find(|(p, _)| p == m)
                    .map_or("not in the ring", |(_, r)| r.as_str());
                format!("{m} ({role})")
            })
            .collect();
        return Some(format!(
            "the {c} ring has {} members and needs {majority} for a majority, but only {} of the others are LEADER or FOLLOWER: {}; emptying {pod} now would leave the ring without a quorum. Bring the other members back first",
            members.len(),
            healthy.len(),
            others.join(", ")
        ));
    }
    None
}

/// The actions that empty `target`'s metadata and bring it back as a FOLLOWER, planned from
/// the record and the pod as they are now: hold template, pod recreated holding its volume,
/// metadata emptied, bootstrap template (OM `--bootstrap`; SCM primordial override when
/// needed), pod recreated, FOLLOWER waited for, recorded template restored.
pub fn plan_recover(ring: &RingNow, target: &RecoverTarget) -> Result<Vec<Action>, String> {
    let component = ring.component;
    let sts = ring.statefulset.clone();
    let pod = target.pod.clone();
    let recorded = match &ring.in_progress {
        Some(p) if p.purpose == Purpose::Recover && p.pod == pod => Some(p),
        Some(p) => {
            return Err(format!(
                "statefulset {sts} records another change in progress ({}); finish it first",
                p.summary()
            ));
        }
        None => None,
    };
    let base = recorded.map_or(&ring.template, |p| &p.template).clone();
    let primordial = recorded.map_or(target.primordial.clone(), |p| p.primordial.clone());
    let record = |phase| Action::Record {
        statefulset: sts.clone(),
        record: Some(InProgress {
            purpose: Purpose::Recover,
            pod: pod.clone(),
            phase,
            primordial: primordial.clone(),
            template: base.clone(),
        }),
    };
    let set = |form: Form| Action::SetTemplate {
        statefulset: sts.clone(),
        component,
        template: template_for(&base, component, &form),
        form,
    };
    let form_now = ring.pods.get(&pod).map(|(f, _)| *f);
    let mut out = Vec::new();
    let phase = recorded.map(|p| p.phase);
    if matches!(phase, None | Some(Phase::Holding)) {
        if phase.is_none() {
            out.push(record(Phase::Holding));
        }
        out.push(set(Form::Hold));
        if form_now != Some(PodForm::Held) {
            out.push(Action::DeletePod {
                component,
                pod: pod.clone(),
                ready: true,
            });
        }
        out.push(Action::Wipe {
            pod: pod.clone(),
            container: component.id().into(),
            dirs: target.dirs.clone(),
        });
        out.push(record(Phase::Wiped));
    }
    let bootstrap = Form::Bootstrap {
        primordial: primordial.clone(),
    };
    let bootstrap_template = template_for(&base, component, &bootstrap);
    if matches!(phase, None | Some(Phase::Holding) | Some(Phase::Wiped)) {
        out.push(if bootstrap_template == base {
            set(Form::Restored)
        } else {
            set(bootstrap)
        });
        out.push(record(Phase::Joining));
        out.push(Action::DeletePod {
            component,
            pod: pod.clone(),
            ready: false,
        });
    } else if phase == Some(Phase::Joining)
        && (form_now == Some(PodForm::Held) || form_now.is_none())
    {
        // Joining, but the pod still holds (the run stopped before deleting it).
        out.push(if bootstrap_template == base {
            set(Form::Restored)
        } else {
            set(bootstrap)
        });
        out.push(Action::DeletePod {
            component,
            pod: pod.clone(),
            ready: false,
        });
    }
    let wait = Action::WaitMember {
        component,
        pod: pod.clone(),
    };
    let resumed_restart = phase == Some(Phase::Restarting);
    // Only a member that is a FOLLOWER restarts: on a resumed restart it is waited for again.
    out.push(wait.clone());
    // A member started in the bootstrap form restarts onto the rendered template; on a
    // resumed run, only while its pod still runs another form (a replacement made after the
    // restore runs the render).
    let restart = if resumed_restart {
        form_now.is_some_and(|f| f != PodForm::Plain)
    } else {
        bootstrap_template != base
    };
    if restart && !resumed_restart {
        out.push(record(Phase::Restarting));
    }
    let restore = if resumed_restart {
        ring.template != base
    } else {
        bootstrap_template != base || ring.template != base
    };
    if restore {
        out.push(set(Form::Restored));
    }
    if restart {
        out.push(Action::RestartMember {
            component,
            pod: pod.clone(),
        });
        out.push(wait);
    }
    out.push(Action::Record {
        statefulset: sts,
        record: None,
    });
    Ok(out)
}

/// The metadata directories of `component` in a cluster's ConfigMap data: `ozone.metadata.dirs`
/// and every directory key of the component that the configuration sets (OM and SCM fall
/// back to the metadata dirs for the rest). Each must lie below the data volume.
pub fn metadata_dirs(
    data: &BTreeMap<String, String>,
    component: Component,
) -> Result<Vec<String>, String> {
    let keys: &[&str] = match component {
        Component::Om => &[
            "ozone.metadata.dirs",
            "ozone.om.db.dirs",
            "ozone.om.ratis.storage.dir",
            "ozone.om.ratis.snapshot.dir",
            "ozone.om.snapshot.diff.db.dir",
        ],
        _ => &[
            "ozone.metadata.dirs",
            "ozone.scm.db.dirs",
            "ozone.scm.ha.ratis.storage.dir",
            "ozone.scm.ha.ratis.snapshot.dir",
        ],
    };
    let mut dirs = Vec::new();
    for key in keys {
        let Some(value) = data.get(&ConfigFile::OzoneSite.env_name(key)) else {
            continue;
        };
        for dir in value.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let under_data = dir
                .strip_prefix(ozone_storage::catalog::DATA_DIR)
                .is_some_and(|rest| {
                    rest.starts_with('/') && rest.len() > 1 && !rest.contains("..")
                });
            if !under_data {
                return Err(format!(
                    "{key}={dir} is not a directory below the data volume {}: refusing to empty it",
                    ozone_storage::catalog::DATA_DIR
                ));
            }
            let dir = dir.trim_end_matches('/').to_owned();
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    if dirs.is_empty() {
        return Err("the cluster's ConfigMap sets no ozone.metadata.dirs: cannot tell which directories hold the metadata".into());
    }
    Ok(dirs)
}

/// Carries out bootstrap actions.
pub struct Bootstrapper<'a> {
    /// Reads.
    pub kube: &'a KubeReader,
    /// Writes.
    pub act: &'a Actuator,
    /// Ozone queries.
    pub ozone: &'a OzoneReader,
    /// The cluster.
    pub cluster: &'a str,
    /// Waiting, and the command that resumes.
    pub waits: Waits,
}

impl Bootstrapper<'_> {
    /// Runs the actions in order.
    pub async fn run(&self, events: &mut dyn Events, actions: &[Action]) -> Result<()> {
        let total = actions.len();
        for (i, a) in actions.iter().enumerate() {
            events.note(format!("[{}/{total}] {}", i + 1, a.step().describe()));
            self.one(events, a).await?;
        }
        Ok(())
    }

    async fn one(&self, events: &mut dyn Events, a: &Action) -> Result<()> {
        match a {
            Action::Record {
                statefulset,
                record,
            } => {
                let value = record.as_ref().map(serde_json::to_string).transpose()?;
                let annotations = BTreeMap::from([(IN_PROGRESS_ANNOTATION.to_owned(), value)]);
                self.act
                    .annotate_workload(
                        crate::cluster::act::WorkloadKind::StatefulSet,
                        statefulset,
                        &annotations,
                    )
                    .await?;
            }
            Action::SetTemplate {
                statefulset,
                template,
                ..
            } => {
                self.act
                    .replace_statefulset_template(statefulset, template)
                    .await?;
            }
            Action::DeletePod {
                component,
                pod,
                ready,
            } => self.recreate(events, *component, pod, *ready).await?,
            Action::Wipe {
                pod,
                container,
                dirs,
            } => {
                let mut argv: Vec<String> = vec!["rm".into(), "-rf".into(), "--".into()];
                argv.extend(dirs.iter().cloned());
                self.act
                    .exec_in(pod, container, &argv)
                    .await
                    .with_context(|| format!("emptying the metadata of {pod} failed"))?;
                events.note(format!("{pod}: emptied {}", dirs.join(", ")));
            }
            Action::Scale {
                statefulset, to, ..
            } => {
                self.act.scale_statefulset(statefulset, *to).await?;
            }
            Action::RestartMember { component, pod } => {
                self.restart_member(events, *component, pod).await?;
            }
            Action::WaitMember { component, pod } => {
                self.waits
                    .until(
                        &format!(
                            "{pod} to be a FOLLOWER in `ozone admin {} roles`",
                            component.id()
                        ),
                        || async {
                            // A pod still starting cannot answer; its peers can, and do.
                            let members = match ring_roles(self.ozone, *component).await {
                                Ok(m) => m,
                                Err(_) => return Ok(None),
                            };
                            Ok(members
                                .iter()
                                .any(|(p, r)| p == pod && steady(r))
                                .then_some(()))
                        },
                    )
                    .await?;
                events.note(format!("{pod} is a member of the {component} ring"));
            }
        }
        Ok(())
    }

    /// Restarts one member the way every rolling restart does: roles read again, leadership
    /// moved first if it leads, the pod deleted and its replacement waited for.
    async fn restart_member(
        &self,
        events: &mut dyn Events,
        component: Component,
        pod: &str,
    ) -> Result<()> {
        let view = self
            .kube
            .snapshot(self.cluster, self.kube.ozone_statefulsets().await?)
            .await?;
        let pods = crate::pods::rolling::pod_states(&view, self.ozone, &[component]).await?;
        let restarts =
            crate::pods::rolling::plan_restarts(self.kube, &view, &pods, &[component], |p| {
                p != pod
            })
            .await?;
        let restarter = crate::pods::restart::Restarter {
            kube: self.kube,
            act: self.act,
            ozone: self.ozone,
            cluster: self.cluster,
            check_roles: true,
            check_datanodes: false,
            not_ready_at_start: Default::default(),
            waits: self.waits.clone(),
        };
        restarts.run(&restarter, events, &BTreeMap::new()).await
    }

    async fn recreate(
        &self,
        events: &mut dyn Events,
        component: Component,
        pod: &str,
        ready: bool,
    ) -> Result<()> {
        let uid_of = |pods: &[Pod]| {
            pods.iter()
                .find(|p| p.metadata.name.as_deref() == Some(pod))
                .and_then(|p| p.metadata.uid.clone())
        };
        let before = uid_of(&self.kube.component_pods(self.cluster, component).await?);
        self.act.delete_pod(pod).await?;
        let what = if ready {
            format!("{pod} to be recreated and ready")
        } else {
            format!("{pod} to be recreated")
        };
        self.waits
            .until(&what, || async {
                let pods = self.kube.component_pods(self.cluster, component).await?;
                let p = pods
                    .iter()
                    .find(|p| p.metadata.name.as_deref() == Some(pod));
                Ok(p.filter(|p| {
                    p.metadata.uid != before && phase(p) == "Running" && (!ready || is_ready(p))
                })
                .map(|_| ()))
            })
            .await?;
        events.note(format!("{pod} recreated"));
        Ok(())
    }
}

/// The ordinal pod names of a StatefulSet with `replicas`.
pub fn member_pods(statefulset: &str, replicas: i32) -> Vec<String> {
    (0..replicas)
        .map(|i| format!("{statefulset}-{i}"))
        .collect()
}

/// Whether `pod` is an ordinal of `statefulset`.
pub fn is_ordinal_of(statefulset: &str, pod: &str) -> bool {
    pod.strip_prefix(statefulset)
        .and_then(|r| r.strip_prefix('-'))
        .is_some_and(|_| ordinal(pod).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(component: Component) -> Value {
        let c = component.id();
        json!({
            "metadata": {"labels": {"app.kubernetes.io/component": c}},
            "spec": {
                "initContainers": [{"name": "init", "args": ["ozone", c, "--init"]},
                                   {"name": "bootstrap", "args": ["ozone", c, "--bootstrap"]}],
                "containers": [{"name": c, "image": "apache/ozone:2.2.1", "args": ["ozone", c],
                                "envFrom": [{"configMapRef": {"name": "ozone-config"}}],
                                "startupProbe": {"tcpSocket": {"port": 9862}},
                                "readinessProbe": {"tcpSocket": {"port": 9862}},
                                "livenessProbe": {"tcpSocket": {"port": 9862}},
                                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]
            }
        })
    }

    fn ring(component: Component, replicas: i32, members: &[(&str, &str)]) -> RingNow {
        let sts = format!("ozone-{}", component.id());
        RingNow {
            component,
            statefulset: sts.clone(),
            replicas,
            template: template(component),
            in_progress: None,
            pods: (0..replicas)
                .map(|i| (format!("{sts}-{i}"), (PodForm::Plain, true)))
                .collect(),
            roles: members
                .iter()
                .map(|(p, r)| ((*p).to_owned(), (*r).to_owned()))
                .collect(),
        }
    }

    fn steps(actions: &[Action]) -> Vec<String> {
        actions.iter().map(|a| a.step().describe()).collect()
    }

    const OM3: [(&str, &str); 3] = [
        ("ozone-om-0", "LEADER"),
        ("ozone-om-1", "FOLLOWER"),
        ("ozone-om-2", "FOLLOWER"),
    ];

    #[test]
    fn forms_of_the_template() {
        let base = template(Component::Om);
        let hold = template_for(&base, Component::Om, &Form::Hold);
        let main = &hold["spec"]["containers"][0];
        assert_eq!(main["command"], json!(["sleep", "infinity"]));
        for gone in ["args", "startupProbe", "readinessProbe", "livenessProbe"] {
            assert!(main.get(gone).is_none(), "{gone} kept: {main}");
        }
        assert!(hold["spec"].get("initContainers").is_none());
        assert_eq!(
            main["volumeMounts"],
            base["spec"]["containers"][0]["volumeMounts"]
        );
        let boot = template_for(&base, Component::Om, &Form::Bootstrap { primordial: None });
        assert_eq!(
            boot["spec"]["containers"][0]["args"],
            json!(["ozone", "om", "--bootstrap"])
        );
        // An SCM's bootstrap form is its template, unless the primordial node is overridden,
        // in every container (the init containers bootstrap).
        let scm = template(Component::Scm);
        assert_eq!(
            template_for(&scm, Component::Scm, &Form::Bootstrap { primordial: None }),
            scm
        );
        let over = template_for(
            &scm,
            Component::Scm,
            &Form::Bootstrap {
                primordial: Some("ozone-scm-1".into()),
            },
        );
        for list in ["initContainers", "containers"] {
            for c in over["spec"][list].as_array().unwrap() {
                assert_eq!(
                    c["env"],
                    json!([{"name": "OZONE-SITE.XML_ozone.scm.primordial.node.id", "value": "ozone-scm-1"}]),
                    "{c}"
                );
            }
        }
    }

    #[test]
    fn om_growth_3_to_5_bootstraps_one_ordinal_at_a_time_then_restores() {
        let r = ring(Component::Om, 3, &OM3);
        let plan = plan_grow(&r, 5);
        assert_eq!(
            steps(&plan),
            [
                "record member bootstrap `grow ozone-om-3 joining` on statefulset ozone-om",
                "set the pod template of statefulset ozone-om: bootstrap: ozone om --bootstrap",
                "scale statefulset ozone-om from 3 to 4 replicas",
                "wait until ozone-om-3 is FOLLOWER in `ozone admin om roles`",
                "record member bootstrap `grow ozone-om-4 joining` on statefulset ozone-om",
                "scale statefulset ozone-om from 4 to 5 replicas",
                "wait until ozone-om-4 is FOLLOWER in `ozone admin om roles`",
                // Both joined in the bootstrap form: once the render is back (which restarts
                // nothing under OnDelete) each restarts onto it, one at a time.
                "record member bootstrap `grow ozone-om-4 restarting` on statefulset ozone-om",
                "set the pod template of statefulset ozone-om: as rendered (recorded before the change)",
                "restart pod ozone-om-3 once the rest of its component is ready: delete it, wait until its replacement is ready",
                "wait until ozone-om-3 is FOLLOWER in `ozone admin om roles`",
                "restart pod ozone-om-4 once the rest of its component is ready: delete it, wait until its replacement is ready",
                "wait until ozone-om-4 is FOLLOWER in `ozone admin om roles`",
                "clear the member bootstrap record on statefulset ozone-om",
            ]
        );
        // The restore sets exactly the template read before the change.
        let Action::SetTemplate { template, .. } = &plan[8] else {
            panic!("{plan:?}")
        };
        assert_eq!(template, &r.template);
        // Cut off during those restarts: om-3 restarted (rendered, joining again), om-4 still
        // in the bootstrap form. Nothing is bootstrapped or scaled again.
        let mut cut = ring(Component::Om, 5, &OM3);
        cut.roles.push(("ozone-om-4".into(), "FOLLOWER".into()));
        cut.pods
            .insert("ozone-om-4".into(), (PodForm::Bootstrapping, true));
        cut.in_progress = Some(InProgress {
            purpose: Purpose::Grow,
            pod: "ozone-om-4".into(),
            phase: Phase::Restarting,
            primordial: None,
            template: r.template.clone(),
        });
        assert_eq!(
            steps(&plan_grow(&cut, 5)),
            [
                "wait until ozone-om-3 is FOLLOWER in `ozone admin om roles`",
                "restart pod ozone-om-4 once the rest of its component is ready: delete it, wait until its replacement is ready",
                "wait until ozone-om-4 is FOLLOWER in `ozone admin om roles`",
                "clear the member bootstrap record on statefulset ozone-om",
            ]
        );
    }

    #[test]
    fn om_growth_1_to_3_and_a_resumed_growth() {
        let r = ring(Component::Om, 1, &[("ozone-om-0", "LEADER")]);
        let plan = steps(&plan_grow(&r, 3));
        assert_eq!(plan.iter().filter(|s| s.starts_with("scale")).count(), 2);
        assert!(plan[2].contains("from 1 to 2"), "{plan:#?}");
        // Cut off after om-3 was scaled in with the bootstrap template: om-3 is waited for,
        // om-4 follows, the recorded template comes back.
        let mut cut = ring(Component::Om, 4, &OM3);
        let base = cut.template.clone();
        cut.template = template_for(&base, Component::Om, &Form::Bootstrap { primordial: None });
        cut.pods
            .insert("ozone-om-3".into(), (PodForm::Bootstrapping, false));
        cut.in_progress = Some(InProgress {
            purpose: Purpose::Grow,
            pod: "ozone-om-3".into(),
            phase: Phase::Joining,
            primordial: None,
            template: base.clone(),
        });
        let plan = plan_grow(&cut, 5);
        let printed = steps(&plan);
        assert_eq!(
            printed[1], "wait until ozone-om-3 is FOLLOWER in `ozone admin om roles`",
            "{printed:#?}"
        );
        assert!(
            !printed.iter().any(|s| s.starts_with("delete pod")),
            "{printed:#?}"
        );
        assert!(printed.contains(&"scale statefulset ozone-om from 4 to 5 replicas".to_owned()));
        let Some(Action::SetTemplate { template, .. }) = plan
            .iter()
            .rfind(|a| matches!(a, Action::SetTemplate { .. }))
        else {
            panic!("{plan:?}")
        };
        assert_eq!(template, &base);
        // Both then restart onto it.
        for pod in ["ozone-om-3", "ozone-om-4"] {
            assert!(
                printed.contains(&format!("restart pod {pod} once the rest of its component is ready: delete it, wait until its replacement is ready")),
                "{printed:#?}"
            );
        }
        // om-3 restarted as a plain OM meanwhile: recreated in the bootstrap form.
        cut.pods.insert("ozone-om-3".into(), (PodForm::Plain, true));
        cut.template = base;
        let printed = steps(&plan_grow(&cut, 5));
        assert!(
            printed.contains(
                &"delete pod ozone-om-3, wait until its replacement is running".to_owned()
            ),
            "{printed:#?}"
        );
        // Nothing left to grow: nothing to do.
        assert!(plan_grow(&ring(Component::Om, 3, &OM3), 3).is_empty());
    }

    #[test]
    fn scm_growth_1_to_3_never_changes_the_template() {
        let r = ring(Component::Scm, 1, &[("ozone-scm-0", "LEADER")]);
        let plan = plan_grow(&r, 3);
        assert!(
            !plan.iter().any(|a| matches!(a, Action::SetTemplate { .. })),
            "{plan:?}"
        );
        assert_eq!(
            steps(&plan)
                .iter()
                .filter(|s| s.starts_with("scale") || s.starts_with("wait"))
                .cloned()
                .collect::<Vec<_>>(),
            [
                "scale statefulset ozone-scm from 1 to 2 replicas",
                "wait until ozone-scm-1 is FOLLOWER in `ozone admin scm roles`",
                "scale statefulset ozone-scm from 2 to 3 replicas",
                "wait until ozone-scm-2 is FOLLOWER in `ozone admin scm roles`",
            ]
        );
    }

    fn members(n: i32) -> Vec<String> {
        member_pods("ozone-om", n)
    }

    #[test]
    fn recover_is_refused_without_a_majority_or_a_peer() {
        let r = ring(Component::Om, 3, &OM3);
        assert_eq!(recover_refusal(&r, "ozone-om-1", &members(3)), None);
        // One of the two others is down: 1 of 3 left, no majority.
        let down = ring(
            Component::Om,
            3,
            &[("ozone-om-0", "LEADER"), ("ozone-om-2", "CANDIDATE")],
        );
        let why = recover_refusal(&down, "ozone-om-1", &members(3)).unwrap();
        assert!(
            why.contains("needs 2 for a majority, but only 1")
                && why.contains("ozone-om-2 (CANDIDATE)"),
            "{why}"
        );
        // Five members and only two others active: a majority of five needs three.
        let five = ring(
            Component::Om,
            5,
            &[("ozone-om-0", "LEADER"), ("ozone-om-1", "FOLLOWER")],
        );
        assert!(recover_refusal(&five, "ozone-om-4", &members(5)).is_some());
        let single = ring(Component::Om, 1, &[("ozone-om-0", "LEADER")]);
        let why = recover_refusal(&single, "ozone-om-0", &members(1)).unwrap();
        assert!(why.contains("recover --from"), "{why}");
    }

    fn target(pod: &str, primordial: Option<&str>) -> RecoverTarget {
        RecoverTarget {
            pod: pod.into(),
            dirs: vec!["/data/metadata".into()],
            primordial: primordial.map(str::to_owned),
        }
    }

    #[test]
    fn recover_om_holds_wipes_bootstraps_and_restores() {
        let r = ring(Component::Om, 3, &OM3);
        let plan = plan_recover(&r, &target("ozone-om-1", None)).unwrap();
        assert_eq!(
            steps(&plan),
            [
                "record member bootstrap `recover ozone-om-1 holding` on statefulset ozone-om",
                "set the pod template of statefulset ozone-om: hold: om runs `sleep infinity` without probes or init containers, holding its volume",
                "delete pod ozone-om-1, wait until its replacement is ready",
                "in ozone-om-1 (holding, no Ozone process): rm -rf -- /data/metadata (its metadata is lost; the ring copies it back)",
                "record member bootstrap `recover ozone-om-1 wiped` on statefulset ozone-om",
                "set the pod template of statefulset ozone-om: bootstrap: ozone om --bootstrap",
                "record member bootstrap `recover ozone-om-1 joining` on statefulset ozone-om",
                "delete pod ozone-om-1, wait until its replacement is running",
                "wait until ozone-om-1 is FOLLOWER in `ozone admin om roles`",
                // Restoring the template restarts nothing (OnDelete): the member restarts
                // onto it once it is a FOLLOWER, and is waited for again.
                "record member bootstrap `recover ozone-om-1 restarting` on statefulset ozone-om",
                "set the pod template of statefulset ozone-om: as rendered (recorded before the change)",
                "restart pod ozone-om-1 once the rest of its component is ready: delete it, wait until its replacement is ready",
                "wait until ozone-om-1 is FOLLOWER in `ozone admin om roles`",
                "clear the member bootstrap record on statefulset ozone-om",
            ]
        );
        // Resumed while restarting: never a hold, a wipe or a bootstrap again. Still in the
        // bootstrap form, it restarts (template restored first if that was cut off)...
        let mut restarting = r.clone();
        restarting.template = template_for(
            &r.template,
            Component::Om,
            &Form::Bootstrap { primordial: None },
        );
        restarting
            .pods
            .insert("ozone-om-1".into(), (PodForm::Bootstrapping, true));
        restarting.in_progress = Some(InProgress {
            purpose: Purpose::Recover,
            pod: "ozone-om-1".into(),
            phase: Phase::Restarting,
            primordial: None,
            template: r.template.clone(),
        });
        assert_eq!(
            steps(&plan_recover(&restarting, &target("ozone-om-1", None)).unwrap()),
            [
                "wait until ozone-om-1 is FOLLOWER in `ozone admin om roles`",
                "set the pod template of statefulset ozone-om: as rendered (recorded before the change)",
                "restart pod ozone-om-1 once the rest of its component is ready: delete it, wait until its replacement is ready",
                "wait until ozone-om-1 is FOLLOWER in `ozone admin om roles`",
                "clear the member bootstrap record on statefulset ozone-om",
            ]
        );
        // ...once restarted onto the render (or gone while its replacement comes), it is only
        // waited for.
        restarting.template = r.template.clone();
        for form in [Some(PodForm::Plain), None] {
            match form {
                Some(f) => restarting.pods.insert("ozone-om-1".into(), (f, true)),
                None => restarting.pods.remove("ozone-om-1"),
            };
            assert_eq!(
                steps(&plan_recover(&restarting, &target("ozone-om-1", None)).unwrap()),
                [
                    "wait until ozone-om-1 is FOLLOWER in `ozone admin om roles`",
                    "clear the member bootstrap record on statefulset ozone-om",
                ],
                "{form:?}"
            );
        }
        // Resumed after the wipe: no second hold, no second wipe.
        let mut wiped = r.clone();
        wiped.template = template_for(&r.template, Component::Om, &Form::Hold);
        wiped
            .pods
            .insert("ozone-om-1".into(), (PodForm::Held, true));
        wiped.in_progress = Some(InProgress {
            purpose: Purpose::Recover,
            pod: "ozone-om-1".into(),
            phase: Phase::Wiped,
            primordial: None,
            template: r.template.clone(),
        });
        let resumed = steps(&plan_recover(&wiped, &target("ozone-om-1", None)).unwrap());
        assert!(
            !resumed
                .iter()
                .any(|s| s.contains("rm -rf") || s.contains("hold:")),
            "{resumed:#?}"
        );
        assert!(
            resumed[0].contains("bootstrap: ozone om --bootstrap"),
            "{resumed:#?}"
        );
        // Another pod's recovery in progress: refused.
        assert!(
            plan_recover(&wiped, &target("ozone-om-2", None))
                .unwrap_err()
                .contains("recover ozone-om-1 wiped")
        );
    }

    #[test]
    fn recover_scm_overrides_the_primordial_node_only_when_it_is_the_member() {
        let r = ring(
            Component::Scm,
            3,
            &[
                ("ozone-scm-0", "FOLLOWER"),
                ("ozone-scm-1", "LEADER"),
                ("ozone-scm-2", "FOLLOWER"),
            ],
        );
        let plain = steps(&plan_recover(&r, &target("ozone-scm-2", None)).unwrap());
        assert!(
            plain.contains(&"set the pod template of statefulset ozone-scm: as rendered (recorded before the change)".to_owned())
                && !plain.iter().any(|s| s.contains(PRIMORDIAL_KEY)),
            "{plain:#?}"
        );
        let primordial = plan_recover(&r, &target("ozone-scm-0", Some("ozone-scm-1"))).unwrap();
        let printed = steps(&primordial);
        let boot = printed
            .iter()
            .position(|s| s.contains("ozone.scm.primordial.node.id=ozone-scm-1"))
            .expect("override");
        let delete = printed
            .iter()
            .rposition(|s| s.starts_with("delete pod ozone-scm-0"))
            .unwrap();
        let restore = printed
            .iter()
            .rposition(|s| s.contains("as rendered"))
            .unwrap();
        assert!(boot < delete && delete < restore, "{printed:#?}");
    }

    #[test]
    fn metadata_dirs_come_from_the_configuration_and_stay_on_the_volume() {
        let data = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (ConfigFile::OzoneSite.env_name(k), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            metadata_dirs(
                &data(&[("ozone.metadata.dirs", "/data/metadata")]),
                Component::Om
            ),
            Ok(vec!["/data/metadata".to_owned()])
        );
        assert_eq!(
            metadata_dirs(
                &data(&[
                    ("ozone.metadata.dirs", "/data/metadata"),
                    ("ozone.om.db.dirs", "/data/om-db/"),
                    ("ozone.scm.db.dirs", "/data/scm-db"),
                ]),
                Component::Om
            ),
            Ok(vec!["/data/metadata".to_owned(), "/data/om-db".to_owned()])
        );
        for bad in ["/", "/data", "/data/", "/etc/hadoop", "/data/../etc"] {
            assert!(
                metadata_dirs(&data(&[("ozone.metadata.dirs", bad)]), Component::Scm).is_err(),
                "{bad}"
            );
        }
        assert!(metadata_dirs(&BTreeMap::new(), Component::Om).is_err());
    }
}
