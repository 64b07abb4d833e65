//! The Ozone configuration: derived from the resolved cluster and the catalog, overlaid with
//! the user's `spec.config`, delivered as a ConfigMap of `<FILE>_<key>` variables that the
//! image's entrypoint turns into files (reference §2).

use super::meta;
use crate::spec::Cluster;
use k8s_openapi::api::core::v1::ConfigMap;
use ozone_storage::Component;
use ozone_storage::config::{ConfigFile, HTTP_POLICY_KEY, Settings, effective_port, keys};
use ozone_storage::ha::{self, Member};
use ozone_storage::readers::readers;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

use super::volumes::{self, METADATA_DIR};
/// Where the entrypoint writes config files (`OZONE_CONF_DIR`, reference §2).
pub const CONF_DIR: &str = "/etc/hadoop";
/// Where the services write logs (`OZONE_LOG_DIR`, reference §2).
pub const LOG_DIR: &str = "/var/log/hadoop";

/// The full configuration: what kubectl-ozone derives, overlaid with `spec.config`.
pub fn settings(cluster: &Cluster) -> Settings {
    let names = cluster.names();
    let mut site = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        site.insert(k.to_owned(), v);
    };
    set(keys::METADATA_DIRS, METADATA_DIR.into());
    set(keys::SCM_DATANODE_ID_DIR, METADATA_DIR.into());
    for (component, c) in &cluster.components {
        for (key, value) in volumes::directory_keys(*component, c) {
            set(key, value);
        }
    }
    // Pod IPs change on restart; host names of StatefulSet pods do not (reference §2.2).
    set(keys::USE_DATANODE_HOSTNAME, "true".into());
    let datanodes = cluster.replicas(Component::Datanode);
    set(keys::SAFEMODE_MIN_DATANODE, datanodes.min(3).to_string());
    set(keys::REPLICATION, cluster.replication.as_str().into());
    set(
        keys::SERVER_DEFAULT_REPLICATION,
        cluster.replication.copies().to_string(),
    );

    let mut site_keys: Vec<(String, String)> = Vec::new();
    if let Some(scm) = cluster.component(Component::Scm) {
        if cluster.is_ha(Component::Scm) {
            site_keys.extend(ha::scm_ring(
                &scm.service_id,
                &members(cluster, Component::Scm),
            ));
        } else {
            site_keys.extend(ha::single_scm(&names.pod_host(Component::Scm, 0)));
        }
    }
    let om_authority = match cluster.component(Component::Om) {
        Some(om) => {
            let rpc = Component::Om.service().known_port("rpc");
            let rpc_port = effective_port(rpc, &cluster.config).unwrap_or(rpc.number);
            if cluster.is_ha(Component::Om) {
                site_keys.extend(ha::om_ring(
                    &om.service_id,
                    &members(cluster, Component::Om),
                    rpc_port,
                    rpc.number,
                ));
                om.service_id.clone()
            } else {
                let host = names.pod_host(Component::Om, 0);
                site_keys.extend(ha::single_om(&host, rpc_port, rpc.number));
                host
            }
        }
        None => String::new(),
    };
    if cluster.component(Component::Recon).is_some() {
        let rpc = Component::Recon.service().known_port("rpc");
        let port = effective_port(rpc, &cluster.config).unwrap_or(rpc.number);
        site_keys.push((
            rpc.key.name.to_owned(),
            format!("{}:{port}", names.pod_host(Component::Recon, 0)),
        ));
    }
    site.extend(site_keys);

    let mut core = BTreeMap::from([("fs.defaultFS".to_owned(), ha::default_fs(&om_authority))]);
    let mut httpfs = BTreeMap::new();
    if cluster.component(Component::Httpfs).is_some() {
        // HttpFS runs as `hadoop` and impersonates the calling user (reference §2.1).
        core.insert("hadoop.proxyuser.hadoop.hosts".into(), "*".into());
        core.insert("hadoop.proxyuser.hadoop.groups".into(), "*".into());
        httpfs.insert("httpfs.hadoop.config.dir".into(), CONF_DIR.into());
        httpfs.insert("httpfs.proxyuser.hadoop.hosts".into(), "*".into());
        httpfs.insert("httpfs.proxyuser.hadoop.groups".into(), "*".into());
    }
    // Logs go to the console so `kubectl logs` shows them (reference §2.1).
    let log4j = BTreeMap::from(
        [
            ("hadoop.root.logger", "INFO,console"),
            ("log4j.rootLogger", "${hadoop.root.logger}"),
            ("log4j.appender.console", "org.apache.log4j.ConsoleAppender"),
            (
                "log4j.appender.console.layout",
                "org.apache.log4j.PatternLayout",
            ),
            (
                "log4j.appender.console.layout.ConversionPattern",
                "%d{yyyy-MM-dd HH:mm:ss} %-5p %c{1}:%L - %m%n",
            ),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );

    let mut all = Settings::from([
        (ConfigFile::OzoneSite, site),
        (ConfigFile::CoreSite, core),
        (ConfigFile::Log4jProperties, log4j),
    ]);
    if !httpfs.is_empty() {
        all.insert(ConfigFile::HttpfsSite, httpfs);
    }
    if cluster.tls.is_some() {
        tls_settings(&mut all);
    }
    for (file, entries) in &cluster.config {
        all.entry(*file)
            .or_default()
            .extend(entries.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    all
}

/// HTTPS only, with the PKCS12 stores from the mounted TLS Secret. Passwords are not here:
/// they reach the pods as variables from a Secret (see `workload.rs`).
fn tls_settings(all: &mut Settings) {
    use super::tls::{KEYSTORE_FILE, TLS_DIR, TRUSTSTORE_FILE};
    all.entry(ConfigFile::OzoneSite)
        .or_default()
        .insert(HTTP_POLICY_KEY.into(), "HTTPS_ONLY".into());
    let server = all.entry(ConfigFile::SslServer).or_default();
    server.insert(
        "ssl.server.keystore.location".into(),
        format!("{TLS_DIR}/{KEYSTORE_FILE}"),
    );
    server.insert("ssl.server.keystore.type".into(), "PKCS12".into());
    server.insert(
        "ssl.server.truststore.location".into(),
        format!("{TLS_DIR}/{TRUSTSTORE_FILE}"),
    );
    server.insert("ssl.server.truststore.type".into(), "PKCS12".into());
    let client = all.entry(ConfigFile::SslClient).or_default();
    client.insert(
        "ssl.client.truststore.location".into(),
        format!("{TLS_DIR}/{TRUSTSTORE_FILE}"),
    );
    client.insert("ssl.client.truststore.type".into(), "PKCS12".into());
}

/// The variables that carry the store passwords, all read from the passwords Secret.
pub const TLS_PASSWORD_VARIABLES: [(ConfigFile, &str); 4] = [
    (ConfigFile::SslServer, "ssl.server.keystore.password"),
    (ConfigFile::SslServer, "ssl.server.keystore.keypassword"),
    (ConfigFile::SslServer, "ssl.server.truststore.password"),
    (ConfigFile::SslClient, "ssl.client.truststore.password"),
];

fn members(cluster: &Cluster, component: Component) -> Vec<Member> {
    let names = cluster.names();
    (0..cluster.replicas(component))
        .map(|i| Member {
            node_id: names.pod(component, i),
            host: names.pod_host(component, i),
        })
        .collect()
}

/// The ConfigMap's data: one variable per setting.
pub fn env_data(settings: &Settings) -> BTreeMap<String, String> {
    settings
        .iter()
        .flat_map(|(file, entries)| {
            entries
                .iter()
                .map(move |(k, v)| (file.env_name(k), file.env_value(v)))
        })
        .collect()
}

/// The hash of the configuration `component` reads (see [`ozone_storage::readers`]), put on
/// its pod template: a change to a key only other services read leaves its pods running.
pub fn component_hash(settings: &Settings, component: Component) -> String {
    let read: Settings = settings
        .iter()
        .map(|(file, entries)| {
            let kept = entries
                .iter()
                .filter(|(k, _)| readers(*file, k).include(component))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (*file, kept)
        })
        .collect();
    hash(&env_data(&read))
}

/// A stable hash of configuration entries.
pub fn hash(data: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (k, v) in data {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The ConfigMap.
pub fn config_map(cluster: &Cluster, data: BTreeMap<String, String>) -> ConfigMap {
    let names = cluster.names();
    ConfigMap {
        metadata: meta(
            &names.config_map(),
            &cluster.namespace,
            names.cluster_labels(&cluster.version),
        ),
        data: Some(data),
        ..ConfigMap::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Inputs, resolve};

    fn site(profile: &str, sets: &[&str]) -> BTreeMap<String, String> {
        let c = resolve(&Inputs::with_sets(profile, sets)).unwrap();
        settings(&c).remove(&ConfigFile::OzoneSite).unwrap()
    }

    #[test]
    fn ha_addresses_include_the_namespace() {
        let s = site("medium", &["metadata.namespace=lake", "metadata.name=blue"]);
        assert_eq!(
            s["ozone.om.address.blue.blue-om-1"],
            "blue-om-1.blue-om-headless.lake.svc.cluster.local"
        );
        assert_eq!(
            s["ozone.scm.address.blue.blue-scm-2"],
            "blue-scm-2.blue-scm-headless.lake.svc.cluster.local"
        );
        assert_eq!(s["ozone.scm.primordial.node.id"], "blue-scm-0");
        assert!(!s.contains_key("ozone.scm.names"));
        assert!(s.values().all(|v| !v.contains(".default.")));
    }

    #[test]
    fn single_instances_use_plain_addresses() {
        let s = site("small", &[]);
        assert_eq!(
            s["ozone.scm.names"],
            "ozone-scm-0.ozone-scm-headless.ozone.svc.cluster.local"
        );
        assert_eq!(
            s["ozone.om.address"],
            "ozone-om-0.ozone-om-headless.ozone.svc.cluster.local"
        );
        assert_eq!(
            s["ozone.recon.address"],
            "ozone-recon-0.ozone-recon-headless.ozone.svc.cluster.local:9891"
        );
        assert_eq!(s["hdds.datanode.use.datanode.hostname"], "true");
        assert!(!s.contains_key("ozone.scm.service.ids"));
    }

    #[test]
    fn user_config_wins_and_is_escaped_for_xml() {
        let c = resolve(&Inputs::with_sets(
            "small",
            &[
                r"config.ozone-site\.xml.hdds\.scm\.safemode\.min\.datanode=1",
                r"config.ozone-site\.xml.x\.y=a&b",
            ],
        ))
        .unwrap();
        let data = env_data(&settings(&c));
        assert_eq!(data["OZONE-SITE.XML_hdds.scm.safemode.min.datanode"], "1");
        assert_eq!(data["OZONE-SITE.XML_x.y"], "a&amp;b");
        assert_eq!(
            data["CORE-SITE.XML_fs.defaultFS"],
            "ofs://ozone-om-0.ozone-om-headless.ozone.svc.cluster.local/"
        );
    }

    #[test]
    fn data_lives_on_the_data_volumes() {
        let s = site("small", &[]);
        assert_eq!(s["hdds.datanode.dir"], "/data/storage");
        assert_eq!(s["ozone.metadata.dirs"], METADATA_DIR);
        assert!(!s.contains_key("hdds.container.ratis.datanode.storage.dir"));
        let s = site(
            "small",
            &[
                "datanodes.storage.data[0].size=1Ti",
                "datanodes.storage.data[1].size=2Ti",
                "datanodes.storage.data[2].size=2Ti",
                "datanodes.storage.ratis.size=50Gi",
                "om.storage.ratis.size=10Gi",
            ],
        );
        assert_eq!(
            s["hdds.datanode.dir"],
            "/data/storage,/data1/storage,/data2/storage"
        );
        assert_eq!(s["hdds.container.ratis.datanode.storage.dir"], "/ratis/log");
        assert_eq!(s["hdds.datanode.container.db.dir"], "/ratis/db");
        assert_eq!(s["ozone.om.ratis.storage.dir"], "/ratis/log");
        assert!(!s.contains_key("ozone.scm.ha.ratis.storage.dir"));
    }

    #[test]
    fn each_component_hashes_what_it_reads() {
        let hashes = |sets: &[&str]| -> BTreeMap<Component, String> {
            let c = resolve(&Inputs::with_sets("medium", sets)).unwrap();
            let s = settings(&c);
            Component::ALL
                .into_iter()
                .map(|comp| (comp, component_hash(&s, comp)))
                .collect()
        };
        let changed = |sets: &[&str]| -> Vec<Component> {
            let (a, b) = (hashes(&[]), hashes(sets));
            Component::ALL
                .into_iter()
                .filter(|c| a[c] != b[c])
                .collect()
        };
        assert_eq!(
            changed(&[r"config.ozone-site\.xml.ozone\.om\.handler\.count\.key=200"]),
            vec![Component::Om]
        );
        assert_eq!(
            changed(&[r"config.ozone-site\.xml.hdds\.datanode\.handler\.count=20"]),
            vec![Component::Datanode]
        );
        assert_eq!(
            changed(&[r"config.ozone-site\.xml.some\.unknown\.key=1"]),
            Component::ALL.to_vec()
        );
        // An OM address every client reads: everything.
        assert_eq!(
            changed(&[r"config.ozone-site\.xml.ozone\.om\.address=om:9862"]),
            Component::ALL.to_vec()
        );
    }

    #[test]
    fn hash_changes_with_config() {
        let a = BTreeMap::from([("k".to_owned(), "v".to_owned())]);
        let b = BTreeMap::from([("k".to_owned(), "w".to_owned())]);
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(hash(&a), hash(&a.clone()));
        assert_eq!(hash(&a).len(), 32);
    }
}
