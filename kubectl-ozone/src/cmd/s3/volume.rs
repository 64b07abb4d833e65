//! `s3 volume`: the PersistentVolume and claim that mount one bucket, printed for people who
//! manage volumes outside the cluster spec. The objects come from the same builder as
//! `spec.s3.volumes` in render; the endpoint comes from the live S3 Gateway Service.
//!
//! `-n` names the application's namespace here (where the claim goes), so the Ozone
//! cluster's namespace has its own flag, `--ozone-namespace`.

use super::gateway;
use crate::cli::RenderFormat;
use crate::cmd::common::ClusterArgs;
use crate::exit::BadInput;
use crate::kube_flags::KubeFlags;
use crate::ui::Io;
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_generator::objects::bucket_volumes::volume_pair;
use ozone_generator::output::{Manifest, Object};
use ozone_generator::spec::doc::S3VolumeDoc;
use ozone_generator::spec::resolve::check_bucket_volume;
use std::path::PathBuf;
use std::process::ExitCode;

pub(super) const EXAMPLES: &str = "Examples:
  # A claim \"logs\" in namespace apps for bucket logs of the cluster in namespace ozone
  kubectl ozone s3 volume logs -n apps --ozone-namespace ozone | kubectl apply -f -

  # Read-only, files owned by uid 1000
  kubectl ozone s3 volume models -n ml --read-only --mount-option 'uid 1000' --ozone-namespace ozone

The Mountpoint for Amazon S3 CSI driver (v2) must be installed, with the cluster's S3 key pair
in its one Secret; the S3 Gateway must admit its mount pods (spec: s3.mountNamespace).";

/// `s3 volume` arguments.
#[derive(Debug, Args, Clone)]
pub struct VolumeArgs {
    /// The bucket in /s3v (create it with `kubectl ozone s3 bucket create`).
    #[arg(value_name = "BUCKET")]
    pub bucket: String,
    /// The application's namespace: where the claim is created.
    #[arg(short = 'n', long = "namespace", value_name = "APP_NAMESPACE")]
    pub app_namespace: String,
    /// The claim's name (default: the bucket name, '.' as '-').
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Mount read-only (ReadOnlyMany).
    #[arg(long)]
    pub read_only: bool,
    /// Access mode: ReadWriteMany or ReadOnlyMany; repeatable.
    #[arg(long = "access-mode", value_name = "MODE")]
    pub access_modes: Vec<String>,
    /// Extra mount-s3 option ("uid 1000", "allow-other"); repeatable.
    #[arg(long = "mount-option", value_name = "OPTION")]
    pub mount_options: Vec<String>,
    /// The Secret with this volume's Ozone identity, recorded on the PersistentVolume.
    #[arg(long, value_name = "NAME")]
    pub credentials_secret: Option<String>,
    /// Namespace of the Ozone cluster (default: the context's namespace).
    #[arg(long, value_name = "NAMESPACE")]
    pub ozone_namespace: Option<String>,
    /// The Ozone cluster, when its namespace holds several.
    #[arg(long, value_name = "NAME")]
    pub ozone_cluster: Option<String>,
    /// The Kubernetes cluster's DNS domain.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local")]
    pub cluster_domain: String,
    /// Path to the kubeconfig file.
    #[arg(long, value_name = "PATH", help_heading = "Kubernetes")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME", help_heading = "Kubernetes")]
    pub context: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = RenderFormat::Yaml)]
    pub format: RenderFormat,
}

impl VolumeArgs {
    /// The flags that find the Ozone cluster.
    pub fn cluster_args(&self) -> ClusterArgs {
        ClusterArgs {
            kube: KubeFlags {
                kubeconfig: self.kubeconfig.clone(),
                context: self.context.clone(),
                namespace: self.ozone_namespace.clone(),
                ..KubeFlags::default()
            },
            name: self.ozone_cluster.clone(),
        }
    }

    fn doc(&self) -> S3VolumeDoc {
        S3VolumeDoc {
            bucket: Some(self.bucket.clone()),
            name: self.name.clone(),
            namespace: Some(self.app_namespace.clone()),
            access_modes: (!self.access_modes.is_empty()).then(|| self.access_modes.clone()),
            read_only: Some(self.read_only),
            mount_options: Some(self.mount_options.clone()),
            credentials_secret: self.credentials_secret.clone(),
        }
    }
}

/// The flag a field of the volume check stands for.
fn flag(field: &str) -> String {
    let base = field.split('[').next().unwrap_or(field);
    match base {
        "bucket" => "BUCKET".into(),
        "namespace" => "--namespace".into(),
        "name" => "--name".into(),
        "accessModes" => "--access-mode".into(),
        "mountOptions" => "--mount-option".into(),
        "credentialsSecret" => "--credentials-secret".into(),
        other => other.into(),
    }
}

/// Runs `s3 volume`. Bad flags fail before the cluster is read.
pub async fn run(session: &Session, io: &mut Io, a: &VolumeArgs) -> Result<ExitCode> {
    let volume = check_bucket_volume(a.doc()).map_err(|problems| {
        BadInput(
            problems
                .iter()
                .map(|(field, message)| format!("{}: {message}", flag(field)))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let view = discover::find(&session.kube, a.ozone_cluster.as_deref()).await?;
    let gateway = gateway(session, &view).await?;
    let endpoint = gateway.in_cluster(&view, &a.cluster_domain)?;
    let (pv, pvc) = volume_pair(&view.names, &gateway.version, &endpoint, &volume);
    let manifest = Manifest::new(vec![Object::typed(&pv)?, Object::typed(&pvc)?]);
    let text = match a.format {
        RenderFormat::Yaml => manifest.to_yaml()?,
        RenderFormat::Json => manifest.to_json()?,
    };
    io.out.write_all(text.as_bytes())?;
    io.out.flush()?;
    Ok(ExitCode::SUCCESS)
}
