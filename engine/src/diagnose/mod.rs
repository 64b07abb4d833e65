//! Read-only diagnosis: cluster status, the checks of `doctor`, and the `report` bundle.
//!
//! - [`status`]: what Kubernetes and Ozone say about a cluster, as one serializable model
//!   (ready counts per workload, pods, PVCs, Raft roles, safe mode, datanodes, capacity).
//! - [`doctor`]: findings with a verdict, the evidence and the fix, about a running cluster or
//!   an install before it happens.
//! - [`report`]: the support bundle (objects, events, logs, configuration, status and doctor),
//!   redacted, and its archive.
//!
//! Nothing here writes: every function takes a [`crate::cluster::Session`], which has no way
//! to, and a part that cannot be read becomes data (an error string, a `not-checked` finding,
//! a failure in the bundle's index) rather than an abort.

pub mod doctor;
pub mod report;
pub mod status;
#[cfg(all(test, feature = "testing"))]
mod tests;
