//! Reading the facts the checks judge. Every read that fails becomes the reason a check could
//! not run, never an abort: a doctor that stops at the first missing permission tells nothing.
//! Reads only: Kubernetes lists and gets, access reviews, and Ozone [`Query`]s.

use super::install::{self, Access};
use super::running::{Gathered, OzoneFacts, RunningFacts};
use ozone_engine::cluster::Session;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::ClusterView;
use ozone_generator::output::Manifest;
use ozone_storage::admin::{Query, datanode, roles, safemode};
use std::collections::BTreeMap;
use std::time::Duration;

fn parsed<T, E1: std::fmt::Display, E2: std::fmt::Display>(
    out: Result<String, E1>,
    parse: impl FnOnce(&str) -> Result<T, E2>,
) -> Gathered<T> {
    out.map_err(|e| e.to_string())
        .and_then(|s| parse(&s).map_err(|e| e.to_string()))
}

/// Asks Ozone for its health: Raft rings, safe mode (with rules when `verbose`), datanodes.
pub async fn ozone(reader: &OzoneReader, verbose: bool) -> OzoneFacts {
    let safe_query = if verbose {
        Query::safemode_status_verbose()
    } else {
        Query::safemode_status()
    };
    let (scm_query, om_query, dn_query) = (
        Query::scm_roles(),
        Query::om_roles(),
        Query::datanode_list(),
    );
    let (scm, om, safe, dns) = tokio::join!(
        reader.query(&scm_query),
        reader.query(&om_query),
        reader.query(&safe_query),
        reader.query(&dn_query),
    );
    let rules = verbose.then(|| match &safe {
        Ok(s) => Ok(safemode::parse_rules(s)),
        Err(e) => Err(e.to_string()),
    });
    OzoneFacts {
        scm: parsed(scm, roles::parse_scm_roles),
        om: parsed(om, roles::parse_om_roles),
        safe_mode: parsed(safe, safemode::parse_status),
        rules,
        datanodes: parsed(dns, datanode::parse_list),
    }
}

/// The facts about a running cluster.
pub async fn running(
    session: &Session,
    view: ClusterView,
    verbose: bool,
    log_lines: usize,
    cert_warn_within: Duration,
) -> RunningFacts {
    let kube = &session.kube;
    let reader = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let (events, policies, ozone, certificates) = tokio::join!(
        kube.events(),
        kube.network_policies(),
        ozone(&reader, verbose),
        crate::cmd::cert::status::gather(session, &view, cert_warn_within),
    );
    let mut previous_logs = BTreeMap::new();
    for pod in &view.pods {
        let name = pod.metadata.name.clone().unwrap_or_default();
        for (c, _) in ozone_engine::cluster::view::container_statuses(pod) {
            let crashing = c
                .state
                .as_ref()
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                == Some("CrashLoopBackOff");
            if crashing {
                let log = kube
                    .pod_log(&name, &c.name, true, Some(log_lines as i64), None)
                    .await
                    .map_err(|e| e.to_string());
                previous_logs.insert(format!("{name}/{}", c.name), log);
            }
        }
    }
    RunningFacts {
        view,
        events: events.map_err(|e| e.to_string()),
        previous_logs,
        ozone,
        certificates: certificates.map_err(|e| format!("{e:#}")),
        network_policies: policies.map_err(|e| e.to_string()),
        known_versions: ozone_storage::versions::RELEASES
            .iter()
            .map(|r| r.version.to_owned())
            .collect(),
        log_lines,
    }
}

/// Facts about the target cluster before an install.
#[derive(Debug)]
pub struct InstallFacts {
    /// The namespace's labels, `None` when it does not exist.
    pub namespace: Gathered<Option<super::labels::Labels>>,
    /// StorageClasses.
    pub storage_classes: Gathered<Vec<k8s_openapi::api::storage::v1::StorageClass>>,
    /// Nodes.
    pub nodes: Gathered<Vec<k8s_openapi::api::core::v1::Node>>,
    /// Kinds served per needed group version.
    pub apis: BTreeMap<String, Gathered<Option<Vec<String>>>>,
    /// The API server's version.
    pub version: Gathered<(String, String)>,
    /// What the access reviews answered.
    pub access: Vec<(Access, Gathered<bool>)>,
}

/// Reads the facts an install depends on.
pub async fn install(session: &Session, manifest: &Manifest) -> InstallFacts {
    let kube = &session.kube;
    let (namespace, storage_classes, nodes, version) = tokio::join!(
        kube.namespace_object(),
        kube.storage_classes(),
        kube.nodes(),
        kube.server_version(),
    );
    let mut apis = BTreeMap::new();
    for api in install::needed_apis(manifest) {
        let served = kube
            .api_kinds(&api.group_version)
            .await
            .map_err(|e| e.to_string());
        apis.insert(api.group_version, served);
    }
    let mut access = Vec::new();
    for a in install::needed_access(manifest) {
        let answer = kube
            .can(a.verb, &a.group, &a.resource, a.namespace.as_deref())
            .await
            .map_err(|e| e.to_string());
        access.push((a, answer));
    }
    InstallFacts {
        namespace: namespace
            .map(|ns| ns.map(|n| n.metadata.labels.unwrap_or_default()))
            .map_err(|e| e.to_string()),
        storage_classes: storage_classes.map_err(|e| e.to_string()),
        nodes: nodes.map_err(|e| e.to_string()),
        apis,
        version: version.map_err(|e| e.to_string()),
        access,
    }
}
