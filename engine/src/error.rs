//! Error markers a front end maps to its own outcomes: the command line to exit codes (2 for
//! unusable input, 3 for a wait that reached its deadline), the operator to conditions. They
//! travel inside `anyhow` chains and are found with `downcast_ref`.

use std::fmt;

/// A wait that gave up at its deadline; the operation goes on in the cluster.
#[derive(Debug)]
pub struct WaitTimeout(pub String);

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WaitTimeout {}

/// The caller's input is unusable (a flag, a spec, a name that does not exist).
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}
