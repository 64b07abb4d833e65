//! `kind: OzoneCluster` documents in lint input — alone in a file or among manifests — are
//! checked with the rules render applies ([`crate::spec::resolve`]), so CI can check a spec
//! without rendering it. Every problem is a finding at its line, naming its field path.

use super::checks::CLUSTER_SPEC;
use super::object::Draft;
use crate::spec::doc::{API_VERSION, KIND};
use crate::spec::{Inputs, Origin, resolve};
use serde_json::Value;

/// Whether a document is an `OzoneCluster` (of any `ozone.apache.org` version, so that an
/// unsupported version is reported rather than taken for an unknown kind).
pub fn is_cluster_spec(value: &Value) -> bool {
    let group = API_VERSION.split('/').next().unwrap_or(API_VERSION);
    value.get("kind").and_then(Value::as_str) == Some(KIND)
        && value
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| v.split('/').next() == Some(group))
}

/// The problems render would report for this document, each with its 0-based line in `text`
/// when the spec knows it.
pub fn check(file: &str, text: &str) -> Vec<(Option<usize>, Draft)> {
    let inputs = Inputs {
        profile: None,
        spec_file: Some((file.to_owned(), text.to_owned())),
        sets: Vec::new(),
    };
    let Err(error) = resolve(&inputs) else {
        return Vec::new();
    };
    error
        .problems
        .into_iter()
        .map(|p| {
            let line = match p.origin {
                Origin::File {
                    line: Some(line), ..
                } => Some(line.saturating_sub(1)),
                _ => None,
            };
            let message = if p.path.is_empty() {
                p.message
            } else {
                format!("{}: {}", p.path, p.message)
            };
            (line, Draft::new(CLUSTER_SPEC, &p.path, message))
        })
        .collect()
}

/// `OzoneCluster/<namespace>/<name>`, with render's defaults for what the spec leaves out.
pub fn id(value: &Value) -> String {
    let field = |name: &str, default: &str| {
        value
            .pointer(&format!("/metadata/{name}"))
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    format!(
        "{KIND}/{}/{}",
        field("namespace", crate::spec::resolve::DEFAULT_NAMESPACE),
        field("name", crate::spec::resolve::DEFAULT_NAME)
    )
}
