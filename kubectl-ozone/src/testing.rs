//! Test support of the command line: the engine's fakes (`ozone_engine::testing`) plus what
//! a command needs around them — an `Io` writing into buffers, a scripted terminal, and
//! running a command line against a fake cluster the way the binary dispatches it.

pub use ozone_engine::testing::*;

use crate::ui::Io;
use crate::ui::confirm::testing::Scripted;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// A `Write` whose bytes a test can read back.
#[derive(Clone, Default)]
pub struct Buf(pub Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    /// The text written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// An `Io` writing into buffers, with an optional scripted terminal.
pub fn io(prompt: Option<Scripted>) -> (Io, Buf, Buf) {
    let (out, err) = (Buf::default(), Buf::default());
    let io = Io::new(
        Box::new(out.clone()),
        Box::new(err.clone()),
        prompt.map(|p| Box::new(p) as Box<dyn crate::ui::confirm::Prompt>),
        false,
    );
    (io, out, err)
}

/// Running a command line against a fake cluster (the fakes live in the engine; commands here).
pub trait RunCommand {
    /// Runs a command line as a user types it (without the program name) against this
    /// cluster, the way the binary dispatches it, answering prompts from `prompt`.
    fn run(&self, argv: &[&str], prompt: Option<Scripted>) -> impl Future<Output = Run>;
}

impl RunCommand for FakeCluster {
    async fn run(&self, argv: &[&str], prompt: Option<Scripted>) -> Run {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from(
            std::iter::once("kubectl-ozone").chain(argv.iter().copied()),
        )
        .expect("valid command line");
        let session = self.session();
        let (mut io, out, err) = io(prompt);
        let result = crate::cmd::run_in(&session, &mut io, &cli.command).await;
        Run {
            result,
            out: out.text(),
            err: err.text(),
        }
    }
}

/// What one command run in a scenario produced: its result and what it wrote.
pub struct Run {
    /// The command's result.
    pub result: anyhow::Result<std::process::ExitCode>,
    /// Standard output.
    pub out: String,
    /// Standard error.
    pub err: String,
}

impl Run {
    /// The process exit code `main` would give (255 for an unexpected code).
    pub fn code(&self) -> u8 {
        use std::process::ExitCode;
        match &self.result {
            Ok(c) if *c == ExitCode::SUCCESS => 0,
            Ok(c) if *c == ExitCode::from(1) => 1,
            Ok(c) if *c == ExitCode::from(2) => 2,
            Ok(_) => 255,
            Err(e) => crate::exit::code_for(e),
        }
    }

    /// The error chain as `main` prints it; empty on success.
    pub fn error(&self) -> String {
        match &self.result {
            Err(e) => format!("{e:#}"),
            Ok(_) => String::new(),
        }
    }

    /// Everything the user saw.
    pub fn all(&self) -> String {
        format!("{}\n{}\n{}", self.out, self.err, self.error())
    }
}
