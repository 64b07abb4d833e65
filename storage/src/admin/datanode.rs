//! `ozone admin datanode list --json`: an array of `BasicDatanodeInfo` (reference §6).

use super::{ParseError, json, lenient};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A datanode's operational state (`opState`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum OpState {
    /// Serving reads and writes.
    InService,
    /// Its replicas are being copied elsewhere.
    Decommissioning,
    /// Decommission finished: safe to remove.
    Decommissioned,
    /// Going into maintenance.
    EnteringMaintenance,
    /// In maintenance.
    InMaintenance,
    /// A state this version does not know.
    Other(String),
}

impl OpState {
    /// The state as Ozone prints it.
    pub fn as_str(&self) -> &str {
        match self {
            OpState::InService => "IN_SERVICE",
            OpState::Decommissioning => "DECOMMISSIONING",
            OpState::Decommissioned => "DECOMMISSIONED",
            OpState::EnteringMaintenance => "ENTERING_MAINTENANCE",
            OpState::InMaintenance => "IN_MAINTENANCE",
            OpState::Other(s) => s,
        }
    }
}

impl From<String> for OpState {
    fn from(s: String) -> OpState {
        match s.as_str() {
            "IN_SERVICE" => OpState::InService,
            "DECOMMISSIONING" => OpState::Decommissioning,
            "DECOMMISSIONED" => OpState::Decommissioned,
            "ENTERING_MAINTENANCE" => OpState::EnteringMaintenance,
            "IN_MAINTENANCE" => OpState::InMaintenance,
            _ => OpState::Other(s),
        }
    }
}

impl From<OpState> for String {
    fn from(s: OpState) -> String {
        s.as_str().to_owned()
    }
}

impl fmt::Display for OpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A datanode's health as SCM sees it (`healthState`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum HealthState {
    /// Heartbeating.
    Healthy,
    /// Healthy, but its disks are full or failing (Ozone 2.x).
    HealthyReadonly,
    /// Missed heartbeats.
    Stale,
    /// Gone.
    Dead,
    /// A state this version does not know.
    Other(String),
}

impl HealthState {
    /// The state as Ozone prints it.
    pub fn as_str(&self) -> &str {
        match self {
            HealthState::Healthy => "HEALTHY",
            HealthState::HealthyReadonly => "HEALTHY_READONLY",
            HealthState::Stale => "STALE",
            HealthState::Dead => "DEAD",
            HealthState::Other(s) => s,
        }
    }
}

impl From<String> for HealthState {
    fn from(s: String) -> HealthState {
        match s.as_str() {
            "HEALTHY" => HealthState::Healthy,
            "HEALTHY_READONLY" => HealthState::HealthyReadonly,
            "STALE" => HealthState::Stale,
            "DEAD" => HealthState::Dead,
            _ => HealthState::Other(s),
        }
    }
}

impl From<HealthState> for String {
    fn from(s: HealthState) -> String {
        s.as_str().to_owned()
    }
}

impl fmt::Display for HealthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of `datanode list --json`. Only the fields the plugin uses are typed; the rest
/// are ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatanodeInfo {
    /// The datanode UUID.
    pub id: String,
    /// The host name it registered with (`hdds.datanode.use.datanode.hostname`).
    #[serde(default)]
    pub host_name: String,
    /// Its IP address.
    #[serde(default)]
    pub ip_address: String,
    /// Operational state.
    pub op_state: OpState,
    /// Health.
    pub health_state: HealthState,
    /// Bytes used, when reported.
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub used: Option<u64>,
    /// Bytes of capacity, when reported.
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub capacity: Option<u64>,
    /// Maintenance end, seconds since the epoch (0 when none).
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub persisted_op_state_expiry_epoch_sec: Option<u64>,
}

impl DatanodeInfo {
    /// Whether it serves data and counts toward replication.
    pub fn in_service_and_healthy(&self) -> bool {
        self.op_state == OpState::InService && self.health_state == HealthState::Healthy
    }

    /// The first label of the host name: the pod name for StatefulSet pods.
    pub fn short_host(&self) -> &str {
        self.host_name.split('.').next().unwrap_or_default()
    }
}

/// Parses `ozone admin datanode list --json`.
pub fn parse_list(text: &str) -> Result<Vec<DatanodeInfo>, ParseError> {
    // An empty cluster prints nothing rather than `[]`.
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    json("ozone admin datanode list --json", text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Shaped like `BasicDatanodeInfo` in reference §6, with every documented field.
    pub const LIST: &str = r#"[ {
  "id" : "2b1c8e1e-3f6a-4e51-9f67-0a0c1c3c1a01",
  "hostName" : "ozone-datanode-0.ozone-datanode-headless.ozone.svc.cluster.local",
  "ipAddress" : "10.244.1.7",
  "ports" : [ { "name" : "HTTP", "value" : 9882 }, { "name" : "RATIS", "value" : 9858 } ],
  "setupTime" : 1763900000000,
  "currentVersion" : 2,
  "opState" : "IN_SERVICE",
  "persistedOpState" : "IN_SERVICE",
  "persistedOpStateExpiryEpochSec" : 0,
  "healthState" : "HEALTHY",
  "decommissioned" : false,
  "maintenance" : false,
  "level" : 3,
  "cost" : 0,
  "numOfLeaves" : 1,
  "networkFullPath" : "/default-rack/2b1c8e1e",
  "networkLocation" : "/default-rack",
  "networkName" : "2b1c8e1e",
  "used" : 4096,
  "capacity" : 107374182400,
  "percentUsed" : 0.0,
  "totalVolumeCount" : 1,
  "healthyVolumeCount" : 1
}, {
  "id" : "7d0f",
  "hostName" : "ozone-datanode-1.ozone-datanode-headless.ozone.svc.cluster.local",
  "ipAddress" : "10.244.2.9",
  "ports" : [ ],
  "setupTime" : 1763900000000,
  "currentVersion" : 2,
  "opState" : "DECOMMISSIONING",
  "persistedOpState" : "DECOMMISSIONING",
  "persistedOpStateExpiryEpochSec" : 0,
  "healthState" : "STALE",
  "decommissioned" : false,
  "maintenance" : false,
  "level" : 3,
  "cost" : 0,
  "numOfLeaves" : 1,
  "networkFullPath" : "/default-rack/7d0f",
  "networkLocation" : "/default-rack",
  "networkName" : "7d0f"
} ]"#;

    #[test]
    fn parses_the_documented_shape() {
        let dns = parse_list(LIST).unwrap();
        assert_eq!(dns.len(), 2);
        assert_eq!(dns[0].short_host(), "ozone-datanode-0");
        assert_eq!(dns[0].capacity, Some(107_374_182_400));
        assert!(dns[0].in_service_and_healthy());
        assert_eq!(dns[1].op_state, OpState::Decommissioning);
        assert_eq!(dns[1].health_state, HealthState::Stale);
        assert_eq!(dns[1].used, None);
        assert!(parse_list("  \n").unwrap().is_empty());
    }

    #[test]
    fn unknown_states_are_kept_and_bad_shapes_are_errors() {
        let dns =
            parse_list(r#"[{"id":"x","opState":"NEW_STATE","healthState":"HEALTHY"}]"#).unwrap();
        assert_eq!(dns[0].op_state.as_str(), "NEW_STATE");
        let err = parse_list("Datanode: x").unwrap_err().to_string();
        assert!(err.contains("datanode list --json"), "{err}");
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = parse_list(&s);
        }

        #[test]
        fn never_panics_on_json_like_input(s in r#"[\[\]{}",:a-zA-Z0-9 ]{0,120}"#) {
            let _ = parse_list(&s);
        }
    }
}
