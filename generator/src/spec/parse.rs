//! Strict parsing of one `OzoneCluster` document: unknown fields, wrong types and duplicate
//! keys are errors that name the field path and, for files, the line.

use super::doc::{API_VERSION, ClusterDoc, KIND};
use super::error::{Origin, Problem, Result, SpecError};
use crate::yaml;

/// Parses a spec file's text. `name` is how errors refer to the file.
pub fn parse_file(name: &str, text: &str) -> Result<ClusterDoc> {
    if text.trim().is_empty() {
        return Err(SpecError::one(Problem {
            origin: file_origin(name, None),
            path: String::new(),
            message: "the file is empty; expected an OzoneCluster document".into(),
        }));
    }
    let doc: ClusterDoc = yaml::from_str_with_path(text).map_err(|e| {
        SpecError::one(Problem {
            origin: file_origin(name, e.location),
            path: e.path,
            message: e.message,
        })
    })?;
    check_header(&doc, |path, message| Problem {
        origin: file_origin(name, None),
        path: path.into(),
        message,
    })?;
    Ok(doc)
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

fn check_header(doc: &ClusterDoc, problem: impl Fn(&str, String) -> Problem) -> Result<()> {
    match doc.api_version.as_deref() {
        Some(API_VERSION) => {}
        Some(other) => {
            return Err(SpecError::one(problem(
                "apiVersion",
                format!("{other:?} is not supported; expected {API_VERSION:?}"),
            )));
        }
        None => {
            return Err(SpecError::one(problem(
                "apiVersion",
                format!("missing; expected {API_VERSION:?}"),
            )));
        }
    }
    match doc.kind.as_deref() {
        Some(KIND) => Ok(()),
        Some(other) => Err(SpecError::one(problem(
            "kind",
            format!("{other:?} is not supported; expected {KIND:?}"),
        ))),
        None => Err(SpecError::one(problem(
            "kind",
            format!("missing; expected {KIND:?}"),
        ))),
    }
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
    fn header_is_checked() {
        let msg = parse_file("c.yaml", "apiVersion: v1\nkind: OzoneCluster\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("apiVersion: \"v1\" is not supported"), "{msg}");
        let msg = parse_file("c.yaml", "  \n").unwrap_err().to_string();
        assert!(msg.contains("the file is empty"), "{msg}");
    }
}
