//! kubectl-ozone's command line: argument parsing, confirmation, progress display and output
//! formats over the day-2 engine (`ozone_engine`), which holds cluster access, plans and every
//! transition. The `kubectl-ozone` binary is a thin `main` over [`cmd::run`].

pub mod cli;
pub mod cmd;
pub mod exit;
pub mod files;
pub mod kube_flags;
pub mod operator;
#[cfg(test)]
mod scenarios;
#[cfg(test)]
mod testing;
pub mod ui;
