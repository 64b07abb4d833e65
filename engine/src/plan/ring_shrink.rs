//! Shrinking an OM or SCM Raft ring, as a plan. The leaving members are the highest ordinals.
//! Before any of them leaves, leadership moves to a member that stays; OMs that stay must
//! have the leaving node ids in `ozone.om.decommissioned.nodes.<service id>` (Ozone's
//! `om decommission` checks every OM's configuration for it, unless `--force`), so the key is
//! set in the ConfigMap and the remaining OMs restart to read it; then each leaving member is
//! removed with `ozone admin om|scm decommission` (reference §6) and waited for until the
//! roles no longer list it; then the StatefulSet is scaled down. PVCs of removed ordinals are
//! kept.
//!
//! Refused: an even target (a ring of 2 tolerates no failure, one of 4 no more than 3), a
//! target of 1 unless `--allow-ring-to-single` is given, and a shrink in which the remaining
//! members are not a majority of the ring they leave (it would depend on the leaving members
//! until the last one is gone; shrink in steps). An unhealthy ring (a member missing from the
//! roles or neither LEADER nor FOLLOWER, no leader, a remaining pod not ready) is refused too:
//! removing a member changes the Raft configuration, which needs a majority of both the old
//! and the new ring.
//!
//! Pure: the roles, pods and ConfigMap value are passed in, so every plan and refusal is
//! unit-tested.

use super::transitions::{Kind, Transition, Verdict};
use ozone_storage::{Component, ConfigFile};
use std::collections::BTreeSet;

/// The flag that lets a ring shrink to one member.
pub const ALLOW_SINGLE_FLAG: &str = "--allow-ring-to-single";

/// The pod annotation recording the decommissioned node list an OM started with, so a resumed
/// run does not restart it again.
pub const DECOMMISSIONED_ANNOTATION: &str = "ozone.apache.org/decommissioned-nodes";

/// One ring member as `ozone admin om|scm roles --json` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleEntry {
    /// Pod name (the short host name).
    pub pod: String,
    /// Full host name.
    pub host: String,
    /// Node id (the OM node id; the SCM's Raft peer id), when reported.
    pub node_id: Option<String>,
    /// `LEADER`, `FOLLOWER`, …
    pub role: String,
}

impl RoleEntry {
    fn is(&self, role: &str) -> bool {
        self.role.trim().eq_ignore_ascii_case(role)
    }

    fn steady(&self) -> bool {
        self.is("LEADER") || self.is("FOLLOWER")
    }
}

/// A member that leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaving {
    /// Pod.
    pub pod: String,
    /// Host name (`--node-host-address` for OM).
    pub host: String,
    /// Node id, when still in the ring.
    pub node_id: Option<String>,
    /// Whether the roles still list it (absent: decommissioned by an earlier run).
    pub in_ring: bool,
}

/// A leadership transfer before the shrink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The leaving leader's pod.
    pub from: String,
    /// The remaining member taking over: pod.
    pub to_pod: String,
    /// Its Raft id.
    pub to_id: String,
}

/// What a shrink does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShrinkPlan {
    /// OM or SCM.
    pub component: Component,
    /// The StatefulSet.
    pub statefulset: String,
    /// Replicas now.
    pub from: i32,
    /// Replicas after.
    pub to: i32,
    /// The ring's service id.
    pub service_id: String,
    /// Pods that stay, by ordinal.
    pub remaining: Vec<String>,
    /// Pods that leave, highest ordinal first.
    pub leaving: Vec<Leaving>,
    /// Leadership to move first, when a leaving member leads.
    pub transfer: Option<Transfer>,
    /// The ConfigMap entry (env name, value) the remaining OMs must start with before a
    /// decommission: set while a leaving member is still in the ring.
    pub decommissioned_key: Option<(String, String)>,
    /// Whether that entry is in the ConfigMap already.
    pub key_set: bool,
}

impl ShrinkPlan {
    /// Leaving members still in the ring, highest ordinal first.
    pub fn to_decommission(&self) -> impl Iterator<Item = &Leaving> {
        self.leaving.iter().filter(|l| l.in_ring)
    }

    /// The PVCs of the leaving ordinals, which are kept.
    pub fn kept_pvcs(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .leaving
            .iter()
            .map(|l| format!("data-{}", l.pod))
            .collect();
        out.reverse();
        out
    }
}

/// The ConfigMap variable naming the decommissioned OMs of `service_id`.
pub fn decommissioned_env(service_id: &str) -> String {
    ConfigFile::OzoneSite.env_name(&format!("ozone.om.decommissioned.nodes.{service_id}"))
}

/// Why the ring may not shrink from `from` to `to` members, if it may not.
pub fn target_problem(
    component: Component,
    from: i32,
    to: i32,
    allow_single: bool,
) -> Option<String> {
    let c = component.id().to_uppercase();
    if to < 1 {
        return Some(format!(
            "Ozone cannot run without its {c}; keep at least one member"
        ));
    }
    if to % 2 == 0 {
        let majority = to / 2 + 1;
        return Some(if to == 2 {
            format!(
                "a ring of 2 needs both members for a majority (2 of 2), so it stops when either fails: no fault tolerance, like a ring of 1 at twice the cost; shrink to 3, or to 1 with {ALLOW_SINGLE_FLAG}"
            )
        } else {
            format!(
                "a ring of {to} needs {majority} members for a majority, so it survives {} failure(s), no more than a ring of {}; choose an odd count",
                to - majority,
                to - 1
            )
        });
    }
    if to == 1 {
        if !allow_single {
            return Some(format!(
                "a ring of 1 has no fault tolerance: when the {c} pod restarts or fails, the cluster stops; apply carries it out only with {ALLOW_SINGLE_FLAG} (type the cluster name on a terminal, or pass {ALLOW_SINGLE_FLAG}=<cluster name>)"
            ));
        }
        if from > 3 {
            return Some(format!(
                "from {from} members shrink to 3 first: while a ring of {from} shrinks to 1 it depends on members that are leaving"
            ));
        }
        return None;
    }
    if to <= from / 2 {
        let step = from / 2 + 1 + (from / 2 + 1 + 1) % 2;
        return Some(format!(
            "the {to} remaining members are not a majority of the {from}-member ring, so until the last leaving member is gone the ring depends on members that are leaving; shrink in steps ({from} → {} first)",
            step.min(from - 1)
        ));
    }
    None
}

/// What the planner reads from the cluster.
#[derive(Clone, Debug)]
pub struct Inputs<'a> {
    /// OM or SCM.
    pub component: Component,
    /// The StatefulSet.
    pub statefulset: &'a str,
    /// Replicas now.
    pub from: i32,
    /// Replicas after.
    pub to: i32,
    /// `--allow-ring-to-single` was given.
    pub allow_single: bool,
    /// Pod name and host name of ordinals `0..from`.
    pub members: &'a [(String, String)],
    /// Pods Kubernetes reports ready.
    pub ready: &'a BTreeSet<String>,
    /// The ring's roles.
    pub roles: &'a [RoleEntry],
    /// The ring's service id, from the ConfigMap.
    pub service_id: Option<&'a str>,
    /// The decommissioned-nodes entry in the ConfigMap now (OM).
    pub config_value: Option<&'a str>,
}

/// Plans the shrink, or says why it is refused.
pub fn plan(i: &Inputs<'_>) -> Result<ShrinkPlan, String> {
    let c = i.component.id();
    if let Some(problem) = target_problem(i.component, i.from, i.to, i.allow_single) {
        return Err(problem);
    }
    let service_id = i
        .service_id
        .ok_or_else(|| format!("the cluster's ConfigMap names no {c} service id, which `ozone admin {c} decommission` and transfers need"))?
        .to_owned();
    let role_of = |pod: &str| i.roles.iter().find(|r| r.pod == pod);
    let mut problems = Vec::new();
    let (stay, go) = i.members.split_at((i.to as usize).min(i.members.len()));
    for (pod, _) in stay {
        match role_of(pod) {
            None => problems.push(format!("{pod} is not listed by `ozone admin {c} roles`")),
            Some(r) if !r.steady() => {
                problems.push(format!("{pod} is {} (neither LEADER nor FOLLOWER)", r.role))
            }
            Some(_) => {}
        }
        if !i.ready.contains(pod) {
            problems.push(format!("pod {pod} is not ready"));
        }
    }
    let mut leaving = Vec::new();
    for (pod, host) in go.iter().rev() {
        let role = role_of(pod);
        if let Some(r) = role {
            if !r.steady() {
                problems.push(format!("{pod} is {} (neither LEADER nor FOLLOWER)", r.role));
            }
            if r.node_id.is_none() {
                problems.push(format!(
                    "`ozone admin {c} roles` reports no node id for {pod}"
                ));
            }
        }
        leaving.push(Leaving {
            pod: pod.clone(),
            host: role.map_or_else(|| host.clone(), |r| r.host.clone()),
            node_id: role.and_then(|r| r.node_id.clone()),
            in_ring: role.is_some(),
        });
    }
    let strangers: Vec<&str> = i
        .roles
        .iter()
        .filter(|r| !i.members.iter().any(|(p, _)| *p == r.pod))
        .map(|r| r.pod.as_str())
        .collect();
    if !strangers.is_empty() {
        problems.push(format!(
            "the ring has members that are no pod of {}: {}",
            i.statefulset,
            strangers.join(", ")
        ));
    }
    let leaders: Vec<&RoleEntry> = i.roles.iter().filter(|r| r.is("LEADER")).collect();
    if leaders.len() != 1 {
        problems.push(format!("the ring has {} leaders, not one", leaders.len()));
    }
    if !problems.is_empty() {
        return Err(format!(
            "the {} ring is not healthy, and removing a member needs a majority of both the old and the new ring: {}",
            c.to_uppercase(),
            problems.join("; ")
        ));
    }
    let remaining: Vec<String> = stay.iter().map(|(p, _)| p.clone()).collect();
    let leader = leaders[0];
    let transfer = if remaining.contains(&leader.pod) {
        None
    } else {
        let to = role_of(&remaining[0]).expect("checked above");
        Some(Transfer {
            from: leader.pod.clone(),
            to_pod: to.pod.clone(),
            to_id: to.node_id.clone().ok_or_else(|| {
                format!("`ozone admin {c} roles` reports no node id for {}", to.pod)
            })?,
        })
    };
    let still_in_ring: Vec<String> = leaving
        .iter()
        .filter(|l| l.in_ring)
        .filter_map(|l| l.node_id.clone())
        .collect();
    // An entry an earlier run set that still names every member to go is kept as it is: the
    // OMs that started with it need no second restart.
    let covering = i.config_value.filter(|v| {
        still_in_ring
            .iter()
            .all(|id| v.split(',').any(|listed| listed.trim() == id))
    });
    let decommissioned_key =
        (i.component == Component::Om && !still_in_ring.is_empty()).then(|| {
            let value = covering.map(str::to_owned).unwrap_or_else(|| {
                let mut ids = still_in_ring.clone();
                ids.sort();
                ids.join(",")
            });
            (decommissioned_env(&service_id), value)
        });
    let key_set = decommissioned_key
        .as_ref()
        .is_some_and(|(_, v)| i.config_value == Some(v.as_str()));
    Ok(ShrinkPlan {
        component: i.component,
        statefulset: i.statefulset.to_owned(),
        from: i.from,
        to: i.to,
        service_id,
        remaining,
        leaving,
        transfer,
        decommissioned_key,
        key_set,
    })
}

/// How `apply` shrinks the ring, the text of the transition when [`target_problem`] has no
/// objection.
pub fn how(component: Component, statefulset: &str, from: i32, to: i32) -> String {
    let c = component.id();
    let leaving: Vec<String> = (to..from)
        .rev()
        .map(|n| format!("{statefulset}-{n}"))
        .collect();
    let config = if component == Component::Om {
        "ozone.om.decommissioned.nodes.<service id> names them in the ConfigMap and the remaining OMs restart one at a time to read it; "
    } else {
        ""
    };
    let decommission = if component == Component::Om {
        "ozone admin om decommission --service-id S --nodeid N --node-host-address H"
    } else {
        "ozone admin scm decommission --nodeid N"
    };
    format!(
        "{} leave{} (the highest ordinals): leadership moves to a remaining {c} if a leaving one leads; {config}each leaves with `{decommission}` and is waited for until `ozone admin {c} roles` no longer lists it; then {statefulset} is scaled to {to} and the pods restart for the new ring configuration; the leaving members' PVCs are kept",
        leaving.join(", "),
        if leaving.len() == 1 { "s" } else { "" },
    )
}

/// The verdict and text of a ring shrink transition from `from` to `to` members of
/// `statefulset`, as `diff` shows it: a target of 1 is refused there, `apply` with
/// [`ALLOW_SINGLE_FLAG`] lifts that refusal through [`allow_single`].
pub fn transition(
    component: Component,
    statefulset: &str,
    from: i32,
    to: i32,
) -> (Verdict, String) {
    match target_problem(component, from, to, false) {
        None => (Verdict::Apply, how(component, statefulset, from, to)),
        Some(problem) if to == 1 && target_problem(component, from, to, true).is_none() => (
            Verdict::Refuse,
            format!(
                "{problem}; with it: {}",
                how(component, statefulset, from, to)
            ),
        ),
        Some(problem) => (Verdict::Refuse, format!("{problem}; nothing was changed")),
    }
}

/// Lifts the refusal of ring shrinks to one member (the user gave [`ALLOW_SINGLE_FLAG`]);
/// `statefulset` names each component's StatefulSet.
pub fn allow_single(transitions: &mut [Transition], statefulset: impl Fn(Component) -> String) {
    for t in transitions
        .iter_mut()
        .filter(|t| t.kind == Kind::RingShrink && t.to == "1" && t.refused())
    {
        let from: i32 = t.from.parse().unwrap_or(0);
        if target_problem(t.component, from, 1, true).is_none() {
            t.verdict = Verdict::Apply;
            t.how = how(t.component, &statefulset(t.component), from, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(n: i32) -> Vec<(String, String)> {
        (0..n)
            .map(|i| {
                (
                    format!("ozone-om-{i}"),
                    format!("ozone-om-{i}.ozone-om-headless.ozone.svc.cluster.local"),
                )
            })
            .collect()
    }

    fn roles(n: usize, leader: usize) -> Vec<RoleEntry> {
        (0..n)
            .map(|i| RoleEntry {
                pod: format!("ozone-om-{i}"),
                host: format!("ozone-om-{i}.ozone-om-headless.ozone.svc.cluster.local"),
                node_id: Some(format!("ozone-om-{i}")),
                role: if i == leader { "LEADER" } else { "FOLLOWER" }.into(),
            })
            .collect()
    }

    fn ready(n: i32) -> BTreeSet<String> {
        (0..n).map(|i| format!("ozone-om-{i}")).collect()
    }

    fn inputs<'a>(
        m: &'a [(String, String)],
        r: &'a [RoleEntry],
        ready: &'a BTreeSet<String>,
        from: i32,
        to: i32,
    ) -> Inputs<'a> {
        Inputs {
            component: Component::Om,
            statefulset: "ozone-om",
            from,
            to,
            allow_single: false,
            members: m,
            ready,
            roles: r,
            service_id: Some("ozone"),
            config_value: None,
        }
    }

    #[test]
    fn five_to_three_removes_the_two_highest_after_telling_the_others() {
        let (m, r, ready) = (members(5), roles(5, 1), ready(5));
        let p = plan(&inputs(&m, &r, &ready, 5, 3)).unwrap();
        assert_eq!(p.remaining, ["ozone-om-0", "ozone-om-1", "ozone-om-2"]);
        let leaving: Vec<&str> = p.leaving.iter().map(|l| l.pod.as_str()).collect();
        assert_eq!(leaving, ["ozone-om-4", "ozone-om-3"]);
        assert_eq!(p.transfer, None);
        assert_eq!(
            p.decommissioned_key,
            Some((
                "OZONE-SITE.XML_ozone.om.decommissioned.nodes.ozone".into(),
                "ozone-om-3,ozone-om-4".into()
            ))
        );
        assert!(!p.key_set);
        assert_eq!(p.kept_pvcs(), ["data-ozone-om-3", "data-ozone-om-4"]);
    }

    #[test]
    fn a_leaving_leader_hands_over_to_the_lowest_remaining_member() {
        let (m, r, ready) = (members(5), roles(5, 4), ready(5));
        let p = plan(&inputs(&m, &r, &ready, 5, 3)).unwrap();
        assert_eq!(
            p.transfer,
            Some(Transfer {
                from: "ozone-om-4".into(),
                to_pod: "ozone-om-0".into(),
                to_id: "ozone-om-0".into()
            })
        );
    }

    #[test]
    fn members_already_gone_are_not_decommissioned_again() {
        let (m, ready) = (members(5), ready(5));
        let r = roles(4, 0);
        let mut i = inputs(&m, &r, &ready, 5, 3);
        i.config_value = Some("ozone-om-3");
        let p = plan(&i).unwrap();
        let todo: Vec<&str> = p.to_decommission().map(|l| l.pod.as_str()).collect();
        assert_eq!(todo, ["ozone-om-3"]);
        assert!(p.key_set, "{p:?}");
        // The entry of the first run still names it: kept, so no OM restarts again.
        i.config_value = Some("ozone-om-3,ozone-om-4");
        let p = plan(&i).unwrap();
        assert!(p.key_set, "{p:?}");
        assert_eq!(
            p.decommissioned_key.map(|(_, v)| v).as_deref(),
            Some("ozone-om-3,ozone-om-4")
        );
        // Everyone gone: no configuration needed, only the scale.
        let r = roles(3, 0);
        let p = plan(&inputs(&m, &r, &ready, 5, 3)).unwrap();
        assert_eq!(p.to_decommission().count(), 0);
        assert_eq!(p.decommissioned_key, None);
    }

    #[test]
    fn even_targets_are_refused_with_the_quorum_math() {
        let two = target_problem(Component::Om, 3, 2, true).unwrap();
        assert!(
            two.contains("2 of 2") && two.contains("no fault tolerance"),
            "{two}"
        );
        let four = target_problem(Component::Scm, 5, 4, false).unwrap();
        assert!(
            four.contains("needs 3 members") && four.contains("no more than a ring of 3"),
            "{four}"
        );
        assert!(target_problem(Component::Om, 3, 0, true).is_some());
    }

    #[test]
    fn one_needs_the_flag_and_a_ring_of_at_most_three() {
        let no_flag = target_problem(Component::Om, 3, 1, false).unwrap();
        assert!(
            no_flag.contains("--allow-ring-to-single=<cluster name>"),
            "{no_flag}"
        );
        assert_eq!(target_problem(Component::Om, 3, 1, true), None);
        assert!(
            target_problem(Component::Om, 5, 1, true)
                .unwrap()
                .contains("shrink to 3 first")
        );
        assert_eq!(target_problem(Component::Om, 5, 3, false), None);
        let seven = target_problem(Component::Om, 7, 3, false).unwrap();
        assert!(
            seven.contains("not a majority") && seven.contains("7 → 5"),
            "{seven}"
        );
    }

    #[test]
    fn an_unhealthy_ring_is_refused() {
        let (m, ready) = (members(5), ready(5));
        let mut r = roles(5, 0);
        r[2].role = "CANDIDATE".into();
        let e = plan(&inputs(&m, &r, &ready, 5, 3)).unwrap_err();
        assert!(e.contains("ozone-om-2 is CANDIDATE"), "{e}");
        // A remaining member missing from the roles.
        let r: Vec<RoleEntry> = roles(5, 0)
            .into_iter()
            .filter(|e| e.pod != "ozone-om-1")
            .collect();
        let e = plan(&inputs(&m, &r, &ready, 5, 3)).unwrap_err();
        assert!(e.contains("ozone-om-1 is not listed"), "{e}");
        // No leader.
        let mut r = roles(5, 0);
        r[0].role = "FOLLOWER".into();
        let e = plan(&inputs(&m, &r, &ready, 5, 3)).unwrap_err();
        assert!(e.contains("0 leaders"), "{e}");
        // A remaining pod not ready.
        let r = roles(5, 0);
        let mut not_ready = ready.clone();
        not_ready.remove("ozone-om-0");
        let e = plan(&inputs(&m, &r, &not_ready, 5, 3)).unwrap_err();
        assert!(e.contains("pod ozone-om-0 is not ready"), "{e}");
    }

    #[test]
    fn scm_needs_no_configuration_entry() {
        let (m, r, ready) = (members(3), roles(3, 2), ready(3));
        let mut i = inputs(&m, &r, &ready, 3, 1);
        i.component = Component::Scm;
        i.allow_single = true;
        let p = plan(&i).unwrap();
        assert_eq!(p.decommissioned_key, None);
        assert_eq!(
            p.transfer.as_ref().map(|t| t.to_pod.as_str()),
            Some("ozone-om-0")
        );
        assert_eq!(p.leaving.len(), 2);
    }
}
