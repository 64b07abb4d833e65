//! The CEL rules (`x-kubernetes-validations`) of the `OzoneCluster` CRD: what a schema alone
//! cannot say, checked by the API server at admission.
//!
//! Two kinds of rule:
//! - **Spec rules** that render and `kubectl ozone lint` check too ([`crate::spec::resolve`]):
//!   odd OM and SCM rings of at most 9, datanodes at least the replication's copies. For
//!   these this module is the one source of truth: the predicate resolve calls, the message
//!   both report, and the CEL text, side by side; `crd::tests` evaluates each CEL rule on
//!   sample documents and checks that it agrees with the predicate and lint's message.
//! - **Transition rules** (`oldSelf`), which only the API server can check since only it
//!   sees the stored object: a volume never shrinks and a StorageClass never changes once
//!   set. The plugin checks the same against the live PersistentVolumeClaims when it applies.
//!
//! A rule sits on the object that holds every field it reads, with a `fieldPath` naming the
//! field, so that the API server reports `spec.om.replicas: Invalid value: …`.

use crate::spec::doc::{Replication, SpecDoc};
use crate::spec::resolve::{MAX_DATA_VOLUMES, MAX_RAFT_REPLICAS};
use std::fmt::Write as _;

/// One `x-kubernetes-validations` entry and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CelRule {
    /// Short name, for tests and documentation.
    pub id: &'static str,
    /// Property names from the resource's root to the schema node the rule is attached to
    /// (`["spec", "om", "storage"]`).
    pub at: Vec<&'static str>,
    /// The CEL expression; `true` when the object is valid.
    pub rule: String,
    /// What the API server reports when the rule fails.
    pub message: String,
    /// A CEL expression for the message, where it names values of the object.
    pub message_expression: Option<String>,
    /// The field the failure is reported at, relative to [`CelRule::at`] (`.om.replicas`).
    pub field_path: Option<String>,
    /// `FieldValueInvalid` or `FieldValueForbidden` (the error type the API server reports).
    pub reason: &'static str,
}

/// The OM and SCM fields of `spec`, the Raft rings.
pub const RAFT_COMPONENTS: [&str; 2] = ["scm", "om"];

/// Components whose spec has a `storage` (the derived schema has it on all of them; resolve
/// says which use it, and the rules are harmless where it is unused).
const STORAGE_HOLDERS: [&[&str]; 7] = [
    &["spec", "scm", "storage"],
    &["spec", "om", "storage"],
    &["spec", "datanodes", "storage"],
    &["spec", "s3g", "storage"],
    &["spec", "recon", "storage"],
    &["spec", "httpfs", "storage"],
    &["spec", "backups", "storage"],
];

/// A Raft ring larger than [`MAX_RAFT_REPLICAS`].
pub fn raft_too_large(replicas: i32) -> bool {
    replicas > MAX_RAFT_REPLICAS
}

/// What [`raft_too_large`] reports.
pub fn raft_too_large_message() -> String {
    format!("must be at most {MAX_RAFT_REPLICAS}")
}

/// A Raft ring of an even size (reported only when it is not also too large, as resolve
/// reports one problem per field).
pub fn raft_even(replicas: i32) -> bool {
    !raft_too_large(replicas) && replicas > 1 && replicas % 2 == 0
}

/// What [`raft_even`] reports.
pub const RAFT_EVEN_MESSAGE: &str = "must be 1 or an odd number of at least 3";

/// Fewer datanodes than copies of each block.
pub fn datanodes_too_few(replicas: i32, replication: Replication) -> bool {
    replicas >= 1 && replicas < replication.copies()
}

/// What [`datanodes_too_few`] reports.
pub fn datanodes_too_few_message(replication: Replication) -> String {
    format!(
        "must be at least {} when replication is {}",
        replication.copies(),
        replication.as_str()
    )
}

/// The replication resolve assumes when the spec gives none.
pub const DEFAULT_REPLICATION: Replication = Replication::Three;

/// Every rule of the CRD.
pub fn all() -> Vec<CelRule> {
    let mut rules = Vec::new();
    for component in RAFT_COMPONENTS {
        let replicas = format!("self.{component}.replicas");
        let given = format!("!has(self.{component}) || !has({replicas})");
        rules.push(CelRule {
            id: "raft-at-most-9",
            at: vec!["spec"],
            rule: format!("{given} || {replicas} <= {MAX_RAFT_REPLICAS}"),
            message: raft_too_large_message(),
            message_expression: None,
            field_path: Some(format!(".{component}.replicas")),
            reason: "FieldValueInvalid",
        });
        rules.push(CelRule {
            id: "raft-odd",
            at: vec!["spec"],
            // 1 is odd; 0 is refused by the schema's minimum.
            rule: format!("{given} || {replicas} > {MAX_RAFT_REPLICAS} || {replicas} % 2 == 1"),
            message: RAFT_EVEN_MESSAGE.to_owned(),
            message_expression: None,
            field_path: Some(format!(".{component}.replicas")),
            reason: "FieldValueInvalid",
        });
    }
    datanodes_rules(&mut rules);
    for at in STORAGE_HOLDERS {
        storage_rules(&mut rules, at);
    }
    rules
}

/// `spec.datanodes.replicas >= copies(spec.replication)`: one rule per replication that
/// needs more than one datanode, each with a fixed message (a `messageExpression` reading
/// `spec.replication` costs more than the API server's CEL budget allows). The replication
/// is [`DEFAULT_REPLICATION`] when the spec gives none, as in every profile.
fn datanodes_rules(rules: &mut Vec<CelRule>) {
    for replication in [Replication::One, Replication::Three] {
        if replication.copies() <= 1 {
            // The schema's `minimum: 1` already says it.
            continue;
        }
        let applies = if replication == DEFAULT_REPLICATION {
            format!(
                "(!has(self.replication) || self.replication == '{}')",
                replication.as_str()
            )
        } else {
            format!(
                "(has(self.replication) && self.replication == '{}')",
                replication.as_str()
            )
        };
        rules.push(CelRule {
            id: "datanodes-cover-replication",
            at: vec!["spec"],
            rule: format!(
                "!has(self.datanodes) || !has(self.datanodes.replicas) || !{applies} || self.datanodes.replicas >= {}",
                replication.copies()
            ),
            message: datanodes_too_few_message(replication),
            message_expression: None,
            field_path: Some(".datanodes.replicas".to_owned()),
            reason: "FieldValueInvalid",
        });
    }
}

/// The message of the size rules.
pub const SIZE_SHRINK_MESSAGE: &str = "may not shrink: a PersistentVolumeClaim can only grow (and only where its StorageClass allows expansion)";
/// The message of the StorageClass rules.
pub const CLASS_CHANGE_MESSAGE: &str =
    "may not change once set: a PersistentVolumeClaim's StorageClass cannot be changed";
/// The message of the quantity rules.
pub const QUANTITY_MESSAGE: &str = "must be a Kubernetes quantity (`100Gi`, `4Ti`)";

/// CEL: a size (a string, see [`crate::spec::schema::storage_size`]) as a quantity.
fn quantity(expr: &str) -> String {
    format!("quantity({expr})")
}

/// CEL: whether a size is a quantity.
fn is_quantity(expr: &str) -> String {
    format!("isQuantity({expr})")
}

/// The rules of one `storage` object (a [`crate::spec::doc::StorageDoc`]): its size, its
/// class, its Ratis volume's, and the data volumes' matched by position.
fn storage_rules(rules: &mut Vec<CelRule>, at: &[&'static str]) {
    let with =
        |extra: &[&'static str]| -> Vec<&'static str> { at.iter().chain(extra).copied().collect() };
    for volume in [&[][..], &["ratis"][..]] {
        rules.push(CelRule {
            id: "size-is-quantity",
            at: with(&[volume, &["size"]].concat()),
            rule: is_quantity("self"),
            message: QUANTITY_MESSAGE.to_owned(),
            message_expression: None,
            field_path: None,
            reason: "FieldValueInvalid",
        });
        rules.push(CelRule {
            id: "size-never-shrinks",
            at: with(&[volume, &["size"]].concat()),
            // A malformed old or new size is reported by `size-is-quantity`, not as an
            // evaluation error here.
            rule: format!(
                "!{} || !{} || {}.compareTo({}) >= 0",
                is_quantity("self"),
                is_quantity("oldSelf"),
                quantity("self"),
                quantity("oldSelf")
            ),
            message: SIZE_SHRINK_MESSAGE.to_owned(),
            message_expression: None,
            field_path: None,
            reason: "FieldValueForbidden",
        });
        rules.push(CelRule {
            id: "storage-class-never-changes",
            at: with(volume),
            // Removing the class would move the claims to the default class: a change too.
            rule: "!has(oldSelf.storageClass) || (has(self.storageClass) && self.storageClass == oldSelf.storageClass)".to_owned(),
            message: CLASS_CHANGE_MESSAGE.to_owned(),
            message_expression: None,
            field_path: Some(".storageClass".to_owned()),
            reason: "FieldValueForbidden",
        });
    }
    // Only datanodes have data volumes (resolve refuses them elsewhere); the rules below are
    // the costliest, so they are not repeated where they can never apply.
    if at.get(1) != Some(&"datanodes") {
        return;
    }
    // Entries of `data` are matched by position and a list item has no `oldSelf` (only items
    // of lists keyed by a field do), so the rule sits on `storage` and walks the positions.
    // Kubernetes' CEL has no `range()`, hence the list of indexes, as long as the schema's
    // `maxItems`.
    let mut indexes = String::from("[");
    for i in 0..MAX_DATA_VOLUMES {
        if i > 0 {
            indexes.push_str(", ");
        }
        let _ = write!(indexes, "{i}");
    }
    indexes.push(']');
    let both = "!has(self.data) || !has(oldSelf.data) || ";
    let in_both = "i >= self.data.size() || i >= oldSelf.data.size()";
    let entry =
        |field: &str| format!("!has(self.data[i].{field}) || !has(oldSelf.data[i].{field})");
    rules.push(CelRule {
        id: "data-size-never-shrinks",
        at: at.to_vec(),
        rule: format!(
            "{both}{indexes}.all(i, {in_both} || {} || !{} || !{} || {}.compareTo({}) >= 0)",
            entry("size"),
            is_quantity("self.data[i].size"),
            is_quantity("oldSelf.data[i].size"),
            quantity("self.data[i].size"),
            quantity("oldSelf.data[i].size"),
        ),
        message: format!("a data volume's size {SIZE_SHRINK_MESSAGE}"),
        message_expression: None,
        field_path: Some(".data".to_owned()),
        reason: "FieldValueForbidden",
    });
    rules.push(CelRule {
        id: "data-storage-class-never-changes",
        at: at.to_vec(),
        rule: format!(
            "{both}{indexes}.all(i, {in_both} || !has(oldSelf.data[i].storageClass) || (has(self.data[i].storageClass) && self.data[i].storageClass == oldSelf.data[i].storageClass))"
        ),
        message: format!("a data volume's StorageClass {CLASS_CHANGE_MESSAGE}"),
        message_expression: None,
        field_path: Some(".data".to_owned()),
        reason: "FieldValueForbidden",
    });
    // The data entries' sizes are quantities too.
    rules.push(CelRule {
        id: "size-is-quantity",
        at: with(&["data"]),
        rule: format!("self.all(v, !has(v.size) || {})", is_quantity("v.size")),
        message: format!("each size {QUANTITY_MESSAGE}"),
        message_expression: None,
        field_path: None,
        reason: "FieldValueInvalid",
    });
}

/// A spec rule the document breaks: what the API server would report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The rule's [`CelRule::id`].
    pub id: &'static str,
    /// The field path (`spec.om.replicas`), as the API server reports it.
    pub path: String,
    /// The rule's message.
    pub message: String,
}

/// The spec rules ([`all`] without the transition rules, which need the stored object) that
/// `spec` breaks, evaluated with the predicates above: what admission rejects, for `kubectl
/// ozone lint`. Reads the document as written, like the API server, not the resolved spec.
pub fn spec_violations(spec: &SpecDoc) -> Vec<Violation> {
    let mut out = Vec::new();
    for component in RAFT_COMPONENTS {
        let doc = match component {
            "scm" => spec.scm.as_ref(),
            _ => spec.om.as_ref(),
        };
        let Some(replicas) = doc.and_then(|d| d.replicas) else {
            continue;
        };
        let path = format!("spec.{component}.replicas");
        if raft_too_large(replicas) {
            out.push(Violation {
                id: "raft-at-most-9",
                path,
                message: raft_too_large_message(),
            });
        } else if raft_even(replicas) {
            out.push(Violation {
                id: "raft-odd",
                path,
                message: RAFT_EVEN_MESSAGE.to_owned(),
            });
        }
    }
    let replication = spec.replication.unwrap_or(DEFAULT_REPLICATION);
    if let Some(replicas) = spec.datanodes.as_ref().and_then(|d| d.replicas)
        && datanodes_too_few(replicas, replication)
    {
        out.push(Violation {
            id: "datanodes-cover-replication",
            path: "spec.datanodes.replicas".to_owned(),
            message: datanodes_too_few_message(replication),
        });
    }
    out
}
