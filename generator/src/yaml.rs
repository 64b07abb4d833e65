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
}
