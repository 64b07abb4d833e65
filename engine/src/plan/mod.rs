//! Plans as data, and the pure decisions behind them: joining Ozone's datanodes with pods,
//! what changed between the spec and the cluster, which transition a change needs, pre-flight
//! checks, and the records an interrupted run resumes from. No I/O here, so all of it is
//! unit-tested.

pub mod changes;
pub mod datanodes;
pub mod disks;
pub mod finality;
pub mod preflight;
pub mod ring_shrink;
pub mod rollout;
pub mod rotation;
pub mod steps;
pub mod transitions;
pub mod upgrade;

pub use steps::*;
