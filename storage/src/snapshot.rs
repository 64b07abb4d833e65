//! Ozone bucket snapshots: the JSON `ozone sh snapshot list|info` prints (reference §6, the
//! `OzoneSnapshot` getters), the names kubectl-ozone gives snapshots it creates on a schedule,
//! and the retention rule: keep the newest N of *our* snapshots, never touch anyone else's.
//!
//! The rendered CronJob runs the same rule in Python inside the Ozone image
//! (`generator/scripts/snapshot.py`); a differential test keeps the two in step.

use serde::{Deserialize, Serialize};

/// One snapshot as `ozone sh snapshot list` prints it. Unknown fields are ignored so a newer
/// Ozone with more fields still parses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Snapshot {
    /// Volume.
    pub volume_name: String,
    /// Bucket.
    pub bucket_name: String,
    /// Snapshot name.
    pub name: String,
    /// Creation time, milliseconds since the epoch.
    pub creation_time: i64,
    /// `SNAPSHOT_ACTIVE`, or `SNAPSHOT_DELETED` while a deleted snapshot awaits purging.
    pub snapshot_status: String,
    /// Snapshot id.
    pub snapshot_id: String,
    /// Path (`/vol/bucket/.snapshot/name`).
    pub snapshot_path: String,
    /// Checkpoint directory on OM.
    pub checkpoint_dir: String,
    /// Bytes the snapshot refers to.
    pub referenced_size: i64,
    /// Bytes it refers to, with replication.
    pub referenced_replicated_size: i64,
    /// Bytes only this snapshot holds.
    pub exclusive_size: i64,
    /// Bytes only this snapshot holds, with replication.
    pub exclusive_replicated_size: i64,
}

/// The status of a live snapshot.
pub const ACTIVE: &str = "SNAPSHOT_ACTIVE";

/// The prefix of snapshots a schedule named `schedule` creates.
pub fn schedule_prefix(schedule: &str) -> String {
    format!("sched-{schedule}-")
}

/// The name of a scheduled snapshot taken at `timestamp` (`YYYYMMDD-HHMMSS`, UTC).
pub fn scheduled_name(prefix: &str, timestamp: &str) -> String {
    format!("{prefix}{timestamp}")
}

/// Whether `name` is one a schedule with `prefix` created: the prefix followed by exactly a
/// `YYYYMMDD-HHMMSS` timestamp. A user's `sched-daily-keep-me` is not.
pub fn is_scheduled(name: &str, prefix: &str) -> bool {
    let Some(stamp) = name.strip_prefix(prefix) else {
        return false;
    };
    let b = stamp.as_bytes();
    b.len() == 15
        && b[8] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 8 || c.is_ascii_digit())
}

/// The snapshots to delete: this schedule's active snapshots beyond the newest `keep` (by
/// creation time, then name). Snapshots the schedule did not create are never returned.
pub fn expired<'a>(snapshots: &'a [Snapshot], prefix: &str, keep: usize) -> Vec<&'a str> {
    let mut ours: Vec<&Snapshot> = snapshots
        .iter()
        .filter(|s| {
            is_scheduled(&s.name, prefix)
                && (s.snapshot_status.is_empty() || s.snapshot_status == ACTIVE)
        })
        .collect();
    ours.sort_by(|a, b| (b.creation_time, &b.name).cmp(&(a.creation_time, &a.name)));
    ours.into_iter()
        .skip(keep)
        .map(|s| s.name.as_str())
        .collect()
}

/// Parses `ozone sh snapshot list` output.
pub fn parse_list(json: &str) -> Result<Vec<Snapshot>, serde_json::Error> {
    serde_json::from_str(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn snap(name: &str, time: i64) -> Snapshot {
        Snapshot {
            name: name.into(),
            creation_time: time,
            snapshot_status: ACTIVE.into(),
            ..Snapshot::default()
        }
    }

    #[test]
    fn keeps_the_newest_and_never_touches_foreign_snapshots() {
        let p = schedule_prefix("daily");
        let all = vec![
            snap("sched-daily-20261120-000000", 1),
            snap("sched-daily-20261121-000000", 2),
            snap("sched-daily-20261122-000000", 3),
            snap("sched-daily-keep-me", 0),
            snap("before-upgrade", 0),
            snap("sched-hourly-20261101-000000", 0),
        ];
        assert_eq!(expired(&all, &p, 2), vec!["sched-daily-20261120-000000"]);
        assert_eq!(expired(&all, &p, 0).len(), 3);
        assert!(expired(&all, &p, 10).is_empty());
    }

    #[test]
    fn deleted_snapshots_are_not_counted() {
        let p = schedule_prefix("d");
        let mut gone = snap("sched-d-20261122-000000", 9);
        gone.snapshot_status = "SNAPSHOT_DELETED".into();
        let all = vec![
            gone,
            snap("sched-d-20261120-000000", 1),
            snap("sched-d-20261121-000000", 2),
        ];
        assert!(expired(&all, &p, 2).is_empty());
    }

    #[test]
    fn parses_the_documented_json() {
        let json = r#"[{"volumeName":"vol1","bucketName":"b1","name":"s1","creationTime":1763900000000,
            "snapshotStatus":"SNAPSHOT_ACTIVE","snapshotId":"5f1c","snapshotPath":"/vol1/b1/.snapshot/s1",
            "checkpointDir":"-5f1c","referencedSize":1024,"referencedReplicatedSize":3072,
            "exclusiveSize":0,"exclusiveReplicatedSize":0,"somethingNew":true}]"#;
        let list = parse_list(json).unwrap();
        assert_eq!(list[0].name, "s1");
        assert_eq!(list[0].referenced_replicated_size, 3072);
    }

    proptest! {
        #[test]
        fn never_returns_a_foreign_snapshot(names in prop::collection::vec("[a-z0-9-]{1,30}", 0..20), keep in 0usize..5) {
            let p = schedule_prefix("x");
            let all: Vec<Snapshot> = names.iter().enumerate().map(|(i, n)| snap(n, i as i64)).collect();
            for name in expired(&all, &p, keep) {
                prop_assert!(is_scheduled(name, &p));
            }
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,200}") {
            let _ = parse_list(&text);
        }
    }
}
