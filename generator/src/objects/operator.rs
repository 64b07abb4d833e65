//! The operator's install manifests (`kubectl ozone operator manifests`): the `OzoneCluster`
//! CRD, the operator's Namespace and ServiceAccount, its RBAC and a Deployment that runs
//! `kubectl-ozone operator run`. Typed objects in the fixed output order, like a render.
//!
//! **Permissions are derived, not restated.** The operator applies what render produces for a
//! cluster and runs the day-2 operations, so it needs: apply verbs on every kind render can
//! emit (found by rendering specs with every switch on, [`RENDER_VARIANTS`]), every rule of
//! every Role render writes (Kubernetes refuses to create a Role that grants more than its
//! creator holds), the day-2 commands' needs ([`crate::permissions`]), and its own:
//! OzoneClusters with their status and finalizers, Events, Leases for leader election.
//! The Roles render writes carry `bind` and `escalate` limited to the cluster's own Roles by
//! name; names the operator cannot know in advance, so it holds both on Roles of the watched
//! namespaces without names: whoever may write an `OzoneCluster` there may shape those Roles,
//! as with `kubectl ozone apply` (README "RBAC").
//!
//! Scope: cluster-wide by default (a ClusterRole and a ClusterRoleBinding); with
//! `--watch-namespace` a Role and RoleBinding in each watched namespace, plus a ClusterRole for
//! the cluster-scoped kinds render emits (the Namespace, limited by name to the watched ones,
//! and the S3 bucket volumes' PersistentVolumes).

use super::meta;
use crate::crd::{self, CrdError};
use crate::lint::suppress::{IGNORE_ANNOTATION, REASON_ANNOTATION};
use crate::output::{Manifest, Object};
use crate::permissions;
use crate::spec::{Inputs, resolve};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EnvVar, EnvVarSource, HTTPGetAction, Namespace,
    ObjectFieldSelector, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements,
    SeccompProfile, SecurityContext, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::{BTreeMap, BTreeSet};

/// The operator's name: Deployment, ServiceAccount, ClusterRole and bindings.
pub const NAME: &str = "ozone-operator";
/// The Role (in the operator's namespace) for leader election.
pub const LEADER_ELECTION_ROLE: &str = "ozone-operator-leader-election";
/// The Role and RoleBinding in each watched namespace (`--watch-namespace` mode). Not
/// `ozone-operator`: a cluster named `ozone` renders a Role of that name (its `operator`
/// persona) in the same namespace, and the two would collide.
pub const WATCHED_ROLE: &str = "ozone-operator-reconciler";
/// The ClusterRole for the cluster-scoped kinds, in `--watch-namespace` mode.
pub const CLUSTER_SCOPED_ROLE: &str = "ozone-operator-cluster-scoped";
/// The namespace the operator runs in by default.
pub const DEFAULT_NAMESPACE: &str = "ozone-system";
/// The image the Deployment runs by default: the repository's `Dockerfile`, published for
/// this release.
pub const DEFAULT_IMAGE: &str = concat!(
    "ghcr.io/kubectl-ozone/kubectl-ozone:",
    env!("CARGO_PKG_VERSION")
);
/// Most operator pods: one leads, the others wait to take over.
pub const MAX_REPLICAS: i32 = 10;
/// The port of `/metrics`.
pub const METRICS_PORT: i32 = 8080;
/// The port of `/healthz` and `/readyz`.
pub const HEALTH_PORT: i32 = 8081;

/// Specs rendered to find what the operator must be able to apply: between them every switch
/// that adds a kind or a Role is on (the two TLS modes exclude each other).
pub const RENDER_VARIANTS: [(&str, &[&str]); 2] = [
    (
        "medium",
        &[
            "security.tls.mode=cert-manager",
            "security.egress=restricted",
            "httpfs.enabled=true",
            "backups.schedule=0 2 * * *",
            "backups.storage.size=50Gi",
            "backups.keep=7",
            "snapshots[0].bucket=vol1/logs",
            "snapshots[0].schedule=@daily",
            "snapshots[0].keep=7",
            "s3.volumes[0].bucket=logs",
            "s3.volumes[0].namespace=apps",
            "rbac.bindings.admin[0].kind=Group",
            "rbac.bindings.admin[0].name=storage-admins",
        ],
    ),
    (
        "large",
        &["security.tls.mode=managed", "httpfs.enabled=true"],
    ),
];

/// What `kubectl ozone operator manifests` was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorOptions {
    /// The namespace the operator runs in.
    pub namespace: String,
    /// Namespaces whose `OzoneCluster`s it reconciles; empty for all.
    pub watch_namespaces: Vec<String>,
    /// Operator pods (leader election picks one).
    pub replicas: i32,
    /// The operator image.
    pub image: String,
}

impl Default for OperatorOptions {
    fn default() -> Self {
        OperatorOptions {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            watch_namespaces: Vec::new(),
            replicas: 1,
            image: DEFAULT_IMAGE.to_owned(),
        }
    }
}

/// Why the manifests could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// `--namespace` or a `--watch-namespace` is not a namespace name.
    #[error(
        "{flag}: {value:?} is not a valid namespace name (a DNS label: lowercase letters, digits and '-', at most 63)"
    )]
    Namespace {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: String,
    },
    /// `--replicas` out of range.
    #[error("--replicas: must be from 1 to {MAX_REPLICAS}, got {0}")]
    Replicas(i32),
    /// `--image` empty or with whitespace.
    #[error("--image: {0:?} is not an image reference")]
    Image(String),
    /// The CRD could not be generated (a bug).
    #[error("failed to generate the CRD")]
    Crd(#[from] CrdError),
    /// A render variant failed (a bug: they are fixed specs).
    #[error(
        "failed to render the spec variant {0:?} the operator's permissions are derived from: {1}"
    )]
    Variant(&'static str, String),
    /// A kind render emits is not in [`resource_of`] (a bug, caught by a test).
    #[error("render emits {0}, whose API resource the operator's permissions do not know")]
    UnknownKind(String),
    /// An object did not serialize.
    #[error("failed to serialize the operator's objects")]
    Build(#[from] super::BuildError),
}

impl OperatorOptions {
    fn validate(&self) -> Result<(), OperatorError> {
        let label = |flag, value: &String| {
            if crate::names::is_dns_label(value) {
                Ok(())
            } else {
                Err(OperatorError::Namespace {
                    flag,
                    value: value.clone(),
                })
            }
        };
        label("--namespace", &self.namespace)?;
        for n in &self.watch_namespaces {
            label("--watch-namespace", n)?;
        }
        if !(1..=MAX_REPLICAS).contains(&self.replicas) {
            return Err(OperatorError::Replicas(self.replicas));
        }
        if self.image.is_empty() || self.image.chars().any(char::is_whitespace) {
            return Err(OperatorError::Image(self.image.clone()));
        }
        Ok(())
    }

    /// Watched namespaces, sorted and without repeats.
    fn watched(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.watch_namespaces.iter().collect();
        set.into_iter().cloned().collect()
    }
}

/// The install manifests, in apply order (the CRD and Namespace first, the Deployment last).
///
/// # Errors
/// Invalid options ([`OperatorError::Namespace`], [`OperatorError::Replicas`],
/// [`OperatorError::Image`]); the others are bugs.
pub fn manifests(options: &OperatorOptions) -> Result<Manifest, OperatorError> {
    options.validate()?;
    let ns = options.namespace.as_str();
    let labels = labels();
    let mut objects = vec![
        Object::typed(&crd::custom_resource_definition()?)?,
        Object::typed(&namespace(ns))?,
        Object::typed(&ServiceAccount {
            metadata: meta(NAME, ns, labels.clone()),
            ..ServiceAccount::default()
        })?,
        Object::typed(&leader_election_role(ns))?,
        Object::typed(&role_binding(LEADER_ELECTION_ROLE, ns, "Role", ns))?,
        Object::typed(&deployment(options))?,
    ];
    let (namespaced, cluster_scoped) = rules()?;
    let watched = options.watched();
    if watched.is_empty() {
        let mut all = namespaced;
        all.extend(cluster_scoped);
        let mut metadata = cluster_meta(NAME);
        metadata.annotations = Some(escalation_suppressed());
        objects.push(Object::typed(&ClusterRole {
            metadata,
            rules: Some(policy_rules(&all, &[])),
            ..ClusterRole::default()
        })?);
        objects.push(Object::typed(&cluster_role_binding(NAME, ns))?);
    } else {
        for w in &watched {
            let mut metadata = meta(WATCHED_ROLE, w, labels.clone());
            metadata.annotations = Some(escalation_suppressed());
            objects.push(Object::typed(&Role {
                metadata,
                rules: Some(policy_rules(&namespaced, &[])),
            })?);
            objects.push(Object::typed(&role_binding(WATCHED_ROLE, w, "Role", ns))?);
        }
        objects.push(Object::typed(&ClusterRole {
            metadata: cluster_meta(CLUSTER_SCOPED_ROLE),
            rules: Some(policy_rules(&cluster_scoped, &watched)),
            ..ClusterRole::default()
        })?);
        objects.push(Object::typed(&cluster_role_binding(
            CLUSTER_SCOPED_ROLE,
            ns,
        ))?);
    }
    Ok(Manifest::new(objects))
}

/// `bind` and `escalate` on Roles are deliberate (module header), and said so on the object
/// for `kubectl ozone lint` and for a reader of the manifests.
fn escalation_suppressed() -> BTreeMap<String, String> {
    BTreeMap::from([
        (IGNORE_ANNOTATION.to_owned(), "rbac-escalation".to_owned()),
        (
            REASON_ANNOTATION.to_owned(),
            "the operator writes each cluster's Roles, which carry bind and escalate on that \
             cluster's own Roles by name; names it cannot know in advance"
                .to_owned(),
        ),
    ])
}

/// The comment at the top of each committed file (`manifests/operator/`).
pub const HEADER: &str = "# Generated by kubectl-ozone: `kubectl ozone operator manifests`. Do not edit:\n# regenerate with `UPDATE_MANIFESTS=1 cargo test -p ozone-generator --test operator_manifests`.\n";

fn labels() -> BTreeMap<String, String> {
    [
        ("app.kubernetes.io/name", NAME),
        ("app.kubernetes.io/component", "operator"),
        ("app.kubernetes.io/managed-by", "kubectl-ozone"),
        ("app.kubernetes.io/version", env!("CARGO_PKG_VERSION")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn selector_labels() -> BTreeMap<String, String> {
    BTreeMap::from([("app.kubernetes.io/name".to_owned(), NAME.to_owned())])
}

fn cluster_meta(name: &str) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
    let mut m = meta(name, "", labels());
    m.namespace = None;
    m
}

/// The operator's namespace: `restricted` Pod Security, which its pod meets.
fn namespace(name: &str) -> Namespace {
    let mut labels = labels();
    labels.remove("app.kubernetes.io/version");
    for mode in ["enforce", "audit", "warn"] {
        labels.insert(
            format!("pod-security.kubernetes.io/{mode}"),
            "restricted".to_owned(),
        );
    }
    let mut metadata = meta(name, "", labels);
    metadata.namespace = None;
    Namespace {
        metadata,
        ..Namespace::default()
    }
}

/// Leases for leader election (and Events about them), in the operator's own namespace only.
fn leader_election_role(ns: &str) -> Role {
    let mut grants = Grants::new();
    add(
        &mut grants,
        "coordination.k8s.io",
        "leases",
        &["create", "get", "list", "update", "watch"],
    );
    add(&mut grants, "", "events", &["create", "patch"]);
    Role {
        metadata: meta(LEADER_ELECTION_ROLE, ns, labels()),
        rules: Some(policy_rules(&grants, &[])),
    }
}

fn subject(ns: &str) -> Vec<Subject> {
    vec![Subject {
        kind: "ServiceAccount".to_owned(),
        name: NAME.to_owned(),
        namespace: Some(ns.to_owned()),
        ..Subject::default()
    }]
}

fn role_binding(role: &str, at: &str, kind: &str, operator_ns: &str) -> RoleBinding {
    RoleBinding {
        metadata: meta(role, at, labels()),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: kind.to_owned(),
            name: role.to_owned(),
        },
        subjects: Some(subject(operator_ns)),
    }
}

fn cluster_role_binding(role: &str, operator_ns: &str) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: cluster_meta(role),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "ClusterRole".to_owned(),
            name: role.to_owned(),
        },
        subjects: Some(subject(operator_ns)),
    }
}

/// `(API group, resource) → verbs`.
pub type Grants = BTreeMap<(String, String), BTreeSet<String>>;

fn add(grants: &mut Grants, group: &str, resource: &str, verbs: &[&str]) {
    grants
        .entry((group.to_owned(), resource.to_owned()))
        .or_default()
        .extend(verbs.iter().map(|v| (*v).to_owned()));
}

/// What the operator does to each object render emits: server-side apply (create, patch),
/// read back and watch, replace where an operation sets a template (update), prune.
pub const APPLY_VERBS: [&str; 7] = [
    "create", "delete", "get", "list", "patch", "update", "watch",
];

/// The API group and resource of a kind render emits, and whether it is namespaced.
pub fn resource_of(api_version: &str, kind: &str) -> Option<(String, String, bool)> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let (resource, namespaced) = match kind {
        "Namespace" => ("namespaces", false),
        "PersistentVolume" => ("persistentvolumes", false),
        "ClusterIssuer" => ("clusterissuers", false),
        "NetworkPolicy" => ("networkpolicies", true),
        "ServiceAccount"
        | "Secret"
        | "ConfigMap"
        | "PersistentVolumeClaim"
        | "Role"
        | "RoleBinding"
        | "Service"
        | "PodDisruptionBudget"
        | "StatefulSet"
        | "Deployment"
        | "CronJob"
        | "Job"
        | "Issuer"
        | "Certificate"
        | "ServiceMonitor"
        | "PodMonitor"
        | "PrometheusRule" => ("", true),
        _ => return None,
    };
    let resource = if resource.is_empty() {
        format!("{}s", kind.to_ascii_lowercase())
    } else {
        resource.to_owned()
    };
    Some((group.to_owned(), resource, namespaced))
}

/// The operator's permissions: `(namespaced, cluster-scoped)`.
///
/// # Errors
/// Only on a bug (see [`OperatorError::Variant`], [`OperatorError::UnknownKind`]).
pub fn rules() -> Result<(Grants, Grants), OperatorError> {
    let mut namespaced = Grants::new();
    let mut cluster = Grants::new();
    // The day-2 commands' needs (`bind`/`escalate` by name are replaced below).
    for ((group, resource, own_roles), verbs) in permissions::union() {
        if !own_roles {
            add(&mut namespaced, group, resource, &verbs);
        }
    }
    for (profile, sets) in RENDER_VARIANTS {
        let cluster_spec = resolve(&Inputs::with_sets(profile, sets))
            .map_err(|e| OperatorError::Variant(profile, e.to_string()))?;
        let manifest = super::render(&cluster_spec)?;
        for object in manifest.objects() {
            let api_version = object
                .value
                .get("apiVersion")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            let (group, resource, is_namespaced) = resource_of(api_version, &object.kind)
                .ok_or_else(|| OperatorError::UnknownKind(object.kind.clone()))?;
            let target = if is_namespaced {
                &mut namespaced
            } else {
                &mut cluster
            };
            add(target, &group, &resource, &APPLY_VERBS);
            // Every rule of a Role it writes, which it must hold itself.
            if object.kind == "Role" {
                let role: Role = serde_json::from_value(object.value.clone())
                    .map_err(|e| OperatorError::Variant(profile, e.to_string()))?;
                for rule in role.rules.unwrap_or_default() {
                    let verbs: Vec<&str> = rule.verbs.iter().map(String::as_str).collect();
                    for g in rule.api_groups.unwrap_or_default() {
                        for r in rule.resources.clone().unwrap_or_default() {
                            add(&mut namespaced, &g, &r, &verbs);
                        }
                    }
                }
            }
        }
    }
    // See the module header: the Roles' own `bind`/`escalate` name Roles per cluster.
    add(
        &mut namespaced,
        "rbac.authorization.k8s.io",
        "roles",
        &["bind", "escalate"],
    );
    add(
        &mut namespaced,
        crd::GROUP,
        crd::PLURAL,
        &["get", "list", "patch", "update", "watch"],
    );
    add(
        &mut namespaced,
        crd::GROUP,
        &format!("{}/status", crd::PLURAL),
        &["get", "patch", "update"],
    );
    add(
        &mut namespaced,
        crd::GROUP,
        &format!("{}/finalizers", crd::PLURAL),
        &["update"],
    );
    add(&mut namespaced, "", "events", &["create", "patch"]);
    add(
        &mut namespaced,
        "events.k8s.io",
        "events",
        &["create", "patch"],
    );
    Ok((namespaced, cluster))
}

/// One rule per `(group, resource)`, sorted. `namespaces` is limited to `names` when given.
fn policy_rules(grants: &Grants, names: &[String]) -> Vec<PolicyRule> {
    grants
        .iter()
        .map(|((group, resource), verbs)| {
            let limit = resource == "namespaces" && group.is_empty() && !names.is_empty();
            // `create`, `list` and `watch` cannot be limited by name.
            let verbs = verbs
                .iter()
                .filter(|v| !limit || !matches!(v.as_str(), "create" | "list" | "watch"))
                .cloned()
                .collect();
            PolicyRule {
                api_groups: Some(vec![group.clone()]),
                resources: Some(vec![resource.clone()]),
                resource_names: limit.then(|| names.to_vec()),
                verbs,
                ..PolicyRule::default()
            }
        })
        .collect()
}

/// The operator's Deployment: restricted Pod Security, probes, a metrics port, leader
/// election.
fn deployment(options: &OperatorOptions) -> Deployment {
    let ns = options.namespace.as_str();
    let mut args: Vec<String> = [
        "operator",
        "run",
        "--leader-elect",
        "--leader-election-namespace",
        ns,
        "--metrics-port",
        &METRICS_PORT.to_string(),
        "--health-port",
        &HEALTH_PORT.to_string(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for w in options.watched() {
        args.push("--watch-namespace".to_owned());
        args.push(w);
    }
    let probe = |path: &str, period: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.to_owned()),
            port: IntOrString::String("health".to_owned()),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(period),
        ..Probe::default()
    };
    let quantity = |q: &str| Quantity(q.to_owned());
    let container = Container {
        name: "operator".to_owned(),
        image: Some(options.image.clone()),
        image_pull_policy: Some("IfNotPresent".to_owned()),
        args: Some(args),
        env: Some(vec![EnvVar {
            // The leader-election identity.
            name: "POD_NAME".to_owned(),
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    field_path: "metadata.name".to_owned(),
                    ..ObjectFieldSelector::default()
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        }]),
        ports: Some(vec![
            ContainerPort {
                name: Some("metrics".to_owned()),
                container_port: METRICS_PORT,
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            },
            ContainerPort {
                name: Some("health".to_owned()),
                container_port: HEALTH_PORT,
                protocol: Some("TCP".to_owned()),
                ..ContainerPort::default()
            },
        ]),
        liveness_probe: Some(probe("/healthz", 20)),
        readiness_probe: Some(probe("/readyz", 10)),
        resources: Some(ResourceRequirements {
            requests: Some(BTreeMap::from([
                ("cpu".to_owned(), quantity("100m")),
                ("memory".to_owned(), quantity("128Mi")),
            ])),
            limits: Some(BTreeMap::from([
                ("cpu".to_owned(), quantity("1")),
                ("memory".to_owned(), quantity("512Mi")),
            ])),
            ..ResourceRequirements::default()
        }),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_owned()]),
                ..Capabilities::default()
            }),
            seccomp_profile: Some(runtime_default()),
            ..SecurityContext::default()
        }),
        ..Container::default()
    };
    let mut pod_labels = labels();
    pod_labels.extend(selector_labels());
    Deployment {
        metadata: meta(NAME, ns, labels()),
        spec: Some(DeploymentSpec {
            replicas: Some(options.replicas),
            selector: LabelSelector {
                match_labels: Some(selector_labels()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                    labels: Some(pod_labels),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: Some(NAME.to_owned()),
                    containers: vec![container],
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        // distroless' `nonroot` user.
                        run_as_user: Some(65532),
                        run_as_group: Some(65532),
                        seccomp_profile: Some(runtime_default()),
                        ..PodSecurityContext::default()
                    }),
                    termination_grace_period_seconds: Some(30),
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        }),
        ..Deployment::default()
    }
}

fn runtime_default() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".to_owned(),
        ..SeccompProfile::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(m: &Manifest) -> Vec<String> {
        m.objects()
            .iter()
            .map(|o| format!("{}/{}", o.kind, o.name))
            .collect()
    }

    #[test]
    fn default_manifests_are_cluster_wide_and_ordered() {
        let m = manifests(&OperatorOptions::default()).unwrap();
        assert_eq!(
            kinds(&m),
            [
                "Namespace/ozone-system",
                "CustomResourceDefinition/ozoneclusters.ozone.apache.org",
                "ServiceAccount/ozone-operator",
                "ClusterRole/ozone-operator",
                "ClusterRoleBinding/ozone-operator",
                "Role/ozone-operator-leader-election",
                "RoleBinding/ozone-operator-leader-election",
                "Deployment/ozone-operator",
            ]
        );
        // Deterministic.
        assert_eq!(
            m.to_yaml().unwrap(),
            manifests(&OperatorOptions::default())
                .unwrap()
                .to_yaml()
                .unwrap()
        );
    }

    #[test]
    fn watch_namespaces_get_a_role_each() {
        let options = OperatorOptions {
            watch_namespaces: vec!["b".into(), "a".into(), "b".into()],
            replicas: 2,
            ..OperatorOptions::default()
        };
        let m = manifests(&options).unwrap();
        let k = kinds(&m);
        assert!(k.contains(&"Role/ozone-operator-reconciler".to_owned()));
        assert_eq!(
            k.iter()
                .filter(|x| *x == "Role/ozone-operator-reconciler")
                .count(),
            2
        );
        assert!(k.contains(&"ClusterRole/ozone-operator-cluster-scoped".to_owned()));
        assert!(!k.contains(&"ClusterRoleBinding/ozone-operator".to_owned()));
        let yaml = m.to_yaml().unwrap();
        assert!(yaml.contains("- --watch-namespace\n") && yaml.contains("replicas: 2"));
        assert!(yaml.contains("  resourceNames:\n  - a\n  - b\n"), "{yaml}");
    }

    #[test]
    fn bad_options_are_refused() {
        let bad = |o: OperatorOptions| manifests(&o).unwrap_err().to_string();
        let e = bad(OperatorOptions {
            namespace: "Bad_NS".into(),
            ..OperatorOptions::default()
        });
        assert!(e.starts_with("--namespace: \"Bad_NS\""), "{e}");
        let e = bad(OperatorOptions {
            replicas: 0,
            ..OperatorOptions::default()
        });
        assert_eq!(e, "--replicas: must be from 1 to 10, got 0");
        let e = bad(OperatorOptions {
            image: "a b".into(),
            ..OperatorOptions::default()
        });
        assert!(e.starts_with("--image"), "{e}");
    }

    /// The operator holds every rule of every Role render writes, and can apply every kind
    /// render emits, for each profile too (not only the variants it was derived from).
    #[test]
    fn the_operator_holds_what_render_needs() {
        let (namespaced, cluster) = rules().unwrap();
        let holds = |g: &Grants, group: &str, resource: &str, verb: &str| {
            g.get(&(group.to_owned(), resource.to_owned()))
                .is_some_and(|v| v.contains(verb))
        };
        for profile in crate::Profile::ALL {
            let c = resolve(&Inputs::profile(profile.name())).unwrap();
            for o in super::super::render(&c).unwrap().objects() {
                let v = o.value["apiVersion"].as_str().unwrap();
                let (group, resource, ns) = resource_of(v, &o.kind).unwrap();
                let g = if ns { &namespaced } else { &cluster };
                for verb in APPLY_VERBS {
                    assert!(holds(g, &group, &resource, verb), "{resource} {verb}");
                }
                if o.kind == "Role" {
                    let role: Role = serde_json::from_value(o.value.clone()).unwrap();
                    for rule in role.rules.unwrap_or_default() {
                        for group in rule.api_groups.unwrap_or_default() {
                            for r in rule.resources.clone().unwrap_or_default() {
                                for verb in &rule.verbs {
                                    assert!(holds(&namespaced, &group, &r, verb), "{r} {verb}");
                                }
                            }
                        }
                    }
                }
            }
        }
        for (group, resource, verb) in [
            ("ozone.apache.org", "ozoneclusters", "watch"),
            ("ozone.apache.org", "ozoneclusters/status", "update"),
            ("ozone.apache.org", "ozoneclusters/finalizers", "update"),
            ("", "events", "create"),
            ("", "pods/exec", "create"),
        ] {
            assert!(
                holds(&namespaced, group, resource, verb),
                "{resource} {verb}"
            );
        }
        // No wildcards.
        for ((g, r), verbs) in namespaced.iter().chain(&cluster) {
            assert!(!g.contains('*') && !r.contains('*') && !verbs.contains("*"));
        }
    }
}
