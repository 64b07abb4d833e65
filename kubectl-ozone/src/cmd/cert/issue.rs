//! Re-issuing a managed leaf certificate: not built yet (needs the pki module of branch `cert`).

use super::rotate::TlsSecret;
use crate::cluster::act::Actuator;
use crate::cluster::view::{ClusterView, KubeReader};
use anyhow::Result;

/// Issues a new leaf into the Secret; returns its fingerprint.
pub async fn reissue(
    _kube: &KubeReader,
    _act: &Actuator,
    _view: &ClusterView,
    _s: &TlsSecret,
) -> Result<String> {
    anyhow::bail!("managed-mode leaf rotation is not available yet")
}
