//! The diagnosis as a controller calls it: against the fake cluster, without a command line,
//! with events recorded. The command line's scenarios (`kubectl-ozone`'s `cmd/doctor`,
//! `cmd/report` tests) cover the text and the exit codes.

use super::doctor::{self, DoctorOptions, FailOn, Verdict};
use super::report::{self, ReportOptions, archive};
use super::status;
use crate::cluster::discover;
use crate::events::Recorded;
use crate::testing::FakeCluster;
use flate2::read::GzDecoder;
use ozone_storage::Component;
use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

const OPTIONS: DoctorOptions = DoctorOptions {
    verbose: false,
    log_lines: 10,
    cert_warn_within: Duration::from_secs(30 * 86_400),
};

#[tokio::test]
async fn status_counts_ready_replicas_per_component_and_asks_ozone() {
    let c = FakeCluster::new("ozone", 3, 3, 5);
    let session = c.session();
    let view = discover::find(&session.kube, None).await.unwrap();
    let st = status::read(&session, &view).await;
    assert_eq!(st.cluster, "ozone");
    assert_eq!(st.ready(Component::Datanode), Some((5, 5)));
    assert_eq!(st.ready(Component::S3g), Some((1, 1)));
    assert_eq!(st.ready(Component::Recon), None);
    assert_eq!(st.kubernetes.pods.len(), 11);
    assert!(st.ozone.errors.is_empty(), "{:?}", st.ozone.errors);
    assert_eq!(st.ozone.scm.as_ref().map(Vec::len), Some(3));
    assert_eq!(st.ozone.datanodes.as_ref().map(|d| d.total), Some(5));
    let versions = status::versions(&view);
    assert_eq!(
        versions["datanode"].iter().collect::<Vec<_>>(),
        ["2.2.0"],
        "{versions:?}"
    );
}

#[tokio::test]
async fn status_without_exec_keeps_the_kubernetes_side_and_one_reason() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    c.ozone.state.lock().unwrap().forbidden = true;
    let session = c.session();
    let view = discover::find(&session.kube, None).await.unwrap();
    let st = status::read(&session, &view).await;
    assert_eq!(st.kubernetes.workloads.len(), 4);
    assert_eq!(st.ozone.errors.len(), 1, "{:?}", st.ozone.errors);
    assert!(st.ozone.scm.is_none() && st.ozone.datanodes.is_none());
}

#[tokio::test]
async fn doctor_judges_datanodes_and_certificates_and_writes_nothing() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    c.refuse_writes();
    c.ozone.state.lock().unwrap().datanodes[0].health = "DEAD".into();
    let session = c.session();
    let view = discover::find(&session.kube, None).await.unwrap();
    let r = doctor::examine(&session, view, &OPTIONS).await;
    assert_eq!(r.mode, "running");
    assert_eq!(r.findings[0].verdict, Verdict::Error, "{:#?}", r.findings);
    assert_eq!(r.findings[0].check, "datanodes");
    assert!(
        r.findings
            .iter()
            .any(|f| f.check == "certificates" && f.evidence == "TLS is off: no certificates"),
        "{:#?}",
        r.findings
    );
    assert!(r.fails(FailOn::Error));
    assert!(c.api.writes().is_empty() && c.ozone.mutations().is_empty());
}

#[tokio::test]
async fn the_bundle_is_collected_with_events_and_archived_to_any_writer() {
    let c = FakeCluster::new("ozone", 1, 1, 1);
    c.refuse_writes();
    let session = c.session();
    let view = discover::find(&session.kube, None).await.unwrap();
    let mut events = Recorded::default();
    let options = ReportOptions {
        logs: 10,
        since: None,
        jmx: false,
    };
    let bundle = report::collect(&session, &view, &options, &mut events)
        .await
        .unwrap();
    assert_eq!(
        events.lines[..2],
        [
            "note: report: objects of cluster ozone in namespace ozone",
            "note: report: status and doctor"
        ]
    );
    let mut out = Vec::new();
    let written = archive::write(&bundle, &mut out).unwrap();
    let mut files = BTreeMap::new();
    let mut tar = tar::Archive::new(GzDecoder::new(out.as_slice()));
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        files.insert(name, text);
    }
    assert_eq!(files.len(), written);
    for expected in [
        "index.json",
        "status.json",
        "doctor.json",
        "kubernetes/pods.yaml",
    ] {
        assert!(
            files.contains_key(&format!("ozone-report-ozone/{expected}")),
            "no {expected} in {:?}",
            files.keys()
        );
    }
    assert!(c.api.writes().is_empty() && c.ozone.mutations().is_empty());
}
