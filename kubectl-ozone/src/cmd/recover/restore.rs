//! `kubectl ozone recover --from DIR/NAME`: the engine's restore of a single-OM, single-SCM
//! cluster from a verified backup ([`ozone_engine::recover::restore`]). Replacing the metadata
//! asks for the cluster's name typed on a terminal; with `--yes` it must also be named by
//! `--confirm-cluster NAME`.

use crate::cmd::common::{ChangeArgs, ClusterArgs, Presented, is_data, present_plan, print_plan};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::recover::restore::{self, RestoreOptions};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) const EXAMPLES: &str = "Examples:
  # See the plan: checks, the stop, the restore pods, the start order
  kubectl ozone recover --from backups/backup-20261201-030000 --dry-run

  # Without a terminal: --yes and the cluster's name, confirming its metadata is replaced
  kubectl ozone recover --from backups/backup-20261201-030000 --yes --confirm-cluster ozone

  # Total loss of an HA cluster: render and apply a NEW cluster with one OM and one SCM,
  # then restore into it
  kubectl ozone recover --from backups/backup-20261201-030000 -n ozone-new --name ozone --into-cluster";

/// `recover --from` arguments.
#[derive(Debug, Args, Clone)]
pub struct FromArgs {
    /// The backup directory (DIR/backup-<time>, as `backup create` or the schedule wrote it).
    #[arg(long = "from", value_name = "DIR/NAME")]
    pub backup: Option<PathBuf>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags. The procedure always waits for each phase; --timeout bounds the run.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Restore a backup of another cluster or namespace: into a NEW cluster rendered and
    /// applied for the purpose (never into a different running one).
    #[arg(long)]
    pub into_cluster: bool,
    /// The cluster's name, confirming without a terminal (with --yes) that its OM and SCM
    /// metadata is replaced.
    #[arg(long, value_name = "NAME")]
    pub confirm_cluster: Option<String>,
    /// Skip the check that the backup was taken on an Ozone no newer than the running one.
    #[arg(long)]
    pub skip_version_check: bool,
}

/// Runs `recover --from`.
pub async fn run(session: &Session, io: &mut Io, a: &FromArgs, backup: &Path) -> Result<ExitCode> {
    let options = RestoreOptions {
        into_cluster: a.into_cluster,
        skip_version_check: a.skip_version_check,
        timeout: a.change.timeout,
        poll: a.change.poll_interval,
        dry_run: a.change.is_dry_run(),
        flags: crate::cmd::upgrade::flags(session, &a.cluster),
    };
    let planned = restore::plan(session, a.cluster.name.as_deref(), backup, &options).await?;
    if present_plan(io, &planned.plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    let cluster = planned.cluster.as_str();
    if a.change.yes && a.confirm_cluster.as_deref() != Some(cluster) {
        return Err(BadInput(format!(
            "--yes replaces the OM and SCM metadata of cluster {cluster}: add --confirm-cluster {cluster} to confirm it without a terminal{}",
            match &a.confirm_cluster {
                Some(other) => format!(" (--confirm-cluster names {other})"),
                None => String::new(),
            }
        ))
        .into());
    }
    let question = format!(
        "stop every pod of cluster {cluster} and replace its OM and SCM metadata with backup {}? Type the cluster's name to confirm",
        planned.manifest.name
    );
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::DataLoss,
        a.change.yes,
        &question,
        cluster,
    )?;
    planned.run(session, confirmed, io).await?;
    if is_data(a.change.format) {
        print_plan(io, &planned.plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
