//! One module per command. Commands return data or write it to stdout; progress and notes go
//! to stderr.

pub mod apply;
pub mod backup;
pub mod cert;
pub mod common;
pub mod compare;
pub mod complete;
pub mod datanode;
pub mod diff;
pub mod doctor;
pub mod init;
pub mod lint;
pub mod managed;
pub mod operator;
pub mod recover;
pub mod render;
pub mod report;
pub mod restart;
pub mod s3;
pub mod snapshot;
pub mod status;
pub mod upgrade;
pub mod version;

use crate::cli::{Cli, Command};
use crate::ui::Io;
use ozone_engine::cluster::Session;
use std::process::ExitCode;

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Version(args) => version::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Operator(cmd) => operator::run(&cmd),
        Command::Diff(args) => common::block_on(async {
            let session = match connect_for_spec(&args.desired).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    return Ok(ExitCode::from(2));
                }
            };
            diff::run(&session, &mut Io::real(), &args).await
        })?,
        Command::Apply(ref args) => common::block_on_changing(async {
            let session = connect_for_spec(&args.desired).await?;
            run_in(&session, &mut Io::real(), &cli.command).await
        })?,
        Command::Doctor(args) => {
            // A bad spec is bad input before any cluster is contacted.
            let spec = doctor::load_spec(&args)?;
            common::block_on(async {
                let session = common::connect(&args.cluster).await?;
                doctor::run(&session, &mut Io::real(), &args, spec).await
            })?
        }
        Command::Backup(cmd) => common::block_on(async {
            let session = match backup::cluster_args(&cmd) {
                Some(args) => Some(common::connect(args).await?),
                None => None,
            };
            backup::run(session.as_ref(), &mut Io::real(), &cmd).await
        })?,
        Command::Completion(_) => complete::print_helper(&mut Io::real()),
        Command::Complete(args) => complete::run(&mut Io::real(), &args),
        command => common::block_on_changing(async {
            let session = common::connect(&cluster_args(&command)).await?;
            run_in(&session, &mut Io::real(), &command).await
        })?,
    }
}

/// The cluster flags of a command that works against a running cluster.
fn cluster_args(command: &Command) -> common::ClusterArgs {
    match command {
        Command::Status(args) => args.cluster.clone(),
        Command::Datanode(cmd) => datanode::cluster_args(cmd).clone(),
        Command::Snapshot(cmd) => snapshot::cluster_args(cmd).clone(),
        Command::Cert(cmd) => cert::cluster_args(cmd).clone(),
        Command::Restart(args) => args.cluster.clone(),
        Command::Report(args) => args.cluster.clone(),
        Command::Upgrade(args) => upgrade::cluster_args(args).clone(),
        Command::S3(cmd) => s3::cluster_args(cmd),
        Command::Doctor(args) => args.cluster.clone(),
        Command::Recover(args) => recover::cluster_args(args).clone(),
        Command::Diff(_)
        | Command::Apply(_)
        | Command::Backup(_)
        | Command::Init(_)
        | Command::Render(_)
        | Command::Version(_)
        | Command::Lint(_)
        | Command::Operator(_)
        | Command::Completion(_)
        | Command::Complete(_) => unreachable!("{command:?} connects on its own"),
    }
}

/// Runs a command that works against a running cluster, in `session`. The binary and the
/// scenario tests take this same path from a parsed command line. A command that changes the
/// cluster first checks whether the operator manages it and holds the engine lock while it
/// runs ([`managed`]).
pub async fn run_in(session: &Session, io: &mut Io, command: &Command) -> anyhow::Result<ExitCode> {
    let Some(change) = managed::classify(command) else {
        return dispatch(session, io, command).await;
    };
    match managed::prepare(session, io, command, &change).await? {
        managed::Prepared::Done(code) => Ok(code),
        managed::Prepared::Run(lock) => {
            let result = dispatch(session, io, command).await;
            managed::finish(io, lock).await;
            result
        }
    }
}

async fn dispatch(session: &Session, io: &mut Io, command: &Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Status(args) => status::status(session, io, args).await,
        Command::Datanode(cmd) => datanode::run(session, io, cmd).await,
        Command::Snapshot(cmd) => snapshot::run(session, io, cmd).await,
        Command::Cert(cmd) => cert::run(session, io, cmd).await,
        Command::Diff(args) => diff::run(session, io, args).await,
        Command::Apply(args) => apply::run(session, io, args).await,
        Command::Restart(args) => restart::run(session, io, args).await,
        Command::Doctor(args) => {
            let spec = doctor::load_spec(args)?;
            doctor::run(session, io, args, spec).await
        }
        Command::Report(args) => report::run(session, io, args).await,
        Command::Upgrade(args) => upgrade::run(session, io, args).await,
        Command::Backup(cmd) => backup::run(Some(session), io, cmd).await,
        Command::S3(cmd) => s3::run(session, io, cmd).await,
        Command::Recover(args) => recover::run(session, io, args).await,
        Command::Init(_)
        | Command::Render(_)
        | Command::Version(_)
        | Command::Lint(_)
        | Command::Operator(_)
        | Command::Completion(_)
        | Command::Complete(_) => {
            unreachable!("{command:?} does not work against a cluster")
        }
    }
}

/// Connects for a command that takes a spec: to the namespace the spec names unless -n is
/// given (a spec naming another namespace than -n is refused later, as bad input).
async fn connect_for_spec(
    desired: &compare::DesiredArgs,
) -> anyhow::Result<ozone_engine::cluster::Session> {
    let mut args = common::ClusterArgs {
        kube: desired.kube.clone(),
        name: None,
    };
    if args.kube.namespace.is_none() {
        args.kube.namespace = compare::spec_namespace(desired)?;
    }
    common::connect(&args).await
}
