//! The service catalog: one entry per Ozone service with everything the rest of the tool must
//! agree on — ports and the keys that set them, who connects to each port, the start command,
//! init steps, the metrics endpoint and the health checks.
//!
//! The generator's Services, container ports, probes, NetworkPolicies and ServiceMonitors, and
//! the plugin's exec targets, all read these tables, so they cannot disagree. Port numbers and
//! keys are the defaults of `ozone-default.xml` and the Java config-key classes as listed in
//! reference §3 ("Ports (verified)"); a comment names the source where it is more specific.

use crate::component::Component;
use crate::config::ConfigFile;

/// Who opens connections to a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    /// Pods of this Ozone component (peers of the same component included).
    Component(Component),
    /// Data clients outside the cluster's own pods: applications using the S3 API, `ofs://`,
    /// WebHDFS, or the Ozone shell. Native Ozone clients read and write datanodes directly.
    Clients,
    /// The Prometheus that scrapes `/prom`.
    Monitoring,
}

/// How a config key carries a port: alone (`ozone.om.ratis.port=9872`) or as a bind address
/// (`ozone.om.http-address=0.0.0.0:9874`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortKeyForm {
    /// The value is a port number.
    Port,
    /// The value is `host:port`; a value without `:` keeps the default port.
    HostPort,
}

/// The config key that sets a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortKey {
    /// The file the key lives in.
    pub file: ConfigFile,
    /// The key.
    pub name: &'static str,
    /// How the value carries the port.
    pub form: PortKeyForm,
}

/// The HTTPS twin of an HTTP port, used when the cluster serves TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpsPort {
    /// Default port number.
    pub number: u16,
    /// The key that sets it (always a bind address).
    pub key: &'static str,
}

/// A TCP port a service listens on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Port {
    /// The Kubernetes port name (an IANA_SVC_NAME: at most 15 characters).
    pub name: &'static str,
    /// The default number.
    pub number: u16,
    /// The key that changes it.
    pub key: PortKey,
    /// Who connects to it. Empty means only the pod itself.
    pub clients: &'static [Peer],
    /// The HTTPS port that replaces this one when TLS is on, for HTTP ports.
    pub https: Option<HttpsPort>,
    /// What the port is for, for people reading rendered manifests and policies.
    pub purpose: &'static str,
}

impl Port {
    /// Whether `peer` connects to this port.
    pub fn admits(&self, peer: Peer) -> bool {
        self.clients.contains(&peer)
    }
}

/// A health check a probe can run without starting a JVM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthCheck {
    /// The named port accepts TCP connections.
    Tcp {
        /// A [`Port::name`] of the same service.
        port: &'static str,
    },
    /// An HTTP GET on the named port answers 2xx/3xx.
    Http {
        /// A [`Port::name`] of the same service.
        port: &'static str,
        /// The request path.
        path: &'static str,
    },
}

impl HealthCheck {
    /// The port the check connects to.
    pub fn port(&self) -> &'static str {
        match self {
            HealthCheck::Tcp { port } | HealthCheck::Http { port, .. } => port,
        }
    }
}

/// The three probes of a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthChecks {
    /// Passes once the service has started; startup may take long (SCM and OM initialise and
    /// replay their Raft logs).
    pub startup: HealthCheck,
    /// Passes while the service should receive traffic.
    pub readiness: HealthCheck,
    /// Fails only when the process is wedged and a restart helps.
    pub liveness: HealthCheck,
    /// The longest a healthy start may take, in seconds.
    pub startup_seconds: u32,
}

/// When an init step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// On every pod.
    Always,
    /// Only when the service runs with more than one replica (HA).
    HighAvailability,
}

/// A step that runs before the service starts, as an init container with the service's image,
/// configuration and data volume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitStep {
    /// The init container's name.
    pub name: &'static str,
    /// The arguments after the image's entrypoint.
    pub args: &'static [&'static str],
    /// When it runs.
    pub when: When,
    /// Why it exists.
    pub purpose: &'static str,
}

/// Whether a service keeps state on a volume of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Keeps metadata or data on a persistent volume: runs as a StatefulSet.
    Persistent,
    /// Keeps nothing: runs as a Deployment.
    Stateless,
}

/// Everything about one Ozone service.
#[derive(Debug)]
pub struct Service {
    /// Which service this is.
    pub component: Component,
    /// The arguments that start it (after the image entrypoint, reference §1.3).
    pub start: &'static [&'static str],
    /// Every port it listens on.
    pub ports: &'static [Port],
    /// Steps run as init containers before it starts.
    pub init_steps: &'static [InitStep],
    /// The entrypoint's `ENSURE_…_INITIALIZED` variable and the file whose absence triggers
    /// the one-time init (reference §2, entrypoint.sh step 7).
    pub ensure_initialized: Option<(&'static str, &'static str)>,
    /// A service and port the entrypoint waits for before starting (`WAITFOR`, step 2).
    pub waits_for: Option<(Component, &'static str)>,
    /// The port serving `/prom`, if the service exposes Prometheus metrics (reference §4).
    pub metrics_port: Option<&'static str>,
    /// How the kubelet checks it.
    pub health: HealthChecks,
    /// Whether it keeps state.
    pub state: State,
    /// The Raft port, for services that replicate through Ratis when run with several replicas.
    pub raft_port: Option<&'static str>,
}

/// The path of the Prometheus servlet on every `BaseHttpServer` (reference §4).
pub const METRICS_PATH: &str = "/prom";

/// Where every service keeps its data inside the container (`ozone.metadata.dirs`,
/// `hdds.datanode.dir` in the Ozone k8s definitions, reference §2.1).
pub const DATA_DIR: &str = "/data";

impl Service {
    /// The port with the given Kubernetes name.
    pub fn port(&self, name: &str) -> Option<&'static Port> {
        self.ports.iter().find(|p| p.name == name)
    }

    /// The port with the given name; for names the catalog itself uses.
    ///
    /// # Panics
    /// When the catalog refers to a port it does not define — a defect caught by the tests.
    pub fn known_port(&self, name: &str) -> &'static Port {
        self.port(name)
            .unwrap_or_else(|| panic!("catalog: {} has no port named {name:?}", self.component))
    }

    /// The metrics port, if any.
    pub fn metrics(&self) -> Option<&'static Port> {
        self.metrics_port.map(|name| self.known_port(name))
    }
}

impl Component {
    /// This component's catalog entry.
    pub fn service(self) -> &'static Service {
        match self {
            Component::Scm => &SCM,
            Component::Om => &OM,
            Component::Datanode => &DATANODE,
            Component::S3g => &S3G,
            Component::Recon => &RECON,
            Component::Httpfs => &HTTPFS,
        }
    }
}

const fn ozone_port(name: &'static str, form: PortKeyForm) -> PortKey {
    PortKey {
        file: ConfigFile::OzoneSite,
        name,
        form,
    }
}

use Component::{
    Datanode as DN, Httpfs as HTTPFS_C, Om as OM_C, Recon as RECON_C, S3g as S3G_C, Scm as SCM_C,
};
use PortKeyForm::{HostPort, Port as PortOnly};

/// Storage Container Manager. Ports: reference §3 (`ScmConfigKeys`).
pub static SCM: Service = Service {
    component: SCM_C,
    start: &["ozone", "scm"],
    ports: &[
        Port {
            name: "client-rpc",
            number: 9860,
            key: ozone_port("ozone.scm.client.port", PortOnly),
            // The admin CLI runs in SCM pods and fails over across all SCMs.
            clients: &[
                Peer::Component(SCM_C),
                Peer::Component(OM_C),
                Peer::Component(RECON_C),
            ],
            https: None,
            purpose: "container location and admin RPC",
        },
        Port {
            name: "datanode-rpc",
            number: 9861,
            key: ozone_port("ozone.scm.datanode.port", PortOnly),
            clients: &[Peer::Component(DN)],
            https: None,
            purpose: "datanode heartbeats and registration",
        },
        Port {
            name: "block-rpc",
            number: 9863,
            key: ozone_port("ozone.scm.block.client.port", PortOnly),
            clients: &[Peer::Component(OM_C)],
            https: None,
            purpose: "block allocation for OM",
        },
        Port {
            name: "http",
            number: 9876,
            key: ozone_port("ozone.scm.http-address", HostPort),
            // OM and Recon wait for this port before they start (WAITFOR, reference §1.3).
            clients: &[
                Peer::Component(OM_C),
                Peer::Component(RECON_C),
                Peer::Monitoring,
            ],
            https: Some(HttpsPort {
                number: 9877,
                key: "ozone.scm.https-address",
            }),
            purpose: "web UI, /prom metrics",
        },
        Port {
            name: "ratis",
            number: 9894,
            key: ozone_port("ozone.scm.ratis.port", PortOnly),
            clients: &[Peer::Component(SCM_C)],
            https: None,
            purpose: "SCM HA Raft log replication",
        },
        Port {
            name: "grpc",
            number: 9895,
            key: ozone_port("ozone.scm.grpc.port", PortOnly),
            clients: &[Peer::Component(SCM_C)],
            https: None,
            purpose: "SCM HA checkpoint transfer between SCMs",
        },
    ],
    // Both run on every pod: `--init` is a no-op on non-primordial nodes and `--bootstrap` on
    // the primordial one (reference §3.1, StorageContainerManager.java).
    init_steps: &[
        InitStep {
            name: "init",
            args: &["ozone", "scm", "--init"],
            when: When::Always,
            purpose: "format the primordial SCM on first start",
        },
        InitStep {
            name: "bootstrap",
            args: &["ozone", "scm", "--bootstrap"],
            when: When::HighAvailability,
            purpose: "join non-primordial SCMs to the Raft ring on first start",
        },
    ],
    ensure_initialized: None,
    waits_for: None,
    metrics_port: Some("http"),
    health: HealthChecks {
        startup: HealthCheck::Tcp { port: "client-rpc" },
        // The k8s definitions probe the datanode RPC port (reference §1.3).
        readiness: HealthCheck::Tcp {
            port: "datanode-rpc",
        },
        liveness: HealthCheck::Http {
            port: "http",
            path: "/",
        },
        startup_seconds: 600,
    },
    state: State::Persistent,
    raft_port: Some("ratis"),
};

/// Ozone Manager. Ports: reference §3 (`OMConfigKeys`).
pub static OM: Service = Service {
    component: OM_C,
    start: &["ozone", "om"],
    ports: &[
        Port {
            name: "rpc",
            number: 9862,
            key: ozone_port("ozone.om.address", HostPort),
            clients: &[
                Peer::Component(SCM_C),
                Peer::Component(OM_C),
                Peer::Component(S3G_C),
                Peer::Component(RECON_C),
                Peer::Component(HTTPFS_C),
                Peer::Clients,
            ],
            https: None,
            purpose: "namespace RPC for clients, gateways and the admin CLI",
        },
        Port {
            name: "http",
            number: 9874,
            key: ozone_port("ozone.om.http-address", HostPort),
            // Followers and Recon download OM DB checkpoints from /dbCheckpoint (reference §6).
            clients: &[
                Peer::Component(OM_C),
                Peer::Component(RECON_C),
                Peer::Monitoring,
            ],
            https: Some(HttpsPort {
                number: 9875,
                key: "ozone.om.https-address",
            }),
            purpose: "web UI, /prom metrics, DB checkpoints",
        },
        Port {
            name: "ratis",
            number: 9872,
            key: ozone_port("ozone.om.ratis.port", PortOnly),
            clients: &[Peer::Component(OM_C)],
            https: None,
            purpose: "OM HA Raft log replication",
        },
        Port {
            name: "grpc",
            number: 8981,
            key: ozone_port("ozone.om.grpc.port", PortOnly),
            clients: &[Peer::Component(S3G_C)],
            https: None,
            purpose: "gRPC transport for the S3 Gateway (GrpcOmTransport)",
        },
    ],
    init_steps: &[],
    ensure_initialized: Some(("ENSURE_OM_INITIALIZED", "/data/metadata/om/current/VERSION")),
    waits_for: Some((SCM_C, "http")),
    metrics_port: Some("http"),
    health: HealthChecks {
        startup: HealthCheck::Tcp { port: "rpc" },
        readiness: HealthCheck::Tcp { port: "rpc" },
        liveness: HealthCheck::Http {
            port: "http",
            path: "/",
        },
        startup_seconds: 600,
    },
    state: State::Persistent,
    raft_port: Some("ratis"),
};

const DN_DATA_CLIENTS: &[Peer] = &[
    Peer::Component(DN),
    Peer::Component(S3G_C),
    Peer::Component(HTTPFS_C),
    Peer::Clients,
];

/// Datanode. Ports: reference §3 (`OzoneConfigKeys`, `HddsConfigKeys`, `ReplicationServer`).
pub static DATANODE: Service = Service {
    component: DN,
    start: &["ozone", "datanode"],
    ports: &[
        Port {
            name: "standalone",
            number: 9859,
            key: ozone_port("hdds.container.ipc.port", PortOnly),
            // Clients read here; datanodes read from each other for EC reconstruction.
            clients: DN_DATA_CLIENTS,
            https: None,
            purpose: "container reads (XceiverServerGrpc)",
        },
        Port {
            name: "ratis-ipc",
            number: 9858,
            key: ozone_port("hdds.container.ratis.ipc.port", PortOnly),
            clients: DN_DATA_CLIENTS,
            https: None,
            purpose: "Ratis pipeline writes from clients",
        },
        Port {
            name: "ratis-admin",
            number: 9857,
            key: ozone_port("hdds.container.ratis.admin.port", PortOnly),
            clients: &[Peer::Component(DN)],
            https: None,
            purpose: "Ratis group management between pipeline members",
        },
        Port {
            name: "ratis-server",
            number: 9856,
            key: ozone_port("hdds.container.ratis.server.port", PortOnly),
            clients: &[Peer::Component(DN)],
            https: None,
            purpose: "Ratis log replication between pipeline members",
        },
        Port {
            name: "ratis-stream",
            number: 9855,
            key: ozone_port("hdds.container.ratis.datastream.port", PortOnly),
            clients: DN_DATA_CLIENTS,
            https: None,
            purpose: "Ratis streaming writes",
        },
        Port {
            name: "http",
            number: 9882,
            key: ozone_port("hdds.datanode.http-address", HostPort),
            clients: &[Peer::Monitoring],
            https: Some(HttpsPort {
                number: 9883,
                key: "hdds.datanode.https-address",
            }),
            purpose: "web UI, /prom metrics",
        },
        Port {
            name: "client-rpc",
            number: 19864,
            key: ozone_port("hdds.datanode.client.port", PortOnly),
            // The admin CLI (in SCM pods) reaches datanodes here, as do clients.
            clients: &[
                Peer::Component(SCM_C),
                Peer::Component(S3G_C),
                Peer::Component(HTTPFS_C),
                Peer::Clients,
            ],
            https: None,
            purpose: "datanode client protocol",
        },
        Port {
            name: "replication",
            number: 9886,
            key: ozone_port("hdds.datanode.replication.port", PortOnly),
            clients: &[Peer::Component(DN)],
            https: None,
            purpose: "container replication between datanodes",
        },
    ],
    init_steps: &[],
    ensure_initialized: None,
    waits_for: None,
    metrics_port: Some("http"),
    health: HealthChecks {
        startup: HealthCheck::Tcp { port: "http" },
        readiness: HealthCheck::Tcp { port: "ratis-ipc" },
        liveness: HealthCheck::Tcp { port: "http" },
        startup_seconds: 300,
    },
    state: State::Persistent,
    raft_port: None,
};

/// S3 Gateway. Ports: reference §3; metrics only on the web-admin port because
/// `S3GatewayHttpServer` disables the default servlets (reference §0 item 7).
pub static S3G: Service = Service {
    component: S3G_C,
    start: &["ozone", "s3g"],
    ports: &[
        Port {
            name: "s3",
            number: 9878,
            key: ozone_port("ozone.s3g.http-address", HostPort),
            clients: &[Peer::Clients],
            https: Some(HttpsPort {
                number: 9879,
                key: "ozone.s3g.https-address",
            }),
            purpose: "S3 REST API",
        },
        Port {
            name: "webadmin",
            number: 19878,
            key: ozone_port("ozone.s3g.webadmin.http-address", HostPort),
            clients: &[Peer::Monitoring],
            https: Some(HttpsPort {
                number: 19879,
                key: "ozone.s3g.webadmin.https-address",
            }),
            purpose: "web admin, /prom metrics",
        },
    ],
    init_steps: &[],
    ensure_initialized: None,
    waits_for: None,
    metrics_port: Some("webadmin"),
    health: HealthChecks {
        startup: HealthCheck::Tcp { port: "s3" },
        readiness: HealthCheck::Tcp { port: "s3" },
        // The k8s definitions probe `/` on the web-admin port (reference §1.3).
        liveness: HealthCheck::Http {
            port: "webadmin",
            path: "/",
        },
        startup_seconds: 300,
    },
    state: State::Stateless,
    raft_port: None,
};

/// Recon. Ports: reference §3 (`ReconConfigKeys`).
pub static RECON: Service = Service {
    component: RECON_C,
    start: &["ozone", "recon"],
    ports: &[
        Port {
            name: "http",
            number: 9888,
            key: ozone_port("ozone.recon.http-address", HostPort),
            clients: &[Peer::Monitoring],
            https: Some(HttpsPort {
                number: 9889,
                key: "ozone.recon.https-address",
            }),
            purpose: "web UI and REST API, /prom metrics",
        },
        Port {
            name: "rpc",
            number: 9891,
            key: ozone_port("ozone.recon.address", HostPort),
            clients: &[Peer::Component(DN)],
            https: None,
            purpose: "datanode reports to Recon",
        },
    ],
    init_steps: &[],
    ensure_initialized: None,
    waits_for: Some((SCM_C, "http")),
    metrics_port: Some("http"),
    health: HealthChecks {
        startup: HealthCheck::Tcp { port: "rpc" },
        // The k8s definitions probe the RPC port (reference §1.3).
        readiness: HealthCheck::Tcp { port: "rpc" },
        liveness: HealthCheck::Http {
            port: "http",
            path: "/",
        },
        startup_seconds: 600,
    },
    state: State::Persistent,
    raft_port: None,
};

/// HttpFS. Port: reference §3 (`HttpFSServerWebServer.HTTP_PORT_DEFAULT`). HttpFS is not a
/// `BaseHttpServer`, so it has no `/prom` (reference §4).
pub static HTTPFS: Service = Service {
    component: HTTPFS_C,
    start: &["ozone", "httpfs"],
    ports: &[Port {
        name: "http",
        number: 14000,
        key: PortKey {
            file: ConfigFile::HttpfsSite,
            name: "httpfs.http.port",
            form: PortOnly,
        },
        clients: &[Peer::Clients],
        https: None,
        purpose: "WebHDFS REST API",
    }],
    init_steps: &[],
    ensure_initialized: None,
    waits_for: None,
    metrics_port: None,
    health: HealthChecks {
        startup: HealthCheck::Tcp { port: "http" },
        // The k8s definitions' probe (reference §1.3); it also proves OM is reachable.
        readiness: HealthCheck::Http {
            port: "http",
            path: "/webhdfs/v1/?op=LISTSTATUS&user.name=hadoop",
        },
        liveness: HealthCheck::Tcp { port: "http" },
        startup_seconds: 300,
    },
    state: State::Stateless,
    raft_port: None,
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_reference_to_a_port_names_a_port_of_the_same_service() {
        for c in Component::ALL {
            let s = c.service();
            assert_eq!(s.component, c);
            for check in [s.health.startup, s.health.readiness, s.health.liveness] {
                assert!(
                    s.port(check.port()).is_some(),
                    "{c}: probe port {}",
                    check.port()
                );
            }
            if let Some(m) = s.metrics_port {
                assert!(s.port(m).is_some(), "{c}: metrics port {m}");
            }
            if let Some(r) = s.raft_port {
                assert!(s.port(r).is_some(), "{c}: raft port {r}");
            }
            if let Some((other, port)) = s.waits_for {
                assert!(
                    other.service().port(port).is_some(),
                    "{c}: waits for {other}:{port}"
                );
            }
        }
    }

    #[test]
    fn port_names_are_valid_kubernetes_port_names_and_unique() {
        for c in Component::ALL {
            let mut names = BTreeSet::new();
            let mut numbers = BTreeSet::new();
            for p in c.service().ports {
                assert!(p.name.len() <= 15, "{c}: {} too long", p.name);
                assert!(
                    p.name
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
                );
                assert!(p.name.chars().any(|ch| ch.is_ascii_lowercase()));
                assert!(names.insert(p.name), "{c}: duplicate name {}", p.name);
                assert!(
                    numbers.insert(p.number),
                    "{c}: duplicate number {}",
                    p.number
                );
            }
        }
    }

    #[test]
    fn reference_figures() {
        // Spot checks against reference §3, so a typo in the tables fails loudly.
        assert_eq!(OM.known_port("rpc").number, 9862);
        assert_eq!(OM.known_port("http").https.map(|h| h.number), Some(9875));
        assert_eq!(SCM.known_port("ratis").number, 9894);
        assert_eq!(DATANODE.known_port("http").number, 9882);
        assert_eq!(S3G.metrics().map(|p| p.number), Some(19878));
        assert_eq!(RECON.known_port("rpc").number, 9891);
        assert_eq!(HTTPFS.known_port("http").number, 14000);
        assert!(HTTPFS.metrics().is_none());
    }

    #[test]
    fn only_long_cli_options_are_used() {
        // Single-dash options were removed from Ozone's CLI (reference §0 item 6).
        for c in Component::ALL {
            for step in c.service().init_steps {
                for arg in step.args {
                    assert!(!arg.starts_with('-') || arg.starts_with("--"), "{c}: {arg}");
                }
            }
        }
    }
}
