//! `kubectl ozone recover`: the recoveries Ozone documents (operations §2.3).
//! - `recover om POD` / `recover scm POD` ([`member`]): an HA ring member that lost its disk
//!   or is corrupt is emptied and bootstrapped again from its peers.
//! - `recover --from DIR/NAME` ([`restore`]): a single-OM, single-SCM cluster's metadata
//!   replaced from a backup.

pub mod member;
pub mod restore;
#[cfg(test)]
mod scenarios;

use crate::cmd::common::ClusterArgs;
use crate::ui::Io;
use anyhow::Result;
use clap::{Args, Subcommand};
use ozone_engine::cluster::Session;
use std::process::ExitCode;

pub(crate) const EXAMPLES: &str = "Examples:
  # An OM of the ring lost its disk: see the plan, then empty it and bootstrap it again
  kubectl ozone recover om ozone-om-1 --dry-run
  kubectl ozone recover om ozone-om-1

  # Without a terminal: --yes and the pod named again
  kubectl ozone recover scm ozone-scm-0 --yes --confirm-wipe ozone-scm-0 --timeout 30m";

/// `recover` arguments.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, after_help = restore::EXAMPLES)]
pub struct RecoverArgs {
    /// Which member to recover.
    #[command(subcommand)]
    pub member: Option<RecoverCommand>,
    /// Restore from a backup.
    #[command(flatten)]
    pub from: restore::FromArgs,
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
        None => &a.from.cluster,
    }
}

/// Runs `recover`.
pub async fn run(session: &Session, io: &mut Io, a: &RecoverArgs) -> Result<ExitCode> {
    match (&a.member, &a.from.backup) {
        (Some(RecoverCommand::Om(m)), _) => {
            member::run(session, io, ozone_storage::Component::Om, m).await
        }
        (Some(RecoverCommand::Scm(m)), _) => {
            member::run(session, io, ozone_storage::Component::Scm, m).await
        }
        (None, Some(backup)) => restore::run(session, io, &a.from, backup).await,
        (None, None) => Err(crate::exit::BadInput(
            "say what to recover: `recover om POD`, `recover scm POD` or `recover --from DIR/NAME`"
                .into(),
        )
        .into()),
    }
}
