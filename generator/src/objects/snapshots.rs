//! Scheduled bucket snapshots: a CronJob per `spec.snapshots` entry that runs
//! `scripts/snapshot.py` in the cluster's image with the cluster's configuration. The job
//! creates a snapshot and deletes this schedule's snapshots beyond the newest `keep`; it never
//! deletes snapshots it did not create (`ozone_storage::snapshot::expired`).
//!
//! The job talks only to OM, from inside the cluster's namespace, which the client
//! NetworkPolicies already admit; it carries the cluster's labels, so a restricted egress
//! policy covers it too.

use super::meta;
use super::scheduled::{self, ScheduledJob, env};
use crate::spec::Cluster;
use crate::spec::cluster::SnapshotSchedule;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use ozone_storage::snapshot::schedule_prefix;
use std::collections::BTreeMap;

/// The program the CronJob runs.
pub const SCRIPT: &str = include_str!("../../scripts/snapshot.py");
const SCRIPT_KEY: &str = "snapshot.py";
/// `app.kubernetes.io/component` of snapshot jobs.
pub const COMPONENT: &str = "snapshots";

fn labels(cluster: &Cluster) -> BTreeMap<String, String> {
    let mut labels = cluster.names().cluster_labels(&cluster.version);
    labels.insert(
        crate::names::LABEL_COMPONENT.to_owned(),
        COMPONENT.to_owned(),
    );
    labels
}

/// The ServiceAccount, script ConfigMap and CronJobs, when the spec schedules snapshots.
pub fn objects(cluster: &Cluster) -> (Option<ServiceAccount>, Option<ConfigMap>, Vec<CronJob>) {
    if cluster.snapshots.is_empty() {
        return (None, None, Vec::new());
    }
    let name = format!("{}-snapshots", cluster.name);
    let account = ServiceAccount {
        metadata: meta(&name, &cluster.namespace, labels(cluster)),
        // The job runs the Ozone shell only; it never calls the Kubernetes API.
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    };
    let script = ConfigMap {
        metadata: meta(
            &format!("{}-snapshot-script", cluster.name),
            &cluster.namespace,
            labels(cluster),
        ),
        data: Some(BTreeMap::from([(SCRIPT_KEY.to_owned(), SCRIPT.to_owned())])),
        ..ConfigMap::default()
    };
    let jobs = cluster
        .snapshots
        .iter()
        .map(|s| cron_job(cluster, s, &name))
        .collect();
    (Some(account), Some(script), jobs)
}

fn cron_job(cluster: &Cluster, schedule: &SnapshotSchedule, account: &str) -> CronJob {
    let mut job_labels = labels(cluster);
    job_labels.insert(
        "ozone.apache.org/snapshot-schedule".into(),
        schedule.name.clone(),
    );
    let script_map = format!("{}-snapshot-script", cluster.name);
    scheduled::cron_job(
        cluster,
        ScheduledJob {
            name: &format!("{}-snapshot-{}", cluster.name, schedule.name),
            labels: job_labels,
            schedule: &schedule.schedule,
            account,
            // The job runs the Ozone shell only; it never calls the Kubernetes API.
            api_token: false,
            container: "snapshot",
            script: (&script_map, SCRIPT_KEY),
            env: vec![
                env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=70.0"),
                env(
                    "SNAPSHOT_BUCKET",
                    format!("{}/{}", schedule.volume, schedule.bucket),
                ),
                env("SNAPSHOT_KEEP", schedule.keep.to_string()),
                env("SNAPSHOT_PREFIX", schedule_prefix(&schedule.name)),
            ],
            volumes: Vec::new(),
            retries: 2,
            deadline_seconds: 1800,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Inputs, resolve};

    #[test]
    fn a_cron_job_per_schedule() {
        let c = resolve(&Inputs::with_sets(
            "medium",
            &[
                "snapshots[0].bucket=vol1/logs",
                "snapshots[0].schedule=0 */6 * * *",
                "snapshots[0].keep=8",
                "snapshots[1].bucket=vol1/audit",
                "snapshots[1].schedule=@daily",
                "snapshots[1].keep=30",
                "snapshots[1].name=audit",
            ],
        ))
        .unwrap();
        let (account, script, jobs) = objects(&c);
        assert_eq!(
            account.unwrap().automount_service_account_token,
            Some(false)
        );
        assert!(script.unwrap().data.unwrap()[SCRIPT_KEY].contains("def expired("));
        let names: Vec<_> = jobs
            .iter()
            .map(|j| j.metadata.name.clone().unwrap())
            .collect();
        assert_eq!(names, ["ozone-snapshot-vol1-logs", "ozone-snapshot-audit"]);
        let spec = jobs[1].spec.as_ref().unwrap();
        assert_eq!(spec.concurrency_policy.as_deref(), Some("Forbid"));
        let pod = spec
            .job_template
            .spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap();
        let env: BTreeMap<_, _> = pod.containers[0]
            .env
            .iter()
            .flatten()
            .map(|e| (e.name.as_str(), e.value.clone().unwrap()))
            .collect();
        assert_eq!(env["SNAPSHOT_PREFIX"], "sched-audit-");
        assert_eq!(env["SNAPSHOT_KEEP"], "30");
        assert_eq!(
            pod.containers[0].image.as_deref(),
            Some("apache/ozone:2.2.1")
        );
        assert_eq!(
            pod.containers[0]
                .security_context
                .as_ref()
                .unwrap()
                .read_only_root_filesystem,
            Some(true)
        );
        assert!(
            objects(&resolve(&Inputs::profile("medium")).unwrap())
                .2
                .is_empty()
        );
    }
}
