//! `kubectl ozone recover`: the recoveries Ozone documents (operations §2.3).
//! - `recover om POD` / `recover scm POD` ([`member`]): an HA ring member that lost its disk
//!   or is corrupt is emptied and bootstrapped again from its peers.
//! - `recover --from DIR/NAME`: a single-OM, single-SCM cluster restored from a backup
//!   (`restore`, built on its own branch).

pub mod member;

use crate::cluster::Session;
use crate::cmd::common::{ChangeArgs, ClusterArgs};
use crate::ui::Io;
use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub(crate) const EXAMPLES: &str = "Examples:
  # An OM of the ring lost its disk: see the plan, then empty it and bootstrap it again
  kubectl ozone recover om ozone-om-1 --dry-run
  kubectl ozone recover om ozone-om-1

  # Without a terminal: --yes and the pod named again
  kubectl ozone recover scm ozone-scm-0 --yes --confirm-wipe ozone-scm-0 --timeout 30m";

/// `recover` arguments.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RecoverArgs {
    /// Which member to recover.
    #[command(subcommand)]
    pub member: Option<RecoverCommand>,
    /// Restore a single-OM, single-SCM cluster from a backup (DIR/NAME of `backup create`).
    #[arg(long, value_name = "DIR/NAME")]
    pub from: Option<PathBuf>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: ChangeArgs,
}

/// `recover om|scm POD`.
#[derive(Debug, Subcommand)]
pub enum RecoverCommand {
    /// Empty an OM's metadata and bootstrap it again from the ring (`ozone om --bootstrap`).
    #[command(after_help = EXAMPLES)]
    Om(member::MemberArgs),
    /// Empty an SCM's metadata and bootstrap it again from the ring (`ozone scm --bootstrap`).
    #[command(after_help = EXAMPLES)]
    Scm(member::MemberArgs),
}

/// The cluster flags of whichever form was given.
pub fn cluster_args(a: &RecoverArgs) -> &ClusterArgs {
    match &a.member {
        Some(RecoverCommand::Om(m) | RecoverCommand::Scm(m)) => &m.cluster,
        None => &a.cluster,
    }
}

/// Runs `recover`.
pub async fn run(session: &Session, io: &mut Io, a: &RecoverArgs) -> Result<ExitCode> {
    match &a.member {
        Some(RecoverCommand::Om(m)) => {
            member::run(session, io, ozone_storage::Component::Om, m).await
        }
        Some(RecoverCommand::Scm(m)) => {
            member::run(session, io, ozone_storage::Component::Scm, m).await
        }
        // TODO(lead, at merge): replace with `restore::run(session, io, a).await` from the
        // `restore` branch; this placeholder exists only so this branch builds on its own.
        None if a.from.is_some() => Err(crate::exit::BadInput(
            "recover --from is not built in this branch (it comes with the restore branch)".into(),
        )
        .into()),
        None => Err(crate::exit::BadInput(
            "say what to recover: `recover om POD`, `recover scm POD` or `recover --from DIR/NAME`"
                .into(),
        )
        .into()),
    }
}
