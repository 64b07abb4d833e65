//! What each day-2 command needs from the Kubernetes API: one table that the plugin documents
//! (`README.md`), that render turns into the `<cluster>-operator` Role, and that a test keeps
//! in step with the README. All namespaced: no command needs cluster-wide access. `doctor -f`
//! (checks before an install) also reads cluster-scoped objects — namespaces, nodes,
//! StorageClasses — which a namespaced Role cannot grant; without them those checks report
//! `not-checked` (README "Troubleshooting" shows the ClusterRole).
//!
//! `apply` writes Roles and RoleBindings, and Kubernetes refuses to write a Role with rules
//! the writer does not hold, or to bind a Role whose rules it does not hold, unless it has
//! `escalate` (Roles) or `bind` (the bound Role) — its RBAC escalation check. The day-2
//! Roles grant far more than the commands need (watch, logs, port-forward, Secrets), so
//! `apply` and `diff` (whose dry runs pass the same check) need `bind` and `escalate`, limited
//! by `resourceNames` to the Roles render writes for the cluster ([`Rule::own_roles`]).

use std::collections::BTreeMap;

/// Permission on one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// API group (`""` for the core group).
    pub api_group: &'static str,
    /// Resource, with subresource (`pods/exec`).
    pub resource: &'static str,
    /// Verbs.
    pub verbs: &'static [&'static str],
    /// Only on the Roles render writes for the cluster (`resourceNames`: `<cluster>-admin`,
    /// `-developer`, `-viewer`, `-operator`, `-backups`), not on every object of the
    /// resource.
    pub own_roles: bool,
}

/// What one command needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandPermissions {
    /// The command, as typed after `kubectl ozone`.
    pub command: &'static str,
    /// Rules.
    pub rules: &'static [Rule],
}

const fn core(resource: &'static str, verbs: &'static [&'static str]) -> Rule {
    Rule {
        api_group: "",
        resource,
        verbs,
        own_roles: false,
    }
}

const fn apps(resource: &'static str, verbs: &'static [&'static str]) -> Rule {
    Rule {
        api_group: "apps",
        resource,
        verbs,
        own_roles: false,
    }
}

const fn cert_manager(resource: &'static str, verbs: &'static [&'static str]) -> Rule {
    Rule {
        api_group: "cert-manager.io",
        resource,
        verbs,
        own_roles: false,
    }
}

const fn group(
    api_group: &'static str,
    resource: &'static str,
    verbs: &'static [&'static str],
) -> Rule {
    Rule {
        api_group,
        resource,
        verbs,
        own_roles: false,
    }
}

/// `diff`: read each rendered object and ask for a server-side apply dry run (authorized as
/// `patch`), list what may be pruned.
const DIFF_OBJECTS: &[&str] = &["get", "list", "patch"];
/// `apply`: the same, for real, plus creating new objects and pruning old ones.
const APPLY_OBJECTS: &[&str] = &["create", "delete", "get", "list", "patch"];

const LIST: &[&str] = &["list"];
const GET: &[&str] = &["get"];
/// Running the Ozone CLI in a pod. The exec WebSocket is a GET that Kubernetes before 1.35
/// authorizes as `get` on `pods/exec`; 1.35 and later also require `create`.
const EXEC: Rule = core("pods/exec", &["create", "get"]);

/// `bind` and `escalate` on the cluster's own Roles: writing a Role or a RoleBinding whose
/// rules the writer does not hold (module header). Dry runs are checked too.
const OWN_ROLES: Rule = Rule {
    api_group: "rbac.authorization.k8s.io",
    resource: "roles",
    verbs: &["bind", "escalate"],
    own_roles: true,
};

/// The engine lock of every command that changes the cluster: a Lease `<cluster>-engine-lock`
/// created, renewed (update) and deleted when done; read when someone else holds it.
const LOCK: Rule = group(
    "coordination.k8s.io",
    "leases",
    &["create", "delete", "get", "update"],
);
/// Whether the operator manages the cluster: its `OzoneCluster` resource read (a command that
/// may not read it treats the cluster as not managed).
const MANAGED: Rule = group("ozone.apache.org", "ozoneclusters", GET);
/// [`MANAGED`], and the resource written when the operator manages the cluster: `restart` and
/// `cert rotate` set an annotation, `apply` server-side applies the spec.
const MANAGED_REQUEST: Rule = group("ozone.apache.org", "ozoneclusters", &["get", "patch"]);

/// `recover om|scm POD`: the pod template set (hold, bootstrap, restored: get + update) and
/// the progress recorded (patch of an annotation) on the StatefulSet, the pod deleted, its
/// metadata emptied and the Raft roles read through exec, the metadata directories read from
/// the ConfigMap.
const RECOVER_MEMBER: &[Rule] = &[
    core("pods", &["delete", "list"]),
    core("persistentvolumeclaims", LIST),
    core("configmaps", GET),
    apps("statefulsets", &["get", "list", "patch", "update"]),
    apps("deployments", LIST),
    EXEC,
    MANAGED,
    LOCK,
];

/// Every day-2 command and what it needs. Reads are label-selected lists (never one
/// request per pod); the cluster's ConfigMap is read for the replication in use.
pub const COMMANDS: &[CommandPermissions] = &[
    CommandPermissions {
        command: "status",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            EXEC,
            MANAGED,
        ],
    },
    CommandPermissions {
        command: "datanode list",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "datanode decommission, recommission, maintenance",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            EXEC,
            MANAGED,
            LOCK,
        ],
    },
    CommandPermissions {
        command: "datanode scale-down",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", &["list", "delete"]),
            core("configmaps", GET),
            apps("statefulsets", LIST),
            apps("statefulsets/scale", &["patch"]),
            apps("deployments", LIST),
            EXEC,
            MANAGED,
            LOCK,
        ],
    },
    CommandPermissions {
        command: "snapshot create, list, info, rename, delete, diff",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "cert issue",
        rules: &[
            core("pods", &["list", "patch"]),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            core("secrets", &["get", "create", "update"]),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            MANAGED,
            LOCK,
        ],
    },
    CommandPermissions {
        command: "cert status",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            core("secrets", GET),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "cert rotate",
        rules: &[
            core("pods", &["list", "delete", "patch"]),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            core("secrets", &["get", "update"]),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            cert_manager("certificates", GET),
            cert_manager("certificates/status", &["update"]),
            EXEC,
            MANAGED_REQUEST,
            LOCK,
        ],
    },
    CommandPermissions {
        command: "diff",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            core("serviceaccounts", DIFF_OBJECTS),
            core("configmaps", DIFF_OBJECTS),
            core("services", DIFF_OBJECTS),
            apps("statefulsets", DIFF_OBJECTS),
            apps("deployments", DIFF_OBJECTS),
            group("rbac.authorization.k8s.io", "roles", DIFF_OBJECTS),
            group("rbac.authorization.k8s.io", "rolebindings", DIFF_OBJECTS),
            OWN_ROLES,
            group("networking.k8s.io", "networkpolicies", DIFF_OBJECTS),
            group("policy", "poddisruptionbudgets", DIFF_OBJECTS),
            group("batch", "cronjobs", DIFF_OBJECTS),
            cert_manager("issuers", DIFF_OBJECTS),
            cert_manager("certificates", DIFF_OBJECTS),
            group("monitoring.coreos.com", "servicemonitors", DIFF_OBJECTS),
            group("monitoring.coreos.com", "prometheusrules", DIFF_OBJECTS),
        ],
    },
    CommandPermissions {
        command: "apply",
        rules: &[
            core("pods", &["delete", "list", "patch"]),
            core("persistentvolumeclaims", &["list", "patch"]),
            core("serviceaccounts", APPLY_OBJECTS),
            core("configmaps", APPLY_OBJECTS),
            core("services", APPLY_OBJECTS),
            // update: ring growth sets the OM pod template for a bootstrap, then restores it.
            apps(
                "statefulsets",
                &["create", "delete", "get", "list", "patch", "update"],
            ),
            apps("statefulsets/scale", &["patch"]),
            apps("deployments", APPLY_OBJECTS),
            group("rbac.authorization.k8s.io", "roles", APPLY_OBJECTS),
            group("rbac.authorization.k8s.io", "rolebindings", APPLY_OBJECTS),
            OWN_ROLES,
            group("networking.k8s.io", "networkpolicies", APPLY_OBJECTS),
            group("policy", "poddisruptionbudgets", APPLY_OBJECTS),
            group("batch", "cronjobs", APPLY_OBJECTS),
            cert_manager("issuers", APPLY_OBJECTS),
            cert_manager("certificates", APPLY_OBJECTS),
            group("monitoring.coreos.com", "servicemonitors", APPLY_OBJECTS),
            group("monitoring.coreos.com", "prometheusrules", APPLY_OBJECTS),
            EXEC,
            MANAGED_REQUEST,
            LOCK,
        ],
    },
    CommandPermissions {
        command: "restart",
        rules: &[
            core("pods", &["delete", "list", "patch"]),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            apps("statefulsets", &["list", "patch"]),
            apps("deployments", &["list", "patch"]),
            EXEC,
            MANAGED_REQUEST,
            LOCK,
        ],
    },
    CommandPermissions {
        command: "recover om",
        rules: RECOVER_MEMBER,
    },
    CommandPermissions {
        command: "recover scm",
        rules: RECOVER_MEMBER,
    },
    CommandPermissions {
        command: "upgrade",
        rules: &[
            core("pods", &["list", "delete"]),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            apps("statefulsets", &["list", "patch"]),
            apps("statefulsets/scale", &["patch"]),
            apps("deployments", &["list", "patch"]),
            apps("deployments/scale", &["patch"]),
            EXEC,
            MANAGED,
            LOCK,
        ],
    },
    CommandPermissions {
        command: "upgrade status",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "upgrade finalize",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            apps("statefulsets", &["list", "patch"]),
            apps("deployments", LIST),
            EXEC,
            MANAGED,
            LOCK,
        ],
    },
    CommandPermissions {
        command: "backup create",
        rules: &[
            core("pods", LIST),
            core("pods/proxy", GET),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "backup list",
        rules: &[
            core("configmaps", GET),
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
        ],
    },
    CommandPermissions {
        command: "recover --from",
        rules: &[
            core("pods", &["list", "get", "create", "delete"]),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            apps("statefulsets", &["list", "patch"]),
            apps("statefulsets/scale", &["patch"]),
            apps("deployments", &["list", "patch"]),
            apps("deployments/scale", &["patch"]),
            EXEC,
            MANAGED,
            LOCK,
        ],
    },
    CommandPermissions {
        command: "doctor",
        rules: &[
            core("pods", LIST),
            core("pods/log", GET),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            core("secrets", GET),
            core("events", LIST),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            group("networking.k8s.io", "networkpolicies", LIST),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "report",
        rules: &[
            core("pods", LIST),
            core("pods/log", GET),
            core("pods/proxy", GET),
            core("persistentvolumeclaims", LIST),
            core("configmaps", &["get", "list"]),
            core("secrets", &["get", "list"]),
            core("services", LIST),
            core("events", LIST),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            group("networking.k8s.io", "networkpolicies", LIST),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "completion (kubectl_complete-ozone: cluster and datanode names)",
        rules: &[core("pods", LIST), apps("statefulsets", LIST)],
    },
    CommandPermissions {
        command: "s3 endpoint, s3 volume",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            core("services", GET),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
        ],
    },
    CommandPermissions {
        command: "s3 bucket create, list",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            EXEC,
        ],
    },
    CommandPermissions {
        // The Secret may live in an application's namespace (--secret-namespace): the same
        // secrets verbs are then needed there.
        command: "s3 credentials",
        rules: &[
            core("pods", LIST),
            core("persistentvolumeclaims", LIST),
            core("configmaps", GET),
            core("services", GET),
            core("secrets", &["get", "create", "update"]),
            apps("statefulsets", LIST),
            apps("deployments", LIST),
            EXEC,
        ],
    },
];

/// `(group, resource, own roles only)`, as [`union`] keys its rules.
pub type RuleKey = (&'static str, &'static str, bool);

/// The union of every command's rules: `(group, resource, own roles only) → verbs`, sorted.
pub fn union() -> BTreeMap<RuleKey, Vec<&'static str>> {
    let mut out: BTreeMap<RuleKey, Vec<&str>> = BTreeMap::new();
    for c in COMMANDS {
        for r in c.rules {
            let verbs = out
                .entry((r.api_group, r.resource, r.own_roles))
                .or_default();
            for v in r.verbs {
                if !verbs.contains(v) {
                    verbs.push(v);
                }
            }
            verbs.sort_unstable();
        }
    }
    out
}

/// The table as Markdown, as the README shows it.
pub fn markdown_table() -> String {
    let mut out = String::from("| command | needs (namespaced) |\n|---|---|\n");
    for c in COMMANDS {
        let needs: Vec<String> = c
            .rules
            .iter()
            .map(|r| {
                let group = if r.api_group.is_empty() {
                    String::new()
                } else {
                    format!("{}/", r.api_group)
                };
                let only = if r.own_roles {
                    " (only the cluster's own Roles, by `resourceNames`)"
                } else {
                    ""
                };
                format!("`{}` {group}{}{only}", r.verbs.join(","), r.resource)
            })
            .collect();
        out.push_str(&format!("| `{}` | {} |\n", c.command, needs.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_wildcards_and_exec_only_where_needed() {
        for c in COMMANDS {
            // A '|' would split the README's Markdown table cell.
            assert!(!c.command.contains('|'), "{}", c.command);
            for r in c.rules {
                assert!(
                    !r.resource.contains('*') && !r.verbs.contains(&"*"),
                    "{}",
                    c.command
                );
            }
        }
        let all = union();
        assert_eq!(all[&("", "pods/exec", false)], vec!["create", "get"]);
        // Scaling goes through the scale subresource; only apply writes StatefulSets.
        assert_eq!(
            all[&("apps", "statefulsets", false)],
            vec!["create", "delete", "get", "list", "patch", "update"]
        );
        assert_eq!(all[&("apps", "statefulsets/scale", false)], vec!["patch"]);
        // Nothing writes Secrets but the cert and s3 credentials commands; apply never prunes
        // them; `report` lists them to know which values to scrub.
        assert_eq!(
            all[&("", "secrets", false)],
            vec!["create", "get", "list", "update"]
        );
        // What can grant more is limited to the cluster's own Roles, and only the commands
        // that write Roles and RoleBindings (or dry-run them) have it.
        let rbac = "rbac.authorization.k8s.io";
        assert_eq!(all[&(rbac, "roles", true)], vec!["bind", "escalate"]);
        for ((_, _, own), verbs) in &all {
            for v in ["bind", "escalate", "impersonate"] {
                assert!(!verbs.contains(&v) || *own, "{v} on every object");
            }
        }
        let granting: Vec<&str> = COMMANDS
            .iter()
            .filter(|c| c.rules.iter().any(|r| r.own_roles))
            .map(|c| c.command)
            .collect();
        assert_eq!(granting, ["diff", "apply"]);
    }
}
