//! Custom resources: CRDs loaded with `--crd`, and validation of instances against a
//! version's `openAPIV3Schema` with the API server's structural-schema semantics.
//!
//! A general JSON Schema validator gets Kubernetes wrong in three ways that matter here:
//! unknown fields are allowed unless `additionalProperties: false` (the server rejects them
//! unless `x-kubernetes-preserve-unknown-fields`), `x-kubernetes-int-or-string` is not a JSON
//! Schema type, and `null` is pruned by the server rather than rejected. So this module
//! implements the structural subset CRDs may use.

use super::schema::Violation;
use serde_json::Value;
use std::collections::BTreeMap;

/// Why a CRD source could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CrdError {
    /// The text is not YAML.
    #[error("{file}: line {line}: {message}")]
    Parse {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file holds no CustomResourceDefinition.
    #[error("{file}: no apiextensions.k8s.io/v1 CustomResourceDefinition in the file")]
    Empty {
        /// File name.
        file: String,
    },
}

/// Schemas of custom resources by `(apiVersion, kind)`; `None` when the CRD version has no
/// schema.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    schemas: BTreeMap<(String, String), Option<Value>>,
    /// Whether kinds not loaded here fall back to the CRDs shipped in the binary.
    embedded: bool,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// A registry that knows the CRDs of every custom resource render can emit
    /// ([`super::embedded`]); CRDs loaded into it take precedence over them.
    pub fn with_embedded() -> Registry {
        Registry {
            schemas: BTreeMap::new(),
            embedded: true,
        }
    }

    /// Loads every CRD of a YAML stream; other objects are ignored.
    ///
    /// # Errors
    /// A document that does not parse, or a file without any CRD.
    pub fn load(&mut self, file: &str, text: &str) -> Result<usize, CrdError> {
        let mut loaded = 0;
        for doc in super::parse::documents(text) {
            let value = super::parse::parse(&doc).map_err(|e| CrdError::Parse {
                file: file.to_owned(),
                line: e.line,
                message: e.message,
            })?;
            loaded += self.add(&value);
        }
        if loaded == 0 {
            return Err(CrdError::Empty {
                file: file.to_owned(),
            });
        }
        Ok(loaded)
    }

    /// Adds one CRD object (or every CRD of a `List`); returns how many versions it added.
    pub fn add(&mut self, crd: &Value) -> usize {
        if let Some(items) = crd.get("items").and_then(Value::as_array) {
            return items.iter().map(|i| self.add(i)).sum();
        }
        if crd.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition")
            || crd.get("apiVersion").and_then(Value::as_str) != Some("apiextensions.k8s.io/v1")
        {
            return 0;
        }
        let spec = &crd["spec"];
        let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str())
        else {
            return 0;
        };
        let mut added = 0;
        for version in spec["versions"].as_array().into_iter().flatten() {
            let Some(name) = version["name"].as_str() else {
                continue;
            };
            let schema = version
                .get("schema")
                .and_then(|s| s.get("openAPIV3Schema"))
                .cloned();
            self.schemas
                .insert((format!("{group}/{name}"), kind.to_owned()), schema);
            added += 1;
        }
        added
    }

    /// The schema of a custom resource: `None` if no CRD defines it, `Some(None)` if its CRD
    /// version has no schema.
    pub fn schema(&self, api_version: &str, kind: &str) -> Option<Option<&Value>> {
        let loaded = self
            .schemas
            .get(&(api_version.to_owned(), kind.to_owned()))
            .map(Option::as_ref);
        if loaded.is_none() && self.embedded {
            return super::embedded::registry().schema(api_version, kind);
        }
        loaded
    }

    /// Whether no CRD is loaded (embedded ones do not count).
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }

    /// Every loaded `(apiVersion, kind)`, sorted (embedded ones not included).
    pub fn kinds(&self) -> impl Iterator<Item = (&str, &str)> {
        self.schemas.keys().map(|(a, k)| (a.as_str(), k.as_str()))
    }
}

/// The part of a CRD that lint uses: group, kind, and per version its `openAPIV3Schema`
/// without `description` texts (they are most of a CRD's bytes and never change a finding).
/// `source` names the upstream release it came from; it is kept as an annotation.
/// `None` when the value is not an `apiextensions.k8s.io/v1` CRD.
pub fn trim(crd: &Value, source: &str) -> Option<Value> {
    if crd.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition")
        || crd.get("apiVersion").and_then(Value::as_str) != Some("apiextensions.k8s.io/v1")
    {
        return None;
    }
    let spec = &crd["spec"];
    let versions: Vec<Value> = spec["versions"]
        .as_array()?
        .iter()
        .map(|v| {
            let mut out = serde_json::Map::new();
            out.insert("name".into(), v["name"].clone());
            if let Some(schema) = v.get("schema").and_then(|s| s.get("openAPIV3Schema")) {
                let mut schema = schema.clone();
                strip_descriptions(&mut schema);
                out.insert(
                    "schema".into(),
                    serde_json::json!({ "openAPIV3Schema": schema }),
                );
            }
            Value::Object(out)
        })
        .collect();
    Some(serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": crd["metadata"]["name"],
            "annotations": {"lint.kubectl-ozone.io/source": source},
        },
        "spec": {
            "group": spec["group"],
            "names": {"kind": spec["names"]["kind"]},
            "versions": versions,
        },
    }))
}

/// Removes `description` from a schema node and its sub-schemas. Keys of `properties` are
/// field names, so a field called `description` stays; `default`, `enum` and `example` hold
/// data, not schemas, and are left alone.
fn strip_descriptions(node: &mut Value) {
    let Value::Object(map) = node else {
        return;
    };
    map.remove("description");
    for (key, value) in map.iter_mut() {
        match key.as_str() {
            "default" | "enum" | "example" | "x-kubernetes-validations" => {}
            "properties" | "patternProperties" | "definitions" | "dependencies" => {
                if let Value::Object(fields) = value {
                    fields.values_mut().for_each(strip_descriptions);
                }
            }
            _ => match value {
                Value::Array(items) => items.iter_mut().for_each(strip_descriptions),
                Value::Object(_) => strip_descriptions(value),
                _ => {}
            },
        }
    }
}

/// Validates a custom resource against its schema. `apiVersion`, `kind` and `metadata` at the
/// top are the server's business and always allowed.
pub fn validate(schema: &Value, value: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut path = String::new();
    check(schema, value, &mut path, true, &mut out);
    out
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn push(out: &mut Vec<Violation>, path: &str, message: String) {
    out.push(Violation {
        path: path.to_owned(),
        message,
    });
}

fn flag(schema: &Value, key: &str) -> bool {
    schema.get(key).and_then(Value::as_bool) == Some(true)
}

fn check(schema: &Value, value: &Value, path: &mut String, root: bool, out: &mut Vec<Violation>) {
    if value.is_null() {
        return;
    }
    if flag(schema, "x-kubernetes-int-or-string") {
        if !matches!(type_name(value), "integer" | "string") {
            push(
                out,
                path,
                format!("expected an integer or a string, got {}", type_name(value)),
            );
        }
        return;
    }
    if let Some(want) = schema.get("type").and_then(Value::as_str) {
        let got = type_name(value);
        let ok = got == want || (want == "number" && got == "integer");
        if !ok {
            push(out, path, format!("expected {want}, got {got}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        push(
            out,
            path,
            format!("{value} is not one of {}", Value::Array(allowed.clone())),
        );
    }
    for sub in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check(sub, value, path, false, out);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(subs) = schema.get(key).and_then(Value::as_array)
            && !subs.iter().any(|s| {
                let mut scratch = Vec::new();
                check(s, value, &mut path.clone(), false, &mut scratch);
                scratch.is_empty()
            })
        {
            push(out, path, format!("does not match any schema in {key}"));
        }
    }
    match value {
        Value::Object(map) => check_object(schema, map, path, root, out),
        Value::Array(items) => {
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < min
            {
                push(out, path, format!("must have at least {min} items"));
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && (items.len() as u64) > max
            {
                push(out, path, format!("must have at most {max} items"));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    check(item_schema, item, path, false, out);
                    path.truncate(len);
                }
            }
        }
        Value::String(s) => {
            let chars = s.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && chars < min
            {
                push(out, path, format!("must be at least {min} characters"));
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && chars > max
            {
                push(out, path, format!("must be at most {max} characters"));
            }
        }
        Value::Number(n) => {
            if let (Some(x), Some(min)) =
                (n.as_f64(), schema.get("minimum").and_then(Value::as_f64))
                && x < min
            {
                push(out, path, format!("must be at least {min}"));
            }
            if let (Some(x), Some(max)) =
                (n.as_f64(), schema.get("maximum").and_then(Value::as_f64))
                && x > max
            {
                push(out, path, format!("must be at most {max}"));
            }
        }
        _ => {}
    }
}

fn check_object(
    schema: &Value,
    map: &serde_json::Map<String, Value>,
    path: &mut String,
    root: bool,
    out: &mut Vec<Violation>,
) {
    let properties = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties");
    let open = flag(schema, "x-kubernetes-preserve-unknown-fields")
        || flag(schema, "x-kubernetes-embedded-resource")
        || additional == Some(&Value::Bool(true))
        || (properties.is_none() && additional.is_none());
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = required.as_str()
            && map.get(name).is_none_or(Value::is_null)
        {
            push(out, path, format!("missing required field \"{name}\""));
        }
    }
    for (key, value) in map {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
        if let Some(sub) = properties.and_then(|p| p.get(key)) {
            check(sub, value, path, false, out);
        } else if let Some(sub) = additional.filter(|a| a.is_object()) {
            check(sub, value, path, false, out);
        } else if !(open || root && matches!(key.as_str(), "apiVersion" | "kind" | "metadata")) {
            push(out, path, format!("unknown field \"{key}\""));
        }
        path.truncate(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
        "spec": {"type": "object", "required": ["port"], "properties": {
            "port": {"x-kubernetes-int-or-string": true},
            "mode": {"type": "string", "enum": ["a", "b"]},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "items": {"type": "array", "items": {"type": "object",
                "properties": {"n": {"type": "integer", "minimum": 1}}}}
        }}}})
    }

    #[test]
    fn structural_rules() {
        let ok = json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "a"},
            "spec": {"port": "http", "mode": "a", "labels": {"k": "v"},
                "extra": {"anything": [1]}, "items": [{"n": 2}]}});
        assert_eq!(validate(&schema(), &ok), []);
        let bad = json!({"spec": {"port": 1.5, "mode": "c", "labels": {"k": 1},
            "items": [{"n": 0, "m": 1}], "bogus": true}});
        let found: Vec<_> = validate(&schema(), &bad)
            .into_iter()
            .map(|v| v.path)
            .collect();
        assert_eq!(
            found,
            [
                "spec.port",
                "spec.mode",
                "spec.labels.k",
                "spec.items[0].n",
                "spec.items[0].m",
                "spec.bogus"
            ]
        );
        let missing = validate(&schema(), &json!({"spec": {}}));
        assert_eq!(missing[0].message, "missing required field \"port\"");
    }
}
