//! `kubectl ozone s3 …`: everything an application needs to use the cluster over S3 — where
//! the S3 Gateway is (`endpoint`), a key pair in a Secret (`credentials`), buckets in `/s3v`
//! (`bucket create|list`) and a bucket as a Kubernetes volume (`volume`), the same
//! PersistentVolume and claim `render` makes from `spec.s3.volumes`.

pub mod bucket;
pub mod credentials;
pub mod endpoint;
#[cfg(test)]
mod scenarios;
pub mod volume;

use crate::cmd::cert::{policy_serves_https, site_value};
use crate::cmd::common::ClusterArgs;
use anyhow::{Context, Result};
use clap::Subcommand;
use k8s_openapi::api::core::v1::Service;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::view::{ClusterView, label};
use ozone_generator::names::LABEL_VERSION;
use ozone_storage::Component;
use ozone_storage::s3::Endpoint;
use std::process::ExitCode;

/// S3 commands.
#[derive(Debug, Subcommand)]
pub enum S3Command {
    /// Where S3 clients reach the gateway: in-cluster URL, outside address (LoadBalancer or
    /// NodePort) and a ready-to-paste aws CLI line.
    #[command(after_help = endpoint::EXAMPLES)]
    Endpoint(endpoint::EndpointArgs),
    /// Put an S3 key pair into a Kubernetes Secret without ever printing it (secured
    /// clusters: `ozone s3 getsecret`; unsecured: a random pair, since any pair works).
    #[command(after_help = credentials::EXAMPLES)]
    Credentials(credentials::CredentialsArgs),
    /// Buckets of /s3v, the volume the S3 Gateway serves: create, list.
    #[command(subcommand)]
    Bucket(bucket::BucketCommand),
    /// Print a PersistentVolume and claim that mount a bucket through the Mountpoint S3 CSI
    /// driver, for volumes managed outside the cluster spec.
    #[command(after_help = volume::EXAMPLES)]
    Volume(volume::VolumeArgs),
}

/// Runs an S3 command.
pub async fn run(session: &Session, io: &mut crate::ui::Io, cmd: &S3Command) -> Result<ExitCode> {
    match cmd {
        S3Command::Endpoint(a) => endpoint::run(session, io, a).await,
        S3Command::Credentials(a) => credentials::run(session, io, a).await,
        S3Command::Bucket(c) => bucket::run(session, io, c).await,
        S3Command::Volume(a) => volume::run(session, io, a).await,
    }
}

/// The cluster flags of an S3 command.
pub fn cluster_args(cmd: &S3Command) -> ClusterArgs {
    match cmd {
        S3Command::Endpoint(a) => a.cluster.clone(),
        S3Command::Credentials(a) => a.cluster.clone(),
        S3Command::Bucket(c) => bucket::cluster_args(c).clone(),
        S3Command::Volume(a) => a.cluster_args(),
    }
}

/// The S3 Gateway of a running cluster, as its client Service and configuration say.
#[derive(Clone, Debug)]
pub struct Gateway {
    /// The client Service.
    pub service: Service,
    /// Whether it serves HTTPS.
    pub https: bool,
    /// The Ozone version its labels name.
    pub version: String,
}

impl Gateway {
    /// The S3 port of the Service: the catalog's client port, by name.
    pub fn port(&self) -> Option<&k8s_openapi::api::core::v1::ServicePort> {
        let name = Component::S3g.service().ports[0].name;
        self.service
            .spec
            .as_ref()?
            .ports
            .as_ref()?
            .iter()
            .find(|p| p.name.as_deref() == Some(name))
    }

    /// The endpoint pods of the cluster use: the Service's FQDN in `domain`.
    pub fn in_cluster(&self, view: &ClusterView, domain: &str) -> Result<Endpoint> {
        let port = self.port().with_context(|| {
            format!(
                "Service {} has no port named {}; re-apply the rendered manifests",
                view.names.component(Component::S3g),
                Component::S3g.service().ports[0].name
            )
        })?;
        let host = format!(
            "{}.{}.svc.{domain}",
            view.names.component(Component::S3g),
            view.names.namespace()
        );
        Ok(Endpoint::new(
            self.https,
            host,
            u16::try_from(port.port).unwrap_or(0),
        ))
    }
}

/// Reads the S3 Gateway's client Service. HTTPS when the Service port says so (render sets
/// `appProtocol: https` under `HTTPS_ONLY`) or the cluster's HTTP policy serves HTTPS.
pub async fn gateway(session: &Session, view: &ClusterView) -> Result<Gateway> {
    let name = view.names.component(Component::S3g);
    let service = session.kube.service(&name).await?.with_context(|| {
        format!(
            "cluster {} has no S3 Gateway Service {name} in namespace {}; enable it (s3g.enabled=true) and re-apply the rendered manifests",
            view.cluster(),
            session.namespace()
        )
    })?;
    let s3_port = Component::S3g.service().ports[0].name;
    let app_https = service
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_ref())
        .into_iter()
        .flatten()
        .any(|p| p.name.as_deref() == Some(s3_port) && p.app_protocol.as_deref() == Some("https"));
    let policy = site_value(session, view, ozone_storage::config::HTTP_POLICY_KEY).await?;
    // Under HTTP_AND_HTTPS the Service still exposes the HTTP port, so only HTTPS_ONLY moves
    // it; an `appProtocol: https` port is HTTPS whatever the ConfigMap says.
    let https = app_https
        || policy
            .as_deref()
            .is_some_and(|v| policy_serves_https(v) && v.trim().eq_ignore_ascii_case("HTTPS_ONLY"));
    let version = label(&service.metadata, LABEL_VERSION)
        .unwrap_or(ozone_storage::DEFAULT_OZONE_VERSION)
        .to_owned();
    Ok(Gateway {
        service,
        https,
        version,
    })
}
