//! Carrying out a rolling restart planned by `ozone_storage::rotation`: delete one pod, wait
//! until its replacement (a new uid) is ready, record the certificate fingerprint it started
//! with; move Raft leadership and wait until Ozone reports the new leader. Right before an
//! OM or SCM pod is deleted its ring's roles are read again: a pod that leads now, or a ring
//! with a member neither LEADER nor FOLLOWER, stops the run (exit 1) with the command that
//! resumes, which plans again from the roles then. Before a datanode is deleted, SCM must
//! report every in-service datanode healthy. Every wait polls
//! at `--poll-interval` and ends at the run's deadline with exit code 3 and the command that
//! resumes.

use crate::cluster::act::Actuator;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::{KubeReader, is_ready};
use crate::duration;
use crate::error::WaitTimeout;
use crate::events::Events;
use crate::plan::rotation::{short_host, unhealthy_datanodes};
use anyhow::{Context, Result};
use k8s_openapi::api::core::v1::Pod;
use ozone_storage::Component;
use ozone_storage::admin::{Mutation, Query, datanode, roles};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::Instant;

/// How long and how often to wait.
#[derive(Clone, Debug)]
pub struct Waits {
    /// Time between polls.
    pub interval: Duration,
    /// When the whole run gives up (`--timeout`).
    pub deadline: Option<Instant>,
    /// When the run started, for the timeout message.
    pub started: Instant,
    /// The command that resumes, printed when the deadline passes.
    pub resume: String,
}

impl Waits {
    /// Polls `done` until it returns `Some`, or the deadline passes.
    pub async fn until<T, F, Fut>(&self, what: &str, mut done: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        loop {
            if let Some(t) = done().await? {
                return Ok(t);
            }
            if let Some(deadline) = self.deadline
                && Instant::now() + self.interval > deadline
            {
                return Err(WaitTimeout(format!(
                    "timed out after {} waiting for {what}; nothing else was changed. Resume with:\n  {}",
                    duration::format(deadline - self.started),
                    self.resume
                ))
                .into());
            }
            tokio::time::sleep(self.interval).await;
        }
    }
}

/// Restarts pods of one cluster.
pub struct Restarter<'a> {
    /// Reads.
    pub kube: &'a KubeReader,
    /// Writes.
    pub act: &'a Actuator,
    /// Ozone queries, for Raft roles.
    pub ozone: &'a OzoneReader,
    /// The cluster.
    pub cluster: &'a str,
    /// Whether to ask Ozone for the Raft roles right before an OM or SCM pod is deleted
    /// (off with `--skip-leader-check`).
    pub check_roles: bool,
    /// Whether to wait, before each datanode is deleted, until SCM reports every in-service
    /// datanode healthy (off with `--skip-datanode-health-check`).
    pub check_datanodes: bool,
    /// Pods that were not ready before anything changed (only with
    /// `--skip-readiness-check`): they do not hold up the restart of the others.
    pub not_ready_at_start: BTreeSet<String>,
    /// Waiting.
    pub waits: Waits,
}

/// Why `pod` must not be deleted now, given every ring member's current `(pod, role)`: the
/// plan moved leadership away before it, but leadership can move by itself (an election)
/// and a member can drop out of the ring after the plan was made. Deleting the leader, or a
/// member while another is not an active LEADER or FOLLOWER, risks the quorum. A ring of one
/// has no one to hand over to and restarts as it is.
pub fn role_problem(pod: &str, members: &[(String, String)]) -> Option<String> {
    if members.len() < 2 {
        return None;
    }
    let is = |role: &str, want: &str| role.trim().eq_ignore_ascii_case(want);
    if members
        .iter()
        .any(|(p, role)| p == pod && is(role, "LEADER"))
    {
        return Some(format!(
            "{pod} leads its Raft ring now (leadership moved since the restart order was planned)"
        ));
    }
    let unsteady: Vec<String> = members
        .iter()
        .filter(|(p, role)| p != pod && !is(role, "LEADER") && !is(role, "FOLLOWER"))
        .map(|(p, role)| format!("{p} ({})", if role.is_empty() { "no role" } else { role }))
        .collect();
    (!unsteady.is_empty()).then(|| {
        format!(
            "other members of the Raft ring are neither LEADER nor FOLLOWER: {}",
            unsteady.join(", ")
        )
    })
}

fn uid(pod: &Pod) -> Option<&str> {
    pod.metadata.uid.as_deref()
}

fn find<'p>(pods: &'p [Pod], name: &str) -> Option<&'p Pod> {
    pods.iter()
        .find(|p| p.metadata.name.as_deref() == Some(name))
}

impl Restarter<'_> {
    /// Restarts `pod`: when `others_ready`, first waits until every other pod of the component
    /// is ready; then deletes it, waits for a ready replacement, and sets `annotation`
    /// (`(key, value)`, e.g. the fingerprint of the certificate it started with) on it.
    pub async fn restart(
        &self,
        events: &mut dyn Events,
        component: Component,
        pod: &str,
        others_ready: bool,
        annotation: Option<(&str, &str)>,
    ) -> Result<()> {
        if others_ready {
            events.waiting(
                1,
                &format!("{pod}: waiting until the other {component} pods are ready"),
            );
            self.waits
                .until(
                    &format!("the other {component} pods to be ready"),
                    || async {
                        let pods = self.kube.component_pods(self.cluster, component).await?;
                        let waiting = pods.iter().any(|p| {
                            let name = p.metadata.name.as_deref().unwrap_or_default();
                            name != pod && !self.not_ready_at_start.contains(name) && !is_ready(p)
                        });
                        Ok((!waiting).then_some(()))
                    },
                )
                .await?;
        }
        if self.check_datanodes && component == Component::Datanode {
            // A datanode restarted a moment ago is ready in Kubernetes before SCM has its
            // heartbeat again; deleting the next one while SCM counts the last as stale
            // could leave containers without enough live replicas.
            events.waiting(
                1,
                &format!("{pod}: waiting until SCM reports every in-service datanode healthy"),
            );
            self.waits
                .until(
                    "SCM to report every in-service datanode healthy",
                    || async {
                        let list = self.ozone.query(&Query::datanode_list()).await?;
                        let sick = unhealthy_datanodes(&datanode::parse_list(&list)?);
                        Ok(sick.is_empty().then_some(()))
                    },
                )
                .await?;
        }
        let before = self.kube.component_pods(self.cluster, component).await?;
        let ready_before = before.iter().filter(|p| is_ready(p)).count();
        let old: BTreeSet<(Option<&str>, Option<&str>)> = before
            .iter()
            .map(|p| (p.metadata.name.as_deref(), uid(p)))
            .collect();
        let Some(target) = find(&before, pod).map(|p| (Some(pod), uid(p))) else {
            // Its controller replaced it since the plan was made; the replacement started
            // with the Secret as it is now.
            events.waited(&format!("{pod} is gone already: not restarted"));
            return Ok(());
        };
        if self.check_roles && matches!(component, Component::Om | Component::Scm) {
            let members = self.roles(component).await.with_context(|| {
                format!(
                    "cannot read the {component} Raft roles before restarting {pod}; nothing else was changed. Re-run to resume:\n  {}",
                    self.waits.resume
                )
            })?;
            if let Some(problem) = role_problem(pod, &members) {
                events.waited(&format!("{pod}: not restarted"));
                anyhow::bail!(
                    "{problem}: {pod} was not restarted and nothing else was changed; the restart order is planned again from the Raft roles when you resume with:\n  {}",
                    self.waits.resume
                );
            }
        }
        self.act.delete_pod(pod).await.with_context(|| {
            format!(
                "cannot restart {pod}; re-run to resume:\n  {}",
                self.waits.resume
            )
        })?;
        events.waiting(
            1,
            &format!("{pod}: deleted, waiting for its replacement to be ready"),
        );
        // A StatefulSet recreates the pod under its name, a Deployment under a new one: the
        // replacement is a ready pod that was not there before, and the component is back
        // to the number of ready pods it had.
        let replacement = self
            .waits
            .until(&format!("the replacement of {pod} to be ready"), || async {
                let pods = self.kube.component_pods(self.cluster, component).await?;
                let identity = |p: &Pod| (p.metadata.name.clone(), p.metadata.uid.clone());
                let (name, u) = target;
                let gone = !pods
                    .iter()
                    .any(|p| identity(p) == (name.map(str::to_owned), u.map(str::to_owned)));
                let ready = pods.iter().filter(|p| is_ready(p)).count();
                let new = pods
                    .iter()
                    .find(|p| is_ready(p) && !old.contains(&(p.metadata.name.as_deref(), uid(p))));
                Ok(match new {
                    Some(p) if gone && ready >= ready_before => p.metadata.name.clone(),
                    _ => None,
                })
            })
            .await?;
        if let Some((key, value)) = annotation {
            self.act
                .annotate_pod(&replacement, key, value)
                .await
                .with_context(|| {
                    format!("{replacement} restarted, but its annotation {key} could not be set")
                })?;
        }
        events.waited(&if replacement == pod {
            format!("restarted {pod}")
        } else {
            format!("restarted {pod} as {replacement}")
        });
        Ok(())
    }

    /// Moves leadership of the OM or SCM ring from pod `from` to the member with Raft id `to`,
    /// then waits until Ozone reports a leader other than `from`.
    pub async fn transfer(
        &self,
        events: &mut dyn Events,
        component: Component,
        service_id: &str,
        from: &str,
        to: &str,
    ) -> Result<()> {
        let m = Mutation::transfer_leadership(component, service_id, to);
        let out = self.act.ozone(&m).await.with_context(|| {
            format!(
                "leadership transfer away from {from} failed; nothing was restarted since. Re-run to resume:\n  {}",
                self.waits.resume
            )
        })?;
        events.note(out.trim_end());
        self.waits
            .until(
                &format!("{component} leadership to move away from {from}"),
                || async {
                    Ok(match self.leader(component).await {
                        Ok(Some(leader)) if leader != from => Some(()),
                        // A ring in the middle of an election has no leader for a moment.
                        _ => None,
                    })
                },
            )
            .await?;
        events.note(format!("{component} leadership moved away from {from}"));
        Ok(())
    }

    /// Every member of the ring and its Raft role, as `(pod, role)`.
    async fn roles(&self, component: Component) -> Result<Vec<(String, String)>> {
        let short = |h: &str| short_host(h).to_owned();
        Ok(if component == Component::Om {
            roles::parse_om_roles(&self.ozone.query(&Query::om_roles()).await?)?
                .into_iter()
                .map(|r| (short(&r.host), r.role))
                .collect()
        } else {
            roles::parse_scm_roles(&self.ozone.query(&Query::scm_roles()).await?)?
                .into_iter()
                .map(|r| (short(&r.host), r.role))
                .collect()
        })
    }

    /// The pod that leads the ring now.
    async fn leader(&self, component: Component) -> Result<Option<String>> {
        Ok(self
            .roles(component)
            .await?
            .into_iter()
            .find(|(_, role)| role.eq_ignore_ascii_case("LEADER"))
            .map(|(pod, _)| pod))
    }
}

#[cfg(test)]
mod tests {
    use super::role_problem;

    fn ring(roles: &[&str]) -> Vec<(String, String)> {
        roles
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("ozone-om-{i}"), (*r).to_owned()))
            .collect()
    }

    #[test]
    fn a_leader_or_an_unsteady_ring_stops_the_restart() {
        assert_eq!(
            role_problem("ozone-om-1", &ring(&["LEADER", "FOLLOWER", "FOLLOWER"])),
            None
        );
        assert!(
            role_problem("ozone-om-1", &ring(&["FOLLOWER", "leader", "FOLLOWER"]))
                .is_some_and(|p| p.contains("ozone-om-1 leads"))
        );
        assert!(
            role_problem("ozone-om-1", &ring(&["LEADER", "FOLLOWER", "CANDIDATE"]))
                .is_some_and(|p| p.contains("ozone-om-2 (CANDIDATE)"))
        );
        // A ring of one restarts as it is.
        assert_eq!(role_problem("ozone-om-0", &ring(&["LEADER"])), None);
    }
}
