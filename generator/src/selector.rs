//! Label selectors written as text, the way `kubectl get -l` takes them
//! (`team=data,tier!=test`, `env in (prod,staging)`, `!legacy`), parsed into the typed
//! `LabelSelector` NetworkPolicies use.

use crate::spec::resolve::is_label_key;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use std::collections::BTreeMap;

/// Why a selector does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a label selector: {reason} (examples: team=data, env in (prod,staging), !legacy)"
)]
pub struct BadSelector {
    /// What was written.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

/// Parses a selector. An empty string selects everything.
pub fn parse(text: &str) -> Result<LabelSelector, BadSelector> {
    let bad = |reason: String| BadSelector {
        text: text.to_owned(),
        reason,
    };
    let mut labels = BTreeMap::new();
    let mut expressions = Vec::new();
    for term in split_terms(text).map_err(bad)? {
        let term = term.trim();
        if term.is_empty() {
            return Err(bad("empty requirement".into()));
        }
        if let Some(key) = term.strip_prefix('!') {
            expressions.push(requirement(key.trim(), "DoesNotExist", None).map_err(bad)?);
        } else if let Some((key, value)) = term.split_once("!=") {
            expressions.push(
                requirement(key.trim(), "NotIn", Some(vec![value.trim().to_owned()]))
                    .map_err(bad)?,
            );
        } else if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
            let (key, value) = (key.trim(), value.trim());
            check_key(key).map_err(bad)?;
            check_value(value).map_err(bad)?;
            labels.insert(key.to_owned(), value.to_owned());
        } else if let Some((key, op, values)) = set_term(term) {
            let values = values
                .split(',')
                .map(|v| v.trim().to_owned())
                .collect::<Vec<_>>();
            expressions.push(requirement(key, op, Some(values)).map_err(bad)?);
        } else {
            expressions.push(requirement(term, "Exists", None).map_err(bad)?);
        }
    }
    Ok(LabelSelector {
        match_labels: (!labels.is_empty()).then_some(labels),
        match_expressions: (!expressions.is_empty()).then_some(expressions),
    })
}

/// Splits on commas outside parentheses.
fn split_terms(text: &str) -> Result<Vec<&str>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut terms = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced ')'".into());
                }
            }
            ',' if depth == 0 => {
                terms.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced '('".into());
    }
    terms.push(&text[start..]);
    Ok(terms)
}

/// `key in (a,b)` / `key notin (a,b)`.
fn set_term(term: &str) -> Option<(&str, &'static str, &str)> {
    let open = term.find('(')?;
    let inner = term[open + 1..].strip_suffix(')')?;
    let head = term[..open].trim_end();
    let (key, op) = if let Some(key) = head.strip_suffix(" notin") {
        (key, "NotIn")
    } else if let Some(key) = head.strip_suffix(" in") {
        (key, "In")
    } else {
        return None;
    };
    Some((key.trim(), op, inner))
}

fn requirement(
    key: &str,
    operator: &str,
    values: Option<Vec<String>>,
) -> Result<LabelSelectorRequirement, String> {
    check_key(key)?;
    if let Some(values) = &values {
        if values.is_empty() || values.iter().any(String::is_empty) {
            return Err(format!("empty value in the set for {key:?}"));
        }
        for v in values {
            check_value(v)?;
        }
    }
    Ok(LabelSelectorRequirement {
        key: key.to_owned(),
        operator: operator.to_owned(),
        values,
    })
}

fn check_key(key: &str) -> Result<(), String> {
    if is_label_key(key) {
        Ok(())
    } else {
        Err(format!("{key:?} is not a label key"))
    }
}

/// Whether `value` is a valid label value (empty, or ≤ 63 alphanumerics, `-`, `_`, `.`,
/// starting and ending alphanumeric).
pub fn is_label_value(value: &str) -> bool {
    value.is_empty()
        || (value.len() <= 63
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

fn check_value(value: &str) -> Result<(), String> {
    if is_label_value(value) {
        Ok(())
    } else {
        Err(format!("{value:?} is not a label value"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equality_and_sets() {
        let s = parse("team=data, env in (prod,staging),tier!=test,!legacy,owner").unwrap();
        assert_eq!(s.match_labels.unwrap()["team"], "data");
        let ex = s.match_expressions.unwrap();
        let ops: Vec<(&str, &str)> = ex
            .iter()
            .map(|e| (e.key.as_str(), e.operator.as_str()))
            .collect();
        assert_eq!(
            ops,
            vec![
                ("env", "In"),
                ("tier", "NotIn"),
                ("legacy", "DoesNotExist"),
                ("owner", "Exists")
            ]
        );
        assert_eq!(
            ex[0].values.as_ref().unwrap(),
            &vec!["prod".to_owned(), "staging".to_owned()]
        );
        assert_eq!(
            parse("kubernetes.io/metadata.name in (apps)")
                .unwrap()
                .match_expressions
                .unwrap()[0]
                .key,
            "kubernetes.io/metadata.name"
        );
    }

    #[test]
    fn errors() {
        for bad in [
            "=data",
            "team=da ta",
            "env in (prod",
            "a,,b",
            "Bad Key",
            "x=a/b",
            "env in ()",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let msg = parse("team==da ta").unwrap_err().to_string();
        assert!(msg.contains("is not a label value"), "{msg}");
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = parse(&text);
        }
    }
}
