//! The bundle in memory and its `.tar.gz`: files are scrubbed of every learned secret value
//! when written, `index.json` lists what is inside and what failed, and the archive reaches
//! its path by rename only once complete.

use super::redact::{self, Scrubber};
use anyhow::{Context, Result};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

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

    /// Records a part that could not be collected.
    pub fn failed(&mut self, what: &str, why: impl std::fmt::Display) {
        self.failures.push(Failure {
            what: what.to_owned(),
            why: why.to_string(),
        });
    }
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

/// What was written.
#[derive(Clone, Copy, Debug)]
pub struct Written {
    /// Files in the archive.
    pub files: usize,
    /// Compressed size.
    pub bytes: u64,
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

/// Writes the archive to `path` atomically (a temporary file in the same directory, renamed).
pub fn write(bundle: &Bundle, path: &Path) -> Result<Written> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    let entries = entries(bundle)?;
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    {
        let gz = GzEncoder::new(tmp.as_file(), Compression::default());
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
    }
    let bytes = tmp.as_file().metadata()?.len();
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Written {
        files: entries.len(),
        bytes,
    })
}
