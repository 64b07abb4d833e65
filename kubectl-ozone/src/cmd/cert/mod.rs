//! `kubectl ozone cert …`: the TLS certificates of a cluster.

mod ca;
mod issue;
pub mod restart;
pub mod rotate;
#[cfg(test)]
mod scenarios;

use crate::cluster::Session;
use crate::cmd::common::ClusterArgs;
use crate::ui::Io;
use anyhow::Result;
use clap::Subcommand;
use std::process::ExitCode;

/// Certificate commands.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Rotate certificates (or, with --ca, the CA) and restart pods one at a time, keeping
    /// OM and SCM quorums and datanode availability. Re-running resumes an interrupted
    /// rotation.
    #[command(after_help = rotate::EXAMPLES)]
    Rotate(rotate::RotateArgs),
}

/// Runs a cert command.
pub async fn run(session: &Session, io: &mut Io, cmd: &CertCommand) -> Result<ExitCode> {
    match cmd {
        CertCommand::Rotate(a) => rotate::run(session, io, a).await,
    }
}

/// The cluster flags of a cert command.
pub fn cluster_args(cmd: &CertCommand) -> &ClusterArgs {
    match cmd {
        CertCommand::Rotate(a) => &a.cluster,
    }
}
