//! One module per command. Commands return data or write it to stdout; progress and notes go
//! to stderr.

pub mod init;
pub mod lint;
pub mod render;
pub mod version;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init(args) => init::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Version(args) => version::run(&args),
        Command::Lint(args) => lint::run(&args),
    }
}
