//! `--set path=value` overrides: parsing the flag and applying it to a merged document.
//!
//! Paths are dot-separated and relative to `spec` unless they start with `spec`, `metadata`,
//! `apiVersion` or `kind`. A literal dot in a key is written `\.`
//! (`config.ozone-site\.xml.ozone\.om\.handler\.count=40`); list items are `name[0]`.
//! Values are read as YAML scalars: `3` is a number, `true` a boolean, anything else a string.

use serde_json::Value;

/// One `--set` flag.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The flag as given, for error messages.
    pub raw: String,
    /// Path segments from the document root.
    pub path: Vec<Segment>,
    /// The value.
    pub value: Value,
}

/// A step in a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

const ROOT_FIELDS: [&str; 4] = ["spec", "metadata", "apiVersion", "kind"];

impl Assignment {
    /// Parses `path=value`.
    pub fn parse(raw: &str) -> Result<Assignment, String> {
        let Some((path, value)) = raw.split_once('=') else {
            return Err("expected path=value (for example datanodes.replicas=5)".into());
        };
        let mut segments = parse_path(path)?;
        if !matches!(segments.first(), Some(Segment::Key(k)) if ROOT_FIELDS.contains(&k.as_str())) {
            segments.insert(0, Segment::Key("spec".into()));
        }
        Ok(Assignment {
            raw: raw.to_owned(),
            path: segments,
            value: crate::yaml::scalar(value),
        })
    }

    /// The path as a dotted string.
    pub fn dotted(&self) -> String {
        let mut out = String::new();
        for s in &self.path {
            match s {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// Writes the value into `doc`, creating maps on the way.
    pub fn apply(&self, doc: &mut Value) -> Result<(), String> {
        let mut here = doc;
        for (i, seg) in self.path.iter().enumerate() {
            let last = i + 1 == self.path.len();
            here = match seg {
                Segment::Key(k) => {
                    if here.is_null() {
                        *here = Value::Object(Default::default());
                    }
                    let Value::Object(map) = here else {
                        return Err(format!(
                            "{}: cannot set a field inside a value that is not a map",
                            self.prefix(i)
                        ));
                    };
                    if last {
                        map.insert(k.clone(), self.value.clone());
                        return Ok(());
                    }
                    map.entry(k.clone()).or_insert(Value::Null)
                }
                Segment::Index(idx) => {
                    if here.is_null() {
                        *here = Value::Array(Vec::new());
                    }
                    let Value::Array(items) = here else {
                        return Err(format!("{}: is not a list", self.prefix(i)));
                    };
                    if *idx > items.len() {
                        return Err(format!(
                            "{}: index {idx} is past the end of a list of {}",
                            self.prefix(i),
                            items.len()
                        ));
                    }
                    if *idx == items.len() {
                        items.push(Value::Null);
                    }
                    if last {
                        items[*idx] = self.value.clone();
                        return Ok(());
                    }
                    &mut items[*idx]
                }
            };
        }
        Ok(())
    }

    fn prefix(&self, upto: usize) -> String {
        Assignment {
            raw: String::new(),
            path: self.path[..upto].to_vec(),
            value: Value::Null,
        }
        .dotted()
    }
}

fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    if path.is_empty() {
        return Err("the path before '=' is empty".into());
    }
    let mut segments = Vec::new();
    let mut key = String::new();
    let mut chars = path.chars().peekable();
    let mut after_index = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => key.push(escaped),
                None => return Err("the path ends with a lone '\\'".into()),
            },
            '.' => {
                if key.is_empty() && !after_index {
                    return Err(format!("empty segment in path {path:?}"));
                }
                if !key.is_empty() {
                    segments.push(Segment::Key(std::mem::take(&mut key)));
                }
                after_index = false;
            }
            '[' => {
                if !key.is_empty() {
                    segments.push(Segment::Key(std::mem::take(&mut key)));
                }
                let mut digits = String::new();
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some(d) if d.is_ascii_digit() => digits.push(d),
                        _ => {
                            return Err(format!(
                                "bad list index in path {path:?}; expected name[0]"
                            ));
                        }
                    }
                }
                let index = digits
                    .parse()
                    .map_err(|_| format!("bad list index in path {path:?}; expected name[0]"))?;
                segments.push(Segment::Index(index));
                after_index = true;
            }
            other => {
                if after_index {
                    return Err(format!("expected '.' or '[' after ']' in path {path:?}"));
                }
                key.push(other);
            }
        }
    }
    if !key.is_empty() {
        segments.push(Segment::Key(key));
    } else if !after_index {
        return Err(format!("empty segment in path {path:?}"));
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn paths_are_relative_to_spec() {
        let a = Assignment::parse("datanodes.replicas=5").unwrap();
        assert_eq!(a.dotted(), "spec.datanodes.replicas");
        assert_eq!(a.value, json!(5));
        assert_eq!(
            Assignment::parse("metadata.name=x").unwrap().dotted(),
            "metadata.name"
        );
    }

    #[test]
    fn escaped_dots_and_indices() {
        let a = Assignment::parse(r"config.ozone-site\.xml.ozone\.om\.handler\.count=40").unwrap();
        assert_eq!(
            a.path,
            vec![
                Segment::Key("spec".into()),
                Segment::Key("config".into()),
                Segment::Key("ozone-site.xml".into()),
                Segment::Key("ozone.om.handler.count".into()),
            ]
        );
        let mut doc = json!({});
        Assignment::parse("placement.tolerations[0].key=dedicated")
            .unwrap()
            .apply(&mut doc)
            .unwrap();
        assert_eq!(
            doc,
            json!({"spec": {"placement": {"tolerations": [{"key": "dedicated"}]}}})
        );
    }

    #[test]
    fn malformed_flags_are_rejected() {
        for bad in [
            "replicas", "=3", "a..b=1", "a[x]=1", "a[0]b=1", "a\\=1", "a.=1",
        ] {
            assert!(Assignment::parse(bad).is_err(), "{bad}");
        }
        let mut doc = json!({"spec": {"version": "2.2.0"}});
        let err = Assignment::parse("version.major=2")
            .unwrap()
            .apply(&mut doc)
            .unwrap_err();
        assert!(err.contains("spec.version"), "{err}");
    }

    proptest! {
        #[test]
        fn parse_and_apply_never_panic(raw in "\\PC{0,40}") {
            if let Ok(a) = Assignment::parse(&raw) {
                let mut doc = json!({"spec": {"datanodes": {"replicas": 3}, "list": [1]}});
                let _ = a.apply(&mut doc);
            }
        }
    }
}
