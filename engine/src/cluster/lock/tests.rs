use super::*;
use crate::testing::{FakeCluster, store};
use serde_json::json;

fn reader(c: &FakeCluster) -> KubeReader {
    c.session().kube
}

fn stored_lease(c: &FakeCluster) -> Option<Lease> {
    c.api
        .object("leases", "ozone-engine-lock")
        .map(|v| serde_json::from_value(v).unwrap())
}

/// A Lease held by `holder`, last renewed `ago` seconds ago.
fn held(c: &FakeCluster, holder: &str, ago: i64) {
    let at = Timestamp::now()
        .checked_sub(SignedDuration::from_secs(ago))
        .unwrap();
    let lease = json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {
            "name": "ozone-engine-lock", "namespace": "ozone", "resourceVersion": "7",
            "annotations": {OPERATION_ANNOTATION: "datanode decommission"},
        },
        "spec": {
            "holderIdentity": holder, "leaseDurationSeconds": 30,
            "acquireTime": MicroTime(at).0.to_string(), "renewTime": MicroTime(at).0.to_string(),
            "leaseTransitions": 1,
        },
    });
    store(&mut c.api.state.lock().unwrap(), "leases", lease);
}

#[tokio::test]
async fn acquire_creates_the_lease_and_release_deletes_it() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let guard = acquire(&reader(&c), "ozone", "me".into(), "restart")
        .await
        .unwrap();
    let lease = stored_lease(&c).unwrap();
    let spec = lease.spec.as_ref().unwrap();
    assert_eq!(spec.holder_identity.as_deref(), Some("me"));
    assert_eq!(spec.lease_duration_seconds, Some(30));
    assert_eq!(spec.lease_transitions, Some(0));
    assert!(spec.renew_time.is_some() && spec.acquire_time.is_some());
    assert_eq!(
        lease.metadata.annotations.unwrap()[OPERATION_ANNOTATION],
        "restart"
    );
    assert_eq!(guard.lease(), "ozone-engine-lock");
    guard.release().await.unwrap();
    assert!(stored_lease(&c).is_none());
    assert_eq!(
        c.api.lease_writes(),
        ["POST leases", "DELETE leases/ozone-engine-lock"]
    );
    // The lock is not a change of the cluster.
    assert!(c.journal().is_empty() && c.api.writes().is_empty());
}

#[tokio::test]
async fn a_live_lease_of_someone_else_is_refused_naming_who_what_and_until_when() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    held(&c, "kubectl-ozone/jane@laptop/42", 5);
    let err = acquire(&reader(&c), "ozone", "me".into(), "restart")
        .await
        .unwrap_err();
    let LockError::Held(h) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(h.holder, "kubectl-ozone/jane@laptop/42");
    assert_eq!(h.operation.as_deref(), Some("datanode decommission"));
    assert!(h.since.is_some());
    let text = err.to_string();
    for part in [
        "Ozone cluster ozone in namespace ozone is busy: kubectl-ozone/jane@laptop/42 holds its engine lock (Lease ozone-engine-lock) since ",
        " for `datanode decommission`; it expires at ",
    ] {
        assert!(text.contains(part), "{part:?} in {text}");
    }
    // Untouched.
    let lease = stored_lease(&c).unwrap();
    assert_eq!(
        lease.spec.unwrap().holder_identity.as_deref(),
        Some("kubectl-ozone/jane@laptop/42")
    );
    assert_eq!(c.api.lease_writes(), ["POST leases"]);
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_with_its_resource_version() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    held(&c, "crashed", 31);
    let guard = acquire(&reader(&c), "ozone", "me".into(), "apply")
        .await
        .unwrap();
    let lease = stored_lease(&c).unwrap();
    let spec = lease.spec.unwrap();
    assert_eq!(spec.holder_identity.as_deref(), Some("me"));
    assert_eq!(spec.lease_transitions, Some(2));
    assert_eq!(
        lease.metadata.annotations.unwrap()[OPERATION_ANNOTATION],
        "apply"
    );
    assert_eq!(
        c.api.lease_writes(),
        ["POST leases", "PUT leases/ozone-engine-lock"]
    );
    drop(guard);
}

#[tokio::test]
async fn the_same_holder_takes_its_own_lease_again() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    held(&c, "me", 5);
    let guard = acquire(&reader(&c), "ozone", "me".into(), "restart")
        .await
        .unwrap();
    let spec = stored_lease(&c).unwrap().spec.unwrap();
    assert_eq!(spec.lease_transitions, Some(1), "not a new holder");
    guard.release().await.unwrap();
    assert!(stored_lease(&c).is_none());
}

#[tokio::test]
async fn of_two_acquirers_only_one_wins() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let kube = reader(&c);
    let (a, b) = tokio::join!(
        acquire(&kube, "ozone", "a".into(), "restart"),
        acquire(&kube, "ozone", "b".into(), "restart"),
    );
    assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
    // Over an expired Lease too: both read it, both replace with the same version.
    let c = FakeCluster::new("ozone", 1, 1, 3);
    held(&c, "crashed", 60);
    let kube = reader(&c);
    let (a, b) = tokio::join!(
        acquire(&kube, "ozone", "a".into(), "restart"),
        acquire(&kube, "ozone", "b".into(), "restart"),
    );
    assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
    let loser = a.err().or(b.err()).unwrap();
    assert!(matches!(loser, LockError::Held(_)), "{loser:?}");
}

#[tokio::test]
async fn a_stale_replace_is_refused_by_the_fake() {
    // What the optimistic concurrency above relies on.
    let c = FakeCluster::new("ozone", 1, 1, 3);
    held(&c, "x", 60);
    let api: Api<Lease> = Api::namespaced(c.api.client("ozone"), "ozone");
    let mut lease = api.get("ozone-engine-lock").await.unwrap();
    lease.metadata.resource_version = Some("6".into());
    let err = api
        .replace("ozone-engine-lock", &PostParams::default(), &lease)
        .await
        .unwrap_err();
    assert!(matches!(err, kube::Error::Api(s) if s.code == 409));
}

#[tokio::test(start_paused = true)]
async fn the_guard_renews_every_ten_seconds_until_released() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let guard = acquire(&reader(&c), "ozone", "me".into(), "restart")
        .await
        .unwrap();
    let first = stored_lease(&c).unwrap().spec.unwrap().renew_time.unwrap();
    tokio::time::sleep(Duration::from_secs(25)).await;
    assert_eq!(
        c.api.lease_writes(),
        [
            "POST leases",
            "PUT leases/ozone-engine-lock",
            "PUT leases/ozone-engine-lock"
        ]
    );
    let later = stored_lease(&c).unwrap().spec.unwrap().renew_time.unwrap();
    assert!(later >= first);
    guard.release().await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(c.api.lease_writes().len(), 4, "{:?}", c.api.lease_writes());
    assert!(stored_lease(&c).is_none());
}

#[tokio::test(start_paused = true)]
async fn a_dropped_guard_stops_renewing_and_the_lease_expires() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let guard = acquire(&reader(&c), "ozone", "me".into(), "restart")
        .await
        .unwrap();
    drop(guard);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(c.api.lease_writes(), ["POST leases"]);
    let lease = stored_lease(&c).unwrap();
    assert_eq!(lease.spec.unwrap().holder_identity.as_deref(), Some("me"));
}

#[tokio::test(start_paused = true)]
async fn a_renewal_that_finds_the_lease_taken_marks_the_lock_lost() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let guard = acquire(&reader(&c), "ozone", "me".into(), "restart")
        .await
        .unwrap();
    held(&c, "someone-else", 0);
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert!(guard.is_lost());
    guard.release().await.unwrap();
    // Left to its new holder.
    let lease = stored_lease(&c).unwrap();
    assert_eq!(
        lease.spec.unwrap().holder_identity.as_deref(),
        Some("someone-else")
    );
}

#[test]
fn the_lease_name_fits() {
    let longest = "a".repeat(63);
    assert!(lease_name(&longest).len() <= 253);
    assert_eq!(lease_name("ozone"), "ozone-engine-lock");
}
