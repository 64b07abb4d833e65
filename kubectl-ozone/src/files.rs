//! Writing rendered files: all of them or none, each replaced atomically (temp file + rename),
//! and stale files from an earlier render removed — only files that carry our header.

use crate::exit::BadInput;
use anyhow::{Context, Result};
use ozone_generator::output::OutputFile;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// Writes `files` into `dir`. Every file is staged before any is renamed into place, so a
/// failure while writing leaves the directory as it was.
pub fn write_all(dir: &Path, files: &[OutputFile], header_marker: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        BadInput(format!(
            "cannot create output directory {}: {e}",
            dir.display()
        ))
    })?;
    let mut staged = Vec::with_capacity(files.len());
    for f in files {
        let mut tmp = tempfile::Builder::new()
            .prefix(".kubectl-ozone-")
            .tempfile_in(dir)
            .map_err(|e| {
                BadInput(format!(
                    "output directory {} is not writable: {e}",
                    dir.display()
                ))
            })?;
        tmp.write_all(f.contents.as_bytes())
            .with_context(|| format!("failed to write {}", dir.join(&f.name).display()))?;
        staged.push((tmp, dir.join(&f.name)));
    }
    for (tmp, path) in staged {
        tmp.persist(&path)
            .with_context(|| format!("failed to write {}", path.display()))?;
    }
    remove_stale(dir, files, header_marker)
}

fn remove_stale(dir: &Path, files: &[OutputFile], header_marker: &str) -> Result<()> {
    let keep: BTreeSet<&str> = files.iter().map(|f| f.name.as_str()).collect();
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("failed to list {}", dir.display()))?
    {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if keep.contains(name) || !name.ends_with(".yaml") {
            continue;
        }
        let ours = std::fs::read_to_string(&path).is_ok_and(|text| text.starts_with(header_marker));
        if ours {
            std::fs::remove_file(&path)
                .with_context(|| format!("failed to remove stale {}", path.display()))?;
        }
    }
    Ok(())
}
