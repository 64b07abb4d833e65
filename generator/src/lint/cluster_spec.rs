//! `kind: OzoneCluster` documents in lint input — alone in a file or among manifests — are
//! checked with the rules render applies ([`crate::spec::resolve`]), so CI can check a spec
//! without rendering it. Every problem is a finding at its line, naming its field path.
//!
//! The problems that the `OzoneCluster` CRD's CEL rules also reject at admission
//! ([`crate::crd::rules::spec_violations`]) are reported under their own check,
//! `ozone-cluster-admission`, with the API server's message first (render's explanation
//! follows): a CI that lints a custom resource learns what `kubectl apply` would answer.
//! The transition rules (a size that shrinks, a StorageClass that changes) need the stored
//! object, which lint does not have.

use super::checks::{CLUSTER_ADMISSION, CLUSTER_SPEC};
use super::object::Draft;
use crate::crd::rules::spec_violations;
use crate::spec::doc::{API_VERSION, KIND};
use crate::spec::{Inputs, Origin, parse, resolve};
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
    let mut admission = match parse::parse_file_all(file, text) {
        (Some(doc), _) => doc.spec.as_ref().map(spec_violations).unwrap_or_default(),
        (None, _) => Vec::new(),
    };
    let mut out: Vec<(Option<usize>, Draft)> = error
        .problems
        .into_iter()
        .map(|p| {
            let line = match p.origin {
                Origin::File {
                    line: Some(line), ..
                } => Some(line.saturating_sub(1)),
                _ => None,
            };
            // Render's message for a rule of the CRD starts with the rule's message.
            let rule = admission
                .iter()
                .position(|v| v.path == p.path && p.message.starts_with(&v.message));
            let check = match rule {
                Some(i) => {
                    admission.remove(i);
                    CLUSTER_ADMISSION
                }
                None => CLUSTER_SPEC,
            };
            let message = if p.path.is_empty() {
                p.message
            } else {
                format!("{}: {}", p.path, p.message)
            };
            (line, Draft::new(check, &p.path, message))
        })
        .collect();
    // A rule render reports differently (or not at all, behind another problem of the same
    // field) is still what admission says.
    for v in admission {
        let line = parse::position(text, &v.path, true).0;
        let message = format!("{}: {}", v.path, v.message);
        out.push((
            Some(line.saturating_sub(1)),
            Draft::new(CLUSTER_ADMISSION, &v.path, message),
        ));
    }
    out
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
