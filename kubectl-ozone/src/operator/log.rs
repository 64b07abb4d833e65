//! The operator's log: one logfmt line per record on standard error (`time=… level=… cluster=…
//! msg="…"`), which log collectors (Loki, Fluent Bit, Vector) parse into fields without a
//! format of their own; kubectl's and the plugin's human output stays elsewhere.

use k8s_openapi::jiff::Timestamp;

/// How much a record matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Progress: a step, an election.
    Info,
    /// Something failed and is retried.
    Warn,
    /// The operator stops.
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// A value quoted when logfmt needs it (spaces, quotes, `=`, empty), escaped as Go's `%q`
/// would for the characters a message holds.
fn value(v: &str) -> String {
    if !v.is_empty() && !v.chars().any(|c| c.is_whitespace() || c == '"' || c == '=') {
        return v.to_owned();
    }
    let escaped = v
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\t', "\\t");
    format!("\"{escaped}\"")
}

/// The line for a record; `fields` are extra `key=value` pairs in order.
pub fn line(at: Timestamp, level: Level, fields: &[(&str, &str)], message: &str) -> String {
    let mut out = format!("time={at:.3} level={}", level.as_str());
    for (k, v) in fields {
        out.push_str(&format!(" {k}={}", value(v)));
    }
    out.push_str(&format!(" msg={}", value(message)));
    out
}

/// Writes a record about `cluster` (`namespace/name`; empty: the operator itself).
pub fn record(level: Level, cluster: &str, message: &str) {
    let fields: &[(&str, &str)] = if cluster.is_empty() {
        &[]
    } else {
        &[("cluster", cluster)]
    };
    eprintln!("{}", line(Timestamp::now(), level, fields, message));
}

/// An info record.
pub fn info(cluster: &str, message: &str) {
    record(Level::Info, cluster, message);
}

/// A warning record.
pub fn warn(cluster: &str, message: &str) {
    record(Level::Warn, cluster, message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_with_spaces_quotes_or_newlines_are_quoted_and_escaped() {
        let at = Timestamp::UNIX_EPOCH;
        let l = line(
            at,
            Level::Warn,
            &[("cluster", "ns/oz")],
            "stage \"restart\" failed:\nno leader",
        );
        assert_eq!(
            l,
            r#"time=1970-01-01T00:00:00.000Z level=warn cluster=ns/oz msg="stage \"restart\" failed:\nno leader""#
        );
        assert_eq!(
            line(at, Level::Info, &[], "leading"),
            "time=1970-01-01T00:00:00.000Z level=info msg=leading"
        );
        assert_eq!(value(""), "\"\"");
        assert_eq!(value("a=b"), "\"a=b\"");
    }
}
