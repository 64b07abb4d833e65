//! Carrying plans out on pods: waits that poll until a condition or the run's deadline, and
//! the quorum-safe rolling restart (followers first, leadership moved before a leader
//! restarts, datanodes one at a time while SCM reports them healthy).

pub mod restart;
pub mod rolling;
