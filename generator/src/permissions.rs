//! What each day-2 command needs from the Kubernetes API: one table that the plugin documents
//! (`README.md`), that render turns into the `<cluster>-operator` Role, and that a test keeps
//! in step with the README. All namespaced: no command needs cluster-wide access.

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
    }
}

const fn apps(resource: &'static str, verbs: &'static [&'static str]) -> Rule {
    Rule {
        api_group: "apps",
        resource,
        verbs,
    }
}

const READ: &[&str] = &["get", "list"];
/// Running the Ozone CLI in a pod.
const EXEC: Rule = core("pods/exec", &["create"]);

/// Every day-2 command and what it needs.
pub const COMMANDS: &[CommandPermissions] = &[
    CommandPermissions {
        command: "status",
        rules: &[
            core("pods", READ),
            core("persistentvolumeclaims", READ),
            apps("statefulsets", READ),
            apps("deployments", READ),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "datanode list",
        rules: &[
            core("pods", READ),
            core("persistentvolumeclaims", READ),
            apps("statefulsets", READ),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "datanode decommission, recommission, maintenance",
        rules: &[core("pods", READ), apps("statefulsets", READ), EXEC],
    },
    CommandPermissions {
        command: "datanode scale-down",
        rules: &[
            core("pods", READ),
            core("persistentvolumeclaims", &["get", "list", "delete"]),
            apps("statefulsets", &["get", "list", "patch"]),
            apps("statefulsets/scale", &["get", "patch", "update"]),
            EXEC,
        ],
    },
    CommandPermissions {
        command: "completion (cluster and datanode names)",
        rules: &[core("pods", READ), apps("statefulsets", READ)],
    },
];

/// The union of every command's rules: `(group, resource) → verbs`, sorted.
pub fn union() -> BTreeMap<(&'static str, &'static str), Vec<&'static str>> {
    let mut out: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    for c in COMMANDS {
        for r in c.rules {
            let verbs = out.entry((r.api_group, r.resource)).or_default();
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
                format!("`{}` {group}{}", r.verbs.join(","), r.resource)
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
            for r in c.rules {
                assert!(
                    !r.resource.contains('*') && !r.verbs.contains(&"*"),
                    "{}",
                    c.command
                );
            }
        }
        let all = union();
        assert_eq!(all[&("", "pods/exec")], vec!["create"]);
        assert_eq!(all[&("apps", "statefulsets")], vec!["get", "list", "patch"]);
    }
}
