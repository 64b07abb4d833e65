//! The scheduled-backup program (`generator/scripts/backup.py`, run by the rendered CronJob)
//! against a local HTTP server that plays OM, SCM and the Kubernetes API, and a fake `ozone`
//! that answers `ozone admin scm roles --json` like reference §6: it downloads from the
//! leaders, writes complete backups only, keeps the newest `keep`, and records every run —
//! failures too — in the ConfigMap.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::objects::backups::SCRIPT;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Serves `/dbCheckpoint` (a body naming the host asked for, or 403 when FAKE_FORBID is set)
/// and logs every request, with PATCH bodies, one JSON line each.
const FAKE_SERVER: &str = r#"
import http.server, json, os, sys
log = open(os.environ["FAKE_LOG"], "a")
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        log.write(json.dumps({"method": "GET", "path": self.path, "host": self.headers["Host"]}) + "\n"); log.flush()
        if os.environ.get("FAKE_FORBID"):
            self.send_response(403); self.end_headers(); return
        body = ("checkpoint of " + self.path + " " * 5000).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-tar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_PATCH(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        log.write(json.dumps({"method": "PATCH", "path": self.path, "auth": self.headers["Authorization"],
                              "type": self.headers["Content-Type"], "body": json.loads(body)}) + "\n"); log.flush()
        self.send_response(200); self.end_headers(); self.wfile.write(b"{}")
server = http.server.HTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

/// `ozone admin scm roles --json`: the second of two SCMs leads.
const FAKE_OZONE: &str = r#"#!/usr/bin/env python3
import json, sys
assert sys.argv[1:] == ["admin", "scm", "roles", "--json"], sys.argv
print(json.dumps({
  "localhost": {"address": "localhost:9894", "raftPeerRole": "LEADER", "ID": "ozone-scm-1", "InetAddress": "127.0.0.1"},
  "127.0.0.1": {"address": "127.0.0.1:9894", "raftPeerRole": "FOLLOWER", "ID": "ozone-scm-0", "InetAddress": "127.0.0.1"}
}, indent=2))
"#;

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn server(dir: &Path, forbid: bool) -> Server {
    let mut cmd = Command::new("python3");
    cmd.arg("-c")
        .arg(FAKE_SERVER)
        .env("FAKE_LOG", dir.join("requests.log"))
        .stdout(Stdio::piped());
    if forbid {
        cmd.env("FAKE_FORBID", "1");
    }
    let mut child = cmd.spawn().expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().parse().unwrap();
    Server(child, port)
}

fn requests(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("requests.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn run_job(dir: &Path, port: u16, time: &str) -> std::process::Output {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake = bin.join("ozone");
    std::fs::write(&fake, FAKE_OZONE).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = dir.join("backup.py");
    std::fs::write(&script, SCRIPT).unwrap();
    std::fs::write(dir.join("token"), "job-token\n").unwrap();
    let backups = dir.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("python3")
        .arg(&script)
        .env("PATH", path)
        .env("BACKUP_CLUSTER", "ozone")
        .env("BACKUP_NAMESPACE", "data")
        .env("BACKUP_CONFIGMAP", "ozone-backups")
        .env("BACKUP_DIR", &backups)
        .env("BACKUP_KEEP", "2")
        .env("BACKUP_VERSION", "2.2.0")
        .env("BACKUP_SCHEME", "http")
        .env("BACKUP_OM_HOSTS", "127.0.0.1")
        .env("BACKUP_OM_PORT", port.to_string())
        .env("BACKUP_SCM_HOSTS", "127.0.0.1,localhost")
        .env("BACKUP_SCM_PORT", port.to_string())
        .env("BACKUP_INCLUDE_SNAPSHOT_DATA", "true")
        .env("BACKUP_API_URL", format!("http://127.0.0.1:{port}"))
        .env("BACKUP_TOKEN_FILE", dir.join("token"))
        .env("BACKUP_TIME", time)
        .output()
        .unwrap()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("backups"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn backs_up_the_leaders_keeps_the_newest_and_records_each_run() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path(), false);
    for time in ["20261201-010000", "20261202-010000", "20261203-010000"] {
        let out = run_job(dir.path(), server.1, time);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        listing(dir.path()),
        ["backup-20261202-010000", "backup-20261203-010000"]
    );

    let reqs = requests(dir.path());
    let gets: Vec<_> = reqs.iter().filter(|r| r["method"] == "GET").collect();
    // SCM first, from the leader the roles named (localhost), then the only OM.
    assert!(gets[0]["host"].as_str().unwrap().starts_with("localhost:"));
    assert_eq!(gets[0]["path"], "/dbCheckpoint?flushBeforeCheckpoint=true");
    assert_eq!(
        gets[1]["path"],
        "/dbCheckpoint?flushBeforeCheckpoint=true&includeSnapshotData=true"
    );

    let backup = dir.path().join("backups/backup-20261203-010000");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(backup.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["leaders"]["scm"], "ozone-scm-1");
    assert_eq!(manifest["createdAt"], "2026-12-03T01:00:00Z");
    for file in manifest["files"].as_array().unwrap() {
        let bytes = std::fs::read(backup.join(file["file"].as_str().unwrap())).unwrap();
        assert_eq!(file["size"], bytes.len());
        assert_eq!(file["sha256"], format!("{:x}", Sha256::digest(&bytes)));
    }

    let patches: Vec<_> = reqs.iter().filter(|r| r["method"] == "PATCH").collect();
    assert_eq!(patches.len(), 3);
    let last = patches[2];
    assert_eq!(
        last["path"],
        "/api/v1/namespaces/data/configmaps/ozone-backups"
    );
    assert_eq!(last["auth"], "Bearer job-token");
    assert_eq!(last["type"], "application/merge-patch+json");
    assert!(last["body"]["data"]["backup-20261201-010000"].is_null());
    let record: Value = serde_json::from_str(
        last["body"]["data"]["backup-20261203-010000"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(record["status"], "Completed");
}

#[test]
fn a_refused_download_leaves_no_backup_and_records_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = server(dir.path(), true);
    let out = run_job(dir.path(), server.1, "20261201-010000");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ozone.administrators"), "{stderr}");
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
    let reqs = requests(dir.path());
    let patch = reqs.iter().find(|r| r["method"] == "PATCH").unwrap();
    let record: Value = serde_json::from_str(
        patch["body"]["data"]["backup-20261201-010000"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(record["status"], "Failed");
    assert!(record["error"].as_str().unwrap().contains("403"));
}
