//! kubectl-ozone as a library: the CLI's commands, and the day-2 engine under them — cluster
//! access (`cluster`: reading, the [`cluster::act::Actuator`] that alone writes, the exec
//! transport), plans as data (`ops`), waits and quorum-safe restarts — so that a controller can
//! later drive the same engine in a loop. The `kubectl-ozone` binary is a thin `main` over
//! [`cmd::run`].

#[cfg(test)]
mod change_scenarios;
pub mod cli;
pub mod cluster;
pub mod cmd;
pub mod engine;
pub mod exit;
pub mod files;
#[cfg(test)]
mod member_scenarios;
pub mod ops;
pub mod pki;
#[cfg(test)]
mod rbac_scenarios;
#[cfg(test)]
mod scenarios;
#[cfg(test)]
mod testing;
pub mod ui;
