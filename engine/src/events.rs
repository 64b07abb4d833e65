//! The engine's voice: every line a person should see and every wait's progress goes to an
//! [`Events`] sink instead of a terminal. The command line prints notes to stderr and draws
//! waits as progress bars or plain lines; the operator turns them into log lines, Kubernetes
//! Events and status. The engine never learns which.

/// One thing the engine has to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A line for a person: a step begun or done, a note, a warning.
    Note(&'a str),
    /// A wait's progress: `remaining` units of work left, described by `message`.
    Waiting {
        /// Units of work left (pods, containers, bytes): only their decrease is meaningful.
        remaining: u64,
        /// What is being waited for, as one line.
        message: &'a str,
    },
    /// A wait ended; `message` is its final line.
    Waited(&'a str),
    /// A transfer of unknown length has moved `total` bytes so far.
    Transferred {
        /// What is transferred.
        message: &'a str,
        /// Bytes so far.
        total: u64,
    },
}

/// Where the engine's events go.
pub trait Events: Send {
    /// Receives one event.
    fn emit(&mut self, event: Event<'_>);
}

impl dyn Events + '_ {
    /// A line for a person.
    pub fn note(&mut self, line: impl AsRef<str>) {
        self.emit(Event::Note(line.as_ref()));
    }

    /// A wait's progress.
    pub fn waiting(&mut self, remaining: u64, message: &str) {
        self.emit(Event::Waiting { remaining, message });
    }

    /// A wait's end.
    pub fn waited(&mut self, message: &str) {
        self.emit(Event::Waited(message));
    }
}

/// Keeps every event as text, in order: the sink of tests and of callers that only log.
#[derive(Debug, Default, Clone)]
pub struct Recorded {
    /// `note: …`, `waiting(N): …`, `waited: …`, `transferred(N): …`.
    pub lines: Vec<String>,
}

impl Events for Recorded {
    fn emit(&mut self, event: Event<'_>) {
        self.lines.push(match event {
            Event::Note(line) => format!("note: {line}"),
            Event::Waiting { remaining, message } => format!("waiting({remaining}): {message}"),
            Event::Waited(line) => format!("waited: {line}"),
            Event::Transferred { message, total } => format!("transferred({total}): {message}"),
        });
    }
}
