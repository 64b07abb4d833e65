//! Number fields that Ozone versions print either as JSON numbers or as strings: accept both,
//! and treat anything else as absent rather than failing the whole document.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// An optional count or byte size.
pub fn u64_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A count that defaults to 0.
pub fn u64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(u64_opt(d)?.unwrap_or(0))
}

/// A value printed as text, whatever JSON type it came as.
pub fn text_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}
