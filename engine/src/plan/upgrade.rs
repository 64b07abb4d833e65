//! A version upgrade (or downgrade) as data: the cluster's workloads as found, the record
//! of an upgrade in progress (annotations on the SCM StatefulSet and each workload), and the
//! actions still to do, derived from both so that running the same command again after an
//! interruption at any point finishes the job.
//!
//! Every released Ozone upgrades non-rolling (operations §1.1), so [`stop_the_world`] is the
//! only planner: prepare the OM ring, stop everything, set images, start in order, then
//! remove the OM `--upgrade` argument with a quorum-safe restart. The actions are generic
//! (scale, set image, wait, restart a component, run an Ozone command), so a rolling planner
//! is another function producing another sequence of the same actions.

use super::steps::Step;
use crate::cluster::act::{TemplateImage, WorkloadKind};
use crate::cluster::view::{ClusterView, component_of};
use k8s_openapi::api::core::v1::PodSpec;
use ozone_storage::Component;
use ozone_storage::admin::Mutation;
use ozone_storage::versions::{Direction, Version};

/// The upgrade's target version, on the SCM StatefulSet.
pub const TARGET_ANNOTATION: &str = "ozone.apache.org/upgrade-target";
/// The version the upgrade started from, on the SCM StatefulSet.
pub const FROM_ANNOTATION: &str = "ozone.apache.org/upgrade-from";
/// How far the upgrade got ([`Phase`]), on the SCM StatefulSet.
pub const PHASE_ANNOTATION: &str = "ozone.apache.org/upgrade-phase";
/// The replicas a workload had before the upgrade scaled it to 0, on each workload.
pub const REPLICAS_ANNOTATION: &str = "ozone.apache.org/upgrade-replicas";

/// How far an upgrade got, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Target and origin recorded; nothing changed yet.
    Planned,
    /// The OM ring is prepared (writes refused).
    Prepared,
    /// Every workload is at 0 replicas and its pods are gone.
    Stopped,
    /// Every workload has the new image (OMs with `--upgrade`/`--downgrade`).
    ImagesSet,
    /// Everything runs again and SCM is out of safe mode.
    Started,
    /// The OM flag is gone again: the run is done. Whether the cluster is pre-finalized or
    /// already finalized is Ozone's answer (`ops::finality`), not the record's.
    Done,
    /// `upgrade finalize` finished: no downgrade any more.
    Finalized,
}

impl Phase {
    const ALL: [Phase; 7] = [
        Phase::Planned,
        Phase::Prepared,
        Phase::Stopped,
        Phase::ImagesSet,
        Phase::Started,
        Phase::Done,
        Phase::Finalized,
    ];

    /// As recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Planned => "planned",
            Phase::Prepared => "prepared",
            Phase::Stopped => "stopped",
            Phase::ImagesSet => "images-set",
            Phase::Started => "started",
            Phase::Done => "done",
            Phase::Finalized => "finalized",
        }
    }

    /// Parses a recorded phase (`pre-finalized` is how earlier versions recorded
    /// [`Phase::Done`]).
    pub fn parse(s: &str) -> Option<Phase> {
        match s.trim() {
            "pre-finalized" => Some(Phase::Done),
            s => Phase::ALL.into_iter().find(|p| p.as_str() == s),
        }
    }

    /// Whether the upgrade is finished (as far as `upgrade` goes).
    pub fn is_done(self) -> bool {
        self >= Phase::Done
    }
}

/// The record of an upgrade on the SCM StatefulSet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Target version.
    pub target: Version,
    /// Origin version.
    pub from: Version,
    /// Phase reached.
    pub phase: Phase,
}

/// One StatefulSet or Deployment of the cluster, as found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// Kind.
    pub kind: WorkloadKind,
    /// Name.
    pub name: String,
    /// Component.
    pub component: Component,
    /// Replicas in its spec now.
    pub replicas: i32,
    /// Replicas recorded before the upgrade scaled it to 0.
    pub recorded_replicas: Option<i32>,
    /// The image of its main container.
    pub image: String,
    /// Containers running the Ozone image.
    pub containers: Vec<String>,
    /// Init containers running the Ozone image.
    pub init_containers: Vec<String>,
    /// The main container's name.
    pub main_container: String,
    /// The main container's arguments.
    pub args: Vec<String>,
    /// Its annotations.
    pub annotations: std::collections::BTreeMap<String, String>,
}

impl Workload {
    /// Replicas to start again with: what it runs now, or, stopped by the upgrade, what it
    /// had before (recorded right before it was scaled to 0).
    pub fn start_replicas(&self) -> i32 {
        if self.replicas > 0 {
            self.replicas
        } else {
            self.recorded_replicas.unwrap_or(0)
        }
    }

    /// The version its image runs.
    pub fn version(&self) -> Option<Version> {
        ozone_storage::versions::version_of_image(&self.image)
    }
}

/// The OM start arguments that prepare mode uses.
pub const OM_FLAGS: [&str; 2] = ["--upgrade", "--downgrade"];

/// `args` without the upgrade flags.
pub fn without_flags(args: &[String]) -> Vec<String> {
    args.iter()
        .filter(|a| !OM_FLAGS.contains(&a.as_str()))
        .cloned()
        .collect()
}

/// Whether the OM main container of `spec` starts with an upgrade flag.
pub fn starts_with_flag(spec: Option<&PodSpec>) -> bool {
    spec.and_then(|s| s.containers.iter().find(|c| c.name == "om"))
        .and_then(|c| c.args.as_ref())
        .is_some_and(|a| a.iter().any(|x| OM_FLAGS.contains(&x.as_str())))
}

fn from_template(
    kind: WorkloadKind,
    meta: &kube::core::ObjectMeta,
    replicas: Option<i32>,
    spec: Option<&PodSpec>,
) -> Option<Workload> {
    let component = component_of(meta)?;
    let spec = spec?;
    let main = spec
        .containers
        .iter()
        .find(|c| c.name == component.id())
        .or_else(|| spec.containers.first())?;
    let image = main.image.clone().unwrap_or_default();
    let repository = image.rsplit_once(':').map_or(image.as_str(), |(r, _)| r);
    let runs_ozone = |i: &Option<String>| {
        i.as_deref()
            .is_some_and(|i| i.rsplit_once(':').map(|(r, _)| r) == Some(repository))
    };
    let annotations = meta.annotations.clone().unwrap_or_default();
    Some(Workload {
        kind,
        name: meta.name.clone()?,
        component,
        replicas: replicas.unwrap_or(1),
        recorded_replicas: annotations
            .get(REPLICAS_ANNOTATION)
            .and_then(|r| r.parse().ok()),
        containers: spec
            .containers
            .iter()
            .filter(|c| runs_ozone(&c.image))
            .map(|c| c.name.clone())
            .collect(),
        init_containers: spec
            .init_containers
            .iter()
            .flatten()
            .filter(|c| runs_ozone(&c.image))
            .map(|c| c.name.clone())
            .collect(),
        main_container: main.name.clone(),
        args: main.args.clone().unwrap_or_default(),
        image,
        annotations,
    })
}

/// The cluster's workloads, in component order.
pub fn workloads(view: &ClusterView) -> Vec<Workload> {
    let mut out: Vec<Workload> = view
        .statefulsets
        .iter()
        .filter_map(|s| {
            let spec = s.spec.as_ref()?;
            from_template(
                WorkloadKind::StatefulSet,
                &s.metadata,
                spec.replicas,
                spec.template.spec.as_ref(),
            )
        })
        .chain(view.deployments.iter().filter_map(|d| {
            let spec = d.spec.as_ref()?;
            from_template(
                WorkloadKind::Deployment,
                &d.metadata,
                spec.replicas,
                spec.template.spec.as_ref(),
            )
        }))
        .collect();
    out.sort_by_key(|w| (w.component, w.name.clone()));
    out
}

/// The upgrade record on the SCM workload, if any (an unreadable one counts as none).
pub fn record(workloads: &[Workload]) -> Option<Record> {
    let scm = workloads.iter().find(|w| w.component == Component::Scm)?;
    let get = |k: &str| scm.annotations.get(k).map(String::as_str);
    Some(Record {
        target: Version::parse(get(TARGET_ANNOTATION)?)?,
        from: Version::parse(get(FROM_ANNOTATION)?)?,
        phase: Phase::parse(get(PHASE_ANNOTATION)?)?,
    })
}

/// Stop order (issue 13 step 2): gateways first, SCM last.
pub const STOP_ORDER: [Component; 6] = [
    Component::S3g,
    Component::Httpfs,
    Component::Recon,
    Component::Om,
    Component::Datanode,
    Component::Scm,
];

/// Start order (step 4): SCM, datanodes, OMs, then Recon and the gateways.
pub const START_ORDER: [Component; 6] = [
    Component::Scm,
    Component::Datanode,
    Component::Om,
    Component::Recon,
    Component::S3g,
    Component::Httpfs,
];

/// One thing to do, executable and printable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Record target, origin and phase on the SCM StatefulSet.
    Record {
        /// The StatefulSet.
        anchor: String,
        /// Phase reached.
        phase: Phase,
    },
    /// Run an Ozone mutation (prepare, cancel prepare).
    Ozone(Mutation),
    /// Record the replicas, then scale to 0.
    Stop {
        /// Kind.
        kind: WorkloadKind,
        /// Name.
        name: String,
        /// Replicas it had.
        replicas: i32,
    },
    /// Wait until a component has no pods.
    WaitGone(Component),
    /// Set a template's image (and OM arguments).
    SetImage {
        /// Kind.
        kind: WorkloadKind,
        /// Name.
        name: String,
        /// The change.
        change: TemplateImage,
    },
    /// Scale up.
    Start {
        /// Kind.
        kind: WorkloadKind,
        /// Name.
        name: String,
        /// Replicas.
        replicas: i32,
    },
    /// Wait until a component has this many pods, all ready.
    WaitReady(Component, i32),
    /// Wait until SCM is out of safe mode.
    WaitSafeModeOff,
    /// Cancel prepare if an OM pod started without the flag (§1.1 step 4).
    CancelPrepareIfNeeded {
        /// OM service id.
        service_id: String,
    },
    /// Quorum-safe restart of the OM pods that started with the flag.
    RestartOms,
}

impl Action {
    /// The printed form.
    pub fn step(&self) -> Step {
        match self {
            Action::Record { anchor, phase } => Step::RecordUpgrade {
                name: anchor.clone(),
                phase: phase.as_str().into(),
            },
            Action::Ozone(m) => Step::Ozone {
                component: m.component().id().into(),
                argv: m.argv().to_vec(),
            },
            Action::Stop {
                kind,
                name,
                replicas,
            } => Step::ScaleWorkload {
                workload: kind.as_str().into(),
                name: name.clone(),
                from: *replicas,
                to: 0,
            },
            Action::WaitGone(c) => Step::WaitPods {
                component: c.id().into(),
                until: "gone".into(),
            },
            Action::SetImage { kind, name, change } => Step::SetImage {
                workload: kind.as_str().into(),
                name: name.clone(),
                image: change.image.clone(),
                args: change.args.as_ref().map(|(_, a)| a.clone()),
            },
            Action::Start {
                kind,
                name,
                replicas,
            } => Step::ScaleWorkload {
                workload: kind.as_str().into(),
                name: name.clone(),
                from: 0,
                to: *replicas,
            },
            Action::WaitReady(c, n) => Step::WaitPods {
                component: c.id().into(),
                until: format!("ready ({n})"),
            },
            Action::WaitSafeModeOff => Step::WaitSafeModeOff,
            Action::CancelPrepareIfNeeded { service_id } => Step::Ozone {
                component: "om".into(),
                argv: {
                    let mut a = Mutation::om_cancel_prepare(Some(service_id))
                        .argv()
                        .to_vec();
                    a.push("(only if an OM started without the flag)".into());
                    a
                },
            },
            Action::RestartOms => Step::RestartComponent {
                component: "om".into(),
                reason: "to drop the upgrade argument".into(),
            },
        }
    }
}

/// What the planner needs.
pub struct Input<'a> {
    /// The workloads as found.
    pub workloads: &'a [Workload],
    /// The upgrade in progress, if it is this one.
    pub phase: Option<Phase>,
    /// Upgrade or downgrade.
    pub direction: Direction,
    /// The image to run.
    pub image: String,
    /// The target version, for the version label.
    pub target: Version,
    /// The OM service id (HA only).
    pub om_service_id: Option<String>,
    /// Whether the running release needs OM prepare before a stop.
    pub prepare: bool,
}

/// The non-rolling procedure (operations §1.1 steps 1–4, issue 13 steps 1–5), from the phase
/// the record says was reached: every step whose effect is already visible is left out.
pub fn stop_the_world(input: &Input<'_>) -> Vec<Action> {
    let anchor = input
        .workloads
        .iter()
        .find(|w| w.component == Component::Scm)
        .map(|w| w.name.clone())
        .unwrap_or_default();
    let reached = |p: Phase| input.phase.is_some_and(|r| r >= p);
    let record = |phase| Action::Record {
        anchor: anchor.clone(),
        phase,
    };
    let in_order = |order: [Component; 6]| -> Vec<&Workload> {
        order
            .iter()
            .flat_map(|c| input.workloads.iter().filter(move |w| w.component == *c))
            .collect()
    };
    let flag = input.direction.om_flag().unwrap_or("--upgrade");
    let mut out = Vec::new();
    if input.phase.is_none() {
        out.push(record(Phase::Planned));
    }
    let oms = input
        .workloads
        .iter()
        .filter(|w| w.component == Component::Om)
        .map(Workload::start_replicas)
        .sum::<i32>();
    if !reached(Phase::Prepared)
        && input.prepare
        && oms > 1
        && let Some(id) = &input.om_service_id
    {
        out.push(Action::Ozone(Mutation::om_prepare(id)));
        out.push(record(Phase::Prepared));
    }
    if !reached(Phase::Stopped) {
        for w in in_order(STOP_ORDER) {
            if w.replicas > 0 {
                out.push(Action::Stop {
                    kind: w.kind,
                    name: w.name.clone(),
                    replicas: w.replicas,
                });
            }
            out.push(Action::WaitGone(w.component));
        }
        out.push(record(Phase::Stopped));
    }
    if !reached(Phase::ImagesSet) {
        for w in input.workloads {
            let args = (w.component == Component::Om).then(|| {
                let mut a = without_flags(&w.args);
                a.push(flag.to_owned());
                (w.main_container.clone(), a)
            });
            if w.image != input.image || args.as_ref().is_some_and(|(_, a)| *a != w.args) {
                out.push(Action::SetImage {
                    kind: w.kind,
                    name: w.name.clone(),
                    change: template_image(w, &input.image, input.target, args),
                });
            }
        }
        out.push(record(Phase::ImagesSet));
    }
    if !reached(Phase::Started) {
        for w in in_order(START_ORDER) {
            let n = w.start_replicas();
            if n == 0 {
                continue;
            }
            // Stopped earlier in this run, or still below its count from a cut-off run.
            if !reached(Phase::Stopped) || w.replicas < n {
                out.push(Action::Start {
                    kind: w.kind,
                    name: w.name.clone(),
                    replicas: n,
                });
            }
            out.push(Action::WaitReady(w.component, n));
        }
        out.push(Action::WaitSafeModeOff);
        if oms > 1
            && let Some(id) = &input.om_service_id
        {
            out.push(Action::CancelPrepareIfNeeded {
                service_id: id.clone(),
            });
        }
        out.push(record(Phase::Started));
    }
    if !reached(Phase::Done) {
        for w in input
            .workloads
            .iter()
            .filter(|w| w.component == Component::Om)
        {
            if w.args != without_flags(&w.args) || !reached(Phase::ImagesSet) {
                out.push(Action::SetImage {
                    kind: w.kind,
                    name: w.name.clone(),
                    change: template_image(
                        w,
                        &input.image,
                        input.target,
                        Some((w.main_container.clone(), without_flags(&w.args))),
                    ),
                });
            }
        }
        out.push(Action::RestartOms);
        out.push(record(Phase::Done));
    }
    out
}

fn template_image(
    w: &Workload,
    image: &str,
    target: Version,
    args: Option<(String, Vec<String>)>,
) -> TemplateImage {
    TemplateImage {
        image: image.to_owned(),
        containers: w.containers.clone(),
        init_containers: w.init_containers.clone(),
        version_label: target.to_string(),
        args,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(component: Component, replicas: i32, image: &str) -> Workload {
        Workload {
            kind: if component == Component::S3g {
                WorkloadKind::Deployment
            } else {
                WorkloadKind::StatefulSet
            },
            name: format!("ozone-{component}"),
            component,
            replicas,
            recorded_replicas: None,
            image: image.into(),
            containers: vec![component.id().into()],
            init_containers: vec![],
            main_container: component.id().into(),
            args: vec!["ozone".into(), component.id().into()],
            annotations: Default::default(),
        }
    }

    fn input(workloads: &[Workload], phase: Option<Phase>) -> Input<'_> {
        Input {
            workloads,
            phase,
            direction: Direction::Upgrade,
            image: "apache/ozone:2.2.1".into(),
            target: Version::parse("2.2.1").unwrap(),
            om_service_id: Some("ozone".into()),
            prepare: true,
        }
    }

    fn cluster() -> Vec<Workload> {
        [
            (Component::Scm, 3),
            (Component::Om, 3),
            (Component::Datanode, 4),
            (Component::S3g, 1),
        ]
        .into_iter()
        .map(|(c, n)| w(c, n, "apache/ozone:2.2.0"))
        .collect()
    }

    fn printed(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .map(|a| serde_json::to_string(&a.step()).unwrap())
            .collect()
    }

    #[test]
    fn a_fresh_upgrade_prepares_stops_gateways_first_and_starts_scm_first() {
        let ws = cluster();
        let actions = stop_the_world(&input(&ws, None));
        let text = printed(&actions).join("\n");
        let pos = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle} not in\n{text}"))
        };
        let prepare = "\"prepare\",\"--service-id\",\"ozone\"";
        assert!(pos("\"phase\":\"planned\"") < pos(prepare));
        assert!(pos(prepare) < pos("\"name\":\"ozone-s3g\",\"from\":1,\"to\":0"));
        assert!(
            pos("\"name\":\"ozone-om\",\"from\":3,\"to\":0")
                < pos("\"name\":\"ozone-scm\",\"from\":3,\"to\":0")
        );
        assert!(pos("\"phase\":\"stopped\"") < pos("apache/ozone:2.2.1"));
        assert!(text.contains("\"args\":[\"ozone\",\"om\",\"--upgrade\"]"));
        assert!(
            pos("\"name\":\"ozone-scm\",\"from\":0,\"to\":3")
                < pos("\"name\":\"ozone-datanode\",\"from\":0,\"to\":4")
        );
        assert!(
            pos("\"name\":\"ozone-datanode\",\"from\":0,\"to\":4")
                < pos("\"name\":\"ozone-om\",\"from\":0,\"to\":3")
        );
        assert!(pos("waitSafeModeOff") < pos("\"phase\":\"started\""));
        assert_eq!(
            actions.last().unwrap().step(),
            Step::RecordUpgrade {
                name: "ozone-scm".into(),
                phase: "done".into()
            }
        );
    }

    #[test]
    fn a_single_om_is_not_prepared_and_a_downgrade_uses_its_flag() {
        let mut ws = cluster();
        ws[1].replicas = 1;
        let mut i = input(&ws, None);
        i.om_service_id = None;
        i.direction = Direction::Downgrade;
        let text = printed(&stop_the_world(&i)).join("\n");
        assert!(!text.contains("prepare"), "{text}");
        assert!(
            text.contains("\"args\":[\"ozone\",\"om\",\"--downgrade\"]"),
            "{text}"
        );
    }

    #[test]
    fn a_resumed_run_skips_what_its_record_and_the_workloads_show_done() {
        // Cut off during the start: images set, SCM back, the rest at 0 with their record.
        let mut ws: Vec<Workload> = cluster()
            .into_iter()
            .map(|mut w| {
                w.recorded_replicas = Some(w.replicas);
                w.replicas = if w.component == Component::Scm { 3 } else { 0 };
                w.image = "apache/ozone:2.2.1".into();
                w
            })
            .collect();
        ws[1].args.push("--upgrade".into());
        let actions = stop_the_world(&input(&ws, Some(Phase::ImagesSet)));
        let text = printed(&actions).join("\n");
        assert!(!text.contains("\"prepare\",\"--service-id\""), "{text}");
        assert!(!text.contains("\"to\":0"), "{text}");
        assert!(
            !text.contains("\"name\":\"ozone-scm\",\"from\":0"),
            "{text}"
        );
        assert!(text.contains("\"name\":\"ozone-datanode\",\"from\":0,\"to\":4"));
        assert!(text.contains("\"args\":[\"ozone\",\"om\"]"), "{text}");
        // Finished: nothing left.
        assert!(stop_the_world(&input(&ws, Some(Phase::Done))).is_empty());
    }

    #[test]
    fn phases_round_trip_and_order() {
        for p in Phase::ALL {
            assert_eq!(Phase::parse(p.as_str()), Some(p));
        }
        assert!(Phase::Stopped < Phase::Started);
        assert!(Phase::Done.is_done() && !Phase::Started.is_done());
    }
}
