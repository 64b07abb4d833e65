//! `s3 endpoint`: where S3 clients reach the gateway, derived from the live Service by
//! [`ozone_engine::s3::endpoint::derive`], as text or data.

use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, structured};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::s3::endpoint::{EndpointReport, derive};
use ozone_engine::s3::{Gateway, gateway};
use std::process::ExitCode;

pub(super) const EXAMPLES: &str = "Examples:
  # URLs and an aws CLI line to paste
  kubectl ozone s3 endpoint -n ozone

  # As data, for scripts
  kubectl ozone s3 endpoint -n ozone -o json";

/// `s3 endpoint` arguments.
#[derive(Debug, Args, Clone)]
pub struct EndpointArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The Kubernetes cluster's DNS domain.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local")]
    pub cluster_domain: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The report for people; without an outside address, how to reach it from a laptop.
fn to_text(r: &EndpointReport, gateway: &Gateway) -> String {
    let mut out = format!(
        "S3 Gateway  {} ({}, {})\nIn cluster  {}\n",
        r.service,
        r.service_type,
        r.scheme,
        r.in_cluster.join(", ")
    );
    if r.outside.is_empty() {
        let port = gateway.port().map_or(0, |p| p.port);
        let (ns, name) = r.service.split_once('/').unwrap_or(("", &r.service));
        out.push_str(&format!(
            "Outside     none: the Service is {}; from a laptop: kubectl port-forward -n {ns} svc/{name} {port}\n",
            r.service_type
        ));
    }
    for o in &r.outside {
        out.push_str(&format!(
            "Outside     {} ({}): {}\n",
            o.url.as_deref().unwrap_or("pending"),
            o.via,
            o.note
        ));
    }
    out.push_str(&format!(
        "Addressing  path-style; region {} (Ozone accepts any)\n",
        r.region
    ));
    if r.scheme == "https" {
        out.push_str("TLS         ca.crt: the CA that signed the gateway's certificate (kubectl ozone cert status names it)\n");
    }
    out.push_str("\nCredentials: kubectl ozone s3 credentials --secret NAME\n");
    for line in &r.aws_cli {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// Runs `s3 endpoint`.
pub async fn run(session: &Session, io: &mut Io, a: &EndpointArgs) -> Result<ExitCode> {
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let gateway = gateway(session, &view).await?;
    let endpoint = gateway.in_cluster(&view, &a.cluster_domain)?;
    let report = derive(&gateway.service, gateway.https, &endpoint);
    match structured(a.format, &report)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => io.out.write_all(to_text(&report, &gateway).as_bytes())?,
    }
    io.out.flush()?;
    Ok(ExitCode::SUCCESS)
}
