//! Test doubles: a fake Kubernetes API server behind a real `kube::Client` that records every
//! request, and a scripted Ozone whose command outputs have the shapes reference §6
//! documents. Both can be told to fail on any write, which is how dry runs are proven dry.

use crate::cluster::Session;
use crate::cluster::exec::{BoxFuture, ExecError, ExecOutput, OzoneExec};
use http::{Method, Request, Response, StatusCode};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, Node, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::client::Body;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub mod rbac;
pub mod ssa;

/// One recorded API request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Method.
    pub method: Method,
    /// Path and query.
    pub uri: String,
}

/// The writes of both fakes in the order they happened: `PUT secrets/<name>`,
/// `DELETE pods/<name>`, `PATCH pods/<name>`, `PUT certificates/<name>/status`, and
/// `exec <argv>` for Ozone mutations.
pub type Journal = Arc<Mutex<Vec<String>>>;

/// A change to the fake cluster made by [`ApiState::before_write`].
pub type BeforeWrite = Box<dyn FnOnce(&mut ApiState) + Send>;

/// What the fake API server holds.
#[derive(Default)]
pub struct ApiState {
    /// cert-manager Certificates, as JSON.
    pub certificates: Vec<Value>,
    /// Writes, shared with the scripted Ozone.
    pub journal: Journal,
    /// Pod lists a recreated pod stays not ready for (0: ready at once).
    pub ready_after_lists: u32,
    /// Recreated pods that never become ready.
    pub never_ready: Vec<String>,
    /// Recreated pods and the pod lists left until they are ready.
    pub starting: BTreeMap<String, u32>,
    /// Pods recreated so far, for new uids.
    pub recreated: u32,
    /// Pods deleted while another pod of their component was not ready.
    pub deleted_while_others_not_ready: Vec<String>,
    /// Refuse the write that would be the journal's entry at this index (a cluster that
    /// goes away mid-run); writes before and after it succeed.
    pub fail_write_at: Option<usize>,
    /// Runs once just before the write that would be the journal's entry at this index: the
    /// cluster changing under a run (a pod going down, leadership moving).
    pub before_write: Option<(usize, BeforeWrite)>,
    /// What cert-manager writes into a Secret when its Certificate is renewed:
    /// `(secret name, renewal number) → tls.crt`. Unset: renewal is never completed.
    pub renew: Option<fn(&str, u32) -> String>,
    /// StatefulSets.
    pub statefulsets: Vec<StatefulSet>,
    /// Deployments.
    pub deployments: Vec<Deployment>,
    /// Pods.
    pub pods: Vec<Pod>,
    /// PVCs.
    pub pvcs: Vec<PersistentVolumeClaim>,
    /// ConfigMaps.
    pub config_maps: Vec<ConfigMap>,
    /// Secrets.
    pub secrets: Vec<Secret>,
    /// Services.
    pub services: Vec<Service>,
    /// Every request, in order.
    pub requests: Vec<Recorded>,
    /// Answer every write with 500.
    pub fail_writes: bool,
    /// Answer exec with 403.
    pub forbid_exec: bool,
    /// Answer pod lists with 403.
    pub forbid_pod_list: bool,
    /// Objects of other kinds, as `(resource, object)`: what server-side apply creates.
    pub objects: Vec<(String, Value)>,
    /// Events (core/v1) of the namespace.
    pub events: Vec<Event>,
    /// NetworkPolicies of the namespace.
    pub network_policies: Vec<NetworkPolicy>,
    /// Nodes.
    pub nodes: Vec<Node>,
    /// StorageClasses.
    pub storage_classes: Vec<StorageClass>,
    /// Namespaces (a namespace not listed does not exist).
    pub namespaces: Vec<Namespace>,
    /// Group versions served beyond the built-in ones (`monitoring.coreos.com/v1`) → kinds.
    pub api_groups: BTreeMap<String, Vec<String>>,
    /// The API server's version as (major, minor); unset: 1.33.
    pub server_version: Option<(String, String)>,
    /// Access reviews answered "not allowed", as `verb group/resource` (`create /namespaces`).
    pub denied: Vec<String>,
    /// Container logs: `pod/container` for the current instance, `pod/container/previous`
    /// for the previous one.
    pub logs: BTreeMap<String, String>,
    /// Pod proxy answers: `pod:port/path` → body; others are 503.
    pub proxy: BTreeMap<String, String>,
    /// Answer cluster-scoped reads (nodes, StorageClasses, namespaces) with 403, as for a user
    /// with only the namespaced operator Role.
    pub forbid_cluster_reads: bool,
    /// What the pod proxy streams, by `<scheme>:<pod>:<port>/<path>` (query dropped):
    /// status and body. Unlisted targets answer 404 from the pod (no such endpoint).
    pub proxy_streams: BTreeMap<String, (u16, Vec<u8>)>,
    /// Answer the pod proxy with the API server's own 403 (RBAC).
    pub forbid_proxy: bool,
    /// The requester's RBAC rules (one Role's): when set, every request is authorized and
    /// every write of a Role or RoleBinding passes the escalation check as a real API server
    /// does it ([`rbac`]).
    pub rbac: Option<Vec<k8s_openapi::api::rbac::v1::PolicyRule>>,
    /// The last `metadata.resourceVersion` handed out to a Lease.
    pub resource_versions: u64,
    /// Refuse Lease writes with 500 (the engine lock cannot be taken or renewed). Leases are
    /// bookkeeping, not changes of the cluster: [`ApiState::fail_writes`] and
    /// [`ApiState::fail_write_at`] do not refuse them and the journal does not hold them.
    pub fail_lease_writes: bool,
}

/// A fake API server.
#[derive(Clone, Default)]
pub struct FakeApi {
    /// Its state.
    pub state: Arc<Mutex<ApiState>>,
}

fn status(code: StatusCode, reason: &str, message: &str) -> Response<Body> {
    let body = json!({
        "apiVersion": "v1", "kind": "Status", "status": "Failure",
        "message": message, "reason": reason, "code": code.as_u16()
    });
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string().into_bytes()))
        .unwrap()
}

fn ok(value: Value) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(Body::from(
            ssa::server_order(value).to_string().into_bytes(),
        ))
        .unwrap()
}

fn matches(labels: &Option<BTreeMap<String, String>>, selector: &str) -> bool {
    let empty = BTreeMap::new();
    let labels = labels.as_ref().unwrap_or(&empty);
    selector
        .split(',')
        .filter(|s| !s.is_empty())
        .all(|term| match term.split_once('=') {
            Some((k, v)) => labels.get(k).map(String::as_str) == Some(v),
            None => labels.contains_key(term),
        })
}

fn list<T: serde::Serialize + kube::Resource<DynamicType = ()>>(
    items: &[T],
    selector: &str,
    kind: &str,
) -> Value {
    let items: Vec<Value> = items
        .iter()
        .filter(|o| matches(&o.meta().labels, selector))
        .map(|o| serde_json::to_value(o).unwrap())
        .collect();
    json!({"apiVersion": "v1", "kind": kind, "metadata": {"resourceVersion": "1"}, "items": items})
}

fn query_param(uri: &http::Uri, key: &str) -> String {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| {
            v.replace("%3D", "=")
                .replace("%2C", ",")
                .replace("%2F", "/")
        })
        .unwrap_or_default()
}

impl FakeApi {
    /// A client whose requests this fake answers.
    pub fn client(&self, namespace: &str) -> kube::Client {
        let state = self.state.clone();
        let svc = tower::service_fn(move |req: Request<Body>| {
            let state = state.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = body.collect_bytes().await.unwrap_or_default();
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                Ok::<_, std::convert::Infallible>(handle(&state, &parts, &body))
            }
        });
        kube::Client::new(svc, namespace)
    }

    /// Requests that were not reads, dry runs or writes of the engine lock (a Lease).
    pub fn writes(&self) -> Vec<Recorded> {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| {
                r.method != Method::GET
                    && !r.uri.contains("dryRun=All")
                    && !r.uri.starts_with("/apis/coordination.k8s.io/")
            })
            .cloned()
            .collect()
    }

    /// Writes of Leases (the engine lock), as `METHOD name`.
    pub fn lease_writes(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| r.method != Method::GET && r.uri.starts_with("/apis/coordination.k8s.io/"))
            .map(|r| {
                let path = r.uri.split('?').next().unwrap_or_default();
                let what = path
                    .split("/namespaces/")
                    .nth(1)
                    .and_then(|r| r.split_once('/'))
                    .map_or(path, |(_, rest)| rest);
                format!("{} {what}", r.method)
            })
            .collect()
    }

    /// A stored object of any kind the fake keeps as JSON (Leases, custom resources).
    pub fn object(&self, resource: &str, name: &str) -> Option<Value> {
        stored_named(&self.state.lock().unwrap(), resource, name)
    }

    /// All requests.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// A Secret as the fake holds it now.
    pub fn secret(&self, name: &str) -> Option<Secret> {
        self.state
            .lock()
            .unwrap()
            .secrets
            .iter()
            .find(|s| s.metadata.name.as_deref() == Some(name))
            .cloned()
    }

    /// A pod as the fake holds it now.
    pub fn pod(&self, name: &str) -> Option<Pod> {
        self.state
            .lock()
            .unwrap()
            .pods
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some(name))
            .cloned()
    }
}

/// Applies a JSON merge patch (RFC 7386) to an object; strategic merge patches of metadata
/// behave the same, which is all the commands send.
fn merge_patch<T: serde::Serialize + serde::de::DeserializeOwned>(
    obj: &mut T,
    patch: &Value,
) -> Result<(), serde_json::Error> {
    let mut v = serde_json::to_value(&*obj)?;
    merge(&mut v, patch);
    *obj = serde_json::from_value(v)?;
    Ok(())
}

fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let t = target.as_object_mut().unwrap();
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// A strategic merge patch as the API server applies it to pod templates: lists of objects
/// with a `name` (containers, init containers) merge element by element; other lists and
/// values are replaced, `null` removes.
fn strategic_merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    strategic_merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (Value::Array(t), Value::Array(p))
            if p.iter()
                .all(|e| e.get("name").is_some_and(Value::is_string)) =>
        {
            for e in p {
                match t.iter_mut().find(|x| x.get("name") == e.get("name")) {
                    Some(x) => strategic_merge(x, e),
                    None => t.push(e.clone()),
                }
            }
        }
        // A map patched into a field that has none (`{"annotations": {"k": null}}` on an
        // object without annotations): merged into an empty map, so `null` removes nothing.
        (t, p) if p.is_object() => {
            *t = json!({});
            strategic_merge(t, p);
        }
        (t, p) => *t = p.clone(),
    }
}

fn patch_object<T: serde::Serialize + serde::de::DeserializeOwned>(
    obj: &mut T,
    patch: &Value,
) -> Response<Body> {
    let mut v = serde_json::to_value(&*obj).unwrap();
    strategic_merge(&mut v, patch);
    match serde_json::from_value(v.clone()) {
        Ok(o) => {
            *obj = o;
            ok(v)
        }
        Err(e) => status(StatusCode::BAD_REQUEST, "BadRequest", &e.to_string()),
    }
}

/// A workload's controller after a scale: pods beyond `replicas` go, missing ones are created
/// from the pod template (a new uid, not ready until started). StatefulSet pods are
/// `<name>-<ordinal>`; Deployment pods `<name>-<n>` with a fresh `n`.
fn reconcile_pods(
    st: &mut ApiState,
    name: &str,
    template: &k8s_openapi::api::core::v1::PodTemplateSpec,
    replicas: i32,
    stateful: bool,
) -> Vec<String> {
    let prefix = format!("{name}-");
    let ours = |p: &Pod| {
        let n = p.metadata.name.clone().unwrap_or_default();
        n.starts_with(&prefix) && n[prefix.len()..].parse::<u32>().is_ok()
            || (!stateful
                && template
                    .metadata
                    .as_ref()
                    .and_then(|m| m.labels.as_ref())
                    .is_some_and(|l| {
                        l.iter().all(|(k, v)| {
                            p.metadata.labels.as_ref().and_then(|pl| pl.get(k)) == Some(v)
                        })
                    }))
    };
    if stateful {
        st.pods.retain(|p| {
            let n = p.metadata.name.clone().unwrap_or_default();
            !(n.starts_with(&prefix)
                && crate::cluster::view::ordinal(&n).is_some_and(|o| o >= replicas))
        });
    } else {
        let mut kept = 0;
        st.pods.retain(|p| {
            if !ours(p) {
                return true;
            }
            kept += 1;
            kept <= replicas
        });
    }
    let existing: Vec<String> = st
        .pods
        .iter()
        .filter(|p| ours(p))
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    let missing: Vec<String> = if stateful {
        (0..replicas)
            .map(|i| format!("{name}-{i}"))
            .filter(|n| !existing.contains(n))
            .collect()
    } else {
        let have = existing.len() as i32;
        (have..replicas)
            .map(|_| {
                st.recreated += 1;
                format!("{name}-{}", st.recreated)
            })
            .collect()
    };
    // Fixtures whose templates are bare copy an existing pod of the workload instead.
    let sibling = st.pods.iter().find(|p| ours(p)).cloned();
    for pod_name in missing.clone() {
        st.recreated += 1;
        let meta = template.metadata.clone().unwrap_or_default();
        let bare = template
            .spec
            .as_ref()
            .is_none_or(|s| s.containers.iter().all(|c| c.image.is_none()));
        let (labels, spec) = match (&sibling, bare || meta.labels.is_none()) {
            (Some(p), true) => (p.metadata.labels.clone(), p.spec.clone()),
            _ => (meta.labels, template.spec.clone()),
        };
        let mut pod = Pod {
            metadata: kube::core::ObjectMeta {
                name: Some(pod_name.clone()),
                namespace: Some("ozone".into()),
                uid: Some(format!("{pod_name}-uid-{}", st.recreated)),
                labels,
                ..Default::default()
            },
            spec,
            status: Some(k8s_openapi::api::core::v1::PodStatus {
                phase: Some("Running".into()),
                ..Default::default()
            }),
        };
        set_ready(&mut pod, false);
        st.pods.push(pod);
        st.starting.insert(pod_name, st.ready_after_lists);
    }
    missing
}

fn named<'a, T: kube::Resource>(items: &'a mut [T], name: &str) -> Option<&'a mut T> {
    items
        .iter_mut()
        .find(|o| o.meta().name.as_deref() == Some(name))
}

fn secret_routes(
    st: &mut ApiState,
    method: &Method,
    name: Option<&str>,
    selector: &str,
    body: &Value,
) -> Response<Body> {
    let not_found = |n: &str| {
        status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("secrets \"{n}\" not found"),
        )
    };
    match (method.clone(), name) {
        (Method::GET, None) => ok(list(&st.secrets, selector, "SecretList")),
        (Method::GET, Some(n)) => match named(&mut st.secrets, n) {
            Some(s) => ok(serde_json::to_value(&*s).unwrap()),
            None => not_found(n),
        },
        (Method::POST, None) => {
            let Ok(secret) = serde_json::from_value::<Secret>(body.clone()) else {
                return status(StatusCode::BAD_REQUEST, "BadRequest", "not a Secret");
            };
            let n = secret.metadata.name.clone().unwrap_or_default();
            if named(&mut st.secrets, &n).is_some() {
                return status(
                    StatusCode::CONFLICT,
                    "AlreadyExists",
                    &format!("secrets \"{n}\" already exists"),
                );
            }
            st.secrets.push(secret.clone());
            ok(serde_json::to_value(secret).unwrap())
        }
        (Method::PUT, Some(n)) => {
            let Ok(secret) = serde_json::from_value::<Secret>(body.clone()) else {
                return status(StatusCode::BAD_REQUEST, "BadRequest", "not a Secret");
            };
            match named(&mut st.secrets, n) {
                Some(s) => {
                    *s = secret.clone();
                    ok(serde_json::to_value(secret).unwrap())
                }
                None => not_found(n),
            }
        }
        (Method::PATCH, Some(n)) => match named(&mut st.secrets, n) {
            Some(s) => match merge_patch(s, body) {
                Ok(()) => ok(serde_json::to_value(&*s).unwrap()),
                Err(e) => status(StatusCode::BAD_REQUEST, "BadRequest", &e.to_string()),
            },
            None => not_found(n),
        },
        (Method::DELETE, Some(n)) => {
            match st
                .secrets
                .iter()
                .position(|s| s.metadata.name.as_deref() == Some(n))
            {
                Some(i) => ok(serde_json::to_value(st.secrets.remove(i)).unwrap()),
                None => not_found(n),
            }
        }
        _ => status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "fake: unsupported secrets request",
        ),
    }
}

/// A pod list: recreated pods get one list closer to ready first.
fn list_pods(st: &mut ApiState, selector: &str) -> Value {
    pods_listed(st);
    list(&st.pods, selector, "PodList")
}

/// What listing the pods does to them: time passes, and started pods get ready.
fn pods_listed(st: &mut ApiState) {
    let mut became_ready = Vec::new();
    for (pod, left) in st.starting.iter_mut() {
        if *left == 0 && !st.never_ready.contains(pod) {
            became_ready.push(pod.clone());
        }
        *left = left.saturating_sub(1);
    }
    for name in became_ready {
        st.starting.remove(&name);
        if let Some(pod) = named(&mut st.pods, &name) {
            set_ready(pod, true);
        }
    }
}

/// Marks pod `name` ready or not, as its readiness probe would.
pub fn set_pod_ready(st: &mut ApiState, name: &str, ready: bool) {
    if let Some(pod) = named(&mut st.pods, name) {
        set_ready(pod, ready);
    }
}

fn set_ready(pod: &mut Pod, ready: bool) {
    let status = pod.status.get_or_insert_with(Default::default);
    status.conditions = Some(vec![
        serde_json::from_value(
            json!({"type": "Ready", "status": if ready { "True" } else { "False" }}),
        )
        .unwrap(),
    ]);
}

/// Deleting a pod of a StatefulSet or Deployment: the controller creates a new one (a new
/// uid, no annotations; the same name for a StatefulSet pod, a new name for a Deployment's),
/// not ready until it has started.
fn recreate_pod(st: &mut ApiState, name: &str) -> Option<Pod> {
    let i = st
        .pods
        .iter()
        .position(|p| p.metadata.name.as_deref() == Some(name))?;
    let old = st.pods.remove(i);
    let component = |p: &Pod| crate::cluster::view::component_of(&p.metadata);
    if st
        .pods
        .iter()
        .any(|p| component(p) == component(&old) && !crate::cluster::view::is_ready(p))
    {
        st.deleted_while_others_not_ready.push(name.to_owned());
    }
    st.recreated += 1;
    let stateful = st.statefulsets.iter().any(|s| {
        name.strip_prefix(s.metadata.name.as_deref().unwrap_or_default())
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| n.parse::<u32>().is_ok())
    });
    let new_name = if stateful {
        name.to_owned()
    } else {
        let stem = name.rsplit_once('-').map_or(name, |(stem, _)| stem);
        format!("{stem}-r{}", st.recreated)
    };
    let mut new = old.clone();
    let owner = st
        .statefulsets
        .iter()
        .find(|s| {
            name.strip_prefix(s.metadata.name.as_deref().unwrap_or_default())
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .cloned();
    if let Some(rev) = owner
        .as_ref()
        .and_then(|s| s.status.as_ref()?.update_revision.clone())
    {
        new.metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert("controller-revision-hash".into(), rev);
    }
    // The replacement runs the containers of its workload's template as it is now (an
    // image or arguments changed under `OnDelete` reach a pod only when it is recreated);
    // templates without images (most fixtures) leave the pod as it was.
    let template = owner.and_then(|s| s.spec?.template.spec);
    if let (Some(t), Some(spec)) = (template, new.spec.as_mut())
        && t.containers.iter().any(|c| c.image.is_some())
    {
        spec.containers = t.containers;
        spec.init_containers = t.init_containers;
    }
    new.metadata.name = Some(new_name.clone());
    new.metadata.uid = Some(format!("{new_name}-uid-{}", st.recreated));
    new.metadata.annotations = None;
    new.metadata.creation_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
        k8s_openapi::jiff::Timestamp::now(),
    ));
    set_ready(&mut new, false);
    st.pods.insert(i, new);
    st.starting.insert(new_name, st.ready_after_lists);
    Some(old)
}

/// cert-manager's answer to a manual renewal: a new certificate in the Secret.
fn renew_certificate(st: &mut ApiState, certificate: &Value) {
    let issuing = certificate["status"]["conditions"]
        .as_array()
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Issuing" && c["status"] == "True")
        });
    let secret_name = certificate["spec"]["secretName"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let Some(renew) = st.renew.filter(|_| issuing) else {
        return;
    };
    st.recreated += 1;
    let crt = renew(&secret_name, st.recreated);
    if let Some(secret) = named(&mut st.secrets, &secret_name) {
        secret
            .data
            .get_or_insert_with(Default::default)
            .insert("tls.crt".into(), k8s_openapi::ByteString(crt.into_bytes()));
    }
}

fn handle(state: &Mutex<ApiState>, req: &http::request::Parts, body: &Value) -> Response<Body> {
    let mut st = state.lock().unwrap();
    let uri = req.uri.clone();
    let method = req.method.clone();
    st.requests.push(Recorded {
        method: method.clone(),
        uri: uri.to_string(),
    });
    let selector = query_param(&uri, "labelSelector");
    let parts: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    // An access review is a POST that stores nothing: it is answered even when writes are
    // refused, and is not a write in the journal.
    if method == Method::POST
        && parts.as_slice()
            == [
                "apis",
                "authorization.k8s.io",
                "v1",
                "selfsubjectaccessreviews",
            ]
    {
        return access_review(&st, body);
    }
    if let Some(response) = rbac::check(&st, req, &parts, body) {
        return response;
    }
    if let Some(response) = diagnosis_routes(&st, &method, &uri, &parts) {
        return response;
    }
    // A dry run changes nothing: it is neither refused nor journaled as a write.
    let dry_run = query_param(&uri, "dryRun") == "All";
    // Nor is the engine lock (a Lease): it is bookkeeping around the writes a test looks at.
    let lease = is_lease(&parts);
    if lease && method != Method::GET && st.fail_lease_writes {
        return status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "fake cluster: lease writes are refused in this test",
        );
    }
    let writes = method != Method::GET && !dry_run && !lease;
    if writes && st.fail_writes {
        return status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "fake cluster: writes are refused in this test",
        );
    }
    if writes && st.fail_write_at == Some(st.journal.lock().unwrap().len()) {
        return status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "fake cluster: this write is refused in this test",
        );
    }
    if writes {
        let at = st.journal.lock().unwrap().len();
        if st.before_write.as_ref().is_some_and(|(i, _)| *i == at)
            && let Some((_, change)) = st.before_write.take()
        {
            change(&mut st);
        }
        let what = match parts.as_slice() {
            [.., "namespaces", _, resource, name] => format!("{resource}/{name}"),
            [.., "namespaces", _, resource, name, sub] => format!("{resource}/{name}/{sub}"),
            _ => uri.path().to_owned(),
        };
        st.journal.lock().unwrap().push(format!("{method} {what}"));
    }
    let is_apply = req
        .headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/apply-patch"));
    if method == Method::PATCH && is_apply {
        let force = query_param(&uri, "force") == "true";
        let manager = query_param(&uri, "fieldManager");
        return server_side_apply(&mut st, &parts, body, dry_run, force, &manager);
    }
    if let Some(response) = restore_pod_routes(&mut st, &method, &parts, body) {
        return response;
    }
    match (method.clone(), parts.as_slice()) {
        (Method::DELETE, ["api", "v1", "namespaces", _, "pods", name]) => {
            let name = name.to_string();
            match recreate_pod(&mut st, &name) {
                Some(old) => ok(serde_json::to_value(old).unwrap()),
                None => status(StatusCode::NOT_FOUND, "NotFound", "pod not found"),
            }
        }
        (
            Method::GET,
            [
                "apis",
                "cert-manager.io",
                "v1",
                "namespaces",
                _,
                "certificates",
                name,
            ],
        ) => match st
            .certificates
            .iter()
            .find(|c| c["metadata"]["name"] == *name)
        {
            Some(c) => ok(c.clone()),
            None => status(StatusCode::NOT_FOUND, "NotFound", "certificate not found"),
        },
        (
            Method::PUT,
            [
                "apis",
                "cert-manager.io",
                "v1",
                "namespaces",
                _,
                "certificates",
                name,
                "status",
            ],
        ) => {
            let name = name.to_string();
            let Some(i) = st
                .certificates
                .iter()
                .position(|c| c["metadata"]["name"] == name.as_str())
            else {
                return status(StatusCode::NOT_FOUND, "NotFound", "certificate not found");
            };
            // The status subresource changes only the status.
            st.certificates[i]["status"] = body["status"].clone();
            let certificate = st.certificates[i].clone();
            renew_certificate(&mut st, &certificate);
            ok(certificate)
        }
        (Method::GET, ["api", "v1", "namespaces", _, "pods"]) if st.forbid_pod_list => status(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "pods is forbidden: User \"jane\" cannot list resource \"pods\" in the namespace \"ozone\"",
        ),
        (Method::GET, ["api", "v1", "namespaces", _, "pods"]) => ok(list_pods(&mut st, &selector)),
        (Method::GET, ["api", "v1", "namespaces", _, "pods", _, "exec"]) if st.forbid_exec => {
            status(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "pods \"ozone-scm-0\" is forbidden: User \"jane\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"ozone\"",
            )
        }
        (_, ["api", "v1", "namespaces", _, "secrets"]) => {
            secret_routes(&mut st, &method, None, &selector, body)
        }
        (_, ["api", "v1", "namespaces", _, "secrets", name]) => {
            let name = name.to_string();
            secret_routes(&mut st, &method, Some(&name), &selector, body)
        }
        (Method::PATCH, ["api", "v1", "namespaces", _, "pods", name]) => {
            let name = name.to_string();
            match named(&mut st.pods, &name) {
                Some(p) => match merge_patch(p, body) {
                    Ok(()) => ok(serde_json::to_value(&*p).unwrap()),
                    Err(e) => status(StatusCode::BAD_REQUEST, "BadRequest", &e.to_string()),
                },
                None => status(StatusCode::NOT_FOUND, "NotFound", "pod not found"),
            }
        }
        (Method::GET, ["api", "v1", "namespaces", _, "pods", _, "proxy", ..])
            if st.forbid_proxy =>
        {
            status(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "pods \"x\" is forbidden: cannot get resource \"pods/proxy\"",
            )
        }
        (
            Method::GET,
            [
                "api",
                "v1",
                "namespaces",
                _,
                "pods",
                target,
                "proxy",
                rest @ ..,
            ],
        ) => {
            let key = format!("{target}/{}", rest.join("/"));
            let (code, body) = st
                .proxy_streams
                .get(&key)
                .cloned()
                .unwrap_or((404, b"<html>Error 404 Not Found</html>".to_vec()));
            Response::builder()
                .status(code)
                .header("content-type", "application/x-tar")
                .body(Body::from(body))
                .unwrap()
        }
        (Method::GET, ["api", "v1", "namespaces", _, "persistentvolumeclaims"]) => {
            ok(list(&st.pvcs, &selector, "PersistentVolumeClaimList"))
        }
        (Method::GET, ["apis", "apps", "v1", "namespaces", _, "statefulsets"]) => {
            refresh_statefulset_status(&mut st);
            ok(list(&st.statefulsets, &selector, "StatefulSetList"))
        }
        (Method::GET, ["apis", "apps", "v1", "namespaces", _, "deployments"]) => {
            ok(list(&st.deployments, &selector, "DeploymentList"))
        }
        (Method::GET, ["api", "v1", "namespaces", _, "services", name]) => {
            match st
                .services
                .iter()
                .find(|c| c.metadata.name.as_deref() == Some(name))
            {
                Some(c) => ok(serde_json::to_value(c).unwrap()),
                None => status(StatusCode::NOT_FOUND, "NotFound", "service not found"),
            }
        }
        (Method::GET, ["api", "v1", "namespaces", _, "configmaps", name]) => {
            match st
                .config_maps
                .iter()
                .find(|c| c.metadata.name.as_deref() == Some(name))
            {
                Some(c) => ok(serde_json::to_value(c).unwrap()),
                None => status(StatusCode::NOT_FOUND, "NotFound", "configmap not found"),
            }
        }
        (
            Method::PATCH,
            [
                "apis",
                "apps",
                "v1",
                "namespaces",
                ns,
                "statefulsets",
                name,
                "scale",
            ],
        ) => {
            let replicas = body["spec"]["replicas"].as_i64().unwrap_or(0) as i32;
            let name = name.to_string();
            let ns = ns.to_string();
            let Some(sts) = st
                .statefulsets
                .iter_mut()
                .find(|s| s.metadata.name.as_deref() == Some(&name))
            else {
                return status(StatusCode::NOT_FOUND, "NotFound", "statefulset not found");
            };
            sts.spec.as_mut().unwrap().replicas = Some(replicas);
            let update_revision = sts.status.as_ref().and_then(|s| s.update_revision.clone());
            let template = sts.spec.as_ref().unwrap().template.clone();
            // The controller removes the highest ordinals and creates missing ones.
            let created = reconcile_pods(&mut st, &name, &template, replicas, true);
            if let Some(rev) = update_revision {
                // New pods start on the StatefulSet's current revision.
                for p in st.pods.iter_mut().filter(|p| {
                    p.metadata
                        .name
                        .as_ref()
                        .is_some_and(|n| created.contains(n))
                }) {
                    p.metadata
                        .labels
                        .get_or_insert_with(Default::default)
                        .insert("controller-revision-hash".into(), rev.clone());
                }
            }
            ok(json!({"apiVersion": "autoscaling/v1", "kind": "Scale",
                "metadata": {"name": name, "namespace": ns},
                "spec": {"replicas": replicas}, "status": {"replicas": replicas}}))
        }
        (
            Method::PATCH,
            [
                "apis",
                "apps",
                "v1",
                "namespaces",
                ns,
                "deployments",
                name,
                "scale",
            ],
        ) => {
            let replicas = body["spec"]["replicas"].as_i64().unwrap_or(0) as i32;
            let (name, ns) = (name.to_string(), ns.to_string());
            let Some(d) = named(&mut st.deployments, &name) else {
                return status(StatusCode::NOT_FOUND, "NotFound", "deployment not found");
            };
            d.spec.as_mut().unwrap().replicas = Some(replicas);
            let template = d.spec.as_ref().unwrap().template.clone();
            reconcile_pods(&mut st, &name, &template, replicas, false);
            ok(json!({"apiVersion": "autoscaling/v1", "kind": "Scale",
                "metadata": {"name": name, "namespace": ns},
                "spec": {"replicas": replicas}, "status": {"replicas": replicas}}))
        }
        (Method::PUT, ["apis", "apps", "v1", "namespaces", _, "statefulsets", name]) => {
            let name = name.to_string();
            replace_statefulset(&mut st, &name, body)
        }
        (Method::PATCH, ["apis", "apps", "v1", "namespaces", _, "statefulsets", name]) => {
            let name = name.to_string();
            match named(&mut st.statefulsets, &name) {
                Some(s) => {
                    let before = s.spec.as_ref().map(|spec| spec.template.clone());
                    let response = patch_object(s, body);
                    if response.status().is_success() {
                        new_revision_if_changed(s, before);
                    }
                    response
                }
                None => status(StatusCode::NOT_FOUND, "NotFound", "statefulset not found"),
            }
        }
        (Method::PATCH, ["apis", "apps", "v1", "namespaces", _, "deployments", name]) => {
            let name = name.to_string();
            match named(&mut st.deployments, &name) {
                Some(d) => patch_object(d, body),
                None => status(StatusCode::NOT_FOUND, "NotFound", "deployment not found"),
            }
        }
        (Method::DELETE, ["api", "v1", "namespaces", _, "persistentvolumeclaims", name]) => {
            let name = name.to_string();
            let Some(i) = st
                .pvcs
                .iter()
                .position(|c| c.metadata.name.as_deref() == Some(&name))
            else {
                return status(StatusCode::NOT_FOUND, "NotFound", "pvc not found");
            };
            let pvc = st.pvcs.remove(i);
            ok(serde_json::to_value(pvc).unwrap())
        }
        _ => generic_route(&mut st, &method, &parts, &selector, body).unwrap_or_else(|| {
            status(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("fake: no route for {method} {uri}"),
            )
        }),
    }
}

/// Whether a request path is of a Lease (`coordination.k8s.io`).
fn is_lease(parts: &[&str]) -> bool {
    parts.get(1) == Some(&"coordination.k8s.io")
}

/// `(resource, name)` of a request path: namespaced, or a Namespace itself.
fn resource_and_name<'a>(parts: &[&'a str]) -> Option<(&'a str, Option<&'a str>)> {
    match parts {
        ["api", "v1", "namespaces", name] => Some(("namespaces", Some(name))),
        [.., "namespaces", _, resource] => Some((resource, None)),
        [.., "namespaces", _, resource, name] => Some((resource, Some(name))),
        ["apis", _, _, resource, name] => Some((resource, Some(name))),
        _ => None,
    }
}

/// The stored object `name` of a resource, as JSON.
/// Every stored object of a resource, as JSON.
pub fn stored(st: &ApiState, resource: &str) -> Vec<Value> {
    stored_where(st, resource, |_| true)
}

fn stored_named(st: &ApiState, resource: &str, name: &str) -> Option<Value> {
    stored_where(st, resource, |m| m.name.as_deref() == Some(name))
        .into_iter()
        .next()
}

/// The stored objects of a resource whose metadata passes `keep`, as JSON. Only those are
/// serialized: a read of one object costs one object, not the whole collection (which made
/// every request of a scenario with a rendered cluster cost as much as listing it).
fn stored_where(
    st: &ApiState,
    resource: &str,
    keep: impl Fn(&kube::core::ObjectMeta) -> bool,
) -> Vec<Value> {
    fn values<T: serde::Serialize + kube::Resource>(
        items: &[T],
        keep: &dyn Fn(&kube::core::ObjectMeta) -> bool,
    ) -> Vec<Value> {
        items
            .iter()
            .filter(|o| keep(o.meta()))
            .map(|o| serde_json::to_value(o).unwrap())
            .collect()
    }
    match resource {
        "statefulsets" => values(&st.statefulsets, &keep),
        "deployments" => values(&st.deployments, &keep),
        "configmaps" => values(&st.config_maps, &keep),
        "secrets" => values(&st.secrets, &keep),
        "pods" => values(&st.pods, &keep),
        "persistentvolumeclaims" => values(&st.pvcs, &keep),
        "services" => values(&st.services, &keep),
        "networkpolicies" => values(&st.network_policies, &keep),
        "namespaces" => values(&st.namespaces, &keep),
        _ => st
            .objects
            .iter()
            .filter(|(r, o)| {
                r == resource
                    && keep(&kube::core::ObjectMeta {
                        name: o["metadata"]["name"].as_str().map(str::to_owned),
                        labels: serde_json::from_value(o["metadata"]["labels"].clone()).ok(),
                        ..Default::default()
                    })
            })
            .map(|(_, o)| o.clone())
            .collect(),
    }
}

fn put<T: serde::de::DeserializeOwned + kube::Resource>(items: &mut Vec<T>, object: &Value) {
    let Ok(typed) = serde_json::from_value::<T>(object.clone()) else {
        return;
    };
    let name = typed.meta().name.clone();
    match items.iter().position(|o| o.meta().name == name) {
        Some(i) => items[i] = typed,
        None => items.push(typed),
    }
}

/// Stores an object, replacing the one of the same name.
pub fn store(st: &mut ApiState, resource: &str, object: Value) {
    match resource {
        "statefulsets" => put(&mut st.statefulsets, &object),
        "deployments" => put(&mut st.deployments, &object),
        "configmaps" => put(&mut st.config_maps, &object),
        "secrets" => put(&mut st.secrets, &object),
        "pods" => put(&mut st.pods, &object),
        "persistentvolumeclaims" => put(&mut st.pvcs, &object),
        "services" => put(&mut st.services, &object),
        "networkpolicies" => put(&mut st.network_policies, &object),
        "namespaces" => put(&mut st.namespaces, &object),
        _ => {
            let name = object["metadata"]["name"].clone();
            st.objects
                .retain(|(r, o)| !(r == resource && o["metadata"]["name"] == name));
            st.objects.push((resource.to_owned(), object));
        }
    }
}

/// Removes an object; whether it was there.
fn unstore(st: &mut ApiState, resource: &str, name: &str) -> Option<Value> {
    let found = stored_named(st, resource, name)?;
    let keep = |n: Option<&String>| n.map(String::as_str) != Some(name);
    match resource {
        "statefulsets" => st.statefulsets.retain(|o| keep(o.metadata.name.as_ref())),
        "deployments" => st.deployments.retain(|o| keep(o.metadata.name.as_ref())),
        "configmaps" => st.config_maps.retain(|o| keep(o.metadata.name.as_ref())),
        "secrets" => st.secrets.retain(|o| keep(o.metadata.name.as_ref())),
        "pods" => st.pods.retain(|o| keep(o.metadata.name.as_ref())),
        "persistentvolumeclaims" => st.pvcs.retain(|o| keep(o.metadata.name.as_ref())),
        "services" => st.services.retain(|o| keep(o.metadata.name.as_ref())),
        "networkpolicies" => st
            .network_policies
            .retain(|o| keep(o.metadata.name.as_ref())),
        "namespaces" => st.namespaces.retain(|o| keep(o.metadata.name.as_ref())),
        _ => st
            .objects
            .retain(|(r, o)| !(r == resource && o["metadata"]["name"] == name)),
    }
    Some(found)
}

/// GET, list and DELETE of any stored resource.
fn generic_route(
    st: &mut ApiState,
    method: &Method,
    parts: &[&str],
    selector: &str,
    body: &Value,
) -> Option<Response<Body>> {
    let (resource, name) = resource_and_name(parts)?;
    let not_found = |n: &str| {
        status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("{resource} \"{n}\" not found"),
        )
    };
    Some(match (method.clone(), name) {
        (Method::GET, None) => {
            let items = stored_where(st, resource, |m| matches(&m.labels, selector));
            ok(
                json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": "1"}, "items": items}),
            )
        }
        (Method::GET, Some(n)) => match stored_named(st, resource, n) {
            Some(o) => ok(o),
            None => not_found(n),
        },
        (Method::DELETE, Some(n)) => match unstore(st, resource, n) {
            Some(o) => {
                // Without orphan propagation the garbage collector deletes the pods too.
                if resource == "statefulsets" && body["propagationPolicy"] != "Orphan" {
                    let prefix = format!("{n}-");
                    st.pods.retain(|p| {
                        !p.metadata
                            .name
                            .as_deref()
                            .is_some_and(|p| p.starts_with(&prefix))
                    });
                }
                ok(o)
            }
            None => not_found(n),
        },
        (Method::PATCH, Some(n)) => {
            let Some(mut o) = stored_named(st, resource, n) else {
                return Some(not_found(n));
            };
            merge(&mut o, body);
            store(st, resource, o.clone());
            ok(o)
        }
        // Leases (the engine lock) are created and replaced as a real API server does it:
        // create refuses a name that exists (409 AlreadyExists), replace refuses a stale
        // `metadata.resourceVersion` (409 Conflict), and every write bumps the version.
        (Method::POST, None) if resource == "leases" => {
            let name = body["metadata"]["name"].as_str().unwrap_or_default();
            if stored_named(st, resource, name).is_some() {
                return Some(status(
                    StatusCode::CONFLICT,
                    "AlreadyExists",
                    &format!("leases.coordination.k8s.io \"{name}\" already exists"),
                ));
            }
            let mut o = body.clone();
            st.resource_versions += 1;
            o["metadata"]["resourceVersion"] = json!(st.resource_versions.to_string());
            o["metadata"]["uid"] = json!(format!("{name}-uid"));
            store(st, resource, o.clone());
            ok(o)
        }
        (Method::PUT, Some(n)) if resource == "leases" => {
            let Some(current) = stored_named(st, resource, n) else {
                return Some(not_found(n));
            };
            let wanted = &body["metadata"]["resourceVersion"];
            if !wanted.is_null() && *wanted != current["metadata"]["resourceVersion"] {
                return Some(status(
                    StatusCode::CONFLICT,
                    "Conflict",
                    &format!(
                        "Operation cannot be fulfilled on leases.coordination.k8s.io \"{n}\": the object has been modified; please apply your changes to the latest version and try again"
                    ),
                ));
            }
            let mut o = body.clone();
            st.resource_versions += 1;
            o["metadata"]["resourceVersion"] = json!(st.resource_versions.to_string());
            store(st, resource, o.clone());
            ok(o)
        }
        _ => return None,
    })
}

/// The StatefulSet controller's status, for StatefulSets that have revisions: replicas,
/// ready and updated pods counted from the pods, `currentRevision` moved forward once every
/// pod is updated and ready (as a RollingUpdate completes).
fn refresh_statefulset_status(st: &mut ApiState) {
    let pods = st.pods.clone();
    for sts in st.statefulsets.iter_mut() {
        let name = sts.metadata.name.clone().unwrap_or_default();
        let Some(status) = sts.status.as_mut() else {
            continue;
        };
        let Some(update) = status.update_revision.clone() else {
            continue;
        };
        let mine: Vec<&Pod> = pods
            .iter()
            .filter(|p| {
                p.metadata.name.as_deref().is_some_and(|n| {
                    n.strip_prefix(&name)
                        .and_then(|r| r.strip_prefix('-'))
                        .is_some_and(|o| o.parse::<u32>().is_ok())
                })
            })
            .collect();
        let count = |f: &dyn Fn(&Pod) -> bool| mine.iter().filter(|p| f(p)).count() as i32;
        status.replicas = mine.len() as i32;
        status.ready_replicas = Some(count(&|p| crate::cluster::view::is_ready(p)));
        status.updated_replicas = Some(count(&|p| {
            crate::cluster::view::label(&p.metadata, "controller-revision-hash")
                == Some(update.as_str())
        }));
        let replicas = sts.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        if status.updated_replicas == Some(replicas) && status.ready_replicas == Some(replicas) {
            status.current_revision = Some(update);
        }
    }
}

/// The StatefulSet controller after a patch: a changed pod template is a new generation and
/// a new `status.updateRevision` (an earlier template's revision when it is that one again,
/// as the controller reuses an equal ControllerRevision). Pods are left as they are: with
/// `updateStrategy: OnDelete` only pods created afterwards start from the new template.
fn new_revision_if_changed(
    sts: &mut StatefulSet,
    before: Option<k8s_openapi::api::core::v1::PodTemplateSpec>,
) {
    let Some(spec) = sts.spec.as_ref() else {
        return;
    };
    if before.as_ref() == Some(&spec.template) {
        return;
    }
    let name = sts.metadata.name.clone().unwrap_or_default();
    let rev = revision(
        &name,
        &serde_json::to_value(&spec.template).unwrap_or_default(),
    );
    let generation = sts.metadata.generation.unwrap_or(0) + 1;
    sts.metadata.generation = Some(generation);
    let status = sts.status.get_or_insert_with(Default::default);
    status.observed_generation = Some(generation);
    status.update_revision = Some(rev);
}

/// A stable revision name for a StatefulSet's pod template.
pub fn revision(name: &str, template: &Value) -> String {
    use std::hash::{Hash, Hasher};
    // The same template reaches the fake as rendered JSON, through a typed round trip or a
    // patch: hashed in its typed form, an equal template is always the same revision.
    let typed =
        serde_json::from_value::<k8s_openapi::api::core::v1::PodTemplateSpec>(template.clone())
            .ok()
            .and_then(|t| serde_json::to_value(t).ok())
            .unwrap_or_else(|| template.clone());
    let mut h = std::collections::hash_map::DefaultHasher::new();
    typed.to_string().hash(&mut h);
    format!("{name}-{:x}", h.finish() & 0xffff_ffff)
}

/// Server-side apply as the API server does it ([`ssa`]): field ownership per manager,
/// conflicts with other managers unless forced (409 with a cause per field), atomic lists,
/// server defaults; immutable volume claim templates of StatefulSets refused as the API
/// server does, a new template giving a new `status.updateRevision`. A dry run returns the
/// result and stores nothing.
fn server_side_apply(
    st: &mut ApiState,
    parts: &[&str],
    body: &Value,
    dry_run: bool,
    force: bool,
    manager: &str,
) -> Response<Body> {
    let Some((resource, Some(name))) = resource_and_name(parts) else {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "fake: apply needs a name",
        );
    };
    let existing = stored_named(st, resource, name);
    let mut object = match ssa::apply(existing.as_ref(), body, manager, force) {
        Ok(o) => o,
        Err(c) => {
            let body = json!({
                "apiVersion": "v1", "kind": "Status", "status": "Failure",
                "message": c.message, "reason": "Conflict", "code": 409,
                "details": {"causes": c.causes}
            });
            return Response::builder()
                .status(StatusCode::CONFLICT)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string().into_bytes()))
                .unwrap();
        }
    };
    if existing.is_none() {
        object["metadata"]["uid"] = json!(format!("{name}-uid"));
        object["metadata"]["generation"] = json!(1);
    }
    if resource == "statefulsets" {
        let claims = |o: &Value| o["spec"]["volumeClaimTemplates"].clone();
        if let Some(e) = &existing
            && claims(e) != claims(&object)
        {
            return status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid",
                &format!(
                    "StatefulSet.apps \"{name}\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
                ),
            );
        }
        let template_changed = existing
            .as_ref()
            .is_none_or(|e| e["spec"]["template"] != object["spec"]["template"]);
        if template_changed {
            let generation = object["metadata"]["generation"].as_i64().unwrap_or(0) + 1;
            object["metadata"]["generation"] = json!(generation);
            let rev = revision(name, &object["spec"]["template"]);
            object["status"]["updateRevision"] = json!(rev);
            object["status"]["observedGeneration"] = json!(generation);
            if existing.is_none() {
                object["status"]["currentRevision"] = json!(rev);
            }
        }
    }
    if resource == "deployments" && existing.is_none() {
        // The Deployment controller, at once: every replica updated and ready.
        let replicas = object["spec"]["replicas"].as_i64().unwrap_or(1);
        object["status"] = json!({"observedGeneration": 1, "replicas": replicas,
            "updatedReplicas": replicas, "readyReplicas": replicas});
    }
    if !dry_run {
        store(st, resource, object.clone());
        if resource == "statefulsets" && existing.is_none() {
            create_statefulset_pods(st, &object);
        }
    }
    ok(object)
}

/// The StatefulSet controller creating a new StatefulSet's pods, not ready until started.
fn create_statefulset_pods(st: &mut ApiState, sts: &Value) {
    let name = sts["metadata"]["name"].as_str().unwrap_or_default();
    let replicas = sts["spec"]["replicas"].as_i64().unwrap_or(1);
    let mut labels = sts["spec"]["template"]["metadata"]["labels"].clone();
    labels["controller-revision-hash"] = sts["status"]["updateRevision"].clone();
    for i in 0..replicas {
        let pod_name = format!("{name}-{i}");
        if named(&mut st.pods, &pod_name).is_some() {
            // Orphaned by a delete with orphan propagation: adopted as it is.
            continue;
        }
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": pod_name, "namespace": sts["metadata"]["namespace"],
                         "uid": format!("{pod_name}-uid-0"), "labels": labels},
            "spec": {"containers": [{"name": "ozone"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}
        }))
        .unwrap();
        st.pods.push(pod);
        let lists = st.ready_after_lists;
        st.starting.insert(pod_name, lists);
    }
}

fn forbidden(resource: &str) -> Response<Body> {
    status(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!(
            "{resource} is forbidden: User \"jane\" cannot list resource \"{resource}\" at the cluster scope"
        ),
    )
}

fn text_response(body: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/plain")
        .body(Body::from(body.as_bytes().to_vec()))
        .unwrap()
}

/// A SelfSubjectAccessReview: allowed unless listed in `denied`.
fn access_review(st: &ApiState, body: &Value) -> Response<Body> {
    let attrs = &body["spec"]["resourceAttributes"];
    let key = format!(
        "{} {}/{}",
        attrs["verb"].as_str().unwrap_or(""),
        attrs["group"].as_str().unwrap_or(""),
        attrs["resource"].as_str().unwrap_or("")
    );
    let mut answer = body.clone();
    answer["status"] = json!({"allowed": !st.denied.contains(&key)});
    ok(answer)
}

/// The read-only routes `doctor` and `report` use: events, logs, NetworkPolicies, nodes,
/// StorageClasses, namespaces, API discovery, the version and the pod proxy.
fn diagnosis_routes(
    st: &ApiState,
    method: &Method,
    uri: &http::Uri,
    parts: &[&str],
) -> Option<Response<Body>> {
    if *method != Method::GET {
        return None;
    }
    let cluster_scoped = |resource: &str, value: Value| {
        if st.forbid_cluster_reads {
            forbidden(resource)
        } else {
            ok(value)
        }
    };
    let selector = query_param(uri, "labelSelector");
    let list_of = |items: Vec<Value>, kind: &str| json!({"apiVersion": "v1", "kind": kind, "metadata": {"resourceVersion": "1"}, "items": items});
    Some(match parts {
        ["version"] => {
            let (major, minor) = st
                .server_version
                .clone()
                .unwrap_or_else(|| ("1".into(), "33".into()));
            ok(
                json!({"major": major, "minor": minor, "gitVersion": format!("v{major}.{minor}.0"),
                "gitCommit": "", "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
                "goVersion": "go1.24", "compiler": "gc", "platform": "linux/amd64"}),
            )
        }
        ["apis", group, version] => match st.api_groups.get(&format!("{group}/{version}")) {
            Some(kinds) => ok(json!({"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": format!("{group}/{version}"),
                "resources": kinds.iter().map(|k| json!({"name": format!("{}s", k.to_ascii_lowercase()),
                    "singularName": k.to_ascii_lowercase(), "namespaced": true, "kind": k,
                    "verbs": ["get", "list"]})).collect::<Vec<_>>()})),
            None => status(
                StatusCode::NOT_FOUND,
                "NotFound",
                "the server could not find the requested resource",
            ),
        },
        ["api", "v1", "nodes"] => cluster_scoped(
            "nodes",
            list_of(
                st.nodes
                    .iter()
                    .map(|n| serde_json::to_value(n).unwrap())
                    .collect(),
                "NodeList",
            ),
        ),
        ["apis", "storage.k8s.io", "v1", "storageclasses"] => cluster_scoped(
            "storageclasses.storage.k8s.io",
            list_of(
                st.storage_classes
                    .iter()
                    .map(|n| serde_json::to_value(n).unwrap())
                    .collect(),
                "StorageClassList",
            ),
        ),
        ["api", "v1", "namespaces", name] => {
            if st.forbid_cluster_reads {
                return Some(forbidden("namespaces"));
            }
            match st
                .namespaces
                .iter()
                .find(|n| n.metadata.name.as_deref() == Some(name))
            {
                Some(n) => ok(serde_json::to_value(n).unwrap()),
                None => status(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    &format!("namespaces \"{name}\" not found"),
                ),
            }
        }
        ["api", "v1", "namespaces", _, "configmaps"] => {
            ok(list(&st.config_maps, &selector, "ConfigMapList"))
        }
        ["api", "v1", "namespaces", _, "services"] => {
            ok(list(&st.services, &selector, "ServiceList"))
        }
        ["api", "v1", "namespaces", _, "events"] => ok(list_of(
            st.events
                .iter()
                .map(|e| serde_json::to_value(e).unwrap())
                .collect(),
            "EventList",
        )),
        [
            "apis",
            "networking.k8s.io",
            "v1",
            "namespaces",
            _,
            "networkpolicies",
        ] => ok(list(&st.network_policies, &selector, "NetworkPolicyList")),
        ["api", "v1", "namespaces", _, "pods", pod, "log"] => {
            let container = query_param(uri, "container");
            let previous = query_param(uri, "previous") == "true";
            let key = if previous {
                format!("{pod}/{container}/previous")
            } else {
                format!("{pod}/{container}")
            };
            match st.logs.get(&key) {
                Some(text) => {
                    let lines: Vec<&str> = text.lines().collect();
                    let tail = query_param(uri, "tailLines")
                        .parse::<usize>()
                        .unwrap_or(lines.len());
                    let kept = &lines[lines.len().saturating_sub(tail)..];
                    text_response(&(kept.join("\n") + "\n"))
                }
                None => status(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!(
                        "previous terminated container \"{container}\" in pod \"{pod}\" not found"
                    ),
                ),
            }
        }
        [
            "api",
            "v1",
            "namespaces",
            _,
            "pods",
            target,
            "proxy",
            rest @ ..,
        ] => match st.proxy.get(&format!("{target}/{}", rest.join("/"))) {
            Some(body) => text_response(body),
            // Streams named with their scheme (`https:pod:port`, backups) and a forbidden
            // proxy are answered by the main routes.
            None if st.forbid_proxy || target.matches(':').count() >= 2 => return None,
            None => status(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "error trying to reach service: connection refused",
            ),
        },
        _ => return None,
    })
}

/// One datanode in the scripted Ozone.
#[derive(Clone, Debug)]
pub struct FakeDatanode {
    /// UUID.
    pub uuid: String,
    /// Host name.
    pub host: String,
    /// Operational state.
    pub op: String,
    /// Health.
    pub health: String,
    /// Containers left to re-replicate while decommissioning.
    pub work_left: u64,
}

/// The scripted Ozone's state.
#[derive(Default)]
pub struct OzoneState {
    /// Datanodes.
    pub datanodes: Vec<FakeDatanode>,
    /// SCM hosts (first is leader).
    pub scm_hosts: Vec<String>,
    /// OM hosts (first is leader).
    pub om_hosts: Vec<String>,
    /// Whether SCM is in safe mode.
    pub in_safe_mode: bool,
    /// Work a new decommission starts with.
    pub initial_work: u64,
    /// Work done per `status decommission` poll (0: never finishes).
    pub work_per_poll: u64,
    /// Every command run: (pod, argv).
    pub calls: Vec<(String, String)>,
    /// Index of the SCM leader in `scm_hosts` (`None`: no leader).
    pub scm_leader: Option<usize>,
    /// Index of the OM leader in `om_hosts` (`None`: no leader).
    pub om_leader: Option<usize>,
    /// Mutations, shared with the fake API.
    pub journal: Journal,
    /// Refuse (and record) every mutation.
    pub fail_mutations: bool,
    /// Refuse the mutation that would be this entry of the shared journal (the index space of
    /// `ApiState::fail_write_at`, so one index can cut a run at a write or at a mutation).
    pub fail_mutation_at: Option<usize>,
    /// Answer every command with 403.
    pub forbidden: bool,
    /// Pods that are unreachable.
    pub down: Vec<String>,
    /// Commands (argv joined by spaces) that exit 1 with a stack trace on stderr.
    pub broken: Vec<String>,
    /// Buckets that exist, as `volume/bucket`.
    pub buckets: Vec<String>,
    /// Snapshots.
    pub snapshots: Vec<FakeSnapshot>,
    /// Most snapshots a bucket may have (0: no limit), like `ozone.om.fs.snapshot.max.limit`.
    pub snapshot_limit: usize,
    /// The snapshot diff job every diff command sees.
    pub diff: FakeDiff,
    /// What `om finalizationstatus` prints (empty: `ALREADY_FINALIZED`).
    pub om_finalization: String,
    /// What `scm finalizationstatus` prints (empty: `ALREADY_FINALIZED`).
    pub scm_finalization: String,
    /// `finalizationstatus` polls answered `FINALIZATION_IN_PROGRESS` after a finalize.
    pub finalize_polls: u32,
    /// `om prepare` ends like this instead of with every OM prepared.
    pub prepare: FakePrepare,
    /// Whether the OM ring is prepared (a prepare ran; cancelprepare or a start with
    /// `--upgrade` clears it, which the test does).
    pub om_prepared: bool,
    /// `finalizeupgrade` fails as a second concurrent caller's does, unless `--takeover`.
    pub finalize_busy: bool,
    /// `ozone.security.enabled`: only then does `ozone s3 getsecret` answer.
    pub secured: bool,
    /// S3 secrets OM has handed out, by access key id.
    pub s3_secrets: BTreeMap<String, String>,
    /// Files `cat` prints, by path (`current/VERSION` for the cluster id).
    pub files: BTreeMap<String, String>,
    /// What arrived on standard input of streamed commands: `(pod, bytes, sha256)`.
    pub streams: Vec<(String, u64, String)>,
    /// Refuse the stream that would be the journal's entry at this index.
    pub fail_stream_at: Option<usize>,
    /// The SCM volume has no VERSION file (the restore script refuses with exit code 3).
    pub no_scm_version: bool,
    /// OM and SCM rings whose members follow the fake API's pods (member bootstrap).
    pub ring_pods: Option<RingPods>,
    /// Finalization answered from the layouts on disk and the images the pods run
    /// ([`model_layouts`]); without it, from `om_finalization` / `scm_finalization`.
    pub layouts: Option<Layouts>,
}

/// Layout versions as Ozone keeps them (operations §1.3): each of OM and SCM has on disk the
/// layout of one release; software whose release has a higher layout answers
/// `FINALIZATION_REQUIRED` until `finalizeupgrade` moves the disk to it; equal layouts answer
/// `ALREADY_FINALIZED`; a lower one (an older release on a finalized layout) does not start.
pub struct Layouts {
    /// The fake API, whose pods say which release runs.
    pub api: Arc<Mutex<ApiState>>,
    /// The cluster.
    pub cluster: String,
    /// Per `om` / `scm`: the release whose layout is on disk.
    pub on_disk: BTreeMap<String, ozone_storage::versions::Version>,
    /// Components finalized by a `finalizeupgrade` since (`FINALIZATION_DONE`).
    pub finalized: std::collections::BTreeSet<String>,
}

/// Makes `finalizationstatus` and `finalizeupgrade` of `ozone` follow the layouts of a cluster
/// installed at `version`, and the images its pods in `api` run.
pub fn model_layouts(ozone: &FakeOzone, api: &FakeApi, cluster: &str, version: &str) {
    let v = ozone_storage::versions::Version::parse(version).expect("a release number");
    ozone.state.lock().unwrap().layouts = Some(Layouts {
        api: api.state.clone(),
        cluster: cluster.to_owned(),
        on_disk: BTreeMap::from([("om".to_owned(), v), ("scm".to_owned(), v)]),
        finalized: Default::default(),
    });
}

impl Layouts {
    /// The release the component's pods run (its first pod's main container), else its
    /// StatefulSet's template.
    fn software(&self, which: &str) -> Option<ozone_storage::versions::Version> {
        let api = self.api.lock().unwrap();
        let stem = format!("{}-{which}-", self.cluster);
        let image_of = |spec: &k8s_openapi::api::core::v1::PodSpec| {
            spec.containers
                .iter()
                .find(|c| c.name == which)
                .or(spec.containers.first())
                .and_then(|c| c.image.clone())
        };
        let from_pod = api
            .pods
            .iter()
            .filter(|p| {
                p.metadata
                    .name
                    .as_deref()
                    .and_then(|n| n.strip_prefix(&stem))
                    .is_some_and(|o| o.parse::<u32>().is_ok())
            })
            .find_map(|p| p.spec.as_ref().and_then(image_of));
        let from_sts = || {
            api.statefulsets
                .iter()
                .find(|s| s.metadata.name.as_deref() == Some(stem.trim_end_matches('-')))
                .and_then(|s| s.spec.as_ref()?.template.spec.as_ref().and_then(image_of))
        };
        ozone_storage::versions::version_of_image(&from_pod.or_else(from_sts)?)
    }

    fn layout(v: ozone_storage::versions::Version, which: &str) -> u32 {
        let r = ozone_storage::versions::find(&v.to_string()).expect("a known release");
        if which == "om" {
            r.om_layout
        } else {
            r.hdds_layout
        }
    }

    /// `finalizationstatus`, or the error of software that cannot start on the layout.
    fn status(&self, which: &str) -> Result<&'static str, String> {
        let software = self
            .software(which)
            .ok_or_else(|| format!("no {which} pod runs a release image"))?;
        let disk = self.on_disk[which];
        match Self::layout(software, which).cmp(&Self::layout(disk, which)) {
            std::cmp::Ordering::Greater => Ok("FINALIZATION_REQUIRED"),
            std::cmp::Ordering::Less => Err(format!(
                "Cannot initialize VersionManager. Metadata layout version ({}) > software layout version ({})",
                Self::layout(disk, which),
                Self::layout(software, which)
            )),
            std::cmp::Ordering::Equal if self.finalized.contains(which) => Ok("FINALIZATION_DONE"),
            std::cmp::Ordering::Equal => Ok("ALREADY_FINALIZED"),
        }
    }

    /// `finalizeupgrade`: whether there was something to finalize.
    fn finalize(&mut self, which: &str) -> Result<bool, String> {
        let required = self.status(which)? == "FINALIZATION_REQUIRED";
        if required {
            let software = self.software(which).expect("checked by status");
            self.on_disk.insert(which.to_owned(), software);
            self.finalized.insert(which.to_owned());
        }
        Ok(required)
    }
}

/// How the scripted `om prepare` ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FakePrepare {
    /// "All OMs are prepared".
    #[default]
    All,
    /// "A majority of OMs are prepared. …"
    Majority,
    /// "OM Preparation failed since a majority OMs are not prepared yet." (exit 1)
    Failed,
}

/// `om prepare` output as operations §1.2 shows it, for `hosts`.
pub fn prepare_output(hosts: &[String], outcome: FakePrepare) -> ExecOutput {
    let mut out = String::from(
        "Ozone Manager Prepare Request successfully returned with Transaction Id : [1234].\n",
    );
    for (i, h) in hosts.iter().enumerate() {
        let status = match outcome {
            FakePrepare::All => "PREPARE_COMPLETED",
            FakePrepare::Majority if i + 1 < hosts.len() => "PREPARE_COMPLETED",
            _ => "NOT_PREPARED",
        };
        out.push_str(&format!(
            "OM : [{h}:9862], Prepare Status : [{status}], Current Transaction Id : [1234]\n"
        ));
    }
    match outcome {
        FakePrepare::All => out.push_str("OM Preparation successful!\nAll OMs are prepared\nNo new write requests will be allowed until preparation is cancelled or upgrade/downgrade is done.\n"),
        FakePrepare::Majority => out.push_str(&format!("OM Preparation successful!\nA majority of OMs are prepared. OMs that are not prepared : {}:9862\nNo new write requests will be allowed until preparation is cancelled or upgrade/downgrade is done.\n", hosts.last().cloned().unwrap_or_default())),
        FakePrepare::Failed => {
            return ExecOutput {
                stdout: out,
                stderr: "java.io.IOException: OM Preparation failed since a majority OMs are not prepared yet.".into(),
                exit_code: 1,
            };
        }
    }
    ExecOutput {
        stdout: out,
        stderr: String::new(),
        exit_code: 0,
    }
}

/// One snapshot in the scripted Ozone.
#[derive(Clone, Debug)]
pub struct FakeSnapshot {
    /// `volume/bucket`.
    pub bucket: String,
    /// Name.
    pub name: String,
    /// Creation time, ms since the epoch.
    pub created: i64,
    /// Referenced bytes.
    pub referenced: i64,
    /// Exclusive bytes.
    pub exclusive: i64,
}

/// The scripted snapshot diff job.
#[derive(Clone, Debug, Default)]
pub struct FakeDiff {
    /// Polls still answered IN_PROGRESS before the report is ready.
    pub polls_left: u32,
    /// The changes, as (diffType, sourcePath, targetPath).
    pub entries: Vec<(String, String, Option<String>)>,
    /// The job fails with this reason.
    pub failure: Option<String>,
    /// OM rejects the job (too many running).
    pub rejected: bool,
    /// Every page names page 2 as the next: a report that would page forever.
    pub stuck_token: bool,
}

/// A scripted Ozone behind the exec trait.
#[derive(Clone, Default)]
pub struct FakeOzone {
    /// Its state.
    pub state: Arc<Mutex<OzoneState>>,
}

fn is_mutation(argv: &[String]) -> bool {
    let words: Vec<&str> = argv.iter().take(4).map(String::as_str).collect();
    matches!(
        words.as_slice(),
        [
            "ozone",
            "admin",
            "datanode",
            "decommission" | "recommission" | "maintenance"
        ] | [
            "ozone",
            "admin",
            "om" | "scm",
            "transfer" | "finalizeupgrade" | "decommission"
        ] | ["ozone", "admin", "om", "prepare" | "cancelprepare"]
            | ["ozone", "sh", "snapshot", "create" | "rename" | "delete"]
            | ["ozone", "sh", "bucket", "create"]
            | ["ozone", "s3", "getsecret" | "revokesecret", ..]
    )
}

/// What `ozone sh` prints for an OMException (`Shell.printError`): JVM log lines, then
/// `<RESULT_CODE> <message>`, exit code 255.
fn om_failure(line: &str) -> ExecOutput {
    ExecOutput {
        stdout: String::new(),
        stderr: format!(
            "2026-11-26 01:00:00,000 [main] WARN util.NativeCodeLoader: Unable to load native-hadoop library for your platform\n{line}\n"
        ),
        exit_code: 255,
    }
}

/// `ozone sh snapshot list|info` JSON for one snapshot (the `OzoneSnapshot` getters,
/// reference §6).
pub fn snapshot_json(s: &FakeSnapshot) -> Value {
    let (vol, bucket) = s.bucket.split_once('/').unwrap_or((&s.bucket, ""));
    json!({
        "volumeName": vol, "bucketName": bucket, "name": s.name, "creationTime": s.created,
        "snapshotStatus": "SNAPSHOT_ACTIVE", "snapshotId": format!("id-{}", s.name),
        "snapshotPath": format!("{vol}/{bucket}"), "checkpointDir": format!("-id-{}", s.name),
        "referencedSize": s.referenced, "referencedReplicatedSize": s.referenced * 3,
        "exclusiveSize": s.exclusive, "exclusiveReplicatedSize": s.exclusive * 3
    })
}

impl OzoneState {
    /// Answers `ozone sh snapshot …`, or `None` if `argv` is not one.
    fn snapshot(&mut self, argv: &[String]) -> Option<ExecOutput> {
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        let ["ozone", "sh", "snapshot", verb, path, rest @ ..] = words.as_slice() else {
            return None;
        };
        let ok = |stdout: String| ExecOutput {
            stdout,
            stderr: String::new(),
            exit_code: 0,
        };
        let bucket = path.trim_start_matches('/').to_owned();
        let volume = bucket.split('/').next().unwrap_or_default().to_owned();
        if !self
            .buckets
            .iter()
            .any(|b| b.split('/').next() == Some(&volume))
        {
            return Some(om_failure(&format!(
                "VOLUME_NOT_FOUND Volume {volume} is not found"
            )));
        }
        if !self.buckets.contains(&bucket) {
            return Some(om_failure(&format!(
                "BUCKET_NOT_FOUND Bucket not found: {bucket}"
            )));
        }
        let find = |st: &OzoneState, name: &str| {
            st.snapshots
                .iter()
                .position(|s| s.bucket == bucket && s.name == name)
        };
        let missing = |name: &str| {
            om_failure(&format!(
                "FILE_NOT_FOUND Snapshot does not exist: /{bucket}/{name}"
            ))
        };
        Some(match (*verb, rest) {
            ("list", ["--all"]) => {
                let items: Vec<Value> = self
                    .snapshots
                    .iter()
                    .filter(|s| s.bucket == bucket)
                    .map(snapshot_json)
                    .collect();
                ok(serde_json::to_string_pretty(&items).unwrap())
            }
            ("info", [name]) => match find(self, name) {
                Some(i) => {
                    ok(serde_json::to_string_pretty(&snapshot_json(&self.snapshots[i])).unwrap())
                }
                None => missing(name),
            },
            ("create", [name]) => {
                let count = self.snapshots.iter().filter(|s| s.bucket == bucket).count();
                if find(self, name).is_some() {
                    om_failure(&format!(
                        "FILE_ALREADY_EXISTS Snapshot already exists: /{bucket}/{name}"
                    ))
                } else if self.snapshot_limit > 0 && count >= self.snapshot_limit {
                    om_failure(&format!(
                        "TOO_MANY_SNAPSHOTS Snapshot limit of {} reached. Cannot create more snapshots.",
                        self.snapshot_limit
                    ))
                } else {
                    let created = 1_763_900_000_000 + 1000 * self.snapshots.len() as i64;
                    self.snapshots.push(FakeSnapshot {
                        bucket: bucket.clone(),
                        name: (*name).to_owned(),
                        created,
                        referenced: 1_073_741_824,
                        exclusive: 0,
                    });
                    ok(format!("Created snapshot '{name}' under '{bucket}'.\n"))
                }
            }
            ("rename", [from, to]) => match (find(self, from), find(self, to)) {
                (None, _) => missing(from),
                (Some(_), Some(_)) => om_failure(&format!(
                    "FILE_ALREADY_EXISTS Snapshot already exists: /{bucket}/{to}"
                )),
                (Some(i), None) => {
                    self.snapshots[i].name = (*to).to_owned();
                    ok(String::new())
                }
            },
            ("delete", [name]) => match find(self, name) {
                Some(i) => {
                    self.snapshots.remove(i);
                    ok(String::new())
                }
                None => missing(name),
            },
            ("diff", [from, to, "--page-size", size, "--json", token @ ..]) => {
                for name in [from, to] {
                    if find(self, name).is_none() {
                        return Some(missing(name));
                    }
                }
                let size: usize = size.parse().unwrap();
                let start: usize = match token {
                    ["--token", t] => t.parse().unwrap(),
                    _ => 0,
                };
                if self.diff.rejected {
                    return Some(ok(json!({"jobStatus": "REJECTED"}).to_string()));
                }
                if let Some(reason) = &self.diff.failure {
                    return Some(ok(
                        json!({"jobStatus": "FAILED", "reason": reason}).to_string()
                    ));
                }
                let (vol, b) = bucket.split_once('/').unwrap();
                let mut report = json!({"volumeName": vol, "bucketName": b, "fromSnapshot": from,
                    "toSnapshot": to, "diffList": []});
                if self.diff.polls_left > 0 {
                    self.diff.polls_left -= 1;
                    let percent = 100.0 / f64::from(self.diff.polls_left + 2);
                    // The shell always prints a report; it is empty until the job is done.
                    return Some(ok(json!({"snapshotDiffReport": report, "jobStatus": "IN_PROGRESS",
                        "waitTimeInMs": 5000, "subStatus": "DIFF_REPORT_GEN", "progressPercent": percent})
                    .to_string()));
                }
                // The shell prints DiffType labels (`+`, `M`, `-`, `R`) and `./`-prefixed paths.
                let page: Vec<Value> = self
                    .diff
                    .entries
                    .iter()
                    .skip(start)
                    .take(size)
                    .map(|(kind, src, dst)| {
                        let label = match kind.as_str() {
                            "CREATE" => "+",
                            "MODIFY" => "M",
                            "DELETE" => "-",
                            _ => "R",
                        };
                        let mut entry =
                            json!({"diffType": label, "sourcePath": format!("./{src}")});
                        if let Some(dst) = dst {
                            entry["targetPath"] = json!(format!("./{dst}"));
                        }
                        entry
                    })
                    .collect();
                report["diffList"] = json!(page);
                if self.diff.stuck_token {
                    report["nextToken"] = json!(size.to_string());
                } else if start + size < self.diff.entries.len() {
                    report["nextToken"] = json!((start + size).to_string());
                }
                ok(serde_json::to_string_pretty(
                    &json!({"snapshotDiffReport": report, "jobStatus": "DONE"}),
                )
                .unwrap())
            }
            _ => ExecOutput {
                stdout: String::new(),
                stderr: format!("Unknown command: {}", argv.join(" ")),
                exit_code: 2,
            },
        })
    }
}

/// The access key id the scripted Ozone gives a caller without `-u`: the Kerberos principal
/// the OM pod runs as.
pub const FAKE_PRINCIPAL: &str = "om/ozone-om-0.ozone-om-headless@EXAMPLE.COM";

impl OzoneState {
    /// Answers `ozone s3 getsecret` and `ozone sh bucket create|list` on `/s3v`, or `None`.
    fn s3(&mut self, argv: &[String]) -> Option<ExecOutput> {
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        let ok = |stdout: String| ExecOutput {
            stdout,
            stderr: String::new(),
            exit_code: 0,
        };
        Some(match words.as_slice() {
            ["ozone", "s3", "getsecret", rest @ ..] => {
                if !self.secured {
                    // `Handler.securityEnabled()` (ozone.md §6).
                    return Some(ExecOutput {
                        stdout: String::new(),
                        stderr: "Error: 'getsecret' operation works only when security is enabled. To enable security set ozone.security.enabled to true.\n".into(),
                        exit_code: 1,
                    });
                }
                let user = match rest {
                    ["-u", user] => (*user).to_owned(),
                    _ => FAKE_PRINCIPAL.to_owned(),
                };
                if self.s3_secrets.contains_key(&user) {
                    return Some(om_failure(&format!(
                        "S3_SECRET_ALREADY_EXISTS Secret for '{user}' already exists"
                    )));
                }
                let secret = format!("{:064x}", 0x5ec7e7u64 * (self.s3_secrets.len() as u64 + 7));
                self.s3_secrets.insert(user.clone(), secret.clone());
                ok(format!("awsAccessKey={user}\nawsSecret={secret}\n"))
            }
            ["ozone", "sh", "bucket", "create", path] => {
                let bucket = path.trim_start_matches('/').to_owned();
                if self.buckets.contains(&bucket) {
                    om_failure(&format!(
                        "BUCKET_ALREADY_EXISTS Bucket already exists: {bucket}"
                    ))
                } else {
                    self.buckets.push(bucket);
                    ok(String::new())
                }
            }
            ["ozone", "sh", "bucket", "list", "--all", volume] => {
                let volume = volume.trim_start_matches('/');
                let items: Vec<Value> = self
                    .buckets
                    .iter()
                    .filter_map(|b| b.split_once('/'))
                    .filter(|(v, _)| *v == volume)
                    .map(|(v, b)| {
                        json!({"metadata": {}, "volumeName": v, "name": b,
                        "storageType": "DISK", "versioning": false,
                        "creationTime": "2026-11-30T10:00:00.000Z"})
                    })
                    .collect();
                ok(serde_json::to_string_pretty(&items).unwrap())
            }
            _ => return None,
        })
    }
}

impl OzoneState {
    /// `om|scm decommission` of the member with Raft id `id` (`om<i>`/`scm<i>`, as the fake's
    /// roles name them). Like Ozone, it refuses the leader and an unknown node; the fake
    /// removes only the highest member, so that the others keep their ids.
    fn decommission_member(
        &mut self,
        component: ozone_storage::Component,
        id: &str,
        host: Option<&str>,
    ) -> ExecOutput {
        let (hosts, leader) = match component {
            ozone_storage::Component::Om => (&mut self.om_hosts, &mut self.om_leader),
            _ => (&mut self.scm_hosts, &mut self.scm_leader),
        };
        let fail = |message: String| ExecOutput {
            stdout: String::new(),
            stderr: message,
            exit_code: 1,
        };
        let Some(i) = id
            .strip_prefix(component.id())
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < hosts.len())
        else {
            return fail(format!("Error: {id} is not a member of the ring"));
        };
        if host.is_some_and(|h| h != hosts[i]) {
            return fail(format!(
                "Error: {id} is at {}, not {}",
                hosts[i],
                host.unwrap_or_default()
            ));
        }
        if *leader == Some(i) {
            return fail(format!(
                "Error: cannot decommission {id}: it is the leader; transfer leadership first"
            ));
        }
        if i + 1 != hosts.len() {
            return fail(format!(
                "fake: only the highest member can be removed, not {id}"
            ));
        }
        hosts.pop();
        ExecOutput {
            stdout: format!(
                "Successfully decommissioned {} {id}\n",
                component.id().to_uppercase()
            ),
            stderr: String::new(),
            exit_code: 0,
        }
    }
}

impl FakeOzone {
    /// Mutations that were run.
    pub fn mutations(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|(_, c)| is_mutation(&c.split(' ').map(str::to_owned).collect::<Vec<_>>()))
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// Count of commands run.
    pub fn call_count(&self) -> usize {
        self.state.lock().unwrap().calls.len()
    }

    /// A datanode's state.
    pub fn op_state(&self, pod: &str) -> String {
        let st = self.state.lock().unwrap();
        st.datanodes
            .iter()
            .find(|d| d.host.split('.').next() == Some(pod))
            .map(|d| d.op.clone())
            .unwrap_or_default()
    }

    fn respond(&self, pod: &str, argv: &[String]) -> Result<ExecOutput, ExecError> {
        let mut st = self.state.lock().unwrap();
        st.calls.push((pod.to_owned(), argv.join(" ")));
        if st.forbidden {
            return Err(ExecError::Forbidden {
                namespace: "ozone".into(),
                message: "cannot create resource \"pods/exec\"".into(),
            });
        }
        if st.down.iter().any(|d| d == pod) {
            return Err(ExecError::Transport {
                pod: pod.into(),
                message: "container not running".into(),
            });
        }
        if st.broken.contains(&argv.join(" ")) {
            let trace = (0..20)
                .map(|i| format!("\tat org.apache.Frame{i}"))
                .collect::<Vec<_>>();
            return Ok(ExecOutput {
                stdout: String::new(),
                stderr: format!(
                    "java.net.ConnectException: Connection refused\n{}\nError: SCM unreachable",
                    trace.join("\n")
                ),
                exit_code: 1,
            });
        }
        let ok = |stdout: String| ExecOutput {
            stdout,
            stderr: String::new(),
            exit_code: 0,
        };
        let cut_here = st
            .fail_mutation_at
            .is_some_and(|at| at == st.journal.lock().unwrap().len());
        if is_mutation(argv) && (st.fail_mutations || cut_here) {
            return Ok(ExecOutput {
                stdout: String::new(),
                stderr: "fake cluster: mutations are refused in this test".into(),
                exit_code: 99,
            });
        }
        if is_mutation(argv) {
            st.journal
                .lock()
                .unwrap()
                .push(format!("exec {}", argv.join(" ")));
        }
        if let Some(out) = st.cat(argv) {
            return Ok(out);
        }
        if let Some(out) = st.members(pod, argv) {
            return Ok(out);
        }
        if let Some(out) = st.snapshot(argv) {
            return Ok(out);
        }
        if let Some(out) = st.s3(argv) {
            return Ok(out);
        }
        let hosts: Vec<String> = argv
            .iter()
            .skip_while(|w| *w != "--")
            .skip(1)
            .cloned()
            .collect();
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        Ok(match words.as_slice() {
            ["ozone", "admin", "datanode", "list", "--json", "--all"] => {
                // Entering maintenance completes between polls.
                for d in st
                    .datanodes
                    .iter_mut()
                    .filter(|d| d.op == "ENTERING_MAINTENANCE")
                {
                    d.op = "IN_MAINTENANCE".into();
                }
                ok(datanode_list_json(&st.datanodes))
            }
            [
                "ozone",
                "admin",
                "datanode",
                "status",
                "decommission",
                "--json",
            ] => {
                let step = st.work_per_poll;
                let out = decommission_status_json(&st.datanodes);
                for d in st
                    .datanodes
                    .iter_mut()
                    .filter(|d| d.op == "DECOMMISSIONING")
                {
                    d.work_left = d.work_left.saturating_sub(step);
                    if d.work_left == 0 && step > 0 {
                        d.op = "DECOMMISSIONED".into();
                    }
                }
                ok(out)
            }
            ["ozone", "admin", "scm", "roles", "--json"] => {
                ok(scm_roles_json_led(&st.scm_hosts, st.scm_leader))
            }
            ["ozone", "admin", "om", "roles", "--json"] => {
                ok(om_roles_json_led(&st.om_hosts, st.om_leader))
            }
            [
                "ozone",
                "admin",
                which @ ("om" | "scm"),
                "transfer",
                "--service-id",
                _,
                "--new-leader-id",
                id,
            ] => {
                let index = id
                    .strip_prefix(*which)
                    .and_then(|i| i.parse::<usize>().ok());
                let members = if *which == "om" {
                    st.om_hosts.len()
                } else {
                    st.scm_hosts.len()
                };
                match index.filter(|i| *i < members) {
                    Some(i) => {
                        if *which == "om" {
                            st.om_leader = Some(i);
                        } else {
                            st.scm_leader = Some(i);
                        }
                        ok(format!("Transfer leadership successfully to {id}.\n"))
                    }
                    None => ExecOutput {
                        stdout: String::new(),
                        stderr: format!("Error: unknown node id {id}"),
                        exit_code: 1,
                    },
                }
            }
            [
                "ozone",
                "admin",
                "om",
                "decommission",
                "--service-id",
                _,
                "--nodeid",
                id,
                "--node-host-address",
                host,
            ] => {
                let (id, host) = (id.to_string(), host.to_string());
                st.decommission_member(ozone_storage::Component::Om, &id, Some(&host))
            }
            ["ozone", "admin", "scm", "decommission", "--nodeid", id] => {
                let id = id.to_string();
                st.decommission_member(ozone_storage::Component::Scm, &id, None)
            }
            [
                "ozone",
                "admin",
                "cert",
                "list",
                "--role",
                role,
                ..,
                "--json",
            ] => ok(cert_list_json(role)),
            ["ozone", "admin", "safemode", "status", "--verbose"] => {
                // SafeModeCheckSubcommand prints one `validated:<bool>, <rule>, <status>` line per
                // rule under --verbose (reference §6); the datanode rule needs 3 by default.
                let registered = st
                    .datanodes
                    .iter()
                    .filter(|d| d.health == "HEALTHY")
                    .count();
                ok(format!(
                    "SCM is {} safe mode.\nvalidated:{}, DataNodeSafeModeRule, registered datanodes (={registered}) >= required datanodes (=3)\nvalidated:true, RatisContainerSafeModeRule, 100.00% of [Ratis] Containers(0 / 0) with at least one reported replica (=1.00) >= safeModeCutoff (=0.99)\n",
                    if st.in_safe_mode { "in" } else { "out of" },
                    registered >= 3
                ))
            }
            ["ozone", "version"] => ok(format!(
                "Apache Ozone 2.2.0 (running in pod {pod})\nSource code repository https://github.com/apache/ozone.git -r 0000000\nCompiled with protoc 3.25.5\n"
            )),
            ["ozone", "admin", "om", "prepare", "--service-id", _] => {
                if st.prepare != FakePrepare::Failed {
                    st.om_prepared = true;
                }
                prepare_output(&st.om_hosts, st.prepare)
            }
            ["ozone", "admin", "om", "cancelprepare", ..] => {
                st.om_prepared = false;
                ok("Cancel prepare succeeded, cluster can now accept write requests.\n".into())
            }
            [
                "ozone",
                "admin",
                which @ ("om" | "scm"),
                "finalizationstatus",
            ] => {
                let which = *which;
                if let Some(l) = &st.layouts {
                    return Ok(match l.status(which) {
                        Ok(s) => ok(format!("{s}\n")),
                        Err(e) => om_failure(&e),
                    });
                }
                let status = if which == "om" {
                    &mut st.om_finalization
                } else {
                    &mut st.scm_finalization
                };
                let shown = if status.is_empty() {
                    "ALREADY_FINALIZED".to_owned()
                } else {
                    status.clone()
                };
                if shown == "FINALIZATION_IN_PROGRESS" && st.finalize_polls > 0 {
                    st.finalize_polls -= 1;
                } else if shown == "FINALIZATION_IN_PROGRESS" {
                    let status = if which == "om" {
                        &mut st.om_finalization
                    } else {
                        &mut st.scm_finalization
                    };
                    *status = "FINALIZATION_DONE".into();
                }
                ok(format!("{shown}\n"))
            }
            [
                "ozone",
                "admin",
                which @ ("om" | "scm"),
                "finalizeupgrade",
                rest @ ..,
            ] => {
                let which = *which;
                if st.finalize_busy && !rest.contains(&"--takeover") {
                    return Ok(ExecOutput {
                        stdout: String::new(),
                        stderr: "Error: Finalization is already in progress, it is not possible to initiate it again.".into(),
                        exit_code: 1,
                    });
                }
                if let Some(l) = st.layouts.as_mut() {
                    let title = if which == "om" {
                        "Ozone Manager"
                    } else {
                        "Storage Container Manager"
                    };
                    return Ok(match l.finalize(which) {
                        Ok(true) => ok(format!(
                            "Finalization started.\nExiting...\nFinalization of {title}'s metadata upgrade finished.\n"
                        )),
                        Ok(false) => ok("Upgrade has already been finalized.\nExiting...\n".into()),
                        Err(e) => om_failure(&e),
                    });
                }
                let status = if which == "om" {
                    &mut st.om_finalization
                } else {
                    &mut st.scm_finalization
                };
                if status.is_empty()
                    || status == "ALREADY_FINALIZED"
                    || status == "FINALIZATION_DONE"
                {
                    ok("Upgrade has already been finalized.\nExiting...\n".into())
                } else {
                    *status = "FINALIZATION_IN_PROGRESS".into();
                    let title = if which == "om" {
                        "Ozone Manager"
                    } else {
                        "Storage Container Manager"
                    };
                    ok(format!(
                        "Finalization started.\nExiting...\nFinalization of {title}'s metadata upgrade finished.\n"
                    ))
                }
            }
            ["ozone", "admin", "safemode", "status"] => ok(format!(
                "SCM is {} safe mode.\n",
                if st.in_safe_mode { "in" } else { "out of" }
            )),
            ["ozone", "admin", "datanode", verb, ..] if is_mutation(argv) => {
                let (state, header) = match *verb {
                    "decommission" => ("DECOMMISSIONING", "Started decommissioning datanode(s):"),
                    "recommission" => ("IN_SERVICE", "Started recommissioning datanode(s):"),
                    _ => (
                        "ENTERING_MAINTENANCE",
                        "Entering maintenance mode on datanode(s):",
                    ),
                };
                let work = st.initial_work;
                for d in st.datanodes.iter_mut().filter(|d| hosts.contains(&d.host)) {
                    d.op = state.into();
                    d.work_left = work;
                }
                ok(format!("{header}\n{}\n", hosts.join("\n")))
            }
            _ => ExecOutput {
                stdout: String::new(),
                stderr: format!("Unknown command: {}", argv.join(" ")),
                exit_code: 2,
            },
        })
    }
}

impl OzoneExec for FakeOzone {
    fn run<'a>(
        &'a self,
        pod: &'a str,
        _container: &'a str,
        argv: &'a [String],
    ) -> BoxFuture<'a, Result<ExecOutput, ExecError>> {
        let out = self.respond(pod, argv);
        Box::pin(async move { out })
    }

    fn run_with_stdin<'a>(
        &'a self,
        pod: &'a str,
        _container: &'a str,
        argv: &'a [String],
        stdin: crate::cluster::exec::Stdin<'a>,
    ) -> BoxFuture<'a, Result<ExecOutput, ExecError>> {
        Box::pin(self.receive(pod, argv, stdin))
    }
}

/// `datanode list --json`, every field of `BasicDatanodeInfo` (reference §6).
pub fn datanode_list_json(dns: &[FakeDatanode]) -> String {
    let items: Vec<Value> = dns
        .iter()
        .map(|d| {
            json!({
                "id": d.uuid, "hostName": d.host, "ipAddress": "10.1.0.1",
                "ports": [{"name": "HTTP", "value": 9882}, {"name": "RATIS", "value": 9858}],
                "setupTime": 1763900000000u64, "currentVersion": 2,
                "opState": d.op, "persistedOpState": d.op, "persistedOpStateExpiryEpochSec": 0,
                "healthState": d.health, "decommissioned": d.op == "DECOMMISSIONED",
                "maintenance": d.op.contains("MAINTENANCE"), "level": 3, "cost": 0,
                "numOfLeaves": 1, "networkFullPath": format!("/default-rack/{}", d.uuid),
                "networkLocation": "/default-rack", "networkName": d.uuid,
                "used": 1_073_741_824u64, "capacity": 107_374_182_400u64, "percentUsed": 1.0,
                "totalVolumeCount": 1, "healthyVolumeCount": 1
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap()
}

/// `datanode status decommission --json` (reference §6).
pub fn decommission_status_json(dns: &[FakeDatanode]) -> String {
    let items: Vec<Value> = dns
        .iter()
        .filter(|d| d.op == "DECOMMISSIONING")
        .map(|d| {
            json!({
                "datanodeDetails": {"uuid": d.uuid, "hostName": d.host, "ipAddress": "10.1.0.1"},
                "metrics": {
                    "decommissionStartTime": "23/11/2026 13:00:00 UTC",
                    "numOfUnclosedPipelines": u64::from(d.work_left > 0),
                    "numOfUnderReplicatedContainers": d.work_left,
                    "numOfUnclosedContainers": 0
                },
                "containers": {"UnderReplicated": [], "UnClosed": []}
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap()
}

/// `cert list --json`: one certificate of the role, in the documented shape (reference §6).
pub fn cert_list_json(role: &str) -> String {
    let items = json!([{
        "serialNumber": if role == "om" { 1763900000001u64 } else { 1763900000002u64 },
        "validFrom": "2026-11-23T13:00:00Z",
        "expiry": "2027-11-23T13:00:00Z",
        "subjectDN": {"CN": format!("{role}@ozone-{role}-0"), "O": "CID-1"},
        "issuerDN": {"CN": "scm-sub@ozone-scm-0", "O": "CID-1"}
    }]);
    serde_json::to_string_pretty(&items).unwrap()
}

/// `scm roles --json`: object keyed by host, the leader at `leader` (reference §6).
pub fn scm_roles_json_led(hosts: &[String], leader: Option<usize>) -> String {
    let mut m = serde_json::Map::new();
    for (i, h) in hosts.iter().enumerate() {
        m.insert(
            h.clone(),
            json!({"address": format!("{h}:9894"), "raftPeerRole": if Some(i) == leader { "LEADER" } else { "FOLLOWER" },
                   "ID": format!("scm{i}"), "InetAddress": format!("10.2.0.{i}")}),
        );
    }
    serde_json::to_string_pretty(&m).unwrap()
}

/// `om roles --json`: array of `{nodeId: {serverRole, hostname}}`, the leader at `leader`
/// (reference §6).
pub fn om_roles_json_led(hosts: &[String], leader: Option<usize>) -> String {
    let items: Vec<Value> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| json!({format!("om{i}"): {"serverRole": if Some(i) == leader { "LEADER" } else { "FOLLOWER" }, "hostname": h}}))
        .collect();
    serde_json::to_string_pretty(&items).unwrap()
}

/// A cluster as rendered: StatefulSets for SCM, OM and datanodes with running, ready pods and
/// a `data-<pod>` PVC each, an S3G Deployment, and the config ConfigMap.
pub struct FakeCluster {
    /// The API.
    pub api: FakeApi,
    /// Ozone.
    pub ozone: FakeOzone,
}

fn labels(cluster: &str, component: &str) -> BTreeMap<String, String> {
    use ozone_generator::names::{APP_NAME, LABEL_COMPONENT, LABEL_INSTANCE, LABEL_NAME};
    BTreeMap::from([
        (LABEL_NAME.to_owned(), APP_NAME.to_owned()),
        (LABEL_INSTANCE.to_owned(), cluster.to_owned()),
        (LABEL_COMPONENT.to_owned(), component.to_owned()),
    ])
}

fn host(cluster: &str, component: &str, i: usize) -> String {
    format!("{cluster}-{component}-{i}.{cluster}-{component}-headless.ozone.svc.cluster.local")
}

impl FakeCluster {
    /// A cluster `name` with `scm`, `om` and `dn` replicas.
    pub fn new(name: &str, scm: usize, om: usize, dn: usize) -> FakeCluster {
        let cluster = FakeCluster {
            api: FakeApi::default(),
            ozone: FakeOzone::default(),
        };
        cluster.add(name, scm, om, dn);
        {
            let mut oz = cluster.ozone.state.lock().unwrap();
            oz.initial_work = 100;
            oz.work_per_poll = 40;
            oz.scm_leader = Some(0);
            oz.om_leader = Some(0);
            oz.journal = cluster.api.state.lock().unwrap().journal.clone();
        }
        cluster
    }

    /// Adds another cluster's objects to the same namespace.
    pub fn add(&self, name: &str, scm: usize, om: usize, dn: usize) {
        let mut st = self.api.state.lock().unwrap();
        for (component, n) in [("scm", scm), ("om", om), ("datanode", dn)] {
            let sts: StatefulSet = serde_json::from_value(json!({
                "metadata": {"name": format!("{name}-{component}"), "namespace": "ozone", "labels": labels(name, component)},
                "spec": {"replicas": n, "serviceName": format!("{name}-{component}-headless"),
                         "updateStrategy": {"type": "OnDelete"},
                         "selector": {"matchLabels": labels(name, component)},
                         "template": {"metadata": {"labels": labels(name, component)}, "spec": {"containers": [{"name": component}]}}},
                "status": {"replicas": n, "readyReplicas": n}
            }))
            .unwrap();
            st.statefulsets.push(sts);
            for i in 0..n {
                let pod: Pod = serde_json::from_value(json!({
                    "metadata": {"name": format!("{name}-{component}-{i}"), "namespace": "ozone", "labels": labels(name, component)},
                    "spec": {"nodeName": format!("node-{}", i % 7), "containers": [{"name": component}]},
                    "status": {"phase": "Running", "podIP": format!("10.3.{}.{}", i / 250, i % 250),
                               "conditions": [{"type": "Ready", "status": "True"}],
                               "containerStatuses": [{"name": component, "ready": true, "restartCount": 0, "image": "apache/ozone:2.2.0", "imageID": ""}]}
                }))
                .unwrap();
                st.pods.push(pod);
                let pvc: PersistentVolumeClaim = serde_json::from_value(json!({
                    "metadata": {"name": format!("data-{name}-{component}-{i}"), "namespace": "ozone", "labels": labels(name, component)},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Gi"}}, "storageClassName": "standard"},
                    "status": {"phase": "Bound", "capacity": {"storage": "100Gi"}}
                }))
                .unwrap();
                st.pvcs.push(pvc);
            }
        }
        let s3g: Deployment = serde_json::from_value(json!({
            "metadata": {"name": format!("{name}-s3g"), "namespace": "ozone", "labels": labels(name, "s3g")},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels(name, "s3g")},
                     "template": {"metadata": {"labels": labels(name, "s3g")}, "spec": {"containers": [{"name": "s3g"}]}}},
            "status": {"readyReplicas": 1}
        }))
        .unwrap();
        st.deployments.push(s3g);
        // The S3 Gateway's client Service as render writes it (port named by the catalog).
        let mut svc_labels = labels(name, "s3g");
        svc_labels.insert("app.kubernetes.io/version".into(), "2.2.0".into());
        svc_labels.insert(
            ozone_generator::names::LABEL_SERVICE_ROLE.into(),
            "client".into(),
        );
        let s3_port = ozone_storage::Component::S3g.service().ports[0];
        let service: Service = serde_json::from_value(json!({
            "metadata": {"name": format!("{name}-s3g"), "namespace": "ozone", "labels": svc_labels},
            "spec": {"type": "ClusterIP", "selector": labels(name, "s3g"),
                     "ports": [{"name": s3_port.name, "port": s3_port.number, "targetPort": s3_port.name, "protocol": "TCP"}]}
        }))
        .unwrap();
        st.services.push(service);
        let mut cm: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": format!("{name}-config"), "namespace": "ozone"},
            "data": {"OZONE-SITE.XML_ozone.replication": "THREE", "OZONE-SITE.XML_ozone.server.default.replication": "3"}
        }))
        .unwrap();
        // HA rings name their service ids, as render writes them.
        let data = cm.data.get_or_insert_with(Default::default);
        for (key, members) in [
            (ozone_storage::ha::SCM_SERVICE_IDS, scm),
            (ozone_storage::ha::OM_SERVICE_IDS, om),
        ] {
            if members > 1 {
                data.insert(format!("OZONE-SITE.XML_{key}"), name.to_owned());
            }
        }
        st.config_maps.push(cm);
        drop(st);
        let mut oz = self.ozone.state.lock().unwrap();
        oz.scm_hosts = (0..scm).map(|i| host(name, "scm", i)).collect();
        oz.om_hosts = (0..om).map(|i| host(name, "om", i)).collect();
        oz.datanodes.extend((0..dn).map(|i| FakeDatanode {
            uuid: format!("{name}-uuid-{i}"),
            host: host(name, "datanode", i),
            op: "IN_SERVICE".into(),
            health: "HEALTHY".into(),
            work_left: 0,
        }));
    }

    /// A session over the fakes.
    pub fn session(&self) -> Session {
        Session::new(
            self.api.client("ozone"),
            "ozone",
            Arc::new(self.ozone.clone()) as Arc<dyn OzoneExec>,
        )
    }

    /// The writes of both fakes, in order.
    pub fn journal(&self) -> Vec<String> {
        self.api
            .state
            .lock()
            .unwrap()
            .journal
            .lock()
            .unwrap()
            .clone()
    }

    /// Makes every write fail, in Kubernetes and in Ozone.
    pub fn refuse_writes(&self) {
        self.api.state.lock().unwrap().fail_writes = true;
        self.ozone.state.lock().unwrap().fail_mutations = true;
    }
}

// ---- Member bootstrap (engine/bootstrap.rs): a StatefulSet replaced whole, and rings whose
// members follow the pods: a pod started to bootstrap joins, an emptied one leaves until it
// bootstraps again, a held one runs no Ozone. ----

/// A StatefulSet replaced (PUT): its spec and metadata as sent, its status kept; a new pod
/// template gives a new generation and `updateRevision`, as the controller computes it.
fn replace_statefulset(st: &mut ApiState, name: &str, body: &Value) -> Response<Body> {
    let Some(existing) = stored_named(st, "statefulsets", name) else {
        return status(StatusCode::NOT_FOUND, "NotFound", "statefulset not found");
    };
    let mut object = existing.clone();
    object["spec"] = body["spec"].clone();
    object["metadata"]["annotations"] = body["metadata"]["annotations"].clone();
    if existing["spec"]["template"] != object["spec"]["template"] {
        let generation = existing["metadata"]["generation"].as_i64().unwrap_or(0) + 1;
        object["metadata"]["generation"] = json!(generation);
        object["status"]["observedGeneration"] = json!(generation);
        object["status"]["updateRevision"] = json!(revision(name, &object["spec"]["template"]));
    }
    store(st, "statefulsets", object.clone());
    ok(object)
}

/// OM and SCM rings that follow the pods of the fake API: a ready pod is a member when it
/// was one at the start or has bootstrapped since (OM: started with `--bootstrap`; SCM: its
/// init containers run `ozone scm --bootstrap`, which the primordial node skips unless
/// `ozone.scm.primordial.node.id` is overridden to another node). A pod whose metadata was
/// emptied is no member until it bootstraps; a held pod runs no Ozone.
pub struct RingPods {
    /// The fake API.
    pub api: Arc<Mutex<ApiState>>,
    /// The Ozone cluster.
    pub cluster: String,
    /// Members at the start.
    pub initial: std::collections::BTreeSet<String>,
    /// Pods that joined by bootstrapping.
    pub joined: std::collections::BTreeSet<String>,
    /// Pods emptied and not bootstrapped since.
    pub wiped: std::collections::BTreeSet<String>,
    /// Host name suffix of each component's pods (`.ozone-om-headless…`).
    pub domains: BTreeMap<String, String>,
    /// The primordial SCM (`ozone.scm.primordial.node.id`).
    pub primordial: String,
    /// Pods emptied while they ran Ozone (never acceptable).
    pub wiped_while_running: Vec<String>,
}

/// Makes the rings of `ozone` follow the pods of `api` for cluster `cluster`; the members
/// now (its hosts) are the initial ones, the first SCM the primordial one.
pub fn follow_pods(ozone: &FakeOzone, api: &FakeApi, cluster: &str) {
    let mut st = ozone.state.lock().unwrap();
    let mut domains = BTreeMap::new();
    let mut initial = std::collections::BTreeSet::new();
    for (component, hosts) in [("om", &st.om_hosts), ("scm", &st.scm_hosts)] {
        for h in hosts {
            let (pod, domain) = h.split_once('.').unwrap_or((h, ""));
            initial.insert(pod.to_owned());
            domains.insert(component.to_owned(), format!(".{domain}"));
        }
    }
    st.ring_pods = Some(RingPods {
        api: api.state.clone(),
        cluster: cluster.to_owned(),
        initial,
        joined: Default::default(),
        wiped: Default::default(),
        domains,
        primordial: format!("{cluster}-scm-0"),
        wiped_while_running: Vec::new(),
    });
}

/// Whether an SCM pod's init containers bootstrap it into the ring.
fn scm_bootstraps(pod: &Pod, name: &str, primordial: &str) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return false;
    };
    let runs_bootstrap = spec.init_containers.iter().flatten().any(|c| {
        c.args
            .as_deref()
            .is_some_and(|a| a.iter().any(|w| w == "--bootstrap"))
    });
    let env =
        ozone_storage::ConfigFile::OzoneSite.env_name(crate::rings::bootstrap::PRIMORDIAL_KEY);
    let overridden = spec.init_containers.iter().flatten().any(|c| {
        c.env
            .iter()
            .flatten()
            .any(|e| e.name == env && e.value.as_deref() != Some(name))
    });
    runs_bootstrap && (name != primordial || overridden)
}

impl OzoneState {
    /// Brings the rings up to date with the pods; answers `rm -rf -- DIR…` (emptying a
    /// member's metadata), or `None` for other commands.
    fn members(&mut self, pod: &str, argv: &[String]) -> Option<ExecOutput> {
        use crate::rings::bootstrap::{PodForm, pod_form};
        let model = self.ring_pods.as_mut()?;
        let pods = {
            // Time passes for the pods as it does when they are listed: started ones get ready.
            let mut api = model.api.lock().unwrap();
            pods_listed(&mut api);
            api.pods.clone()
        };
        let words: Vec<&str> = argv.iter().map(String::as_str).collect();
        if let ["rm", "-rf", "--", ..] = words.as_slice() {
            if self.fail_mutations {
                return Some(ExecOutput {
                    stdout: String::new(),
                    stderr: "fake cluster: mutations are refused in this test".into(),
                    exit_code: 99,
                });
            }
            let held = pods.iter().any(|p| {
                p.metadata.name.as_deref() == Some(pod)
                    && ozone_storage::Component::ALL
                        .iter()
                        .any(|c| pod_form(p, *c) == PodForm::Held)
            });
            if !held {
                model.wiped_while_running.push(pod.to_owned());
            }
            model.wiped.insert(pod.to_owned());
            model.joined.remove(pod);
            self.journal
                .lock()
                .unwrap()
                .push(format!("exec {pod} {}", argv.join(" ")));
            return Some(ExecOutput::default());
        }
        for component in [ozone_storage::Component::Om, ozone_storage::Component::Scm] {
            let prefix = format!("{}-{}-", model.cluster, component.id());
            let domain = model
                .domains
                .get(component.id())
                .cloned()
                .unwrap_or_default();
            let mut members: Vec<(i32, String)> = Vec::new();
            for p in &pods {
                let name = p.metadata.name.clone().unwrap_or_default();
                let Some(ordinal) = name
                    .strip_prefix(&prefix)
                    .and_then(|o| o.parse::<i32>().ok())
                else {
                    continue;
                };
                let form = pod_form(p, component);
                if !crate::cluster::view::is_ready(p) || form == PodForm::Held {
                    continue;
                }
                let bootstraps = if component == ozone_storage::Component::Om {
                    form == PodForm::Bootstrapping
                } else {
                    scm_bootstraps(p, &name, &model.primordial)
                };
                let member = if model.wiped.contains(&name) {
                    if bootstraps {
                        model.wiped.remove(&name);
                        model.joined.insert(name.clone());
                    }
                    bootstraps
                } else if model.initial.contains(&name) || model.joined.contains(&name) {
                    true
                } else {
                    if bootstraps {
                        model.joined.insert(name.clone());
                    }
                    bootstraps
                };
                if member {
                    members.push((ordinal, format!("{name}{domain}")));
                }
            }
            members.sort();
            let hosts: Vec<String> = members.into_iter().map(|(_, h)| h).collect();
            let (now, leader) = if component == ozone_storage::Component::Om {
                (&mut self.om_hosts, &mut self.om_leader)
            } else {
                (&mut self.scm_hosts, &mut self.scm_leader)
            };
            let leading = leader.and_then(|i| now.get(i).cloned());
            *now = hosts;
            *leader = leading
                .and_then(|h| now.iter().position(|x| *x == h))
                .or((!now.is_empty()).then_some(0));
        }
        None
    }
}

// ---- recover --from: restore pods, streamed stdin, `cat` of VERSION files ----

/// Creating a pod (the restore pod: running at once), and deleting one no controller owns
/// (gone at once, not recreated).
fn restore_pod_routes(
    st: &mut ApiState,
    method: &Method,
    parts: &[&str],
    body: &Value,
) -> Option<Response<Body>> {
    let restore_label = crate::cluster::objects::RESTORE_LABEL;
    match (method.clone(), parts) {
        (Method::POST, ["api", "v1", "namespaces", _, "pods"]) => {
            let mut pod = body.clone();
            let name = pod["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if named(&mut st.pods, &name).is_some() {
                return Some(status(
                    StatusCode::CONFLICT,
                    "AlreadyExists",
                    &format!("pods \"{name}\" already exists"),
                ));
            }
            pod["metadata"]["uid"] = json!(format!("{name}-uid"));
            pod["status"] = json!({"phase": "Running"});
            let typed: Pod = serde_json::from_value(pod.clone()).ok()?;
            st.pods.push(typed);
            Some(ok(pod))
        }
        (Method::DELETE, ["api", "v1", "namespaces", _, "pods", name]) => {
            let i = st.pods.iter().position(|p| {
                p.metadata.name.as_deref() == Some(name)
                    && crate::cluster::view::label(&p.metadata, restore_label).is_some()
            })?;
            Some(ok(serde_json::to_value(st.pods.remove(i)).unwrap()))
        }
        _ => None,
    }
}

impl OzoneState {
    fn cat(&mut self, argv: &[String]) -> Option<ExecOutput> {
        let ["cat", path] = [argv.first()?.as_str(), argv.get(1)?.as_str()] else {
            return None;
        };
        (argv.len() == 2).then_some(())?;
        Some(match self.files.get(path) {
            Some(text) => ExecOutput {
                stdout: text.clone(),
                stderr: String::new(),
                exit_code: 0,
            },
            None => ExecOutput {
                stdout: String::new(),
                stderr: format!("cat: {path}: No such file or directory\n"),
                exit_code: 1,
            },
        })
    }
}

impl FakeOzone {
    /// The restore script's part: reads standard input to its end, hashing it, then answers
    /// as `restore.py` does for the size and sha256 its JSON argument expects.
    async fn receive(
        &self,
        pod: &str,
        argv: &[String],
        mut stdin: crate::cluster::exec::Stdin<'_>,
    ) -> Result<ExecOutput, ExecError> {
        use sha2::Digest;
        use tokio::io::AsyncReadExt;
        let args: Value = argv
            .last()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        {
            let mut st = self.state.lock().unwrap();
            st.calls
                .push((pod.to_owned(), format!("{} (stdin)", argv[0])));
            let at = st.journal.lock().unwrap().len();
            if st.fail_stream_at == Some(at) {
                return Err(ExecError::Transport {
                    pod: pod.into(),
                    message: "fake cluster: this stream is cut off in this test".into(),
                });
            }
            if st.fail_mutations {
                return Ok(ExecOutput {
                    stdout: String::new(),
                    stderr: "fake cluster: mutations are refused in this test".into(),
                    exit_code: 99,
                });
            }
            if args["component"] == "scm" && st.no_scm_version {
                return Ok(ExecOutput {
                    stdout: String::new(),
                    stderr: "no SCM VERSION file at /data/metadata/scm/current/VERSION".into(),
                    exit_code: 3,
                });
            }
        }
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = stdin
                .read(&mut buf)
                .await
                .map_err(|e| ExecError::Transport {
                    pod: pod.into(),
                    message: e.to_string(),
                })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        let sha = crate::cluster::proxy::hex(&hasher.finalize());
        let mut st = self.state.lock().unwrap();
        st.journal
            .lock()
            .unwrap()
            .push(format!("stream {pod} {size} bytes"));
        st.streams.push((pod.to_owned(), size, sha.clone()));
        if Some(size) != args["size"].as_u64() || Some(sha.as_str()) != args["sha256"].as_str() {
            return Ok(ExecOutput {
                stdout: String::new(),
                stderr: format!("the checkpoint arrived damaged: {size} bytes with sha256 {sha}"),
                exit_code: 4,
            });
        }
        let db = args["db"][0].as_str().unwrap_or_default().to_owned();
        Ok(ExecOutput {
            stdout: json!({"received": size, "sha256": sha, "db": db,
                "movedAside": [format!("{db}.before-restore-{}", args["backup"].as_str().unwrap_or_default())],
                "clusterId": if args["clusterId"].is_null() { "kept" } else { "set" }})
            .to_string()
                + "\n",
            stderr: String::new(),
            exit_code: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::ByteString;
    use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};

    fn secret(name: &str, value: &str) -> Secret {
        Secret {
            metadata: kube::api::ObjectMeta {
                name: Some(name.into()),
                labels: Some(labels("ozone", "scm")),
                ..Default::default()
            },
            data: Some(BTreeMap::from([(
                "tls.crt".to_owned(),
                ByteString(value.as_bytes().to_vec()),
            )])),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn secrets_are_created_read_replaced_patched_and_recorded() {
        let c = FakeCluster::new("ozone", 1, 1, 3);
        let api: Api<Secret> = Api::namespaced(c.api.client("ozone"), "ozone");
        api.create(&PostParams::default(), &secret("a", "one"))
            .await
            .unwrap();
        let again = api
            .create(&PostParams::default(), &secret("a", "two"))
            .await;
        assert!(matches!(again, Err(kube::Error::Api(s)) if s.code == 409));
        api.replace("a", &PostParams::default(), &secret("a", "three"))
            .await
            .unwrap();
        let patch = json!({"metadata": {"annotations": {"x": "y"}}});
        api.patch("a", &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap();
        let got = api.get("a").await.unwrap();
        assert_eq!(got.data.unwrap()["tls.crt"].0, b"three");
        assert_eq!(got.metadata.annotations.unwrap()["x"], "y");
        let listed = api
            .list(&ListParams::default().labels("app.kubernetes.io/component=scm"))
            .await
            .unwrap();
        assert_eq!(listed.items.len(), 1);
        assert!(matches!(api.get("b").await, Err(kube::Error::Api(s)) if s.code == 404));
        let methods: Vec<Method> = c.api.writes().into_iter().map(|r| r.method).collect();
        assert_eq!(
            methods,
            [Method::POST, Method::POST, Method::PUT, Method::PATCH]
        );
    }

    #[tokio::test]
    async fn pod_annotations_can_be_patched_and_writes_can_be_refused() {
        let c = FakeCluster::new("ozone", 1, 1, 3);
        let pods: Api<Pod> = Api::namespaced(c.api.client("ozone"), "ozone");
        let patch = json!({"metadata": {"annotations": {"k": "v"}}});
        pods.patch("ozone-om-0", &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap();
        assert_eq!(
            c.api
                .pod("ozone-om-0")
                .unwrap()
                .metadata
                .annotations
                .unwrap()["k"],
            "v"
        );
        c.refuse_writes();
        let secrets: Api<Secret> = Api::namespaced(c.api.client("ozone"), "ozone");
        assert!(
            secrets
                .create(&PostParams::default(), &secret("a", "x"))
                .await
                .is_err()
        );
        assert!(c.api.secret("a").is_none());
    }
}
