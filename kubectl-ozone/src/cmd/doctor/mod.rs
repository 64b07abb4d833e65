//! `kubectl ozone doctor`: what is wrong, why, and what to do. Without a spec it examines the
//! running cluster (pods, PVCs, rollouts, Raft rings, safe mode, datanodes, certificates,
//! NetworkPolicies); with one (`-f`, `--profile`, `--set`) it checks that the cluster the
//! kubeconfig names can take the install (Pod Security, StorageClasses, nodes and zones,
//! CRDs, Kubernetes version, RBAC). The checks are [`ozone_engine::diagnose::doctor`]'s; here
//! are the arguments, the text of the report and the exit code.

use crate::cli::SpecArgs;
use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, structured};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::diagnose::doctor::{self, DoctorOptions, Report};
use ozone_generator::spec::Cluster;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

pub(crate) const EXAMPLES: &str = "Examples:
  # What is wrong with the running cluster in the current namespace
  kubectl ozone doctor

  # Also the safe-mode rules SCM still waits for, as JSON
  kubectl ozone doctor --verbose -o json

  # Before installing: can the cluster the kubeconfig names take this spec?
  kubectl ozone doctor -f ozone-cluster.yaml";

/// `doctor` arguments.
#[derive(Debug, Args, Clone)]
pub struct DoctorArgs {
    /// Which cluster (and the namespace an install would go to).
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Check an install of this spec file before applying it ("-" reads standard input).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Check an install of this profile (small, medium, large) before applying it.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Override a spec field for the install check (datanodes.replicas=5); repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// More detail: the safe-mode rules SCM still waits for.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Exit 1 when a finding is at or above this verdict.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Lines of a crash-looping container's previous log to show.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub log_lines: usize,
    /// Warn about certificates that expire within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub cert_warn_days: u64,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

impl DoctorArgs {
    /// Whether a spec was given, which makes this a check before install.
    pub fn has_spec(&self) -> bool {
        self.file.is_some() || self.profile.is_some() || !self.sets.is_empty()
    }
}

/// Reads the spec, when one is given. Bad input ends here, before the cluster is contacted.
pub fn load_spec(args: &DoctorArgs) -> Result<Option<Cluster>> {
    if !args.has_spec() {
        return Ok(None);
    }
    let spec = SpecArgs {
        profile: args.profile.clone(),
        file: args.file.clone(),
        sets: args.sets.clone(),
        name: args.cluster.name.clone(),
        namespace: args.cluster.kube.namespace.clone(),
    };
    Ok(Some(crate::cmd::render::load(&spec)?))
}

/// `--fail-on`: the least verdict that makes the exit code 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum FailOn {
    /// Errors only.
    Error,
    /// Warnings, errors and checks that could not run.
    #[default]
    Warning,
    /// Never: always exit 0 once the checks ran.
    None,
}

impl From<FailOn> for doctor::FailOn {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Error => doctor::FailOn::Error,
            FailOn::Warning => doctor::FailOn::Warning,
            FailOn::None => doctor::FailOn::None,
        }
    }
}

impl DoctorArgs {
    /// How closely the running cluster is examined.
    pub fn options(&self) -> DoctorOptions {
        DoctorOptions {
            verbose: self.verbose,
            log_lines: self.log_lines,
            cert_warn_within: Duration::from_secs(self.cert_warn_days.saturating_mul(86_400)),
        }
    }
}

/// The findings about a running cluster.
pub async fn diagnose_running(session: &Session, args: &DoctorArgs) -> Result<Report> {
    let view = discover::find(&session.kube, args.cluster.name.as_deref())
        .await
        .context("no running cluster to examine (to check an install before it exists, give its spec: kubectl ozone doctor -f ozone-cluster.yaml or --profile)")?;
    Ok(doctor::examine(session, view, &args.options()).await)
}

/// Runs `doctor` and prints its report; `spec` from [`load_spec`].
pub async fn run(
    session: &Session,
    io: &mut Io,
    args: &DoctorArgs,
    spec: Option<Cluster>,
) -> Result<ExitCode> {
    let report = match &spec {
        Some(cluster) => doctor::before_install(session, cluster).await?,
        None => diagnose_running(session, args).await?,
    };
    let text = match structured(args.format, &report)? {
        Some(s) => s,
        None => to_text(&report),
    };
    io.out.write_all(text.as_bytes())?;
    io.out.flush()?;
    Ok(if report.fails(args.fail_on.into()) {
        ExitCode::from(crate::exit::FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

/// The report as text: one line per finding, its fix indented below.
pub fn to_text(report: &Report) -> String {
    let mode = match report.mode {
        "running" => "running cluster",
        _ => "before install",
    };
    let mut out = format!(
        "Ozone cluster {} in namespace {} ({mode})\n\n",
        report.cluster, report.namespace
    );
    let width = report
        .findings
        .iter()
        .map(|f| f.check.len())
        .max()
        .unwrap_or(0);
    for f in &report.findings {
        let subject = if f.subject.is_empty() {
            String::new()
        } else {
            format!("{}: ", f.subject)
        };
        let _ = writeln!(
            out,
            "{:<11} {:<width$}  {subject}{}",
            f.verdict.as_str(),
            f.check,
            f.evidence
        );
        if let Some(fix) = &f.fix {
            let _ = writeln!(out, "{:<11} {:<width$}  fix: {fix}", "", "");
        }
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n{} ok, {} warning(s), {} error(s), {} not checked",
        s.ok, s.warning, s.error, s.not_checked
    );
    out
}
