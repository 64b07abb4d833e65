//! Reading a cluster's Kubernetes objects: a constant number of list requests with label
//! selectors, never one request per pod, so `status` costs the same for 5 or 500 datanodes.

use super::errors::{ApiError, classify};
use super::exec::Targets;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, ContainerStatus, PersistentVolumeClaim, Pod, Secret, Service,
};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
use ozone_generator::names::{APP_NAME, LABEL_COMPONENT, LABEL_INSTANCE, LABEL_NAME, Names};
use ozone_storage::Component;

/// Read-only access to the namespace. It has no method that writes.
#[derive(Clone)]
pub struct KubeReader {
    client: kube::Client,
    namespace: String,
}

impl KubeReader {
    /// Reads from `namespace`.
    pub fn new(client: kube::Client, namespace: &str) -> KubeReader {
        KubeReader {
            client,
            namespace: namespace.to_owned(),
        }
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The client, for the actuator built after confirmation and for exec.
    pub(super) fn client(&self) -> &kube::Client {
        &self.client
    }

    async fn list<K>(&self, selector: &str, resource: &'static str) -> Result<Vec<K>, ApiError>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + serde::de::DeserializeOwned
            + std::fmt::Debug,
        K::DynamicType: Default,
    {
        let api: Api<K> = Api::namespaced(self.client.clone(), &self.namespace);
        api.list(&ListParams::default().labels(selector))
            .await
            .map(|l| l.items)
            .map_err(|e| classify(e, "list", resource, &self.namespace))
    }

    /// Every Ozone StatefulSet in the namespace, of any cluster.
    pub async fn ozone_statefulsets(&self) -> Result<Vec<StatefulSet>, ApiError> {
        self.list(&format!("{LABEL_NAME}={APP_NAME}"), "statefulsets.apps")
            .await
    }

    /// A pod, if it exists.
    pub async fn pod(&self, name: &str) -> Result<Option<Pod>, ApiError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
        api.get_opt(name)
            .await
            .map_err(|e| classify(e, "get", "pods", &self.namespace))
    }

    /// A ConfigMap, if it exists.
    pub async fn config_map(&self, name: &str) -> Result<Option<ConfigMap>, ApiError> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.namespace);
        api.get_opt(name)
            .await
            .map_err(|e| classify(e, "get", "configmaps", &self.namespace))
    }

    /// A Secret, if it exists. Callers keep its data to themselves: key material is never
    /// printed.
    pub async fn secret(&self, name: &str) -> Result<Option<Secret>, ApiError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &self.namespace);
        api.get_opt(name)
            .await
            .map_err(|e| classify(e, "get", "secrets", &self.namespace))
    }

    /// A Secret in another namespace (an application's), if it exists. Same rule: its data
    /// is never printed.
    pub async fn secret_in(&self, namespace: &str, name: &str) -> Result<Option<Secret>, ApiError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), namespace);
        api.get_opt(name)
            .await
            .map_err(|e| classify(e, "get", "secrets", namespace))
    }

    /// A Service, if it exists.
    pub async fn service(&self, name: &str) -> Result<Option<Service>, ApiError> {
        let api: Api<Service> = Api::namespaced(self.client.clone(), &self.namespace);
        api.get_opt(name)
            .await
            .map_err(|e| classify(e, "get", "services", &self.namespace))
    }

    /// The pods of one component of a cluster, as they are now (one list request).
    pub async fn component_pods(
        &self,
        cluster: &str,
        component: Component,
    ) -> Result<Vec<Pod>, ApiError> {
        let selector = format!(
            "{LABEL_NAME}={APP_NAME},{LABEL_INSTANCE}={cluster},{LABEL_COMPONENT}={}",
            component.id()
        );
        self.list(&selector, "pods").await
    }

    /// An object of `info`'s kind as JSON (an `OzoneCluster` resource), if it exists; the
    /// raw client error otherwise, so the caller can tell 404 and 403 apart.
    pub async fn object(
        &self,
        info: &super::objects::KindInfo,
        name: &str,
    ) -> Result<serde_json::Value, kube::Error> {
        super::objects::api(&self.client, &self.namespace, info)
            .get(name)
            .await
            .map(|o| serde_json::to_value(o).unwrap_or_default())
    }

    /// A cert-manager Certificate, if it exists.
    pub async fn certificate(&self, name: &str) -> Result<Option<DynamicObject>, ApiError> {
        certificates(&self.client, &self.namespace)
            .get_opt(name)
            .await
            .map_err(|e| classify(e, "get", "certificates.cert-manager.io", &self.namespace))
    }

    /// The cluster's objects: its StatefulSets (from `statefulsets`, already listed during
    /// discovery), Deployments, pods and PVCs — three more requests.
    pub async fn snapshot(
        &self,
        cluster: &str,
        statefulsets: Vec<StatefulSet>,
    ) -> Result<ClusterView, ApiError> {
        let selector = format!("{LABEL_NAME}={APP_NAME},{LABEL_INSTANCE}={cluster}");
        let (deployments, pods, pvcs) = tokio::try_join!(
            self.list::<Deployment>(&selector, "deployments.apps"),
            self.list::<Pod>(&selector, "pods"),
            self.list::<PersistentVolumeClaim>(&selector, "persistentvolumeclaims"),
        )?;
        let statefulsets = statefulsets
            .into_iter()
            .filter(|s| label(&s.metadata, LABEL_INSTANCE) == Some(cluster))
            .collect();
        Ok(ClusterView {
            names: Names::new(cluster, &self.namespace, "cluster.local"),
            statefulsets,
            deployments,
            pods,
            pvcs,
        })
    }
}

/// The `cert-manager.io/v1` Certificates of a namespace.
pub(super) fn certificates(client: &kube::Client, namespace: &str) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("cert-manager.io", "v1", "Certificate");
    Api::namespaced_with(
        client.clone(),
        namespace,
        &ApiResource::from_gvk_with_plural(&gvk, "certificates"),
    )
}

/// A label's value.
pub fn label<'a>(meta: &'a kube::core::ObjectMeta, key: &str) -> Option<&'a str> {
    meta.labels.as_ref()?.get(key).map(String::as_str)
}

/// The component a labelled object belongs to.
pub fn component_of(meta: &kube::core::ObjectMeta) -> Option<Component> {
    label(meta, LABEL_COMPONENT).and_then(Component::from_id)
}

/// One cluster's Kubernetes objects, as read at one moment.
#[derive(Clone, Debug)]
pub struct ClusterView {
    /// Object names of the cluster.
    pub names: Names,
    /// StatefulSets.
    pub statefulsets: Vec<StatefulSet>,
    /// Deployments.
    pub deployments: Vec<Deployment>,
    /// Pods.
    pub pods: Vec<Pod>,
    /// PersistentVolumeClaims.
    pub pvcs: Vec<PersistentVolumeClaim>,
}

impl ClusterView {
    /// The cluster name.
    pub fn cluster(&self) -> &str {
        self.names.cluster()
    }

    /// Pods of a component, by ordinal then name.
    pub fn pods_of(&self, component: Component) -> Vec<&Pod> {
        let mut pods: Vec<&Pod> = self
            .pods
            .iter()
            .filter(|p| component_of(&p.metadata) == Some(component))
            .collect();
        pods.sort_by_key(|p| {
            let name = p.metadata.name.clone().unwrap_or_default();
            (ordinal(&name).unwrap_or(i32::MAX), name)
        });
        pods
    }

    /// The StatefulSet of a component.
    pub fn statefulset(&self, component: Component) -> Option<&StatefulSet> {
        self.statefulsets
            .iter()
            .find(|s| component_of(&s.metadata) == Some(component))
    }

    /// Pods that can run the Ozone CLI: running and ready ones first, then other running
    /// ones (a not-ready SCM can still answer admin commands through its peers).
    pub fn exec_targets(&self) -> Targets {
        let pick = |c| {
            let pods = self.pods_of(c);
            let (ready, rest): (Vec<&Pod>, Vec<&Pod>) = pods
                .into_iter()
                .filter(|p| phase(p) == "Running")
                .partition(|p| is_ready(p));
            ready
                .into_iter()
                .chain(rest)
                .filter_map(|p| p.metadata.name.clone())
                .collect()
        };
        Targets {
            scm: pick(Component::Scm),
            om: pick(Component::Om),
        }
    }
}

/// The ordinal of a StatefulSet pod name (`ozone-datanode-12` → 12).
pub fn ordinal(pod: &str) -> Option<i32> {
    pod.rsplit_once('-')?.1.parse().ok()
}

/// A pod's phase.
pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Unknown")
}

/// Whether the pod's Ready condition is true.
pub fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The status of every container of a pod, init containers first, each with whether it is
/// an init container.
pub fn container_statuses(pod: &Pod) -> impl Iterator<Item = (&ContainerStatus, bool)> {
    let status = pod.status.as_ref();
    let init = status
        .and_then(|s| s.init_container_statuses.as_ref())
        .into_iter()
        .flatten()
        .map(|c| (c, true));
    let main = status
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .map(|c| (c, false));
    init.chain(main)
}

/// Container restarts.
pub fn restarts(pod: &Pod) -> i32 {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|cs| cs.iter().map(|c| c.restart_count).sum())
        .unwrap_or(0)
}

/// The node the pod runs on.
pub fn node(pod: &Pod) -> &str {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("")
}
