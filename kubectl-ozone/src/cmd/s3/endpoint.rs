//! `s3 endpoint`: where S3 clients reach the gateway. The derivation from the live Service is
//! a pure function ([`derive`]), unit-tested for every Service type and TLS mode.

use super::{Gateway, gateway};
use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, structured};
use anyhow::Result;
use clap::Args;
use k8s_openapi::api::core::v1::Service;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_storage::s3::{Endpoint, REGION};
use serde::Serialize;
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

/// An address outside the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outside {
    /// `LoadBalancer` or `NodePort`.
    pub via: &'static str,
    /// The URL; for a node port the host is a placeholder for any node's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What to know about it.
    pub note: String,
}

/// Where the gateway is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointReport {
    /// `namespace/name` of the Service.
    pub service: String,
    /// Its type.
    pub service_type: String,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// URLs pods of the Kubernetes cluster use.
    pub in_cluster: Vec<String>,
    /// Addresses from outside.
    pub outside: Vec<Outside>,
    /// Always true: Ozone serves virtual-host style only with `ozone.s3g.domain.name`.
    pub path_style: bool,
    /// The region clients sign for (Ozone accepts any).
    pub region: &'static str,
    /// Commands to paste.
    pub aws_cli: Vec<String>,
}

/// Derives the report from the Service, whether it serves HTTPS and the in-cluster endpoint.
pub fn derive(service: &Service, https: bool, in_cluster: &Endpoint) -> EndpointReport {
    let spec = service.spec.clone().unwrap_or_default();
    let service_type = spec.type_.clone().unwrap_or_else(|| "ClusterIP".into());
    let port_name = ozone_storage::Component::S3g.service().ports[0].name;
    let port = spec
        .ports
        .iter()
        .flatten()
        .find(|p| p.name.as_deref() == Some(port_name));
    let mut outside = Vec::new();
    if service_type == "LoadBalancer" {
        let ingress = service
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|l| l.ingress.clone())
            .unwrap_or_default();
        let number = port.map_or(in_cluster.port, |p| u16::try_from(p.port).unwrap_or(0));
        for i in &ingress {
            if let Some(host) = i.ip.clone().or_else(|| i.hostname.clone()) {
                outside.push(Outside {
                    via: "LoadBalancer",
                    url: Some(Endpoint::new(https, host, number).url()),
                    note: "the load balancer's address".into(),
                });
            }
        }
        if outside.is_empty() {
            outside.push(Outside {
                via: "LoadBalancer",
                url: None,
                note: "the load balancer has no address yet; run this again once the cloud provider assigned one".into(),
            });
        }
    }
    if matches!(service_type.as_str(), "NodePort" | "LoadBalancer")
        && let Some(node_port) = port.and_then(|p| p.node_port)
    {
        outside.push(Outside {
            via: "NodePort",
            url: Some(
                Endpoint::new(https, "NODE_ADDRESS", u16::try_from(node_port).unwrap_or(0)).url(),
            ),
            note: "any node's address (kubectl get nodes -o wide) where the firewall lets the port through".into(),
        });
    }
    let namespace = service.metadata.namespace.clone().unwrap_or_default();
    let name = service.metadata.name.clone().unwrap_or_default();
    let url = in_cluster.url();
    // The outside address serves a laptop; a pod uses the in-cluster one.
    let paste = outside
        .iter()
        .find_map(|o| o.url.clone().filter(|u| !u.contains("NODE_ADDRESS")))
        .unwrap_or_else(|| url.clone());
    let mut aws_cli = vec![
        "aws configure set default.s3.addressing_style path".to_owned(),
        format!("aws --endpoint-url {paste} --region {REGION} s3 ls"),
    ];
    if https {
        aws_cli[1].push_str(" --ca-bundle ca.crt");
    }
    EndpointReport {
        service: format!("{namespace}/{name}"),
        service_type,
        scheme: in_cluster.scheme,
        in_cluster: vec![url],
        outside,
        path_style: true,
        region: REGION,
        aws_cli,
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(type_: &str, node_port: Option<i32>, ingress: serde_json::Value) -> Service {
        let mut port = json!({"name": "s3", "port": 9878, "targetPort": "s3"});
        if let Some(n) = node_port {
            port["nodePort"] = json!(n);
        }
        serde_json::from_value(json!({
            "metadata": {"name": "ozone-s3g", "namespace": "ozone"},
            "spec": {"type": type_, "ports": [port]},
            "status": {"loadBalancer": {"ingress": ingress}}
        }))
        .unwrap()
    }

    #[test]
    fn every_service_type_and_tls_mode() {
        let host = "ozone-s3g.ozone.svc.cluster.local";
        for https in [false, true] {
            let scheme = if https { "https" } else { "http" };
            // The number comes from the Service; under TLS render puts the HTTPS twin there.
            let number = if https { 9879 } else { 9878 };
            let inside = Endpoint::new(https, host, number);
            let want_inside = format!("{scheme}://{host}:{number}");

            let r = derive(&service("ClusterIP", None, json!([])), https, &inside);
            assert_eq!(r.in_cluster, std::slice::from_ref(&want_inside));
            assert!(r.outside.is_empty());
            assert!(r.aws_cli[1].contains(&format!("--endpoint-url {want_inside} ")));
            assert_eq!(
                r.aws_cli[0],
                "aws configure set default.s3.addressing_style path"
            );
            assert_eq!(r.aws_cli[1].ends_with("--ca-bundle ca.crt"), https);

            let r = derive(&service("NodePort", Some(30878), json!([])), https, &inside);
            assert_eq!(r.outside.len(), 1);
            assert_eq!(r.outside[0].via, "NodePort");
            assert_eq!(
                r.outside[0].url.as_deref(),
                Some(format!("{scheme}://NODE_ADDRESS:30878").as_str())
            );
            // A placeholder is not pasteable: the aws line uses the in-cluster URL.
            assert!(r.aws_cli[1].contains(&want_inside));

            let r = derive(
                &service(
                    "LoadBalancer",
                    Some(31000),
                    json!([{"ip": "203.0.113.7"}, {"hostname": "s3.example.com"}]),
                ),
                https,
                &inside,
            );
            let urls: Vec<_> = r.outside.iter().map(|o| o.url.clone().unwrap()).collect();
            assert_eq!(
                urls,
                [
                    format!("{scheme}://203.0.113.7:9878"),
                    format!("{scheme}://s3.example.com:9878"),
                    format!("{scheme}://NODE_ADDRESS:31000"),
                ]
            );
            assert!(r.aws_cli[1].contains(&format!("--endpoint-url {scheme}://203.0.113.7:9878 ")));

            let r = derive(&service("LoadBalancer", None, json!([])), https, &inside);
            assert_eq!(r.outside.len(), 1);
            assert_eq!(r.outside[0].url, None);
            assert!(r.outside[0].note.contains("no address yet"));
            assert!(r.aws_cli[1].contains(&want_inside));
            assert!(r.path_style);
        }
    }
}
