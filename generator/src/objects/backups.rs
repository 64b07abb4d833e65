//! Scheduled metadata backups (`spec.backups`): a CronJob that runs `scripts/backup.py` in the
//! cluster's own image (Python 3 is part of it, reference §2) and saves a consistent checkpoint
//! of the OM and SCM RocksDB databases — each leader's `/dbCheckpoint` (operations §2.1) — with
//! a manifest, into a PersistentVolumeClaim of its own. It keeps the newest `keep` backups and
//! records every run (name, time, sizes, sums, status, error) in the ConfigMap
//! `<cluster>-backups`, which `kubectl ozone backup list` reads.
//!
//! What the job may do is exactly what it does: its Role patches that one ConfigMap; its
//! NetworkPolicies admit it to the OM and SCM HTTP ports (named ports, so they follow TLS and
//! port overrides) and, in an SCM ring, to the SCM client port that `ozone admin scm roles`
//! uses to find the leader. The OM RPC port it asks for OM roles on is open to the namespace's
//! pods already.

use super::config::settings;
use super::scheduled::{self, ScheduledJob, env};
use super::tls;
use super::workload::mount;
use super::{BuildError, meta};
use crate::output::Object;
use crate::spec::Cluster;
use crate::spec::cluster::Backups;
use crate::spec::doc::Egress;
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{
    ConfigMap, KeyToPath, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, SecretVolumeSource, ServiceAccount, Volume,
    VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use ozone_storage::Component;
use ozone_storage::config::{effective_port, https_only};
use std::collections::BTreeMap;

/// The program the CronJob runs.
pub const SCRIPT: &str = include_str!("../../scripts/backup.py");
const SCRIPT_KEY: &str = "backup.py";
/// Where the backup volume is mounted in the job.
pub const BACKUP_DIR: &str = "/backups";
const CA_DIR: &str = "/etc/ozone/ca";
/// `app.kubernetes.io/component` of the backup job and its objects.
pub const COMPONENT: &str = "backups";
/// The ports of the API server the job patches its ConfigMap through when egress is
/// restricted: the `kubernetes` Service port and the usual endpoint port behind it (policies
/// see the endpoint port after the Service is resolved).
const API_SERVER_PORTS: [i32; 2] = [443, 6443];

/// The name shared by the job's ServiceAccount, Role, RoleBinding, PVC, CronJob and the
/// ConfigMap that records backups.
pub fn name(cluster_name: &str) -> String {
    format!("{cluster_name}-backups")
}

fn script_config_map(cluster_name: &str) -> String {
    format!("{cluster_name}-backup-script")
}

fn labels(cluster: &Cluster) -> BTreeMap<String, String> {
    let mut labels = cluster.names().cluster_labels(&cluster.version);
    labels.insert(
        crate::names::LABEL_COMPONENT.to_owned(),
        COMPONENT.to_owned(),
    );
    labels
}

/// Labels that select the job's pods.
fn pod_selector(cluster: &Cluster) -> BTreeMap<String, String> {
    let mut selector = cluster.names().cluster_selector();
    selector.insert(
        crate::names::LABEL_COMPONENT.to_owned(),
        COMPONENT.to_owned(),
    );
    selector
}

/// Everything scheduled backups need; empty when the spec asks for none.
#[derive(Debug, Default)]
pub struct BackupObjects {
    /// The job's identity.
    pub service_account: Option<ServiceAccount>,
    /// The job's script, and the ConfigMap that records backups.
    pub config_maps: Vec<ConfigMap>,
    /// Patch on the records ConfigMap only.
    pub role: Option<Role>,
    /// Binds the Role to the ServiceAccount.
    pub role_binding: Option<RoleBinding>,
    /// The backup volume.
    pub volume_claim: Option<PersistentVolumeClaim>,
    /// The schedule.
    pub cron_job: Option<CronJob>,
    /// Ingress to OM and SCM for the job (and egress to the API server when egress is
    /// restricted), when NetworkPolicies are on.
    pub network_policies: Vec<NetworkPolicy>,
}

impl BackupObjects {
    /// Every object, ready for output.
    pub fn into_objects(self) -> Result<Vec<Object>, BuildError> {
        let mut out = Vec::new();
        if let Some(account) = &self.service_account {
            out.push(Object::typed(account)?);
        }
        for map in &self.config_maps {
            out.push(Object::typed(map)?);
        }
        if let Some(role) = &self.role {
            out.push(Object::typed(role)?);
        }
        if let Some(binding) = &self.role_binding {
            out.push(Object::typed(binding)?);
        }
        if let Some(claim) = &self.volume_claim {
            out.push(Object::typed(claim)?);
        }
        for policy in &self.network_policies {
            out.push(Object::typed(policy)?);
        }
        if let Some(job) = &self.cron_job {
            out.push(Object::typed(job)?);
        }
        Ok(out)
    }
}

/// The objects of `spec.backups`.
pub fn objects(cluster: &Cluster) -> BackupObjects {
    let Some(backups) = &cluster.backups else {
        return BackupObjects::default();
    };
    let name = name(&cluster.name);
    let ns = &cluster.namespace;
    let service_account = ServiceAccount {
        metadata: meta(&name, ns, labels(cluster)),
        // Only the backup pod mounts a token (it patches its ConfigMap); nothing else runs
        // as this account.
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    };
    let script = ConfigMap {
        metadata: meta(&script_config_map(&cluster.name), ns, labels(cluster)),
        data: Some(BTreeMap::from([(SCRIPT_KEY.to_owned(), SCRIPT.to_owned())])),
        ..ConfigMap::default()
    };
    // Rendered empty: the job adds one key per backup. Re-applying the render leaves keys it
    // does not own alone (client- and server-side apply only remove fields they manage).
    let records = ConfigMap {
        metadata: meta(&name, ns, labels(cluster)),
        ..ConfigMap::default()
    };
    let role = Role {
        metadata: meta(&name, ns, labels(cluster)),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["configmaps".into()]),
            resource_names: Some(vec![name.clone()]),
            verbs: vec!["patch".into()],
            ..PolicyRule::default()
        }]),
    };
    let role_binding = RoleBinding {
        metadata: meta(&name, ns, labels(cluster)),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: name.clone(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: name.clone(),
            namespace: Some(ns.clone()),
            ..Subject::default()
        }]),
    };
    let volume_claim = PersistentVolumeClaim {
        metadata: meta(&name, ns, labels(cluster)),
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            storage_class_name: backups.storage.storage_class.clone(),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(backups.storage.size.as_str().to_owned()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    };
    BackupObjects {
        service_account: Some(service_account),
        config_maps: vec![script, records],
        role: Some(role),
        role_binding: Some(role_binding),
        volume_claim: Some(volume_claim),
        cron_job: Some(cron_job(cluster, backups, &name)),
        network_policies: network_policies(cluster),
    }
}

/// The pod FQDNs of a component's members, comma-separated, in ordinal order.
fn hosts(cluster: &Cluster, component: Component) -> String {
    let names = cluster.names();
    (0..cluster.replicas(component))
        .map(|i| names.pod_host(component, i))
        .collect::<Vec<_>>()
        .join(",")
}

fn http_port(cluster: &Cluster, component: Component) -> u16 {
    let port = component.service().known_port("http");
    effective_port(port, &settings(cluster)).unwrap_or(port.number)
}

fn cron_job(cluster: &Cluster, backups: &Backups, account: &str) -> CronJob {
    let https = https_only(&settings(cluster));
    let mut vars = vec![
        env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=70.0"),
        env("BACKUP_CLUSTER", cluster.name.clone()),
        env("BACKUP_NAMESPACE", cluster.namespace.clone()),
        env("BACKUP_CONFIGMAP", account),
        env("BACKUP_DIR", BACKUP_DIR),
        env("BACKUP_KEEP", backups.keep.to_string()),
        env("BACKUP_VERSION", cluster.version.clone()),
        env("BACKUP_SCHEME", if https { "https" } else { "http" }),
        env("BACKUP_OM_HOSTS", hosts(cluster, Component::Om)),
        env(
            "BACKUP_OM_PORT",
            http_port(cluster, Component::Om).to_string(),
        ),
        env("BACKUP_SCM_HOSTS", hosts(cluster, Component::Scm)),
        env(
            "BACKUP_SCM_PORT",
            http_port(cluster, Component::Scm).to_string(),
        ),
        // Scheduled bucket snapshots are the ones the render knows of; with them the OM
        // checkpoint must carry the snapshot data too (operations §2.5).
        env(
            "BACKUP_INCLUDE_SNAPSHOT_DATA",
            (!cluster.snapshots.is_empty()).to_string(),
        ),
    ];
    if let Some(om) = cluster
        .component(Component::Om)
        .filter(|_| cluster.is_ha(Component::Om))
    {
        vars.push(env("BACKUP_OM_SERVICE_ID", om.service_id.clone()));
    }
    let mut volumes = vec![(
        Volume {
            name: "backups".into(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: account.to_owned(),
                read_only: Some(false),
            }),
            ..Volume::default()
        },
        mount("backups", BACKUP_DIR),
    )];
    if https {
        // Every component's certificate comes from the same CA: the OM's Secret carries it.
        volumes.push((
            Volume {
                name: "ca".into(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(tls::secret_name(cluster, Component::Om)),
                    items: Some(vec![KeyToPath {
                        key: "ca.crt".into(),
                        path: "ca.crt".into(),
                        ..KeyToPath::default()
                    }]),
                    ..SecretVolumeSource::default()
                }),
                ..Volume::default()
            },
            mount("ca", CA_DIR),
        ));
        vars.push(env("BACKUP_CA_FILE", format!("{CA_DIR}/ca.crt")));
    }
    let script_map = script_config_map(&cluster.name);
    scheduled::cron_job(
        cluster,
        ScheduledJob {
            name: account,
            labels: labels(cluster),
            schedule: &backups.schedule,
            account,
            // The token patches the records ConfigMap, nothing else (Role).
            api_token: true,
            container: "backup",
            script: (&script_map, SCRIPT_KEY),
            env: vars,
            volumes,
            // A failed run is recorded in the ConfigMap; the next schedule retries.
            retries: 0,
            deadline_seconds: 6 * 3600,
        },
    )
}

fn selector(labels: BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels),
        ..LabelSelector::default()
    }
}

fn named_port(name: &str) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::String(name.into())),
        protocol: Some("TCP".into()),
        ..NetworkPolicyPort::default()
    }
}

/// The ports of `component` the job connects to, by catalog name.
fn job_ports(cluster: &Cluster, component: Component) -> Vec<&'static str> {
    let service = component.service();
    let mut ports = vec![service.known_port("http").name];
    if component == Component::Scm && cluster.is_ha(Component::Scm) {
        ports.push(service.known_port("client-rpc").name);
    }
    ports
}

fn network_policies(cluster: &Cluster) -> Vec<NetworkPolicy> {
    let Some(network) = &cluster.network else {
        return Vec::new();
    };
    let names = cluster.names();
    let from_job = || {
        Some(vec![NetworkPolicyPeer {
            pod_selector: Some(selector(pod_selector(cluster))),
            ..NetworkPolicyPeer::default()
        }])
    };
    let mut out: Vec<NetworkPolicy> = [Component::Om, Component::Scm]
        .into_iter()
        .filter(|c| cluster.component(*c).is_some())
        .map(|dest| NetworkPolicy {
            metadata: meta(
                &format!("{}-{}-from-{COMPONENT}", names.cluster(), dest.id()),
                &cluster.namespace,
                names.cluster_labels(&cluster.version),
            ),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(selector(names.selector(dest))),
                policy_types: Some(vec!["Ingress".into()]),
                ingress: Some(vec![NetworkPolicyIngressRule {
                    from: from_job(),
                    ports: Some(
                        job_ports(cluster, dest)
                            .into_iter()
                            .map(named_port)
                            .collect(),
                    ),
                }]),
                ..NetworkPolicySpec::default()
            }),
        })
        .collect();
    if network.egress == Egress::Restricted {
        // The API server's address is not a pod; only its ports can be named.
        out.push(NetworkPolicy {
            metadata: meta(
                &format!("{}-{COMPONENT}-egress", names.cluster()),
                &cluster.namespace,
                names.cluster_labels(&cluster.version),
            ),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(selector(pod_selector(cluster))),
                policy_types: Some(vec!["Egress".into()]),
                egress: Some(vec![NetworkPolicyEgressRule {
                    to: None,
                    ports: Some(
                        API_SERVER_PORTS
                            .into_iter()
                            .map(|p| NetworkPolicyPort {
                                port: Some(IntOrString::Int(p)),
                                protocol: Some("TCP".into()),
                                ..NetworkPolicyPort::default()
                            })
                            .collect(),
                    ),
                }]),
                ..NetworkPolicySpec::default()
            }),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Inputs, resolve};
    use k8s_openapi::api::core::v1::PodSpec;

    fn with(profile: &str, extra: &[&str]) -> Cluster {
        let mut sets = vec![
            "backups.schedule=0 2 * * *",
            "backups.keep=7",
            "backups.storage.size=50Gi",
        ];
        sets.extend_from_slice(extra);
        resolve(&Inputs::with_sets(profile, &sets)).unwrap()
    }

    fn pod(job: &CronJob) -> &PodSpec {
        job.spec
            .as_ref()
            .unwrap()
            .job_template
            .spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap()
    }

    fn env(pod: &PodSpec) -> BTreeMap<String, String> {
        pod.containers[0]
            .env
            .iter()
            .flatten()
            .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn nothing_without_spec_backups() {
        let o = objects(&resolve(&Inputs::profile("medium")).unwrap());
        assert!(o.cron_job.is_none() && o.network_policies.is_empty() && o.role.is_none());
    }

    #[test]
    fn the_job_reaches_every_leader_candidate_on_catalog_ports() {
        let c = with("medium", &[]);
        let o = objects(&c);
        let job = o.cron_job.unwrap();
        assert_eq!(job.metadata.name.as_deref(), Some("ozone-backups"));
        let pod = pod(&job);
        let env = env(pod);
        assert_eq!(env["BACKUP_KEEP"], "7");
        assert_eq!(env["BACKUP_SCHEME"], "http");
        assert_eq!(env["BACKUP_OM_PORT"], "9874");
        assert_eq!(env["BACKUP_SCM_PORT"], "9876");
        assert_eq!(env["BACKUP_OM_HOSTS"].split(',').count(), 3);
        assert!(env["BACKUP_OM_HOSTS"].starts_with("ozone-om-0.ozone-om-headless.ozone.svc."));
        assert_eq!(env["BACKUP_INCLUDE_SNAPSHOT_DATA"], "false");
        assert_eq!(
            pod.containers[0].image.as_deref(),
            Some(format!("apache/ozone:{}", ozone_storage::DEFAULT_OZONE_VERSION).as_str())
        );
        assert_eq!(pod.automount_service_account_token, Some(true));
        let sc = pod.containers[0].security_context.as_ref().unwrap();
        assert_eq!(sc.read_only_root_filesystem, Some(true));
        assert_eq!(sc.allow_privilege_escalation, Some(false));
        let pvc = o.volume_claim.unwrap();
        assert_eq!(
            pvc.spec.unwrap().resources.unwrap().requests.unwrap()["storage"].0,
            "50Gi"
        );

        let rule = &o.role.unwrap().rules.unwrap()[0];
        assert_eq!(rule.verbs, ["patch"]);
        assert_eq!(
            rule.resource_names.as_deref(),
            Some(&["ozone-backups".to_owned()][..])
        );

        let policies: BTreeMap<_, _> = o
            .network_policies
            .iter()
            .map(|p| {
                let rule = &p.spec.as_ref().unwrap().ingress.as_ref().unwrap()[0];
                let ports: Vec<_> = rule
                    .ports
                    .iter()
                    .flatten()
                    .map(|p| p.port.clone().unwrap())
                    .collect();
                let from = rule.from.as_ref().unwrap()[0]
                    .pod_selector
                    .as_ref()
                    .unwrap()
                    .match_labels
                    .clone()
                    .unwrap();
                assert_eq!(from["app.kubernetes.io/component"], "backups");
                (p.metadata.name.clone().unwrap(), ports)
            })
            .collect();
        assert_eq!(
            policies["ozone-om-from-backups"],
            [IntOrString::String("http".into())]
        );
        assert_eq!(
            policies["ozone-scm-from-backups"],
            [
                IntOrString::String("http".into()),
                IntOrString::String("client-rpc".into())
            ]
        );
    }

    #[test]
    fn tls_moves_the_job_to_https_with_the_cluster_ca() {
        let c = with("medium", &["security.tls.mode=cert-manager"]);
        let job = objects(&c).cron_job.unwrap();
        let env = env(pod(&job));
        assert_eq!(env["BACKUP_SCHEME"], "https");
        assert_eq!(env["BACKUP_OM_PORT"], "9875");
        assert_eq!(env["BACKUP_SCM_PORT"], "9877");
        assert_eq!(env["BACKUP_CA_FILE"], "/etc/ozone/ca/ca.crt");
    }

    #[test]
    fn a_single_scm_needs_no_client_port_and_restricted_egress_reaches_the_api_server() {
        let c = with(
            "small",
            &[
                "security.networkPolicies=true",
                "security.egress=restricted",
                "snapshots[0].bucket=vol1/logs",
                "snapshots[0].schedule=@daily",
                "snapshots[0].keep=2",
            ],
        );
        let o = objects(&c);
        let names: Vec<_> = o
            .network_policies
            .iter()
            .map(|p| p.metadata.name.clone().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "ozone-om-from-backups",
                "ozone-scm-from-backups",
                "ozone-backups-egress"
            ]
        );
        let scm = &o.network_policies[1]
            .spec
            .as_ref()
            .unwrap()
            .ingress
            .as_ref()
            .unwrap()[0];
        assert_eq!(scm.ports.as_ref().unwrap().len(), 1);
        assert_eq!(
            env(pod(o.cron_job.as_ref().unwrap()))["BACKUP_INCLUDE_SNAPSHOT_DATA"],
            "true"
        );
        assert!(!env(pod(o.cron_job.as_ref().unwrap())).contains_key("BACKUP_OM_SERVICE_ID"));
    }
}
