//! The bundle in memory and its `.tar.gz`: files are scrubbed of every learned secret value
//! when written, and `index.json` lists what is inside and what failed. Where the archive
//! goes is the caller's: the command line writes it to a temporary file and renames it once
//! complete, so an interrupted run leaves no half archive.

use super::redact::{self, Scrubber};
use anyhow::{Context, Result};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use std::io::Write;

/// A part that could not be collected.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    /// The file it would have been (or the pod).
    pub what: String,
    /// Why not.
    pub why: String,
}

/// Collected files, before they are written.
#[derive(Debug)]
pub struct Bundle {
    /// The top directory inside the archive.
    pub root: String,
    /// Cluster.
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// Path → content.
    pub files: Vec<(String, String)>,
    /// What failed.
    pub failures: Vec<Failure>,
    /// Every secret value learned so far.
    pub scrubber: Scrubber,
}

impl Bundle {
    /// An empty bundle.
    pub fn new(cluster: &str, namespace: &str) -> Bundle {
        Bundle {
            root: format!("ozone-report-{cluster}"),
            cluster: cluster.to_owned(),
            namespace: namespace.to_owned(),
            files: Vec::new(),
            failures: Vec::new(),
            scrubber: Scrubber::default(),
        }
    }

    /// Adds a file whose sensitive fields were already redacted.
    pub fn add(&mut self, path: &str, content: String) {
        self.files.push((path.to_owned(), content));
    }

    /// Adds free text (logs, command output): `key=value` secrets are redacted first.
    pub fn add_text(&mut self, path: &str, content: &str) {
        let redacted = redact::text(content, &mut self.scrubber);
        self.files.push((path.to_owned(), redacted));
    }

    /// Records a part that could not be collected because of `error`, with its causes.
    pub fn failed(&mut self, what: &str, error: &(dyn std::error::Error + 'static)) {
        self.not_collected(what, cause_chain(error));
    }

    /// Records a part that was not collected for a reason that is no error (a pod not running).
    pub fn not_collected(&mut self, what: &str, why: String) {
        self.failures.push(Failure {
            what: what.to_owned(),
            why,
        });
    }
}

/// `error` and its causes, joined with `: `, each message once.
///
/// Our errors name what was attempted and leave the cause to the chain (`ApiError::Other`),
/// so the top message alone would drop the reason the user needs. Client errors often wrap
/// their source's text in their own (`ApiError: {0} ({0:?})`); such a wrapper is replaced by
/// the cleaner message of its source, and a message already printed is not printed again.
pub fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut messages = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        messages.push(e.to_string());
        next = e.source();
    }
    let mut out = messages[0].clone();
    for (i, message) in messages.iter().enumerate().skip(1) {
        let wraps_next = messages
            .get(i + 1)
            .is_some_and(|deeper| message.contains(deeper.as_str()));
        if wraps_next || message.is_empty() || out.contains(message.as_str()) {
            continue;
        }
        out.push_str(": ");
        out.push_str(message);
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Index<'a> {
    cluster: &'a str,
    namespace: &'a str,
    plugin_version: &'static str,
    files: Vec<IndexEntry<'a>>,
    failed: &'a [Failure],
}

#[derive(Serialize)]
struct IndexEntry<'a> {
    path: &'a str,
    bytes: usize,
}

/// The bundle's files, scrubbed, with `index.json` first.
pub fn entries(bundle: &Bundle) -> Result<Vec<(String, String)>> {
    let files: Vec<(String, String)> = bundle
        .files
        .iter()
        .map(|(p, c)| (p.clone(), bundle.scrubber.scrub(c)))
        .collect();
    let index = Index {
        cluster: &bundle.cluster,
        namespace: &bundle.namespace,
        plugin_version: env!("CARGO_PKG_VERSION"),
        files: files
            .iter()
            .map(|(p, c)| IndexEntry {
                path: p,
                bytes: c.len(),
            })
            .collect(),
        failed: &bundle.failures,
    };
    let index = bundle
        .scrubber
        .scrub(&(serde_json::to_string_pretty(&index)? + "\n"));
    let mut out = vec![("index.json".to_owned(), index)];
    out.extend(files);
    Ok(out)
}

/// Writes the archive to `out`, every file under the bundle's top directory; the number of
/// files written.
pub fn write(bundle: &Bundle, out: impl Write) -> Result<usize> {
    let entries = entries(bundle)?;
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let gz = GzEncoder::new(out, Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (name, content) in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_cksum();
        tar.append_data(
            &mut header,
            format!("{}/{name}", bundle.root),
            content.as_bytes(),
        )
        .with_context(|| format!("cannot write {name} into the archive"))?;
    }
    tar.into_inner()?.finish()?.flush()?;
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::cause_chain;
    use thiserror::Error;

    #[derive(Debug, Error)]
    #[error("address not allowed: BadRequest")]
    struct Status;

    /// Repeats its source's text, with a debug dump, as `kube::Error::Api` does.
    #[derive(Debug, Error)]
    #[error("ApiError: {0} ({0:?})")]
    struct Client(#[source] Status);

    #[derive(Debug, Error)]
    #[error("cannot get pods/proxy in namespace ns")]
    struct Top(#[source] Client);

    /// Repeats its source's text at the end, as `format!("…: {e}")` errors do.
    #[derive(Debug, Error)]
    #[error("cannot read /conf: {0}")]
    struct Repeating(#[source] Top);

    #[test]
    fn the_cause_follows_the_message_once_without_the_wrapper() {
        assert_eq!(
            cause_chain(&Top(Client(Status))),
            "cannot get pods/proxy in namespace ns: address not allowed: BadRequest"
        );
    }

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        assert_eq!(
            cause_chain(&Repeating(Top(Client(Status)))),
            "cannot read /conf: cannot get pods/proxy in namespace ns: address not allowed: BadRequest"
        );
    }

    #[test]
    fn an_error_without_a_source_is_its_message() {
        assert_eq!(cause_chain(&Status), "address not allowed: BadRequest");
    }
}
