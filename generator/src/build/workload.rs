//! The pods: a StatefulSet per stateful component (SCM, OM, datanodes, Recon) and a Deployment
//! per stateless one (S3 Gateway, HttpFS), with init steps, probes, resources, a `restricted`
//! security context, volumes and placement — all derived from the catalog.

use super::config::{CONF_DIR, LOG_DIR, TLS_PASSWORD_VARIABLES};
use super::meta;
use super::tls;
use crate::names::{CONFIG_HASH_ANNOTATION, Names};
use crate::spec::Cluster;
use crate::spec::cluster::ComponentSettings;
use crate::spec::doc::{AntiAffinity, Spread};
use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment, StatefulSet,
    StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    Affinity, Capabilities, ConfigMapEnvSource, Container, ContainerPort, EmptyDirVolumeSource,
    EnvFromSource, EnvVar, EnvVarSource, HTTPGetAction, LocalObjectReference,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PodAffinityTerm, PodAntiAffinity,
    PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile,
    SecretKeySelector, SecretVolumeSource, SecurityContext, TCPSocketAction, Toleration,
    TopologySpreadConstraint, Volume, VolumeMount, VolumeResourceRequirements,
    WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use ozone_storage::catalog::{DATA_DIR, HealthCheck, State, When};
use ozone_storage::config::{Settings, effective_port};
use ozone_storage::{Component, IMAGE_USER_ID};
use std::collections::BTreeMap;

/// The volume with the component's TLS Secret.
const TLS_VOLUME: &str = "tls";

/// Whether the component serves HTTPS in this cluster.
fn tls_on(cluster: &Cluster, component: Component) -> bool {
    cluster.tls.is_some() && tls::serves_https(component)
}

/// The PVC template and volume holding a component's data.
const DATA_VOLUME: &str = "data";
const HOSTNAME_KEY: &str = "kubernetes.io/hostname";
const ZONE_KEY: &str = "topology.kubernetes.io/zone";

/// A component's workload.
pub enum Workload {
    /// For components that keep state.
    StatefulSet(Box<StatefulSet>),
    /// For stateless components.
    Deployment(Box<Deployment>),
}

/// Builds the workload of an enabled component.
pub fn workload(
    cluster: &Cluster,
    component: Component,
    settings: &Settings,
    config_hash: &str,
) -> Option<Workload> {
    let c = cluster.component(component)?;
    let names = cluster.names();
    let name = names.component(component);
    let labels = names.labels(component, &cluster.version);
    let selector = LabelSelector {
        match_labels: Some(names.selector(component)),
        ..LabelSelector::default()
    };
    let template = pod_template(cluster, component, c, settings, config_hash);
    let metadata = meta(&name, &cluster.namespace, labels.clone());
    Some(match component.service().state {
        State::Persistent => Workload::StatefulSet(Box::new(StatefulSet {
            metadata,
            spec: Some(StatefulSetSpec {
                replicas: Some(c.replicas),
                service_name: Some(names.headless(component)),
                selector,
                // Raft members must all start to form a quorum; ordered start would wait
                // for readiness that needs the others (reference §3.1: init and bootstrap
                // are safe to run on every pod at once).
                pod_management_policy: Some("Parallel".into()),
                // Data outlives scale-down and deletion; `kubectl ozone datanode scale-down
                // --delete-pvcs` removes it deliberately.
                persistent_volume_claim_retention_policy: Some(
                    StatefulSetPersistentVolumeClaimRetentionPolicy {
                        when_deleted: Some("Retain".into()),
                        when_scaled: Some("Retain".into()),
                    },
                ),
                revision_history_limit: Some(5),
                // A StatefulSet never rolls its pods by itself: an OM or SCM ring restarted in
                // ordinal order can lose its leader twice and its quorum, and a datanode must
                // wait until SCM sees the previous one healthy. `kubectl ozone apply` and
                // `kubectl ozone restart` roll the pods in quorum-safe order instead, also
                // after a plain `kubectl apply` of the render (GitOps).
                update_strategy: Some(StatefulSetUpdateStrategy {
                    type_: Some("OnDelete".into()),
                    rolling_update: None,
                }),
                template,
                volume_claim_templates: c.storage.as_ref().map(|s| {
                    vec![PersistentVolumeClaim {
                        metadata: ObjectMeta {
                            name: Some(DATA_VOLUME.into()),
                            // The API server never lets volumeClaimTemplates change, so they
                            // carry only labels no spec change can move (not the version).
                            labels: Some(names.stable_labels(component)),
                            ..ObjectMeta::default()
                        },
                        spec: Some(PersistentVolumeClaimSpec {
                            access_modes: Some(vec!["ReadWriteOnce".into()]),
                            storage_class_name: s.storage_class.clone(),
                            resources: Some(VolumeResourceRequirements {
                                requests: Some(BTreeMap::from([(
                                    "storage".to_owned(),
                                    s.size.to_quantity(),
                                )])),
                                ..VolumeResourceRequirements::default()
                            }),
                            ..PersistentVolumeClaimSpec::default()
                        }),
                        ..PersistentVolumeClaim::default()
                    }]
                }),
                ..StatefulSetSpec::default()
            }),
            ..StatefulSet::default()
        })),
        State::Stateless => Workload::Deployment(Box::new(Deployment {
            metadata,
            spec: Some(DeploymentSpec {
                replicas: Some(c.replicas),
                selector,
                revision_history_limit: Some(5),
                // Keep serving during a rollout: start a new pod before stopping an old one.
                strategy: Some(DeploymentStrategy {
                    type_: Some("RollingUpdate".into()),
                    rolling_update: Some(RollingUpdateDeployment {
                        max_surge: Some(IntOrString::Int(1)),
                        max_unavailable: Some(IntOrString::Int(0)),
                    }),
                }),
                template,
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        })),
    })
}

fn pod_template(
    cluster: &Cluster,
    component: Component,
    c: &ComponentSettings,
    settings: &Settings,
    config_hash: &str,
) -> PodTemplateSpec {
    let names = cluster.names();
    let service = component.service();
    let mut volumes = writable_volumes();
    if tls_on(cluster, component) {
        volumes.push(Volume {
            name: TLS_VOLUME.into(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(tls::secret_name(cluster, component)),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        });
    }
    volumes.sort_by(|a, b| a.name.cmp(&b.name));
    let init_containers: Vec<Container> = service
        .init_steps
        .iter()
        .filter(|s| s.when == When::Always || cluster.is_ha(component))
        .map(|step| Container {
            name: step.name.into(),
            args: Some(step.args.iter().map(|a| (*a).to_owned()).collect()),
            ..base_container(cluster, component, c, names.config_map())
        })
        .collect();

    let ports = service
        .ports
        .iter()
        .map(|p| ContainerPort {
            name: Some(p.name.into()),
            container_port: i32::from(effective_port(p, settings).unwrap_or(p.number)),
            protocol: Some("TCP".into()),
            ..ContainerPort::default()
        })
        .collect();
    let mut env = vec![EnvVar {
        name: "JAVA_TOOL_OPTIONS".into(),
        // A fraction of the container's memory limit, so the heap follows the limit.
        value: Some(format!("-XX:MaxRAMPercentage={}.0", c.heap_percent)),
        ..EnvVar::default()
    }];
    if tls_on(cluster, component) {
        for (file, key) in TLS_PASSWORD_VARIABLES {
            env.push(EnvVar {
                name: file.env_name(key),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: tls::password_secret(cluster),
                        key: tls::PASSWORD_KEY.into(),
                        optional: Some(false),
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            });
        }
    }
    if let Some((var, file)) = service.ensure_initialized {
        env.push(EnvVar {
            name: var.into(),
            value: Some(file.into()),
            ..EnvVar::default()
        });
    }
    if let Some((other, port_name)) = service.waits_for
        && cluster.component(other).is_some()
    {
        let port = other.service().known_port(port_name);
        env.push(EnvVar {
            name: "WAITFOR".into(),
            value: Some(format!(
                "{}:{}",
                names.pod_host(other, 0),
                effective_port(port, settings).unwrap_or(port.number)
            )),
            ..EnvVar::default()
        });
    }
    env.sort_by(|a, b| a.name.cmp(&b.name));
    let health = service.health;
    let main = Container {
        name: component.id().into(),
        args: Some(service.start.iter().map(|a| (*a).to_owned()).collect()),
        ports: Some(ports),
        env: Some(env),
        startup_probe: Some(Probe {
            period_seconds: Some(10),
            timeout_seconds: Some(5),
            failure_threshold: Some(i32::try_from(health.startup_seconds / 10).unwrap_or(i32::MAX)),
            ..probe(health.startup, tls_on(cluster, component))
        }),
        readiness_probe: Some(Probe {
            period_seconds: Some(10),
            timeout_seconds: Some(5),
            failure_threshold: Some(3),
            ..probe(health.readiness, tls_on(cluster, component))
        }),
        // Generous: a long GC pause must not restart a Raft member.
        liveness_probe: Some(Probe {
            period_seconds: Some(20),
            timeout_seconds: Some(10),
            failure_threshold: Some(6),
            ..probe(health.liveness, tls_on(cluster, component))
        }),
        ..base_container(cluster, component, c, names.config_map())
    };

    let (affinity, spread) = placement(cluster, component, &names);
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(names.labels(component, &cluster.version)),
            annotations: Some(BTreeMap::from([(
                CONFIG_HASH_ANNOTATION.to_owned(),
                config_hash.to_owned(),
            )])),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            service_account_name: Some(names.component(component)),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            security_context: Some(pod_security_context()),
            image_pull_secrets: (!cluster.image.pull_secrets.is_empty()).then(|| {
                cluster
                    .image
                    .pull_secrets
                    .iter()
                    .map(|s| LocalObjectReference { name: s.clone() })
                    .collect()
            }),
            init_containers: (!init_containers.is_empty()).then_some(init_containers),
            containers: vec![main],
            volumes: Some(volumes),
            termination_grace_period_seconds: Some(match component {
                Component::Scm | Component::Om | Component::Datanode => 60,
                _ => 30,
            }),
            affinity,
            topology_spread_constraints: Some(spread),
            node_selector: (!cluster.placement.node_selector.is_empty())
                .then(|| cluster.placement.node_selector.clone()),
            tolerations: (!cluster.placement.tolerations.is_empty()).then(|| {
                cluster
                    .placement
                    .tolerations
                    .iter()
                    .map(|t| Toleration {
                        key: t.key.clone(),
                        operator: t.operator.clone(),
                        value: t.value.clone(),
                        effect: t.effect.clone(),
                        toleration_seconds: t.toleration_seconds,
                    })
                    .collect()
            }),
            ..PodSpec::default()
        }),
    }
}

/// What every container of a component shares: image, configuration, resources, mounts and a
/// security context that meets the `restricted` Pod Security Standard.
fn base_container(
    cluster: &Cluster,
    component: Component,
    c: &ComponentSettings,
    config_map: String,
) -> Container {
    let mut mounts = writable_mounts();
    if component.service().state == State::Persistent {
        mounts.push(mount(DATA_VOLUME, DATA_DIR));
    }
    if tls_on(cluster, component) {
        mounts.push(VolumeMount {
            read_only: Some(true),
            ..mount(TLS_VOLUME, tls::TLS_DIR)
        });
    }
    mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
    Container {
        image: Some(cluster.image.reference()),
        image_pull_policy: Some(cluster.image.pull_policy.as_str().into()),
        env_from: Some(vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: config_map,
                optional: Some(false),
            }),
            ..EnvFromSource::default()
        }]),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_owned(), c.requests.cpu.to_quantity()),
                ("memory".to_owned(), c.requests.memory.to_quantity()),
            ])),
            limits: Some(BTreeMap::from([
                ("cpu".to_owned(), c.limits.cpu.to_quantity()),
                ("memory".to_owned(), c.limits.memory.to_quantity()),
            ])),
            ..ResourceRequirements::default()
        }),
        security_context: Some(container_security_context()),
        volume_mounts: Some(mounts),
        ..Container::default()
    }
}

fn probe(check: HealthCheck, https: bool) -> Probe {
    match check {
        HealthCheck::Tcp { port } => Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::String(port.into()),
                ..TCPSocketAction::default()
            }),
            ..Probe::default()
        },
        HealthCheck::Http { port, path } => Probe {
            http_get: Some(HTTPGetAction {
                port: IntOrString::String(port.into()),
                path: Some(path.into()),
                scheme: Some(if https { "HTTPS" } else { "HTTP" }.into()),
                ..HTTPGetAction::default()
            }),
            ..Probe::default()
        },
    }
}

/// Anti-affinity keeps Raft members and datanodes on separate nodes; spread constraints even
/// out every component over nodes (and zones when asked).
fn placement(
    cluster: &Cluster,
    component: Component,
    names: &Names,
) -> (Option<Affinity>, Vec<TopologySpreadConstraint>) {
    let selector = LabelSelector {
        match_labels: Some(names.selector(component)),
        ..LabelSelector::default()
    };
    let separate = matches!(
        component,
        Component::Scm | Component::Om | Component::Datanode
    );
    let affinity = separate.then(|| {
        let term = PodAffinityTerm {
            label_selector: Some(selector.clone()),
            topology_key: HOSTNAME_KEY.into(),
            ..PodAffinityTerm::default()
        };
        Affinity {
            pod_anti_affinity: Some(match cluster.placement.anti_affinity {
                AntiAffinity::Required => PodAntiAffinity {
                    required_during_scheduling_ignored_during_execution: Some(vec![term]),
                    ..PodAntiAffinity::default()
                },
                AntiAffinity::Preferred => PodAntiAffinity {
                    preferred_during_scheduling_ignored_during_execution: Some(vec![
                        WeightedPodAffinityTerm {
                            weight: 100,
                            pod_affinity_term: term,
                        },
                    ]),
                    ..PodAntiAffinity::default()
                },
            }),
            ..Affinity::default()
        }
    });
    let mut spread = Vec::new();
    if cluster.placement.spread == Spread::Zone {
        spread.push(TopologySpreadConstraint {
            max_skew: 1,
            topology_key: ZONE_KEY.into(),
            when_unsatisfiable: "DoNotSchedule".into(),
            label_selector: Some(selector.clone()),
            ..TopologySpreadConstraint::default()
        });
    }
    spread.push(TopologySpreadConstraint {
        max_skew: 1,
        topology_key: HOSTNAME_KEY.into(),
        when_unsatisfiable: "ScheduleAnyway".into(),
        label_selector: Some(selector),
        ..TopologySpreadConstraint::default()
    });
    (affinity, spread)
}

pub(crate) fn empty_dir(name: &str) -> Volume {
    Volume {
        name: name.into(),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }
}

pub(crate) fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: name.into(),
        mount_path: path.into(),
        ..VolumeMount::default()
    }
}

/// Pod-level settings of the `restricted` Pod Security Standard, as the image's user.
pub(crate) fn pod_security_context() -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(IMAGE_USER_ID),
        run_as_group: Some(IMAGE_USER_ID),
        fs_group: Some(IMAGE_USER_ID),
        fs_group_change_policy: Some("OnRootMismatch".into()),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..SeccompProfile::default()
        }),
        ..PodSecurityContext::default()
    }
}

/// Container-level settings of the `restricted` Pod Security Standard, with a read-only root
/// filesystem (the image writes only to the `emptyDir`s mounted by [`writable_mounts`]).
pub(crate) fn container_security_context() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Capabilities::default()
        }),
        privileged: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        ..SecurityContext::default()
    }
}

/// The `emptyDir` volumes for everything the image writes: config files, logs, temp files.
pub(crate) fn writable_volumes() -> Vec<Volume> {
    vec![empty_dir("config"), empty_dir("logs"), empty_dir("tmp")]
}

/// Mounts of [`writable_volumes`].
pub(crate) fn writable_mounts() -> Vec<VolumeMount> {
    vec![
        mount("config", CONF_DIR),
        mount("logs", LOG_DIR),
        mount("tmp", "/tmp"),
    ]
}
