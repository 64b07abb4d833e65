//! `ozone admin datanode status decommission --json`: an array of
//! `{datanodeDetails, metrics, containers}` (reference §6, `DecommissionStatusSubCommand`).

use super::{ParseError, json, lenient};
use serde::{Deserialize, Serialize};

/// The identity part of `datanodeDetails` (a `DatanodeDetails`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeDetails {
    /// The datanode UUID, under whichever of these names the release prints.
    #[serde(default, deserialize_with = "lenient::text_opt")]
    pub uuid: Option<String>,
    /// See `uuid`.
    #[serde(default, deserialize_with = "lenient::text_opt")]
    pub uuid_string: Option<String>,
    /// See `uuid`.
    #[serde(default, deserialize_with = "lenient::text_opt")]
    pub id: Option<String>,
    /// Host name.
    #[serde(default, deserialize_with = "lenient::text_opt")]
    pub host_name: Option<String>,
    /// IP address.
    #[serde(default, deserialize_with = "lenient::text_opt")]
    pub ip_address: Option<String>,
}

impl NodeDetails {
    /// The UUID, whichever field carried it.
    pub fn id(&self) -> Option<&str> {
        self.uuid
            .as_deref()
            .or(self.uuid_string.as_deref())
            .or(self.id.as_deref())
    }
}

/// What is left before a datanode finishes decommissioning.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecommissionMetrics {
    /// When it started, as Ozone printed it.
    #[serde(default, deserialize_with = "lenient::text_opt")]
    pub decommission_start_time: Option<String>,
    /// Pipelines still open on it.
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub num_of_unclosed_pipelines: u64,
    /// Containers that still need another replica.
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub num_of_under_replicated_containers: u64,
    /// Containers still open.
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub num_of_unclosed_containers: u64,
}

impl DecommissionMetrics {
    /// Work left, as one number for a progress bar.
    pub fn remaining(&self) -> u64 {
        self.num_of_unclosed_pipelines
            .saturating_add(self.num_of_under_replicated_containers)
            .saturating_add(self.num_of_unclosed_containers)
    }
}

/// One datanode being decommissioned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecommissionStatus {
    /// Which datanode.
    #[serde(default)]
    pub datanode_details: NodeDetails,
    /// Progress.
    #[serde(default)]
    pub metrics: DecommissionMetrics,
}

/// Parses `ozone admin datanode status decommission --json`.
pub fn parse_status(text: &str) -> Result<Vec<DecommissionStatus>, ParseError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    json("ozone admin datanode status decommission --json", text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STATUS: &str = r#"[ {
  "datanodeDetails" : {
    "uuid" : "2b1c8e1e-3f6a-4e51-9f67-0a0c1c3c1a01",
    "ipAddress" : "10.244.1.7",
    "hostName" : "ozone-datanode-4.ozone-datanode-headless.ozone.svc.cluster.local"
  },
  "metrics" : {
    "decommissionStartTime" : "23/11/2026 13:00:00 UTC",
    "numOfUnclosedPipelines" : 1,
    "numOfUnderReplicatedContainers" : 97,
    "numOfUnclosedContainers" : 3
  },
  "containers" : { "UnderReplicated" : [ 1, 2 ], "UnClosed" : [ 3 ] }
} ]"#;

    #[test]
    fn parses_the_documented_shape() {
        let s = parse_status(STATUS).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].datanode_details.host_name.as_deref(),
            Some("ozone-datanode-4.ozone-datanode-headless.ozone.svc.cluster.local")
        );
        assert_eq!(s[0].metrics.num_of_under_replicated_containers, 97);
        assert_eq!(s[0].metrics.remaining(), 101);
        assert!(parse_status("[]").unwrap().is_empty());
        assert!(parse_status("").unwrap().is_empty());
    }

    #[test]
    fn numbers_as_strings_are_accepted() {
        let s = parse_status(
            r#"[{"datanodeDetails":{"id":"u"},"metrics":{"numOfUnclosedPipelines":"2"}}]"#,
        )
        .unwrap();
        assert_eq!(s[0].metrics.num_of_unclosed_pipelines, 2);
        assert_eq!(s[0].datanode_details.id(), Some("u"));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = parse_status(&s);
        }

        #[test]
        fn never_panics_on_json_like_input(s in r#"[\[\]{}",:a-zA-Z0-9 .-]{0,120}"#) {
            let _ = parse_status(&s);
        }
    }
}
