//! Ozone snapshots: create, list, rename, delete and diff, through `ozone sh snapshot` in an
//! OM pod.
//!
//! Reads (`list`, `info`, [`diff`]) run [`Query`]s; [`change`]s (create, rename, delete) run
//! [`Mutation`](ozone_storage::admin::Mutation)s, which only an
//! [`Actuator`](crate::cluster::act::Actuator) built after confirmation can run, so their
//! dry runs cannot change anything. Errors OM reports (`<RESULT_CODE> <message>`) become one
//! line naming the bucket or snapshot.

pub mod change;
pub mod diff;

use crate::cluster::Session;
use crate::cluster::discover;
use crate::cluster::exec::{OzoneError, OzoneReader};
use crate::cluster::view::ClusterView;
use crate::error::BadInput;
use anyhow::{Context, Result};
use ozone_storage::admin::{OmError, Query};
use ozone_storage::snapshot::{self, BucketPath, Snapshot};

/// The `VOLUME/BUCKET` argument, or bad input naming it.
pub fn bucket_arg(text: &str) -> Result<BucketPath, BadInput> {
    BucketPath::parse(text).map_err(|e| BadInput(format!("VOLUME/BUCKET: {e}")))
}

/// A snapshot-name argument (`arg` is how help names it), or bad input naming it.
pub fn name_arg(arg: &str, text: &str) -> Result<String, BadInput> {
    snapshot::validate_name(text)
        .map(|()| text.to_owned())
        .map_err(|e| BadInput(format!("{arg}: {e}")))
}

/// Finds the cluster (`cluster`: its name, `None`: the only one in the namespace) and a
/// reader for its OM pods.
pub async fn connect(
    session: &Session,
    cluster: Option<&str>,
) -> Result<(ClusterView, OzoneReader)> {
    let view = discover::find(&session.kube, cluster).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    Ok((view, ozone))
}

/// What a snapshot command was about, to say what an OM error refers to.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The bucket.
    pub bucket: &'a BucketPath,
    /// The snapshot(s) that must exist, as words ("snapshot s1", "snapshot a or b").
    pub existing: Option<&'a str>,
    /// The name being created.
    pub new_name: Option<&'a str>,
}

/// One line for an Ozone failure: OM's result code turned into what it means for `subject`.
/// Failures without a result code (a pod down, a JVM crash) keep the full error, with the
/// end of standard error.
///
/// Result codes from apache/ozone `OMException.ResultCodes` and the snapshot request tests
/// (`FILE_ALREADY_EXISTS` for a taken name, `TOO_MANY_SNAPSHOTS` for the limit). For a
/// snapshot that does not exist, and as a fallback for the others, the message is matched
/// loosely, because the code differs between Ozone versions.
pub fn explain(err: OzoneError, subject: Subject<'_>) -> anyhow::Error {
    let om = match &err {
        OzoneError::Failed { stderr, .. } => OmError::parse(stderr),
        _ => None,
    };
    let Some(om) = om else {
        return err.into();
    };
    let bucket = subject.bucket;
    let (code, msg) = (om.code.as_str(), om.message.as_str());
    let line = if code == "VOLUME_NOT_FOUND" {
        format!("volume {} not found in Ozone ({code})", bucket.volume)
    } else if code == "BUCKET_NOT_FOUND" {
        format!("bucket {bucket} not found in Ozone ({code})")
    } else if code == "TOO_MANY_SNAPSHOTS" || om.mentions("snapshot limit") {
        format!(
            "snapshot limit reached in {bucket}: delete old snapshots first, or raise ozone.om.fs.snapshot.max.limit ({code}: {msg})"
        )
    } else if code == "FILE_ALREADY_EXISTS" || om.mentions("already exist") {
        format!(
            "{} already exists in {bucket}; choose another name ({code})",
            subject
                .new_name
                .map_or_else(|| "the snapshot".to_owned(), |n| format!("snapshot {n}"))
        )
    } else if code.ends_with("NOT_FOUND") || om.mentions("not found") || om.mentions("not exist") {
        format!(
            "{} not found in {bucket} ({code}: {msg})",
            subject.existing.unwrap_or("snapshot")
        )
    } else if code == "PERMISSION_DENIED" || code == "ACCESS_DENIED" {
        format!(
            "Ozone denied the request on {bucket}: only the bucket's owner and Ozone administrators manage its snapshots ({code}: {msg})"
        )
    } else {
        format!("Ozone refused the request on {bucket}: {code}: {msg}")
    };
    anyhow::Error::msg(line)
}

/// Every snapshot of `bucket`, oldest first.
pub async fn list(ozone: &OzoneReader, bucket: &BucketPath) -> Result<Vec<Snapshot>> {
    let subject = Subject {
        bucket,
        existing: None,
        new_name: None,
    };
    let query = Query::snapshot_list(bucket);
    let out = ozone.query(&query).await.map_err(|e| explain(e, subject))?;
    let mut snapshots = snapshot::parse_list(&out)
        .with_context(|| format!("cannot parse the output of `{}`", query.argv().join(" ")))?;
    snapshots.sort_by(|a, b| (a.creation_time, &a.name).cmp(&(b.creation_time, &b.name)));
    Ok(snapshots)
}

/// Snapshot `name` of `bucket`, an error naming it when it does not exist.
pub async fn info(ozone: &OzoneReader, bucket: &BucketPath, name: &str) -> Result<Snapshot> {
    let existing = format!("snapshot {name}");
    let subject = Subject {
        bucket,
        existing: Some(&existing),
        new_name: None,
    };
    read_one(ozone, subject, name).await
}

/// Reads one snapshot with `snapshot info`.
pub async fn read_one(ozone: &OzoneReader, subject: Subject<'_>, name: &str) -> Result<Snapshot> {
    let query = Query::snapshot_info(subject.bucket, name);
    let out = ozone.query(&query).await.map_err(|e| explain(e, subject))?;
    snapshot::parse_info(&out)
        .with_context(|| format!("cannot parse the output of `{}`", query.argv().join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(stderr: &str) -> OzoneError {
        OzoneError::Failed {
            command: "ozone sh snapshot create /vol1/logs s1".into(),
            pod: "ozone-om-0".into(),
            code: 255,
            stderr: stderr.into(),
        }
    }

    #[test]
    fn om_errors_become_one_line_naming_what_they_are_about() {
        let b = BucketPath::parse("vol1/logs").unwrap();
        let s = Subject {
            bucket: &b,
            existing: Some("snapshot s0"),
            new_name: Some("s1"),
        };
        for (stderr, expected) in [
            (
                "VOLUME_NOT_FOUND Volume vol1 is not found",
                "volume vol1 not found in Ozone (VOLUME_NOT_FOUND)",
            ),
            (
                "BUCKET_NOT_FOUND Bucket not found",
                "bucket vol1/logs not found in Ozone (BUCKET_NOT_FOUND)",
            ),
            (
                "FILE_ALREADY_EXISTS Snapshot already exists",
                "snapshot s1 already exists in vol1/logs; choose another name (FILE_ALREADY_EXISTS)",
            ),
            (
                "TOO_MANY_SNAPSHOTS Snapshot limit of 3 reached",
                "snapshot limit reached in vol1/logs: delete old snapshots first, or raise ozone.om.fs.snapshot.max.limit (TOO_MANY_SNAPSHOTS: Snapshot limit of 3 reached)",
            ),
            (
                "FILE_NOT_FOUND Snapshot does not exist",
                "snapshot s0 not found in vol1/logs (FILE_NOT_FOUND: Snapshot does not exist)",
            ),
            (
                "INVALID_SNAPSHOT_ERROR Bad Snapshot path",
                "Ozone refused the request on vol1/logs: INVALID_SNAPSHOT_ERROR: Bad Snapshot path",
            ),
        ] {
            let line = explain(failed(&format!("WARN log line\n{stderr}")), s).to_string();
            assert_eq!(line, expected);
            assert!(!line.contains('\n'));
        }
        // Without a result code the whole failure stays visible.
        let e = explain(failed("java.net.ConnectException: refused"), s).to_string();
        assert!(
            e.contains("failed in pod ozone-om-0 with exit code 255"),
            "{e}"
        );
        // A launcher line shaped like a result code is not one.
        let e = explain(failed("JAVA_HOME is not set"), s).to_string();
        assert!(
            e.contains("failed in pod ozone-om-0 with exit code 255"),
            "{e}"
        );
    }
}
