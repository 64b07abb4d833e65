//! `kubectl ozone s3 …`: everything an application needs to use the cluster over S3 — where
//! the S3 Gateway is (`endpoint`), a key pair in a Secret (`credentials`), buckets in `/s3v`
//! (`bucket create|list`) and a bucket as a Kubernetes volume (`volume`), the same
//! PersistentVolume and claim `render` makes from `spec.s3.volumes`. The cluster side is
//! [`ozone_engine::s3`]; these modules parse flags, confirm and print.

pub mod bucket;
pub mod credentials;
pub mod endpoint;
pub mod volume;

use crate::cmd::common::ClusterArgs;
use anyhow::Result;
use clap::Subcommand;
use ozone_engine::cluster::Session;
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
