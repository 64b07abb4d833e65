//! Per-object suppression: `lint.kubectl-ozone.io/ignore: "<check>[,<check>]"` with a
//! `lint.kubectl-ozone.io/reason` beside it. A suppression must say why, so one without a
//! reason — or naming a check that does not exist — suppresses nothing and is a finding.

use super::checks::{self, INVALID_SUPPRESSION};
use super::object::{Draft, Obj};

/// The annotation listing suppressed checks.
pub const IGNORE_ANNOTATION: &str = "lint.kubectl-ozone.io/ignore";
/// The annotation saying why.
pub const REASON_ANNOTATION: &str = "lint.kubectl-ozone.io/reason";

/// The checks the object suppresses; problems with the annotations go to `out`.
pub fn parse(obj: &Obj<'_>, out: &mut Vec<Draft>) -> Vec<String> {
    let annotations = obj.annotations();
    let Some(list) = annotations.get(IGNORE_ANNOTATION) else {
        return Vec::new();
    };
    let path = "metadata.annotations";
    let reason = annotations
        .get(REASON_ANNOTATION)
        .is_some_and(|r| !r.trim().is_empty());
    if !reason {
        out.push(Draft::new(
            INVALID_SUPPRESSION,
            path,
            format!("{IGNORE_ANNOTATION} needs a non-empty {REASON_ANNOTATION} annotation; nothing is suppressed"),
        ));
        return Vec::new();
    }
    let mut ids = Vec::new();
    for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match checks::find(id) {
            Some(c) if c.id == INVALID_SUPPRESSION => out.push(Draft::new(
                INVALID_SUPPRESSION,
                path,
                format!("{id} cannot be suppressed"),
            )),
            Some(c) => ids.push(c.id.to_owned()),
            None => out.push(Draft::new(
                INVALID_SUPPRESSION,
                path,
                format!("{IGNORE_ANNOTATION} names unknown check {id:?}"),
            )),
        }
    }
    ids
}
