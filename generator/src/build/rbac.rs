//! Roles for people (`<cluster>-admin`, `-developer`, `-viewer`), the Role the day-2 commands
//! need (`<cluster>-operator`, from [`crate::permissions`]), and RoleBindings for the subjects
//! the spec names. Namespaced, explicit verbs and resources: no wildcards, and nothing that can
//! grant more (`escalate`, `bind`, `impersonate`).

use super::meta;
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
    for ((group, resource), verbs) in permissions::union() {
        grant(&mut g, group, resource, &verbs);
    }
    g
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

/// The Roles, when the spec asks for them.
pub fn roles(cluster: &Cluster) -> Vec<Role> {
    if !cluster.rbac.roles {
        return Vec::new();
    }
    let names = cluster.names();
    [
        ("admin", admin()),
        ("developer", developer()),
        ("viewer", viewer()),
        ("operator", operator()),
    ]
    .into_iter()
    .map(|(suffix, grants)| Role {
        metadata: meta(
            &format!("{}-{suffix}", names.cluster()),
            &cluster.namespace,
            names.cluster_labels(&cluster.version),
        ),
        rules: Some(rules(grants)),
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

    fn verbs(role: &Role, group: &str, resource: &str) -> BTreeSet<String> {
        role.rules
            .iter()
            .flatten()
            .filter(|r| {
                r.api_groups.as_deref() == Some(&[group.to_owned()][..])
                    && r.resources.iter().flatten().any(|x| x == resource)
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
        for ((group, resource), need) in permissions::union() {
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
        for role in &roles {
            for rule in role.rules.iter().flatten() {
                for v in &rule.verbs {
                    assert!(
                        !["*", "escalate", "bind", "impersonate"].contains(&v.as_str()),
                        "{v}"
                    );
                }
                assert!(rule.resources.iter().flatten().all(|r| r != "*"));
            }
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
