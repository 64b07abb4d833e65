//! Talking to the user: where output goes, formats, tables, confirmation and progress.
//! Data goes to stdout; progress, notes and prompts to stderr.

pub mod confirm;
pub mod duration;
pub mod progress;
pub mod table;

use clap::ValueEnum;
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
}

impl Io {
    /// The process's terminal.
    pub fn real() -> Io {
        let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        Io {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            prompt: interactive.then(|| Box::new(confirm::TtyPrompt) as Box<dyn confirm::Prompt>),
            // CI systems often fake a TTY; they set CI.
            live_progress: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        }
    }

    /// Writes a note line to stderr; a closed stderr is not worth failing for.
    pub fn note(&mut self, line: impl AsRef<str>) {
        let _ = writeln!(self.err, "{}", line.as_ref());
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
