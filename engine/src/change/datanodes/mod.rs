//! Datanodes leaving and returning: `datanode decommission | recommission | maintenance`, the
//! scale-down that decommissions before it scales, their pre-flight checks, and the waits
//! until Ozone reports them in the state asked for.
//!
//! Targets already on their way (decommissioning, entering maintenance) get no second
//! command, so running the same request again with a wait resumes watching.

pub mod scale_down;
pub mod wait;

use crate::cluster::Session;
use crate::cluster::act::Actuator;
use crate::cluster::discover;
use crate::cluster::exec::OzoneReader;
use crate::cluster::view::ClusterView;
use crate::error::BadInput;
use crate::events::Events;
use crate::plan::datanodes::{Target, resolve};
use crate::plan::preflight::{self, Check};
use crate::plan::{Plan, Step};
use anyhow::{Context, Result};
use ozone_storage::ConfigFile;
use ozone_storage::admin::{Mutation, OpState, Query, Replication, datanode, safemode};
use wait::WaitOpts;

/// The pre-flight checks of datanodes leaving service that may be skipped, and the
/// replication in use besides the cluster's defaults.
#[derive(Debug, Clone, Default)]
pub struct Safety {
    /// Replication policies in use besides the cluster's defaults (`--replication`).
    pub replication: Vec<String>,
    /// Skip the check that enough datanodes stay in service for the replication in use.
    pub skip_replication: bool,
    /// Skip the check that SCM is out of safe mode.
    pub skip_safemode: bool,
    /// Skip the check that every target runs in a pod of this cluster.
    pub skip_ownership: bool,
}

/// The three operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Decommission.
    Decommission,
    /// Recommission.
    Recommission,
    /// Maintenance, with an optional end in hours.
    Maintenance(Option<u32>),
}

impl Action {
    /// The command's name.
    pub fn name(self) -> &'static str {
        match self {
            Action::Decommission => "decommission",
            Action::Recommission => "recommission",
            Action::Maintenance(_) => "maintenance",
        }
    }

    /// The state the datanodes end in.
    pub fn goal(self) -> OpState {
        match self {
            Action::Decommission => OpState::Decommissioned,
            Action::Recommission => OpState::InService,
            Action::Maintenance(_) => OpState::InMaintenance,
        }
    }

    /// Whether a datanode in `state` still needs the command (not done, not on its way).
    pub fn needed_for(self, state: &str) -> bool {
        let in_progress = match self {
            Action::Decommission => Some(OpState::Decommissioning),
            Action::Maintenance(_) => Some(OpState::EnteringMaintenance),
            Action::Recommission => None,
        };
        state != self.goal().as_str() && in_progress.is_none_or(|p| p.as_str() != state)
    }

    /// The Ozone command for `hosts`.
    pub fn mutation(self, hosts: &[String]) -> Mutation {
        match self {
            Action::Decommission => Mutation::decommission(hosts),
            Action::Recommission => Mutation::recommission(hosts),
            Action::Maintenance(end) => Mutation::maintenance(hosts, end),
        }
    }
}

/// Datanodes about to leave service, among all of them.
pub struct Leaving<'a> {
    /// Every datanode.
    pub datanodes: &'a [ozone_storage::admin::DatanodeInfo],
    /// UUIDs of those leaving.
    pub uuids: Vec<&'a str>,
    /// The targets.
    pub targets: &'a [Target],
}

/// The plan's checks for datanodes leaving service.
pub async fn leaving_checks(
    session: &Session,
    view: &ClusterView,
    ozone: &OzoneReader,
    leaving: &Leaving<'_>,
    safety: &Safety,
    notes: &mut Vec<String>,
) -> Result<Vec<Check>> {
    let targets = leaving.targets;
    let mut checks = vec![Check::run(
        "ownership",
        preflight::SKIP_OWNERSHIP,
        safety.skip_ownership,
        || preflight::ownership(targets, view.cluster()),
    )];
    let safe = if safety.skip_safemode {
        None
    } else {
        let out = ozone.query(&Query::safemode_status()).await?;
        Some(safemode::parse_status(&out)?)
    };
    checks.push(Check::run(
        "safe-mode",
        preflight::SKIP_SAFEMODE,
        safety.skip_safemode,
        || safe.map_or_else(|| Ok(String::new()), preflight::safe_mode),
    ));
    let policies = if safety.skip_replication {
        Vec::new()
    } else {
        policies(session, view, &safety.replication, notes).await?
    };
    checks.push(Check::run(
        "replication",
        preflight::SKIP_REPLICATION,
        safety.skip_replication,
        || preflight::replication_headroom(leaving.datanodes, &leaving.uuids, &policies),
    ));
    Ok(checks)
}

/// One `datanode decommission | recommission | maintenance` request.
pub struct ChangeRequest<'a> {
    /// The operation.
    pub action: Action,
    /// Datanodes: pod names, host names or UUIDs.
    pub given: &'a [String],
    /// The Ozone cluster's name, when the namespace holds several.
    pub cluster: Option<&'a str>,
    /// The checks of datanodes leaving service (`None` for recommission).
    pub safety: Option<&'a Safety>,
    /// Whether the plan waits until the datanodes reach the goal state.
    pub wait: bool,
    /// A plan that is only shown.
    pub dry_run: bool,
}

/// The plan of one [`ChangeRequest`], with what running it needs.
pub struct ChangePlan {
    /// The plan as shown.
    pub plan: Plan,
    /// The operation.
    pub action: Action,
    /// Hosts that still need the command.
    pub hosts: Vec<String>,
    /// Every target's host, to wait for.
    pub all_hosts: Vec<String>,
    /// Ozone queries in this cluster.
    pub ozone: OzoneReader,
}

/// Reads the datanodes and plans `req`.
pub async fn plan_change(session: &Session, req: &ChangeRequest<'_>) -> Result<ChangePlan> {
    let ChangeRequest {
        action,
        given,
        cluster,
        safety,
        wait,
        dry_run,
    } = *req;
    let view = discover::find(&session.kube, cluster).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let datanodes = datanode::parse_list(&ozone.query(&Query::datanode_list()).await?)?;
    let targets = resolve(&view, &datanodes, given).map_err(|e| BadInput(e.to_string()))?;
    let mut notes = Vec::new();
    let checks = match safety {
        Some(safety) => {
            let leaving = Leaving {
                datanodes: &datanodes,
                uuids: targets.iter().map(|t| t.uuid.as_str()).collect(),
                targets: &targets,
            };
            leaving_checks(session, &view, &ozone, &leaving, safety, &mut notes).await?
        }
        None => Vec::new(),
    };
    let hosts: Vec<String> = targets
        .iter()
        .filter(|t| action.needed_for(&t.op_state))
        .map(|t| t.host_name.clone())
        .collect();
    for t in targets.iter().filter(|t| !action.needed_for(&t.op_state)) {
        notes.push(format!(
            "{} is already {}: no command sent",
            t.pod.as_deref().unwrap_or(&t.host_name),
            t.op_state
        ));
    }
    let mut steps = Vec::new();
    if !hosts.is_empty() {
        let m = action.mutation(&hosts);
        steps.push(Step::Ozone {
            component: m.component().id().into(),
            argv: m.argv().to_vec(),
        });
    }
    let all_hosts: Vec<String> = targets.iter().map(|t| t.host_name.clone()).collect();
    if wait {
        steps.push(Step::Wait {
            datanodes: all_hosts.clone(),
            until: action.goal().to_string(),
        });
    }
    let plan = Plan {
        action: action.name().into(),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run,
        targets,
        checks,
        notes,
        steps,
    };
    Ok(ChangePlan {
        plan,
        action,
        hosts,
        all_hosts,
        ozone,
    })
}

impl ChangePlan {
    /// Sends the command (`act` is `None` when only waiting is left: nothing to send), then
    /// waits when the plan does, or says how to follow progress. `resume` is the command that
    /// resumes watching.
    pub async fn run(
        &self,
        act: Option<&Actuator>,
        events: &mut dyn Events,
        opts: &WaitOpts,
        resume: &str,
    ) -> Result<()> {
        let action = self.action;
        if let Some(act) = act {
            let out = act
                .ozone(&action.mutation(&self.hosts))
                .await
                .with_context(|| {
                    format!(
                        "{} failed; run `kubectl ozone datanode list` to see the state",
                        action.name()
                    )
                })?;
            events.note(out.trim_end());
        }
        if self
            .plan
            .steps
            .iter()
            .any(|s| matches!(s, Step::Wait { .. }))
        {
            wait::until(
                &self.ozone,
                events,
                &self.all_hosts,
                action.goal(),
                opts,
                resume,
            )
            .await?;
        } else if !self.hosts.is_empty() && action != Action::Recommission {
            events.note(format!("started; follow progress with:\n  {resume}"));
        }
        Ok(())
    }
}

/// The replication policies in use: the cluster's configured defaults (from its ConfigMap)
/// and those given with `--replication`. Notes say where they came from.
pub async fn policies(
    session: &Session,
    view: &ClusterView,
    given: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<Replication>> {
    let mut out = Vec::new();
    for g in given {
        out.push(Replication::parse(g).map_err(|e| BadInput(e.to_string()))?);
    }
    let name = view.names.config_map();
    match session.kube.config_map(&name).await {
        Ok(Some(cm)) => {
            let data = cm.data.unwrap_or_default();
            let site: Vec<(&str, &str)> = data
                .iter()
                .filter_map(|(k, v)| match ConfigFile::parse_env_name(k) {
                    Some((ConfigFile::OzoneSite, key)) => Some((key, v.as_str())),
                    _ => None,
                })
                .collect();
            out.extend(Replication::from_site(|k| {
                site.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)
            }));
        }
        Ok(None) => notes.push(format!(
            "ConfigMap {name} not found: assuming Ozone's default replication RATIS/THREE"
        )),
        Err(e) => notes.push(format!(
            "{:#}; assuming Ozone's default replication RATIS/THREE",
            anyhow::Error::from(e)
        )),
    }
    if out.is_empty() {
        out.push(Replication::THREE);
    }
    out.sort();
    out.dedup();
    Ok(out)
}
