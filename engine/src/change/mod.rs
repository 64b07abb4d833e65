//! Carrying a rendered change onto a running cluster: server-side apply in order and prune,
//! the comparison behind `diff`, datanodes down and up, OM/SCM ring growth and shrink, storage
//! growth and quorum-safe restarts — each as read → plan → run, one step at a time.

pub mod apply;
pub mod compare;
pub mod datanodes;
pub mod disks;
pub mod hibernate;
pub mod restart;
pub mod ring_grow;
pub mod ring_shrink;
