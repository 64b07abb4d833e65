//! RBAC for the fake API server, as a real one enforces it for a subject bound to one Role:
//! the authorizer (a request passes when a rule grants its verb on its resource in the
//! namespace — and its name, for rules with `resourceNames`; nothing cluster-scoped passes)
//! and the escalation check on writes of Roles and RoleBindings (dry runs included). Refusals
//! are worded as Kubernetes 1.35 words them, so the plugin's error mapping sees what a real
//! cluster sends. Set [`super::ApiState::rbac`] to turn it on.

use super::{ApiState, merge, status, stored};
use http::{Method, Response, StatusCode};
use k8s_openapi::api::rbac::v1::PolicyRule;
use kube::client::Body;
use serde_json::Value;
use std::collections::BTreeMap;

/// The subject every refusal names.
const USER: &str = "jane";
const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// What the authorizer checks for one request.
struct Attributes {
    verbs: Vec<&'static str>,
    group: String,
    resource: String,
    name: Option<String>,
    namespace: Option<String>,
}

fn attributes(method: &Method, parts: &[&str]) -> Option<Attributes> {
    let (group, rest, namespace) = match parts {
        ["api", "v1", "namespaces", ns, rest @ ..] if !rest.is_empty() => ("", rest, Some(*ns)),
        ["apis", g, _, "namespaces", ns, rest @ ..] if !rest.is_empty() => (*g, rest, Some(*ns)),
        ["api", "v1", rest @ ..] if !rest.is_empty() => ("", rest, None),
        ["apis", g, _, rest @ ..] if !rest.is_empty() => (*g, rest, None),
        // Discovery and /version: every authenticated user may.
        _ => return None,
    };
    let (resource, name) = match rest {
        [r] => (r.to_string(), None),
        [r, n] => (r.to_string(), Some(n.to_string())),
        [r, n, sub, ..] => (format!("{r}/{sub}"), Some(n.to_string())),
        [] => return None,
    };
    let verbs = match (method, &name) {
        // The exec WebSocket is a GET; Kubernetes 1.35 checks `create` as well.
        (&Method::GET, Some(_)) if resource == "pods/exec" => vec!["get", "create"],
        (&Method::GET, None) => vec!["list"],
        (&Method::GET, Some(_)) => vec!["get"],
        (&Method::POST, _) => vec!["create"],
        (&Method::PUT, _) => vec!["update"],
        (&Method::PATCH, _) => vec!["patch"],
        (&Method::DELETE, None) => vec!["deletecollection"],
        (&Method::DELETE, Some(_)) => vec!["delete"],
        _ => vec![],
    };
    Some(Attributes {
        verbs,
        group: group.to_owned(),
        resource,
        name,
        namespace: namespace.map(str::to_owned),
    })
}

fn listed(list: &Option<Vec<String>>, value: &str) -> bool {
    list.iter().flatten().any(|v| v == value)
}

/// Whether a rule of `rules` grants `verb` on `group`/`resource` (named `name`).
fn allows(
    rules: &[PolicyRule],
    verb: &str,
    group: &str,
    resource: &str,
    name: Option<&str>,
) -> bool {
    rules.iter().any(|r| {
        listed(&r.api_groups, group)
            && listed(&r.resources, resource)
            && r.verbs.iter().any(|v| v == verb)
            && match &r.resource_names {
                None => true,
                Some(names) => name.is_some_and(|n| names.iter().any(|x| x == n)),
            }
    })
}

fn refused(message: String) -> Response<Body> {
    status(StatusCode::FORBIDDEN, "Forbidden", &message)
}

fn qualified(group: &str, resource: &str) -> String {
    let base = resource.split('/').next().unwrap_or(resource);
    if group.is_empty() {
        base.to_owned()
    } else {
        format!("{base}.{group}")
    }
}

/// The authorizer's answer, or `None` when the request passes.
fn authorize(
    st: &ApiState,
    rules: &[PolicyRule],
    method: &Method,
    parts: &[&str],
    is_apply: bool,
) -> Option<Response<Body>> {
    let a = attributes(method, parts)?;
    let mut verbs = a.verbs.clone();
    // A server-side apply that creates the object is authorized as `create` too.
    if is_apply
        && let Some(name) = &a.name
        && !stored(st, &a.resource)
            .iter()
            .any(|o| o["metadata"]["name"] == name.as_str())
    {
        verbs.push("create");
    }
    for verb in verbs {
        let granted =
            a.namespace.is_some() && allows(rules, verb, &a.group, &a.resource, a.name.as_deref());
        if granted {
            continue;
        }
        let what = match &a.name {
            Some(n) => format!("{} \"{n}\"", qualified(&a.group, &a.resource)),
            None => qualified(&a.group, &a.resource),
        };
        let scope = match &a.namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_owned(),
        };
        return Some(refused(format!(
            "{what} is forbidden: User \"{USER}\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
            a.resource, a.group
        )));
    }
    None
}

/// The rules of `wanted` that `held` does not cover, in the escalation check's wording.
fn not_held(held: &[PolicyRule], wanted: &[PolicyRule]) -> Vec<String> {
    let mut missing: BTreeMap<(String, String, Vec<String>), Vec<String>> = BTreeMap::new();
    for rule in wanted {
        let names: Vec<Option<&str>> = match &rule.resource_names {
            Some(ns) if !ns.is_empty() => ns.iter().map(|n| Some(n.as_str())).collect(),
            _ => vec![None],
        };
        for group in rule.api_groups.iter().flatten() {
            for resource in rule.resources.iter().flatten() {
                for verb in &rule.verbs {
                    let uncovered: Vec<&Option<&str>> = names
                        .iter()
                        .filter(|n| !allows(held, verb, group, resource, **n))
                        .collect();
                    if uncovered.is_empty() {
                        continue;
                    }
                    let uncovered: Vec<String> = uncovered
                        .into_iter()
                        .filter_map(|n| n.map(str::to_owned))
                        .collect();
                    missing
                        .entry((group.clone(), resource.clone(), uncovered))
                        .or_default()
                        .push(verb.clone());
                }
            }
        }
    }
    let quote = |xs: &[String]| {
        xs.iter()
            .map(|x| format!("\"{x}\""))
            .collect::<Vec<_>>()
            .join(" ")
    };
    missing
        .into_iter()
        .map(|((group, resource, names), verbs)| {
            let names = if names.is_empty() {
                String::new()
            } else {
                format!(" ResourceNames:[{}],", quote(&names))
            };
            format!(
                "{{APIGroups:[\"{group}\"], Resources:[\"{resource}\"],{names} Verbs:[{}]}}",
                quote(&verbs)
            )
        })
        .collect()
}

fn rules_of(object: &Value) -> Vec<PolicyRule> {
    serde_json::from_value(object["rules"].clone()).unwrap_or_default()
}

/// Kubernetes' escalation check on a write of a Role or RoleBinding, or `None` when it passes.
fn escalation(
    st: &ApiState,
    rules: &[PolicyRule],
    method: &Method,
    parts: &[&str],
    body: &Value,
) -> Option<Response<Body>> {
    let (resource, name) = match parts {
        ["apis", RBAC_GROUP, _, "namespaces", _, resource, rest @ ..]
            if matches!(*resource, "roles" | "rolebindings")
                && matches!(*method, Method::POST | Method::PUT | Method::PATCH) =>
        {
            let name = rest
                .first()
                .map(|n| n.to_string())
                .or_else(|| body["metadata"]["name"].as_str().map(str::to_owned))?;
            (*resource, name)
        }
        _ => return None,
    };
    let existing = stored(st, resource)
        .into_iter()
        .find(|o| o["metadata"]["name"] == name.as_str());
    let written = match (&existing, method) {
        (Some(e), &Method::PATCH) => {
            let mut o = e.clone();
            merge(&mut o, body);
            o
        }
        _ => body.clone(),
    };
    // Writing what is stored already changes nothing, and passes.
    if existing.as_ref() == Some(&written) {
        return None;
    }
    let missing = if resource == "roles" {
        if allows(rules, "escalate", RBAC_GROUP, "roles", Some(&name)) {
            return None;
        }
        not_held(rules, &rules_of(&written))
    } else {
        let role = written["roleRef"]["name"].as_str().unwrap_or_default();
        if allows(rules, "bind", RBAC_GROUP, "roles", Some(role)) {
            return None;
        }
        let bound = stored(st, "roles")
            .into_iter()
            .find(|o| o["metadata"]["name"] == role)
            .map(|o| rules_of(&o))
            .unwrap_or_default();
        not_held(rules, &bound)
    };
    if missing.is_empty() {
        return None;
    }
    Some(refused(format!(
        "{resource}.{RBAC_GROUP} \"{name}\" is forbidden: user \"{USER}\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{}",
        missing.join("\n")
    )))
}

/// The API server's RBAC answer to a request, or `None` when it may go on.
pub(super) fn check(
    st: &ApiState,
    req: &http::request::Parts,
    parts: &[&str],
    body: &Value,
) -> Option<Response<Body>> {
    let rules = st.rbac.as_ref()?;
    let is_apply = req
        .headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/apply-patch"));
    authorize(st, rules, &req.method, parts, is_apply)
        .or_else(|| escalation(st, rules, &req.method, parts, body))
}
