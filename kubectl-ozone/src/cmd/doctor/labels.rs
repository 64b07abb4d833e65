//! Label selectors evaluated against labels, as the API server does for NetworkPolicies.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

/// An object's labels.
pub type Labels = BTreeMap<String, String>;

/// A label's value.
pub fn label<'a>(meta: &'a kube::core::ObjectMeta, key: &str) -> Option<&'a str> {
    ozone_engine::cluster::view::label(meta, key)
}

/// Whether a selector selects an object with these labels. The empty selector selects all;
/// an unknown operator selects nothing (the API server would have refused it).
pub fn selector_matches(selector: &LabelSelector, labels: &Labels) -> bool {
    let labels_ok = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let expressions_ok = selector.match_expressions.iter().flatten().all(|e| {
        let value = labels.get(&e.key);
        let values = e.values.clone().unwrap_or_default();
        match e.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    });
    labels_ok && expressions_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_like_the_api_server() {
        let labels: Labels =
            BTreeMap::from([("app".into(), "ozone".into()), ("c".into(), "om".into())]);
        let parse = |s: &str| ozone_generator::selector::parse(s).unwrap();
        assert!(selector_matches(&parse(""), &labels));
        assert!(selector_matches(&parse("app=ozone,c in (om,scm)"), &labels));
        assert!(!selector_matches(&parse("app=ozone,c notin (om)"), &labels));
        assert!(selector_matches(&parse("!legacy"), &labels));
        assert!(!selector_matches(&parse("legacy"), &labels));
    }
}
