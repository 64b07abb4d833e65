//! Reads an upstream CustomResourceDefinition (YAML) on stdin and prints the part lint embeds
//! (see `ozone_generator::lint::crd::trim`) as JSON on stdout. Used by
//! `scripts/refresh-crds.sh`; the argument names the upstream release for the record.

use ozone_generator::lint::{crd, parse};
use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(source) = std::env::args().nth(1) else {
        eprintln!("usage: trim-crd SOURCE < crd.yaml > crd.json");
        return ExitCode::from(2);
    };
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("cannot read standard input: {e}");
        return ExitCode::from(2);
    }
    let mut trimmed = Vec::new();
    for doc in parse::documents(&text) {
        match parse::parse(&doc) {
            Ok(value) => trimmed.extend(crd::trim(&value, &source)),
            Err(e) => {
                eprintln!("line {}: {}", e.line, e.message);
                return ExitCode::from(2);
            }
        }
    }
    let [crd] = trimmed.as_slice() else {
        eprintln!(
            "expected exactly one apiextensions.k8s.io/v1 CRD, found {}",
            trimmed.len()
        );
        return ExitCode::from(2);
    };
    match serde_json::to_string_pretty(crd) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
