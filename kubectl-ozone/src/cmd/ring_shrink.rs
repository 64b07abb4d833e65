//! `apply`'s OM/SCM ring shrink: the plan of [`ozone_engine::plan::ring_shrink`] read from the
//! cluster, as printed steps, and carried out. It runs before `apply` writes any object, so the
//! leaving members are removed while every pod still runs the ring's current configuration:
//!
//! 1. leadership moves to the lowest remaining member if a leaving one leads;
//! 2. OM: `ozone.om.decommissioned.nodes.<service id>` is set in the ConfigMap and the
//!    remaining OMs restart one at a time (the shared rolling restart engine), each recording
//!    the list it started with in a pod annotation;
//! 3. each leaving member, highest ordinal first: `ozone admin om|scm decommission`, then a
//!    wait until `ozone admin om|scm roles` no longer lists it;
//! 4. OM: the entry is removed again (the rendered configuration no longer names the members);
//! 5. the StatefulSet is scaled down; the leaving ordinals' PVCs are kept.
//!
//! `apply` then writes the rendered objects and restarts every pod left on the old
//! configuration, so the remaining members and the clients learn the new ring.
//!
//! Resuming: every step is planned again from the cluster. Members the roles no longer list
//! are not decommissioned again, OMs whose annotation matches the entry are not restarted
//! again, an entry already set is not written again.

use super::compare::Comparison;
use super::restart::SkipArgs;
use crate::ui::Io;
use anyhow::{Context, Result};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::{KubeReader, is_ready};
use ozone_engine::plan::Step;
use ozone_engine::plan::ring_shrink::{
    self, DECOMMISSIONED_ANNOTATION, Inputs, Leaving, RoleEntry, ShrinkPlan,
};
use ozone_engine::plan::rotation::short_host;
use ozone_engine::plan::transitions::Kind;
use ozone_engine::pods::restart::{Restarter, Waits};
use ozone_engine::pods::rolling;
use ozone_storage::Component;
use ozone_storage::admin::{Mutation, Query, roles};
use ozone_storage::rotation::{PodState, RaftRole};
use std::collections::{BTreeMap, BTreeSet};

/// A shrink to carry out, with what the ConfigMap holds now.
pub struct Shrink {
    /// The plan.
    pub plan: ShrinkPlan,
    /// The ConfigMap.
    config_map: String,
    /// Whether the ConfigMap has a decommissioned-nodes entry now (removed at the end).
    entry_present: bool,
}

/// The ring's members and roles now, as the planner takes them.
pub async fn roles_now(ozone: &OzoneReader, component: Component) -> Result<Vec<RoleEntry>> {
    Ok(if component == Component::Om {
        roles::parse_om_roles(&ozone.query(&Query::om_roles()).await?)?
            .into_iter()
            .map(|r| RoleEntry {
                pod: short_host(&r.host).to_owned(),
                host: r.host,
                node_id: Some(r.node_id),
                role: r.role,
            })
            .collect()
    } else {
        roles::parse_scm_roles(&ozone.query(&Query::scm_roles()).await?)?
            .into_iter()
            .map(|r| RoleEntry {
                pod: short_host(&r.host).to_owned(),
                host: r.host,
                node_id: r.node_id,
                role: r.role,
            })
            .collect()
    })
}

fn decommission(plan: &ShrinkPlan, member: &Leaving) -> Mutation {
    let id = member.node_id.as_deref().unwrap_or_default();
    match plan.component {
        Component::Om => Mutation::om_decommission(&plan.service_id, id, &member.host),
        _ => Mutation::scm_decommission(id),
    }
}

fn ozone_step(m: &Mutation) -> Step {
    Step::Ozone {
        component: m.component().id().into(),
        argv: m.argv().to_vec(),
    }
}

/// Plans every ring shrink `apply` carries out; a shrink that cannot start (an unhealthy
/// ring, an even target) adds a refusal instead. Steps and notes are appended.
pub async fn plan(
    session: &Session,
    c: &Comparison,
    ozone: &OzoneReader,
    allow_single: bool,
    steps: &mut Vec<Step>,
    notes: &mut Vec<String>,
    refusals: &mut Vec<String>,
) -> Result<Vec<Shrink>> {
    let mut out = Vec::new();
    let names = c.cluster.names();
    for t in c
        .transitions
        .iter()
        .filter(|t| t.kind == Kind::RingShrink && !t.refused())
    {
        let component = t.component;
        let (from, to): (i32, i32) = (t.from.parse()?, t.to.parse()?);
        let statefulset = names.component(component);
        let members: Vec<(String, String)> = (0..from)
            .map(|i| (names.pod(component, i), names.pod_host(component, i)))
            .collect();
        let ready: BTreeSet<String> = c
            .view
            .pods_of(component)
            .into_iter()
            .filter(|p| is_ready(p))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        let roles = roles_now(ozone, component).await?;
        let service_ids = rolling::service_ids(&session.kube, &c.view).await?;
        let service_id = service_ids.get(&component).map(String::as_str);
        let config_map = names.config_map();
        let data = session
            .kube
            .config_map(&config_map)
            .await?
            .and_then(|cm| cm.data)
            .unwrap_or_default();
        let config_value = service_id
            .and_then(|s| data.get(&ring_shrink::decommissioned_env(s)))
            .map(String::as_str);
        let inputs = Inputs {
            component,
            statefulset: &statefulset,
            from,
            to,
            allow_single,
            members: &members,
            ready: &ready,
            roles: &roles,
            service_id,
            config_value,
        };
        let plan = match ring_shrink::plan(&inputs) {
            Ok(p) => p,
            Err(reason) => {
                refusals.push(format!("{component} ring {from} → {to}: {reason}"));
                continue;
            }
        };
        if let Some(t) = &plan.transfer {
            steps.push(ozone_step(&Mutation::transfer_leadership(
                component,
                &plan.service_id,
                &t.to_id,
            )));
        }
        if let Some((key, value)) = &plan.decommissioned_key {
            if !plan.key_set {
                steps.push(Step::SetConfigEntry {
                    config_map: config_map.clone(),
                    key: key.clone(),
                    value: Some(value.clone()),
                });
            }
            let pods = remaining_states(
                rolling::pod_states(&c.view, ozone, &[component]).await?,
                &plan,
            );
            let restarts =
                rolling::plan_restarts(&session.kube, &c.view, &pods, &[component], |p| {
                    !plan.remaining.iter().any(|r| r == p) || started_with(&c.view.pods, p, value)
                })
                .await?;
            steps.extend(restarts.plan_steps()?);
        }
        for member in plan.to_decommission() {
            steps.push(ozone_step(&decommission(&plan, member)));
            steps.push(Step::WaitRingMemberGone {
                component: component.id().into(),
                pod: member.pod.clone(),
            });
        }
        let entry_present = config_value.is_some() || plan.decommissioned_key.is_some();
        if entry_present {
            steps.push(Step::SetConfigEntry {
                config_map: config_map.clone(),
                key: ring_shrink::decommissioned_env(&plan.service_id),
                value: None,
            });
        }
        steps.push(Step::ScaleStatefulSet {
            name: statefulset.clone(),
            from,
            to,
        });
        notes.push(format!(
            "{component} ring {from} → {to}: kept PVCs (a member grown again at these ordinals must not start on their old data; delete them once the ring is smaller: kubectl delete pvc -n {} {})",
            names.namespace(),
            plan.kept_pvcs().join(" ")
        ));
        out.push(Shrink {
            plan,
            config_map,
            entry_present,
        });
    }
    Ok(out)
}

/// The members' restart states, with the leadership as it is after the planned transfer.
/// Leaving members are never restarted but stay in the ring: a remaining leader hands over
/// to the next member by ordinal, a remaining one whenever there is one, and a ring
/// shrinking to one hands over to a leaving member, which gives leadership back before the
/// first decommission.
fn remaining_states(pods: Vec<PodState>, plan: &ShrinkPlan) -> Vec<PodState> {
    pods.into_iter()
        .map(|mut p| {
            if let Some(t) = &plan.transfer {
                p.role = Some(if p.pod == t.to_pod {
                    RaftRole::Leader
                } else {
                    RaftRole::Follower
                });
            }
            p
        })
        .collect()
}

fn started_with(pods: &[k8s_openapi::api::core::v1::Pod], pod: &str, value: &str) -> bool {
    pods.iter()
        .find(|p| p.metadata.name.as_deref() == Some(pod))
        .and_then(|p| p.metadata.annotations.as_ref())
        .and_then(|a| a.get(DECOMMISSIONED_ANNOTATION))
        .is_some_and(|v| v == value)
}

/// The pods a shrink removes, which later restarts leave alone.
pub fn leaving_pods(shrinks: &[Shrink]) -> BTreeSet<String> {
    shrinks
        .iter()
        .flat_map(|s| s.plan.leaving.iter().map(|l| l.pod.clone()))
        .collect()
}

/// What running a shrink needs besides the plan.
pub struct Shrinker<'a> {
    /// Reads.
    pub kube: &'a KubeReader,
    /// Writes.
    pub act: &'a Actuator,
    /// Ozone queries.
    pub ozone: &'a OzoneReader,
    /// The cluster.
    pub cluster: &'a str,
    /// Restart checks.
    pub skips: &'a SkipArgs,
    /// Waiting.
    pub waits: &'a Waits,
}

impl Shrinker<'_> {
    fn restarter(&self) -> Restarter<'_> {
        Restarter {
            kube: self.kube,
            act: self.act,
            ozone: self.ozone,
            cluster: self.cluster,
            check_roles: !self.skips.skip_leader_check,
            check_datanodes: !self.skips.skip_datanode_health_check,
            not_ready_at_start: BTreeSet::new(),
            waits: self.waits.clone(),
        }
    }

    /// Moves leadership to the lowest remaining member when a leaving one leads now.
    async fn keep_leadership(&self, io: &mut Io, plan: &ShrinkPlan) -> Result<()> {
        let roles = roles_now(self.ozone, plan.component).await?;
        let Some(leader) = roles
            .iter()
            .find(|r| r.role.trim().eq_ignore_ascii_case("LEADER"))
        else {
            anyhow::bail!(
                "the {} ring has no leader now; nothing else was changed. Once it has one, resume with:\n  {}",
                plan.component,
                self.waits.resume
            );
        };
        if plan.remaining.contains(&leader.pod) {
            return Ok(());
        }
        let to = roles
            .iter()
            .find(|r| r.pod == plan.remaining[0])
            .and_then(|r| r.node_id.clone())
            .with_context(|| {
                format!(
                    "{} is not in the {} roles",
                    plan.remaining[0], plan.component
                )
            })?;
        self.restarter()
            .transfer(io, plan.component, &plan.service_id, &leader.pod, &to)
            .await
    }

    /// Carries out one shrink.
    pub async fn run(&self, io: &mut Io, shrink: &Shrink) -> Result<()> {
        let plan = &shrink.plan;
        let component = plan.component;
        self.keep_leadership(io, plan).await?;
        if let Some((key, value)) = &plan.decommissioned_key {
            if !plan.key_set {
                self.act
                    .set_config_map_data(
                        &shrink.config_map,
                        &BTreeMap::from([(key.clone(), Some(value.clone()))]),
                    )
                    .await?;
                io.note(format!("configmap {}: {key}={value}", shrink.config_map));
            }
            let view = self
                .kube
                .snapshot(self.cluster, self.kube.ozone_statefulsets().await?)
                .await?;
            let pods = remaining_states(
                rolling::pod_states(&view, self.ozone, &[component]).await?,
                &ShrinkPlan {
                    transfer: None,
                    ..plan.clone()
                },
            );
            let restarts = rolling::plan_restarts(self.kube, &view, &pods, &[component], |p| {
                !plan.remaining.iter().any(|r| r == p) || started_with(&view.pods, p, value)
            })
            .await?;
            if !restarts.steps.is_empty() {
                io.note(format!(
                    "restarting the remaining {component}s so they read {key}"
                ));
            }
            restarts
                .run_annotated(&self.restarter(), io, |_| {
                    Some((DECOMMISSIONED_ANNOTATION, value.as_str()))
                })
                .await
                .context("the restart of the remaining members stopped")?;
        }
        for member in plan.to_decommission() {
            // An election may have moved leadership to a leaving member since.
            self.keep_leadership(io, plan).await?;
            let out = self.act.ozone(&decommission(plan, member)).await?;
            io.note(out.trim_end());
            self.waits
                .until(
                    &format!(
                        "`ozone admin {} roles` to no longer list {}",
                        component.id(),
                        member.pod
                    ),
                    || async {
                        let roles = roles_now(self.ozone, component).await?;
                        Ok((!roles.iter().any(|r| r.pod == member.pod)).then_some(()))
                    },
                )
                .await?;
            io.note(format!("{} left the {component} ring", member.pod));
        }
        if shrink.entry_present {
            let key = ring_shrink::decommissioned_env(&plan.service_id);
            self.act
                .set_config_map_data(&shrink.config_map, &BTreeMap::from([(key.clone(), None)]))
                .await?;
            io.note(format!("configmap {}: {key} removed", shrink.config_map));
        }
        self.act
            .scale_statefulset(&plan.statefulset, plan.to)
            .await?;
        io.note(format!(
            "scaled statefulset {} to {}; PVCs kept: {}",
            plan.statefulset,
            plan.to,
            plan.kept_pvcs().join(", ")
        ));
        Ok(())
    }
}
