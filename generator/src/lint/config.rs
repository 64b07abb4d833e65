//! Lint options — target Kubernetes version, strictness, which checks run — from flags or a
//! config file (`--config`), validated before any input is read so a typo in a check id
//! fails the run instead of silently disabling nothing.

use super::checks::{self, Layer, Severity};
use super::versions::{DEFAULT_KUBE_VERSION, KubeVersion};
use crate::yaml;
use serde::Deserialize;
use std::collections::BTreeSet;

/// Unusable options.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OptionsError {
    /// A check id that does not exist.
    #[error("unknown check id {0:?} (kubectl ozone lint --list-checks shows them)")]
    UnknownCheck(String),
    /// Parse checks cannot be disabled: a document that does not parse was not linted.
    #[error("check {0:?} cannot be disabled: documents that fail it are not linted at all")]
    Mandatory(String),
    /// A Kubernetes version that is not `1.X`.
    #[error("invalid Kubernetes version {0:?}: expected 1.X, e.g. 1.30")]
    KubeVersion(String),
    /// A severity that is not info, warning or error.
    #[error("invalid severity {0:?}: expected info, warning, error or none")]
    Severity(String),
    /// The config file does not parse.
    #[error("config file {file}: {message}")]
    Config {
        /// File name.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// How the linter runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The Kubernetes version whose API the manifests target.
    pub kube_version: KubeVersion,
    /// Custom resources without a schema are errors rather than warnings.
    pub strict: bool,
    enabled: BTreeSet<&'static str>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            kube_version: DEFAULT_KUBE_VERSION,
            strict: false,
            enabled: checks::CHECKS
                .iter()
                .filter(|c| c.default)
                .map(|c| c.id)
                .collect(),
        }
    }
}

impl Options {
    /// Turns a check on.
    ///
    /// # Errors
    /// An unknown id.
    pub fn enable(&mut self, id: &str) -> Result<(), OptionsError> {
        let check = checks::find(id).ok_or_else(|| OptionsError::UnknownCheck(id.to_owned()))?;
        self.enabled.insert(check.id);
        Ok(())
    }

    /// Turns a check off.
    ///
    /// # Errors
    /// An unknown id, or a parse check.
    pub fn disable(&mut self, id: &str) -> Result<(), OptionsError> {
        let check = checks::find(id).ok_or_else(|| OptionsError::UnknownCheck(id.to_owned()))?;
        if check.layer == Layer::Parse {
            return Err(OptionsError::Mandatory(id.to_owned()));
        }
        self.enabled.remove(check.id);
        Ok(())
    }

    /// Sets the target version from text.
    ///
    /// # Errors
    /// Text that is not `1.X`.
    pub fn set_kube_version(&mut self, text: &str) -> Result<(), OptionsError> {
        self.kube_version =
            KubeVersion::parse(text).ok_or_else(|| OptionsError::KubeVersion(text.to_owned()))?;
        Ok(())
    }

    /// Whether a check runs.
    pub fn enabled(&self, id: &str) -> bool {
        self.enabled.contains(id)
    }

    /// The severity findings of a check get.
    pub fn severity(&self, id: &str) -> Severity {
        if id == checks::MISSING_SCHEMA && self.strict {
            return Severity::Error;
        }
        checks::find(id).map_or(Severity::Error, |c| c.severity)
    }
}

/// Parses `--fail-on`: a severity, or `none` (never fail on findings).
///
/// # Errors
/// Anything else.
pub fn parse_fail_on(text: &str) -> Result<Option<Severity>, OptionsError> {
    if text == "none" {
        return Ok(None);
    }
    Severity::parse(text)
        .map(Some)
        .ok_or_else(|| OptionsError::Severity(text.to_owned()))
}

/// The config file: the same settings as the flags; flags given on the command line win.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    /// Checks to turn on or off.
    #[serde(default)]
    pub checks: ConfigChecks,
    /// `--kube-version`.
    pub kube_version: Option<String>,
    /// `--strict`.
    pub strict: Option<bool>,
    /// `--fail-on`.
    pub fail_on: Option<String>,
}

/// The `checks` section.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigChecks {
    /// Ids to enable.
    #[serde(default)]
    pub enable: Vec<String>,
    /// Ids to disable; applied after `enable`.
    #[serde(default)]
    pub disable: Vec<String>,
}

impl Config {
    /// Parses a config file.
    ///
    /// # Errors
    /// Syntax, unknown fields, or wrong types.
    pub fn parse(file: &str, text: &str) -> Result<Config, OptionsError> {
        yaml::from_str_with_path(text).map_err(|e| OptionsError::Config {
            file: file.to_owned(),
            message: match (e.path.is_empty(), e.location) {
                (true, _) => e.message,
                (false, Some((line, _))) => format!("line {line}: {}: {}", e.path, e.message),
                (false, None) => format!("{}: {}", e.path, e.message),
            },
        })
    }

    /// Applies the file's settings to options.
    ///
    /// # Errors
    /// Unknown check ids or a bad version.
    pub fn apply(&self, options: &mut Options) -> Result<(), OptionsError> {
        for id in &self.checks.enable {
            options.enable(id)?;
        }
        for id in &self.checks.disable {
            options.disable(id)?;
        }
        if let Some(v) = &self.kube_version {
            options.set_kube_version(v)?;
        }
        if let Some(strict) = self.strict {
            options.strict = strict;
        }
        if let Some(f) = &self.fail_on {
            parse_fail_on(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enable_disable_and_config() {
        let mut o = Options::default();
        assert!(!o.enabled("default-service-account"));
        assert!(o.enabled("latest-tag"));
        let config = Config::parse(
            "c.yaml",
            "checks:\n  enable: [default-service-account]\n  disable: [latest-tag]\nkubeVersion: '1.24'\nstrict: true\n",
        )
        .unwrap();
        config.apply(&mut o).unwrap();
        assert!(o.enabled("default-service-account"));
        assert!(!o.enabled("latest-tag"));
        assert_eq!(o.kube_version.minor, 24);
        assert_eq!(o.severity("missing-schema"), Severity::Error);
        assert_eq!(
            o.enable("no-such-check"),
            Err(OptionsError::UnknownCheck("no-such-check".into()))
        );
        assert!(matches!(
            o.disable("yaml-syntax"),
            Err(OptionsError::Mandatory(_))
        ));
        let err = Config::parse("c.yaml", "checks:\n  enabel: [x]\n").unwrap_err();
        assert!(err.to_string().contains("enabel"), "{err}");
    }
}
