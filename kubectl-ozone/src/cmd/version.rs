//! `kubectl ozone version`: the plugin version and the Ozone version it renders by default.

use crate::cli::{VersionArgs, VersionFormat};
use anyhow::Result;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Versions {
    plugin: &'static str,
    default_ozone_version: &'static str,
    profiles: Vec<&'static str>,
}

/// Prints versions.
pub fn run(args: &VersionArgs) -> Result<ExitCode> {
    let v = Versions {
        plugin: env!("CARGO_PKG_VERSION"),
        default_ozone_version: ozone_storage::DEFAULT_OZONE_VERSION,
        profiles: ozone_generator::Profile::ALL.map(|p| p.name()).to_vec(),
    };
    let text = match args.format {
        VersionFormat::Text => format!(
            "kubectl-ozone {}\ndefault Ozone version: {} (image {}:{})\nprofiles: {}\n",
            v.plugin,
            v.default_ozone_version,
            ozone_storage::DEFAULT_IMAGE_REPOSITORY,
            v.default_ozone_version,
            v.profiles.join(", ")
        ),
        VersionFormat::Json => serde_json::to_string_pretty(&v)? + "\n",
        VersionFormat::Yaml => ozone_generator::yaml::to_string(&v).map_err(anyhow::Error::msg)?,
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
