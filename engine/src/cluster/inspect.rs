//! Reads for diagnosis (`doctor`, `report`): events, container logs, NetworkPolicies, the
//! cluster-scoped facts an install depends on (nodes, StorageClasses, API groups, version),
//! access reviews and HTTP through the pod proxy. All of them only read: a
//! SelfSubjectAccessReview is a `create` that stores nothing, it only asks the authorizer.

use super::errors::{ApiError, classify};
use super::view::KubeReader;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams, LogParams, PostParams};

/// A kube error in one line, for "could not check" findings.
fn api_error(
    err: kube::Error,
    verb: &'static str,
    resource: &'static str,
    namespace: &str,
) -> ApiError {
    classify(err, verb, resource, namespace)
}

impl KubeReader {
    /// Every event of the namespace (one request).
    pub async fn events(&self) -> Result<Vec<Event>, ApiError> {
        let api: Api<Event> = Api::namespaced(self.client().clone(), self.namespace());
        api.list(&ListParams::default())
            .await
            .map(|l| l.items)
            .map_err(|e| api_error(e, "list", "events", self.namespace()))
    }

    /// The last `tail` lines (all when `None`) of a container's log, of the current or the
    /// previous instance, optionally only the last `since_seconds`.
    pub async fn pod_log(
        &self,
        pod: &str,
        container: &str,
        previous: bool,
        tail: Option<i64>,
        since_seconds: Option<i64>,
    ) -> Result<String, ApiError> {
        let api: Api<Pod> = Api::namespaced(self.client().clone(), self.namespace());
        let params = LogParams {
            container: Some(container.to_owned()),
            previous,
            tail_lines: tail,
            since_seconds,
            ..LogParams::default()
        };
        api.logs(pod, &params)
            .await
            .map_err(|e| api_error(e, "get", "pods/log", self.namespace()))
    }

    /// Every object of a kind in the namespace, whoever owns it (one request).
    pub async fn list_all<K>(&self, resource: &'static str) -> Result<Vec<K>, ApiError>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + serde::de::DeserializeOwned
            + std::fmt::Debug,
        K::DynamicType: Default,
    {
        let api: Api<K> = Api::namespaced(self.client().clone(), self.namespace());
        api.list(&ListParams::default())
            .await
            .map(|l| l.items)
            .map_err(|e| api_error(e, "list", resource, self.namespace()))
    }

    /// The namespace's NetworkPolicies.
    pub async fn network_policies(&self) -> Result<Vec<NetworkPolicy>, ApiError> {
        let api: Api<NetworkPolicy> = Api::namespaced(self.client().clone(), self.namespace());
        api.list(&ListParams::default())
            .await
            .map(|l| l.items)
            .map_err(|e| {
                api_error(
                    e,
                    "list",
                    "networkpolicies.networking.k8s.io",
                    self.namespace(),
                )
            })
    }

    /// The namespace object, if it exists (cluster-scoped read).
    pub async fn namespace_object(&self) -> Result<Option<Namespace>, ApiError> {
        let api: Api<Namespace> = Api::all(self.client().clone());
        api.get_opt(self.namespace())
            .await
            .map_err(|e| api_error(e, "get", "namespaces", "(cluster-scoped)"))
    }

    /// Every node (cluster-scoped read).
    pub async fn nodes(&self) -> Result<Vec<Node>, ApiError> {
        let api: Api<Node> = Api::all(self.client().clone());
        api.list(&ListParams::default())
            .await
            .map(|l| l.items)
            .map_err(|e| api_error(e, "list", "nodes", "(cluster-scoped)"))
    }

    /// Every StorageClass (cluster-scoped read).
    pub async fn storage_classes(&self) -> Result<Vec<StorageClass>, ApiError> {
        let api: Api<StorageClass> = Api::all(self.client().clone());
        api.list(&ListParams::default())
            .await
            .map(|l| l.items)
            .map_err(|e| {
                api_error(
                    e,
                    "list",
                    "storageclasses.storage.k8s.io",
                    "(cluster-scoped)",
                )
            })
    }

    /// The kinds an API group version serves (`monitoring.coreos.com/v1`), or `None` when the
    /// API server does not serve it. Discovery is open to every authenticated user.
    pub async fn api_kinds(&self, group_version: &str) -> Result<Option<Vec<String>>, kube::Error> {
        match self.client().list_api_group_resources(group_version).await {
            Ok(list) => Ok(Some(list.resources.into_iter().map(|r| r.kind).collect())),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The API server's version, as `(major, minor)` digits.
    pub async fn server_version(&self) -> Result<(String, String), kube::Error> {
        let info = self.client().apiserver_version().await?;
        Ok((info.major, info.minor))
    }

    /// Whether the current user may `verb` the resource (`group`, `resource`) in
    /// `namespace` (cluster-wide when `None`), as the authorizer answers right now.
    pub async fn can(
        &self,
        verb: &str,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Result<bool, kube::Error> {
        let api: Api<SelfSubjectAccessReview> = Api::all(self.client().clone());
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(verb.to_owned()),
                    group: Some(group.to_owned()),
                    resource: Some(resource.to_owned()),
                    namespace: namespace.map(str::to_owned),
                    ..ResourceAttributes::default()
                }),
                ..SelfSubjectAccessReviewSpec::default()
            },
            ..SelfSubjectAccessReview::default()
        };
        let answer = api.create(&PostParams::default(), &review).await?;
        Ok(answer.status.is_some_and(|s| s.allowed))
    }

    /// `GET` a path of a pod's HTTP server through the API server's pod proxy
    /// (`pods/<pod>:<port>/proxy/<path>`).
    pub async fn pod_proxy_get(
        &self,
        pod: &str,
        scheme: &str,
        port: u16,
        path: &str,
    ) -> Result<String, ApiError> {
        let prefix = if scheme == "https" { "https:" } else { "" };
        let uri = format!(
            "/api/v1/namespaces/{}/pods/{prefix}{pod}:{port}/proxy/{}",
            self.namespace(),
            path.trim_start_matches('/')
        );
        let request = http::Request::get(uri)
            .body(Vec::new())
            .map_err(|e| ApiError::Other {
                verb: "get",
                resource: "pods/proxy",
                namespace: self.namespace().to_owned(),
                source: kube::Error::HttpError(e),
            })?;
        self.client()
            .request_text(request)
            .await
            .map_err(|e| api_error(e, "get", "pods/proxy", self.namespace()))
    }
}
