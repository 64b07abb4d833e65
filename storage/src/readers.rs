//! Which Ozone services read which configuration keys, so a change to one key restarts only the
//! services that read it.
//!
//! Every pod gets the whole configuration (one ConfigMap, `envFrom`), and a service reads its
//! files only when it starts. A key no rule below attributes counts for every service: the
//! tables list only key families whose readers are known, and where a key is read by a client
//! of a service as well (addresses, service ids, node lists, ports other services connect to)
//! it counts for all of them. When in doubt a key is left to "every service": a needless
//! restart costs minutes, a missed one a service running on a stale configuration.
//!
//! Sources: the tags and descriptions of `hadoop-hdds/common/src/main/resources/ozone-default.xml`
//! (apache/ozone), and the config-key classes that name each key's reader (`OMConfigKeys`,
//! `ScmConfigKeys`, `HddsConfigKeys`, `ReconServerConfigKeys`, `S3GatewayConfigKeys`).

use crate::component::Component;
use crate::config::ConfigFile;

/// The services that read a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readers {
    /// Every service (the default for keys the tables do not attribute).
    All,
    /// Only these.
    Only(&'static [Component]),
}

impl Readers {
    /// Whether `component` reads the key.
    pub fn include(self, component: Component) -> bool {
        match self {
            Readers::All => true,
            Readers::Only(list) => list.contains(&component),
        }
    }
}

use Component::{Datanode as DN, Httpfs, Om, Recon, S3g, Scm};

/// Keys (exact, or a prefix ending in `.`) that belong to a family below but are read by
/// other services too: clients build addresses from them, or the admin CLI run in another
/// service's pod reads them.
const SHARED: &[&str] = &[
    // The datanode client port: `ozone admin datanode …` in SCM pods and clients use it.
    "hdds.datanode.client.",
    // How datanodes name themselves; clients and SCM resolve those names.
    "hdds.datanode.use.datanode.hostname",
    // Tagged SCM in ozone-default.xml: SCM (and Recon's node manager) evaluate it.
    "hdds.datanode.storage.utilization.",
    // OM reads the S3 volume name for S3 requests (OMMultiTenantManager).
    "ozone.s3g.volume.name",
    // Datanodes report to Recon at this address.
    "ozone.recon.address",
];

/// Key families with known readers, by prefix (a trailing `.`) or whole key. The longest
/// matching entry wins.
const FAMILIES: &[(&str, &[Component])] = &[
    // OM server settings (OMConfigKeys); OM's addresses, node lists and service ids are not
    // here: every client reads them.
    ("ozone.om.ratis.", &[Om]),
    ("ozone.om.db.", &[Om]),
    ("ozone.om.handler.", &[Om]),
    ("ozone.om.read.threadpool", &[Om]),
    ("ozone.om.snapshot.", &[Om]),
    ("ozone.om.open.", &[Om]),
    ("ozone.om.lock.", &[Om]),
    ("ozone.om.unflushed.", &[Om]),
    ("ozone.om.fs.snapshot.", &[Om]),
    ("ozone.om.save.metrics.", &[Om]),
    ("ozone.om.volume.listall.allowed", &[Om]),
    ("ozone.om.enable.filesystem.paths", &[Om]),
    ("ozone.om.default.bucket.layout", &[Om]),
    ("ozone.om.lease.", &[Om]),
    ("ozone.om.leader.election.", &[Om]),
    ("ozone.om.kerberos.", &[Om]),
    ("ozone.om.http.auth.", &[Om]),
    ("ozone.om.multitenancy.", &[Om]),
    ("ozone.om.upgrade.", &[Om]),
    // SCM server settings (ScmConfigKeys). Recon runs SCM's node and pipeline managers, so the
    // settings those read count for Recon too.
    ("ozone.scm.ha.", &[Scm]),
    ("ozone.scm.db.", &[Scm]),
    ("ozone.scm.ratis.port", &[Scm]),
    ("ozone.scm.grpc.port", &[Scm]),
    ("ozone.scm.primordial.node.id", &[Scm]),
    ("ozone.scm.handler.count.key", &[Scm]),
    ("ozone.scm.client.handler.count.key", &[Scm]),
    ("ozone.scm.block.handler.count.key", &[Scm]),
    ("ozone.scm.datanode.handler.count.key", &[Scm]),
    ("ozone.scm.client.read.threadpool", &[Scm]),
    ("ozone.scm.block.read.threadpool", &[Scm]),
    ("ozone.scm.datanode.read.threadpool", &[Scm]),
    ("ozone.scm.security.", &[Scm]),
    ("ozone.scm.datanode.admin.monitor.", &[Scm]),
    ("ozone.scm.pipeline.", &[Scm, Recon]),
    ("ozone.scm.datanode.pipeline.limit", &[Scm, Recon]),
    ("ozone.scm.ratis.pipeline.limit", &[Scm, Recon]),
    ("ozone.scm.container.placement.", &[Scm, Recon]),
    ("ozone.scm.dead.node.interval", &[Scm, Recon]),
    ("ozone.scm.stale.node.interval", &[Scm, Recon]),
    ("ozone.scm.heartbeat.thread.interval", &[Scm, Recon]),
    ("hdds.scm.safemode.", &[Scm, Recon]),
    ("hdds.scm.replication.", &[Scm]),
    // Datanode settings (HddsConfigKeys, DatanodeConfiguration), including its volumes.
    ("hdds.datanode.", &[DN]),
    ("hdds.container.ratis.datanode.", &[DN]),
    // S3 Gateway server settings (S3GatewayConfigKeys).
    ("ozone.s3g.http-address", &[S3g]),
    ("ozone.s3g.https-address", &[S3g]),
    ("ozone.s3g.http-bind-host", &[S3g]),
    ("ozone.s3g.https-bind-host", &[S3g]),
    ("ozone.s3g.http.", &[S3g]),
    ("ozone.s3g.webadmin.", &[S3g]),
    ("ozone.s3g.client.", &[S3g]),
    ("ozone.s3g.list-keys.", &[S3g]),
    ("ozone.s3g.secret.", &[S3g]),
    ("ozone.s3g.metrics.", &[S3g]),
    ("ozone.s3g.domain.name", &[S3g]),
    // Recon server settings (ReconServerConfigKeys).
    ("ozone.recon.", &[Recon]),
    ("recon.om.", &[Recon]),
    // HttpFS settings, whichever file they are written in.
    ("httpfs.", &[Httpfs]),
];

/// The services that read `key` of `file`.
pub fn readers(file: ConfigFile, key: &str) -> Readers {
    match file {
        ConfigFile::HttpfsSite => return Readers::Only(&[Httpfs]),
        // Logging, Hadoop client settings and the TLS stores: every service.
        ConfigFile::Log4jProperties
        | ConfigFile::CoreSite
        | ConfigFile::SslServer
        | ConfigFile::SslClient => return Readers::All,
        ConfigFile::OzoneSite => {}
    }
    if SHARED.iter().any(|s| matches(s, key)) {
        return Readers::All;
    }
    FAMILIES
        .iter()
        .filter(|(pattern, _)| matches(pattern, key))
        .max_by_key(|(pattern, _)| pattern.len())
        .map_or(Readers::All, |(_, list)| Readers::Only(list))
}

/// A pattern ending in `.` is a prefix; any other is the whole key or a prefix of its
/// per-service variants (`ozone.recon.address` also covers nothing else: whole keys match
/// exactly, or followed by `.`).
fn matches(pattern: &str, key: &str) -> bool {
    if pattern.ends_with('.') {
        key.starts_with(pattern)
    } else {
        key == pattern
            || key
                .strip_prefix(pattern)
                .is_some_and(|rest| rest.starts_with('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(key: &str) -> Vec<Component> {
        Component::ALL
            .into_iter()
            .filter(|c| readers(ConfigFile::OzoneSite, key).include(*c))
            .collect()
    }

    #[test]
    fn server_keys_belong_to_their_service() {
        assert_eq!(who("ozone.om.handler.count.key"), vec![Om]);
        assert_eq!(who("ozone.om.ratis.storage.dir"), vec![Om]);
        assert_eq!(who("ozone.scm.ha.ratis.storage.dir"), vec![Scm]);
        assert_eq!(who("hdds.datanode.dir"), vec![DN]);
        assert_eq!(who("hdds.datanode.container.db.dir"), vec![DN]);
        assert_eq!(who("hdds.container.ratis.datanode.storage.dir"), vec![DN]);
        assert_eq!(who("ozone.s3g.webadmin.http-address"), vec![S3g]);
        assert_eq!(who("ozone.recon.db.dir"), vec![Recon]);
        assert_eq!(who("hdds.scm.safemode.min.datanode"), vec![Scm, Recon]);
        assert_eq!(
            readers(ConfigFile::HttpfsSite, "httpfs.http.port"),
            Readers::Only(&[Httpfs])
        );
    }

    #[test]
    fn client_and_unknown_keys_count_for_every_service() {
        for key in [
            "ozone.om.address",
            "ozone.om.address.ozone.ozone-om-0",
            "ozone.om.service.ids",
            "ozone.om.nodes.ozone",
            "ozone.om.http-address.ozone.ozone-om-1",
            "ozone.scm.names",
            "ozone.scm.address.ozone.ozone-scm-0",
            "ozone.scm.client.address",
            "ozone.scm.service.ids",
            "hdds.datanode.client.port",
            "hdds.datanode.use.datanode.hostname",
            "ozone.recon.address",
            "ozone.s3g.volume.name",
            "ozone.replication",
            "ozone.metadata.dirs",
            "some.key.nobody.knows",
        ] {
            assert_eq!(who(key), Component::ALL.to_vec(), "{key}");
        }
        for file in [ConfigFile::CoreSite, ConfigFile::Log4jProperties] {
            assert_eq!(readers(file, "ozone.om.handler.count.key"), Readers::All);
        }
    }

    #[test]
    fn whole_keys_do_not_match_longer_names() {
        assert!(matches("ozone.recon.address", "ozone.recon.address"));
        assert!(!matches(
            "ozone.om.read.threadpool",
            "ozone.om.read.threadpoolx"
        ));
        assert!(matches("ozone.om.ratis.", "ozone.om.ratis.port"));
    }
}
