//! `kubectl ozone report`: one `.tar.gz` a user can attach to a bug report, collected by
//! [`ozone_engine::diagnose::report`] (objects, events, `status` and `doctor`, logs, Ozone's
//! version and configuration, `/jmx` on request, all redacted, and `index.json`).
//!
//! Collection never stops at the first failure: what could not be read is listed in the index
//! and named on stderr, the archive is still written, and the exit code is 1. The archive is
//! written to a temporary file next to the target and renamed, so an interrupted run leaves no
//! half archive.

use crate::cmd::common::ClusterArgs;
use crate::ui::{Io, bytes};
use anyhow::{Context, Result};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::diagnose::report::{self, ReportOptions, archive};
use ozone_engine::duration;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

pub(crate) const EXAMPLES: &str = "Examples:
  # Everything a bug report needs, secrets redacted
  kubectl ozone report -o ozone-report.tar.gz

  # More log lines of the last hour, and each server's /jmx
  kubectl ozone report --logs 2000 --since 1h --jmx";

/// `report` arguments.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The archive to write; default ozone-report-<cluster>-<time>.tar.gz here.
    #[arg(short = 'o', long = "output", value_name = "FILE.tar.gz")]
    pub output: Option<PathBuf>,
    /// Last lines of each container's log (current and previous instance).
    #[arg(long = "logs", value_name = "N", default_value_t = 1000)]
    pub logs: i64,
    /// Only log lines newer than this: 30m, 2h.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    pub since: Option<Duration>,
    /// Also each OM, SCM and datanode's /jmx (large; may name hosts and paths).
    #[arg(long)]
    pub jmx: bool,
}

impl ReportArgs {
    /// What goes into the bundle.
    pub fn options(&self) -> ReportOptions {
        ReportOptions {
            logs: self.logs,
            since: self.since,
            jmx: self.jmx,
        }
    }
}

/// Runs `report`.
pub async fn run(session: &Session, io: &mut Io, args: &ReportArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, args.cluster.name.as_deref()).await?;
    let cluster = view.cluster().to_owned();
    let bundle = report::collect(session, &view, &args.options(), io).await?;
    let path = args.output.clone().unwrap_or_else(|| {
        let now = k8s_openapi::jiff::Timestamp::now()
            .strftime("%Y%m%d-%H%M%S")
            .to_string();
        PathBuf::from(format!("ozone-report-{cluster}-{now}.tar.gz"))
    });
    let (files, written) = write(&bundle, &path)?;
    io.note(format!(
        "wrote {} ({}, {files} files)",
        path.display(),
        bytes(written),
    ));
    if bundle.failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let missing: Vec<String> = bundle
        .failures
        .iter()
        .map(|f| format!("{}: {}", f.what, f.why))
        .collect();
    io.note(format!(
        "error: {} part(s) could not be collected (listed in index.json):\n  {}",
        missing.len(),
        missing.join("\n  ")
    ));
    Ok(ExitCode::from(crate::exit::FAILURE))
}

/// Writes the archive to `path` atomically (a temporary file in the same directory, renamed):
/// the files in it and its compressed size.
fn write(bundle: &archive::Bundle, path: &std::path::Path) -> Result<(usize, u64)> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    let files = archive::write(bundle, tmp.as_file())?;
    let bytes = tmp.as_file().metadata()?.len();
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok((files, bytes))
}
