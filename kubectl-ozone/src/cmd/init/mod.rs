//! `kubectl ozone init`: the setup wizard. It produces a spec file, never cluster state.
//!
//! Decisions first (terminal or not, where to write), then the pure flow from
//! `ozone_generator::init` with flags answering their questions and the terminal asking the
//! rest, then the summary on stderr, then the file, written atomically.

pub mod flags;
mod terminal;

use crate::cli::InitArgs;
use crate::exit::BadInput;
use crate::files;
use anyhow::{Context, Result, anyhow};
use ozone_generator::init::summary::summarize;
use ozone_generator::init::wizard::Source;
use ozone_generator::init::{QUESTIONS, Stop, Wizard, document, drive};
use ozone_generator::{Cluster, objects, output};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use terminal::Terminal;

/// Where the spec goes.
enum Target {
    Stdout,
    File { path: PathBuf, overwrite: bool },
}

/// Runs the wizard.
pub fn run(args: &InitArgs) -> Result<ExitCode> {
    let on_terminal =
        !args.non_interactive && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    // Flags that answer every required question mean the user has decided: the rest keep
    // their profile defaults, as in CI. The terminal is still used to confirm an overwrite.
    let answered_by_flags = QUESTIONS
        .iter()
        .filter(|q| q.required)
        .all(|q| args.answers.0.contains_key(q.id));
    let interactive = on_terminal && !answered_by_flags;
    let mut target = if args.output.as_os_str() == "-" {
        Target::Stdout
    } else {
        Target::File {
            path: args.output.clone(),
            overwrite: args.force,
        }
    };
    // Without a terminal nobody can confirm an overwrite: refuse before any work.
    if let Target::File { path, overwrite } = &target
        && !overwrite
        && !on_terminal
        && path.exists()
    {
        return Err(exists(path).into());
    }

    let mut terminal = Terminal::new();
    if interactive {
        eprintln!(
            "This writes an OzoneCluster spec file; nothing is sent to a cluster.\nPress Enter to keep a default. Every question has a flag (see --help)."
        );
    }
    let mut wizard = Wizard::new(args.sets.clone());
    let prompter = interactive.then_some(&mut terminal);
    match drive(&mut wizard, &args.answers.0, prompter) {
        Ok(()) => {}
        Err(Stop::Invalid(e)) => return Err(BadInput(e.to_string()).into()),
        Err(Stop::Prompt(e)) => return Err(anyhow!(e).context("reading an answer failed")),
    }
    let cluster = wizard
        .cluster()
        .ok_or_else(|| anyhow!("no profile was chosen"))?;
    let manifest = objects::render(cluster)?;

    let file_name = match &target {
        Target::Stdout => "ozone-cluster.yaml".to_owned(),
        Target::File { path, .. } => path.display().to_string(),
    };
    let doc = document::minimal(cluster)?;
    let text = document::to_commented_yaml(&doc, cluster, &file_name)?;

    eprint!("{}", choices(&wizard));
    eprintln!("\nWill render {}", summarize(cluster, &manifest));
    if interactive {
        eprintln!("\nThe same without questions:\n  {}", wizard.command_line());
    }

    if let Target::File { path, overwrite } = &mut target
        && !*overwrite
        && path.exists()
    {
        if !on_terminal {
            // It appeared while the questions were answered.
            return Err(exists(path).into());
        }
        let question = format!("{} exists. Overwrite it?", path.display());
        if !terminal.confirm(&question)? {
            return Err(anyhow!("{} exists; nothing was written", path.display()));
        }
        *overwrite = true;
    }
    match &target {
        Target::Stdout => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Target::File { path, overwrite } => {
            write_spec(path, &text, *overwrite)?;
            eprintln!("\nwrote {}", path.display());
        }
    }
    if let Some(dir) = &args.render {
        let header = output::header(cluster);
        files::write_all(dir, &manifest.to_files(&header)?, output::HEADER_MARKER)?;
        eprintln!(
            "wrote {} objects and kustomization.yaml to {}",
            manifest.objects().len(),
            dir.display()
        );
    }
    eprint!(
        "{}",
        next_steps(cluster, &file_name, args.render.as_deref())
    );
    Ok(ExitCode::SUCCESS)
}

fn exists(path: &Path) -> BadInput {
    BadInput(format!(
        "{} already exists; pass --force to overwrite it, or -f to write elsewhere",
        path.display()
    ))
}

/// Writes the spec atomically: a temporary file beside it, renamed into place. Without
/// `overwrite` the rename refuses to replace a file that appeared meanwhile.
fn write_spec(path: &Path, text: &str, overwrite: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".kubectl-ozone-")
        .tempfile_in(dir)
        .map_err(|e| BadInput(format!("cannot write in {}: {e}", dir.display())))?;
    tmp.write_all(text.as_bytes())
        .with_context(|| format!("failed to write {}", path.display()))?;
    if overwrite {
        tmp.persist(path)
            .with_context(|| format!("failed to write {}", path.display()))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow::Error::from(exists(path))
            } else {
                anyhow::Error::from(e.error).context(format!("failed to write {}", path.display()))
            }
        })?;
    }
    Ok(())
}

/// The choices, one per line, marking what differs from the profile.
fn choices(wizard: &Wizard) -> String {
    let mut out = String::from("\nSummary (* = your answer, the rest is the profile's):\n");
    for (q, value, source) in wizard.choices() {
        let mark = match source {
            Some(Source::Flag | Source::Prompt) => "*",
            None => " ",
        };
        let value = if value.is_empty() { "-" } else { &value };
        out.push_str(&format!("  {mark} {:<24} {value}\n", q.label));
    }
    out
}

fn next_steps(cluster: &Cluster, file: &str, rendered: Option<&Path>) -> String {
    let mut out = String::from("\nNext steps:\n");
    out.push_str(&format!(
        "  kubectl ozone render -f {file} | kubectl apply --server-side --field-manager=kubectl-ozone -f -\n"
    ));
    if let Some(dir) = rendered {
        out.push_str(&format!(
            "  (or apply the rendered files: kubectl apply --server-side --field-manager=kubectl-ozone -k {})\n",
            dir.display()
        ));
    }
    out.push_str(&format!(
        "  kubectl ozone status -n {}\n",
        cluster.namespace
    ));
    out
}
