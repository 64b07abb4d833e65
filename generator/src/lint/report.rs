//! Findings and the report formats: grouped text (optionally coloured), JSON, JUnit XML and
//! SARIF 2.1.0. Each format carries the summary: objects, findings by severity, skipped
//! documents.

use super::checks::{self, CHECKS, Severity};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// One problem in one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// File name as given (`-` for stdin).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// `Kind/namespace/name`; empty for documents that are not objects.
    pub object: String,
    /// Check id.
    pub check: &'static str,
    /// Severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
}

/// The outcome of a lint run.
#[derive(Clone, Debug)]
pub struct Report {
    /// Findings, ordered by file, line, check.
    pub findings: Vec<Finding>,
    /// Objects linted.
    pub objects: usize,
    /// Documents that could not be linted (syntax errors, not objects).
    pub skipped: usize,
    /// Non-empty documents read.
    pub documents: usize,
}

impl Report {
    /// A report; sorts the findings.
    pub fn new(
        mut findings: Vec<Finding>,
        objects: usize,
        skipped: usize,
        documents: usize,
    ) -> Report {
        findings.sort_by(|a, b| {
            (a.file.as_str(), a.line, a.check, a.message.as_str()).cmp(&(
                b.file.as_str(),
                b.line,
                b.check,
                b.message.as_str(),
            ))
        });
        findings.dedup();
        Report {
            findings,
            objects,
            skipped,
            documents,
        }
    }

    /// How many findings have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Whether any finding is at or above the threshold.
    pub fn fails(&self, threshold: Option<Severity>) -> bool {
        threshold.is_some_and(|t| self.findings.iter().any(|f| f.severity >= t))
    }

    /// `3 objects, 1 error, 0 warnings, 0 infos, 0 documents skipped`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "{}, {}, {}, {}, {} skipped",
            plural(self.objects, "object"),
            plural(self.count(Severity::Error), "error"),
            plural(self.count(Severity::Warning), "warning"),
            plural(self.count(Severity::Info), "info"),
            plural(self.skipped, "document"),
        )
    }

    /// Text grouped by file: `line  severity  check  object  message`.
    pub fn to_text(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_owned()
            }
        };
        let mut out = String::new();
        let mut file: Option<&str> = None;
        for f in &self.findings {
            if file != Some(f.file.as_str()) {
                if file.is_some() {
                    out.push('\n');
                }
                let _ = writeln!(out, "{}", paint("1", &f.file));
                file = Some(&f.file);
            }
            let sev = match f.severity {
                Severity::Error => paint("31", "error"),
                Severity::Warning => paint("33", "warning"),
                Severity::Info => paint("36", "info"),
            };
            let object = if f.object.is_empty() {
                String::new()
            } else {
                format!(" {}", f.object)
            };
            let _ = writeln!(
                out,
                "  {}:{} {sev} [{}]{object}: {}",
                f.file, f.line, f.check, f.message
            );
        }
        if !self.findings.is_empty() {
            out.push('\n');
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// `{"findings": [...], "summary": {...}}`.
    pub fn to_json(&self) -> String {
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                json!({
                    "file": f.file, "line": f.line, "object": f.object, "check": f.check,
                    "severity": f.severity.as_str(), "message": f.message,
                })
            })
            .collect();
        let value = json!({
            "findings": findings,
            "summary": {
                "objects": self.objects,
                "errors": self.count(Severity::Error),
                "warnings": self.count(Severity::Warning),
                "infos": self.count(Severity::Info),
                "skipped": self.skipped,
                "text": self.summary(),
            },
        });
        let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
        s.push('\n');
        s
    }

    /// JUnit XML: one test case per finding, failed; a passing case when there is none, so CI
    /// dashboards show the run.
    pub fn to_junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let failures = self.findings.len();
        let _ = writeln!(
            out,
            "<testsuites name=\"kubectl-ozone lint\" tests=\"{}\" failures=\"{failures}\">",
            failures.max(1)
        );
        let _ = writeln!(
            out,
            "  <testsuite name=\"kubectl-ozone lint\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{}\">",
            failures.max(1),
            self.skipped
        );
        let _ = writeln!(
            out,
            "    <properties><property name=\"summary\" value=\"{}\"/></properties>",
            xml(&self.summary())
        );
        if self.findings.is_empty() {
            out.push_str("    <testcase classname=\"kubectl-ozone.lint\" name=\"all objects\"/>\n");
        }
        for f in &self.findings {
            let name = format!(
                "{} {}",
                f.check,
                if f.object.is_empty() {
                    &f.file
                } else {
                    &f.object
                }
            );
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}:{}: {}</failure>\n    </testcase>",
                xml(&f.file),
                xml(&name),
                xml(&f.file),
                f.line,
                f.severity,
                xml(&f.message),
                xml(&f.file),
                f.line,
                xml(&f.message)
            );
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }

    /// SARIF 2.1.0 with every check as a rule.
    pub fn to_sarif(&self, version: &str) -> String {
        let rules: Vec<Value> = CHECKS
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "name": c.id,
                    "shortDescription": {"text": c.description},
                    "defaultConfiguration": {"level": level(c.severity)},
                })
            })
            .collect();
        let results: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                let index = CHECKS.iter().position(|c| c.id == f.check).unwrap_or(0);
                let mut result = json!({
                    "ruleId": f.check,
                    "ruleIndex": index,
                    "level": level(f.severity),
                    "message": {"text": f.message},
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri(&f.file)},
                            "region": {"startLine": f.line.max(1)},
                        },
                    }],
                });
                if !f.object.is_empty() {
                    result["locations"][0]["logicalLocations"] =
                        json!([{"fullyQualifiedName": f.object, "kind": "object"}]);
                }
                result
            })
            .collect();
        let value = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "kubectl-ozone",
                    "version": version,
                    "informationUri": "https://github.com/kubectl-ozone/kubectl-ozone",
                    "rules": rules,
                }},
                "results": results,
                "properties": {"summary": self.summary()},
            }],
        });
        let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative file name as a URI reference: `/` separators, spaces and `%` escaped.
fn uri(file: &str) -> String {
    let file = file.replace('\\', "/");
    let file = file.strip_prefix("./").unwrap_or(&file);
    file.replace('%', "%25").replace(' ', "%20")
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The description of a check, for help output.
pub fn describe(id: &str) -> &'static str {
    checks::find(id).map_or("", |c| c.description)
}
