//! The spec flags of `diff` and `apply`, and the spec they resolve to for the session's
//! namespace; the comparison itself is [`ozone_engine::change::compare`].

use crate::cli::SpecArgs;
use crate::exit::BadInput;
use crate::kube_flags::KubeFlags;
use anyhow::Result;
use clap::Args;
use ozone_generator::spec::Cluster;
use std::path::PathBuf;

/// The spec to compare with the cluster, and where the cluster is.
#[derive(Debug, Args, Clone, Default)]
pub struct DesiredArgs {
    /// OzoneCluster spec file ("-" reads standard input).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Profile: small, medium or large. Overrides spec.profile of the file.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Override one field, relative to spec (datanodes.replicas=5); repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Cluster name (metadata.name) when the spec does not name one; default "ozone".
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Kubernetes connection; -n is the namespace when the spec does not name one.
    #[command(flatten)]
    pub kube: KubeFlags,
}

impl DesiredArgs {
    fn spec_args(&self, namespace: Option<&str>) -> SpecArgs {
        SpecArgs {
            profile: self.profile.clone(),
            file: self.file.clone(),
            sets: self.sets.clone(),
            name: None,
            namespace: namespace.map(str::to_owned),
        }
    }

    /// The spec flags to repeat in a follow-up command.
    pub fn hint(&self, namespace: &str) -> String {
        let mut out = String::new();
        if let Some(f) = &self.file {
            out.push_str(&format!(" -f {}", f.display()));
        }
        if let Some(p) = &self.profile {
            out.push_str(&format!(" --profile {p}"));
        }
        for s in &self.sets {
            out.push_str(&format!(" --set '{s}'"));
        }
        if let Some(n) = &self.name {
            out.push_str(&format!(" --name {n}"));
        }
        out.push_str(&format!(" -n {namespace}"));
        if let Some(c) = &self.kube.context {
            out.push_str(&format!(" --context {c}"));
        }
        if let Some(k) = &self.kube.kubeconfig {
            out.push_str(&format!(" --kubeconfig {}", k.display()));
        }
        out
    }
}

/// The namespace the spec names, if it names one: the connection goes there when -n is not
/// given. Reads and checks the spec (bad input: exit 2 before anything is contacted).
pub fn spec_namespace(a: &DesiredArgs) -> Result<Option<String>> {
    if a.file.is_none() && a.profile.is_none() {
        return Err(BadInput(
            "no spec: give the cluster spec with -f FILE (or --profile NAME for a profile as it is)"
                .into(),
        )
        .into());
    }
    let cluster = super::render::load(&a.spec_args(None))?;
    Ok(cluster
        .document
        .metadata
        .as_ref()
        .and_then(|m| m.namespace.clone()))
}

/// Resolves the spec for `namespace` (the session's). A spec that names another namespace, or
/// another cluster name than `--name`, is bad input.
pub fn resolve(a: &DesiredArgs, namespace: &str) -> Result<Cluster> {
    let named = spec_namespace(a)?;
    if let Some(ns) = &named
        && ns != namespace
    {
        return Err(BadInput(format!(
            "the spec is for namespace {ns} (metadata.namespace) but the command addresses namespace {namespace} (-n or the kubeconfig context); use -n {ns}, or change the spec"
        ))
        .into());
    }
    let mut args = a.spec_args(Some(namespace));
    let cluster = super::render::load(&args)?;
    let spec_name = cluster
        .document
        .metadata
        .as_ref()
        .and_then(|m| m.name.clone());
    match (&a.name, spec_name) {
        (Some(flag), Some(spec)) if *flag != spec => Err(BadInput(format!(
            "--name {flag} but the spec names cluster {spec} (metadata.name)"
        ))
        .into()),
        (Some(flag), None) => {
            args.sets.insert(0, format!("metadata.name={flag}"));
            Ok(super::render::load(&args)?)
        }
        _ => Ok(cluster),
    }
}
