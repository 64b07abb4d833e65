//! `kubectl ozone cert …`: the TLS certificates of the HTTP endpoints. `issue` creates them in
//! managed mode; `status` reports them in both modes; `rotate` replaces them (and with `--ca`
//! the CA) with a rolling restart that keeps the cluster available. The work is done by
//! [`ozone_engine::certs`]; these modules parse flags, show plans, confirm and print.

pub mod issue;
pub mod rotate;
pub mod status;

use crate::cmd::common::ClusterArgs;
use anyhow::Result;
use clap::Subcommand;
use ozone_engine::cluster::Session;
use std::process::ExitCode;

/// Certificate commands.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Create the CA, keystore passwords and every component's certificate in Secrets
    /// (security.tls.mode=managed). Existing certificates are kept unless --force.
    #[command(after_help = issue::EXAMPLES)]
    Issue(issue::IssueArgs),
    /// Show every certificate: subject, names, validity, days left, and whether the pods run
    /// it. Exit 1 when one is missing or expires within --warn-within.
    #[command(after_help = status::EXAMPLES)]
    Status(status::StatusArgs),
    /// Rotate certificates (or, with --ca, the CA) and restart pods one at a time, keeping
    /// OM and SCM quorums and datanode availability. An interrupted run prints the command
    /// that finishes it (`--resume`; `--ca` continues by itself).
    #[command(after_help = rotate::EXAMPLES)]
    Rotate(rotate::RotateArgs),
}

/// Runs a certificate command.
pub async fn run(session: &Session, io: &mut crate::ui::Io, cmd: &CertCommand) -> Result<ExitCode> {
    match cmd {
        CertCommand::Issue(a) => issue::run(session, io, a).await,
        CertCommand::Status(a) => status::run(session, io, a).await,
        CertCommand::Rotate(a) => rotate::run(session, io, a).await,
    }
}

/// The cluster flags of a certificate command.
pub fn cluster_args(cmd: &CertCommand) -> &ClusterArgs {
    match cmd {
        CertCommand::Issue(a) => &a.cluster,
        CertCommand::Status(a) => &a.cluster,
        CertCommand::Rotate(a) => &a.cluster,
    }
}
