//! `ozone admin cert list --json` (reference §6): the certificates Ozone's own CA in SCM
//! issued to OMs and datanodes. Only a secure (Kerberos) cluster runs that CA.

use super::{ParseError, json};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One certificate Ozone's SCM CA issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OzoneCert {
    /// Serial number, as printed.
    pub serial_number: String,
    /// Start of validity, as printed.
    pub valid_from: String,
    /// End of validity, as printed.
    pub expiry: String,
    /// Subject: `key=value` pairs in printed order when the JSON is an object of strings.
    pub subject: String,
    /// Issuer, likewise.
    pub issuer: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(default)]
    serial_number: Value,
    #[serde(default)]
    valid_from: Value,
    #[serde(default)]
    expiry: Value,
    #[serde(default, rename = "subjectDN")]
    subject_dn: Value,
    #[serde(default, rename = "issuerDN")]
    issuer_dn: Value,
}

/// Text for a JSON value whose exact shape the reference leaves open: strings as they are,
/// objects of scalars as `k=v, …`, anything else as compact JSON.
fn show(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Object(m) if m.values().all(|x| !x.is_object() && !x.is_array()) => m
            .iter()
            .map(|(k, x)| format!("{k}={}", show(x)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Parses `ozone admin cert list --json`: an array of
/// `{serialNumber, validFrom, expiry, subjectDN, issuerDN}`.
pub fn parse_list(text: &str) -> Result<Vec<OzoneCert>, ParseError> {
    let entries: Vec<Entry> = json("ozone admin cert list --json", text)?;
    Ok(entries
        .into_iter()
        .map(|e| OzoneCert {
            serial_number: show(&e.serial_number),
            valid_from: show(&e.valid_from),
            expiry: show(&e.expiry),
            subject: show(&e.subject_dn),
            issuer: show(&e.issuer_dn),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shape_parses() {
        let text = r#"[
          {"serialNumber": 1763900000123, "validFrom": "2026-11-23T13:00:00Z",
           "expiry": "2027-11-23T13:00:00Z",
           "subjectDN": {"CN": "dn@ozone-datanode-0", "OU": "ozone", "O": "CID-1"},
           "issuerDN": {"CN": "scm-sub@ozone-scm-0", "O": "CID-1"}, "extra": true}
        ]"#;
        let certs = parse_list(text).unwrap();
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].serial_number, "1763900000123");
        assert_eq!(certs[0].expiry, "2027-11-23T13:00:00Z");
        assert_eq!(
            certs[0].subject,
            "CN=dn@ozone-datanode-0, OU=ozone, O=CID-1"
        );
        assert!(parse_list("[]").unwrap().is_empty());
        assert!(parse_list("Error: security is not enabled").is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in ".{0,200}") {
            let _ = parse_list(&s);
        }
    }
}
