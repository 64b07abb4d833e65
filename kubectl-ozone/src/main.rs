//! `kubectl-ozone`: parse the command line, run the command, print the error chain once and
//! map it to an exit code (0 ok, 1 findings or failed operation, 2 usage or bad input).

use kubectl_ozone::{cli, cmd, exit};

use std::io::Write;
use std::process::ExitCode;

// Parsing YAML and building typed objects is allocation-heavy: with glibc's allocator a
// quarter of `lint`'s time went to malloc and free; mimalloc makes lint about 40% faster
// (generator/benches/lint.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if exit::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            // Nothing more useful can be done if stderr itself is gone.
            let _ = writeln!(stderr, "error: {err:#}");
            ExitCode::from(exit::code_for(&err))
        }
    }
}
