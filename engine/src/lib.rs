//! The day-2 engine of kubectl-ozone, one library for both front ends: the command line
//! (`kubectl-ozone`) and the operator that reconciles `OzoneCluster` resources.
//!
//! - [`cluster`]: access to a running cluster — reading Kubernetes objects, running the Ozone
//!   CLI in pods, and the [`cluster::act::Actuator`], the only type that writes.
//! - [`plan`]: plans as data and the pure decisions behind them — what changed, which
//!   transition it needs, pre-flight checks, records an interrupted run resumes from.
//! - [`pods`] and [`rings`]: carrying plans out — waits, the quorum-safe rolling restart, and
//!   the bootstrap of new OM/SCM ring members.
//! - [`pki`]: the managed-mode certificate authority and keystores.
//! - Operations, one module each, every one read → plan → run: [`change`] (apply, diff,
//!   datanodes, rings, storage, restarts), [`upgrade`], [`recover`], [`backup`], [`certs`],
//!   [`snapshot`], [`s3`], and the read-only [`diagnose`] (status, doctor, report).
//! - [`managed`] and [`lock`]: the plugin and the operator together — whether the operator
//!   manages a cluster (then the plugin asks it for work through the `OzoneCluster` resource),
//!   and the per-cluster Lease every writing run holds.
//! - [`events`]: how the engine reports progress without printing; a front end turns events
//!   into terminal lines or Kubernetes Events.
//!
//! The dependency flow is one way: `kubectl-ozone → ozone-engine → ozone-generator →
//! ozone-storage`. Nothing here reads a terminal or writes to one.

pub mod backup;
pub mod certs;
pub mod change;
pub mod cluster;
pub mod diagnose;
pub mod duration;
pub mod error;
pub mod events;
pub use cluster::lock;
pub mod managed;
pub mod pki;
pub mod plan;
pub mod pods;
pub mod recover;
pub mod rings;
pub mod s3;
pub mod size;
pub mod snapshot;
#[cfg(any(test, feature = "testing"))]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Test doubles fail loudly by design.
pub mod testing;
pub mod upgrade;
