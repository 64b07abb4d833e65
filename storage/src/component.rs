//! The six Ozone services kubectl-ozone deploys, as a closed set.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One Ozone service. The order of the variants is the order in which they start and in
/// which their objects are listed: metadata services first, then data, then gateways.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Component {
    /// Storage Container Manager: block and container metadata, datanode membership.
    Scm,
    /// Ozone Manager: the namespace (volumes, buckets, keys).
    Om,
    /// Datanode: stores the containers that hold the data.
    Datanode,
    /// S3 Gateway: the S3-compatible REST endpoint.
    S3g,
    /// Recon: the analytics and management UI.
    Recon,
    /// HttpFS: the WebHDFS-compatible REST endpoint.
    Httpfs,
}

impl Component {
    /// Every component, in start order.
    pub const ALL: [Component; 6] = [
        Component::Scm,
        Component::Om,
        Component::Datanode,
        Component::S3g,
        Component::Recon,
        Component::Httpfs,
    ];

    /// The short id used in object names (`<cluster>-<id>`) and in the
    /// `app.kubernetes.io/component` label.
    pub const fn id(self) -> &'static str {
        match self {
            Component::Scm => "scm",
            Component::Om => "om",
            Component::Datanode => "datanode",
            Component::S3g => "s3g",
            Component::Recon => "recon",
            Component::Httpfs => "httpfs",
        }
    }

    /// The field of `OzoneCluster.spec` that configures this component.
    pub const fn spec_field(self) -> &'static str {
        match self {
            Component::Datanode => "datanodes",
            other => other.id(),
        }
    }

    /// The name people use for the service.
    pub const fn title(self) -> &'static str {
        match self {
            Component::Scm => "Storage Container Manager",
            Component::Om => "Ozone Manager",
            Component::Datanode => "Datanode",
            Component::S3g => "S3 Gateway",
            Component::Recon => "Recon",
            Component::Httpfs => "HttpFS",
        }
    }

    /// Parses the short id (`scm`, `om`, …) as used in labels and names.
    pub fn from_id(id: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.id() == id)
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_dns_labels() {
        for c in Component::ALL {
            assert_eq!(Component::from_id(c.id()), Some(c));
            assert!(
                c.id()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            );
        }
        assert_eq!(Component::from_id("namenode"), None);
    }
}
