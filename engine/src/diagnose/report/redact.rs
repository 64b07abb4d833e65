//! Keeping secrets out of the support bundle. Three layers, because any one alone leaks:
//! Secrets are reduced to their names and keys; values under keys that look like a password,
//! secret or token (ConfigMap data, container env, `ozone-site.xml` properties, `key=value`
//! and `key: value` in logs) become `<redacted>`; and every value the namespace's Secrets
//! and those keys hold is scrubbed from every file of the archive, wherever it turns up.

use k8s_openapi::api::core::v1::Secret;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// What replaces a secret value.
pub const REDACTED: &str = "<redacted>";

/// Shortest value scrubbed by content: shorter ones (`true`, `1`) would blank out ordinary
/// words all over the logs, and are no secret worth the name.
const MIN_SCRUBBED_LEN: usize = 6;

/// Whether a key names something secret: a password, secret, token, credential or private key.
pub fn is_sensitive(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "credential",
        "private.key",
        "privatekey",
        "private_key",
        "apikey",
        "api.key",
        "api_key",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// Secret values to scrub from everything, collected while objects are redacted.
#[derive(Clone, Debug, Default)]
pub struct Scrubber {
    values: BTreeSet<String>,
}

impl Scrubber {
    /// Remembers a secret value (its text, and each of its lines for PEM-like values).
    pub fn learn(&mut self, value: &str) {
        let v = value.trim();
        if v.len() >= MIN_SCRUBBED_LEN {
            self.values.insert(v.to_owned());
        }
        if v.contains('\n') {
            for line in v.lines().map(str::trim) {
                if line.len() >= MIN_SCRUBBED_LEN && !line.starts_with("-----") {
                    self.values.insert(line.to_owned());
                }
            }
        }
    }

    /// Every learned value in `text` replaced, longest first so that a value containing
    /// another is replaced whole.
    pub fn scrub(&self, text: &str) -> String {
        let mut values: Vec<&String> = self.values.iter().collect();
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let mut out = text.to_owned();
        for v in values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), REDACTED);
            }
        }
        out
    }
}

/// A Secret reduced to what a maintainer may see: name, labels, type and the names of its
/// keys. Its values are learned by the scrubber.
pub fn secret(s: &Secret, scrubber: &mut Scrubber) -> Value {
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for (k, v) in s.data.iter().flatten() {
        keys.insert(k.clone());
        scrubber.learn(&String::from_utf8_lossy(&v.0));
    }
    for (k, v) in s.string_data.iter().flatten() {
        keys.insert(k.clone());
        scrubber.learn(v);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": s.metadata.name,
            "namespace": s.metadata.namespace,
            "labels": s.metadata.labels,
        },
        "type": s.type_,
        "keys": keys,
    })
}

/// An object with sensitive values replaced: ConfigMap data and container env under
/// sensitive keys, annotations that may hold a whole earlier object
/// (`kubectl.kubernetes.io/last-applied-configuration`), and managedFields dropped.
pub fn object(mut v: Value, scrubber: &mut Scrubber) -> Value {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            for (k, a) in annotations.iter_mut() {
                if k.ends_with("last-applied-configuration") || is_sensitive(k) {
                    *a = json!(REDACTED);
                }
            }
        }
    }
    if v.get("kind").and_then(Value::as_str) == Some("ConfigMap") {
        for field in ["data", "binaryData"] {
            if let Some(data) = v.get_mut(field).and_then(Value::as_object_mut) {
                for (k, value) in data.iter_mut() {
                    if is_sensitive(k) {
                        if let Some(s) = value.as_str() {
                            scrubber.learn(s);
                        }
                        *value = json!(REDACTED);
                    } else if let Some(s) = value.as_str() {
                        *value = json!(site_xml(s, scrubber));
                    }
                }
            }
        }
    }
    redact_env(&mut v, scrubber);
    v
}

/// Every `env` list anywhere in the object: literal values of sensitive names.
fn redact_env(v: &mut Value, scrubber: &mut Scrubber) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "env"
                    && let Some(list) = child.as_array_mut()
                {
                    for e in list {
                        let name = e
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned();
                        if is_sensitive(&name)
                            && let Some(value) = e.get_mut("value")
                        {
                            if let Some(s) = value.as_str() {
                                scrubber.learn(s);
                            }
                            *value = json!(REDACTED);
                        }
                    }
                } else {
                    redact_env(child, scrubber);
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(|c| redact_env(c, scrubber)),
        _ => {}
    }
}

/// `ozone-site.xml` text (Hadoop's `/conf` servlet, or a config file): the `<value>` of each
/// `<property>` whose `<name>` is sensitive. Text that is not such XML comes back unchanged.
pub fn site_xml(text: &str, scrubber: &mut Scrubber) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<property>") {
        let Some(len) = rest[start..].find("</property>") else {
            break;
        };
        let end = start + len + "</property>".len();
        out.push_str(&rest[..start]);
        out.push_str(&property(&rest[start..end], scrubber));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn between<'t>(text: &'t str, open: &str, close: &str) -> Option<(usize, &'t str)> {
    let s = text.find(open)? + open.len();
    let e = text[s..].find(close)? + s;
    Some((s, &text[s..e]))
}

fn property(p: &str, scrubber: &mut Scrubber) -> String {
    let Some((_, name)) = between(p, "<name>", "</name>") else {
        return p.to_owned();
    };
    if !is_sensitive(name) {
        return p.to_owned();
    }
    match between(p, "<value>", "</value>") {
        Some((at, value)) => {
            scrubber.learn(value);
            format!("{}{REDACTED}{}", &p[..at], &p[at + value.len()..])
        }
        None => p.to_owned(),
    }
}

/// Log or command output: after a sensitive key (`password=…`, `"token": "…"`,
/// `secret: …`), the value up to the next space, comma or quote becomes `<redacted>`.
pub fn text(t: &str, scrubber: &mut Scrubber) -> String {
    let mut out = String::with_capacity(t.len());
    for line in t.split_inclusive('\n') {
        out.push_str(&line_text(line, scrubber));
    }
    out
}

fn line_text(line: &str, scrubber: &mut Scrubber) -> String {
    let mut out = String::new();
    let mut rest = line;
    loop {
        let Some(at) = rest.find(['=', ':']) else {
            out.push_str(rest);
            return out;
        };
        let key_start = rest[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace() || matches!(c, ',' | '{' | '('))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let key = rest[key_start..at].trim_matches(|c| c == '"' || c == '\'');
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        if !is_sensitive(key) {
            continue;
        }
        let lead = rest.len() - rest.trim_start_matches([' ', '"', '\'']).len();
        out.push_str(&rest[..lead]);
        rest = &rest[lead..];
        let end = rest
            .find(|c: char| {
                c.is_whitespace() || c == ',' || c == '"' || c == '\'' || c == '}' || c == '&'
            })
            .unwrap_or(rest.len());
        if end > 0 {
            scrubber.learn(&rest[..end]);
            out.push_str(REDACTED);
        }
        rest = &rest[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sensitive_keys() {
        for k in [
            "keystore-password",
            "OZONE-SITE.XML_ozone.s3g.secret.key",
            "AWS_SECRET_ACCESS_KEY",
            "hdds.token",
            "db_passwd",
        ] {
            assert!(is_sensitive(k), "{k}");
        }
        for k in ["ozone.replication", "ozone.om.address", "tls.crt"] {
            assert!(!is_sensitive(k), "{k}");
        }
    }

    #[test]
    fn site_xml_redacts_sensitive_properties_only() {
        let mut s = Scrubber::default();
        let xml = "<configuration><property><name>ozone.replication</name><value>3</value></property><property><name>ssl.server.keystore.password</name><value>hunter2-long</value><final>false</final></property></configuration>";
        let out = site_xml(xml, &mut s);
        assert!(out.contains("<name>ozone.replication</name><value>3</value>"));
        assert!(out.contains(
            "<name>ssl.server.keystore.password</name><value><redacted></value><final>false</final>"
        ));
        assert!(!out.contains("hunter2-long"));
        assert_eq!(
            s.scrub("leaked hunter2-long here"),
            "leaked <redacted> here"
        );
    }

    #[test]
    fn log_lines_lose_the_values_of_sensitive_keys() {
        let mut s = Scrubber::default();
        let out = text(
            "INFO login password=abcdef123 user=bob\n{\"token\": \"tok-999999\", \"ok\": 1}\n",
            &mut s,
        );
        assert_eq!(
            out,
            "INFO login password=<redacted> user=bob\n{\"token\": \"<redacted>\", \"ok\": 1}\n"
        );
    }

    proptest! {
        #[test]
        fn never_panics(t in ".{0,300}") {
            let mut s = Scrubber::default();
            let _ = text(&t, &mut s);
            let _ = site_xml(&t, &mut s);
            let _ = s.scrub(&t);
        }
    }
}
