//! The only code that changes a cluster: scaling a StatefulSet, deleting a PVC or a pod,
//! annotating a pod, creating or replacing a Secret, asking cert-manager to renew, running an
//! Ozone mutation. An [`Actuator`] can only be built with a [`Confirmed`] token, which the
//! confirmation step hands out and a dry run never asks for, so a dry run cannot write.

use super::errors::{ApiError, classify};
use super::exec::{OzoneAdmin, OzoneError, OzoneReader};
use super::view::KubeReader;
use crate::ui::confirm::Confirmed;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, Secret};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use ozone_generator::names::MANAGER;
use ozone_storage::admin::Mutation;

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
