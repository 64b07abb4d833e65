//! The config keys that wire OM and SCM high availability (reference §3.1, §3.2).
//!
//! A service id names the Raft ring, node ids name its members, and each member's address is a
//! host name every pod can resolve. Callers pass the member list; this module knows only which
//! keys Ozone reads, so the same code serves render, lint and day-2 commands.

use std::collections::BTreeMap;

/// A member of an OM or SCM Raft ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The node id (`ozone.om.nodes.<svc>` entry).
    pub node_id: String,
    /// The host name other pods reach it at.
    pub host: String,
}

/// The key naming the OM ring's service id.
pub const OM_SERVICE_IDS: &str = "ozone.om.service.ids";
/// The key naming the SCM ring's service id.
pub const SCM_SERVICE_IDS: &str = "ozone.scm.service.ids";

/// `ozone-site.xml` keys for an OM ring. `port` is appended to addresses only when it is not
/// the default, so rendered config stays as short as Ozone's own examples.
pub fn om_ring(
    service_id: &str,
    members: &[Member],
    rpc_port: u16,
    default_rpc_port: u16,
) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    keys.insert(OM_SERVICE_IDS.to_owned(), service_id.to_owned());
    keys.insert(format!("ozone.om.nodes.{service_id}"), node_list(members));
    for m in members {
        keys.insert(
            format!("ozone.om.address.{service_id}.{}", m.node_id),
            address(&m.host, rpc_port, default_rpc_port),
        );
    }
    keys
}

/// `ozone-site.xml` keys for an SCM ring; the first member is the primordial node, the one
/// that formats the cluster (`ozone.scm.primordial.node.id`).
pub fn scm_ring(service_id: &str, members: &[Member]) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    keys.insert(SCM_SERVICE_IDS.to_owned(), service_id.to_owned());
    keys.insert(format!("ozone.scm.nodes.{service_id}"), node_list(members));
    for m in members {
        keys.insert(
            format!("ozone.scm.address.{service_id}.{}", m.node_id),
            m.host.clone(),
        );
    }
    if let Some(first) = members.first() {
        keys.insert(
            "ozone.scm.primordial.node.id".to_owned(),
            first.node_id.clone(),
        );
    }
    keys
}

/// `ozone-site.xml` keys that point every service at a single SCM (the non-HA form).
pub fn single_scm(host: &str) -> BTreeMap<String, String> {
    SINGLE_SCM_KEYS
        .into_iter()
        .map(|k| (k.to_owned(), host.to_owned()))
        .collect()
}

/// The keys in [`single_scm`], which an SCM ring must not set (the scm-ha transformation
/// removes them, reference §1.4).
pub const SINGLE_SCM_KEYS: [&str; 3] = [
    "ozone.scm.names",
    "ozone.scm.client.address",
    "ozone.scm.block.client.address",
];

/// `ozone-site.xml` key for a single OM.
pub fn single_om(host: &str, rpc_port: u16, default_rpc_port: u16) -> BTreeMap<String, String> {
    BTreeMap::from([(
        "ozone.om.address".to_owned(),
        address(host, rpc_port, default_rpc_port),
    )])
}

/// `core-site.xml` `fs.defaultFS` for clients of this cluster: `ofs://<om service id or host>/`.
pub fn default_fs(om_authority: &str) -> String {
    format!("ofs://{om_authority}/")
}

fn node_list(members: &[Member]) -> String {
    members
        .iter()
        .map(|m| m.node_id.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn address(host: &str, port: u16, default_port: u16) -> String {
    if port == default_port {
        host.to_owned()
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(prefix: &str) -> Vec<Member> {
        (0..3)
            .map(|i| Member {
                node_id: format!("{prefix}-{i}"),
                host: format!("{prefix}-{i}.{prefix}-headless.prod.svc.cluster.local"),
            })
            .collect()
    }

    #[test]
    fn om_ring_keys() {
        let keys = om_ring("ozone", &members("ozone-om"), 9862, 9862);
        assert_eq!(keys["ozone.om.service.ids"], "ozone");
        assert_eq!(
            keys["ozone.om.nodes.ozone"],
            "ozone-om-0,ozone-om-1,ozone-om-2"
        );
        assert_eq!(
            keys["ozone.om.address.ozone.ozone-om-2"],
            "ozone-om-2.ozone-om-headless.prod.svc.cluster.local"
        );
        let moved = om_ring("ozone", &members("ozone-om"), 19862, 9862);
        assert!(moved["ozone.om.address.ozone.ozone-om-0"].ends_with(":19862"));
    }

    #[test]
    fn scm_ring_names_the_first_member_primordial_and_sets_no_single_scm_key() {
        let keys = scm_ring("ozone", &members("ozone-scm"));
        assert_eq!(keys["ozone.scm.primordial.node.id"], "ozone-scm-0");
        assert_eq!(keys.len(), 2 + 3 + 1);
        for k in SINGLE_SCM_KEYS {
            assert!(!keys.contains_key(k));
        }
    }
}
