//! The engine's [`Events`] in operator mode: every note goes to the log (stderr, one line,
//! prefixed with the cluster), and is kept so that the pass can publish a summary as a
//! Kubernetes Event on the `OzoneCluster`. Wait progress is logged only when it ends.

use ozone_engine::events::{Event, Events};

/// Logs the engine's events and keeps its notes.
#[derive(Debug, Default)]
pub struct PassEvents {
    /// `namespace/name`, the prefix of every log line.
    pub cluster: String,
    /// The notes, in order.
    pub notes: Vec<String>,
    /// Log to stderr (off in tests).
    pub log: bool,
}

impl PassEvents {
    /// A sink for one pass over `namespace/name`.
    pub fn new(cluster: String) -> PassEvents {
        PassEvents {
            cluster,
            notes: Vec::new(),
            log: true,
        }
    }

    /// The notes as one Event note: the last ones that fit in `max` bytes.
    pub fn summary(&self, max: usize) -> String {
        let mut lines: Vec<&str> = Vec::new();
        let mut len = 0;
        for n in self.notes.iter().rev() {
            if len + n.len() + 1 > max {
                break;
            }
            len += n.len() + 1;
            lines.push(n);
        }
        lines.reverse();
        lines.join("\n")
    }
}

impl Events for PassEvents {
    fn emit(&mut self, event: Event<'_>) {
        let line = match event {
            Event::Note(line) => {
                self.notes.push(line.to_owned());
                line.to_owned()
            }
            Event::Waited(line) => line.to_owned(),
            Event::Waiting { .. } | Event::Transferred { .. } => return,
        };
        if self.log {
            super::log::info(&self.cluster, &line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_keeps_the_last_notes_that_fit() {
        let mut e = PassEvents::default();
        let sink: &mut dyn Events = &mut e;
        sink.note("first note");
        sink.waiting(3, "pods");
        sink.note("second");
        sink.waited("pods ready");
        assert_eq!(e.notes, ["first note", "second"]);
        assert_eq!(e.summary(100), "first note\nsecond");
        assert_eq!(e.summary(8), "second");
    }
}
