//! `kubectl ozone render`: spec → manifests on stdout or in a directory. Everything is rendered
//! in memory first, so bad input writes nothing.

use crate::cli::{RenderArgs, RenderFormat, SpecArgs};
use crate::exit::BadInput;
use crate::files;
use anyhow::Result;
use ozone_generator::spec::{Cluster, Inputs, resolve};
use ozone_generator::{notes, objects, output};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Renders.
pub fn run(args: &RenderArgs) -> Result<ExitCode> {
    let cluster = load(&args.spec)?;
    let manifest = objects::render(&cluster)?;
    match &args.output_dir {
        Some(dir) => {
            let header = output::header(&cluster);
            files::write_all(dir, &manifest.to_files(&header)?, output::HEADER_MARKER)?;
            eprintln!(
                "wrote {} objects and kustomization.yaml to {}",
                manifest.objects().len(),
                dir.display()
            );
        }
        None => {
            let text = match args.format {
                RenderFormat::Yaml => manifest.to_yaml()?,
                RenderFormat::Json => manifest.to_json()?,
            };
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    if std::io::stderr().is_terminal() {
        eprint!("{}", notes::render_notes(&cluster)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads and resolves the spec from the flags.
pub fn load(args: &SpecArgs) -> Result<Cluster> {
    let spec_file = match &args.file {
        Some(path) => Some(read_spec(path)?),
        None => None,
    };
    let mut sets = Vec::new();
    if let Some(name) = &args.name {
        sets.push(format!("metadata.name={name}"));
    }
    if let Some(ns) = &args.namespace {
        sets.push(format!("metadata.namespace={ns}"));
    }
    sets.extend(args.sets.iter().cloned());
    let inputs = Inputs {
        profile: args.profile.clone(),
        spec_file,
        sets,
    };
    Ok(resolve(&inputs)?)
}

fn read_spec(path: &Path) -> Result<(String, String)> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| BadInput(format!("cannot read the spec from standard input: {e}")))?;
        return Ok(("<stdin>".into(), text));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| BadInput(format!("cannot read spec file {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| BadInput(format!("spec file {} is not UTF-8 text", path.display())))?;
    Ok((path.display().to_string(), text))
}
