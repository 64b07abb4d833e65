//! Certificate rotation as data: what the restart planner needs to know about each pod (from
//! the pods and Ozone's Raft roles), the pre-flight checks, and which restarts are still
//! needed when a rotation that was cut off is run again.
//!
//! A pod records the fingerprint of the certificate it started with in the annotation
//! `ozone.apache.org/tls-fingerprint`. When a rotation is resumed, a pod whose annotation
//! equals the fingerprint in its Secret already serves the current certificate and needs no
//! restart.

use super::preflight::Check;
use crate::cluster::view::{ClusterView, is_ready};
use ozone_storage::Component;
use ozone_storage::admin::{DatanodeInfo, HealthState, OmRole, OpState, ScmRole};
use ozone_storage::rotation::{PlanError, PodState, RaftRole, Step, degraded};

/// Flag that skips the check that every pod to restart is ready.
pub const SKIP_READINESS: &str = "--skip-readiness-check";
/// Flag that skips the check that OM and SCM rings have a leader and a follower.
pub const SKIP_LEADER: &str = "--skip-leader-check";
/// Flag that skips the check that SCM reports every datanode healthy.
pub const SKIP_DATANODE_HEALTH: &str = "--skip-datanode-health-check";

/// The short host name (`ozone-om-0` of `ozone-om-0.ozone-om-headless.ns.svc…`), which is the
/// pod name for StatefulSet pods.
pub fn short_host(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// What the planner needs about every pod of `components`: readiness from Kubernetes, Raft
/// role and id from `om roles` / `scm roles` (matched by host name).
pub fn pod_states(
    view: &ClusterView,
    components: &[Component],
    scm: &[ScmRole],
    om: &[OmRole],
) -> Vec<PodState> {
    let role = |r: &str| {
        if r.eq_ignore_ascii_case("LEADER") {
            RaftRole::Leader
        } else {
            RaftRole::Follower
        }
    };
    let mut out = Vec::new();
    for &component in components {
        for pod in view.pods_of(component) {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let (raft_role, raft_id) = match component {
                Component::Scm => scm
                    .iter()
                    .find(|s| short_host(&s.host) == name)
                    .map(|s| (Some(role(&s.role)), s.node_id.clone()))
                    .unwrap_or((None, None)),
                Component::Om => om
                    .iter()
                    .find(|o| short_host(&o.host) == name)
                    .map(|o| (Some(role(&o.role)), Some(o.node_id.clone())))
                    .unwrap_or((None, None)),
                _ => (None, None),
            };
            out.push(PodState {
                component,
                pod: name,
                ready: is_ready(pod),
                role: raft_role,
                raft_id,
            });
        }
    }
    out
}

/// The in-service datanodes SCM does not report healthy, as `host (state)`. Datanodes out of
/// service are expected to be gone and do not count.
pub fn unhealthy_datanodes(datanodes: &[DatanodeInfo]) -> Vec<String> {
    datanodes
        .iter()
        .filter(|d| d.op_state == OpState::InService)
        .filter(|d| {
            !matches!(
                d.health_state,
                HealthState::Healthy | HealthState::HealthyReadonly
            )
        })
        .map(|d| format!("{} ({})", d.short_host(), d.health_state))
        .collect()
}

/// Whether the check may be skipped, per flag.
#[derive(Clone, Copy, Debug, Default)]
pub struct Skips {
    /// `--skip-readiness-check`.
    pub readiness: bool,
    /// `--skip-leader-check`.
    pub leader: bool,
    /// `--skip-datanode-health-check`.
    pub datanode_health: bool,
}

/// The pre-flight checks: every pod to restart ready, (when OM or SCM restart) every ring with a
/// leader and a follower to take over, and (when datanodes restart) every in-service datanode healthy in SCM's view
/// (`datanodes`, as `datanode list` reports them; not read when that check is skipped).
pub fn checks(
    pods: &[PodState],
    components: &[Component],
    datanodes: &[DatanodeInfo],
    skips: Skips,
) -> Vec<Check> {
    let problems = degraded(pods, components);
    let describe = |ours: &dyn Fn(&PlanError) -> bool| {
        let found: Vec<String> = problems
            .iter()
            .filter(|p| ours(p))
            .map(ToString::to_string)
            .collect();
        found
    };
    let not_ready = describe(&|p| matches!(p, PlanError::NotReady { .. }));
    let leaderless = describe(&|p| !matches!(p, PlanError::NotReady { .. }));
    let mut out = vec![Check::run(
        "readiness",
        SKIP_READINESS,
        skips.readiness,
        || {
            if not_ready.is_empty() {
                Ok(format!("every pod to restart is ready ({})", pods.len()))
            } else {
                Err(not_ready.join("; "))
            }
        },
    )];
    let rings: Vec<&str> = [Component::Scm, Component::Om]
        .iter()
        .filter(|c| components.contains(c))
        .map(|c| c.id())
        .collect();
    if !rings.is_empty() {
        out.push(Check::run("raft-leader", SKIP_LEADER, skips.leader, || {
            if leaderless.is_empty() {
                Ok(format!(
                    "{} {} a leader and a follower to hand over to",
                    rings.join(" and "),
                    if rings.len() == 1 { "has" } else { "have" }
                ))
            } else {
                Err(leaderless.join("; "))
            }
        }));
    }
    if components.contains(&Component::Datanode) {
        let dns = datanodes;
        out.push(Check::run(
            "datanode-health",
            SKIP_DATANODE_HEALTH,
            skips.datanode_health,
            || {
                let sick = unhealthy_datanodes(dns);
                if sick.is_empty() {
                    Ok("SCM reports every in-service datanode healthy".into())
                } else {
                    Err(format!(
                        "not healthy: {}; restarting another datanode now could make data unavailable",
                        sick.join(", ")
                    ))
                }
            },
        ));
    }
    out
}

/// The steps still needed: restarts of pods that do not serve the current certificate yet,
/// and a leadership transfer only where its leader still restarts.
pub fn pending(steps: Vec<Step>, is_current: impl Fn(&str) -> bool) -> Vec<Step> {
    steps
        .into_iter()
        .filter(|s| match s {
            Step::Restart { pod, .. } => !is_current(pod),
            Step::TransferLeadership { from, .. } => !is_current(from),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(component: Component, i: usize, ready: bool, leader: bool) -> PodState {
        PodState {
            component,
            pod: format!("ozone-{}-{i}", component.id()),
            ready,
            role: Some(if leader {
                RaftRole::Leader
            } else {
                RaftRole::Follower
            }),
            raft_id: Some(format!("{}{i}", component.id())),
        }
    }

    #[test]
    fn pending_drops_current_pods_and_transfers_of_restarted_leaders() {
        let steps = vec![
            Step::Restart {
                component: Component::Om,
                pod: "ozone-om-1".into(),
                others_ready: true,
            },
            Step::TransferLeadership {
                component: Component::Om,
                from: "ozone-om-0".into(),
                to: "om1".into(),
            },
            Step::Restart {
                component: Component::Om,
                pod: "ozone-om-0".into(),
                others_ready: true,
            },
        ];
        assert_eq!(pending(steps.clone(), |_| false), steps);
        assert_eq!(pending(steps.clone(), |p| p == "ozone-om-1"), steps[1..]);
        assert!(pending(steps, |_| true).is_empty());
    }

    #[test]
    fn checks_name_every_problem_and_the_flag_that_skips_it() {
        let pods = vec![
            state(Component::Om, 0, true, false),
            state(Component::Om, 1, false, false),
            state(Component::Om, 2, true, false),
        ];
        let dn = |i: usize, health| DatanodeInfo {
            id: format!("uuid-{i}"),
            host_name: format!(
                "ozone-datanode-{i}.ozone-datanode-headless.ozone.svc.cluster.local"
            ),
            ip_address: String::new(),
            op_state: OpState::InService,
            health_state: health,
            used: None,
            capacity: None,
            persisted_op_state_expiry_epoch_sec: None,
        };
        let dns = vec![dn(0, HealthState::Healthy), dn(1, HealthState::Dead)];
        let checks = checks(
            &pods,
            &[Component::Om, Component::Datanode],
            &dns,
            Skips::default(),
        );
        let failed: Vec<(&str, String)> = checks
            .iter()
            .filter(|c| c.failed())
            .map(|c| (c.skip_flag, format!("{:?}", c.outcome)))
            .collect();
        assert_eq!(failed.len(), 3, "{failed:?}");
        assert!(
            failed[0].1.contains("ozone-om-1 is not ready"),
            "{failed:?}"
        );
        assert!(failed[1].1.contains("om has no Raft leader"), "{failed:?}");
        assert!(
            failed[2].1.contains("ozone-datanode-1 (DEAD)"),
            "{failed:?}"
        );
        let skipped = checks_skipping_all(&pods, &dns);
        assert!(skipped.iter().all(|c| !c.failed()));
    }

    fn checks_skipping_all(pods: &[PodState], dns: &[DatanodeInfo]) -> Vec<Check> {
        checks(
            pods,
            &[Component::Om, Component::Datanode],
            dns,
            Skips {
                readiness: true,
                leader: true,
                datanode_health: true,
            },
        )
    }
}
