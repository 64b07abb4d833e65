//! S3 access: where the gateway is ([`endpoint`]), key pairs in Secrets ([`credentials`]),
//! buckets of `/s3v` ([`bucket`]), and a bucket as a Kubernetes volume ([`bucket_volume`]),
//! mounted through the gateway.

pub mod bucket;
pub mod credentials;
pub mod endpoint;

use crate::certs::{policy_serves_https, site_value};
use crate::cluster::Session;
use crate::cluster::discover;
use crate::cluster::view::{ClusterView, label};
use anyhow::{Context, Result};
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Service};
use ozone_generator::names::LABEL_VERSION;
use ozone_generator::objects::bucket_volumes::volume_pair;
use ozone_generator::spec::cluster::BucketVolume;
use ozone_storage::Component;
use ozone_storage::s3::Endpoint;

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

/// The PersistentVolume and claim that mount `volume` through the S3 Gateway of `cluster`
/// (`None`: the only one in the namespace; `domain`: the Kubernetes cluster's DNS domain): the
/// same objects `render` makes from `spec.s3.volumes`.
pub async fn bucket_volume(
    session: &Session,
    cluster: Option<&str>,
    domain: &str,
    volume: &BucketVolume,
) -> Result<(PersistentVolume, PersistentVolumeClaim)> {
    let view = discover::find(&session.kube, cluster).await?;
    let gateway = gateway(session, &view).await?;
    let endpoint = gateway.in_cluster(&view, domain)?;
    Ok(volume_pair(
        &view.names,
        &gateway.version,
        &endpoint,
        volume,
    ))
}
