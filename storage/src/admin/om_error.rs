//! The error line `ozone sh` prints when OM refuses a request. Without `--verbose` the shell
//! prints an `OMException` as `<RESULT_CODE> <message>` on standard error (`Shell.printError`
//! in apache/ozone `cli-shell`), after whatever log lines the JVM wrote first. The result code
//! is what tells a missing bucket from a snapshot limit, so callers can say it in one line.

/// `OMException.ResultCodes` names callers act on (the snapshot commands' `explain` tells
/// each apart), and others OM commonly answers with.
pub const KNOWN_CODES: &[&str] = &[
    "VOLUME_NOT_FOUND",
    "BUCKET_NOT_FOUND",
    "KEY_NOT_FOUND",
    "FILE_NOT_FOUND",
    "FILE_ALREADY_EXISTS",
    "TOO_MANY_SNAPSHOTS",
    "PERMISSION_DENIED",
    "ACCESS_DENIED",
    "INVALID_REQUEST",
    "INVALID_SNAPSHOT_ERROR",
    "NOT_SUPPORTED_OPERATION",
    "QUOTA_EXCEEDED",
    "INTERNAL_ERROR",
];

/// Endings of whole families of result codes (`SNAPSHOT_NOT_FOUND`, `BUCKET_ALREADY_EXISTS`,
/// …), which differ between Ozone versions.
pub const KNOWN_SUFFIXES: &[&str] = &[
    "_NOT_FOUND",
    "_ALREADY_EXISTS",
    "_ERROR",
    "_DENIED",
    "_EXCEEDED",
];

/// Whether `code` is an OM result code: shaped like one (upper case, digits and inner
/// underscores) and either known or of a known family. Shape alone is not enough: the
/// launcher's `JAVA_HOME is not set` and similar lines look the same.
pub fn is_result_code(code: &str) -> bool {
    let shaped = code.contains('_')
        && !code.starts_with('_')
        && !code.ends_with('_')
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    shaped && (KNOWN_CODES.contains(&code) || KNOWN_SUFFIXES.iter().any(|s| code.ends_with(s)))
}

/// An `OMException` as the shell printed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OmError {
    /// The `OMException.ResultCodes` name, e.g. `BUCKET_NOT_FOUND`.
    pub code: String,
    /// The message after it.
    pub message: String,
}

impl OmError {
    /// Finds the last `<RESULT_CODE> <message>` line in standard error. Only a word
    /// [`is_result_code`] accepts counts, so log lines (`WARN …`, `INFO …`), Java stack frames
    /// and launcher messages (`JAVA_HOME is not set`) are not mistaken for one.
    pub fn parse(stderr: &str) -> Option<OmError> {
        stderr.lines().rev().find_map(|line| {
            let line = line.trim();
            let (code, message) = line.split_once(' ').unwrap_or((line, ""));
            is_result_code(code).then(|| OmError {
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
            "JAVA_HOME is not set",
            "HADOOP_OPTS ignored",
            "",
        ] {
            assert_eq!(OmError::parse(stderr), None, "{stderr}");
        }
    }

    #[test]
    fn a_launcher_line_after_the_result_code_does_not_hide_it() {
        let e =
            OmError::parse("SNAPSHOT_NOT_FOUND Snapshot s9 does not exist\nJAVA_HOME is not set\n")
                .unwrap();
        assert_eq!(e.code, "SNAPSHOT_NOT_FOUND");
        assert_eq!(OmError::parse("JAVA_HOME is not set\n"), None);
        assert!(is_result_code("BUCKET_ALREADY_EXISTS"));
        assert!(!is_result_code("JAVA_HOME"));
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,200}") {
            let _ = OmError::parse(&text);
        }
    }
}
