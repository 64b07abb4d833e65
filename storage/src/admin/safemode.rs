//! `ozone admin safemode status`: text only (reference §6: "SCM is in safe mode." /
//! "SCM is out of safe mode.", preceded by "Service ID: <id>" under HA).

use super::ParseError;
use serde::Serialize;

/// Whether SCM accepts writes yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SafeMode {
    /// Still waiting for enough datanodes and containers: no writes.
    In,
    /// Normal operation.
    Out,
}

/// Parses the output of `ozone admin safemode status`.
pub fn parse_status(text: &str) -> Result<SafeMode, ParseError> {
    for line in text.lines().map(str::trim) {
        if line.ends_with("is out of safe mode.") {
            return Ok(SafeMode::Out);
        }
        if line.ends_with("is in safe mode.") {
            return Ok(SafeMode::In);
        }
    }
    Err(ParseError::Text {
        command: "ozone admin safemode status",
        reason: "no \"SCM is in/out of safe mode.\" line".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_both_states() {
        assert_eq!(
            parse_status("Service ID: scmservice\nSCM is out of safe mode.\n").unwrap(),
            SafeMode::Out
        );
        assert_eq!(parse_status("SCM is in safe mode.").unwrap(), SafeMode::In);
        assert!(parse_status("Error: connection refused").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = parse_status(&s);
        }
    }
}
