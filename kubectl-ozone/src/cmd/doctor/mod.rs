//! `kubectl ozone doctor`: what is wrong, why, and what to do. Without a spec it examines the
//! running cluster (pods, PVCs, rollouts, Raft rings, safe mode, datanodes, certificates,
//! NetworkPolicies); with one (`-f`, `--profile`, `--set`) it checks that the cluster the
//! kubeconfig names can take the install (Pod Security, StorageClasses, nodes and zones,
//! CRDs, Kubernetes version, RBAC).
//!
//! Reads only: it never writes to Kubernetes and never runs a mutating Ozone command (it is
//! handed a [`ozone_engine::cluster::Session`], which has no way to write). Each check is a pure
//! function of facts ([`running`], [`install`]) read by [`gather`]; a fact that cannot be
//! read makes its check `not-checked`, never `ok`.

pub mod gather;
pub mod install;
pub mod labels;
pub mod running;
#[cfg(test)]
mod tests;
pub mod verdict;

use crate::cli::SpecArgs;
use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, structured};
use anyhow::{Context, Result};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_generator::objects;
use ozone_generator::spec::Cluster;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use verdict::{FailOn, Finding, Report};

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

/// The findings about a running cluster.
pub async fn diagnose_running(session: &Session, args: &DoctorArgs) -> Result<Report> {
    let view = discover::find(&session.kube, args.cluster.name.as_deref())
        .await
        .context("no running cluster to examine (to check an install before it exists, give its spec: kubectl ozone doctor -f ozone-cluster.yaml or --profile)")?;
    let cluster = view.cluster().to_owned();
    let facts = gather::running(
        session,
        view,
        args.verbose,
        args.log_lines,
        Duration::from_secs(args.cert_warn_days.saturating_mul(86_400)),
    )
    .await;
    Ok(Report::new(
        "running",
        &cluster,
        session.namespace(),
        running::check(&facts),
    ))
}

/// The findings about installing `cluster` into the kubeconfig's cluster.
pub async fn diagnose_install(session: &Session, cluster: &Cluster) -> Result<Report> {
    let manifest = objects::render(cluster)?;
    let session = session.in_namespace(&cluster.namespace);
    let facts = gather::install(&session, &manifest).await;
    let admitted = install::admitted_level(&manifest.to_yaml()?);
    let mut findings: Vec<Finding> = vec![install::pod_security(
        &cluster.namespace,
        &facts.namespace,
        &admitted,
    )];
    findings.extend(install::storage(
        &install::volumes(cluster),
        &facts.storage_classes,
    ));
    findings.extend(install::nodes(cluster, &facts.nodes));
    findings.extend(install::apis(&install::needed_apis(&manifest), &facts.apis));
    findings.push(install::kube_version(&facts.version));
    findings.extend(install::rbac(&facts.access));
    Ok(Report::new(
        "before-install",
        &cluster.name,
        &cluster.namespace,
        findings,
    ))
}

/// Runs `doctor` and prints its report; `spec` from [`load_spec`].
pub async fn run(
    session: &Session,
    io: &mut Io,
    args: &DoctorArgs,
    spec: Option<Cluster>,
) -> Result<ExitCode> {
    let report = match &spec {
        Some(cluster) => diagnose_install(session, cluster).await?,
        None => diagnose_running(session, args).await?,
    };
    let text = match structured(args.format, &report)? {
        Some(s) => s,
        None => report.to_text(),
    };
    io.out.write_all(text.as_bytes())?;
    io.out.flush()?;
    Ok(if report.fails(args.fail_on) {
        ExitCode::from(crate::exit::FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}
