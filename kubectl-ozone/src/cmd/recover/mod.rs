//! `kubectl ozone recover`: the recoveries Ozone documents (operations §2.3). This branch holds
//! `recover --from DIR/NAME` (a single-OM, single-SCM cluster's metadata replaced from a
//! backup, [`restore`]); `recover om|scm POD` (a lost member of an HA ring) is another module.

pub mod restore;
#[cfg(test)]
mod scenarios;

use crate::cluster::Session;
use crate::cmd::common::ClusterArgs;
use crate::ui::Io;
use anyhow::Result;
use clap::Args;
use std::process::ExitCode;

/// `recover` arguments.
#[derive(Debug, Args, Clone)]
#[command(after_help = restore::EXAMPLES)]
pub struct RecoverArgs {
    /// Restore from a backup.
    #[command(flatten)]
    pub from: restore::FromArgs,
}

/// Runs `recover`.
pub async fn run(session: &Session, io: &mut Io, a: &RecoverArgs) -> Result<ExitCode> {
    restore::run(session, io, &a.from).await
}

/// The cluster flags of a `recover` command.
pub fn cluster_args(a: &RecoverArgs) -> &ClusterArgs {
    &a.from.cluster
}
