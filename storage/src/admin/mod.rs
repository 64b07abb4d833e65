//! The admin side of Ozone: argv for `ozone admin …` and typed parsers for what it prints.
//!
//! Commands are split by effect, so a caller that only holds a [`Query`] cannot change the
//! cluster: the plugin's dry run is built from queries alone. Every argv uses long options
//! only (reference §0 item 6: single-dash options were removed after 2.2.0). Parsers follow
//! the `--json` shapes in reference §6, accept unknown fields, and never panic.

pub mod cert;
pub mod command;
pub mod datanode;
pub mod decommission;
mod lenient;
pub mod om_error;
pub mod replication;
pub mod roles;
pub mod safemode;
pub mod upgrade;

pub use cert::OzoneCert;
pub use command::{Mutation, Query};
pub use datanode::{DatanodeInfo, HealthState, OpState};
pub use decommission::{DecommissionMetrics, DecommissionStatus};
pub use om_error::OmError;
pub use replication::{Replication, ReplicationError};
pub use roles::{OmRole, ScmRole};
pub use safemode::{SafeMode, SafeModeRule};
pub use upgrade::FinalizationStatus;

/// Output of an admin command that could not be understood.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The JSON did not have the documented shape.
    #[error("cannot parse the output of `{command}`: {source}")]
    Json {
        /// The command whose output this was.
        command: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// Text output without the line we look for.
    #[error("cannot parse the output of `{command}`: {reason}")]
    Text {
        /// The command whose output this was.
        command: &'static str,
        /// Why.
        reason: String,
    },
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(
    command: &'static str,
    text: &str,
) -> Result<T, ParseError> {
    serde_json::from_str(text.trim()).map_err(|source| ParseError::Json { command, source })
}
