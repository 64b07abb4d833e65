//! The day-2 engine that carries out plans against a cluster, shared by the commands (and
//! usable by a controller): waits that poll until a condition or the run's deadline, and the
//! quorum-safe rolling restart (followers first, leadership moved before a leader restarts,
//! datanodes one at a time while SCM reports them healthy).

pub mod bootstrap;
pub mod restart;
pub mod rolling;
