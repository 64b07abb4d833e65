//! The only code that changes a cluster: scaling a StatefulSet or Deployment, setting a
//! workload's image or annotations, deleting a PVC or a pod,
//! annotating a pod, creating or replacing a Secret, asking cert-manager to renew, running an
//! Ozone mutation. An [`Actuator`] can only be built with a [`Confirmed`] token, which the
//! confirmation step hands out and a dry run never asks for, so a dry run cannot write.

use super::errors::{ApiError, classify};
use super::exec::{OzoneAdmin, OzoneError, OzoneReader};
use super::view::KubeReader;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, Secret};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use ozone_generator::names::MANAGER;
use ozone_storage::admin::Mutation;
use std::collections::BTreeMap;

/// Proof that whoever drives the engine agreed to change the cluster: the command line hands
/// one out after its confirmation step (a dry run never asks for one), the operator when it
/// reconciles a resource it owns. An [`Actuator`] cannot be built without one.
#[derive(Debug)]
pub struct Confirmed {
    _private: (),
}

impl Confirmed {
    /// The caller's word that the change was agreed to.
    pub fn granted() -> Confirmed {
        Confirmed { _private: () }
    }
}

/// The kind of a workload the actuator patches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkloadKind {
    /// `apps/v1` StatefulSet.
    StatefulSet,
    /// `apps/v1` Deployment.
    Deployment,
}

impl WorkloadKind {
    /// As kubectl names it (`statefulset`, `deployment`).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::Deployment => "deployment",
        }
    }

    fn resource(self) -> &'static str {
        match self {
            WorkloadKind::StatefulSet => "statefulsets",
            WorkloadKind::Deployment => "deployments",
        }
    }
}

/// A new image for a workload's pod template: which containers get it, and the version
/// label the pods carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateImage {
    /// The image.
    pub image: String,
    /// Containers that run it.
    pub containers: Vec<String>,
    /// Init containers that run it.
    pub init_containers: Vec<String>,
    /// The `app.kubernetes.io/version` label of the pod template.
    pub version_label: String,
    /// New arguments of one container: `(container, args)`.
    pub args: Option<(String, Vec<String>)>,
}

/// Writes to the cluster.
pub struct Actuator {
    client: kube::Client,
    namespace: String,
    ozone: OzoneAdmin,
}

impl Actuator {
    /// The actuator for a confirmed change.
    pub fn new(kube: &KubeReader, ozone: &OzoneReader, _confirmed: Confirmed) -> Actuator {
        let (exec, targets) = ozone.parts();
        Actuator {
            client: kube.client().clone(),
            namespace: kube.namespace().to_owned(),
            ozone: OzoneAdmin::new(exec, targets),
        }
    }

    /// Runs an Ozone admin command that changes the cluster.
    pub async fn ozone(&self, m: &Mutation) -> Result<String, OzoneError> {
        self.ozone.mutate(m).await
    }

    /// Sets a StatefulSet's replicas through its `scale` subresource.
    pub async fn scale_statefulset(&self, name: &str, replicas: i32) -> Result<(), ApiError> {
        let api: Api<StatefulSet> = Api::namespaced(self.client.clone(), &self.namespace);
        let patch = serde_json::json!({"spec": {"replicas": replicas}});
        api.patch_scale(name, &PatchParams::apply(MANAGER), &Patch::Merge(&patch))
            .await
            .map(drop)
            .map_err(|e| classify(e, "patch", "statefulsets/scale", &self.namespace))
    }

    /// Sets a Deployment's replicas through its `scale` subresource.
    pub async fn scale_deployment(&self, name: &str, replicas: i32) -> Result<(), ApiError> {
        let api: Api<Deployment> = Api::namespaced(self.client.clone(), &self.namespace);
        let patch = serde_json::json!({"spec": {"replicas": replicas}});
        api.patch_scale(name, &PatchParams::apply(MANAGER), &Patch::Merge(&patch))
            .await
            .map(drop)
            .map_err(|e| classify(e, "patch", "deployments/scale", &self.namespace))
    }

    /// Sets (`Some`) or removes (`None`) annotations of a StatefulSet or Deployment (a merge
    /// patch of its metadata; its pods are not touched).
    pub async fn annotate_workload(
        &self,
        kind: WorkloadKind,
        name: &str,
        annotations: &BTreeMap<String, Option<String>>,
    ) -> Result<(), ApiError> {
        let patch = serde_json::json!({"metadata": {"annotations": annotations}});
        self.patch_workload(kind, name, &Patch::Merge(&patch)).await
    }

    /// Sets the image (and optionally one container's arguments) of a workload's pod
    /// template, with a strategic merge patch that names the containers, so the others and
    /// every other field stay. With `updateStrategy: OnDelete` running pods keep their image
    /// until they are recreated.
    pub async fn set_template_image(
        &self,
        kind: WorkloadKind,
        name: &str,
        change: &TemplateImage,
    ) -> Result<(), ApiError> {
        let container = |n: &String| {
            let mut c = serde_json::json!({"name": n, "image": change.image});
            if let Some((target, args)) = &change.args
                && target == n
            {
                c["args"] = serde_json::json!(args);
            }
            c
        };
        let mut spec = serde_json::json!({
            "containers": change.containers.iter().map(container).collect::<Vec<_>>(),
        });
        if !change.init_containers.is_empty() {
            spec["initContainers"] = change
                .init_containers
                .iter()
                .map(|n| serde_json::json!({"name": n, "image": change.image}))
                .collect();
        }
        let patch = serde_json::json!({"spec": {"template": {
            "metadata": {"labels": {ozone_generator::names::LABEL_VERSION: change.version_label}},
            "spec": spec,
        }}});
        self.patch_workload(kind, name, &Patch::Strategic(&patch))
            .await
    }

    async fn patch_workload(
        &self,
        kind: WorkloadKind,
        name: &str,
        patch: &Patch<&serde_json::Value>,
    ) -> Result<(), ApiError> {
        let params = PatchParams::default();
        let result = match kind {
            WorkloadKind::StatefulSet => {
                let api: Api<StatefulSet> = Api::namespaced(self.client.clone(), &self.namespace);
                api.patch(name, &params, patch).await.map(drop)
            }
            WorkloadKind::Deployment => {
                let api: Api<Deployment> = Api::namespaced(self.client.clone(), &self.namespace);
                api.patch(name, &params, patch).await.map(drop)
            }
        };
        result.map_err(|e| classify(e, "patch", kind.resource(), &self.namespace))
    }

    /// Deletes a PVC (and so, with the usual `Delete` reclaim policy, its data).
    pub async fn delete_pvc(&self, name: &str) -> Result<(), ApiError> {
        let api: Api<PersistentVolumeClaim> = Api::namespaced(self.client.clone(), &self.namespace);
        match api.delete(name, &DeleteParams::default()).await {
            Ok(_) => Ok(()),
            // Already gone: a resumed run may find it deleted.
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(classify(
                e,
                "delete",
                "persistentvolumeclaims",
                &self.namespace,
            )),
        }
    }

    /// Deletes a pod so that its StatefulSet or Deployment recreates it.
    pub async fn delete_pod(&self, name: &str) -> Result<(), ApiError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        match api.delete(name, &DeleteParams::default()).await {
            Ok(_) => Ok(()),
            // Already gone: its controller is recreating it.
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(classify(e, "delete", "pods", &self.namespace)),
        }
    }

    /// Creates a pod (a short-lived helper such as `recover --from`'s restore pod). One that
    /// exists already under the name (left by an interrupted run) is kept: `Ok(false)`.
    pub async fn create_pod(&self, pod: &Pod) -> Result<bool, ApiError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        match api.create(&PostParams::default(), pod).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
            Err(e) => Err(classify(e, "create", "pods", &self.namespace)),
        }
    }

    /// Runs a command in `container` of `pod` with `stdin` streamed into it (exec through the
    /// API server, a buffer at a time).
    pub async fn stream_into_pod(
        &self,
        pod: &str,
        container: &str,
        argv: &[String],
        stdin: super::exec::Stdin<'_>,
    ) -> Result<super::exec::ExecOutput, super::exec::ExecError> {
        self.ozone.stream_into(pod, container, argv, stdin).await
    }

    /// Creates a Secret; fails if it exists (someone else created it since the plan was made).
    pub async fn create_secret(&self, secret: &Secret) -> Result<(), ApiError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &self.namespace);
        api.create(&PostParams::default(), secret)
            .await
            .map(drop)
            .map_err(|e| classify(e, "create", "secrets", &self.namespace))
    }

    /// Creates a Secret in another namespace (an application's); fails if it exists.
    pub async fn create_secret_in(&self, namespace: &str, secret: &Secret) -> Result<(), ApiError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        api.create(&PostParams::default(), secret)
            .await
            .map(drop)
            .map_err(|e| classify(e, "create", "secrets", namespace))
    }

    /// Replaces a Secret in another namespace; `metadata.resourceVersion` guards it as in
    /// [`Actuator::replace_secret`].
    pub async fn replace_secret_in(
        &self,
        namespace: &str,
        secret: &Secret,
    ) -> Result<(), ApiError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        let name = secret.metadata.name.clone().unwrap_or_default();
        api.replace(&name, &PostParams::default(), secret)
            .await
            .map(drop)
            .map_err(|e| classify(e, "update", "secrets", namespace))
    }

    /// Replaces a Secret. The caller sets `metadata.resourceVersion` to the version it read,
    /// so a Secret changed since the plan was made is not overwritten.
    pub async fn replace_secret(&self, secret: &Secret) -> Result<(), ApiError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &self.namespace);
        let name = secret.metadata.name.clone().unwrap_or_default();
        api.replace(&name, &PostParams::default(), secret)
            .await
            .map(drop)
            .map_err(|e| classify(e, "update", "secrets", &self.namespace))
    }

    /// Sets one annotation on a pod (a merge patch of its metadata; the pod keeps running).
    pub async fn annotate_pod(&self, pod: &str, key: &str, value: &str) -> Result<(), ApiError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        let patch = serde_json::json!({"metadata": {"annotations": {key: value}}});
        api.patch(pod, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map(drop)
            .map_err(|e| classify(e, "patch", "pods", &self.namespace))
    }

    /// Server-side applies a rendered object with field manager `kubectl-ozone`; returns
    /// the object as stored.
    pub async fn apply(
        &self,
        object: &serde_json::Value,
        force_conflicts: bool,
    ) -> Result<serde_json::Value, super::objects::ObjectError> {
        self.apply_as(object, MANAGER, force_conflicts).await
    }

    /// [`Actuator::apply`] as field manager `manager` (the operator applies under its own).
    pub async fn apply_as(
        &self,
        object: &serde_json::Value,
        manager: &str,
        force_conflicts: bool,
    ) -> Result<serde_json::Value, super::objects::ObjectError> {
        super::objects::apply(
            &self.client,
            &self.namespace,
            object,
            (manager, force_conflicts),
            false,
        )
        .await
    }

    /// Server-side applies an object of a kind render does not produce (an `OzoneCluster`
    /// resource) with field manager `kubectl-ozone`; returns the object as stored.
    pub async fn apply_kind(
        &self,
        info: &super::objects::KindInfo,
        object: &serde_json::Value,
        force_conflicts: bool,
    ) -> Result<serde_json::Value, super::objects::ObjectError> {
        super::objects::apply_kind(
            &self.client,
            &self.namespace,
            info,
            object,
            (MANAGER, force_conflicts),
            false,
        )
        .await
    }

    /// Sets one annotation on an object of any kind (a merge patch of its metadata).
    pub async fn annotate_object(
        &self,
        info: &super::objects::KindInfo,
        name: &str,
        key: &str,
        value: &str,
    ) -> Result<(), ApiError> {
        let api = super::objects::api(&self.client, &self.namespace, info);
        let patch = serde_json::json!({"metadata": {"annotations": {key: value}}});
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map(drop)
            .map_err(|e| classify(e, "patch", info.plural, &self.namespace))
    }

    /// Deletes an object `apply` prunes (the spec no longer renders it); gone already is fine.
    pub async fn delete_object(
        &self,
        info: &super::objects::KindInfo,
        name: &str,
    ) -> Result<(), ApiError> {
        let api = super::objects::api(&self.client, &self.namespace, info);
        match api.delete(name, &DeleteParams::default()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(classify(e, "delete", info.plural, &self.namespace)),
        }
    }

    /// Sets a PVC's requested storage (a merge patch); the StorageClass's provisioner expands
    /// the volume.
    pub async fn resize_pvc(&self, name: &str, size: &str) -> Result<(), ApiError> {
        let api: Api<PersistentVolumeClaim> = Api::namespaced(self.client.clone(), &self.namespace);
        let patch = serde_json::json!({"spec": {"resources": {"requests": {"storage": size}}}});
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map(drop)
            .map_err(|e| classify(e, "patch", "persistentvolumeclaims", &self.namespace))
    }

    /// Deletes a StatefulSet but not its pods (`--cascade=orphan`): they keep running and the
    /// StatefulSet created again under the same name adopts them. Gone already is fine.
    pub async fn delete_statefulset_orphan(&self, name: &str) -> Result<(), ApiError> {
        let api: Api<StatefulSet> = Api::namespaced(self.client.clone(), &self.namespace);
        match api.delete(name, &DeleteParams::orphan()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(classify(e, "delete", "statefulsets", &self.namespace)),
        }
    }

    /// Sets (`Some`) or removes (`None`) entries of a ConfigMap's data (a merge patch; the
    /// other entries stay). Pods read it through `envFrom` only when they start.
    pub async fn set_config_map_data(
        &self,
        name: &str,
        entries: &BTreeMap<String, Option<String>>,
    ) -> Result<(), ApiError> {
        let api: Api<k8s_openapi::api::core::v1::ConfigMap> =
            Api::namespaced(self.client.clone(), &self.namespace);
        let patch = serde_json::json!({"data": entries});
        api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map(drop)
            .map_err(|e| classify(e, "patch", "configmaps", &self.namespace))
    }

    /// Sets a StatefulSet's pod template to exactly `template` (read, then replaced with its
    /// `resourceVersion`, so a StatefulSet changed in between is not overwritten). With
    /// `updateStrategy: OnDelete` only pods created afterwards start from it.
    pub async fn replace_statefulset_template(
        &self,
        name: &str,
        template: &serde_json::Value,
    ) -> Result<(), ApiError> {
        let api: Api<StatefulSet> = Api::namespaced(self.client.clone(), &self.namespace);
        let mut sts = api
            .get(name)
            .await
            .map_err(|e| classify(e, "get", "statefulsets", &self.namespace))?;
        let spec = sts.spec.get_or_insert_with(Default::default);
        spec.template = serde_json::from_value(template.clone()).map_err(|e| {
            classify(
                kube::Error::SerdeError(e),
                "update",
                "statefulsets",
                &self.namespace,
            )
        })?;
        let params = PostParams {
            field_manager: Some(MANAGER.to_owned()),
            ..PostParams::default()
        };
        api.replace(name, &params, &sts)
            .await
            .map(drop)
            .map_err(|e| classify(e, "update", "statefulsets", &self.namespace))
    }

    /// Runs a command that changes files in a pod (emptying a held member's metadata).
    pub async fn exec_in(
        &self,
        pod: &str,
        container: &str,
        argv: &[String],
    ) -> Result<String, OzoneError> {
        self.ozone.run_in_pod(pod, container, argv).await
    }

    /// Replaces a cert-manager Certificate's status (how `cmctl renew` asks for a renewal).
    pub async fn replace_certificate_status(
        &self,
        certificate: &DynamicObject,
    ) -> Result<(), ApiError> {
        let name = certificate.metadata.name.clone().unwrap_or_default();
        super::view::certificates(&self.client, &self.namespace)
            .replace_status(&name, &PostParams::default(), certificate)
            .await
            .map(drop)
            .map_err(|e| {
                classify(
                    e,
                    "update",
                    "certificates.cert-manager.io/status",
                    &self.namespace,
                )
            })
    }
}
