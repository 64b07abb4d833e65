//! What is wrong, why, and what to do, as a list of [`Finding`]s. Of a running cluster it
//! examines pods, PVCs, rollouts, Raft rings, safe mode, datanodes, certificates and
//! NetworkPolicies ([`examine`]); before an install it checks that the cluster the kubeconfig
//! names can take a spec: Pod Security, StorageClasses, nodes and zones, CRDs, the Kubernetes
//! version, RBAC ([`before_install`]). Presenting the [`Report`] and choosing an exit code from
//! it ([`FailOn`]) is the front end's.
//!
//! Reads only: it never writes to Kubernetes and never runs a mutating Ozone command (it is
//! handed a [`Session`], which has no way to write). Each check is a pure function of facts
//! ([`running`], [`install`]) read by [`gather`]; a fact that cannot be read
//! makes its check `not-checked`, never `ok`.

pub mod certificates;
pub mod gather;
pub mod install;
pub mod labels;
pub mod running;
pub mod verdict;

use crate::cluster::Session;
use crate::cluster::view::ClusterView;
use anyhow::Result;
use ozone_generator::objects;
use ozone_generator::spec::Cluster;
use std::time::Duration;
pub use verdict::{FailOn, Finding, Report, Summary, Verdict};

/// How closely a running cluster is examined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DoctorOptions {
    /// Also ask SCM which safe-mode rules it still waits for.
    pub verbose: bool,
    /// Lines of a crash-looping container's previous log to show.
    pub log_lines: usize,
    /// Certificates that expire within this are a warning.
    pub cert_warn_within: Duration,
}

/// The findings about a running cluster. `certificates` are the findings of the certificate
/// check, which judges `cert status`; it is awaited together with the other reads.
pub async fn examine(session: &Session, view: ClusterView, options: &DoctorOptions) -> Report {
    let cluster = view.cluster().to_owned();
    let certificates = certificates::findings(session, view.clone(), options.cert_warn_within);
    let facts = gather::running(session, view, options.verbose, options.log_lines);
    let (facts, certificates) = tokio::join!(facts, certificates);
    let mut findings = running::check(&facts);
    findings.extend(certificates);
    Report::new("running", &cluster, session.namespace(), findings)
}

/// The findings about installing `cluster` into the kubeconfig's cluster.
pub async fn before_install(session: &Session, cluster: &Cluster) -> Result<Report> {
    let manifest = objects::render(cluster)?;
    let session = session.in_namespace(&cluster.namespace);
    let facts = gather::install(&session, &manifest).await;
    let admitted = install::admitted_level(&manifest.to_yaml()?);
    let mut findings: Vec<Finding> = vec![install::pod_security(
        &cluster.namespace,
        &facts.namespace,
        &admitted,
    )];
    findings.extend(install::storage(
        &install::volumes(cluster),
        &facts.storage_classes,
    ));
    findings.extend(install::nodes(cluster, &facts.nodes));
    findings.extend(install::apis(&install::needed_apis(&manifest), &facts.apis));
    findings.push(install::kube_version(&facts.version));
    findings.extend(install::rbac(&facts.access));
    Ok(Report::new(
        "before-install",
        &cluster.name,
        &cluster.namespace,
        findings,
    ))
}
