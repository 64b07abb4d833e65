//! The built binary against an in-process fake API server on 127.0.0.1: plain HTTP for the
//! lists, and a WebSocket speaking the `v5.channel.k8s.io` exec protocol for the Ozone CLI,
//! answering with output shaped as reference §6 documents. This exercises the real client
//! configuration (kubeconfig, User-Agent) and the real exec transport end to end.

// The fake server's helpers are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const DATANODES: usize = 500;

#[derive(Default)]
struct Seen {
    requests: Vec<String>,
    user_agents: Vec<String>,
}

fn labels(component: &str) -> Value {
    json!({"app.kubernetes.io/name": "ozone", "app.kubernetes.io/instance": "ozone",
           "app.kubernetes.io/component": component})
}

fn host(component: &str, i: usize) -> String {
    format!("ozone-{component}-{i}.ozone-{component}-headless.ozone.svc.cluster.local")
}

fn list(kind: &str, items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "kind": kind, "metadata": {"resourceVersion": "1"}, "items": items})
}

fn api_response(path: &str) -> Value {
    let comps = [("scm", 1usize), ("om", 1), ("datanode", DATANODES)];
    if path.ends_with("/statefulsets") {
        return list("StatefulSetList", comps.iter().map(|(c, n)| json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": format!("ozone-{c}"), "namespace": "ozone", "labels": labels(c)},
            "spec": {"replicas": n, "serviceName": format!("ozone-{c}-headless"), "selector": {"matchLabels": labels(c)},
                     "template": {"spec": {"containers": [{"name": c}]}}},
            "status": {"replicas": n, "readyReplicas": n}
        })).collect());
    }
    if path.ends_with("/deployments") {
        return list("DeploymentList", vec![]);
    }
    if path.ends_with("/pods") {
        return list("PodList", comps.iter().flat_map(|(c, n)| (0..*n).map(move |i| json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("ozone-{c}-{i}"), "namespace": "ozone", "labels": labels(c)},
            "spec": {"nodeName": "node-1", "containers": [{"name": c}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        }))).collect());
    }
    if path.ends_with("/persistentvolumeclaims") {
        return list("PersistentVolumeClaimList", (0..DATANODES).map(|i| json!({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": format!("data-ozone-datanode-{i}"), "namespace": "ozone", "labels": labels("datanode")},
            "status": {"phase": "Bound", "capacity": {"storage": "100Gi"}}
        })).collect());
    }
    json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404, "reason": "NotFound", "message": path})
}

fn ozone_output(argv: &[String]) -> String {
    match argv.join(" ").as_str() {
        "ozone admin datanode list --json --all" => {
            let items: Vec<Value> = (0..DATANODES).map(|i| json!({
                "id": format!("uuid-{i}"), "hostName": host("datanode", i), "ipAddress": "10.0.0.1",
                "ports": [{"name": "HTTP", "value": 9882}], "setupTime": 1, "currentVersion": 2,
                "opState": "IN_SERVICE", "persistedOpState": "IN_SERVICE", "persistedOpStateExpiryEpochSec": 0,
                "healthState": "HEALTHY", "decommissioned": false, "maintenance": false, "level": 3, "cost": 0,
                "numOfLeaves": 1, "networkFullPath": "/default-rack/x", "networkLocation": "/default-rack",
                "networkName": "x", "used": 1024, "capacity": 1_073_741_824u64, "percentUsed": 0.0,
                "totalVolumeCount": 1, "healthyVolumeCount": 1
            })).collect();
            serde_json::to_string_pretty(&items).unwrap()
        }
        "ozone admin scm roles --json" => {
            json!({host("scm", 0): {"address": format!("{}:9894", host("scm", 0)),
            "raftPeerRole": "LEADER", "ID": "scm0", "InetAddress": "10.0.0.2"}})
            .to_string()
        }
        "ozone admin om roles --json" => {
            json!([{"om0": {"serverRole": "LEADER", "hostname": host("om", 0)}}]).to_string()
        }
        "ozone admin safemode status" => "SCM is out of safe mode.\n".into(),
        other => panic!("unexpected command {other}"),
    }
}

/// `ozone sh snapshot …` in bucket vol1/logs holding snap1 and snap2: (stdout, stderr, exit
/// code). OM errors are printed as `Shell.printError` does: `<RESULT_CODE> <message>`.
fn ozone_result(argv: &[String]) -> (String, String, i32) {
    let snap = |name: &str| {
        json!({"volumeName": "vol1", "bucketName": "logs", "name": name, "creationTime": 1_763_942_400_000u64,
               "snapshotStatus": "SNAPSHOT_ACTIVE", "snapshotId": format!("id-{name}"),
               "snapshotPath": "vol1/logs", "checkpointDir": format!("-id-{name}"),
               "referencedSize": 1024, "referencedReplicatedSize": 3072,
               "exclusiveSize": 0, "exclusiveReplicatedSize": 0})
    };
    let words: Vec<&str> = argv.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["ozone", "sh", "snapshot", _, "/vol1/logs", ..] => match &words[3..] {
            ["list", _, "--all"] => (json!([snap("snap1"), snap("snap2")]).to_string(), String::new(), 0),
            ["info", _, name] => (snap(name).to_string(), String::new(), 0),
            other => panic!("unexpected snapshot command {other:?}"),
        },
        ["ozone", "sh", "snapshot", _, _, ..] => (
            String::new(),
            "WARN util.NativeCodeLoader: Unable to load native-hadoop library\nBUCKET_NOT_FOUND Bucket not found\n".into(),
            255,
        ),
        _ => (ozone_output(argv), String::new(), 0),
    }
}

fn decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn serve(stream: TcpStream, seen: Arc<Mutex<Seen>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_owned());
        }
        let target = head[0].split(' ').nth(1).unwrap().to_owned();
        let header = |name: &str| {
            head.iter().find_map(|h| {
                h.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_owned())
            })
        };
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        {
            let mut s = seen.lock().unwrap();
            s.requests.push(target.clone());
            s.user_agents.push(header("user-agent").unwrap_or_default());
        }
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let mut out = stream.try_clone().unwrap();
        if path.ends_with("/exec") {
            let argv: Vec<String> = query
                .split('&')
                .filter_map(|kv| kv.strip_prefix("command="))
                .map(decode)
                .collect();
            let key = header("sec-websocket-key").unwrap();
            let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
            write!(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n").unwrap();
            let mut ws = tungstenite::WebSocket::from_raw_socket(
                out,
                tungstenite::protocol::Role::Server,
                None,
            );
            let (out, err, code) = ozone_result(&argv);
            for (channel, text) in [(1u8, out), (2u8, err)] {
                if !text.is_empty() {
                    let mut frame = vec![channel];
                    frame.extend_from_slice(text.as_bytes());
                    ws.send(tungstenite::Message::Binary(frame.into())).unwrap();
                }
            }
            let mut status = vec![3u8];
            let status_json = if code == 0 {
                json!({"metadata": {}, "status": "Success"})
            } else {
                json!({"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                       "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]}})
            };
            status.extend_from_slice(status_json.to_string().as_bytes());
            ws.send(tungstenite::Message::Binary(status.into()))
                .unwrap();
            let _ = ws.close(None);
            while ws.read().is_ok() {}
            return;
        }
        let body = api_response(path).to_string();
        write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        out.flush().unwrap();
    }
}

fn kubeconfig(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    let path = dir.join("config");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1
kind: Config
current-context: fake
contexts:
- name: fake
  context: {{cluster: fake, user: fake, namespace: ozone}}
clusters:
- name: fake
  cluster: {{server: 'http://127.0.0.1:{port}'}}
users:
- name: fake
  user: {{token: t}}
"
        ),
    )
    .unwrap();
    path
}

/// Starts the fake API server; returns what it saw and a kubeconfig pointing at it.
fn start() -> (Arc<Mutex<Seen>>, tempfile::TempDir, std::path::PathBuf) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let s = s.clone();
            std::thread::spawn(move || serve(stream, s));
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path(), port);
    (seen, dir, config)
}

#[test]
fn completion_asks_the_cluster_for_names() {
    let (_seen, _dir, config) = start();
    let complete = |words: &[&str]| {
        let out = Command::cargo_bin("kubectl-ozone")
            .unwrap()
            .env("KUBECONFIG", &config)
            .arg("__complete")
            .args(words)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete(&["status", "--name", ""]), "ozone\n:4\n");
    let pods = complete(&["datanode", "decommission", "ozone-datanode-49"]);
    let expected: Vec<String> = std::iter::once("ozone-datanode-49".to_owned())
        .chain((490..500).map(|i| format!("ozone-datanode-{i}")))
        .chain(std::iter::once(":4".to_owned()))
        .collect();
    assert_eq!(pods.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn status_with_500_datanodes_end_to_end() {
    let (seen, _dir, config) = start();

    let start = Instant::now();
    let out = Command::cargo_bin("kubectl-ozone")
        .unwrap()
        .env("KUBECONFIG", &config)
        .args(["status", "-o", "json"])
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    // For the notes: whole-process time, not a pass/fail criterion.
    eprintln!("status with {DATANODES} datanodes: {elapsed:?}");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["namespace"], "ozone",
        "the context's namespace is the default"
    );
    assert_eq!(report["ozone"]["datanodes"]["total"], DATANODES);
    assert_eq!(report["ozone"]["scm"][0]["role"], "LEADER");
    assert_eq!(
        report["kubernetes"]["pods"].as_array().unwrap().len(),
        DATANODES + 2
    );

    let seen = seen.lock().unwrap();
    let lists = seen
        .requests
        .iter()
        .filter(|r| !r.contains("/exec?"))
        .count();
    let execs = seen
        .requests
        .iter()
        .filter(|r| r.contains("/exec?"))
        .count();
    // Four label-selected lists and the read of the OzoneCluster resource (whether the
    // operator manages the cluster; this server has none).
    assert_eq!((lists, execs), (5, 4), "{:#?}", seen.requests);
    assert!(
        seen.requests
            .iter()
            .any(|r| r == "/apis/ozone.apache.org/v1alpha1/namespaces/ozone/ozoneclusters/ozone"),
        "{:#?}",
        seen.requests
    );
    assert!(
        seen.user_agents
            .iter()
            .all(|u| u == concat!("kubectl-ozone/", env!("CARGO_PKG_VERSION"))),
        "{:?}",
        seen.user_agents
    );
}

#[test]
fn completion_speaks_the_kubectl_plugin_protocol() {
    let out = Command::cargo_bin("kubectl-ozone")
        .unwrap()
        .args(["__complete", "datanode", "de"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "decommission\n:4\n");
    let out = Command::cargo_bin("kubectl-ozone")
        .unwrap()
        .arg("completion")
        .output()
        .unwrap();
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(
        script.starts_with("#!/bin/sh") && script.contains("exec kubectl-ozone __complete \"$@\"")
    );
}

#[test]
fn cluster_commands_reject_bad_input_with_exit_2() {
    let out = Command::cargo_bin("kubectl-ozone")
        .unwrap()
        .args(["datanode", "decommission"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("kubectl-ozone")
        .unwrap()
        .args(["status", "--kubeconfig"])
        .arg(dir.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read kubeconfig"));
}

#[test]
fn snapshot_commands_end_to_end() {
    let (seen, _dir, config) = start();
    let run = |args: &[&str]| {
        Command::cargo_bin("kubectl-ozone")
            .unwrap()
            .env("KUBECONFIG", &config)
            .env_remove("CI")
            .args(args)
            .output()
            .unwrap()
    };
    let execs = || -> Vec<String> {
        seen.lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| r.contains("/exec?"))
            .cloned()
            .collect()
    };

    let out = run(&["snapshot", "list", "vol1/logs", "-o", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[1]["name"], "snap2");
    let exec = &execs()[0];
    assert!(
        exec.starts_with("/api/v1/namespaces/ozone/pods/ozone-om-0/exec?")
            && exec.contains("container=om"),
        "{exec}"
    );

    // OM's refusal: one line, exit 1.
    let out = run(&["snapshot", "create", "vol1/nope", "snap3"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: bucket vol1/nope not found in Ozone (BUCKET_NOT_FOUND)\n"
    );

    // Bad input: exit 2 naming the argument, nothing sent.
    let before = seen.lock().unwrap().requests.len();
    let out = run(&["snapshot", "delete", "vol1/logs", "Snap_1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: NAME: \"Snap_1\" is not a valid snapshot name"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(seen.lock().unwrap().requests.len(), before);

    // A dry run and a delete without a terminal or --yes: both only read.
    let out = run(&["snapshot", "delete", "vol1/logs", "snap1", "--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("run in a om pod: ozone sh snapshot delete /vol1/logs snap1"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&["snapshot", "delete", "vol1/logs", "snap1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --yes"));
    assert!(
        execs().iter().all(|e| !e.contains("command=delete")),
        "{:#?}",
        execs()
    );
}

#[test]
fn cert_commands_reject_bad_flags_with_exit_2_naming_the_flag() {
    let out = Command::cargo_bin("kubectl-ozone")
        .unwrap()
        .args(["cert", "status", "--warn-within", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--warn-within") && err.contains("invalid duration \"soon\""),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("kubectl-ozone")
        .unwrap()
        .args(["cert", "issue", "--dry-run", "--kubeconfig"])
        .arg(dir.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read kubeconfig"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn cert_rotate_rejects_bad_flags_with_exit_2_naming_the_flag() {
    for (args, flag, detail) in [
        (
            &["cert", "rotate", "--component", "nfs"][..],
            "--component",
            "unknown component; one of scm, om, datanode, s3g, recon, httpfs",
        ),
        (
            &["cert", "rotate", "--timeout", "soon"][..],
            "--timeout",
            "invalid duration \"soon\"",
        ),
        (
            &["cert", "rotate", "--ca", "--resume"][..],
            "--resume",
            "cannot be used with",
        ),
    ] {
        let out = Command::cargo_bin("kubectl-ozone")
            .unwrap()
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(flag) && err.contains(detail),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
