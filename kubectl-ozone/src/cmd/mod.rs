//! One module per command. Commands return data or write it to stdout; progress and notes go
//! to stderr.

pub mod cert;
pub mod common;
pub mod complete;
pub mod datanode;
pub mod init;
pub mod lint;
pub mod render;
pub mod s3;
pub mod snapshot;
pub mod status;
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
        Command::S3(cmd) => common::block_on(async {
            let session = common::connect(&s3::cluster_args(&cmd)).await?;
            s3::run(&session, &mut Io::real(), &cmd).await
        })?,
        Command::Completion(_) => complete::print_helper(&mut Io::real()),
        Command::Complete(args) => complete::run(&mut Io::real(), &args),
    }
}
