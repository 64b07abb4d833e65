//! Checks before an install, as pure functions of the rendered objects and facts about the
//! target cluster: Pod Security admission, StorageClasses, schedulable nodes and zones, the
//! API groups (CRDs) the objects need, the Kubernetes version, and the current user's RBAC.
//! [`super::gather`] reads the facts.

use super::labels::Labels;
use super::running::Gathered;
use super::verdict::{Finding, Verdict};
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::api::storage::v1::StorageClass;
use ozone_generator::lint::{config::Options, crd::Registry, lint_text};
use ozone_generator::output::Manifest;
use ozone_generator::spec::Cluster;
use ozone_generator::spec::doc::{AntiAffinity, Spread, TolerationDoc};
use ozone_storage::Component;
use std::collections::{BTreeMap, BTreeSet};

/// The oldest and newest Kubernetes minor versions the rendered manifests are validated
/// against (CI runs kubernetes-validate --strict for both; README "Development").
pub const SUPPORTED_KUBE_MINORS: (u32, u32) = (29, 35);

/// The lint checks that are Pod Security baseline controls.
const BASELINE_CHECKS: [&str; 6] = [
    "privileged-container",
    "host-network",
    "host-pid",
    "host-ipc",
    "host-path",
    "pss-baseline",
];
/// The lint checks that are Pod Security restricted controls (on top of baseline).
const RESTRICTED_CHECKS: [&str; 3] = [
    "privilege-escalation-container",
    "run-as-non-root",
    "pss-restricted",
];

/// Pod Security levels, least strict first.
const LEVELS: [&str; 3] = ["privileged", "baseline", "restricted"];

/// The strictest Pod Security level the rendered pods meet, and the lint findings that rule
/// out the stricter ones (reusing `lint`'s Pod Security checks).
pub fn admitted_level(manifest_yaml: &str) -> (&'static str, Vec<String>) {
    let Ok(report) = lint_text(
        "rendered",
        manifest_yaml,
        Options::default(),
        Registry::default(),
    ) else {
        return (
            "privileged",
            vec!["the rendered manifests could not be linted".into()],
        );
    };
    let of = |ids: &[&str]| -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| ids.contains(&f.check))
            .map(|f| format!("{} {}: {}", f.object, f.check, f.message))
            .collect()
    };
    let baseline = of(&BASELINE_CHECKS);
    if !baseline.is_empty() {
        return ("privileged", baseline);
    }
    let restricted = of(&RESTRICTED_CHECKS);
    if !restricted.is_empty() {
        return ("baseline", restricted);
    }
    ("restricted", Vec::new())
}

/// Whether the namespace's `pod-security.kubernetes.io/enforce` level admits the pods.
pub fn pod_security(
    namespace: &str,
    existing: &Gathered<Option<Labels>>,
    admitted: &(&'static str, Vec<String>),
) -> Finding {
    const CHECK: &str = "pod-security";
    let rank = |l: &str| LEVELS.iter().position(|x| *x == l);
    let labels = match existing {
        Err(e) => {
            return Finding::not_checked(
                CHECK,
                namespace,
                e.clone(),
                "needs get on namespaces (cluster-scoped): see README \"Troubleshooting\" for the ClusterRole",
            );
        }
        Ok(None) => {
            return Finding::ok(
                CHECK,
                namespace,
                format!(
                    "the namespace does not exist yet; the rendered Namespace enforces a level the pods meet ({})",
                    admitted.0
                ),
            );
        }
        Ok(Some(labels)) => labels,
    };
    let enforce = labels
        .get("pod-security.kubernetes.io/enforce")
        .map_or("privileged", String::as_str);
    match (rank(enforce), rank(admitted.0)) {
        (Some(need), Some(have)) if need > have => Finding::bad(
            Verdict::Error,
            CHECK,
            namespace,
            format!(
                "the namespace enforces Pod Security {enforce}, the rendered pods meet only {}: {}",
                admitted.0,
                admitted.1.join("; ")
            ),
            format!(
                "set spec.podSecurity to {enforce} (or lower the namespace's pod-security.kubernetes.io/enforce label)"
            ),
        ),
        (None, _) => Finding::bad(
            Verdict::Warning,
            CHECK,
            namespace,
            format!("unknown Pod Security level {enforce:?} on the namespace"),
            "use privileged, baseline or restricted",
        ),
        _ => Finding::ok(
            CHECK,
            namespace,
            format!(
                "the namespace enforces {enforce}; the rendered pods meet {}",
                admitted.0
            ),
        ),
    }
}

/// The volumes a spec asks for: component → StorageClass (`None`: the default one), one entry
/// per volume of a pod (every data volume and the `ratis` volume).
pub fn volumes(cluster: &Cluster) -> Vec<(Component, Option<String>)> {
    cluster
        .components
        .iter()
        .flat_map(|(c, s)| {
            s.data_volumes()
                .chain(&s.ratis)
                .map(|st| (*c, st.storage_class.clone()))
        })
        .collect()
}

/// Whether a StorageClass provisions node-local volumes (the local static provisioner's
/// `kubernetes.io/no-provisioner`, or a CSI driver for local disks), which must be bound where
/// the pod is scheduled.
fn is_local(class: &StorageClass) -> bool {
    let p = class.provisioner.as_str();
    p == "kubernetes.io/no-provisioner"
        || ["local", "topolvm", "lvm", "openebs.io/local"]
            .iter()
            .any(|k| p.contains(k))
}

fn is_default(class: &StorageClass) -> bool {
    class.metadata.annotations.as_ref().is_some_and(|a| {
        [
            "storageclass.kubernetes.io/is-default-class",
            "storageclass.beta.kubernetes.io/is-default-class",
        ]
        .iter()
        .any(|k| a.get(*k).is_some_and(|v| v == "true"))
    })
}

/// A StorageClass for every volume (named, or a default one), and whether it can grow.
pub fn storage(
    volumes: &[(Component, Option<String>)],
    classes: &Gathered<Vec<StorageClass>>,
) -> Vec<Finding> {
    const CHECK: &str = "storage-class";
    if volumes.is_empty() {
        return vec![Finding::ok(
            CHECK,
            "",
            "the spec asks for no persistent volumes",
        )];
    }
    let classes = match classes {
        Ok(c) => c,
        Err(e) => {
            return vec![Finding::not_checked(
                CHECK,
                "",
                e.clone(),
                "needs list on storage.k8s.io storageclasses (cluster-scoped): see README \"Troubleshooting\"",
            )];
        }
    };
    let mut by_class: BTreeMap<Option<String>, Vec<&str>> = BTreeMap::new();
    for (c, class) in volumes {
        let users = by_class.entry(class.clone()).or_default();
        if !users.contains(&c.id()) {
            users.push(c.id());
        }
    }
    let mut out = Vec::new();
    for (wanted, components) in by_class {
        let users = components.join(", ");
        let found = match &wanted {
            Some(name) => classes
                .iter()
                .find(|c| c.metadata.name.as_deref() == Some(name)),
            None => classes.iter().find(|c| is_default(c)),
        };
        let subject = wanted.clone().unwrap_or_else(|| "(default)".into());
        match found {
            None => out.push(Finding::bad(
                Verdict::Error,
                CHECK,
                subject,
                match &wanted {
                    Some(n) => format!("StorageClass {n} (for {users}) does not exist; there are: {}", names(classes)),
                    None => format!("{users} name no StorageClass and none is marked default; there are: {}", names(classes)),
                },
                "set spec.<component>.storage.storageClass to an existing class, or mark one default (annotation storageclass.kubernetes.io/is-default-class: \"true\"); otherwise the PVCs stay Pending",
            )),
            Some(class) => {
                let name = class.metadata.name.clone().unwrap_or_default();
                let binding = class.volume_binding_mode.as_deref().unwrap_or("Immediate");
                if is_local(class) && binding != "WaitForFirstConsumer" {
                    out.push(Finding::bad(
                        Verdict::Warning,
                        CHECK,
                        subject,
                        format!("{name} ({}) for {users} provisions local volumes with volumeBindingMode {binding}: each PVC is bound to a node before its pod is scheduled, so a pod's disks may sit on different nodes, or on one its placement excludes", class.provisioner),
                        "set volumeBindingMode: WaitForFirstConsumer on the StorageClass (a new class: the field cannot change)",
                    ));
                } else if class.allow_volume_expansion == Some(true) {
                    out.push(Finding::ok(CHECK, subject, format!("{name} ({}) for {users}; volumes can be expanded", class.provisioner)));
                } else {
                    out.push(Finding::bad(
                        Verdict::Warning,
                        CHECK,
                        subject,
                        format!("{name} ({}) for {users} does not allow volume expansion: the volumes cannot grow later", class.provisioner),
                        "size the volumes for growth now, or use a StorageClass with allowVolumeExpansion: true",
                    ));
                }
            }
        }
    }
    out
}

fn names(classes: &[StorageClass]) -> String {
    if classes.is_empty() {
        return "none".into();
    }
    classes
        .iter()
        .map(|c| {
            let n = c.metadata.name.clone().unwrap_or_default();
            if is_default(c) {
                format!("{n} (default)")
            } else {
                n
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn tolerated(node: &Node, tolerations: &[TolerationDoc]) -> bool {
    let taints = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.clone())
        .unwrap_or_default();
    taints
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .all(|t| {
            tolerations.iter().any(|tol| {
                let key_ok = tol
                    .key
                    .as_deref()
                    .is_none_or(|k| k.is_empty() || k == t.key);
                let exists = tol.operator.as_deref() == Some("Exists");
                let value_ok = exists
                    || tol.value.as_deref().unwrap_or("") == t.value.as_deref().unwrap_or("");
                let effect_ok = tol
                    .effect
                    .as_deref()
                    .is_none_or(|e| e.is_empty() || e == t.effect);
                key_ok && value_ok && effect_ok && (exists || tol.key.is_some())
            })
        })
}

/// Nodes the pods may land on: ready, not cordoned, matching the node selector, with every
/// NoSchedule/NoExecute taint tolerated.
pub fn schedulable<'n>(
    nodes: &'n [Node],
    selector: &BTreeMap<String, String>,
    tolerations: &[TolerationDoc],
) -> Vec<&'n Node> {
    nodes
        .iter()
        .filter(|n| {
            !n.spec
                .as_ref()
                .and_then(|s| s.unschedulable)
                .unwrap_or(false)
        })
        .filter(|n| {
            n.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .filter(|n| {
            let labels = n.metadata.labels.clone().unwrap_or_default();
            selector.iter().all(|(k, v)| labels.get(k) == Some(v))
        })
        .filter(|n| tolerated(n, tolerations))
        .collect()
}

/// Enough schedulable nodes for required anti-affinity, and zones for zone spread.
pub fn nodes(cluster: &Cluster, nodes: &Gathered<Vec<Node>>) -> Vec<Finding> {
    const CHECK: &str = "nodes";
    let nodes = match nodes {
        Ok(n) => n,
        Err(e) => {
            return vec![Finding::not_checked(
                CHECK,
                "",
                e.clone(),
                "needs list on nodes (cluster-scoped): see README \"Troubleshooting\"",
            )];
        }
    };
    let zone_key = "topology.kubernetes.io/zone";
    let mut out = Vec::new();
    let mut fewest: Option<usize> = None;
    for (c, settings) in &cluster.components {
        let p = &settings.placement;
        let usable = schedulable(nodes, &p.node_selector, &p.tolerations);
        let zoned: Vec<&&Node> = usable
            .iter()
            .filter(|n| {
                n.metadata
                    .labels
                    .as_ref()
                    .is_some_and(|l| l.contains_key(zone_key))
            })
            .collect();
        // Zone spread is DoNotSchedule on the zone key: nodes without the label take none of
        // the pods.
        let eligible = if p.spread == Spread::Zone {
            zoned.len()
        } else {
            usable.len()
        };
        fewest = Some(fewest.map_or(eligible, |f| f.min(eligible)));
        let own = if settings.placement.node_selector != cluster.placement.node_selector
            || settings.placement.tolerations != cluster.placement.tolerations
        {
            format!(" (spec.{}.placement)", c.spec_field())
        } else {
            String::new()
        };
        let separate = matches!(c, Component::Scm | Component::Om | Component::Datanode);
        let replicas = settings.replicas;
        if eligible == 0 {
            out.push(Finding::bad(
                Verdict::Error,
                CHECK,
                c.id(),
                format!(
                    "no node matches the {} pods' nodeSelector and tolerations{own}: of {} nodes none is schedulable for them",
                    c.id(),
                    nodes.len()
                ),
                format!("label (and taint) nodes for the {} pods, or change spec.{}.placement / spec.placement", c.id(), c.spec_field()),
            ));
        } else if separate && (eligible as i32) < replicas {
            let (verdict, fix) = if p.anti_affinity == AntiAffinity::Required {
                (
                    Verdict::Error,
                    "add nodes, lower the replicas, or set spec.placement.antiAffinity: preferred (pods may then share a node)",
                )
            } else {
                (
                    Verdict::Warning,
                    "add nodes: with preferred anti-affinity some pods share a node, and one node failure takes several down",
                )
            };
            out.push(Finding::bad(
                verdict,
                CHECK,
                c.id(),
                format!(
                    "{replicas} {} pods must each get their own node, {eligible} of {} nodes are schedulable{}{own}",
                    c.id(),
                    nodes.len(),
                    if p.spread == Spread::Zone { " with a zone label" } else { "" }
                ),
                fix,
            ));
        }
        if p.spread == Spread::Zone && separate && replicas > 1 {
            let zones: BTreeSet<&String> = zoned
                .iter()
                .filter_map(|n| n.metadata.labels.as_ref().and_then(|l| l.get(zone_key)))
                .collect();
            if zones.len() < 3 && !out.iter().any(|f| f.subject == "zones") {
                out.push(Finding::bad(
                    if zones.is_empty() { Verdict::Error } else { Verdict::Warning },
                    CHECK,
                    "zones",
                    format!("spec.placement.spread is zone, schedulable nodes span {} zone(s): a three-member Raft ring does not survive the loss of a zone", zones.len()),
                    "use nodes in three zones (label topology.kubernetes.io/zone), or set spec.placement.spread: host",
                ));
            }
        }
    }
    let eligible = fewest.unwrap_or(0);
    if out.is_empty() {
        out.push(Finding::ok(
            CHECK,
            "",
            format!("{eligible} schedulable nodes are enough for every component"),
        ));
    }
    out
}

/// An API group version the rendered objects need beyond the built-in ones.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NeededApi {
    /// `monitoring.coreos.com/v1`.
    pub group_version: String,
    /// The kinds used.
    pub kinds: BTreeSet<String>,
}

const BUILT_IN_GROUPS: [&str; 7] = [
    "",
    "apps",
    "batch",
    "policy",
    "rbac.authorization.k8s.io",
    "networking.k8s.io",
    "autoscaling",
];

/// The custom resource kinds among the rendered objects, by group version.
pub fn needed_apis(manifest: &Manifest) -> Vec<NeededApi> {
    let mut by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for o in manifest.objects() {
        let gv = o
            .value
            .get("apiVersion")
            .and_then(|v| v.as_str())
            .unwrap_or("v1");
        let group = gv.rsplit_once('/').map_or("", |(g, _)| g);
        if !BUILT_IN_GROUPS.contains(&group) {
            by.entry(gv.to_owned()).or_default().insert(o.kind.clone());
        }
    }
    by.into_iter()
        .map(|(group_version, kinds)| NeededApi {
            group_version,
            kinds,
        })
        .collect()
}

fn install_hint(group_version: &str) -> &'static str {
    match group_version.split('/').next().unwrap_or("") {
        "monitoring.coreos.com" => {
            "install the Prometheus Operator CRDs, or set spec.monitoring.serviceMonitors and spec.monitoring.prometheusRules to false"
        }
        "cert-manager.io" => {
            "install cert-manager, or set spec.security.tls.mode: managed (kubectl ozone cert issue)"
        }
        _ => "install the CRDs that define these kinds",
    }
}

/// The CRDs the rendered objects need are served.
pub fn apis(
    needed: &[NeededApi],
    served: &BTreeMap<String, Gathered<Option<Vec<String>>>>,
) -> Vec<Finding> {
    const CHECK: &str = "crds";
    let mut out = Vec::new();
    for api in needed {
        let kinds: Vec<&str> = api.kinds.iter().map(String::as_str).collect();
        match served.get(&api.group_version) {
            Some(Err(e)) => out.push(Finding::not_checked(
                CHECK,
                api.group_version.clone(),
                e.clone(),
                "API discovery failed: check the connection",
            )),
            None => out.push(Finding::not_checked(
                CHECK,
                api.group_version.clone(),
                "not asked".to_owned(),
                "a bug: please report it",
            )),
            Some(Ok(None)) => out.push(Finding::bad(
                Verdict::Error,
                CHECK,
                api.group_version.clone(),
                format!(
                    "the API server does not serve {} (needed for {})",
                    api.group_version,
                    kinds.join(", ")
                ),
                install_hint(&api.group_version),
            )),
            Some(Ok(Some(have))) => {
                let missing: Vec<&str> = kinds
                    .iter()
                    .copied()
                    .filter(|k| !have.iter().any(|h| h == k))
                    .collect();
                if missing.is_empty() {
                    out.push(Finding::ok(
                        CHECK,
                        api.group_version.clone(),
                        format!("serves {}", kinds.join(", ")),
                    ));
                } else {
                    out.push(Finding::bad(
                        Verdict::Error,
                        CHECK,
                        api.group_version.clone(),
                        format!(
                            "{} is served but without {}",
                            api.group_version,
                            missing.join(", ")
                        ),
                        install_hint(&api.group_version),
                    ));
                }
            }
        }
    }
    if out.is_empty() {
        out.push(Finding::ok(CHECK, "", "the spec needs no custom resources"));
    }
    out
}

/// The Kubernetes version is one the manifests are validated for.
pub fn kube_version(version: &Gathered<(String, String)>) -> Finding {
    const CHECK: &str = "kubernetes-version";
    let (major, minor) = match version {
        Ok(v) => v,
        Err(e) => {
            return Finding::not_checked(
                CHECK,
                "",
                e.clone(),
                "check the connection to the API server",
            );
        }
    };
    // Managed clusters report minors like "33+".
    let minor_n: Option<u32> = minor.trim_end_matches('+').parse().ok();
    let (lo, hi) = SUPPORTED_KUBE_MINORS;
    match (major.as_str(), minor_n) {
        ("1", Some(m)) if m < lo => Finding::bad(
            Verdict::Error,
            CHECK,
            format!("{major}.{minor}"),
            format!(
                "Kubernetes {major}.{m} is older than 1.{lo}, the oldest the manifests are validated for"
            ),
            format!("upgrade the cluster to 1.{lo} or later"),
        ),
        ("1", Some(m)) if m > hi => Finding::bad(
            Verdict::Warning,
            CHECK,
            format!("{major}.{minor}"),
            format!(
                "Kubernetes {major}.{m} is newer than 1.{hi}, the newest the manifests are validated for"
            ),
            format!(
                "it likely works; `kubectl ozone render … | kubectl ozone lint - --kube-version 1.{m}` shows removed APIs"
            ),
        ),
        ("1", Some(m)) => Finding::ok(CHECK, format!("1.{m}"), format!("within 1.{lo}–1.{hi}")),
        _ => Finding::bad(
            Verdict::Warning,
            CHECK,
            format!("{major}.{minor}"),
            format!("cannot read the version {major}.{minor}"),
            format!("the manifests support 1.{lo}–1.{hi}"),
        ),
    }
}

/// One permission `apply` needs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Access {
    /// Verb.
    pub verb: &'static str,
    /// API group.
    pub group: String,
    /// Plural resource.
    pub resource: String,
    /// The namespace, or `None` for a cluster-scoped resource.
    pub namespace: Option<String>,
}

/// What `kubectl apply --server-side` of the rendered objects asks the authorizer for: `patch`
/// (server-side apply) and `create` (the objects do not exist yet) per resource.
pub fn needed_access(manifest: &Manifest) -> Vec<Access> {
    let mut out = BTreeSet::new();
    for o in manifest.objects() {
        let gv = o
            .value
            .get("apiVersion")
            .and_then(|v| v.as_str())
            .unwrap_or("v1");
        let (group, version) = gv.rsplit_once('/').unwrap_or(("", gv));
        let gvk = kube::api::GroupVersionKind::gvk(group, version, &o.kind);
        let resource = kube::api::ApiResource::from_gvk(&gvk).plural;
        for verb in ["create", "patch"] {
            out.insert(Access {
                verb,
                group: group.to_owned(),
                resource: resource.clone(),
                namespace: o.namespace.clone(),
            });
        }
    }
    out.into_iter().collect()
}

/// The current user may do what `apply` will do.
pub fn rbac(answers: &[(Access, Gathered<bool>)]) -> Vec<Finding> {
    const CHECK: &str = "rbac";
    let show = |a: &Access| {
        let group = if a.group.is_empty() {
            String::new()
        } else {
            format!(".{}", a.group)
        };
        match &a.namespace {
            Some(ns) => format!("{} {}{group} in {ns}", a.verb, a.resource),
            None => format!("{} {}{group} (cluster-scoped)", a.verb, a.resource),
        }
    };
    let denied: Vec<String> = answers
        .iter()
        .filter(|(_, r)| r == &Ok(false))
        .map(|(a, _)| show(a))
        .collect();
    let unknown: Vec<String> = answers
        .iter()
        .filter_map(|(a, r)| r.as_ref().err().map(|e| format!("{} ({e})", show(a))))
        .collect();
    let mut out = Vec::new();
    if !denied.is_empty() {
        out.push(Finding::bad(
            Verdict::Error,
            CHECK,
            "",
            format!("apply would be forbidden: {}", denied.join("; ")),
            "ask a cluster admin for these permissions, or have someone who holds them apply the manifests",
        ));
    }
    if !unknown.is_empty() {
        out.push(Finding::not_checked(
            CHECK,
            "",
            format!("access reviews failed: {}", unknown.join("; ")),
            "check the connection to the API server",
        ));
    }
    if out.is_empty() {
        out.push(Finding::ok(
            CHECK,
            "",
            format!("all {} permissions apply needs are granted", answers.len()),
        ));
    }
    out
}
