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

/// One safe-mode exit rule, as `safemode status --verbose` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeModeRule {
    /// The rule (`DataNodeSafeModeRule`, `ContainerSafeModeRule`, …).
    pub rule: String,
    /// Whether it is met.
    pub validated: bool,
    /// What SCM says about it (`registered datanodes (=1) >= required datanodes (=3)`).
    pub status: String,
}

/// The rule lines of `ozone admin safemode status --verbose`:
/// `validated:<bool>, <rule>, <status>` (reference §6). Other lines are skipped; the status
/// may itself contain commas.
pub fn parse_rules(text: &str) -> Vec<SafeModeRule> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("validated:")?;
            let (validated, rest) = rest.split_once(',')?;
            let (rule, status) = rest.split_once(',').unwrap_or((rest, ""));
            Some(SafeModeRule {
                rule: rule.trim().to_owned(),
                validated: validated.trim().eq_ignore_ascii_case("true"),
                status: status.trim().to_owned(),
            })
        })
        .collect()
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

    #[test]
    fn verbose_rules_are_read_with_commas_in_their_status() {
        let text = "SCM is in safe mode.\nvalidated:false, DataNodeSafeModeRule, registered datanodes (=1) >= required datanodes (=3)\nvalidated:true, RatisContainerSafeModeRule, 100.00% of [Ratis] Containers, (100 of 100) have at least one reported replica\n";
        let rules = parse_rules(text);
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].rule, "DataNodeSafeModeRule");
        assert!(!rules[0].validated);
        assert!(rules[0].status.contains("required datanodes (=3)"));
        assert!(rules[1].validated);
        assert!(rules[1].status.contains("(100 of 100)"));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = parse_status(&s);
            let _ = parse_rules(&s);
        }
    }
}
