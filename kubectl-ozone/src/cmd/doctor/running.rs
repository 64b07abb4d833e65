//! Checks of a running cluster, as pure functions of facts already read: each pod's state
//! translated into its cause, PVCs, StatefulSet rollouts, Ozone's own health (Raft rings,
//! safe mode, datanodes), certificates, and NetworkPolicies against the catalog's traffic
//! paths. [`super::gather`] reads the facts; nothing here touches the network.

use super::labels::{Labels, selector_matches};
use super::verdict::{Finding, Verdict};
use crate::cmd::cert::status::StatusReport;
use k8s_openapi::api::core::v1::{ContainerStatus, Event, PersistentVolumeClaim, Pod};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use ozone_engine::cluster::view::{ClusterView, component_of, is_ready, phase};
use ozone_storage::admin::{DatanodeInfo, HealthState, OmRole, SafeMode, SafeModeRule, ScmRole};
use ozone_storage::{Component, Peer};
use std::collections::BTreeMap;

/// A fact, or why it could not be read.
pub type Gathered<T> = Result<T, String>;

/// What Ozone said.
#[derive(Clone, Debug)]
pub struct OzoneFacts {
    /// `ozone admin scm roles`.
    pub scm: Gathered<Vec<ScmRole>>,
    /// `ozone admin om roles`.
    pub om: Gathered<Vec<OmRole>>,
    /// `ozone admin safemode status`.
    pub safe_mode: Gathered<SafeMode>,
    /// The exit rules (`--verbose` only).
    pub rules: Option<Gathered<Vec<SafeModeRule>>>,
    /// `ozone admin datanode list`.
    pub datanodes: Gathered<Vec<DatanodeInfo>>,
}

/// Everything the running-cluster checks look at.
#[derive(Clone, Debug)]
pub struct RunningFacts {
    /// The cluster's workloads, pods and PVCs.
    pub view: ClusterView,
    /// The namespace's events.
    pub events: Gathered<Vec<Event>>,
    /// The previous container's log of each crash-looping container, by `pod/container`.
    pub previous_logs: BTreeMap<String, Gathered<String>>,
    /// Ozone's view.
    pub ozone: OzoneFacts,
    /// The certificates (`cert status`).
    pub certificates: Gathered<StatusReport>,
    /// NetworkPolicies of the namespace.
    pub network_policies: Gathered<Vec<NetworkPolicy>>,
    /// Ozone versions known to exist as images.
    pub known_versions: Vec<String>,
    /// Lines of a previous log to show.
    pub log_lines: usize,
}

/// Every check of a running cluster.
pub fn check(facts: &RunningFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(pods(facts));
    out.extend(pvcs(&facts.view.pvcs, &facts.events));
    out.extend(rollouts(&facts.view));
    out.extend(rings(&facts.view, &facts.ozone));
    out.extend(safe_mode(&facts.ozone));
    out.extend(datanodes(&facts.view, &facts.ozone.datanodes));
    out.extend(certificates(&facts.certificates));
    out.extend(network(&facts.view, &facts.network_policies));
    out
}

fn name_of(meta: &kube::core::ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

/// Events about an object, newest last, as `reason: message`.
fn events_of(events: &Gathered<Vec<Event>>, kind: &str, name: &str) -> Vec<String> {
    let Ok(events) = events else {
        return Vec::new();
    };
    let mut about: Vec<&Event> = events
        .iter()
        .filter(|e| {
            e.involved_object.kind.as_deref() == Some(kind)
                && e.involved_object.name.as_deref() == Some(name)
        })
        .collect();
    about.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
    let mut lines: Vec<String> = about
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e.reason.as_deref().unwrap_or(""),
                e.message.as_deref().unwrap_or("").trim()
            )
        })
        .collect();
    lines.dedup();
    lines
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// The tag of an image reference (`apache/ozone:2.2.0` → `2.2.0`), if it has one.
pub fn image_tag(image: &str) -> Option<&str> {
    let name = image.split('@').next().unwrap_or(image);
    let (_, last) = name.rsplit_once('/').unwrap_or(("", name));
    last.split_once(':').map(|(_, tag)| tag)
}

fn statuses(pod: &Pod) -> Vec<(&ContainerStatus, bool)> {
    ozone_engine::cluster::view::container_statuses(pod).collect()
}

/// Each pod's state, translated into its cause.
pub fn pods(facts: &RunningFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut healthy = 0;
    for pod in &facts.view.pods {
        let name = name_of(&pod.metadata);
        match pod_problem(facts, pod, &name) {
            Some(f) => out.push(f),
            None => healthy += 1,
        }
    }
    if healthy > 0 || out.is_empty() {
        out.push(Finding::ok(
            "pod-state",
            "",
            format!(
                "{healthy} of {} pods running and ready",
                facts.view.pods.len()
            ),
        ));
    }
    out
}

fn pod_problem(facts: &RunningFacts, pod: &Pod, name: &str) -> Option<Finding> {
    const CHECK: &str = "pod-state";
    for (c, init) in statuses(pod) {
        let waiting = c.state.as_ref().and_then(|s| s.waiting.as_ref());
        let reason = waiting.and_then(|w| w.reason.as_deref()).unwrap_or("");
        let message = waiting
            .and_then(|w| w.message.as_deref())
            .unwrap_or("")
            .trim();
        let which = if init { "init container" } else { "container" };
        match reason {
            "ImagePullBackOff" | "ErrImagePull" | "InvalidImageName" => {
                let image = pod
                    .spec
                    .as_ref()
                    .and_then(|s| {
                        let all = s
                            .init_containers
                            .iter()
                            .flatten()
                            .chain(s.containers.iter());
                        all.into_iter()
                            .find(|k| k.name == c.name)
                            .and_then(|k| k.image.clone())
                    })
                    .unwrap_or_else(|| c.image.clone());
                let tag = image_tag(&image).unwrap_or("latest");
                let known = if facts.known_versions.contains(&tag.to_owned()) {
                    format!(
                        "{tag} is a released Ozone version, so the registry or the pull credentials are the problem"
                    )
                } else {
                    format!(
                        "tag {tag} is not a known Ozone version (known: {})",
                        facts.known_versions.join(", ")
                    )
                };
                return Some(Finding::bad(
                    Verdict::Error,
                    CHECK,
                    name,
                    format!(
                        "{which} {} cannot pull image {image} ({reason}): {known}. {message}",
                        c.name
                    )
                    .trim_end_matches(". ")
                    .to_owned(),
                    "set spec.version to a released version (or spec.image.repository/pullSecrets for a private registry), re-render and apply",
                ));
            }
            "CrashLoopBackOff" => {
                let key = format!("{name}/{}", c.name);
                let log = match facts.previous_logs.get(&key) {
                    Some(Ok(text)) if !text.trim().is_empty() => format!(
                        "; last lines of the previous container's log:\n{}",
                        last_lines(text, facts.log_lines)
                    ),
                    Some(Ok(_)) => "; the previous container's log is empty".into(),
                    Some(Err(e)) => format!("; its previous log could not be read: {e}"),
                    None => String::new(),
                };
                let exit = c
                    .last_state
                    .as_ref()
                    .and_then(|s| s.terminated.as_ref())
                    .map(|t| format!(", last exit code {}", t.exit_code))
                    .unwrap_or_default();
                return Some(Finding::bad(
                    Verdict::Error,
                    CHECK,
                    name,
                    format!(
                        "{which} {} is crash-looping ({} restarts{exit}){log}",
                        c.name, c.restart_count
                    ),
                    format!(
                        "fix what the log names; the whole log: kubectl logs {name} -c {} --previous",
                        c.name
                    ),
                ));
            }
            "CreateContainerConfigError" | "CreateContainerError" | "RunContainerError" => {
                return Some(Finding::bad(
                    Verdict::Error,
                    CHECK,
                    name,
                    format!("{which} {} cannot start ({reason}): {message}", c.name),
                    "create the Secret or ConfigMap the message names (for TLS: kubectl ozone cert issue), or re-apply the rendered manifests",
                ));
            }
            _ => {}
        }
    }
    let phase = phase(pod);
    if phase == "Pending" {
        let scheduled = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "PodScheduled"));
        if let Some(cond) = scheduled.filter(|c| c.status == "False") {
            let mut why = cond.message.clone().unwrap_or_default();
            if why.is_empty() {
                why = events_of(&facts.events, "Pod", name)
                    .into_iter()
                    .rfind(|e| e.starts_with("FailedScheduling"))
                    .unwrap_or_else(|| "no reason given".into());
            }
            return Some(Finding::bad(
                Verdict::Error,
                CHECK,
                name,
                format!("Pending, not scheduled: {why}"),
                scheduling_fix(&why),
            ));
        }
        return Some(Finding::bad(
            Verdict::Warning,
            CHECK,
            name,
            "Pending: scheduled, containers not started yet".to_owned(),
            format!("if it stays so, kubectl describe pod {name}"),
        ));
    }
    if phase == "Running" && !is_ready(pod) {
        let probe = events_of(&facts.events, "Pod", name)
            .into_iter()
            .rfind(|e| e.starts_with("Unhealthy"))
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        return Some(Finding::bad(
            Verdict::Warning,
            CHECK,
            name,
            format!("Running but not ready{probe}"),
            format!(
                "a starting Ozone service is not ready for a while; if it stays so, read kubectl logs {name}"
            ),
        ));
    }
    if phase != "Running" && phase != "Succeeded" {
        return Some(Finding::bad(
            Verdict::Error,
            CHECK,
            name,
            format!("phase {phase}"),
            format!("kubectl describe pod {name}"),
        ));
    }
    None
}

/// What to do about the scheduler's reason.
pub fn scheduling_fix(why: &str) -> String {
    let w = why.to_ascii_lowercase();
    if w.contains("anti-affinity") {
        "fewer schedulable nodes than replicas that must not share one: add nodes, or set spec.placement.antiAffinity: preferred".into()
    } else if w.contains("insufficient") {
        "no node has the CPU or memory the pod requests: add nodes or lower spec.<component>.resources.requests".into()
    } else if w.contains("persistentvolumeclaim") || w.contains("volume") {
        "its PVC is not bound: see the pvc check".into()
    } else if w.contains("taint") || w.contains("node selector") || w.contains("affinity/selector")
    {
        "no node matches spec.placement.nodeSelector/tolerations: label or untaint nodes, or change the spec".into()
    } else if w.contains("topology spread") {
        "nodes lack the topology.kubernetes.io/zone label that zone spread needs, or a zone is full: label the nodes or set spec.placement.spread: host".into()
    } else {
        "kubectl describe pod shows the scheduler's full reason".into()
    }
}

/// PVCs that are not bound, with their events.
pub fn pvcs(pvcs: &[PersistentVolumeClaim], events: &Gathered<Vec<Event>>) -> Vec<Finding> {
    const CHECK: &str = "pvc";
    let mut out = Vec::new();
    let mut bound = 0;
    for pvc in pvcs {
        let name = name_of(&pvc.metadata);
        let phase = pvc
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .unwrap_or("Pending");
        if phase == "Bound" {
            bound += 1;
            continue;
        }
        let class = pvc.spec.as_ref().and_then(|s| s.storage_class_name.clone());
        let evs = events_of(events, "PersistentVolumeClaim", &name);
        let waiting = evs.iter().all(|e| e.starts_with("WaitForFirstConsumer"));
        let evidence = match (evs.is_empty(), events) {
            (_, Err(e)) => format!("{phase}; its events could not be read: {e}"),
            (true, _) => format!("{phase}, no events"),
            (false, _) => format!("{phase}: {}", evs.join("; ")),
        };
        let fix = match &class {
            None => "no StorageClass named and none is default: set spec.<component>.storage.storageClass, or mark one default (annotation storageclass.kubernetes.io/is-default-class=true)".to_owned(),
            Some(c) if evs.iter().any(|e| e.contains("not found")) => format!("StorageClass {c} does not exist: create it or name an existing one in spec.<component>.storage.storageClass"),
            Some(c) => format!("check the provisioner of StorageClass {c} (kubectl describe pvc {name})"),
        };
        let verdict = if waiting && !evs.is_empty() {
            Verdict::Warning
        } else {
            Verdict::Error
        };
        out.push(Finding::bad(verdict, CHECK, name, evidence, fix));
    }
    if out.is_empty() {
        out.push(Finding::ok(CHECK, "", format!("{bound} PVCs bound")));
    }
    out
}

/// StatefulSets whose pods run an older template than the current one.
pub fn rollouts(view: &ClusterView) -> Vec<Finding> {
    const CHECK: &str = "rollout";
    let mut out = Vec::new();
    for sts in &view.statefulsets {
        let name = name_of(&sts.metadata);
        let Some(update) = sts.status.as_ref().and_then(|s| s.update_revision.clone()) else {
            continue;
        };
        let component = component_of(&sts.metadata);
        let old: Vec<String> = view
            .pods
            .iter()
            .filter(|p| component.is_some() && component_of(&p.metadata) == component)
            .filter(|p| {
                super::labels::label(&p.metadata, "controller-revision-hash")
                    .is_some_and(|h| h != update)
            })
            .map(|p| name_of(&p.metadata))
            .collect();
        if old.is_empty() {
            out.push(Finding::ok(
                CHECK,
                name,
                format!("every pod runs revision {update}"),
            ));
        } else {
            out.push(Finding::bad(
                Verdict::Warning,
                CHECK,
                name.clone(),
                format!(
                    "pods on an older template than {update}: {}",
                    old.join(", ")
                ),
                restart_fix(sts, component, old.len()),
            ));
        }
    }
    out
}

/// What brings pods left on an older template onto the current one. The rendered StatefulSets
/// use `updateStrategy: OnDelete`: the controller never replaces a pod on its own, so neither
/// waiting nor `kubectl rollout status` (which refuses OnDelete) helps; `kubectl ozone restart`
/// deletes exactly the pods on an older revision, in quorum-safe order.
fn restart_fix(
    sts: &k8s_openapi::api::apps::v1::StatefulSet,
    component: Option<Component>,
    pods: usize,
) -> String {
    let command = match component {
        Some(c) => format!("kubectl ozone restart {}", c.id()),
        None => "kubectl ozone restart".to_owned(),
    };
    let strategy = sts
        .spec
        .as_ref()
        .and_then(|s| s.update_strategy.as_ref())
        .and_then(|u| u.type_.as_deref())
        .unwrap_or("RollingUpdate");
    let why = if strategy == "OnDelete" {
        "updateStrategy OnDelete: the StatefulSet never restarts its pods itself".to_owned()
    } else {
        format!(
            "updateStrategy {strategy} stopped (a pod not ready, or a partition), and a blind roll is not quorum-safe"
        )
    };
    let what = if pods == 1 { "it" } else { "them" };
    format!("{command} restarts {what} onto the current template in quorum-safe order ({why})")
}

fn ring_findings(
    check: &'static str,
    ring: &str,
    members: Gathered<Vec<(String, String)>>,
    replicas: Option<i32>,
) -> Vec<Finding> {
    let members = match members {
        Ok(m) => m,
        Err(e) => {
            return vec![Finding::not_checked(
                check,
                ring,
                e,
                "the Ozone CLI must run in a running pod (needs create on pods/exec)",
            )];
        }
    };
    let is = |r: &str, want: &str| r.trim().eq_ignore_ascii_case(want);
    let mut out = Vec::new();
    let leaders: Vec<&str> = members
        .iter()
        .filter(|(_, r)| is(r, "LEADER"))
        .map(|(h, _)| h.as_str())
        .collect();
    let odd: Vec<String> = members
        .iter()
        .filter(|(_, r)| !is(r, "LEADER") && !is(r, "FOLLOWER"))
        .map(|(h, r)| format!("{} ({r})", short(h)))
        .collect();
    if leaders.is_empty() {
        out.push(Finding::bad(
            Verdict::Error,
            check,
            ring,
            format!(
                "no LEADER among {} members: the ring has no quorum",
                members.len()
            ),
            "a majority of the ring's pods must run: fix the pods that are down (see pod-state)",
        ));
    }
    if !odd.is_empty() {
        out.push(Finding::bad(
            Verdict::Warning,
            check,
            ring,
            format!("members neither LEADER nor FOLLOWER: {}", odd.join(", ")),
            "a member still catching up is CANDIDATE briefly; if it stays, read that pod's log",
        ));
    }
    if let Some(r) = replicas.filter(|r| (members.len() as i32) < *r) {
        out.push(Finding::bad(
            Verdict::Warning,
            check,
            ring,
            format!("{} of {r} members answered", members.len()),
            "the missing members' pods are not running or have not joined: see pod-state",
        ));
    }
    if out.is_empty() {
        out.push(Finding::ok(
            check,
            ring,
            format!(
                "leader {}, {} followers",
                short(leaders[0]),
                members.len() - 1
            ),
        ));
    }
    out
}

fn short(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

fn replicas(view: &ClusterView, c: Component) -> Option<i32> {
    view.statefulset(c)
        .and_then(|s| s.spec.as_ref())
        .and_then(|s| s.replicas)
}

/// The SCM and OM Raft rings.
pub fn rings(view: &ClusterView, ozone: &OzoneFacts) -> Vec<Finding> {
    let scm = ozone
        .scm
        .clone()
        .map(|v| v.into_iter().map(|r| (r.host, r.role)).collect());
    let om = ozone
        .om
        .clone()
        .map(|v| v.into_iter().map(|r| (r.host, r.role)).collect());
    let mut out = ring_findings("raft-scm", "SCM", scm, replicas(view, Component::Scm));
    out.extend(ring_findings(
        "raft-om",
        "OM",
        om,
        replicas(view, Component::Om),
    ));
    out
}

/// Safe mode, and with `--verbose` the rules not yet met.
pub fn safe_mode(ozone: &OzoneFacts) -> Vec<Finding> {
    const CHECK: &str = "safe-mode";
    match &ozone.safe_mode {
        Err(e) => vec![Finding::not_checked(
            CHECK,
            "SCM",
            e.clone(),
            "the Ozone CLI must run in a running SCM pod",
        )],
        Ok(SafeMode::Out) => vec![Finding::ok(CHECK, "SCM", "out of safe mode")],
        Ok(SafeMode::In) => {
            let rules = match &ozone.rules {
                Some(Ok(rules)) => {
                    let unmet: Vec<String> = rules
                        .iter()
                        .filter(|r| !r.validated)
                        .map(|r| format!("{} ({})", r.rule, r.status))
                        .collect();
                    if unmet.is_empty() {
                        String::new()
                    } else {
                        format!("; rules not met: {}", unmet.join("; "))
                    }
                }
                Some(Err(e)) => format!("; the rules could not be read: {e}"),
                None => "; --verbose shows which rules are not met".into(),
            };
            vec![Finding::bad(
                Verdict::Error,
                CHECK,
                "SCM",
                format!("SCM is in safe mode and accepts no writes{rules}"),
                "SCM leaves safe mode once enough datanodes register (hdds.scm.safemode.min.datanode) and report their containers: get the datanode pods running (see pod-state, datanodes)",
            )]
        }
    }
}

/// Dead or stale datanodes, and datanode pods SCM does not know.
pub fn datanodes(view: &ClusterView, dns: &Gathered<Vec<DatanodeInfo>>) -> Vec<Finding> {
    const CHECK: &str = "datanodes";
    let dns = match dns {
        Ok(d) => d,
        Err(e) => {
            return vec![Finding::not_checked(
                CHECK,
                "",
                e.clone(),
                "the Ozone CLI must run in a running SCM pod",
            )];
        }
    };
    let mut out = Vec::new();
    for d in dns {
        let host = short(&d.host_name).to_owned();
        match d.health_state {
            HealthState::Dead => out.push(Finding::bad(
                Verdict::Error,
                CHECK,
                host.clone(),
                format!("DEAD ({}): SCM has had no heartbeat for a long time; its replicas are being re-created elsewhere", d.op_state),
                format!("start pod {host} again, or remove it for good with kubectl ozone datanode scale-down"),
            )),
            HealthState::Stale => out.push(Finding::bad(
                Verdict::Warning,
                CHECK,
                host.clone(),
                format!("STALE ({}): heartbeats are late", d.op_state),
                format!("check pod {host} (restarts, node pressure, network); it turns DEAD if it stays silent"),
            )),
            _ => {}
        }
    }
    let pods = view.pods_of(Component::Datanode).len();
    if dns.len() < pods {
        out.push(Finding::bad(
            Verdict::Warning,
            CHECK,
            "",
            format!(
                "{} datanodes registered with SCM, {pods} datanode pods exist",
                dns.len()
            ),
            "a datanode that cannot register shows why in its log: kubectl logs <datanode pod>",
        ));
    }
    if out.is_empty() {
        out.push(Finding::ok(
            CHECK,
            "",
            format!("{} datanodes, none dead or stale", dns.len()),
        ));
    }
    out
}

/// Certificates missing, expired or close to expiry, and pods on an old one.
pub fn certificates(report: &Gathered<StatusReport>) -> Vec<Finding> {
    const CHECK: &str = "certificates";
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            return vec![Finding::not_checked(
                CHECK,
                "",
                e.clone(),
                "needs get on secrets and configmaps in the namespace",
            )];
        }
    };
    if report.mode == "none" {
        return vec![Finding::ok(CHECK, "", "TLS is off: no certificates")];
    }
    let mut out = Vec::new();
    for c in &report.certificates {
        if let Some(problem) = &c.problem {
            let expired = c.days_left.is_some_and(|d| d < 0) || c.certificate.is_none();
            out.push(Finding::bad(
                if expired {
                    Verdict::Error
                } else {
                    Verdict::Warning
                },
                CHECK,
                c.secret_name.clone(),
                problem.clone(),
                if c.certificate.is_none() {
                    "kubectl ozone cert issue (managed TLS) or check the cert-manager Certificate"
                } else {
                    "kubectl ozone cert rotate"
                },
            ));
        } else if c.all_pods_current == Some(false) {
            out.push(Finding::bad(
                Verdict::Warning,
                CHECK,
                c.secret_name.clone(),
                "some pods still run the previous certificate".to_owned(),
                "kubectl ozone cert rotate restarts them in a quorum-safe order",
            ));
        }
    }
    if out.is_empty() {
        let least = report.certificates.iter().filter_map(|c| c.days_left).min();
        out.push(Finding::ok(
            CHECK,
            "",
            match least {
                Some(d) => format!(
                    "{} certificates, the first expires in {d} days",
                    report.certificates.len()
                ),
                None => format!("{} certificates", report.certificates.len()),
            },
        ));
    }
    out
}

/// The labels pods of a component carry: from a pod, else the workload's template.
fn component_labels(view: &ClusterView, c: Component) -> Option<Labels> {
    if let Some(p) = view.pods_of(c).first() {
        return p.metadata.labels.clone();
    }
    let sts = view
        .statefulset(c)
        .and_then(|s| s.spec.as_ref())
        .map(|s| &s.template);
    let deploy = view
        .deployments
        .iter()
        .find(|d| component_of(&d.metadata) == Some(c))
        .and_then(|d| d.spec.as_ref())
        .map(|s| &s.template);
    sts.or(deploy)
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.labels.clone())
}

/// A container port's number by name, as the pods declare it.
fn port_number(view: &ClusterView, c: Component, name: &str, default: u16) -> i32 {
    view.pods_of(c)
        .first()
        .and_then(|p| p.spec.as_ref())
        .and_then(|s| {
            s.containers
                .iter()
                .flat_map(|k| k.ports.iter().flatten())
                .find(|p| p.name.as_deref() == Some(name))
        })
        .map_or(i32::from(default), |p| p.container_port)
}

fn port_admitted(ports: Option<&Vec<NetworkPolicyPort>>, name: &str, number: i32) -> bool {
    let Some(ports) = ports.filter(|p| !p.is_empty()) else {
        return true;
    };
    ports.iter().any(|p| {
        if p.protocol.as_deref().is_some_and(|pr| pr != "TCP") {
            return false;
        }
        match &p.port {
            None => true,
            Some(IntOrString::String(n)) => n == name,
            Some(IntOrString::Int(n)) => {
                *n == number || p.end_port.is_some_and(|end| *n <= number && number <= end)
            }
        }
    })
}

fn peer_matches(peer: &NetworkPolicyPeer, namespace: &str, labels: &Labels) -> bool {
    if peer.ip_block.is_some() {
        // Pod IPs change; an ipBlock is not a way to admit pods, so it counts as no match.
        return false;
    }
    let ns_labels: Labels = BTreeMap::from([(
        ozone_generator::objects::network::NAMESPACE_NAME_LABEL.to_owned(),
        namespace.to_owned(),
    )]);
    let ns_ok = peer
        .namespace_selector
        .as_ref()
        .is_none_or(|s| selector_matches(s, &ns_labels));
    let pod_ok = peer
        .pod_selector
        .as_ref()
        .is_none_or(|s| selector_matches(s, labels));
    ns_ok && pod_ok
}

/// Whether the policies let `from` pods reach `to` pods on a port, in one direction.
fn allowed(
    policies: &[NetworkPolicy],
    namespace: &str,
    from: &Labels,
    to: &Labels,
    port: (&str, i32),
    egress: bool,
) -> Result<(), Vec<String>> {
    let direction = if egress { "Egress" } else { "Ingress" };
    let subject = if egress { from } else { to };
    let selecting: Vec<&NetworkPolicy> = policies
        .iter()
        .filter(|p| {
            let Some(spec) = p.spec.as_ref() else {
                return false;
            };
            let types = spec.policy_types.clone().unwrap_or_else(|| {
                let mut t = vec!["Ingress".to_owned()];
                if spec.egress.is_some() {
                    t.push("Egress".into());
                }
                t
            });
            types.iter().any(|t| t == direction)
                && selector_matches(&spec.pod_selector.clone().unwrap_or_default(), subject)
        })
        .collect();
    if selecting.is_empty() {
        return Ok(());
    }
    let other = if egress { to } else { from };
    let admitted = selecting.iter().any(|p| {
        let spec = p.spec.as_ref().expect("filtered on spec");
        if egress {
            spec.egress.iter().flatten().any(|r| {
                port_admitted(r.ports.as_ref(), port.0, port.1)
                    && r.to.as_ref().is_none_or(|peers| {
                        peers
                            .iter()
                            .any(|peer| peer_matches(peer, namespace, other))
                    })
            })
        } else {
            spec.ingress.iter().flatten().any(|r| {
                port_admitted(r.ports.as_ref(), port.0, port.1)
                    && r.from.as_ref().is_none_or(|peers| {
                        peers
                            .iter()
                            .any(|peer| peer_matches(peer, namespace, other))
                    })
            })
        }
    });
    if admitted {
        Ok(())
    } else {
        Err(selecting.iter().map(|p| name_of(&p.metadata)).collect())
    }
}

/// Traffic paths between the cluster's components that the catalog says are needed and the
/// namespace's NetworkPolicies would block (ingress at the destination or egress at the
/// source).
pub fn network(view: &ClusterView, policies: &Gathered<Vec<NetworkPolicy>>) -> Vec<Finding> {
    const CHECK: &str = "network-policy";
    let policies = match policies {
        Ok(p) => p,
        Err(e) => {
            return vec![Finding::not_checked(
                CHECK,
                "",
                e.clone(),
                "needs list on networking.k8s.io networkpolicies",
            )];
        }
    };
    if policies.is_empty() {
        return vec![Finding::ok(
            CHECK,
            "",
            "no NetworkPolicies in the namespace: all traffic allowed",
        )];
    }
    let namespace = view.names.namespace();
    let present: Vec<(Component, Labels)> = Component::ALL
        .into_iter()
        .filter_map(|c| component_labels(view, c).map(|l| (c, l)))
        .collect();
    let mut out = Vec::new();
    let mut paths = 0;
    for (dest, dest_labels) in &present {
        for port in dest.service().ports {
            for peer in port.clients {
                let Peer::Component(src) = peer else { continue };
                let Some((_, src_labels)) = present.iter().find(|(c, _)| c == src) else {
                    continue;
                };
                paths += 1;
                let number = port_number(view, *dest, port.name, port.number);
                for egress in [false, true] {
                    if let Err(blocking) = allowed(
                        policies,
                        namespace,
                        src_labels,
                        dest_labels,
                        (port.name, number),
                        egress,
                    ) {
                        out.push(Finding::bad(
                            Verdict::Error,
                            CHECK,
                            format!("{} → {} {}", src.id(), dest.id(), port.name),
                            format!(
                                "{} {} port {} ({number}, {}) is blocked: {} select the {} pods and none admits it",
                                if egress { "egress from" } else { "ingress to" },
                                if egress { src.id() } else { dest.id() },
                                port.name,
                                port.purpose,
                                blocking.join(", "),
                                if egress { src.id() } else { dest.id() },
                            ),
                            format!("allow it in one of {} (kubectl ozone render writes policies that do), or remove the policy that isolates these pods", blocking.join(", ")),
                        ));
                    }
                }
            }
        }
    }
    if out.is_empty() {
        out.push(Finding::ok(
            CHECK,
            "",
            format!(
                "{} NetworkPolicies allow all {paths} paths between components",
                policies.len()
            ),
        ));
    }
    out
}
