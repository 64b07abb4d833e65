//! The shape every scheduled maintenance job of a cluster shares (bucket snapshots, metadata
//! backups): a CronJob running one Python script from a ConfigMap in the cluster's own image,
//! with the cluster's configuration, restricted Pod Security, and never two runs at once
//! (each prunes what the previous runs left, so two at once could delete one too many).

use super::meta;
use super::workload::{
    container_security_context, mount, pod_security_context, writable_mounts, writable_volumes,
};
use crate::spec::Cluster;
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    ConfigMapEnvSource, ConfigMapVolumeSource, Container, EnvFromSource, EnvVar, PodSpec,
    PodTemplateSpec, ResourceRequirements, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// Where the job's script ConfigMap is mounted.
pub const SCRIPT_DIR: &str = "/opt/kubectl-ozone";

/// One scheduled job: what differs between the snapshot and the backup jobs.
pub struct ScheduledJob<'a> {
    /// The CronJob's name.
    pub name: &'a str,
    /// Labels of the CronJob, its Jobs and their pods.
    pub labels: BTreeMap<String, String>,
    /// The 5-field cron schedule.
    pub schedule: &'a str,
    /// The ServiceAccount the pod runs as.
    pub account: &'a str,
    /// Whether the pod gets an API token (only jobs that call the Kubernetes API).
    pub api_token: bool,
    /// The container's name.
    pub container: &'a str,
    /// The ConfigMap holding the script, and the script's key in it.
    pub script: (&'a str, &'a str),
    /// Environment beside the cluster's configuration.
    pub env: Vec<EnvVar>,
    /// Volumes beside the writable scratch ones and the script, with where they are mounted.
    pub volumes: Vec<(Volume, VolumeMount)>,
    /// Retries of a failed run within one schedule.
    pub retries: i32,
    /// How long a run may take.
    pub deadline_seconds: i64,
}

/// A plain environment variable.
pub fn env(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        ..EnvVar::default()
    }
}

/// The CronJob for `job` in `cluster`.
pub fn cron_job(cluster: &Cluster, job: ScheduledJob<'_>) -> CronJob {
    let (script_map, script_key) = job.script;
    let mut volumes = writable_volumes();
    volumes.push(Volume {
        name: "script".into(),
        config_map: Some(ConfigMapVolumeSource {
            name: script_map.to_owned(),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    });
    let mut mounts = writable_mounts();
    mounts.push(mount("script", SCRIPT_DIR));
    for (volume, volume_mount) in job.volumes {
        volumes.push(volume);
        mounts.push(volume_mount);
    }
    mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
    // The Ozone shell the scripts call is a JVM: a gigabyte is plenty for admin commands, and
    // downloads stream in small chunks.
    let resources = BTreeMap::from([
        ("cpu".to_owned(), Quantity("250m".into())),
        ("memory".to_owned(), Quantity("1Gi".into())),
    ]);
    let container = Container {
        name: job.container.into(),
        image: Some(cluster.image.reference()),
        image_pull_policy: Some(cluster.image.pull_policy.as_str().into()),
        args: Some(vec!["python3".into(), format!("{SCRIPT_DIR}/{script_key}")]),
        env: Some(job.env),
        env_from: Some(vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: cluster.names().config_map(),
                optional: Some(false),
            }),
            ..EnvFromSource::default()
        }]),
        resources: Some(ResourceRequirements {
            requests: Some(resources.clone()),
            limits: Some(resources),
            ..ResourceRequirements::default()
        }),
        security_context: Some(container_security_context()),
        volume_mounts: Some(mounts),
        ..Container::default()
    };
    let template_meta = || {
        Some(ObjectMeta {
            labels: Some(job.labels.clone()),
            ..ObjectMeta::default()
        })
    };
    CronJob {
        metadata: meta(job.name, &cluster.namespace, job.labels.clone()),
        spec: Some(CronJobSpec {
            schedule: job.schedule.to_owned(),
            concurrency_policy: Some("Forbid".into()),
            starting_deadline_seconds: Some(600),
            successful_jobs_history_limit: Some(3),
            failed_jobs_history_limit: Some(3),
            job_template: JobTemplateSpec {
                metadata: template_meta(),
                spec: Some(JobSpec {
                    backoff_limit: Some(job.retries),
                    active_deadline_seconds: Some(job.deadline_seconds),
                    template: PodTemplateSpec {
                        metadata: template_meta(),
                        spec: Some(PodSpec {
                            restart_policy: Some("Never".into()),
                            service_account_name: Some(job.account.to_owned()),
                            automount_service_account_token: Some(job.api_token),
                            enable_service_links: Some(false),
                            security_context: Some(pod_security_context()),
                            containers: vec![container],
                            volumes: Some(volumes),
                            node_selector: (!cluster.placement.node_selector.is_empty())
                                .then(|| cluster.placement.node_selector.clone()),
                            ..PodSpec::default()
                        }),
                    },
                    ..JobSpec::default()
                }),
            },
            ..CronJobSpec::default()
        }),
        ..CronJob::default()
    }
}
