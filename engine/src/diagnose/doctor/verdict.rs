//! What a doctor check says: a verdict, the evidence it rests on, and the fix. Pure data; the
//! checks themselves live in [`super::running`] and [`super::install`], the presentation in
//! the front end.

use serde::Serialize;

/// How a check came out, from best to worst. A check that could not run is `not-checked`,
/// never `ok`: missing permission must not look like health.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Healthy.
    Ok,
    /// The facts could not be read (permission, unreachable API); nothing is known.
    NotChecked,
    /// Works now, but is a risk or degraded.
    Warning,
    /// Broken: something will not work until it is fixed.
    Error,
}

impl Verdict {
    /// The word shown in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::NotChecked => "not-checked",
            Verdict::Warning => "warning",
            Verdict::Error => "error",
        }
    }
}

/// One line of the doctor's report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The check's id (`pod-state`, `storage-class`, …).
    pub check: &'static str,
    /// What was checked: a pod, a PVC, a ring, a resource.
    pub subject: String,
    /// The verdict.
    pub verdict: Verdict,
    /// What was seen.
    pub evidence: String,
    /// What to do about it (absent when all is well).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    /// A passed check.
    pub fn ok(
        check: &'static str,
        subject: impl Into<String>,
        evidence: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            subject: subject.into(),
            verdict: Verdict::Ok,
            evidence: evidence.into(),
            fix: None,
        }
    }

    /// A failed check, with its fix.
    pub fn bad(
        verdict: Verdict,
        check: &'static str,
        subject: impl Into<String>,
        evidence: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            subject: subject.into(),
            verdict,
            evidence: evidence.into(),
            fix: Some(fix.into()),
        }
    }

    /// A check that could not run, and why; `fix` says how to let it run.
    pub fn not_checked(
        check: &'static str,
        subject: impl Into<String>,
        why: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding::bad(Verdict::NotChecked, check, subject, why, fix)
    }
}

/// The least verdict that makes a run fail (the command line's `--fail-on`, exit code 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Errors only.
    Error,
    /// Warnings, errors and checks that could not run.
    #[default]
    Warning,
    /// Never: always exit 0 once the checks ran.
    None,
}

impl FailOn {
    /// Whether a finding makes the run fail.
    pub fn fails(self, verdict: Verdict) -> bool {
        match self {
            FailOn::Error => verdict == Verdict::Error,
            FailOn::Warning => verdict >= Verdict::NotChecked,
            FailOn::None => false,
        }
    }
}

/// Findings counted by verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Passed.
    pub ok: usize,
    /// Warnings.
    pub warning: usize,
    /// Errors.
    pub error: usize,
    /// Could not run.
    pub not_checked: usize,
}

/// Everything `doctor` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// `running` (a cluster was found) or `before-install` (checked against a spec).
    pub mode: &'static str,
    /// The Ozone cluster.
    pub cluster: String,
    /// The namespace.
    pub namespace: String,
    /// Counts.
    pub summary: Summary,
    /// The findings, worst first, then by check and subject.
    pub findings: Vec<Finding>,
}

impl Report {
    /// A report; orders the findings and counts them.
    pub fn new(
        mode: &'static str,
        cluster: &str,
        namespace: &str,
        mut findings: Vec<Finding>,
    ) -> Report {
        findings.sort_by(|a, b| {
            (std::cmp::Reverse(a.verdict), a.check, &a.subject).cmp(&(
                std::cmp::Reverse(b.verdict),
                b.check,
                &b.subject,
            ))
        });
        let mut summary = Summary::default();
        for f in &findings {
            *match f.verdict {
                Verdict::Ok => &mut summary.ok,
                Verdict::Warning => &mut summary.warning,
                Verdict::Error => &mut summary.error,
                Verdict::NotChecked => &mut summary.not_checked,
            } += 1;
        }
        Report {
            mode,
            cluster: cluster.to_owned(),
            namespace: namespace.to_owned(),
            summary,
            findings,
        }
    }

    /// Whether a finding is at or above `fail_on`.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        self.findings.iter().any(|f| fail_on.fails(f.verdict))
    }
}
