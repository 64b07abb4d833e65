//! The quorum-safe rolling restart engine moved to [`crate::engine::restart`], shared by
//! `cert rotate`, `restart` and `apply`; re-exported here so existing paths keep working.

pub use crate::engine::restart::*;
