//! Progress of a long wait: an indicatif bar on a terminal, plain periodic lines otherwise
//! (CI logs), never on stdout.

use super::Io;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ProgressMode {
    /// A bar on a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// Plain lines.
    Plain,
    /// Nothing but the final result.
    None,
}

/// Reports progress towards zero remaining work.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    total: u64,
    last_line: String,
}

impl Progress {
    /// Starts reporting.
    pub fn new(mode: ProgressMode, io: &Io) -> Progress {
        let live = mode == ProgressMode::Auto && io.live_progress;
        let bar = live.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            plain: mode != ProgressMode::None && !live,
            total: 0,
            last_line: String::new(),
        }
    }

    /// One observation: `remaining` units of work left, described by `message`.
    pub fn update(&mut self, io: &mut Io, remaining: u64, message: &str) {
        self.total = self.total.max(remaining);
        if let Some(bar) = &self.bar {
            bar.set_length(self.total.max(1));
            bar.set_position(self.total - remaining);
            bar.set_message(message.to_owned());
        } else if self.plain && message != self.last_line {
            // One line per poll (each carries the elapsed time); an identical line is not
            // repeated.
            let _ = writeln!(io.err, "{message}");
            self.last_line = message.to_owned();
        }
    }

    /// Ends the bar, leaving a final line.
    pub fn finish(&mut self, io: &mut Io, message: &str) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        io.note(message);
    }
}

/// Progress of a transfer of unknown length: bytes so far and rate on a terminal, a line per
/// 256 MiB otherwise.
pub struct Transfer {
    bar: Option<ProgressBar>,
    plain: bool,
    reported: u64,
}

impl Transfer {
    const PLAIN_STEP: u64 = 256 << 20;

    /// Starts reporting a transfer described by `message`.
    pub fn new(mode: ProgressMode, io: &Io, message: &str) -> Transfer {
        let live = mode == ProgressMode::Auto && io.live_progress;
        let bar = live.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {msg} {bytes} ({bytes_per_sec})",
            ) {
                bar.set_style(style);
            }
            bar.set_message(message.to_owned());
            bar
        });
        Transfer {
            bar,
            plain: mode != ProgressMode::None && !live,
            reported: 0,
        }
    }

    /// `total` bytes have arrived.
    pub fn update(&mut self, io: &mut Io, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(total);
        } else if self.plain && total >= self.reported + Self::PLAIN_STEP {
            self.reported = total;
            let _ = writeln!(io.err, "  {} so far", super::bytes(total));
        }
    }

    /// Ends the bar, leaving a final line.
    pub fn finish(&mut self, io: &mut Io, message: &str) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        io.note(message);
    }
}
