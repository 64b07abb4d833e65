//! API errors in words a user can act on. A 403 names its real cause: the verb, resource and
//! namespace the authorizer refused (conventions §(b) 10), Kubernetes' RBAC escalation check
//! (a Role or RoleBinding that would grant what the writer does not hold — the verb itself was
//! allowed, so naming it would send the user after a permission they have), or an admission
//! plugin (Pod Security, quota).

use thiserror::Error;

/// The text of the escalation check's refusal (`k8s.io/kubernetes/pkg/registry/rbac/validation`
/// `ConfirmNoEscalation`), followed by the rules the writer lacks, one per line.
const ESCALATION: &str = "attempting to grant RBAC permissions not currently held";

/// How many of the missing rules an escalation error names; the rest are counted.
const SHOWN_RULES: usize = 4;

/// A failed Kubernetes API request.
#[derive(Debug, Error)]
pub enum ApiError {
    /// RBAC denied the request.
    #[error(
        "forbidden: kubectl-ozone needs {verb} on {resource} in namespace {namespace} (the <cluster>-operator Role that `kubectl ozone render` writes grants what every day-2 command needs): {message}"
    )]
    Forbidden {
        /// The verb.
        verb: &'static str,
        /// The resource, with group and subresource.
        resource: &'static str,
        /// The namespace.
        namespace: String,
        /// The API server's message.
        message: String,
    },
    /// Kubernetes' RBAC escalation check refused to write a Role (rules the writer does not
    /// hold, and no `escalate` on it) or a RoleBinding (a Role whose rules the writer does not
    /// hold, and no `bind` on it).
    #[error("{}", escalation_message(.kind, .name, .namespace, .missing))]
    Escalation {
        /// `Role` or `RoleBinding`.
        kind: &'static str,
        /// Its name.
        name: String,
        /// The namespace.
        namespace: String,
        /// The rules the writer lacks, as `verbs resource` (`list pods/log`).
        missing: Vec<String>,
    },
    /// Refused with 403 by something other than RBAC: an admission plugin such as Pod
    /// Security or a ResourceQuota. The message says which and why.
    #[error("the API server refused to {verb} {resource} in namespace {namespace}: {message}")]
    Refused {
        /// The verb.
        verb: &'static str,
        /// The resource.
        resource: &'static str,
        /// The namespace.
        namespace: String,
        /// The API server's message.
        message: String,
    },
    /// Anything else. The cause is printed by the error chain, so it is not repeated here.
    #[error("cannot {verb} {resource} in namespace {namespace}")]
    Other {
        /// The verb.
        verb: &'static str,
        /// The resource.
        resource: &'static str,
        /// The namespace.
        namespace: String,
        /// The client error.
        #[source]
        source: kube::Error,
    },
}

fn escalation_message(kind: &str, name: &str, namespace: &str, missing: &[String]) -> String {
    let (what, verb) = if kind == "RoleBinding" {
        ("the Role it binds grants", "bind` on that Role")
    } else {
        ("it grants", "escalate` on it")
    };
    let mut rules = missing
        .iter()
        .take(SHOWN_RULES)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if missing.len() > SHOWN_RULES {
        rules.push_str(&format!("; and {} more", missing.len() - SHOWN_RULES));
    }
    format!(
        "Kubernetes' RBAC escalation check refused {kind} {name} in namespace {namespace}: {what} permissions you do not hold ({rules}), and you lack `{verb}. The <cluster>-operator and <cluster>-admin Roles that `kubectl ozone render` writes have `bind` and `escalate` on the cluster's own Roles: bind one of those, or, if yours comes from an older render, have an administrator apply the render once"
    )
}

/// Classifies a client error for a request of `verb` on `resource`.
pub fn classify(
    err: kube::Error,
    verb: &'static str,
    resource: &'static str,
    namespace: &str,
) -> ApiError {
    match err {
        kube::Error::Api(status) if status.code == 403 => {
            forbidden(&status.message, verb, resource, namespace)
        }
        source => ApiError::Other {
            verb,
            resource,
            namespace: namespace.to_owned(),
            source,
        },
    }
}

/// Which of the three kinds of 403 `message` is.
fn forbidden(
    message: &str,
    verb: &'static str,
    resource: &'static str,
    namespace: &str,
) -> ApiError {
    let namespace = namespace.to_owned();
    let message = message.to_owned();
    if let Some((_, rules)) = message.split_once(ESCALATION) {
        let kind = if resource.starts_with("rolebindings") {
            "RoleBinding"
        } else {
            "Role"
        };
        return ApiError::Escalation {
            kind,
            // `rolebindings.rbac.authorization.k8s.io "NAME" is forbidden: …`
            name: message.split('"').nth(1).unwrap_or_default().to_owned(),
            namespace,
            missing: rules.lines().filter_map(missing_rule).collect(),
        };
    }
    // The authorizer's refusal: `User "jane" cannot patch resource "pods" …`. Admission
    // plugins word theirs otherwise (`violates PodSecurity …`, `exceeded quota …`).
    if message.contains(" cannot ") {
        ApiError::Forbidden {
            verb,
            resource,
            namespace,
            message,
        }
    } else {
        ApiError::Refused {
            verb,
            resource,
            namespace,
            message,
        }
    }
}

/// One rule of the escalation check's list, `{APIGroups:["apps"], Resources:["statefulsets"],
/// Verbs:["watch"]}`, as `watch apps/statefulsets`; `None` for other lines.
fn missing_rule(line: &str) -> Option<String> {
    let line = line.trim();
    let body = line.strip_prefix('{')?.strip_suffix('}')?;
    let field = |name: &str| -> Vec<String> {
        body.split_once(&format!("{name}:["))
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(list, _)| {
                list.split(' ')
                    .map(|s| s.trim_matches('"').to_owned())
                    .filter(|s| !s.is_empty() || name == "APIGroups")
                    .collect()
            })
            .unwrap_or_default()
    };
    let verbs = field("Verbs");
    if verbs.is_empty() {
        // Non-resource URLs and anything else: as the server wrote it.
        return Some(line.to_owned());
    }
    let groups = field("APIGroups");
    let resources = field("Resources");
    let names = field("ResourceNames");
    let on: Vec<String> = resources
        .iter()
        .flat_map(|r| {
            groups.iter().map(move |g| {
                if g.is_empty() {
                    r.clone()
                } else {
                    format!("{g}/{r}")
                }
            })
        })
        .collect();
    let mut out = format!("{} {}", verbs.join(","), on.join(","));
    if !names.is_empty() {
        out.push_str(&format!(" named {}", names.join(",")));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(message: &str) -> kube::Error {
        kube::Error::Api(
            kube::core::Status::failure(message, "Forbidden")
                .with_code(403)
                .boxed(),
        )
    }

    /// The API server's answer to creating the developer RoleBinding as a subject of an
    /// operator Role without `bind` (harness, Kubernetes 1.35).
    const BINDING_REFUSED: &str = "rolebindings.rbac.authorization.k8s.io \"ozone-developer\" is forbidden: user \"rbac-op\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"watch\"]}\n{APIGroups:[\"\"], Resources:[\"endpoints\"], Verbs:[\"get\" \"list\" \"watch\"]}\n{APIGroups:[\"\"], Resources:[\"pods/log\"], Verbs:[\"list\"]}\n{APIGroups:[\"\"], Resources:[\"pods/portforward\"], Verbs:[\"create\"]}\n{APIGroups:[\"apps\"], Resources:[\"replicasets\"], Verbs:[\"get\" \"list\" \"watch\"]}\n{APIGroups:[\"batch\"], Resources:[\"jobs\"], Verbs:[\"get\" \"list\" \"watch\"]}";

    #[test]
    fn an_escalation_refusal_names_the_check_and_the_missing_bind_not_patch() {
        let e = classify(
            status(BINDING_REFUSED),
            "patch",
            "rolebindings",
            "wt-rbac-x",
        );
        let ApiError::Escalation {
            kind,
            name,
            missing,
            ..
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!((*kind, name.as_str()), ("RoleBinding", "ozone-developer"));
        assert_eq!(
            missing,
            &[
                "watch configmaps",
                "get,list,watch endpoints",
                "list pods/log",
                "create pods/portforward",
                "get,list,watch apps/replicasets",
                "get,list,watch batch/jobs",
            ]
        );
        let text = e.to_string();
        assert!(
            text.starts_with(
                "Kubernetes' RBAC escalation check refused RoleBinding ozone-developer in namespace wt-rbac-x: the Role it binds grants permissions you do not hold (watch configmaps; get,list,watch endpoints; list pods/log; create pods/portforward; and 2 more), and you lack `bind` on that Role."
            ),
            "{text}"
        );
        assert!(!text.contains("needs patch"), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }

    #[test]
    fn a_role_refusal_asks_for_escalate() {
        let message = "roles.rbac.authorization.k8s.io \"ozone-admin\" is forbidden: user \"ci\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"delete\" \"list\"]}\n{APIGroups:[\"rbac.authorization.k8s.io\"], Resources:[\"roles\"], ResourceNames:[\"ozone-admin\" \"ozone-viewer\"], Verbs:[\"bind\" \"escalate\"]}";
        let e = classify(status(message), "patch", "roles", "ns");
        let text = e.to_string();
        assert!(
            text.starts_with("Kubernetes' RBAC escalation check refused Role ozone-admin in namespace ns: it grants permissions you do not hold (delete,list secrets; bind,escalate rbac.authorization.k8s.io/roles named ozone-admin,ozone-viewer), and you lack `escalate` on it."),
            "{text}"
        );
    }

    #[test]
    fn the_authorizer_names_the_verb_and_admission_its_reason() {
        let e = classify(
            status(
                "pods \"ozone-scm-0\" is forbidden: User \"jane\" cannot delete resource \"pods\" in API group \"\" in the namespace \"ozone\"",
            ),
            "delete",
            "pods",
            "ozone",
        );
        assert!(
            matches!(e, ApiError::Forbidden { verb: "delete", .. }),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .contains("needs delete on pods in namespace ozone")
        );
        let e = classify(
            status(
                "pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\": runAsNonRoot != true",
            ),
            "create",
            "pods",
            "ozone",
        );
        assert!(matches!(e, ApiError::Refused { .. }), "{e:?}");
        assert!(!e.to_string().contains("needs create"), "{e}");
        assert!(e.to_string().contains("violates PodSecurity"), "{e}");
    }
}
