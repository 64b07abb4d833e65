//! `cert rotate --ca`: not built yet (needs the pki module of branch `cert`).

use super::rotate::{RotateArgs, TlsSecret};
use crate::cluster::Session;
use crate::cluster::view::ClusterView;
use crate::ui::Io;
use anyhow::Result;
use ozone_storage::Component;
use std::process::ExitCode;
use tokio::time::Instant;

/// Runs a CA rotation.
pub async fn run(
    _session: &Session,
    _io: &mut Io,
    _a: &RotateArgs,
    _view: &ClusterView,
    _components: &[Component],
    _secrets: &[TlsSecret],
    _started: Instant,
) -> Result<ExitCode> {
    anyhow::bail!("cert rotate --ca is not available yet")
}
