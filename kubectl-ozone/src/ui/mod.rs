//! Talking to the user: where output goes, formats, tables, confirmation and progress.
//! Data goes to stdout; progress, notes and prompts to stderr.

pub mod confirm;
pub mod progress;
pub mod table;

use clap::ValueEnum;
use ozone_engine::events::{Event, Events};
use std::io::{IsTerminal, Write};

/// Output format of cluster commands (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Aligned columns.
    #[default]
    Table,
    /// Aligned columns with more of them.
    Wide,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// Serializes data as JSON or YAML; `None` for the table formats.
pub fn structured<T: serde::Serialize>(
    format: Format,
    value: &T,
) -> anyhow::Result<Option<String>> {
    Ok(match format {
        Format::Json => Some(serde_json::to_string_pretty(value)? + "\n"),
        Format::Yaml => Some(ozone_generator::yaml::to_string(value).map_err(anyhow::Error::msg)?),
        Format::Table | Format::Wide => None,
    })
}

/// The terminal, or what tests put in its place.
pub struct Io {
    /// Standard output: data.
    pub out: Box<dyn Write + Send>,
    /// Standard error: progress, notes, prompts.
    pub err: Box<dyn Write + Send>,
    /// How to ask the user; `None` when there is no terminal to ask on.
    pub prompt: Option<Box<dyn confirm::Prompt>>,
    /// Whether stderr is a terminal that can show a live progress bar.
    pub live_progress: bool,
    /// How the engine's waits are shown (`--progress`).
    pub progress_mode: progress::ProgressMode,
    /// The wait being shown, between its first `Waiting` and its `Waited`.
    wait: Option<progress::Progress>,
    /// The transfer being shown.
    transfer: Option<progress::Transfer>,
}

impl Io {
    /// The process's terminal.
    pub fn real() -> Io {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        Io::new(
            Box::new(std::io::stdout()),
            Box::new(std::io::stderr()),
            interactive.then(|| Box::new(confirm::TtyPrompt) as Box<dyn confirm::Prompt>),
            // CI systems often fake a TTY; they set CI.
            std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        )
    }

    /// Over these streams; waits shown as `--progress auto` would.
    pub fn new(
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
        prompt: Option<Box<dyn confirm::Prompt>>,
        live_progress: bool,
    ) -> Io {
        Io {
            out,
            err,
            prompt,
            live_progress,
            progress_mode: progress::ProgressMode::Auto,
            wait: None,
            transfer: None,
        }
    }

    /// Shows the engine's waits as `mode` says, from now on.
    pub fn with_progress(&mut self, mode: progress::ProgressMode) -> &mut Io {
        self.progress_mode = mode;
        self
    }

    /// Writes a note line to stderr; a closed stderr is not worth failing for.
    pub fn note(&mut self, line: impl AsRef<str>) {
        let _ = writeln!(self.err, "{}", line.as_ref());
    }
}

/// The engine's events on the terminal: notes as stderr lines, waits as a progress bar or
/// plain lines (`--progress`), never on stdout.
impl Events for Io {
    fn emit(&mut self, event: Event<'_>) {
        match event {
            Event::Note(line) => self.note(line),
            Event::Waiting { remaining, message } => {
                let mut wait = self
                    .wait
                    .take()
                    .unwrap_or_else(|| progress::Progress::new(self.progress_mode, self));
                wait.update(self, remaining, message);
                self.wait = Some(wait);
            }
            Event::Waited(line) => {
                if let Some(mut transfer) = self.transfer.take() {
                    transfer.finish(self, line);
                } else if let Some(mut wait) = self.wait.take() {
                    wait.finish(self, line);
                } else {
                    self.note(line);
                }
            }
            Event::Transferred { message, total } => {
                let mut transfer = self
                    .transfer
                    .take()
                    .unwrap_or_else(|| progress::Transfer::new(self.progress_mode, self, message));
                transfer.update(self, total);
                self.transfer = Some(transfer);
            }
        }
    }
}

/// Human-readable bytes (binary units, as Kubernetes quantities use).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n}B")
    } else {
        format!("{value:.1}{}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_readable() {
        assert_eq!(bytes(512), "512B");
        assert_eq!(bytes(107_374_182_400), "100.0GiB");
    }
}
