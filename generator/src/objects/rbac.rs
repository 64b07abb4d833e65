//! Roles for people (`<cluster>-admin`, `-developer`, `-viewer`), the Role the day-2 commands
//! need (`<cluster>-operator`, from [`crate::permissions`]), and RoleBindings for the subjects
//! the spec names. Namespaced, explicit verbs and resources: no wildcards, no `impersonate`.
//!
//! `<cluster>-operator` and `<cluster>-admin` carry `bind` and `escalate` limited by
//! `resourceNames` to the cluster's own Roles ([`own_role_names`]): without them Kubernetes'
//! escalation check refuses `apply` a Role or RoleBinding whose rules its subject does not
//! hold (see [`crate::permissions`]). It follows that whoever can run `apply` decides what
//! the cluster's Roles grant and whom they bind — themselves too — within the namespace:
//! bind `-operator` only to automation trusted with the namespace (README "RBAC").

use super::meta;
use crate::lint::suppress::{IGNORE_ANNOTATION, REASON_ANNOTATION};
use crate::permissions;
use crate::spec::Cluster;
use crate::spec::cluster::PersonRole;
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use std::collections::{BTreeMap, BTreeSet};

type Grants = BTreeMap<(&'static str, &'static str), BTreeSet<&'static str>>;

const READ: [&str; 3] = ["get", "list", "watch"];

/// Objects people read: the cluster's workloads, their configuration and state. Secrets are
/// not among them.
const READABLE: [(&str, &str); 17] = [
    ("", "pods"),
    ("", "services"),
    ("", "endpoints"),
    ("", "configmaps"),
    ("", "persistentvolumeclaims"),
    ("", "serviceaccounts"),
    ("", "events"),
    ("apps", "statefulsets"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "controllerrevisions"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("policy", "poddisruptionbudgets"),
    ("networking.k8s.io", "networkpolicies"),
    ("monitoring.coreos.com", "servicemonitors"),
    ("monitoring.coreos.com", "prometheusrules"),
];

fn grant(grants: &mut Grants, group: &'static str, resource: &'static str, verbs: &[&'static str]) {
    grants
        .entry((group, resource))
        .or_default()
        .extend(verbs.iter().copied());
}

fn viewer() -> Grants {
    let mut g = Grants::new();
    for (group, resource) in READABLE {
        grant(&mut g, group, resource, &READ);
    }
    g
}

fn developer() -> Grants {
    let mut g = viewer();
    grant(&mut g, "", "pods/log", &["get", "list"]);
    grant(&mut g, "", "pods/portforward", &["create"]);
    g
}

fn operator() -> Grants {
    let mut g = Grants::new();
    for ((group, resource, own_roles), verbs) in permissions::union() {
        // Rules limited to the cluster's own Roles are added by `own_roles_rule`.
        if !own_roles {
            grant(&mut g, group, resource, &verbs);
        }
    }
    g
}

/// Every Role render can write for the cluster, whatever its switches: the four day-2 Roles
/// and the backup job's. Listed in full so that turning a switch on never needs a wider
/// operator Role first.
pub fn own_role_names(cluster: &Cluster) -> Vec<String> {
    let names = cluster.names();
    let mut out: Vec<String> = ["admin", "developer", "viewer", "operator"]
        .iter()
        .map(|suffix| format!("{}-{suffix}", names.cluster()))
        .collect();
    out.push(super::backups::name(&cluster.name));
    out.sort();
    out
}

/// `bind` and `escalate` on the cluster's own Roles, as the permissions table asks for them.
fn own_roles_rule(cluster: &Cluster) -> Option<PolicyRule> {
    let verbs: BTreeSet<&str> = permissions::union()
        .into_iter()
        .filter(|((_, _, own), _)| *own)
        .flat_map(|(_, verbs)| verbs)
        .collect();
    (!verbs.is_empty()).then(|| PolicyRule {
        api_groups: Some(vec!["rbac.authorization.k8s.io".into()]),
        resources: Some(vec!["roles".into()]),
        resource_names: Some(own_role_names(cluster)),
        verbs: verbs.into_iter().map(str::to_owned).collect(),
        ..PolicyRule::default()
    })
}

fn admin() -> Grants {
    let mut g = developer();
    for (k, verbs) in operator() {
        g.entry(k).or_default().extend(verbs);
    }
    let change = ["create", "update", "patch", "delete"];
    grant(&mut g, "", "secrets", &READ);
    grant(&mut g, "", "secrets", &change);
    grant(&mut g, "", "configmaps", &change);
    grant(&mut g, "", "pods", &["delete"]);
    grant(&mut g, "", "pods/exec", &["create"]);
    grant(&mut g, "", "persistentvolumeclaims", &["delete"]);
    grant(&mut g, "apps", "statefulsets", &["update", "patch"]);
    grant(&mut g, "apps", "deployments", &["update", "patch"]);
    grant(
        &mut g,
        "apps",
        "statefulsets/scale",
        &["get", "update", "patch"],
    );
    grant(
        &mut g,
        "apps",
        "deployments/scale",
        &["get", "update", "patch"],
    );
    grant(&mut g, "batch", "jobs", &["create", "delete"]);
    grant(
        &mut g,
        "batch",
        "cronjobs",
        &["create", "update", "patch", "delete"],
    );
    g
}

/// Rules with the same verbs in the same group share one entry, to keep Roles short.
fn rules(grants: Grants) -> Vec<PolicyRule> {
    let mut merged: BTreeMap<(&str, Vec<&str>), Vec<&str>> = BTreeMap::new();
    for ((group, resource), verbs) in grants {
        merged
            .entry((group, verbs.into_iter().collect()))
            .or_default()
            .push(resource);
    }
    merged
        .into_iter()
        .map(|((group, verbs), resources)| PolicyRule {
            api_groups: Some(vec![group.to_owned()]),
            resources: Some(resources.into_iter().map(str::to_owned).collect()),
            verbs: verbs.into_iter().map(str::to_owned).collect(),
            ..PolicyRule::default()
        })
        .collect()
}

/// `lint`'s `rbac-escalation` check flags `bind`/`escalate` on any Role. Here they are
/// deliberate and narrow, so the Role says so with the documented suppression and its reason
/// (a reader of the manifests sees why without finding this file).
fn escalation_suppressed() -> BTreeMap<String, String> {
    BTreeMap::from([
        (IGNORE_ANNOTATION.to_owned(), "rbac-escalation".to_owned()),
        (
            REASON_ANNOTATION.to_owned(),
            "bind and escalate only on this cluster's own Roles (resourceNames): apply must \
             write Roles and RoleBindings that pass Kubernetes' escalation check"
                .to_owned(),
        ),
    ])
}

/// The Roles, when the spec asks for them.
pub fn roles(cluster: &Cluster) -> Vec<Role> {
    if !cluster.rbac.roles {
        return Vec::new();
    }
    let names = cluster.names();
    [
        ("admin", admin(), true),
        ("developer", developer(), false),
        ("viewer", viewer(), false),
        ("operator", operator(), true),
    ]
    .into_iter()
    .map(|(suffix, grants, applies)| {
        let mut rules = rules(grants);
        let mut metadata = meta(
            &format!("{}-{suffix}", names.cluster()),
            &cluster.namespace,
            names.cluster_labels(&cluster.version),
        );
        // Both run `apply`; the admin Role must also hold every rule of the operator Role
        // it writes, this one included.
        if applies && let Some(rule) = own_roles_rule(cluster) {
            rules.push(rule);
            metadata.annotations = Some(escalation_suppressed());
        }
        Role {
            metadata,
            rules: Some(rules),
        }
    })
    .collect()
}

/// RoleBindings for the subjects in `spec.rbac.bindings`.
pub fn role_bindings(cluster: &Cluster) -> Vec<RoleBinding> {
    let names = cluster.names();
    PersonRole::ALL
        .into_iter()
        .filter_map(|role| {
            let subjects = cluster.rbac.bindings.get(&role)?;
            let name = format!("{}-{}", names.cluster(), role.id());
            Some(RoleBinding {
                metadata: meta(
                    &name,
                    &cluster.namespace,
                    names.cluster_labels(&cluster.version),
                ),
                role_ref: RoleRef {
                    api_group: "rbac.authorization.k8s.io".into(),
                    kind: "Role".into(),
                    name,
                },
                subjects: Some(
                    subjects
                        .iter()
                        .map(|s| Subject {
                            api_group: (s.kind != "ServiceAccount")
                                .then(|| "rbac.authorization.k8s.io".into()),
                            kind: s.kind.clone(),
                            name: s.name.clone(),
                            namespace: s.namespace.clone(),
                        })
                        .collect(),
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Inputs, resolve};

    /// Verbs on every object of the resource (rules without `resourceNames`).
    fn verbs(role: &Role, group: &str, resource: &str) -> BTreeSet<String> {
        role.rules
            .iter()
            .flatten()
            .filter(|r| {
                r.api_groups.as_deref() == Some(&[group.to_owned()][..])
                    && r.resources.iter().flatten().any(|x| x == resource)
                    && r.resource_names.is_none()
            })
            .flat_map(|r| r.verbs.clone())
            .collect()
    }

    #[test]
    fn roles_grant_what_each_audience_needs_and_no_more() {
        let c = resolve(&Inputs::profile("medium")).unwrap();
        let roles = roles(&c);
        let by = |n: &str| {
            roles
                .iter()
                .find(|r| r.metadata.name.as_deref() == Some(n))
                .unwrap()
        };
        let (admin, dev, viewer, op) = (
            by("ozone-admin"),
            by("ozone-developer"),
            by("ozone-viewer"),
            by("ozone-operator"),
        );
        assert!(verbs(admin, "", "pods/exec").contains("create"));
        assert!(verbs(admin, "apps", "statefulsets/scale").contains("patch"));
        assert!(verbs(dev, "", "pods/log").contains("get"));
        assert!(verbs(dev, "", "pods/portforward").contains("create"));
        assert!(verbs(dev, "", "secrets").is_empty() && verbs(viewer, "", "secrets").is_empty());
        assert!(verbs(viewer, "", "pods/log").is_empty());
        assert_eq!(
            verbs(viewer, "", "pods"),
            BTreeSet::from(["get".into(), "list".into(), "watch".into()])
        );
        for ((group, resource, own), need) in permissions::union() {
            if own {
                continue;
            }
            let have = verbs(op, group, resource);
            assert!(
                need.iter().all(|v| have.contains(*v)),
                "operator lacks {need:?} on {group}/{resource}"
            );
            let admin_has = verbs(admin, group, resource);
            assert!(
                need.iter().all(|v| admin_has.contains(*v)),
                "admin lacks {need:?} on {group}/{resource}"
            );
        }
        let own = own_role_names(&c);
        let rendered: BTreeSet<String> = roles
            .iter()
            .filter_map(|r| r.metadata.name.clone())
            .collect();
        assert!(rendered.iter().all(|n| own.contains(n)), "{own:?}");
        for role in &roles {
            let name = role.metadata.name.as_deref().unwrap();
            for rule in role.rules.iter().flatten() {
                for v in &rule.verbs {
                    assert!(!["*", "impersonate"].contains(&v.as_str()), "{v}");
                    if ["escalate", "bind"].contains(&v.as_str()) {
                        // Only the Roles that run `apply`, only on the cluster's own Roles.
                        assert!(["ozone-admin", "ozone-operator"].contains(&name), "{name}");
                        assert_eq!(rule.resources.as_deref(), Some(&["roles".into()][..]));
                        assert_eq!(rule.resource_names.as_ref(), Some(&own));
                    }
                }
                assert!(rule.resources.iter().flatten().all(|r| r != "*"));
            }
        }
    }

    #[test]
    fn own_roles_are_every_role_render_can_write() {
        let c = resolve(&Inputs::with_sets(
            "medium",
            &[
                "backups.schedule=0 3 * * *",
                "backups.keep=7",
                "backups.storage.size=50Gi",
                "rbac.bindings.developer[0].kind=Group",
                "rbac.bindings.developer[0].name=devs",
            ],
        ))
        .unwrap();
        let manifest = crate::objects::render(&c).unwrap();
        let own = own_role_names(&c);
        let mut written = BTreeSet::new();
        for o in manifest.objects() {
            match o.kind.as_str() {
                "Role" => written.insert(o.name.clone()),
                "RoleBinding" => {
                    written.insert(o.value["roleRef"]["name"].as_str().unwrap().to_owned())
                }
                _ => false,
            };
        }
        assert!(written.contains("ozone-backups"), "{written:?}");
        for name in &written {
            assert!(own.contains(name), "{name} is not among {own:?}");
        }
    }

    #[test]
    fn bindings_follow_the_spec() {
        let c = resolve(&Inputs::with_sets(
            "medium",
            &[
                "rbac.bindings.admin[0].kind=Group",
                "rbac.bindings.admin[0].name=storage-admins",
                "rbac.bindings.viewer[0].kind=ServiceAccount",
                "rbac.bindings.viewer[0].name=grafana",
                "rbac.bindings.operator[0].kind=ServiceAccount",
                "rbac.bindings.operator[0].name=ci",
            ],
        ))
        .unwrap();
        let bindings = role_bindings(&c);
        assert_eq!(bindings.len(), 3);
        let operator = &bindings[2];
        assert_eq!(operator.role_ref.name, "ozone-operator");
        assert_eq!(operator.subjects.as_ref().unwrap()[0].name, "ci");
        assert!(
            roles(&c)
                .iter()
                .any(|r| r.metadata.name.as_deref() == Some("ozone-operator")),
            "the operator binding points at a Role that is rendered"
        );
        let admin = &bindings[0];
        assert_eq!(admin.role_ref.name, "ozone-admin");
        assert_eq!(admin.subjects.as_ref().unwrap()[0].name, "storage-admins");
        let viewer = &bindings[1].subjects.as_ref().unwrap()[0];
        assert_eq!(
            (
                viewer.kind.as_str(),
                viewer.namespace.as_deref(),
                viewer.api_group.as_deref()
            ),
            ("ServiceAccount", Some("ozone"), None)
        );
    }
}
