//! Linting many sources on several threads with the output of one.
//!
//! The calling thread's iterator yields sources one at a time; a producer thread splits each
//! into documents and sends batches of [`BATCH`] documents through a bounded channel to
//! `jobs` workers, which run the per-document pipeline; the calling thread appends their
//! results in input order (a batch that finishes early waits in a small reorder buffer). At
//! most [`WINDOW_PER_JOB`] × `jobs` batches are in flight, so memory stays bounded however
//! large the input: a source's text is read once, shared by its batches, and dropped with the
//! last of them. Cross-object checks run afterwards, in [`Linter::finish`], as before.

use super::parse::{self, Document};
use super::{InputError, Linter, Partial, Pipeline, text_of};
use std::collections::BTreeMap;
use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, channel, sync_channel};
use std::sync::{Arc, Mutex};

/// Documents per batch: large enough that channel traffic is noise, small enough that the
/// threads share a single large file evenly.
pub const BATCH: usize = 64;

/// Batches in flight per job (queued, being linted, or waiting to be appended in order).
pub const WINDOW_PER_JOB: usize = 4;

/// One input: a file or standard input.
#[derive(Debug)]
pub struct Source {
    /// Name for findings (`-` for standard input).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Named by the user rather than found in a directory: an empty one is bad input.
    pub explicit: bool,
}

/// Why [`Linter::lint_sources`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum ParallelError<E> {
    /// A source is not lintable text, or an explicit one is empty.
    #[error(transparent)]
    Input(#[from] InputError),
    /// The source iterator failed (a file could not be read).
    #[error("{0}")]
    Source(E),
}

/// Consecutive documents of one source.
struct Batch {
    seq: usize,
    name: Arc<str>,
    text: Arc<String>,
    /// First line and byte range in `text` of each document.
    docs: Vec<(usize, Range<usize>)>,
}

impl Linter {
    /// Lints every source on `jobs` threads (1: on this thread) and returns how many
    /// documents they held. Findings, counts and the later report are the same whatever
    /// `jobs` is.
    ///
    /// # Errors
    /// The first source that is not text, or explicit and empty, or that the iterator fails
    /// to read; the linter's state is then incomplete and it should be dropped.
    pub fn lint_sources<E: Send>(
        &mut self,
        sources: impl Iterator<Item = Result<Source, E>> + Send,
        jobs: usize,
    ) -> Result<usize, ParallelError<E>> {
        if jobs <= 1 {
            let mut documents = 0;
            for source in sources {
                let source = source.map_err(ParallelError::Source)?;
                let count = self.lint(&source.name, &source.bytes)?;
                if count == 0 && source.explicit {
                    return Err(InputError::Empty(source.name).into());
                }
                documents += count;
            }
            return Ok(documents);
        }
        let window = jobs * WINDOW_PER_JOB;
        let Linter {
            options,
            crds,
            state,
        } = self;
        let pipeline = Pipeline {
            options: &*options,
            crds: &*crds,
        };
        let (batch_tx, batch_rx) = sync_channel::<Batch>(jobs);
        // Shared by the workers only: when the last one stops, the producer's sends fail.
        let batch_rx = Arc::new(Mutex::new(batch_rx));
        let (result_tx, result_rx) = channel::<(usize, std::thread::Result<Partial>)>();
        let (token_tx, token_rx) = sync_channel::<()>(window);
        for _ in 0..window {
            let _ = token_tx.send(());
        }
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                let result_tx = result_tx.clone();
                let batch_rx = Arc::clone(&batch_rx);
                scope.spawn(move || {
                    while let Some(batch) = next(&batch_rx) {
                        let docs: Vec<Document<'_>> = batch
                            .docs
                            .iter()
                            .map(|(line, range)| Document {
                                line: *line,
                                text: &batch.text[range.clone()],
                            })
                            .collect();
                        // A panic is carried to the calling thread, which stops the others.
                        let partial = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            let mut partial = Partial::default();
                            pipeline.documents(&batch.name, &docs, &mut partial);
                            partial
                        }));
                        if result_tx.send((batch.seq, partial)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(result_tx);
            drop(batch_rx);
            let producer = scope.spawn(move || produce(sources, &batch_tx, &token_rx));
            let mut pending = BTreeMap::new();
            let mut next_seq = 0;
            let mut panicked = None;
            for (seq, partial) in &result_rx {
                match partial {
                    Ok(partial) => pending.insert(seq, partial),
                    Err(panic) => {
                        panicked = Some(panic);
                        break;
                    }
                };
                while let Some(partial) = pending.remove(&next_seq) {
                    state.append(partial);
                    next_seq += 1;
                    // The window never holds more tokens than it started with.
                    let _ = token_tx.try_send(());
                }
            }
            // Without tokens the producer stops, and with it the workers.
            drop(token_tx);
            drop(result_rx);
            let documents = producer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            if let Some(panic) = panicked {
                std::panic::resume_unwind(panic);
            }
            documents
        })
    }
}

/// The next batch for a worker; `None` once the producer is done.
fn next(batches: &Mutex<Receiver<Batch>>) -> Option<Batch> {
    batches.lock().ok()?.recv().ok()
}

/// Reads the sources in order and sends their documents in batches, each after taking a
/// token of the window. Returns the number of documents. Dropping the sender on return is
/// what lets the workers finish.
fn produce<E>(
    sources: impl Iterator<Item = Result<Source, E>>,
    batches: &std::sync::mpsc::SyncSender<Batch>,
    tokens: &Receiver<()>,
) -> Result<usize, ParallelError<E>> {
    let mut seq = 0;
    let mut documents = 0;
    for source in sources {
        let source = source.map_err(ParallelError::Source)?;
        let text = text_of(&source.name, &source.bytes)?;
        // Offsets into the original bytes, so the text is shared, never copied per batch.
        let skipped = source.bytes.len() - text.len();
        let docs: Vec<(usize, Range<usize>)> = parse::documents(text)
            .iter()
            .map(|d| {
                let start = d.text.as_ptr() as usize - text.as_ptr() as usize + skipped;
                (d.line, start..start + d.text.len())
            })
            .collect();
        if docs.is_empty() && source.explicit {
            return Err(InputError::Empty(source.name).into());
        }
        documents += docs.len();
        let name: Arc<str> = Arc::from(source.name);
        // Validated as UTF-8 above; the conversion takes the buffer without copying it.
        let text = Arc::new(String::from_utf8(source.bytes).unwrap_or_default());
        for chunk in docs.chunks(BATCH) {
            if tokens.recv().is_err() {
                return Ok(documents);
            }
            let batch = Batch {
                seq,
                name: Arc::clone(&name),
                text: Arc::clone(&text),
                docs: chunk.to_vec(),
            };
            if batches.send(batch).is_err() {
                return Ok(documents);
            }
            seq += 1;
        }
    }
    Ok(documents)
}
