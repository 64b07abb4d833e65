//! Strict parsing of one `OzoneCluster` document: unknown fields, wrong types and duplicate
//! keys are errors that name the field path and, for files, the line.

use super::doc::{API_VERSION, ClusterDoc, KIND};
use super::error::{Origin, Problem, Result, SpecError};
use crate::yaml;

/// Parses a spec file's text. `name` is how errors refer to the file.
pub fn parse_file(name: &str, text: &str) -> Result<ClusterDoc> {
    match parse_file_all(name, text) {
        (Some(doc), problems) if problems.is_empty() => Ok(doc),
        (_, problems) => Err(SpecError { problems }),
    }
}

/// At most this many problems are collected from one file.
const MAX_PROBLEMS: usize = 100;

/// Parses a spec file's text and finds every unknown field, wrong type and bad header in it,
/// not only the first: each offending field is left out and the rest parsed again. Returns
/// the document without the offending fields (`None` when the text is not YAML, which hides
/// everything after the error) and the problems, each with line, column and field path.
pub fn parse_file_all(name: &str, text: &str) -> (Option<ClusterDoc>, Vec<Problem>) {
    if text.trim().is_empty() {
        let problem = Problem {
            origin: file_origin(name, None),
            path: String::new(),
            message: "the file is empty; expected an OzoneCluster document".into(),
        };
        return (None, vec![problem]);
    }
    // The first problem as the YAML parser places it; the others are placed by field path.
    let first = match yaml::from_str_with_path::<ClusterDoc>(text) {
        Ok(doc) => {
            let problems = check_header(&doc, name, text);
            return (Some(doc), problems);
        }
        Err(e) => e,
    };
    let mut problems = vec![Problem {
        origin: file_origin(name, first.location),
        path: first.path.clone(),
        message: first.message,
    }];
    let Ok(mut value) = yaml::parse_document(text) else {
        return (None, problems);
    };
    let mut path = first.path;
    let mut removed = Vec::new();
    while problems.len() < MAX_PROBLEMS && remove_at(&mut value, &path) {
        removed.push(path.clone());
        match serde_path_to_error::deserialize::<_, ClusterDoc>(&value) {
            Ok(doc) => {
                problems.extend(check_header(&doc, name, text));
                return (Some(doc), problems);
            }
            Err(e) => {
                path = e.path().to_string().trim_start_matches('.').to_owned();
                let message = e.into_inner().to_string();
                let missing = message.starts_with("missing field");
                // A required field left out above is not another mistake of the user's.
                if missing && removed.iter().any(|r| r.starts_with(path.as_str())) {
                    continue;
                }
                let at_key = missing || message.starts_with("unknown field");
                problems.push(Problem {
                    origin: file_origin(name, Some(position(text, &path, at_key))),
                    path: path.clone(),
                    message,
                });
            }
        }
    }
    (None, problems)
}

/// Removes the field at a path (`spec.om.replicas`, `spec.placement.tolerations[0].key`) from
/// a document. Map keys may hold dots (`ozone-site.xml`), so at each map the longest key that
/// the rest of the path starts with wins. `false` when there is no such field.
pub fn remove_at(value: &mut serde_json::Value, path: &str) -> bool {
    use serde_json::Value;
    if path.is_empty() {
        return false;
    }
    match value {
        Value::Object(map) => {
            let Some(key) = map
                .keys()
                .filter(|k| {
                    path == k.as_str()
                        || path
                            .strip_prefix(k.as_str())
                            .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
                })
                .max_by_key(|k| k.len())
                .cloned()
            else {
                return false;
            };
            let rest = &path[key.len()..];
            if rest.is_empty() {
                return map.remove(&key).is_some();
            }
            map.get_mut(&key)
                .is_some_and(|v| remove_at(v, rest.strip_prefix('.').unwrap_or(rest)))
        }
        Value::Array(items) => {
            let Some((index, rest)) = path
                .strip_prefix('[')
                .and_then(|p| p.split_once(']'))
                .and_then(|(i, r)| Some((i.parse::<usize>().ok()?, r)))
            else {
                return false;
            };
            if index >= items.len() {
                return false;
            }
            if rest.is_empty() {
                items.remove(index);
                return true;
            }
            remove_at(&mut items[index], rest.strip_prefix('.').unwrap_or(rest))
        }
        _ => false,
    }
}

/// 1-based line and column of a field path in the file: of its key, or of its value.
pub fn position(text: &str, path: &str, at_key: bool) -> (usize, usize) {
    let line_index = crate::lint::parse::locate(text, path);
    let line = text.lines().nth(line_index).unwrap_or("");
    let key = line.len() - line.trim_start_matches([' ', '-']).len();
    let column = if at_key {
        key
    } else {
        line[key..].find(": ").map_or(key, |colon| {
            let after = key + colon + 2;
            after + (line[after..].len() - line[after..].trim_start().len())
        })
    };
    (line_index + 1, column + 1)
}

/// Checks a merged document (as a JSON value) against the document schema.
pub fn from_value(value: serde_json::Value, origin: &Origin) -> Result<ClusterDoc> {
    let doc: ClusterDoc = serde_path_to_error::deserialize(value).map_err(|e| {
        SpecError::one(Problem {
            origin: origin.clone(),
            path: e.path().to_string().trim_start_matches('.').to_owned(),
            message: e.inner().to_string(),
        })
    })?;
    Ok(doc)
}

fn check_header(doc: &ClusterDoc, name: &str, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| {
        let found = doc_has(text, path);
        problems.push(Problem {
            origin: file_origin(name, found.then(|| position(text, path, false))),
            path: path.into(),
            message,
        });
    };
    match doc.api_version.as_deref() {
        Some(API_VERSION) => {}
        Some(other) => problem(
            "apiVersion",
            format!("{other:?} is not supported; expected {API_VERSION:?}"),
        ),
        None => problem("apiVersion", format!("missing; expected {API_VERSION:?}")),
    }
    match doc.kind.as_deref() {
        Some(KIND) => {}
        Some(other) => problem(
            "kind",
            format!("{other:?} is not supported; expected {KIND:?}"),
        ),
        None => problem("kind", format!("missing; expected {KIND:?}")),
    }
    problems
}

/// Whether a top-level key is written in the text (so a line can be given for it).
fn doc_has(text: &str, key: &str) -> bool {
    text.lines().any(|l| l.starts_with(&format!("{key}:")))
}

fn file_origin(name: &str, location: Option<(usize, usize)>) -> Origin {
    Origin::File {
        name: name.to_owned(),
        line: location.map(|l| l.0),
        column: location.map(|l| l.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "apiVersion: ozone.apache.org/v1alpha1\nkind: OzoneCluster\n";

    #[test]
    fn unknown_field_names_path_and_line() {
        let text = format!("{HEADER}spec:\n  datanodes:\n    replica: 3\n");
        let err = parse_file("c.yaml", &text).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with(
                "invalid spec: c.yaml:5:5: spec.datanodes.replica: unknown field `replica`"
            ),
            "{msg}"
        );
    }

    #[test]
    fn wrong_type_names_path_and_line() {
        let text = format!("{HEADER}spec:\n  om:\n    replicas: three\n");
        let msg = parse_file("c.yaml", &text).unwrap_err().to_string();
        assert!(
            msg.contains("c.yaml:5:15: spec.om.replicas: invalid type: string \"three\""),
            "{msg}"
        );
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let text = format!("{HEADER}spec:\n  version: '2.2.0'\n  version: '2.1.1'\n");
        let msg = parse_file("c.yaml", &text).unwrap_err().to_string();
        assert!(msg.contains("duplicate"), "{msg}");
    }

    #[test]
    fn every_unknown_field_and_wrong_type_is_reported_with_its_line() {
        let text = format!(
            "{HEADER}spec:\n  datanodes:\n    replica: 3\n  om:\n    replicas: three\n  \
             placement:\n    spread: host\n    nodeSelector: [a]\n  bogus: 1\n"
        );
        let err = parse_file("c.yaml", &text).unwrap_err();
        let found: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 4, "{err}");
        assert!(
            found[0].starts_with("c.yaml:5:5: spec.datanodes.replica: unknown field `replica`"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("c.yaml:7:15: spec.om.replicas: invalid type: string \"three\""),
            "{found:?}"
        );
        assert!(
            found[2]
                .starts_with("c.yaml:10:19: spec.placement.nodeSelector: invalid type: sequence"),
            "{found:?}"
        );
        assert!(
            found[3].starts_with("c.yaml:11:3: spec.bogus: unknown field `bogus`"),
            "{found:?}"
        );
        // What is left is a document without the offending fields.
        let (doc, _) = parse_file_all("c.yaml", &text);
        let spec = doc.unwrap().spec.unwrap();
        assert!(spec.placement.is_some() && spec.om.is_some());
    }

    #[test]
    fn a_yaml_error_stops_at_the_first_problem() {
        let text = format!("{HEADER}spec:\n  om: [\n  datanodes:\n    replica: 3\n");
        let (doc, problems) = parse_file_all("c.yaml", &text);
        assert!(doc.is_none());
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn remove_at_follows_dotted_keys_and_indexes() {
        let mut v = serde_json::json!({"spec": {"config": {"ozone-site.xml": {"a.b": 1, "c": 2}},
            "list": [{"x": 1}, {"y": 2}]}});
        assert!(remove_at(&mut v, "spec.config.ozone-site.xml.a.b"));
        assert!(remove_at(&mut v, "spec.list[1].y"));
        assert!(!remove_at(&mut v, "spec.list[5]"));
        assert!(!remove_at(&mut v, "spec.nothing"));
        assert_eq!(
            v,
            serde_json::json!({"spec": {"config": {"ozone-site.xml": {"c": 2}}, "list": [{"x": 1}, {}]}})
        );
    }

    #[test]
    fn header_is_checked() {
        let msg = parse_file("c.yaml", "apiVersion: v1\nkind: OzoneCluster\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("apiVersion: \"v1\" is not supported"), "{msg}");
        let msg = parse_file("c.yaml", "  \n").unwrap_err().to_string();
        assert!(msg.contains("the file is empty"), "{msg}");
    }

    proptest::proptest! {
        /// Any edit of a valid spec either parses or reports problems, every one placed in
        /// the file, and collecting them never panics.
        #[test]
        fn mutated_specs_never_panic(
            at in 0usize..400,
            insert in "[a-z:\\[\\]{} \n0-9-]{0,12}",
        ) {
            let base = crate::profile::Profile::ALL[1].source();
            let mut at = at.min(base.len());
            while !base.is_char_boundary(at) {
                at -= 1;
            }
            let text = format!("{}{insert}{}", &base[..at], &base[at..]);
            let (_, problems) = parse_file_all("p.yaml", &text);
            for p in &problems {
                proptest::prop_assert!(matches!(p.origin, Origin::File { .. }), "{p}");
            }
        }
    }
}
