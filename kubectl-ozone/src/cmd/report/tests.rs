//! `report` against the fake cluster: the archive's layout, that no planted secret survives
//! anywhere in it, and that a partial failure still writes the archive and exits 1.

use crate::cli::{Cli, Command};
use crate::testing::{FakeCluster, Run, RunCommand, io};
use clap::Parser;
use flate2::read::GzDecoder;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

async fn run(c: &FakeCluster, args: &[&str]) -> Run {
    let argv: Vec<&str> = std::iter::once("report")
        .chain(args.iter().copied())
        .collect();
    c.refuse_writes();
    let run = c.run(&argv, None).await;
    assert!(c.api.writes().is_empty(), "{:?}", c.api.writes());
    assert!(c.ozone.mutations().is_empty());
    run
}

/// The archive's files: path (without the top directory) → content.
fn unpack(path: &Path) -> BTreeMap<String, String> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let mut out = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let (root, rest) = name.split_once('/').unwrap();
        assert_eq!(root, "ozone-report-ozone");
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        out.insert(rest.to_owned(), text);
    }
    out
}

const SITE_XML: &str = "<?xml version=\"1.0\"?><configuration><property><name>ozone.replication</name><value>3</value><final>false</final><source>ozone-site.xml</source></property><property><name>ozone.om.db.password</name><value>PLANTED-XML-5</value><final>false</final><source>ozone-site.xml</source></property></configuration>";

/// A cluster with secrets planted everywhere a careless bundle would copy them.
fn planted() -> FakeCluster {
    let c = FakeCluster::new("ozone", 1, 1, 1);
    let mut st = c.api.state.lock().unwrap();
    st.secrets.push(Secret {
        metadata: kube::api::ObjectMeta {
            name: Some("ozone-tls-passwords".into()),
            namespace: Some("ozone".into()),
            annotations: Some(BTreeMap::from([(
                "kubectl.kubernetes.io/last-applied-configuration".into(),
                "{\"data\":{\"keystore-password\":\"PLANTED-SECRET-1\"}}".into(),
            )])),
            ..Default::default()
        },
        data: Some(BTreeMap::from([
            (
                "keystore-password".into(),
                ByteString(b"PLANTED-SECRET-1".to_vec()),
            ),
            (
                "ca.key".into(),
                ByteString(
                    b"-----BEGIN PRIVATE KEY-----\nPLANTEDKEYLINE6\n-----END PRIVATE KEY-----\n"
                        .to_vec(),
                ),
            ),
        ])),
        ..Default::default()
    });
    for cm in st.config_maps.iter_mut() {
        cm.data.get_or_insert_default().insert(
            "OZONE-SITE.XML_ozone.s3g.secret.key".into(),
            "PLANTED-CONFIGMAP-2".into(),
        );
    }
    for pod in st.pods.iter_mut() {
        let mut v = serde_json::to_value(&*pod).unwrap();
        v["spec"]["containers"][0]["env"] = json!([{"name": "DB_PASSWORD", "value": "PLANTED-ENV-3"}, {"name": "JAVA_OPTS", "value": "-Xmx1g"}]);
        *pod = serde_json::from_value(v).unwrap();
    }
    for sts in st.statefulsets.iter_mut() {
        let mut v = serde_json::to_value(&*sts).unwrap();
        v["spec"]["template"]["spec"]["containers"][0]["env"] =
            json!([{"name": "DB_PASSWORD", "value": "PLANTED-ENV-3"}]);
        *sts = serde_json::from_value(v).unwrap();
    }
    st.pods[0]
        .status
        .as_mut()
        .unwrap()
        .container_statuses
        .as_mut()
        .unwrap()[0]
        .restart_count = 2;
    let mut running = |pod: &str, container: &str| {
        st.logs.insert(
            format!("{pod}/{container}"),
            format!("INFO starting {pod}\nDEBUG login password=PLANTED-LOG-4 user=hadoop\nINFO keystore opened with PLANTED-SECRET-1\nINFO env DB_PASSWORD is PLANTED-ENV-3\n"),
        );
    };
    for (pod, c) in [
        ("ozone-scm-0", "scm"),
        ("ozone-om-0", "om"),
        ("ozone-datanode-0", "datanode"),
    ] {
        running(pod, c);
    }
    st.logs.insert(
        "ozone-scm-0/scm/previous".into(),
        "ERROR died; token: PLANTED-LOG-7\n".into(),
    );
    for (pod, port) in [
        ("ozone-scm-0", 9876),
        ("ozone-om-0", 9874),
        ("ozone-datanode-0", 9882),
    ] {
        st.proxy
            .insert(format!("{pod}:{port}/conf"), SITE_XML.into());
        st.proxy.insert(format!("{pod}:{port}/jmx"), "{\"beans\": [{\"name\": \"Hadoop:service=OzoneManager\", \"ssl.keystore.password\": \"PLANTED-JMX-8\"}]}".into());
    }
    drop(st);
    // Container statuses need a state for their log to be read.
    let mut st = c.api.state.lock().unwrap();
    for pod in st.pods.iter_mut() {
        for cs in pod
            .status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap()
        {
            cs.state =
                serde_json::from_value(json!({"running": {"startedAt": "2026-11-30T00:00:00Z"}}))
                    .unwrap();
        }
    }
    drop(st);
    c
}

const PLANTED: [&str; 8] = [
    "PLANTED-SECRET-1",
    "PLANTED-CONFIGMAP-2",
    "PLANTED-ENV-3",
    "PLANTED-LOG-4",
    "PLANTED-XML-5",
    "PLANTED-LOG-7",
    "PLANTED-JMX-8",
    "PLANTEDKEYLINE6",
];

#[tokio::test]
async fn the_archive_holds_every_part_and_no_planted_secret() {
    let c = planted();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.tar.gz");
    let r = run(&c, &["-o", path.to_str().unwrap(), "--jmx", "--logs", "50"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let files = unpack(&path);
    for expected in [
        "index.json",
        "kubernetes/secrets.yaml",
        "kubernetes/configmaps.yaml",
        "kubernetes/statefulsets.yaml",
        "kubernetes/pods.yaml",
        "kubernetes/persistentvolumeclaims.yaml",
        "kubernetes/events.yaml",
        "status.json",
        "doctor.json",
        "logs/ozone-om-0/om.log",
        "logs/ozone-scm-0/scm.previous.log",
        "ozone/ozone-om-0/version.txt",
        "ozone/ozone-datanode-0/version.txt",
        "ozone/ozone-scm-0/ozone-site.xml",
        "ozone/ozone-om-0/jmx.json",
    ] {
        assert!(
            files.contains_key(expected),
            "no {expected} in {:?}",
            files.keys()
        );
    }
    let everything: String = files.iter().map(|(k, v)| format!("{k}\n{v}\n")).collect();
    for secret in PLANTED {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }
    // What stays: key names, ordinary config, redaction markers.
    let secrets = &files["kubernetes/secrets.yaml"];
    assert!(
        secrets.contains("keystore-password") && secrets.contains("ca.key"),
        "{secrets}"
    );
    assert!(
        files["ozone/ozone-om-0/ozone-site.xml"]
            .contains("<name>ozone.replication</name><value>3</value>")
    );
    assert!(files["kubernetes/pods.yaml"].contains("-Xmx1g"));
    assert!(files["logs/ozone-om-0/om.log"].contains("password=<redacted> user=hadoop"));
    assert!(files["ozone/ozone-om-0/version.txt"].contains("Apache Ozone 2.2.0"));
    let index: serde_json::Value = serde_json::from_str(&files["index.json"]).unwrap();
    assert_eq!(index["failed"], json!([]));
    assert!(index["files"].as_array().unwrap().len() >= 15);
    let doctor: serde_json::Value = serde_json::from_str(&files["doctor.json"]).unwrap();
    assert_eq!(doctor["mode"], "running");
    assert!(
        r.err.contains("wrote ") && r.err.contains("files)"),
        "{}",
        r.err
    );
}

#[tokio::test]
async fn jmx_only_on_request() {
    let c = planted();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.tar.gz");
    let r = run(&c, &["-o", path.to_str().unwrap()]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(unpack(&path).keys().all(|k| !k.ends_with("jmx.json")));
}

#[tokio::test]
async fn a_partial_failure_still_writes_the_archive_and_names_what_is_missing() {
    let c = planted();
    c.ozone.state.lock().unwrap().forbidden = true;
    c.api.state.lock().unwrap().proxy.clear();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.tar.gz");
    let r = run(&c, &["-o", path.to_str().unwrap()]).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(r.err.contains("could not be collected"), "{}", r.err);
    assert!(
        r.err.contains("ozone/ozone-om-0/version.txt: forbidden"),
        "{}",
        r.err
    );
    let files = unpack(&path);
    assert!(files.contains_key("kubernetes/pods.yaml"));
    assert!(!files.contains_key("ozone/ozone-om-0/version.txt"));
    let index: serde_json::Value = serde_json::from_str(&files["index.json"]).unwrap();
    let failed: Vec<String> = index["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["what"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        failed.contains(&"ozone/ozone-scm-0/ozone-site.xml".to_owned()),
        "{failed:?}"
    );
    // The API server's reason follows what was attempted, once, in the index and on stderr.
    let why = "cannot get pods/proxy in namespace ozone: \
               error trying to reach service: connection refused: ServiceUnavailable";
    let site = index["failed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["what"] == "ozone/ozone-scm-0/ozone-site.xml")
        .unwrap();
    assert_eq!(site["why"], why);
    assert!(
        r.err
            .contains(&format!("ozone/ozone-scm-0/ozone-site.xml: {why}\n")),
        "{}",
        r.err
    );
    // Nothing else is left next to it: the temporary file was renamed.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Every namespaced request a command sent, as (group, resource, verb) for RBAC.
fn rbac_needed(c: &FakeCluster) -> Vec<(String, String, String)> {
    let mut needed: Vec<(String, String, String)> = c
        .api
        .requests()
        .iter()
        .map(|r| {
            let path = r.uri.split('?').next().unwrap_or_default().to_owned();
            if path.contains("/proxy/") {
                (String::new(), "pods/proxy".into(), "get".into())
            } else {
                crate::scenarios::rbac_of(r)
            }
        })
        .collect();
    if c.ozone.call_count() > 0 {
        needed.push((String::new(), "pods/exec".into(), "create".into()));
    }
    needed
}

fn assert_granted(command: &str, needed: Vec<(String, String, String)>) {
    let rules = ozone_generator::permissions::COMMANDS
        .iter()
        .find(|p| p.command == command)
        .unwrap_or_else(|| panic!("{command} is not in the permissions table"))
        .rules;
    for (group, resource, verb) in needed {
        assert!(
            rules.iter().any(|rule| rule.api_group == group
                && rule.resource == resource
                && rule.verbs.contains(&verb.as_str())),
            "`{command}` sends {verb} {group}/{resource}, which the permissions table does not grant"
        );
    }
}

#[tokio::test]
async fn every_request_of_report_and_doctor_is_in_the_permissions_table() {
    let c = planted();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.tar.gz");
    let r = run(&c, &["-o", path.to_str().unwrap(), "--jmx"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_granted("report", rbac_needed(&c));

    let c = planted();
    {
        // A crash loop makes doctor read a previous log too.
        let mut st = c.api.state.lock().unwrap();
        let v = &mut st.pods[0]
            .status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap()[0];
        v.state =
            serde_json::from_value(json!({"waiting": {"reason": "CrashLoopBackOff"}})).unwrap();
    }
    let cli = Cli::try_parse_from(["kubectl-ozone", "doctor"]).unwrap();
    let Command::Doctor(a) = cli.command else {
        panic!()
    };
    let (mut io, _, _) = io(None);
    crate::cmd::doctor::run(&c.session(), &mut io, &a, None)
        .await
        .unwrap();
    let needed = rbac_needed(&c);
    assert!(needed.iter().any(|(_, r, _)| r == "pods/log"));
    assert_granted("doctor", needed);
}
