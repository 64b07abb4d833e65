//! The configuration files Ozone reads and how the `apache/ozone` image builds them from
//! environment variables.
//!
//! The image's entrypoint runs `envtoconf.py`, which turns every variable named
//! `<FILE>.<EXT>_<key>` into a line of `/etc/hadoop/<file>.<ext>` (reference §2). Two facts
//! shape the encoding here:
//! - the script writes values into XML files without escaping them, so a value with `&` or `<`
//!   would corrupt `ozone-site.xml`; [`ConfigFile::env_value`] escapes them for XML files;
//! - the files are rewritten from the environment on every start, so the environment is the
//!   whole configuration and a change to it reaches a pod only when the pod restarts.

use crate::catalog::{Port, PortKeyForm};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A configuration file the Ozone services read from `OZONE_CONF_DIR` (`/etc/hadoop`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ConfigFile {
    /// `ozone-site.xml`: the Ozone services' own settings.
    #[serde(rename = "ozone-site.xml")]
    OzoneSite,
    /// `core-site.xml`: Hadoop-compatible client settings (`fs.defaultFS`, proxy users).
    #[serde(rename = "core-site.xml")]
    CoreSite,
    /// `httpfs-site.xml`: HttpFS settings.
    #[serde(rename = "httpfs-site.xml")]
    HttpfsSite,
    /// `log4j.properties`: logging.
    #[serde(rename = "log4j.properties")]
    Log4jProperties,
    /// `ssl-server.xml`: keystore and truststore of the HTTPS servers.
    #[serde(rename = "ssl-server.xml")]
    SslServer,
    /// `ssl-client.xml`: truststore of HTTPS clients (between services).
    #[serde(rename = "ssl-client.xml")]
    SslClient,
}

impl ConfigFile {
    /// Every file, in the order they are listed in rendered configuration.
    pub const ALL: [ConfigFile; 6] = [
        ConfigFile::OzoneSite,
        ConfigFile::CoreSite,
        ConfigFile::HttpfsSite,
        ConfigFile::Log4jProperties,
        ConfigFile::SslServer,
        ConfigFile::SslClient,
    ];

    /// The file name, as users write it in the spec.
    pub const fn file_name(self) -> &'static str {
        match self {
            ConfigFile::OzoneSite => "ozone-site.xml",
            ConfigFile::CoreSite => "core-site.xml",
            ConfigFile::HttpfsSite => "httpfs-site.xml",
            ConfigFile::Log4jProperties => "log4j.properties",
            ConfigFile::SslServer => "ssl-server.xml",
            ConfigFile::SslClient => "ssl-client.xml",
        }
    }

    /// Parses a file name as written in the spec.
    pub fn from_file_name(name: &str) -> Option<ConfigFile> {
        ConfigFile::ALL.into_iter().find(|f| f.file_name() == name)
    }

    fn is_xml(self) -> bool {
        self.file_name().ends_with(".xml")
    }

    /// The environment variable that sets `key` in this file (`OZONE-SITE.XML_<key>`).
    pub fn env_name(self, key: &str) -> String {
        format!("{}_{key}", self.file_name().to_ascii_uppercase())
    }

    /// The environment value that makes `value` appear in the file as written: XML files get
    /// XML escaping because `envtoconf.py` copies values into them verbatim.
    pub fn env_value(self, value: &str) -> String {
        if self.is_xml() {
            xml_escape(value)
        } else {
            value.to_owned()
        }
    }

    /// Splits an environment variable name produced by [`ConfigFile::env_name`] back into the
    /// file and key, for tools that read rendered manifests.
    pub fn parse_env_name(name: &str) -> Option<(ConfigFile, &str)> {
        ConfigFile::ALL.into_iter().find_map(|f| {
            let prefix = f.file_name().to_ascii_uppercase();
            name.strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_prefix('_'))
                .map(|key| (f, key))
        })
    }
}

/// Escapes the five XML special characters.
pub fn xml_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// Settings per file, key → value, sorted.
pub type Settings = BTreeMap<ConfigFile, BTreeMap<String, String>>;

/// Why a configured port value is unusable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {key}: {value:?} is not a port number (1-65535){hint}")]
pub struct BadPort {
    /// The file name.
    pub file: &'static str,
    /// The key.
    pub key: &'static str,
    /// The configured value.
    pub value: String,
    /// Extra help for the `host:port` form.
    pub hint: &'static str,
}

/// The key that switches Ozone's HTTP servers to HTTPS (`HTTP_ONLY`, `HTTPS_ONLY`,
/// `HTTP_AND_HTTPS`; `OzoneConfigKeys.OZONE_HTTP_POLICY_KEY`).
pub const HTTP_POLICY_KEY: &str = "ozone.http.policy";

/// `ozone-site.xml` keys kubectl-ozone sets or reads besides the catalog's port keys and the
/// HA keys of [`crate::ha`] (reference §2).
pub mod keys {
    /// Where every service keeps its metadata (RocksDB, Ratis logs) by default.
    pub const METADATA_DIRS: &str = "ozone.metadata.dirs";
    /// Where a datanode keeps its id file.
    pub const SCM_DATANODE_ID_DIR: &str = "ozone.scm.datanode.id.dir";
    /// A datanode's data volumes: comma-separated, one Ozone volume per directory
    /// (`ozone-default.xml`, `hdds.datanode.dir`).
    pub const DATANODE_DIR: &str = "hdds.datanode.dir";
    /// Where a datanode keeps its Ratis logs; falls back to a directory under
    /// [`METADATA_DIRS`] (`ozone-default.xml`, `hdds.container.ratis.datanode.storage.dir`:
    /// "Ideally, this should be mapped to a fast disk like an SSD").
    pub const DATANODE_RATIS_DIR: &str = "hdds.container.ratis.datanode.storage.dir";
    /// Where a datanode keeps its per-disk container RocksDB instances (schema v3); unset, each
    /// data volume holds its own (`ozone-default.xml`, `hdds.datanode.container.db.dir`). One
    /// directory serves every data volume: `HddsVolume.createDbStore` picks a DB volume for
    /// each data volume, and a data volume whose DB already lives on it keeps it there
    /// (`HddsVolumeUtil.loadAllHddsVolumeDbStore`).
    pub const DATANODE_CONTAINER_DB_DIR: &str = "hdds.datanode.container.db.dir";
    /// Where OM keeps its Ratis logs (`ozone-default.xml`, `ozone.om.ratis.storage.dir`).
    pub const OM_RATIS_DIR: &str = "ozone.om.ratis.storage.dir";
    /// Where SCM keeps its Ratis logs (`ScmConfigKeys.OZONE_SCM_HA_RATIS_STORAGE_DIR`).
    pub const SCM_RATIS_DIR: &str = "ozone.scm.ha.ratis.storage.dir";
    /// Datanodes register by host name instead of IP (reference §2.2: pod IPs change).
    pub const USE_DATANODE_HOSTNAME: &str = "hdds.datanode.use.datanode.hostname";
    /// Datanodes SCM waits for before leaving safe mode.
    pub const SAFEMODE_MIN_DATANODE: &str = "hdds.scm.safemode.min.datanode";
    /// Client default replication (`ONE`, `THREE`, or an EC policy with the type key).
    pub const REPLICATION: &str = "ozone.replication";
    /// `RATIS` or `EC` for [`REPLICATION`].
    pub const REPLICATION_TYPE: &str = "ozone.replication.type";
    /// Server default replication, used when a bucket and client name none.
    pub const SERVER_DEFAULT_REPLICATION: &str = "ozone.server.default.replication";
    /// `RATIS` or `EC` for [`SERVER_DEFAULT_REPLICATION`].
    pub const SERVER_DEFAULT_REPLICATION_TYPE: &str = "ozone.server.default.replication.type";
    /// Kerberos security; only then does SCM run its certificate server (reference §6).
    pub const SECURITY_ENABLED: &str = "ozone.security.enabled";
}

/// Whether `settings` make the HTTP servers serve HTTPS only, so every HTTP port with an HTTPS
/// twin is replaced by the twin.
pub fn https_only(settings: &Settings) -> bool {
    settings
        .get(&ConfigFile::OzoneSite)
        .and_then(|m| m.get(HTTP_POLICY_KEY))
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("HTTPS_ONLY"))
}

/// The port number a service listens on under `settings`: the configured value of the port's
/// key when the user set one, else the default — or, under `HTTPS_ONLY`, the same for the
/// port's HTTPS twin.
pub fn effective_port(port: &Port, settings: &Settings) -> Result<u16, BadPort> {
    if let Some(https) = port.https.filter(|_| https_only(settings)) {
        let twin = Port {
            number: https.number,
            key: crate::catalog::PortKey {
                file: ConfigFile::OzoneSite,
                name: https.key,
                form: PortKeyForm::HostPort,
            },
            https: None,
            ..*port
        };
        return effective_port(&twin, settings);
    }
    let Some(value) = settings
        .get(&port.key.file)
        .and_then(|m| m.get(port.key.name))
    else {
        return Ok(port.number);
    };
    let bad = |hint| BadPort {
        file: port.key.file.file_name(),
        key: port.key.name,
        value: value.clone(),
        hint,
    };
    let number = match port.key.form {
        PortKeyForm::Port => value.trim(),
        PortKeyForm::HostPort => match value.rsplit_once(':') {
            Some((_, number)) => number.trim(),
            None => return Ok(port.number),
        },
    };
    match number.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(bad(match port.key.form {
            PortKeyForm::HostPort => " (expected host:port)",
            PortKeyForm::Port => "",
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::Component;

    #[test]
    fn env_names_follow_envtoconf() {
        assert_eq!(
            ConfigFile::OzoneSite.env_name("ozone.om.address"),
            "OZONE-SITE.XML_ozone.om.address"
        );
        assert_eq!(
            ConfigFile::Log4jProperties.env_name("log4j.rootLogger"),
            "LOG4J.PROPERTIES_log4j.rootLogger"
        );
        assert_eq!(
            ConfigFile::parse_env_name("CORE-SITE.XML_fs.defaultFS"),
            Some((ConfigFile::CoreSite, "fs.defaultFS"))
        );
        assert_eq!(ConfigFile::parse_env_name("JAVA_TOOL_OPTIONS"), None);
    }

    #[test]
    fn xml_values_are_escaped_and_properties_are_not() {
        assert_eq!(ConfigFile::OzoneSite.env_value("a<b&c"), "a&lt;b&amp;c");
        assert_eq!(ConfigFile::Log4jProperties.env_value("a<b&c"), "a<b&c");
    }

    #[test]
    fn https_only_moves_http_ports_to_their_twins() {
        let http = Component::Om.service().known_port("http");
        let rpc = Component::Om.service().known_port("rpc");
        let mut settings = Settings::new();
        settings
            .entry(ConfigFile::OzoneSite)
            .or_default()
            .insert(HTTP_POLICY_KEY.into(), "HTTPS_ONLY".into());
        assert_eq!(effective_port(http, &settings), Ok(9875));
        assert_eq!(effective_port(rpc, &settings), Ok(9862));
        settings
            .get_mut(&ConfigFile::OzoneSite)
            .unwrap()
            .insert("ozone.om.https-address".into(), "0.0.0.0:19875".into());
        assert_eq!(effective_port(http, &settings), Ok(19875));
    }

    #[test]
    fn effective_port_reads_overrides() {
        let http = Component::Om.service().known_port("http");
        let ratis = Component::Om.service().known_port("ratis");
        let mut settings = Settings::new();
        assert_eq!(effective_port(http, &settings), Ok(9874));
        let site = settings.entry(ConfigFile::OzoneSite).or_default();
        site.insert("ozone.om.http-address".into(), "0.0.0.0:19999".into());
        site.insert("ozone.om.ratis.port".into(), "x".into());
        assert_eq!(effective_port(http, &settings), Ok(19999));
        let err = effective_port(ratis, &settings).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ozone-site.xml: ozone.om.ratis.port: \"x\" is not a port number (1-65535)"
        );
    }
}
