//! Apache Ozone itself: the storage services and how to talk to them.
//!
//! This crate is the single source of truth about Ozone that the rest of kubectl-ozone reads:
//!
//! - [`catalog`]: one entry per service (SCM, OM, Datanode, S3 Gateway, Recon, HttpFS) with its
//!   ports, the config keys that set them, who connects to each port, its start command, init
//!   steps, metrics endpoint and health checks.
//! - [`config`]: the configuration files Ozone reads and how the `apache/ozone` image turns
//!   environment variables into them.
//! - [`ha`]: the config keys that wire OM and SCM high availability.
//! - [`readers`]: which services read which configuration keys.
//! - [`admin`]: `ozone admin …` command lines and parsers for their `--json` output.
//! - [`s3`]: S3 bucket naming rules and the Mountpoint CSI driver's facts.
//! - [`versions`]: the released Ozone versions and what upgrading to each involves.
//!
//! Every figure cites where it comes from (`reference/ozone.md` in the shared design notes,
//! which in turn cites the Apache Ozone sources). Nothing here touches the network or a cluster.

pub mod admin;
pub mod backup;
pub mod catalog;
pub mod component;
pub mod config;
pub mod ha;
pub mod readers;
pub mod rotation;
pub mod s3;
pub mod snapshot;
pub mod versions;

pub use catalog::{HealthCheck, InitStep, Peer, Port, PortKey, Service};
pub use component::Component;
pub use config::ConfigFile;

/// The Ozone release rendered when a spec names no version: the newest release in
/// [`versions::RELEASES`] (a test keeps the two in step).
pub const DEFAULT_OZONE_VERSION: &str = "2.2.1";

/// The image repository published by the Apache Ozone project (reference §9).
pub const DEFAULT_IMAGE_REPOSITORY: &str = "apache/ozone";

/// The user the `apache/ozone` image runs as: `hadoop`, the first user the runner image
/// creates, with uid and gid 1000 (reference §2, ozone-docker-runner `Dockerfile`).
pub const IMAGE_USER_ID: i64 = 1000;
