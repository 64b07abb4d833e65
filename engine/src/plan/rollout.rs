//! When a workload counts as rolled out, for `apply --wait`. A StatefulSet: the controller
//! has seen its latest spec (`observedGeneration`), every replica runs the update revision
//! (`updatedReplicas`) and is ready (`readyReplicas`), and `currentRevision` equals
//! `updateRevision`. With `updateStrategy: OnDelete` the controller never moves
//! `currentRevision` forward (it does so only when completing a RollingUpdate), so there
//! every replica being updated and ready is the condition. A Deployment: observed, every
//! replica updated and ready.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};

/// Why the StatefulSet is not rolled out yet; `None` when it is.
pub fn statefulset_pending(sts: &StatefulSet) -> Option<String> {
    let generation = sts.metadata.generation.unwrap_or(0);
    let spec = sts.spec.as_ref()?;
    let replicas = spec.replicas.unwrap_or(1);
    let on_delete = spec
        .update_strategy
        .as_ref()
        .and_then(|s| s.type_.as_deref())
        == Some("OnDelete");
    let Some(status) = sts.status.as_ref() else {
        return Some("no status yet".into());
    };
    let observed = status.observed_generation.unwrap_or(0);
    if observed < generation {
        return Some(format!(
            "the controller has not seen the latest spec (generation {generation}, observed {observed})"
        ));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    if updated < replicas {
        return Some(format!("{updated}/{replicas} pods on the new revision"));
    }
    let ready = status.ready_replicas.unwrap_or(0);
    if ready < replicas {
        return Some(format!("{ready}/{replicas} pods ready"));
    }
    if !on_delete && status.current_revision != status.update_revision {
        return Some(format!(
            "current revision {} is not the update revision {}",
            status.current_revision.as_deref().unwrap_or("-"),
            status.update_revision.as_deref().unwrap_or("-")
        ));
    }
    None
}

/// Why the Deployment is not rolled out yet; `None` when it is.
pub fn deployment_pending(d: &Deployment) -> Option<String> {
    let generation = d.metadata.generation.unwrap_or(0);
    let replicas = d.spec.as_ref()?.replicas.unwrap_or(1);
    let Some(status) = d.status.as_ref() else {
        return Some("no status yet".into());
    };
    let observed = status.observed_generation.unwrap_or(0);
    if observed < generation {
        return Some(format!(
            "the controller has not seen the latest spec (generation {generation}, observed {observed})"
        ));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    if updated < replicas {
        return Some(format!("{updated}/{replicas} pods on the new template"));
    }
    let ready = status.ready_replicas.unwrap_or(0);
    (ready < replicas).then(|| format!("{ready}/{replicas} pods ready"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sts(strategy: &str, status: serde_json::Value) -> StatefulSet {
        serde_json::from_value(json!({
            "metadata": {"name": "ozone-om", "generation": 2},
            "spec": {"replicas": 3, "serviceName": "h", "selector": {},
                     "updateStrategy": {"type": strategy}, "template": {}},
            "status": status
        }))
        .unwrap()
    }

    #[test]
    fn statefulset_rollout_condition() {
        let done = json!({"replicas": 3, "observedGeneration": 2, "updatedReplicas": 3,
            "readyReplicas": 3, "currentRevision": "r2", "updateRevision": "r2"});
        assert_eq!(
            statefulset_pending(&sts("RollingUpdate", done.clone())),
            None
        );
        let mut old = done.clone();
        old["observedGeneration"] = json!(1);
        assert!(
            statefulset_pending(&sts("RollingUpdate", old))
                .unwrap()
                .contains("not seen")
        );
        let mut updating = done.clone();
        updating["updatedReplicas"] = json!(2);
        assert_eq!(
            statefulset_pending(&sts("OnDelete", updating)).as_deref(),
            Some("2/3 pods on the new revision")
        );
        let mut not_ready = done.clone();
        not_ready["readyReplicas"] = json!(2);
        assert_eq!(
            statefulset_pending(&sts("OnDelete", not_ready)).as_deref(),
            Some("2/3 pods ready")
        );
        let mut behind = done;
        behind["currentRevision"] = json!("r1");
        assert!(statefulset_pending(&sts("RollingUpdate", behind.clone())).is_some());
        // OnDelete never moves currentRevision: updated and ready is rolled out.
        assert_eq!(statefulset_pending(&sts("OnDelete", behind)), None);
    }

    #[test]
    fn deployment_rollout_condition() {
        let d = |status: serde_json::Value| -> Deployment {
            serde_json::from_value(json!({"metadata": {"generation": 1},
                "spec": {"replicas": 2, "selector": {}, "template": {}}, "status": status}))
            .unwrap()
        };
        assert_eq!(
            deployment_pending(&d(
                json!({"observedGeneration": 1, "updatedReplicas": 2, "readyReplicas": 2})
            )),
            None
        );
        assert!(
            deployment_pending(&d(
                json!({"observedGeneration": 1, "updatedReplicas": 2, "readyReplicas": 1})
            ))
            .is_some()
        );
    }
}
