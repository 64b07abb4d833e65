//! The quorum-safe rolling restart engine moved to [`ozone_engine::pods::restart`], shared by
//! `cert rotate`, `restart` and `apply`; re-exported here so existing paths keep working.

pub use ozone_engine::pods::restart::*;
