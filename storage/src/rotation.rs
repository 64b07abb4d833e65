//! Safe certificate rotation, as plans: the order in which pods restart to pick up new
//! certificates, and the phases of a CA rotation that never leave a client with an untrusted
//! peer. Pure: the plugin executes the steps; this module decides them.
//!
//! Ozone's HTTP servers read their keystore at start, so a new certificate reaches a pod only
//! when the pod restarts. Restarts must keep Raft quorums (one OM or SCM at a time, the leader
//! last and only after leadership moved away) and data available (one datanode at a time, only
//! while the others are healthy).

use crate::component::Component;
use std::fmt;

/// A pod's role in its Raft ring, as `ozone admin om|scm roles --json` report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaftRole {
    /// Leader.
    Leader,
    /// Follower (or listener).
    Follower,
}

/// What the plan needs to know about a pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodState {
    /// Component.
    pub component: Component,
    /// Pod name.
    pub pod: String,
    /// Whether it is ready now.
    pub ready: bool,
    /// Raft role, for OM and SCM pods.
    pub role: Option<RaftRole>,
    /// The id `ozone admin … transfer --new-leader-id` takes for this member.
    pub raft_id: Option<String>,
}

/// One step of a rolling restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Move leadership of a ring to another member before its leader restarts.
    TransferLeadership {
        /// OM or SCM.
        component: Component,
        /// The current leader's pod.
        from: String,
        /// The new leader's Raft id.
        to: String,
    },
    /// Delete the pod so its controller recreates it, then wait until it is ready. When
    /// `others_ready` is set, every other pod of the component must be ready first.
    Restart {
        /// Component.
        component: Component,
        /// Pod name.
        pod: String,
        /// Wait for the rest of the component to be ready before restarting.
        others_ready: bool,
    },
}

/// Why no safe plan exists.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A Raft ring has no leader.
    #[error("{0} has no Raft leader; fix the ring before rotating (or skip this check)")]
    NoLeader(Component),
    /// A Raft ring has no follower to take over leadership.
    #[error("{0} has no ready follower to take over leadership")]
    NoFollower(Component),
    /// A pod is not ready.
    #[error("{pod} is not ready; a restart now could lose quorum or data availability")]
    NotReady {
        /// Pod name.
        pod: String,
    },
}

/// Restart order of components: metadata rings first, then data, then gateways.
const ORDER: [Component; 6] = [
    Component::Scm,
    Component::Om,
    Component::Datanode,
    Component::S3g,
    Component::Recon,
    Component::Httpfs,
];

/// The rolling restart of `components`, given the state of every pod of the cluster.
///
/// Raft rings of several members restart followers first, then transfer leadership to a
/// follower, then restart the old leader. A single-member ring restarts as is (there is no
/// one to hand over to). Datanodes restart one at a time, each only when all others are ready.
/// Pre-flight: every pod of a rotated component must be ready now, and every ring of several
/// members must have a leader and a follower to hand over to.
pub fn restart_order(pods: &[PodState], components: &[Component]) -> Result<Vec<Step>, PlanError> {
    match degraded(pods, components).into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(restart_order_anyway(pods, components)),
    }
}

/// Every reason [`restart_order`] would refuse, in restart order: pods not ready, rings
/// without a leader or without a follower to take over.
pub fn degraded(pods: &[PodState], components: &[Component]) -> Vec<PlanError> {
    let mut out = Vec::new();
    for component in ORDER.into_iter().filter(|c| components.contains(c)) {
        let members = members(pods, component);
        out.extend(
            members
                .iter()
                .filter(|p| !p.ready)
                .map(|p| PlanError::NotReady { pod: p.pod.clone() }),
        );
        if is_ring(component, &members) {
            match members.iter().find(|p| p.role == Some(RaftRole::Leader)) {
                None => out.push(PlanError::NoLeader(component)),
                Some(leader) if successor(&members, leader).is_none() => {
                    out.push(PlanError::NoFollower(component));
                }
                Some(_) => {}
            }
        }
    }
    out
}

/// The rolling restart when the user chose to go ahead although [`degraded`] found problems.
/// A ring without a leader, or without a follower to take over, restarts its members one at
/// a time without a transfer: there is no leadership to keep.
pub fn restart_order_anyway(pods: &[PodState], components: &[Component]) -> Vec<Step> {
    let mut steps = Vec::new();
    for component in ORDER.into_iter().filter(|c| components.contains(c)) {
        let members = members(pods, component);
        let leader = members
            .iter()
            .find(|p| p.role == Some(RaftRole::Leader))
            .filter(|_| is_ring(component, &members));
        let handover = leader.and_then(|l| successor(&members, l).map(|to| (l, to)));
        if let Some((leader, to)) = handover {
            for f in members.iter().filter(|p| p.pod != leader.pod) {
                steps.push(Step::Restart {
                    component,
                    pod: f.pod.clone(),
                    others_ready: true,
                });
            }
            steps.push(Step::TransferLeadership {
                component,
                from: leader.pod.clone(),
                to: to.to_owned(),
            });
            steps.push(Step::Restart {
                component,
                pod: leader.pod.clone(),
                others_ready: true,
            });
        } else {
            let ring = component.service().raft_port.is_some() && members.len() > 1;
            for p in members {
                steps.push(Step::Restart {
                    component,
                    pod: p.pod.clone(),
                    others_ready: ring || component == Component::Datanode,
                });
            }
        }
    }
    steps
}

/// Pods of a component, by ordinal.
fn members(pods: &[PodState], component: Component) -> Vec<&PodState> {
    let mut members: Vec<&PodState> = pods.iter().filter(|p| p.component == component).collect();
    members.sort_by(|a, b| natural_key(&a.pod).cmp(&natural_key(&b.pod)));
    members
}

fn is_ring(component: Component, members: &[&PodState]) -> bool {
    component.service().raft_port.is_some() && members.len() > 1
}

/// The Raft id of the first follower that can take over from `leader`.
fn successor<'a>(members: &[&'a PodState], leader: &PodState) -> Option<&'a str> {
    members
        .iter()
        .filter(|p| p.pod != leader.pod)
        .find_map(|p| p.raft_id.as_deref())
}

/// Sorts `ozone-datanode-10` after `ozone-datanode-9`.
fn natural_key(pod: &str) -> (&str, u64) {
    match pod.rsplit_once('-') {
        Some((stem, n)) => (stem, n.parse().unwrap_or(u64::MAX)),
        None => (pod, 0),
    }
}

/// The `ozone admin` arguments that move leadership (long options only, reference §0 item 6).
pub fn transfer_argv(component: Component, service_id: &str, new_leader_id: &str) -> Vec<String> {
    let which = if component == Component::Om {
        "om"
    } else {
        "scm"
    };
    [
        "ozone",
        "admin",
        which,
        "transfer",
        "--service-id",
        service_id,
        "--new-leader-id",
        new_leader_id,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A CA rotation, as the last phase completed. Recorded in the cluster (an annotation on the CA
/// Secret) after each phase, so a rotation interrupted anywhere resumes by re-running it; every
/// action is idempotent, so repeating the one that was cut off is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CaPhase {
    /// Nothing done yet.
    Started,
    /// The new CA is in every truststore Secret (beside the old one).
    NewCaTrusted,
    /// Every pod restarted and trusts both CAs.
    RestartedTrustingBoth,
    /// Every leaf certificate is re-issued from the new CA.
    LeavesReissued,
    /// Every pod restarted and presents a leaf from the new CA.
    RestartedWithNewLeaves,
    /// The old CA is gone from every truststore.
    OldCaRemoved,
    /// Every pod restarted and trusts only the new CA: done.
    Done,
}

/// What to do next in a CA rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaAction {
    /// Add the new CA to every truststore Secret.
    TrustNewCa,
    /// Restart every pod (with [`restart_order`]).
    RestartAll,
    /// Issue every leaf again from the new CA.
    ReissueLeaves,
    /// Remove the old CA from every truststore Secret.
    DropOldCa,
}

impl CaPhase {
    /// Every phase, in order.
    pub const ALL: [CaPhase; 7] = [
        CaPhase::Started,
        CaPhase::NewCaTrusted,
        CaPhase::RestartedTrustingBoth,
        CaPhase::LeavesReissued,
        CaPhase::RestartedWithNewLeaves,
        CaPhase::OldCaRemoved,
        CaPhase::Done,
    ];

    /// The action that leads to the next phase, or `None` when done.
    pub fn next_action(self) -> Option<(CaAction, CaPhase)> {
        match self {
            CaPhase::Started => Some((CaAction::TrustNewCa, CaPhase::NewCaTrusted)),
            CaPhase::NewCaTrusted => Some((CaAction::RestartAll, CaPhase::RestartedTrustingBoth)),
            CaPhase::RestartedTrustingBoth => {
                Some((CaAction::ReissueLeaves, CaPhase::LeavesReissued))
            }
            CaPhase::LeavesReissued => {
                Some((CaAction::RestartAll, CaPhase::RestartedWithNewLeaves))
            }
            CaPhase::RestartedWithNewLeaves => Some((CaAction::DropOldCa, CaPhase::OldCaRemoved)),
            CaPhase::OldCaRemoved => Some((CaAction::RestartAll, CaPhase::Done)),
            CaPhase::Done => None,
        }
    }

    /// The annotation value recording this phase.
    pub fn as_str(self) -> &'static str {
        match self {
            CaPhase::Started => "started",
            CaPhase::NewCaTrusted => "new-ca-trusted",
            CaPhase::RestartedTrustingBoth => "restarted-trusting-both",
            CaPhase::LeavesReissued => "leaves-reissued",
            CaPhase::RestartedWithNewLeaves => "restarted-with-new-leaves",
            CaPhase::OldCaRemoved => "old-ca-removed",
            CaPhase::Done => "done",
        }
    }

    /// Reads an annotation value; `None` for anything else (the plugin then refuses to guess).
    pub fn parse(value: &str) -> Option<CaPhase> {
        CaPhase::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

impl fmt::Display for CaPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn pod(component: Component, i: usize, role: Option<RaftRole>) -> PodState {
        PodState {
            component,
            pod: format!("ozone-{}-{i}", component.id()),
            ready: true,
            role,
            raft_id: role.map(|_| format!("{}-id-{i}", component.id())),
        }
    }

    fn ha_cluster() -> Vec<PodState> {
        let mut pods = Vec::new();
        for c in [Component::Om, Component::Scm] {
            for i in 0..3 {
                pods.push(pod(
                    c,
                    i,
                    Some(if i == 1 {
                        RaftRole::Leader
                    } else {
                        RaftRole::Follower
                    }),
                ));
            }
        }
        for i in 0..11 {
            pods.push(pod(Component::Datanode, i, None));
        }
        pods.push(pod(Component::S3g, 0, None));
        pods.push(pod(Component::Recon, 0, None));
        pods
    }

    #[test]
    fn followers_first_then_transfer_then_leader_and_gateways_last() {
        let steps = restart_order(&ha_cluster(), &Component::ALL).unwrap();
        let om: Vec<&Step> = steps
            .iter()
            .filter(|s| {
                matches!(
                    s,
                    Step::Restart {
                        component: Component::Om,
                        ..
                    } | Step::TransferLeadership {
                        component: Component::Om,
                        ..
                    }
                )
            })
            .collect();
        assert_eq!(
            om,
            vec![
                &Step::Restart {
                    component: Component::Om,
                    pod: "ozone-om-0".into(),
                    others_ready: true
                },
                &Step::Restart {
                    component: Component::Om,
                    pod: "ozone-om-2".into(),
                    others_ready: true
                },
                &Step::TransferLeadership {
                    component: Component::Om,
                    from: "ozone-om-1".into(),
                    to: "om-id-0".into()
                },
                &Step::Restart {
                    component: Component::Om,
                    pod: "ozone-om-1".into(),
                    others_ready: true
                },
            ]
        );
        let position = |pod: &str| {
            steps
                .iter()
                .position(|s| matches!(s, Step::Restart { pod: p, .. } if p == pod))
                .unwrap()
        };
        assert!(position("ozone-scm-1") < position("ozone-om-0"));
        assert!(position("ozone-datanode-9") < position("ozone-datanode-10"));
        assert!(position("ozone-datanode-10") < position("ozone-s3g-0"));
        assert!(position("ozone-s3g-0") < position("ozone-recon-0"));
        let dn_steps = steps
            .iter()
            .filter(|s| {
                matches!(
                    s,
                    Step::Restart {
                        component: Component::Datanode,
                        others_ready: true,
                        ..
                    }
                )
            })
            .count();
        assert_eq!(dn_steps, 11);
    }

    #[test]
    fn refuses_when_degraded() {
        let mut pods = ha_cluster();
        pods[4].ready = false;
        assert_eq!(
            restart_order(&pods, &Component::ALL),
            Err(PlanError::NotReady {
                pod: "ozone-scm-1".into()
            })
        );
        let mut leaderless = ha_cluster();
        for p in leaderless
            .iter_mut()
            .filter(|p| p.component == Component::Om)
        {
            p.role = Some(RaftRole::Follower);
        }
        assert_eq!(
            restart_order(&leaderless, &[Component::Om]),
            Err(PlanError::NoLeader(Component::Om))
        );
        // Rotating only S3G does not care about a degraded OM ring.
        assert!(restart_order(&leaderless, &[Component::S3g]).is_ok());
    }

    #[test]
    fn going_ahead_anyway_lists_every_problem_and_still_restarts_one_at_a_time() {
        let mut pods = ha_cluster();
        pods[4].ready = false;
        for p in pods.iter_mut().filter(|p| p.component == Component::Om) {
            p.role = Some(RaftRole::Follower);
        }
        assert_eq!(
            degraded(&pods, &Component::ALL),
            vec![
                PlanError::NotReady {
                    pod: "ozone-scm-1".into()
                },
                PlanError::NoLeader(Component::Om),
            ]
        );
        let steps = restart_order_anyway(&pods, &Component::ALL);
        // The leaderless OM ring restarts in ordinal order, without a transfer.
        let om: Vec<&Step> = steps
            .iter()
            .filter(|s| {
                matches!(
                    s,
                    Step::Restart {
                        component: Component::Om,
                        ..
                    } | Step::TransferLeadership {
                        component: Component::Om,
                        ..
                    }
                )
            })
            .collect();
        assert_eq!(om.len(), 3);
        assert!(om.iter().all(|s| matches!(
            s,
            Step::Restart {
                others_ready: true,
                ..
            }
        )));
        // The SCM ring still has a leader: followers, transfer, leader.
        assert!(steps.contains(&Step::TransferLeadership {
            component: Component::Scm,
            from: "ozone-scm-1".into(),
            to: "scm-id-0".into()
        }));
        // Without problems both functions agree.
        let healthy = ha_cluster();
        assert!(degraded(&healthy, &Component::ALL).is_empty());
        assert_eq!(
            restart_order(&healthy, &Component::ALL).unwrap(),
            restart_order_anyway(&healthy, &Component::ALL)
        );
    }

    #[test]
    fn transfer_uses_long_options() {
        assert_eq!(
            transfer_argv(Component::Scm, "ozone", "id-2").join(" "),
            "ozone admin scm transfer --service-id ozone --new-leader-id id-2"
        );
    }

    /// The trust state of one pod: which CAs its running truststore has, and which CA signed
    /// the leaf it presents. A pod's running state changes only when it restarts.
    #[derive(Clone, Debug)]
    struct Pod {
        trusts: BTreeSet<&'static str>,
        leaf: &'static str,
    }

    /// The cluster's Secrets (what a restart picks up) and its running pods.
    #[derive(Clone, Debug)]
    struct World {
        secret_trusts: BTreeSet<&'static str>,
        secret_leaf: &'static str,
        pods: Vec<Pod>,
        phase: CaPhase,
    }

    impl World {
        fn new(n: usize) -> World {
            let pod = Pod {
                trusts: BTreeSet::from(["old"]),
                leaf: "old",
            };
            World {
                secret_trusts: BTreeSet::from(["old"]),
                secret_leaf: "old",
                pods: vec![pod; n],
                phase: CaPhase::Started,
            }
        }

        /// Every pod trusts every other pod's leaf.
        fn consistent(&self) -> bool {
            self.pods
                .iter()
                .all(|a| self.pods.iter().all(|b| a.trusts.contains(b.leaf)))
        }

        /// Runs one unit of work of the next action; returns false when the action completed
        /// and the phase was recorded. `restarted` counts pods already restarted in this action.
        fn act(&mut self, action: CaAction, restarted: &mut usize) -> bool {
            match action {
                CaAction::TrustNewCa => {
                    self.secret_trusts.insert("new");
                }
                CaAction::ReissueLeaves => self.secret_leaf = "new",
                CaAction::DropOldCa => {
                    self.secret_trusts.remove("old");
                }
                CaAction::RestartAll => {
                    if *restarted < self.pods.len() {
                        self.pods[*restarted] = Pod {
                            trusts: self.secret_trusts.clone(),
                            leaf: self.secret_leaf,
                        };
                        *restarted += 1;
                        return true;
                    }
                }
            }
            false
        }
    }

    proptest! {
        /// Interrupt the rotation at arbitrary points (losing whatever progress was not yet
        /// recorded) and re-run it: it always finishes, and no pod ever distrusts another.
        #[test]
        fn ca_rotation_survives_any_interruption(n in 1usize..6, crashes in prop::collection::vec(0usize..40, 0..6)) {
            let mut world = World::new(n);
            let mut ticks = 0usize;
            let mut runs = 0;
            while world.phase != CaPhase::Done {
                runs += 1;
                prop_assert!(runs < 20, "no progress");
                // A run resumes from the recorded phase.
                let mut restarted = 0;
                'run: while let Some((action, next)) = world.phase.next_action() {
                    loop {
                        ticks += 1;
                        prop_assert!(world.consistent(), "inconsistent at {:?}: {:?}", world.phase, world.pods);
                        if crashes.contains(&ticks) {
                            break 'run;
                        }
                        if !world.act(action, &mut restarted) {
                            break;
                        }
                    }
                    world.phase = next;
                    restarted = 0;
                }
            }
            prop_assert!(world.pods.iter().all(|p| p.leaf == "new" && p.trusts == BTreeSet::from(["new"])));
        }
    }

    fn arbitrary_cluster() -> impl Strategy<Value = Vec<PodState>> {
        (
            1usize..6,
            1usize..6,
            prop::option::of(0usize..6),
            prop::option::of(0usize..6),
            0usize..13,
            0usize..3,
            prop::collection::vec(any::<bool>(), 40),
        )
            .prop_map(|(scm, om, scm_leader, om_leader, dn, s3g, ready)| {
                let mut pods = Vec::new();
                for (c, n, leader) in [
                    (Component::Scm, scm, scm_leader),
                    (Component::Om, om, om_leader),
                ] {
                    for i in 0..n {
                        let role = if Some(i) == leader {
                            RaftRole::Leader
                        } else {
                            RaftRole::Follower
                        };
                        pods.push(pod(c, i, Some(role)));
                    }
                }
                pods.extend((0..dn).map(|i| pod(Component::Datanode, i, None)));
                pods.extend((0..s3g).map(|i| pod(Component::S3g, i, None)));
                for (p, r) in pods.iter_mut().zip(ready) {
                    p.ready = r;
                }
                pods
            })
    }

    proptest! {
        /// Whatever state the cluster is in: every pod restarts exactly once, components in
        /// order, datanodes each behind a readiness gate, and a ring's leader only after its
        /// followers and after leadership moved away from it. Without problems the checked
        /// plan is the same plan.
        #[test]
        fn every_plan_restarts_each_pod_once_and_the_leader_last(pods in arbitrary_cluster()) {
            let steps = restart_order_anyway(&pods, &Component::ALL);
            let restarted: Vec<&str> = steps
                .iter()
                .filter_map(|s| match s {
                    Step::Restart { pod, .. } => Some(pod.as_str()),
                    Step::TransferLeadership { .. } => None,
                })
                .collect();
            prop_assert_eq!(restarted.len(), pods.len());
            let unique: BTreeSet<&str> = restarted.iter().copied().collect();
            prop_assert_eq!(unique.len(), pods.len());
            let component_of = |s: &Step| match s {
                Step::Restart { component, .. } | Step::TransferLeadership { component, .. } => *component,
            };
            prop_assert!(steps.windows(2).all(|w| component_of(&w[0]) <= component_of(&w[1])));
            for s in &steps {
                if let Step::Restart { component: Component::Datanode, others_ready, .. } = s {
                    prop_assert!(*others_ready);
                }
            }
            for (i, s) in steps.iter().enumerate() {
                if let Step::TransferLeadership { component, from, to } = s {
                    let ring: Vec<&PodState> = pods.iter().filter(|p| p.component == *component).collect();
                    prop_assert!(ring.len() > 1);
                    prop_assert!(ring.iter().any(|p| p.pod == *from && p.role == Some(RaftRole::Leader)));
                    prop_assert!(ring.iter().any(|p| p.pod != *from && p.raft_id.as_deref() == Some(to.as_str())));
                    // Every follower before, the leader right after.
                    let position = |pod: &str| steps.iter().position(|s| matches!(s, Step::Restart { pod: p, .. } if p == pod));
                    for p in ring.iter().filter(|p| p.pod != *from) {
                        prop_assert!(position(&p.pod) < Some(i));
                    }
                    prop_assert_eq!(position(from), Some(i + 1));
                }
            }
            let problems = degraded(&pods, &Component::ALL);
            match restart_order(&pods, &Component::ALL) {
                Ok(checked) => {
                    prop_assert!(problems.is_empty());
                    prop_assert_eq!(checked, steps);
                }
                Err(e) => prop_assert_eq!(Some(&e), problems.first()),
            }
        }
    }

    #[test]
    fn phases_round_trip() {
        for p in CaPhase::ALL {
            assert_eq!(CaPhase::parse(p.as_str()), Some(p));
        }
        assert_eq!(CaPhase::parse("half-done"), None);
    }
}
