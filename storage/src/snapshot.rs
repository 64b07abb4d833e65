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

/// A bucket, as `volume/bucket` (a leading `/` is accepted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketPath {
    /// Volume.
    pub volume: String,
    /// Bucket.
    pub bucket: String,
}

impl BucketPath {
    /// Parses `volume/bucket`. Names are 3-63 lowercase letters, digits, `-` and `.`.
    pub fn parse(text: &str) -> Result<BucketPath, String> {
        let trimmed = text.strip_prefix('/').unwrap_or(text);
        let valid = |s: &str| {
            (3..=63).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
                && s.starts_with(|c: char| c.is_ascii_alphanumeric())
                && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        };
        match trimmed.split_once('/') {
            Some((v, b)) if valid(v) && valid(b) => Ok(BucketPath {
                volume: v.to_owned(),
                bucket: b.to_owned(),
            }),
            _ => Err(format!(
                "{text:?} is not volume/bucket (names of 3-63 lowercase letters, digits, '-' or '.')"
            )),
        }
    }

    /// The path the Ozone shell takes: `/volume/bucket`.
    pub fn shell_path(&self) -> String {
        format!("/{}/{}", self.volume, self.bucket)
    }
}

impl std::fmt::Display for BucketPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.volume, self.bucket)
    }
}

/// Checks a snapshot name the way Ozone's OM does before creating one (`OmUtils`
/// `validateSnapshotName`, which applies the bucket-name rule; apache/ozone
/// `TestOMSnapshotCreateRequest`: `sn1`, UUIDs and 63 characters pass; `s1`, `a?b`, 64
/// characters and the all-digit `1234` fail). Checked here so a bad name is bad input,
/// refused before anything runs.
pub fn validate_name(name: &str) -> Result<(), String> {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    let alnum_ends = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if (3..=63).contains(&name.len())
        && ok_chars
        && alnum_ends
        && !name.bytes().all(|b| b.is_ascii_digit())
        && !name.contains("..")
    {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a valid snapshot name: 3-63 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit, not only digits"
        ))
    }
}

/// The name `kubectl ozone snapshot create` gives a snapshot when the user names none:
/// `snap-<YYYYMMDD-HHMMSS>` (UTC), so listings sort by time.
pub fn default_name(timestamp: &str) -> String {
    format!("snap-{timestamp}")
}

/// An `ozone sh snapshot` command (reference §6), long options only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Create a snapshot.
    Create {
        /// Bucket.
        bucket: BucketPath,
        /// Name.
        name: String,
    },
    /// List every snapshot (not only the first 100).
    List {
        /// Bucket.
        bucket: BucketPath,
        /// Only names with this prefix.
        prefix: Option<String>,
    },
    /// One snapshot's details.
    Info {
        /// Bucket.
        bucket: BucketPath,
        /// Name.
        name: String,
    },
    /// Rename.
    Rename {
        /// Bucket.
        bucket: BucketPath,
        /// Current name.
        from: String,
        /// New name.
        to: String,
    },
    /// Delete.
    Delete {
        /// Bucket.
        bucket: BucketPath,
        /// Name.
        name: String,
    },
    /// Start, continue or page through a snapshot diff job.
    Diff {
        /// Bucket.
        bucket: BucketPath,
        /// Older snapshot.
        from: String,
        /// Newer snapshot.
        to: String,
        /// Page token from the previous page.
        token: Option<String>,
        /// Entries per page.
        page_size: u32,
    },
}

impl Command {
    /// The argv to run in an OM pod.
    pub fn argv(&self) -> Vec<String> {
        let mut argv: Vec<String> = ["ozone", "sh", "snapshot"].map(str::to_owned).to_vec();
        let mut push = |items: &[&str]| argv.extend(items.iter().map(|s| (*s).to_owned()));
        match self {
            Command::Create { bucket, name } => push(&["create", &bucket.shell_path(), name]),
            Command::List { bucket, prefix } => {
                push(&["list", &bucket.shell_path(), "--all"]);
                if let Some(p) = prefix {
                    push(&["--prefix", p]);
                }
            }
            Command::Info { bucket, name } => push(&["info", &bucket.shell_path(), name]),
            Command::Rename { bucket, from, to } => {
                push(&["rename", &bucket.shell_path(), from, to])
            }
            Command::Delete { bucket, name } => push(&["delete", &bucket.shell_path(), name]),
            Command::Diff {
                bucket,
                from,
                to,
                token,
                page_size,
            } => {
                let size = page_size.to_string();
                push(&[
                    "diff",
                    &bucket.shell_path(),
                    from,
                    to,
                    "--page-size",
                    &size,
                    "--json",
                ]);
                if let Some(t) = token {
                    push(&["--token", t]);
                }
            }
        }
        argv
    }
}

/// `ozone sh snapshot diff --json` output.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DiffResponse {
    /// The report, once the job is done.
    pub snapshot_diff_report: Option<DiffReport>,
    /// `QUEUED`, `IN_PROGRESS`, `DONE`, `FAILED`, … .
    pub job_status: String,
    /// How long to wait before asking again.
    pub wait_time_in_ms: Option<u64>,
    /// Why the job failed.
    pub reason: Option<String>,
    /// Finer-grained state of a running job.
    pub sub_status: Option<String>,
    /// Progress of a running job, 0–100.
    pub progress_percent: Option<f64>,
}

/// A page of a diff report.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DiffReport {
    /// Volume.
    pub volume_name: String,
    /// Bucket.
    pub bucket_name: String,
    /// Older snapshot.
    pub from_snapshot: String,
    /// Newer snapshot.
    pub to_snapshot: String,
    /// Changes on this page.
    pub diff_list: Vec<DiffEntry>,
    /// Token of the next page; absent on the last.
    pub next_token: Option<String>,
}

/// One change between snapshots.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DiffEntry {
    /// `CREATE`, `MODIFY`, `DELETE` or `RENAME`.
    pub diff_type: String,
    /// Path in the older snapshot (the only path, except for renames).
    pub source_path: String,
    /// New path, for renames.
    pub target_path: Option<String>,
}

impl DiffEntry {
    /// The change in words: added, modified, deleted, renamed. `ozone sh snapshot diff --json`
    /// prints the type's label (`+`, `M`, `-`, `R`: Hadoop's `SnapshotDiffReport.DiffType`,
    /// via `getType().getLabel()` in `SnapshotDiffHandler`); the enum names are accepted too.
    pub fn change(&self) -> &str {
        match self.diff_type.as_str() {
            "+" | "CREATE" => "added",
            "M" | "MODIFY" => "modified",
            "-" | "DELETE" => "deleted",
            "R" | "RENAME" => "renamed",
            other => other,
        }
    }
}

/// Parses `ozone sh snapshot diff --json` output.
pub fn parse_diff(json: &str) -> Result<DiffResponse, serde_json::Error> {
    serde_json::from_str(json)
}

/// Parses `ozone sh snapshot info` output.
pub fn parse_info(json: &str) -> Result<Snapshot, serde_json::Error> {
    serde_json::from_str(json)
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

    #[test]
    fn commands_use_long_options_and_list_everything() {
        let bucket = BucketPath::parse("/vol1/logs").unwrap();
        let list = Command::List {
            bucket: bucket.clone(),
            prefix: None,
        }
        .argv()
        .join(" ");
        assert_eq!(list, "ozone sh snapshot list /vol1/logs --all");
        let diff = Command::Diff {
            bucket: bucket.clone(),
            from: "a".into(),
            to: "b".into(),
            token: Some("t1".into()),
            page_size: 1000,
        };
        assert_eq!(
            diff.argv().join(" "),
            "ozone sh snapshot diff /vol1/logs a b --page-size 1000 --json --token t1"
        );
        for argv in [
            diff.argv(),
            Command::Rename {
                bucket,
                from: "a".into(),
                to: "b".into(),
            }
            .argv(),
        ] {
            assert!(
                argv.iter()
                    .all(|a| !a.starts_with('-') || a.starts_with("--"))
            );
        }
        assert!(BucketPath::parse("vol1").is_err());
        assert!(BucketPath::parse("Vol1/logs").is_err());
        assert_eq!(default_name("20261123-120000"), "snap-20261123-120000");
    }

    #[test]
    fn snapshot_names_follow_ozones_rule() {
        // The cases apache/ozone's TestOMSnapshotCreateRequest accepts and rejects.
        for good in [
            "9cdf0e8a-6946-41ad-a2d1-9eb724fab126",
            "sn1",
            "snap75795657617173401188448010125899089001363595171500499231286",
            "snap-20261123-120000",
            "before.upgrade",
        ] {
            assert_eq!(validate_name(good), Ok(()), "{good}");
        }
        for bad in [
            "a?b",
            "1234",
            "s1",
            "snap156808943643007724443266605711479126926050896107709081166294",
            "Daily",
            "-x-",
            "a..b",
            "snap_1",
            "",
        ] {
            let e = validate_name(bad).unwrap_err();
            assert!(e.contains("not a valid snapshot name"), "{bad}: {e}");
        }
        assert!(validate_name(&default_name("20261123-120000")).is_ok());
        assert!(
            validate_name(&scheduled_name(
                &schedule_prefix("daily"),
                "20261123-120000"
            ))
            .is_ok()
        );
    }

    #[test]
    fn parses_diff_pages_and_running_jobs() {
        let running = parse_diff(r#"{"jobStatus":"IN_PROGRESS","waitTimeInMs":2000,"subStatus":"DAG_WALK","progressPercent":42.5}"#).unwrap();
        assert_eq!(running.progress_percent, Some(42.5));
        assert!(running.snapshot_diff_report.is_none());
        let done = parse_diff(
            r#"{"snapshotDiffReport":{"volumeName":"vol1","bucketName":"logs","fromSnapshot":"a","toSnapshot":"b",
               "diffList":[{"diffType":"CREATE","sourcePath":"k1"},{"diffType":"RENAME","sourcePath":"k2","targetPath":"k3"}],
               "nextToken":"100"},"jobStatus":"DONE"}"#,
        )
        .unwrap();
        let report = done.snapshot_diff_report.unwrap();
        assert_eq!(report.next_token.as_deref(), Some("100"));
        assert_eq!(report.diff_list[1].change(), "renamed");
        // What the shell really prints: the DiffType label and `./`-prefixed paths.
        let labels = parse_diff(
            r#"{"snapshotDiffReport":{"volumeName":"vol1","bucketName":"logs","fromSnapshot":"a","toSnapshot":"b",
               "diffList":[{"diffType":"+","sourcePath":"./k1"},{"diffType":"M","sourcePath":"./k2"},
                           {"diffType":"-","sourcePath":"./k3"},{"diffType":"R","sourcePath":"./k4","targetPath":"./k5"}]},
               "jobStatus":"DONE"}"#,
        )
        .unwrap();
        let words: Vec<&str> = labels
            .snapshot_diff_report
            .as_ref()
            .unwrap()
            .diff_list
            .iter()
            .map(DiffEntry::change)
            .collect();
        assert_eq!(words, ["added", "modified", "deleted", "renamed"]);
        assert_eq!(report.diff_list[1].target_path.as_deref(), Some("k3"));
    }

    proptest! {
        #[test]
        fn diff_and_bucket_parsers_never_panic(text in "\\PC{0,120}") {
            let _ = parse_diff(&text);
            let _ = parse_info(&text);
            let _ = BucketPath::parse(&text);
            let _ = validate_name(&text);
        }

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
