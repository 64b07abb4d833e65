//! The scheduled-snapshot program (`generator/scripts/snapshot.py`, run by the rendered
//! CronJob) against a fake `ozone` that answers like `ozone sh snapshot` (reference §6), and
//! against the retention rule in Rust (`ozone_storage::snapshot::expired`): same decisions,
//! and nothing the schedule did not create is ever deleted.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use ozone_generator::objects::snapshots::SCRIPT;
use ozone_storage::snapshot::{self, Snapshot};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// A stand-in for the `ozone` launcher: keeps snapshots in a JSON file, logs every call, and
/// prints what `ozone sh snapshot create|list|delete` print.
const FAKE_OZONE: &str = r#"#!/usr/bin/env python3
import json, os, sys
state_path, log_path = os.environ["FAKE_STATE"], os.environ["FAKE_LOG"]
state = json.load(open(state_path))
with open(log_path, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\n")
assert sys.argv[1:3] == ["sh", "snapshot"], sys.argv
verb, path = sys.argv[3], sys.argv[4]
vol, bucket = path.strip("/").split("/")
if os.environ.get("FAKE_FAIL") == verb:
    sys.stderr.write("BUCKET_NOT_FOUND Bucket not found: " + path + "\n")
    sys.exit(1)
if verb == "create":
    name = sys.argv[5]
    state["snapshots"].append({"volumeName": vol, "bucketName": bucket, "name": name,
        "creationTime": state["clock"], "snapshotStatus": "SNAPSHOT_ACTIVE"})
    state["clock"] += 1
    print("Created snapshot '%s' under '%s/%s'." % (name, vol, bucket))
elif verb == "list":
    prefix = sys.argv[sys.argv.index("--prefix") + 1]
    assert "--all" in sys.argv
    print(json.dumps([s for s in state["snapshots"] if s["name"].startswith(prefix)], indent=2))
elif verb == "delete":
    state["snapshots"] = [s for s in state["snapshots"] if s["name"] != sys.argv[5]]
json.dump(state, open(state_path, "w"))
"#;

struct Run {
    status: std::process::ExitStatus,
    remaining: Vec<String>,
    calls: Vec<String>,
    stderr: String,
}

fn run_job(dir: &Path, existing: &[Snapshot], keep: u32, fail: Option<&str>) -> Run {
    let fake = dir.join("ozone");
    std::fs::write(&fake, FAKE_OZONE).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = dir.join("snapshot.py");
    std::fs::write(&script, SCRIPT).unwrap();
    let state = dir.join("state.json");
    let log = dir.join("calls.log");
    let _ = std::fs::remove_file(&log);
    let clock = existing.iter().map(|s| s.creation_time).max().unwrap_or(0) + 1;
    std::fs::write(
        &state,
        json!({"clock": clock, "snapshots": existing}).to_string(),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("python3");
    cmd.arg(&script)
        .env("PATH", path)
        .env("FAKE_STATE", &state)
        .env("FAKE_LOG", &log)
        .env("SNAPSHOT_BUCKET", "vol1/logs")
        .env("SNAPSHOT_PREFIX", snapshot::schedule_prefix("daily"))
        .env("SNAPSHOT_KEEP", keep.to_string())
        .env("SNAPSHOT_TIME", "20261123-120000");
    if let Some(verb) = fail {
        cmd.env("FAKE_FAIL", verb);
    }
    let out = cmd.output().expect("python3 runs");
    let state: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    Run {
        status: out.status,
        remaining: state["snapshots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect(),
        calls: std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn snap(name: &str, time: i64) -> Snapshot {
    Snapshot {
        volume_name: "vol1".into(),
        bucket_name: "logs".into(),
        name: name.into(),
        creation_time: time,
        snapshot_status: snapshot::ACTIVE.into(),
        ..Snapshot::default()
    }
}

#[test]
fn creates_one_and_prunes_only_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let existing = vec![
        snap("sched-daily-20261120-120000", 10),
        snap("sched-daily-20261121-120000", 11),
        snap("sched-daily-20261122-120000", 12),
        snap("sched-daily-before-upgrade", 1),
        snap("manual", 2),
    ];
    let run = run_job(dir.path(), &existing, 2, None);
    assert!(run.status.success(), "{}", run.stderr);
    assert_eq!(
        run.calls[0],
        "sh snapshot create /vol1/logs sched-daily-20261123-120000"
    );
    assert_eq!(
        run.calls[1],
        "sh snapshot list /vol1/logs --prefix sched-daily- --all"
    );
    let mut remaining = run.remaining.clone();
    remaining.sort();
    assert_eq!(
        remaining,
        [
            "manual",
            "sched-daily-20261122-120000",
            "sched-daily-20261123-120000",
            "sched-daily-before-upgrade"
        ]
    );
}

#[test]
fn a_failed_create_deletes_nothing_and_fails_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let existing = vec![
        snap("sched-daily-20261120-120000", 10),
        snap("sched-daily-20261121-120000", 11),
    ];
    let run = run_job(dir.path(), &existing, 1, Some("create"));
    assert!(!run.status.success());
    assert!(run.stderr.contains("Bucket not found"), "{}", run.stderr);
    assert_eq!(run.remaining.len(), 2);
    assert_eq!(run.calls.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn the_job_and_the_rust_rule_agree(
        ours in prop::collection::vec((1u32..28, 0u32..24), 0..6),
        foreign in prop::collection::vec("(sched-daily-|sched-|manual-)[a-z0-9-]{0,12}", 0..4),
        keep in 1u32..4,
    ) {
        let mut existing: Vec<Snapshot> = ours
            .iter()
            .enumerate()
            .map(|(i, (day, hour))| snap(&format!("sched-daily-202610{day:02}-{hour:02}0000"), i64::try_from(i).unwrap()))
            .collect();
        existing.dedup_by(|a, b| a.name == b.name);
        for (i, f) in foreign.iter().enumerate() {
            if !existing.iter().any(|s| &s.name == f) {
                existing.push(snap(f, 100 + i64::try_from(i).unwrap()));
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let run = run_job(dir.path(), &existing, keep, None);
        prop_assert!(run.status.success(), "{}", run.stderr);

        let mut after_create = existing.clone();
        after_create.push(snap("sched-daily-20261123-120000", 1000));
        let prefix = snapshot::schedule_prefix("daily");
        let expected_deleted: Vec<&str> = snapshot::expired(&after_create, &prefix, keep as usize);
        let mut expected: Vec<String> = after_create.iter().map(|s| s.name.clone()).filter(|n| !expected_deleted.contains(&n.as_str())).collect();
        expected.sort();
        let mut remaining = run.remaining.clone();
        remaining.sort();
        prop_assert_eq!(remaining, expected);
        for f in &existing {
            if !snapshot::is_scheduled(&f.name, &prefix) {
                prop_assert!(run.remaining.contains(&f.name), "deleted foreign snapshot {}", f.name);
            }
        }
    }
}
