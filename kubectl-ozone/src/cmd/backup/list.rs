//! `backup list`: the scheduled runs and local backups the engine finds
//! ([`ozone_engine::backup::list`]), as a table or data.

use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, bytes, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `backup list` arguments.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Also list the backups in this local directory.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Only the local directory; do not contact the cluster.
    #[arg(long, requires = "dir")]
    pub local_only: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn age(created_at: &str) -> String {
    let Ok(t) = created_at.parse::<k8s_openapi::jiff::Timestamp>() else {
        return "?".into();
    };
    let now = k8s_openapi::jiff::Timestamp::now();
    let secs = now.duration_since(t).as_secs().max(0).unsigned_abs();
    ozone_engine::duration::format(std::time::Duration::from_secs(secs))
}

/// Runs `backup list`.
pub async fn run(session: Option<&Session>, io: &mut Io, args: &ListArgs) -> Result<ExitCode> {
    let name = args.cluster.name.as_deref();
    let all = ozone_engine::backup::list(session, name, args.dir.as_deref(), io).await?;
    match structured(args.format, &all)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => {
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|b| {
                    let (name, location, status) = (&b.name, &b.location, &b.status);
                    let error = b.error.clone().unwrap_or_default();
                    let when = age(&b.created_at);
                    vec![
                        name.clone(),
                        location.clone(),
                        status.clone(),
                        when,
                        bytes(b.size),
                        error,
                    ]
                })
                .collect();
            let header = ["NAME", "LOCATION", "STATUS", "AGE", "SIZE", "ERROR"];
            io.out.write_all(table::render(&header, &rows).as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
