//! `backup verify DIR/NAME`: the engine's offline re-check ([`ozone_engine::backup::verify`])
//! as a table or data; exit 1 when a file is damaged.

use crate::ui::{Format, Io, bytes, structured, table};
use anyhow::Result;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `backup verify` arguments.
#[derive(Debug, Args, Clone)]
pub struct VerifyArgs {
    /// The backup directory (DIR/backup-<time>).
    #[arg(value_name = "DIR/NAME")]
    pub backup: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Runs `backup verify`: exit 0 when every file is good, 1 otherwise.
pub fn run(io: &mut Io, args: &VerifyArgs) -> Result<ExitCode> {
    let report = ozone_engine::backup::verify(&args.backup)?;
    match structured(args.format, &report)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => {
            let rows: Vec<Vec<String>> = report
                .files
                .iter()
                .map(|c| {
                    let result = match c.problems.is_empty() {
                        true => "ok".into(),
                        false => c.problems.join("; "),
                    };
                    vec![
                        c.component.to_uppercase(),
                        c.file.clone(),
                        bytes(c.size),
                        result,
                    ]
                })
                .collect();
            let header = ["COMPONENT", "FILE", "SIZE", "RESULT"];
            io.out.write_all(table::render(&header, &rows).as_bytes())?;
        }
    }
    if report.ok {
        io.note(format!("backup {} is whole", report.backup));
        Ok(ExitCode::SUCCESS)
    } else {
        io.note(format!("backup {} is damaged", report.backup));
        Ok(ExitCode::FAILURE)
    }
}
