//! `backup verify DIR/NAME`: offline re-check of a backup — each file's size and SHA-256
//! against the manifest, and that each tarball reads to the end and holds a RocksDB checkpoint
//! (`CURRENT`, `MANIFEST-*`, `*.sst`). Gzip-compressed tarballs are read too.

use crate::exit::BadInput;
use crate::ui::{Format, Io, bytes, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::proxy::hex;
use ozone_storage::backup::{self, BackupFile, Manifest};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
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

/// The verdict on one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileCheck {
    /// `om` or `scm`.
    pub component: String,
    /// File name.
    pub file: String,
    /// Size on disk.
    pub size: u64,
    /// What is wrong; empty when the file is good.
    pub problems: Vec<String>,
}

/// Checks a backup directory: the manifest and every file it lists.
pub fn check(dir: &Path) -> Result<(Manifest, Vec<FileCheck>), BadInput> {
    let manifest_path = dir.join(backup::MANIFEST);
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| BadInput(format!("{}: {e}", manifest_path.display())))?;
    let manifest =
        backup::parse_manifest(&text).map_err(|e| BadInput(format!("{}: {e}", dir.display())))?;
    let checks = manifest.files.iter().map(|f| check_file(dir, f)).collect();
    Ok((manifest, checks))
}

fn check_file(dir: &Path, entry: &BackupFile) -> FileCheck {
    let path = dir.join(&entry.file);
    let mut out = FileCheck {
        component: entry.component.clone(),
        file: entry.file.clone(),
        size: 0,
        problems: Vec::new(),
    };
    match sum(&path) {
        Ok((size, sha)) => {
            out.size = size;
            if size != entry.size {
                out.problems
                    .push(format!("size {size} but the manifest says {}", entry.size));
            }
            if sha != entry.sha256 {
                out.problems.push(format!(
                    "sha256 {sha} but the manifest says {}",
                    entry.sha256
                ));
            }
        }
        Err(e) => {
            out.problems.push(format!("cannot read: {e}"));
            return out;
        }
    }
    match tar_entries(&path) {
        Ok(names) => {
            let missing = backup::missing_rocksdb_files(names.iter().map(String::as_str));
            if !missing.is_empty() {
                out.problems.push(format!(
                    "not a RocksDB checkpoint: no {}",
                    missing.join(", no ")
                ));
            }
        }
        Err(e) => out.problems.push(format!("not a readable tar: {e}")),
    }
    out
}

/// Size and SHA-256 of a file, read in a fixed buffer.
pub fn sum(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex(&hasher.finalize())))
}

/// The entry names of a tar (gzip-compressed or not), read to the end.
pub fn tar_entries(path: &Path) -> std::io::Result<Vec<String>> {
    let mut reader = BufReader::new(std::fs::File::open(path)?);
    let mut magic = [0u8; 2];
    let gzipped = {
        use std::io::BufRead;
        let head = reader.fill_buf()?;
        if head.len() >= 2 {
            magic.copy_from_slice(&head[..2]);
        }
        magic == [0x1f, 0x8b]
    };
    let source: Box<dyn Read> = if gzipped {
        Box::new(flate2::read::GzDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    let mut archive = tar::Archive::new(source);
    let mut names = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        names.push(entry.path()?.to_string_lossy().into_owned());
        // Reading each body proves the archive is whole, not only its headers.
        std::io::copy(&mut entry, &mut std::io::sink())?;
    }
    if names.is_empty() {
        return Err(std::io::Error::other("the archive is empty"));
    }
    Ok(names)
}

/// Runs `backup verify`: exit 0 when every file is good, 1 otherwise.
pub fn run(io: &mut Io, args: &VerifyArgs) -> Result<ExitCode> {
    let (manifest, checks) = check(&args.backup)?;
    let good = checks.iter().all(|c| c.problems.is_empty());
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Report<'a> {
        backup: &'a str,
        ok: bool,
        files: &'a [FileCheck],
    }
    let report = Report {
        backup: &manifest.name,
        ok: good,
        files: &checks,
    };
    match structured(args.format, &report)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => {
            let rows: Vec<Vec<String>> = checks
                .iter()
                .map(|c| {
                    vec![
                        c.component.to_uppercase(),
                        c.file.clone(),
                        bytes(c.size),
                        if c.problems.is_empty() {
                            "ok".into()
                        } else {
                            c.problems.join("; ")
                        },
                    ]
                })
                .collect();
            io.out.write_all(
                table::render(&["COMPONENT", "FILE", "SIZE", "RESULT"], &rows).as_bytes(),
            )?;
        }
    }
    if good {
        io.note(format!("backup {} is whole", manifest.name));
        Ok(ExitCode::SUCCESS)
    } else {
        io.note(format!("backup {} is damaged", manifest.name));
        Ok(ExitCode::FAILURE)
    }
}
