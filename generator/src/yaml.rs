//! The one place that uses `serde_yaml`, so that swapping the YAML library (it is archived
//! upstream) touches this file only.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A YAML document that did not match the expected type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// Field path of the problem (`spec.om.replicas`); empty at the top.
    pub path: String,
    /// What is wrong, without the location.
    pub message: String,
    /// 1-based line and column, when known.
    pub location: Option<(usize, usize)>,
}

/// Deserializes one YAML document, reporting the field path and line of the first problem.
pub fn from_str_with_path<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let de = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        YamlError {
            path: if path == "." { String::new() } else { path },
            location: inner.location().map(|l| (l.line(), l.column())),
            message: strip_location(&inner.to_string()),
        }
    })
}

/// Parses a scalar as YAML would (`3` → number, `true` → bool, `abc` → string), for `--set`.
/// Text that is not a valid YAML scalar stays a string.
pub fn scalar(text: &str) -> serde_json::Value {
    match serde_yaml::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Null)
            if !text.trim().is_empty() && text.trim() != "null" && text.trim() != "~" =>
        {
            serde_json::Value::String(text.to_owned())
        }
        Ok(value) => value,
        Err(_) => serde_json::Value::String(text.to_owned()),
    }
}

/// Serializes a value as one YAML document body (no `---`), ending in a newline.
///
/// # Errors
/// When the value cannot be represented in YAML (a map with non-string keys).
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    serde_yaml::to_string(value).map_err(|e| e.to_string())
}

/// Parses one YAML (or JSON) document into a JSON value, rejecting duplicate mapping keys,
/// which `serde_json`'s own map silently collapses (the last one wins) and the API server
/// rejects. Non-string keys are turned into their text; non-finite floats into strings.
/// An empty document is `Null`.
///
/// # Errors
/// A syntax error, a duplicate key, or a key that is itself a mapping or sequence; the location
/// is relative to `text` (for a duplicate key, the start of the mapping that holds it).
pub fn parse_document(text: &str) -> Result<serde_json::Value, YamlError> {
    use serde::Deserialize;
    let de = serde_yaml::Deserializer::from_str(text);
    match StrictValue::deserialize(de) {
        Ok(StrictValue(value)) => Ok(value),
        Err(e) => Err(YamlError {
            path: String::new(),
            location: e.location().map(|l| (l.line(), l.column())),
            message: strip_location(&e.to_string()),
        }),
    }
}

/// A JSON value built by a visitor that refuses duplicate keys.
struct StrictValue(serde_json::Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or_else(
            || serde_json::Value::String(v.to_string()),
            serde_json::Value::Number,
        ))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(serde_json::Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(serde_json::Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_any(StrictVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(StrictValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(serde_json::Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let mut out = serde_json::Map::new();
        while let Some(StrictValue(key)) = map.next_key()? {
            let key = match key {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => "null".to_owned(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return Err(A::Error::custom("a mapping key must be a scalar")),
            };
            let StrictValue(value) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(A::Error::custom(format!("duplicate key {key:?}")));
            }
            out.insert(key, value);
        }
        Ok(serde_json::Value::Object(out))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        // A tagged value (`!Tag value`): keep the value, as the API server's decoder does.
        use serde::de::VariantAccess;
        let (_tag, variant): (serde::de::IgnoredAny, _) = data.variant()?;
        variant.newtype_variant::<StrictValue>().map(|v| v.0)
    }
}

/// `serde_yaml` messages read `<path>: <what> at line L column C`; callers report the path
/// and location themselves.
fn strip_location(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => &message[..at],
        _ => message,
    };
    match message.split_once(": ") {
        Some((path, rest))
            if !path.is_empty()
                && path
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-[]".contains(&b)) =>
        {
            rest.to_owned()
        }
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars() {
        assert_eq!(scalar("3"), serde_json::json!(3));
        assert_eq!(scalar("true"), serde_json::json!(true));
        assert_eq!(scalar("fast-ssd"), serde_json::json!("fast-ssd"));
        assert_eq!(scalar("10Gi"), serde_json::json!("10Gi"));
        assert_eq!(scalar(""), serde_json::Value::Null);
        assert_eq!(scalar("a: [b"), serde_json::json!("a: [b"));
    }

    #[test]
    fn location_is_split_from_the_message() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: u8,
        }
        let err = from_str_with_path::<T>("a: 300\n").unwrap_err();
        assert_eq!(err.location, Some((1, 4)));
        assert!(!err.message.contains("line"), "{}", err.message);
    }

    #[test]
    fn parse_document_rejects_duplicate_keys_with_their_line() {
        let err = parse_document("a: 1\nb:\n  c: 2\n  c: 3\n").unwrap_err();
        assert!(
            err.message.contains("duplicate key \"c\""),
            "{}",
            err.message
        );
        // serde_yaml places the error at the start of the mapping that holds the duplicate.
        assert_eq!(err.location.map(|l| l.0), Some(3));
        assert_eq!(
            parse_document("a: [1, {b: x}]\n1: ok\n").unwrap(),
            serde_json::json!({"a": [1, {"b": "x"}], "1": "ok"})
        );
        assert_eq!(parse_document("").unwrap(), serde_json::Value::Null);
        assert!(parse_document("a: [\n").is_err());
    }
}
