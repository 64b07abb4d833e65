//! `kubectl ozone lint`: reads files, directories and stdin, hands them to the lint engine and
//! prints the report on stdout. Every input is read and checked before anything is printed,
//! so unusable input (exit 2) never leaves a partial report.

use crate::cli::{LintArgs, LintFormat};
use crate::exit::{BadInput, FAILURE};
use anyhow::Result;
use ozone_generator::lint::{
    self, Config, Linter, Options, ParallelError, Source, config::parse_fail_on, crd,
};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Lints.
pub fn run(args: &LintArgs) -> Result<ExitCode> {
    if args.list_checks {
        let mut out = std::io::stdout().lock();
        for c in lint::CHECKS {
            let default = if c.default { "" } else { " (opt-in)" };
            writeln!(
                out,
                "{:<32} {:<8} {}{default}",
                c.id, c.severity, c.description
            )?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let bad = |e: lint::OptionsError| BadInput(e.to_string());
    let mut options = Options::default();
    let mut fail_on = Some(lint::Severity::Error);
    if let Some(path) = &args.config {
        let text = read_text(path)?;
        let config = Config::parse(&path.display().to_string(), &text).map_err(bad)?;
        config.apply(&mut options).map_err(bad)?;
        if let Some(f) = &config.fail_on {
            fail_on = parse_fail_on(f).map_err(bad)?;
        }
    }
    for id in args.enable.iter().filter(|s| !s.is_empty()) {
        options.enable(id.trim()).map_err(bad)?;
    }
    for id in args.disable.iter().filter(|s| !s.is_empty()) {
        options.disable(id.trim()).map_err(bad)?;
    }
    if let Some(v) = &args.kube_version {
        options.set_kube_version(v).map_err(bad)?;
    }
    if args.strict {
        options.strict = true;
    }
    if let Some(f) = &args.fail_on {
        fail_on = parse_fail_on(f).map_err(bad)?;
    }
    let mut registry = crd::Registry::with_embedded();
    for path in &args.crds {
        for file in expand(path)? {
            let text = read_text(&file)?;
            registry
                .load(&file.display().to_string(), &text)
                .map_err(|e| BadInput(format!("--crd {e}")))?;
        }
    }
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        usize::from,
    );
    let mut linter = Linter::new(options, registry);
    let documents = linter
        .lint_sources(sources(&args.paths), jobs)
        .map_err(|e| match e {
            ParallelError::Input(e) => BadInput(e.to_string()).into(),
            ParallelError::Source(e) => e,
        })?;
    if documents == 0 {
        return Err(BadInput("the input holds no Kubernetes objects".into()).into());
    }
    let report = linter.finish();
    let text = match args.format {
        LintFormat::Text => report.to_text(std::io::stdout().is_terminal()),
        LintFormat::Json => report.to_json(),
        LintFormat::Junit => report.to_junit(),
        LintFormat::Sarif => report.to_sarif(env!("CARGO_PKG_VERSION")),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if report.fails(fail_on) {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

/// The inputs in order, each read only when the linter asks for it.
fn sources(paths: &[PathBuf]) -> impl Iterator<Item = Result<Source>> + Send + '_ {
    paths
        .iter()
        .flat_map(|path| -> Box<dyn Iterator<Item = Result<Source>> + Send> {
            if path.as_os_str() == "-" {
                let mut bytes = Vec::new();
                let read = std::io::stdin()
                    .read_to_end(&mut bytes)
                    .map_err(|e| BadInput(format!("cannot read standard input: {e}")).into())
                    .map(|_| Source {
                        name: "-".to_owned(),
                        bytes,
                        explicit: true,
                    });
                return Box::new(std::iter::once(read));
            }
            let explicit = !path.is_dir();
            match expand(path) {
                Err(e) => Box::new(std::iter::once(Err(e))),
                Ok(files) => Box::new(files.into_iter().map(move |file| {
                    let bytes = std::fs::read(&file)
                        .map_err(|e| BadInput(format!("cannot read {}: {e}", file.display())))?;
                    Ok(Source {
                        name: file.display().to_string(),
                        bytes,
                        explicit,
                    })
                })),
            }
        })
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes)
        .map_err(|_| BadInput(format!("{} is not a text file", path.display())).into())
}

/// A file itself, or the manifest files under a directory, sorted, recursively.
fn expand(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    walk(path, &mut files, 0)?;
    if files.is_empty() {
        return Err(BadInput(format!(
            "{} holds no *.yaml, *.yml or *.json files",
            path.display()
        ))
        .into());
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    // Symlink loops would recurse forever.
    if depth > 32 {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, files, depth + 1)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            files.push(path);
        }
    }
    Ok(())
}
