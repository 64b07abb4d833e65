//! `ozone admin scm roles --json` and `ozone admin om roles --json` (reference §6).

use super::{ParseError, json};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One SCM and its Raft role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScmRole {
    /// The host, as the key of the JSON object.
    pub host: String,
    /// `LEADER`, `FOLLOWER`, …
    pub role: String,
    /// Raft peer id.
    pub node_id: Option<String>,
}

#[derive(Deserialize)]
struct ScmEntry {
    #[serde(rename = "raftPeerRole", default)]
    raft_peer_role: Option<String>,
    #[serde(rename = "ID", default)]
    id: Option<String>,
}

/// Parses `ozone admin scm roles --json`: an object keyed by host, each value
/// `{address, raftPeerRole, ID, InetAddress}`.
pub fn parse_scm_roles(text: &str) -> Result<Vec<ScmRole>, ParseError> {
    let map: BTreeMap<String, ScmEntry> = json("ozone admin scm roles --json", text)?;
    Ok(map
        .into_iter()
        .map(|(host, e)| ScmRole {
            host,
            role: e.raft_peer_role.unwrap_or_else(|| "UNKNOWN".into()),
            node_id: e.id,
        })
        .collect())
}

/// One OM and its Raft role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OmRole {
    /// OM node id.
    pub node_id: String,
    /// `LEADER`, `FOLLOWER`, …
    pub role: String,
    /// Its host name.
    pub host: String,
}

#[derive(Deserialize)]
struct OmEntry {
    #[serde(rename = "serverRole", default)]
    server_role: Option<String>,
    #[serde(default)]
    hostname: Option<String>,
}

/// Parses `ozone admin om roles --json`: an array of `{<nodeId>: {serverRole, hostname}}`.
pub fn parse_om_roles(text: &str) -> Result<Vec<OmRole>, ParseError> {
    let list: Vec<BTreeMap<String, OmEntry>> = json("ozone admin om roles --json", text)?;
    Ok(list
        .into_iter()
        .flatten()
        .map(|(node_id, e)| OmRole {
            node_id,
            role: e.server_role.unwrap_or_else(|| "UNKNOWN".into()),
            host: e.hostname.unwrap_or_default(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SCM: &str = r#"{
  "ozone-scm-0.ozone-scm-headless.ozone.svc.cluster.local" : {
    "address" : "ozone-scm-0.ozone-scm-headless.ozone.svc.cluster.local:9894",
    "raftPeerRole" : "LEADER",
    "ID" : "scm0",
    "InetAddress" : "10.244.1.3"
  },
  "ozone-scm-1.ozone-scm-headless.ozone.svc.cluster.local" : {
    "address" : "ozone-scm-1.ozone-scm-headless.ozone.svc.cluster.local:9894",
    "raftPeerRole" : "FOLLOWER",
    "ID" : "scm1",
    "InetAddress" : "10.244.2.3"
  }
}"#;

    const OM: &str = r#"[ {
  "om0" : { "serverRole" : "LEADER", "hostname" : "ozone-om-0.ozone-om-headless.ozone.svc.cluster.local" }
}, {
  "om1" : { "serverRole" : "FOLLOWER", "hostname" : "ozone-om-1.ozone-om-headless.ozone.svc.cluster.local" }
} ]"#;

    #[test]
    fn parses_the_documented_shapes() {
        let scm = parse_scm_roles(SCM).unwrap();
        assert_eq!(scm.len(), 2);
        assert_eq!(scm[0].role, "LEADER");
        assert_eq!(scm[1].node_id.as_deref(), Some("scm1"));
        let om = parse_om_roles(OM).unwrap();
        assert_eq!(om[0].node_id, "om0");
        assert_eq!(om[1].role, "FOLLOWER");
        assert!(om[1].host.starts_with("ozone-om-1."));
    }

    #[test]
    fn the_text_form_is_an_error() {
        assert!(parse_scm_roles("ozone-scm-0:9894:LEADER:scm0:10.0.0.1").is_err());
        assert!(parse_om_roles("om0 : LEADER (ozone-om-0)").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = parse_scm_roles(&s);
            let _ = parse_om_roles(&s);
        }
    }
}
