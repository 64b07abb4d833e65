use super::*;
use crate::cluster::act::Confirmed;
use crate::testing::{FakeApi, FakeCluster, store};
use serde_json::json;

fn resource(finalizers: &[&str]) -> Value {
    json!({
        "apiVersion": API_VERSION, "kind": KIND,
        "metadata": {
            "name": "ozone", "namespace": "ozone", "generation": 4,
            "finalizers": finalizers,
        },
        "spec": {"profile": "small", "datanodes": {"replicas": 3}},
        "status": {"phase": "Ready", "phaseReason": "every pod is ready"},
    })
}

fn with_resource(object: Option<Value>) -> FakeCluster {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    if let Some(o) = object {
        store(&mut c.api.state.lock().unwrap(), PLURAL, o);
    }
    c
}

#[tokio::test]
async fn a_resource_with_the_finalizer_is_managed() {
    let c = with_resource(Some(resource(&["other/x", FINALIZER])));
    let m = detect(&c.session().kube, "ozone").await.unwrap().unwrap();
    assert_eq!(m.name, "ozone");
    assert_eq!(m.namespace, "ozone");
    assert_eq!(m.generation, Some(4));
    assert_eq!(m.spec["datanodes"]["replicas"], 3);
    assert_eq!(m.phase(), Some("Ready"));
    assert_eq!(m.phase_reason(), Some("every pod is ready"));
    assert_eq!(m.describe(), "OzoneCluster ozone/ozone");
    let req = &c.api.requests()[0];
    assert_eq!(
        req.uri,
        "/apis/ozone.apache.org/v1alpha1/namespaces/ozone/ozoneclusters/ozone"
    );
}

#[tokio::test]
async fn without_the_finalizer_or_without_a_resource_it_is_not_managed() {
    let c = with_resource(Some(resource(&[])));
    assert_eq!(detect(&c.session().kube, "ozone").await.unwrap(), None);
    // No resource of that name (the fake answers 404 as for a CRD that is not installed).
    let c = with_resource(None);
    assert_eq!(detect(&c.session().kube, "ozone").await.unwrap(), None);
    let c = with_resource(Some(resource(&[FINALIZER])));
    assert_eq!(detect(&c.session().kube, "other").await.unwrap(), None);
}

#[tokio::test]
async fn a_reader_without_access_to_the_resource_sees_it_unmanaged() {
    let c = with_resource(Some(resource(&[FINALIZER])));
    // A Role that grants nothing on ozoneclusters: the fake answers 403.
    c.api.state.lock().unwrap().rbac = Some(vec![]);
    assert_eq!(detect(&c.session().kube, "ozone").await.unwrap(), None);
}

#[tokio::test]
async fn a_request_is_exactly_one_merge_patch_of_its_annotation() {
    let c = with_resource(Some(resource(&[FINALIZER])));
    let session = c.session();
    let m = detect(&session.kube, "ozone").await.unwrap().unwrap();
    let act = actuator(&session, Confirmed::granted());
    let at = Timestamp::from_second(1_796_652_000).unwrap();
    let value = request(&act, &m, Request::Restart, at).await.unwrap();
    assert_eq!(value, "2026-12-07T14:00:00Z");
    let value = request(&act, &m, Request::RotateCertificates, at)
        .await
        .unwrap();
    assert_eq!(value, "2026-12-07T14:00:00Z");
    assert_eq!(
        c.journal(),
        ["PATCH ozoneclusters/ozone", "PATCH ozoneclusters/ozone"]
    );
    let writes = c.api.writes();
    assert!(writes.iter().all(|w| w.method == http::Method::PATCH));
    let stored = c.api.object(PLURAL, "ozone").unwrap();
    assert_eq!(
        stored["metadata"]["annotations"][RESTART_ANNOTATION],
        "2026-12-07T14:00:00Z"
    );
    assert_eq!(
        stored["metadata"]["annotations"][ROTATE_CERTS_ANNOTATION],
        "2026-12-07T14:00:00Z"
    );
    // The spec is untouched.
    assert_eq!(stored["spec"], m.spec);
    request_restart(&act, &m).await.unwrap();
    assert_eq!(c.journal().len(), 3);
}

#[test]
fn timestamps_are_rfc3339_utc_whole_seconds() {
    let at: Timestamp = "2026-12-07T14:00:00.123456Z".parse().unwrap();
    assert_eq!(timestamp(at), "2026-12-07T14:00:00Z");
}

#[tokio::test]
async fn apply_resource_applies_the_document_as_the_resource() {
    let c = with_resource(None);
    let session = c.session();
    let doc: ClusterDoc = serde_yaml_ng_free_parse();
    let act = actuator(&session, Confirmed::granted());
    let stored = apply_resource(&act, &doc, "ozone", "ozone", false)
        .await
        .unwrap();
    assert_eq!(stored["kind"], "OzoneCluster");
    assert_eq!(stored["spec"]["datanodes"]["replicas"], 5);
    assert_eq!(c.journal(), ["PATCH ozoneclusters/ozone"]);
    let req = c.api.writes().pop().unwrap();
    assert!(
        req.uri.contains("fieldManager=kubectl-ozone"),
        "{}",
        req.uri
    );
    let object = c.api.object(PLURAL, "ozone").unwrap();
    assert_eq!(object["metadata"]["namespace"], "ozone");
    assert!(object.get("status").is_none_or(Value::is_null));
}

fn serde_yaml_ng_free_parse() -> ClusterDoc {
    serde_json::from_value(json!({
        "apiVersion": API_VERSION, "kind": KIND,
        "metadata": {"name": "ozone"},
        "spec": {"profile": "small", "datanodes": {"replicas": 5}},
    }))
    .unwrap()
}

#[test]
fn the_fake_api_serves_custom_resources_from_its_objects() {
    // Guard for the tests above: the fake keeps ozoneclusters as JSON objects.
    let api = FakeApi::default();
    store(&mut api.state.lock().unwrap(), PLURAL, resource(&[]));
    assert!(api.object(PLURAL, "ozone").is_some());
}
