//! Server-side apply as the API server does it, for the fake API server: which field manager
//! owns which field (`metadata.managedFields`, `fieldsV1`), conflicts with other managers
//! (409 with one `FieldManagerConflict` cause per field, unless forced — then the fields
//! move to the applier), shared ownership of fields applied with the value they already have,
//! removal of fields a manager no longer applies and nobody else owns, and the defaults the
//! server fills into a StatefulSet's volume claim templates.
//!
//! Simplified on purpose: every list is atomic (the real server merges lists keyed by `name`
//! element by element and so names conflicts inside them; here the conflict names the list),
//! and writes other than apply (patches, scale, replace) do not move ownership.

use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A field: map keys from the object's root.
pub type Path = Vec<String>;

/// One `managedFields` entry.
#[derive(Clone, Debug)]
struct Entry {
    manager: String,
    operation: String,
    subresource: Option<String>,
    fields: BTreeSet<Path>,
}

/// Fields that name the object rather than set it.
fn identity(p: &Path) -> bool {
    matches!(
        p.iter().map(String::as_str).collect::<Vec<_>>().as_slice(),
        ["apiVersion"] | ["kind"] | ["metadata", "name"] | ["metadata", "namespace"]
    )
}

/// The fields `v` sets: scalars and lists (atomic) and empty maps, by path.
pub fn leaves(v: &Value) -> BTreeSet<Path> {
    fn walk(v: &Value, prefix: &mut Path, out: &mut BTreeSet<Path>) {
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (k, child) in m {
                    prefix.push(k.clone());
                    walk(child, prefix, out);
                    prefix.pop();
                }
            }
            _ => {
                out.insert(prefix.clone());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(v, &mut Vec::new(), &mut out);
    out.retain(|p| !identity(p) && p.first().is_none_or(|f| f != "status"));
    out.retain(|p| !matches!(p.get(..2), Some([m, f]) if m == "metadata" && f == "managedFields"));
    out
}

fn get<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| cur.get(k))
}

fn set(v: &mut Value, path: &[String], value: Value) {
    let mut cur = v;
    for k in path {
        if !cur.is_object() {
            *cur = json!({});
        }
        cur = cur
            .as_object_mut()
            .expect("an object")
            .entry(k.clone())
            .or_insert(Value::Null);
    }
    *cur = value;
}

fn remove(v: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for k in parents {
        match cur.get_mut(k) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(m) = cur.as_object_mut() {
        m.remove(last);
    }
}

/// Whether two fields overlap: the same, or one inside the other.
fn overlap(a: &Path, b: &Path) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// The `fieldsV1` form of a set of fields: `{"f:spec": {"f:replicas": {}}}`.
fn to_fields_v1(fields: &BTreeSet<Path>) -> Value {
    let mut out = json!({});
    for p in fields {
        let keys: Path = p.iter().map(|k| format!("f:{k}")).collect();
        set(&mut out, &keys, json!({}));
    }
    out
}

/// The fields of a `fieldsV1` value: its empty maps, by path (`.` entries aside).
fn from_fields_v1(v: &Value) -> BTreeSet<Path> {
    leaves(&strip(v))
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect()
}

/// `fieldsV1` without its `f:` prefixes and `.` markers.
fn strip(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != ".")
                .map(|(k, c)| (k.strip_prefix("f:").unwrap_or(k).to_owned(), strip(c)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn entries(object: &Value) -> Vec<Entry> {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| Entry {
            manager: e["manager"].as_str().unwrap_or_default().to_owned(),
            operation: e["operation"].as_str().unwrap_or("Apply").to_owned(),
            subresource: e["subresource"].as_str().map(str::to_owned),
            fields: from_fields_v1(&e["fieldsV1"]),
        })
        .collect()
}

fn entry_value(e: &Entry, api_version: &Value) -> Value {
    let mut v = json!({"manager": e.manager, "operation": e.operation,
        "apiVersion": api_version, "time": "2026-12-01T00:00:00Z",
        "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(&e.fields)});
    if let Some(s) = &e.subresource {
        v["subresource"] = json!(s);
    }
    v
}

/// `.spec.volumeClaimTemplates`, as the server names a field.
fn dotted(p: &Path) -> String {
    p.iter().map(|k| format!(".{k}")).collect()
}

/// What the server fills in: a StatefulSet's volume claim templates get their kind, API
/// version, `volumeMode: Filesystem` and `status.phase: Pending`.
pub fn defaults(object: &mut Value) {
    if object["kind"] != "StatefulSet" {
        return;
    }
    let Some(claims) = object["spec"]
        .get_mut("volumeClaimTemplates")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for c in claims {
        c["apiVersion"] = json!("v1");
        c["kind"] = json!("PersistentVolumeClaim");
        if c["spec"].get("volumeMode").is_none() {
            c["spec"]["volumeMode"] = json!("Filesystem");
        }
        if c.get("status").is_none() {
            c["status"] = json!({"phase": "Pending"});
        }
    }
}

/// A 409 of server-side apply: the message and the causes as the server words them.
pub struct Conflicts {
    /// `Apply failed with N conflicts: …`.
    pub message: String,
    /// `details.causes`.
    pub causes: Vec<Value>,
}

/// `manager` applies `body` to `existing` (or creates it). The object as stored, with its
/// `managedFields`, or the conflicts.
pub fn apply(
    existing: Option<&Value>,
    body: &Value,
    manager: &str,
    force: bool,
) -> Result<Value, Conflicts> {
    let applied = leaves(body);
    let mut owners = existing.map(entries).unwrap_or_default();
    let mine = |e: &Entry| e.manager == manager && e.operation == "Apply";
    let before: BTreeSet<Path> = owners
        .iter()
        .filter(|e| mine(e))
        .flat_map(|e| e.fields.clone())
        .collect();
    let mut merged = existing.cloned().unwrap_or_else(|| body.clone());
    let mut changed: Vec<Path> = Vec::new();
    for p in &applied {
        let new = get(body, p).cloned().unwrap_or(Value::Null);
        if existing.and_then(|e| get(e, p)) != Some(&new) {
            changed.push(p.clone());
        }
        set(&mut merged, p, new);
    }
    for p in before.difference(&applied) {
        let kept = owners
            .iter()
            .any(|e| !mine(e) && e.fields.iter().any(|q| overlap(p, q)));
        if !kept && existing.and_then(|e| get(e, p)).is_some() {
            remove(&mut merged, p);
            changed.push(p.clone());
        }
    }
    let mut conflicts: Vec<(String, Path)> = Vec::new();
    for e in owners.iter().filter(|e| !mine(e)) {
        for q in &e.fields {
            if changed.iter().any(|p| overlap(p, q)) {
                conflicts.push((e.manager.clone(), q.clone()));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        let lines: Vec<String> = conflicts
            .iter()
            .map(|(m, p)| format!("conflict with \"{m}\": {}", dotted(p)))
            .collect();
        return Err(Conflicts {
            message: format!(
                "Apply failed with {} conflict{}: {}",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" },
                lines.join("\n")
            ),
            causes: conflicts
                .iter()
                .map(|(m, p)| {
                    json!({"reason": "FieldManagerConflict",
                        "message": format!("conflict with \"{m}\""), "field": dotted(p)})
                })
                .collect(),
        });
    }
    for e in owners.iter_mut().filter(|e| !mine(e)) {
        e.fields
            .retain(|q| !conflicts.iter().any(|(m, p)| *m == e.manager && p == q));
    }
    owners.retain(|e| !mine(e) && !e.fields.is_empty());
    owners.push(Entry {
        manager: manager.to_owned(),
        operation: "Apply".into(),
        subresource: None,
        fields: applied,
    });
    defaults(&mut merged);
    let api_version = merged["apiVersion"].clone();
    merged["metadata"]["managedFields"] = owners
        .iter()
        .map(|e| entry_value(e, &api_version))
        .collect();
    Ok(merged)
}

/// The same object with every map's keys in reverse order: the real server answers in its
/// own (Go struct) order, so nothing may depend on the order of the keys it returns.
pub fn server_order(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut items: Vec<(String, Value)> = m.into_iter().collect();
            items.reverse();
            Value::Object(
                items
                    .into_iter()
                    .map(|(k, c)| (k, server_order(c)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(server_order).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sts(claims: Value, hash: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
            "spec": {"replicas": 3, "template": {"metadata": {"annotations": {"hash": hash}}},
                     "volumeClaimTemplates": claims}})
    }

    fn claims() -> Value {
        json!([{"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}])
    }

    #[test]
    fn an_atomic_list_with_server_defaults_conflicts_when_sent_again_by_another_manager() {
        let stored = apply(None, &sts(claims(), "a"), "kubectl", false)
            .ok()
            .unwrap();
        assert_eq!(
            stored["spec"]["volumeClaimTemplates"][0]["status"]["phase"],
            "Pending"
        );
        let err = apply(Some(&stored), &sts(claims(), "a"), "kubectl-ozone", false)
            .expect_err("a conflict");
        assert_eq!(
            err.causes,
            [
                json!({"reason": "FieldManagerConflict", "message": "conflict with \"kubectl\"",
                "field": ".spec.volumeClaimTemplates"})
            ]
        );
        // Without the templates, the same values: shared, no conflict.
        let mut same = sts(claims(), "a");
        same["spec"]
            .as_object_mut()
            .unwrap()
            .remove("volumeClaimTemplates");
        let shared = apply(Some(&stored), &same, "kubectl-ozone", false)
            .ok()
            .unwrap();
        assert_eq!(
            shared["metadata"]["managedFields"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        // A changed value owned by kubectl conflicts; forced, it moves.
        let mut changed = same.clone();
        changed["spec"]["template"]["metadata"]["annotations"]["hash"] = json!("b");
        assert!(apply(Some(&shared), &changed, "kubectl-ozone", false).is_err());
        let taken = apply(Some(&shared), &changed, "kubectl-ozone", true)
            .ok()
            .unwrap();
        let e = entries(&taken);
        let kubectl = e.iter().find(|e| e.manager == "kubectl").unwrap();
        let hash: Path = ["spec", "template", "metadata", "annotations", "hash"]
            .map(String::from)
            .to_vec();
        assert!(!kubectl.fields.contains(&hash));
        assert!(
            kubectl
                .fields
                .contains(&vec!["spec".into(), "volumeClaimTemplates".into()])
        );
        assert!(apply(Some(&taken), &changed, "kubectl-ozone", false).is_ok());
    }

    #[test]
    fn a_field_no_longer_applied_is_removed_unless_another_manager_owns_it() {
        let stored = apply(None, &sts(claims(), "a"), "kubectl-ozone", false)
            .ok()
            .unwrap();
        let mut without = sts(claims(), "a");
        without["spec"]
            .as_object_mut()
            .unwrap()
            .remove("volumeClaimTemplates");
        let after = apply(Some(&stored), &without, "kubectl-ozone", false)
            .ok()
            .unwrap();
        assert!(after["spec"].get("volumeClaimTemplates").is_none());
        // kubectl applies the templates exactly as stored: both own them.
        let same = sts(stored["spec"]["volumeClaimTemplates"].clone(), "a");
        let shared = apply(Some(&stored), &same, "kubectl", false).ok().unwrap();
        let after = apply(Some(&shared), &without, "kubectl-ozone", false)
            .ok()
            .unwrap();
        assert!(after["spec"].get("volumeClaimTemplates").is_some());
    }
}
