//! The error line `ozone sh` prints when OM refuses a request. Without `--verbose` the shell
//! prints an `OMException` as `<RESULT_CODE> <message>` on standard error (`Shell.printError`
//! in apache/ozone `cli-shell`), after whatever log lines the JVM wrote first. The result code
//! is what tells a missing bucket from a snapshot limit, so callers can say it in one line.

/// An `OMException` as the shell printed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OmError {
    /// The `OMException.ResultCodes` name, e.g. `BUCKET_NOT_FOUND`.
    pub code: String,
    /// The message after it.
    pub message: String,
}

impl OmError {
    /// Finds the last `<RESULT_CODE> <message>` line in standard error. A result code is an
    /// upper-case word with at least one underscore, so log lines (`WARN …`, `INFO …`) and
    /// Java stack frames are not mistaken for one.
    pub fn parse(stderr: &str) -> Option<OmError> {
        stderr.lines().rev().find_map(|line| {
            let line = line.trim();
            let (code, message) = line.split_once(' ').unwrap_or((line, ""));
            let is_code = code.contains('_')
                && !code.starts_with('_')
                && !code.ends_with('_')
                && code
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            is_code.then(|| OmError {
                code: code.to_owned(),
                message: message.trim().to_owned(),
            })
        })
    }

    /// Whether the message mentions `word`, ignoring case: for errors whose result code
    /// differs between Ozone versions.
    pub fn mentions(&self, word: &str) -> bool {
        self.message
            .to_ascii_lowercase()
            .contains(&word.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_the_result_code_after_log_lines() {
        let stderr = "2026-11-26 01:00:00,000 [main] WARN util.NativeCodeLoader: Unable to load native-hadoop library\n\
                      TOO_MANY_SNAPSHOTS Snapshot limit of 10 reached\n";
        let e = OmError::parse(stderr).unwrap();
        assert_eq!(e.code, "TOO_MANY_SNAPSHOTS");
        assert_eq!(e.message, "Snapshot limit of 10 reached");
        assert!(e.mentions("LIMIT"));
        assert_eq!(
            OmError::parse("BUCKET_NOT_FOUND").unwrap().code,
            "BUCKET_NOT_FOUND"
        );
    }

    #[test]
    fn log_lines_and_stack_traces_are_not_result_codes() {
        for stderr in [
            "WARN something happened",
            "java.net.ConnectException: Connection refused\n\tat org.apache.Frame1",
            "Error: SCM unreachable",
            "_X_ nope",
            "",
        ] {
            assert_eq!(OmError::parse(stderr), None, "{stderr}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,200}") {
            let _ = OmError::parse(&text);
        }
    }
}
