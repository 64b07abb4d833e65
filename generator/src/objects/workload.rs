//! The pods: a StatefulSet per stateful component (SCM, OM, datanodes, Recon) and a Deployment
//! per stateless one (S3 Gateway, HttpFS), with init steps, probes, resources, a `restricted`
//! security context, volumes and placement — all derived from the catalog.

use super::config::{CONF_DIR, LOG_DIR, TLS_PASSWORD_VARIABLES};
use super::meta;
use super::tls;
use super::volumes::pod_volumes;
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
use ozone_storage::catalog::{HealthCheck, State, When};
use ozone_storage::config::{Settings, effective_port};
use ozone_storage::{Component, IMAGE_USER_ID};
use std::collections::BTreeMap;

/// The volume with the component's TLS Secret.
const TLS_VOLUME: &str = "tls";

/// Whether the component serves HTTPS in this cluster.
fn tls_on(cluster: &Cluster, component: Component) -> bool {
    cluster.tls.is_some() && tls::serves_https(component)
}

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
                volume_claim_templates: c.storage.as_ref().map(|_| {
                    pod_volumes(c)
                        .into_iter()
                        .map(|v| PersistentVolumeClaim {
                            metadata: ObjectMeta {
                                name: Some(v.name),
                                // The API server never lets volumeClaimTemplates change, so
                                // they carry only labels no spec change can move (not the
                                // version).
                                labels: Some(names.stable_labels(component)),
                                ..ObjectMeta::default()
                            },
                            spec: Some(PersistentVolumeClaimSpec {
                                access_modes: Some(vec!["ReadWriteOnce".into()]),
                                storage_class_name: v.storage.storage_class.clone(),
                                resources: Some(VolumeResourceRequirements {
                                    requests: Some(BTreeMap::from([(
                                        "storage".to_owned(),
                                        v.storage.size.to_quantity(),
                                    )])),
                                    ..VolumeResourceRequirements::default()
                                }),
                                ..PersistentVolumeClaimSpec::default()
                            }),
                            ..PersistentVolumeClaim::default()
                        })
                        .collect()
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

    let (affinity, spread) = placement(c, component, &names);
    let p = &c.placement;
    let mut labels = p.pod_labels.clone();
    labels.extend(names.labels(component, &cluster.version));
    let mut annotations = p.pod_annotations.clone();
    annotations.insert(CONFIG_HASH_ANNOTATION.to_owned(), config_hash.to_owned());
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels),
            annotations: Some(annotations),
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
            priority_class_name: p.priority_class_name.clone(),
            node_selector: (!p.node_selector.is_empty()).then(|| p.node_selector.clone()),
            tolerations: (!p.tolerations.is_empty()).then(|| {
                p.tolerations
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
        mounts.extend(pod_volumes(c).into_iter().map(|v| mount(&v.name, &v.path)));
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
/// out every component over nodes (and zones when asked). The spec's own affinity terms are
/// added to the rendered ones.
fn placement(
    c: &ComponentSettings,
    component: Component,
    names: &Names,
) -> (Option<Affinity>, Vec<TopologySpreadConstraint>) {
    let (rendered, spread) = rendered_placement(&c.placement, component, names);
    (
        merge_affinity(rendered, c.placement.affinity.clone()),
        spread,
    )
}

/// `extra`'s terms appended to `base`'s, field by field.
fn merge_affinity(base: Option<Affinity>, extra: Option<Affinity>) -> Option<Affinity> {
    fn append<T>(a: &mut Option<Vec<T>>, b: Option<Vec<T>>) {
        if let Some(b) = b {
            a.get_or_insert_with(Vec::new).extend(b);
        }
    }
    let Some(extra) = extra else {
        return base;
    };
    let mut out = base.unwrap_or_default();
    if let Some(node) = extra.node_affinity {
        let mine = out.node_affinity.get_or_insert_with(Default::default);
        append(
            &mut mine.preferred_during_scheduling_ignored_during_execution,
            node.preferred_during_scheduling_ignored_during_execution,
        );
        if let Some(required) = node.required_during_scheduling_ignored_during_execution {
            // Node selector terms are ORed: the spec's terms are the whole requirement.
            mine.required_during_scheduling_ignored_during_execution = Some(required);
        }
    }
    if let Some(pod) = extra.pod_affinity {
        let mine = out.pod_affinity.get_or_insert_with(Default::default);
        append(
            &mut mine.required_during_scheduling_ignored_during_execution,
            pod.required_during_scheduling_ignored_during_execution,
        );
        append(
            &mut mine.preferred_during_scheduling_ignored_during_execution,
            pod.preferred_during_scheduling_ignored_during_execution,
        );
    }
    if let Some(anti) = extra.pod_anti_affinity {
        let mine = out.pod_anti_affinity.get_or_insert_with(Default::default);
        append(
            &mut mine.required_during_scheduling_ignored_during_execution,
            anti.required_during_scheduling_ignored_during_execution,
        );
        append(
            &mut mine.preferred_during_scheduling_ignored_during_execution,
            anti.preferred_during_scheduling_ignored_during_execution,
        );
    }
    Some(out)
}

fn rendered_placement(
    placement: &crate::spec::cluster::Placement,
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
            pod_anti_affinity: Some(match placement.anti_affinity {
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
    if placement.spread == Spread::Zone {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::config;
    use crate::spec::{Inputs, resolve};
    use serde_json::{Value, json};

    fn datanodes(sets: &[&str]) -> Value {
        let c = resolve(&Inputs::with_sets("medium", sets)).unwrap();
        let settings = config::settings(&c);
        let Some(Workload::StatefulSet(sts)) = workload(&c, Component::Datanode, &settings, "h")
        else {
            panic!("datanodes are a StatefulSet");
        };
        serde_json::to_value(sts.as_ref()).unwrap()
    }

    #[test]
    fn one_claim_template_and_mount_per_volume() {
        let sts = datanodes(&[
            "datanodes.storage.data[0].size=4Ti",
            "datanodes.storage.data[1].size=4Ti",
            "datanodes.storage.ratis.size=200Gi",
            "datanodes.storage.ratis.storageClass=local-nvme",
        ]);
        let templates: Vec<(&str, &str)> = sts["spec"]["volumeClaimTemplates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["metadata"]["name"].as_str().unwrap(),
                    t["spec"]["resources"]["requests"]["storage"]
                        .as_str()
                        .unwrap(),
                )
            })
            .collect();
        assert_eq!(
            templates,
            vec![("data", "4Ti"), ("data1", "4Ti"), ("ratis", "200Gi")]
        );
        let mounts = &sts["spec"]["template"]["spec"]["containers"][0]["volumeMounts"];
        for (name, path) in [("data", "/data"), ("data1", "/data1"), ("ratis", "/ratis")] {
            assert!(
                mounts
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m == &json!({"name": name, "mountPath": path})),
                "{name}: {mounts}"
            );
        }
    }

    #[test]
    fn the_single_volume_form_and_a_one_entry_list_render_the_same() {
        let short = datanodes(&[
            "datanodes.storage.size=2Ti",
            "datanodes.storage.storageClass=fast",
        ]);
        let list = datanodes(&[
            "datanodes.storage.data[0].size=2Ti",
            "datanodes.storage.data[0].storageClass=fast",
        ]);
        assert_eq!(short, list);
    }

    #[test]
    fn component_placement_reaches_the_pods() {
        let sts = datanodes(&[
            "placement.spread=host",
            "datanodes.placement.nodeSelector.storage=ozone",
            "datanodes.placement.tolerations[0].key=storage",
            "datanodes.placement.tolerations[0].value=ozone",
            "datanodes.placement.tolerations[0].effect=NoSchedule",
            "datanodes.placement.topologySpread=zone",
            "datanodes.placement.priorityClassName=ozone-data",
            "datanodes.placement.podLabels.team=storage",
            "datanodes.placement.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight=10",
            "datanodes.placement.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey=kubernetes.io/hostname",
        ]);
        let pod = &sts["spec"]["template"];
        assert_eq!(pod["spec"]["nodeSelector"], json!({"storage": "ozone"}));
        assert_eq!(pod["spec"]["tolerations"][0]["value"], "ozone");
        assert_eq!(pod["spec"]["priorityClassName"], "ozone-data");
        assert_eq!(pod["metadata"]["labels"]["team"], "storage");
        assert_eq!(
            pod["metadata"]["labels"]["app.kubernetes.io/component"],
            "datanode"
        );
        assert_eq!(
            pod["spec"]["topologySpreadConstraints"][0]["topologyKey"],
            ZONE_KEY
        );
        // The spec's term is added; the rendered anti-affinity stays.
        let affinity = &pod["spec"]["affinity"];
        assert_eq!(
            affinity["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"],
            10
        );
        assert!(
            affinity["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
                .is_array()
        );
        // Other components keep the cluster's placement.
        let c = resolve(&Inputs::with_sets(
            "medium",
            &["datanodes.placement.nodeSelector.storage=ozone"],
        ))
        .unwrap();
        let settings = config::settings(&c);
        let Some(Workload::StatefulSet(om)) = workload(&c, Component::Om, &settings, "h") else {
            panic!("om is a StatefulSet");
        };
        let om = serde_json::to_value(om.as_ref()).unwrap();
        assert!(om["spec"]["template"]["spec"]["nodeSelector"].is_null());
    }
}
