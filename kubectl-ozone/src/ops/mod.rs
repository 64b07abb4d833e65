//! Day-2 logic as pure functions over what was read: joining Ozone's datanodes with pods,
//! resolving targets, pre-flight checks and plans. No I/O here, so all of it is unit-tested.

pub mod changes;
pub mod datanodes;
pub mod disks;
pub mod finality;
pub mod plan;
pub mod preflight;
pub mod ring_shrink;
pub mod rollout;
pub mod rotation;
pub mod transitions;
pub mod upgrade;
