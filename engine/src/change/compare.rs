//! What `diff` shows and `apply` plans from: the spec rendered, each object compared with the
//! live one through a server-side apply dry run, the objects to prune, and the transitions the
//! changes mean for Ozone.

use crate::cluster::Session;
use crate::cluster::objects::{
    FieldConflict, KINDS, ObjectError, describe_conflicts, kind_and_name, kind_info, managers_of,
};
use crate::cluster::view::{ClusterView, label};
use crate::error::BadInput;
use crate::plan::changes::{
    Action, ObjectChange, as_sent_by, is_kubectl_manager, mask_secrets, template_changes, unified,
    without_noise,
};
use crate::plan::transitions::{Shape, Transition, detect};
use anyhow::Result;
use ozone_generator::names::{LABEL_INSTANCE, LABEL_MANAGED_BY, MANAGER};
use ozone_generator::spec::Cluster;
use ozone_storage::Component;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// One rendered object against the cluster.
#[derive(Clone, Debug)]
pub struct Compared {
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// As rendered.
    pub rendered: Value,
    /// As it is now, if it exists.
    pub live: Option<Value>,
    /// What `apply` sends.
    pub sent: Value,
    /// What the server would store after the apply (dry run); `None` for objects to create.
    pub merged: Option<Value>,
    /// Fields kubectl's own field managers hold that this apply changes, on an object labelled
    /// `managed-by: kubectl-ozone`: `apply` takes them over (server-side apply `force`).
    pub takeover: Vec<FieldConflict>,
    /// Conflict with another field manager (not kubectl's): `apply` refuses unless
    /// `--force-conflicts`. One line naming the managers, the fields and the choices.
    pub conflict: Option<String>,
}

impl Compared {
    /// What happens to it.
    pub fn action(&self) -> Action {
        match (&self.live, &self.merged) {
            (None, _) => Action::Create,
            (Some(live), Some(merged)) if without_noise(live) == without_noise(merged) => {
                Action::Unchanged
            }
            _ => Action::Update,
        }
    }

    /// Whether `apply` sends it with `force`: asked for, or fields of kubectl's to take over.
    pub fn force(&self, force_conflicts: bool) -> bool {
        force_conflicts || !self.takeover.is_empty()
    }

    /// Its change for `diff`: a unified diff with Secret data masked. A StatefulSet shows the
    /// rendered replicas and storage, which the transitions (not the apply itself) bring about.
    pub fn change(&self) -> ObjectChange {
        let mut live = self.live.as_ref().map(without_noise);
        let mut desired = without_noise(self.merged.as_ref().unwrap_or(&self.rendered));
        if self.kind == "StatefulSet" && self.live.is_some() {
            desired["spec"]["replicas"] = self.rendered["spec"]["replicas"].clone();
            if let (Some(shown), Some(wanted)) = (
                desired["spec"]["volumeClaimTemplates"].as_array_mut(),
                self.rendered["spec"]["volumeClaimTemplates"].as_array(),
            ) {
                for (s, w) in shown.iter_mut().zip(wanted) {
                    s["spec"]["resources"]["requests"]["storage"] =
                        w["spec"]["resources"]["requests"]["storage"].clone();
                }
            }
        }
        mask_secrets(live.as_mut(), &mut desired);
        // A StatefulSet whose only difference is the replicas or storage a transition brings
        // about is still a difference: it is an update for `diff`, though `apply` writes it
        // only through the transition.
        let action = match &live {
            Some(l) if *l == desired => Action::Unchanged,
            Some(_) => Action::Update,
            None => Action::Create,
        };
        ObjectChange {
            kind: self.kind.clone(),
            name: self.name.clone(),
            action,
            diff: unified(&self.kind, &self.name, live.as_ref(), Some(&desired)),
        }
    }
}

/// The whole comparison.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The resolved spec.
    pub cluster: Cluster,
    /// Rendered objects, in apply order.
    pub objects: Vec<Compared>,
    /// Live objects of this cluster the spec no longer renders.
    pub prune: Vec<Value>,
    /// What the changes mean for Ozone.
    pub transitions: Vec<Transition>,
    /// The cluster's workloads, pods and PVCs now.
    pub view: ClusterView,
}

/// What `diff -o json|yaml` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report<'a> {
    /// Cluster.
    pub cluster: &'a str,
    /// Namespace.
    pub namespace: &'a str,
    /// Transitions.
    pub transitions: &'a [Transition],
    /// Per object (unchanged ones left out).
    pub objects: Vec<ObjectChange>,
    /// Conflicts with field managers other than kubectl's, which `apply` refuses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    /// The fields of kubectl's own managers `apply` takes over, as one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub takeover: Option<String>,
}

impl Comparison {
    /// Changes per object, unchanged ones left out; pruned objects last.
    pub fn changes(&self) -> Vec<ObjectChange> {
        let mut out: Vec<ObjectChange> = self
            .objects
            .iter()
            .map(Compared::change)
            .filter(|c| c.action != Action::Unchanged)
            .collect();
        for p in &self.prune {
            let (kind, name) = kind_and_name(p);
            let mut live = without_noise(p);
            mask_secrets(None, &mut live);
            out.push(ObjectChange {
                diff: unified(&kind, &name, Some(&live), None),
                kind,
                name,
                action: Action::Prune,
            });
        }
        out
    }

    /// Conflicts with other field managers, one line each.
    pub fn conflicts(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter_map(|o| o.conflict.clone())
            .collect()
    }

    /// One line saying which fields of kubectl's own field managers `apply` takes over, on
    /// which objects; `None` when there are none.
    pub fn takeover_note(&self) -> Option<String> {
        let objects: Vec<&Compared> = self
            .objects
            .iter()
            .filter(|o| !o.takeover.is_empty())
            .collect();
        if objects.is_empty() {
            return None;
        }
        let all: Vec<FieldConflict> = objects
            .iter()
            .flat_map(|o| o.takeover.iter().cloned())
            .collect();
        let fields = all.len();
        let list: Vec<String> = objects
            .iter()
            .map(|o| format!("{}/{}", o.kind, o.name))
            .collect();
        Some(format!(
            "taking over {fields} field{} held by field manager {} (kubectl's own) on {}: kubectl-ozone manages them from now on",
            if fields == 1 { "" } else { "s" },
            managers_of(&all).join(", "),
            list.join(", ")
        ))
    }

    /// Transitions `apply` refuses.
    pub fn refusals(&self) -> Vec<&Transition> {
        self.transitions.iter().filter(|t| t.refused()).collect()
    }
}

/// Refuses to take over an object of the same name that is not this cluster's: another Ozone
/// cluster's, or one kubectl-ozone did not make.
fn check_owner(cluster: &str, kind: &str, name: &str, live: &Value) -> Result<(), BadInput> {
    if kind == "Namespace" {
        return Ok(());
    }
    let meta: kube::core::ObjectMeta =
        serde_json::from_value(live["metadata"].clone()).unwrap_or_default();
    let instance = label(&meta, LABEL_INSTANCE);
    let manager = label(&meta, LABEL_MANAGED_BY);
    if instance == Some(cluster) && manager == Some(MANAGER) {
        return Ok(());
    }
    Err(BadInput(format!(
        "{kind} {name} already exists but is not part of Ozone cluster {cluster} made by kubectl-ozone (its labels: {LABEL_INSTANCE}={}, {LABEL_MANAGED_BY}={}): another cluster of the same name, or objects made another way; refusing to take it over — nothing was changed. Use another metadata.name or namespace",
        instance.unwrap_or("<none>"),
        manager.unwrap_or("<none>")
    )))
}

/// The refusal of a conflict with field managers that are not kubectl's: who, which fields,
/// and the ways out.
fn refusal(kind: &str, name: &str, conflicts: &[FieldConflict], message: &str) -> String {
    let managers = managers_of(conflicts);
    let who = if managers.is_empty() {
        "another field manager".to_owned()
    } else {
        format!("field manager {}", managers.join(", "))
    };
    format!(
        "{kind} {name}: {}. {who} is not kubectl but another tool — a GitOps controller such as Argo CD or Flux, or an operator — that would put its values back. Either make this change where that tool takes it from (or stop it managing these fields), or take the fields over with --force-conflicts",
        describe_conflicts(conflicts, message)
    )
}

/// Compares the spec with the cluster. Nothing is written: server-side applies are dry runs.
/// `field_manager` is the name the applies are sent under (`kubectl-ozone` from the command
/// line, the operator's own from the operator). `owner` (the operator's `OzoneCluster`) is
/// added to every object's `ownerReferences`, so deleting the resource deletes what was
/// rendered for it; the Namespace is then left out: it holds the resource itself.
pub async fn compare(
    session: &Session,
    cluster: Cluster,
    force_conflicts: bool,
    field_manager: &str,
    owner: Option<&Value>,
) -> Result<Comparison> {
    let mut manifest = ozone_generator::objects::render(&cluster)?;
    if let Some(owner) = owner {
        manifest.owned_by(owner);
    }
    let kube = &session.kube;
    let namespace_exists = match manifest.objects().iter().find(|o| o.kind == "Namespace") {
        Some(ns) => match kube.live(&ns.value).await {
            Ok(live) => live.is_some(),
            // A namespaced Role cannot read Namespaces; the commands work inside it anyway.
            Err(ObjectError::Api {
                source: crate::cluster::errors::ApiError::Forbidden { .. },
                ..
            }) => true,
            Err(e) => return Err(e.into()),
        },
        None => true,
    };
    let mut objects = Vec::new();
    for o in manifest.objects() {
        let live = if namespace_exists {
            match kube.live(&o.value).await {
                Ok(live) => live,
                Err(ObjectError::Api {
                    source: crate::cluster::errors::ApiError::Forbidden { .. },
                    ..
                }) if o.kind == "Namespace" => {
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            None
        };
        if let Some(l) = &live {
            check_owner(&cluster.name, &o.kind, &o.name, l)?;
        }
        let sent = as_sent_by(&o.value, live.as_ref(), field_manager);
        let (merged, takeover, conflict) = match &live {
            None => (None, Vec::new(), None),
            Some(l) => match kube
                .dry_run_apply_as(&sent, field_manager, force_conflicts)
                .await
            {
                Ok(m) => (Some(m), Vec::new(), None),
                Err(ObjectError::Conflict {
                    message, conflicts, ..
                }) => {
                    // What the apply would store if it took the fields: shown by `diff`
                    // either way (a dry run writes nothing).
                    let merged = kube.dry_run_apply_as(&sent, field_manager, true).await?;
                    let ours = l["metadata"]["labels"][LABEL_MANAGED_BY] == MANAGER;
                    // kubectl-ozone's own other writes (scale, template patches: managers
                    // of operation Update) are its own to take back as well.
                    if ours
                        && !conflicts.is_empty()
                        && conflicts.iter().all(|c| {
                            is_kubectl_manager(&c.manager)
                                || c.manager == MANAGER
                                || c.manager == field_manager
                        })
                    {
                        (Some(merged), conflicts, None)
                    } else {
                        let refusal = refusal(&o.kind, &o.name, &conflicts, &message);
                        (Some(merged), Vec::new(), Some(refusal))
                    }
                }
                Err(e) => return Err(e.into()),
            },
        };
        objects.push(Compared {
            kind: o.kind.clone(),
            name: o.name.clone(),
            rendered: o.value.clone(),
            live,
            sent,
            merged,
            takeover,
            conflict,
        });
    }
    let rendered: BTreeSet<(String, String)> = objects
        .iter()
        .map(|o| (o.kind.clone(), o.name.clone()))
        .collect();
    let prune: Vec<Value> = if namespace_exists {
        kube.managed_objects(&cluster.name)
            .await?
            .into_iter()
            .filter(|p| !rendered.contains(&kind_and_name(p)))
            .filter(|p| kind_info(&kind_and_name(p).0).is_some_and(|k| k.prunable))
            .collect()
    } else {
        Vec::new()
    };
    debug_assert!(KINDS.iter().all(|k| k.kind != "PersistentVolumeClaim"));
    let view = kube
        .snapshot(&cluster.name, kube.ozone_statefulsets().await?)
        .await?;
    let live_shape = Shape::of(
        &cluster.name,
        objects
            .iter()
            .filter_map(|o| o.live.as_ref())
            .chain(prune.iter()),
    );
    let desired_shape = Shape::of(&cluster.name, manifest.objects().iter().map(|o| &o.value));
    let templates: BTreeSet<Component> = objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "StatefulSet" | "Deployment"))
        .filter_map(|o| {
            let (live, merged) = (o.live.as_ref()?, o.merged.as_ref()?);
            let component = live["metadata"]["labels"][ozone_generator::names::LABEL_COMPONENT]
                .as_str()
                .and_then(Component::from_id)?;
            template_changes(live, merged).then_some(component)
        })
        .collect();
    let transitions = detect(
        &live_shape,
        &desired_shape,
        &templates,
        view.pods.is_empty(),
    );
    Ok(Comparison {
        cluster,
        objects,
        prune,
        transitions,
        view,
    })
}
