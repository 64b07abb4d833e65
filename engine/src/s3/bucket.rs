//! Buckets of `/s3v`, the only volume the S3 Gateway serves (operations reference §3.1):
//! create (a plan of one Ozone command, run once confirmed) and list.

use crate::cluster::Session;
use crate::cluster::act::{Actuator, Confirmed};
use crate::cluster::exec::{OzoneError, OzoneReader};
use crate::error::BadInput;
use crate::plan::{Plan, Step};
use crate::snapshot::connect;
use anyhow::{Context, Result};
use ozone_storage::admin::{Mutation, OmError, Query};
use ozone_storage::s3::{self, BucketInfo, S3_VOLUME};

fn explain(err: OzoneError, bucket: &str) -> anyhow::Error {
    let om = match &err {
        OzoneError::Failed { stderr, .. } => OmError::parse(stderr),
        _ => None,
    };
    match om {
        Some(om) if om.code.ends_with("ALREADY_EXISTS") => anyhow::Error::msg(format!(
            "bucket {bucket} already exists in /{S3_VOLUME} ({})",
            om.code
        )),
        Some(om) if om.code == "VOLUME_NOT_FOUND" => anyhow::Error::msg(format!(
            "volume /{S3_VOLUME} does not exist yet: the S3 Gateway creates it on its first request ({})",
            om.code
        )),
        Some(om) => anyhow::Error::msg(format!(
            "Ozone refused to create bucket {bucket}: {}: {}",
            om.code, om.message
        )),
        None => err.into(),
    }
}

/// A planned bucket creation.
pub struct BucketCreate {
    /// The plan: one Ozone command.
    pub plan: Plan,
    bucket: String,
    mutation: Mutation,
    ozone: OzoneReader,
}

/// Plans creating `bucket` in `/s3v` of `cluster` (`None`: the only one in the namespace).
/// The S3 naming rules are checked before the cluster is read (bad input).
pub async fn plan_create(
    session: &Session,
    cluster: Option<&str>,
    bucket: &str,
    dry_run: bool,
) -> Result<BucketCreate> {
    s3::check_bucket_name(bucket).map_err(|e| BadInput(format!("NAME: {e}")))?;
    let (view, ozone) = connect(session, cluster).await?;
    let mutation = Mutation::s3_bucket_create(bucket);
    let plan = Plan {
        action: "s3 bucket create".into(),
        cluster: view.cluster().into(),
        namespace: session.namespace().into(),
        dry_run,
        targets: Vec::new(),
        checks: Vec::new(),
        notes: vec![format!("bucket {bucket} in /{S3_VOLUME}, visible over S3")],
        steps: vec![Step::Ozone {
            component: mutation.component().id().into(),
            argv: mutation.argv().to_vec(),
        }],
    };
    Ok(BucketCreate {
        plan,
        bucket: bucket.to_owned(),
        mutation,
        ozone,
    })
}

impl BucketCreate {
    /// Creates the bucket; returns it as `bucket list` shows one.
    pub async fn run(&self, session: &Session, confirmed: Confirmed) -> Result<BucketInfo> {
        Actuator::new(&session.kube, &self.ozone, confirmed)
            .ozone(&self.mutation)
            .await
            .map_err(|e| explain(e, &self.bucket))?;
        Ok(BucketInfo {
            name: self.bucket.clone(),
            creation_time: None,
        })
    }
}

/// The buckets of `/s3v`.
pub async fn list(session: &Session, cluster: Option<&str>) -> Result<Vec<BucketInfo>> {
    let (_, ozone) = connect(session, cluster).await?;
    let q = Query::s3_bucket_list();
    let out = match ozone.query(&q).await {
        Ok(out) => out,
        // No S3 request yet: the volume does not exist, so there are no buckets.
        Err(OzoneError::Failed { stderr, .. })
            if OmError::parse(&stderr).is_some_and(|e| e.code == "VOLUME_NOT_FOUND") =>
        {
            "[]".into()
        }
        Err(e) => return Err(e.into()),
    };
    s3::parse_bucket_list(&out)
        .with_context(|| format!("cannot read the output of `{}`", q.argv().join(" ")))
}
