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
pub mod recover;
pub mod render;
pub mod report;
pub mod restart;
pub mod ring_grow;
pub mod s3;
pub mod snapshot;
pub mod status;
pub mod upgrade;
pub mod version;

use crate::cli::{Cli, Command};
use crate::ui::Io;
use std::process::ExitCode;

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Version(args) => version::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Status(args) => common::block_on(async {
            let session = common::connect(&args.cluster).await?;
            status::status(&session, &mut Io::real(), &args).await
        })?,
        Command::Datanode(cmd) => common::block_on(async {
            let session = common::connect(datanode::cluster_args(&cmd)).await?;
            datanode::run(&session, &mut Io::real(), &cmd).await
        })?,
        Command::Snapshot(cmd) => common::block_on(async {
            let session = common::connect(snapshot::cluster_args(&cmd)).await?;
            snapshot::run(&session, &mut Io::real(), &cmd).await
        })?,
        Command::Cert(cmd) => common::block_on(async {
            let session = common::connect(cert::cluster_args(&cmd)).await?;
            cert::run(&session, &mut Io::real(), &cmd).await
        })?,
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
        Command::Apply(args) => common::block_on(async {
            let session = connect_for_spec(&args.desired).await?;
            apply::run(&session, &mut Io::real(), &args).await
        })?,
        Command::Restart(args) => common::block_on(async {
            let session = common::connect(&args.cluster).await?;
            restart::run(&session, &mut Io::real(), &args).await
        })?,
        Command::Doctor(args) => {
            let spec = doctor::load_spec(&args)?;
            common::block_on(async {
                let session = common::connect(&args.cluster).await?;
                doctor::run(&session, &mut Io::real(), &args, spec).await
            })?
        }
        Command::Report(args) => common::block_on(async {
            let session = common::connect(&args.cluster).await?;
            report::run(&session, &mut Io::real(), &args).await
        })?,
        Command::Upgrade(args) => common::block_on(async {
            let session = common::connect(upgrade::cluster_args(&args)).await?;
            upgrade::run(&session, &mut Io::real(), &args).await
        })?,
        Command::Backup(cmd) => common::block_on(async {
            let session = match backup::cluster_args(&cmd) {
                Some(args) => Some(common::connect(args).await?),
                None => None,
            };
            backup::run(session.as_ref(), &mut Io::real(), &cmd).await
        })?,
        Command::S3(cmd) => common::block_on(async {
            let session = common::connect(&s3::cluster_args(&cmd)).await?;
            s3::run(&session, &mut Io::real(), &cmd).await
        })?,
        Command::Recover(args) => common::block_on(async {
            let session = common::connect(recover::cluster_args(&args)).await?;
            recover::run(&session, &mut Io::real(), &args).await
        })?,
        Command::Completion(_) => complete::print_helper(&mut Io::real()),
        Command::Complete(args) => complete::run(&mut Io::real(), &args),
    }
}

/// Connects for a command that takes a spec: to the namespace the spec names unless -n is
/// given (a spec naming another namespace than -n is refused later, as bad input).
async fn connect_for_spec(
    desired: &compare::DesiredArgs,
) -> anyhow::Result<crate::cluster::Session> {
    let mut args = common::ClusterArgs {
        kube: desired.kube.clone(),
        name: None,
    };
    if args.kube.namespace.is_none() {
        args.kube.namespace = compare::spec_namespace(desired)?;
    }
    common::connect(&args).await
}
