//! Operator mode, the second front end beside `cmd/`: a kube-runtime `Controller` over
//! `OzoneCluster` custom resources that drives the same engine as `kubectl ozone apply`
//! (read → plan → one stage per pass, under the field manager `ozone-operator`) and reports
//! through the resource's `status` and Kubernetes Events instead of a terminal.
//!
//! - [`reconcile`]: one pass (validate, pause, plan, stage, status, requeue).
//! - [`status`]: the status as a pure function of a pass's outcome.
//! - [`events`]: the engine's events as log lines and Event notes.
//! - [`serve`]: `/healthz`, `/readyz` and `/metrics`.
//! - [`leader`]: `--leader-elect` over a Lease.
//!
//! `kubectl ozone operator run` (`cmd/operator/`) parses the arguments and calls [`run`].

pub mod events;
pub mod leader;
pub mod log;
pub mod reconcile;
pub mod serve;
pub mod status;
pub mod work;

use crate::kube_flags::KubeFlags;
use anyhow::{Context as _, Result};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::Api;
use kube::core::DynamicObject;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::{Controller, watcher};
use reconcile::{Context, Metrics, Timing, api_resource};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// `operator run`'s options.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// `--kubeconfig`; without it the in-cluster configuration (then `$KUBECONFIG`,
    /// `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// `--watch-namespace`; empty: every namespace.
    pub watch_namespaces: Vec<String>,
    /// `--leader-elect`.
    pub leader_elect: bool,
    /// `--leader-election-namespace`.
    pub leader_election_namespace: Option<String>,
    /// `--metrics-port` (0: off).
    pub metrics_port: u16,
    /// `--health-port` (0: off).
    pub health_port: u16,
    /// `$POD_NAME`: this replica's identity in Events and the leader Lease.
    pub pod_name: Option<String>,
    /// Requeue intervals and waits.
    pub timing: Timing,
}

/// Whether a request changes something on the API server: not a read, not a dry run, not an
/// exec (a `POST` to `pods/exec` that Ozone's answers come through).
pub fn is_write<B>(request: &http::Request<B>) -> bool {
    let method = request.method();
    if method == http::Method::GET || method == http::Method::HEAD {
        return false;
    }
    let uri = request.uri();
    let dry_run = uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p.starts_with("dryRun=")));
    !dry_run && !uri.path().ends_with("/exec")
}

/// The API client: the kubeconfig named, else in-cluster (`Config::infer`); every write it
/// sends is counted in `writes` (the "no write in steady state" measure).
async fn client(kubeconfig: &Option<PathBuf>, writes: Arc<Metrics>) -> Result<kube::Client> {
    let flags = KubeFlags {
        kubeconfig: kubeconfig.clone(),
        ..KubeFlags::default()
    };
    let config = match kubeconfig {
        Some(_) => flags.config().await?,
        None => {
            let mut config = kube::Config::infer()
                .await
                .context("cannot configure the API client (in-cluster or kubeconfig)")?;
            flags.apply(&mut config)?;
            config
        }
    };
    let counting =
        tower::util::MapRequestLayer::new(move |request: http::Request<kube::client::Body>| {
            if is_write(&request) {
                writes.writes.fetch_add(1, Ordering::Relaxed);
            }
            request
        });
    Ok(kube::client::ClientBuilder::try_from(config)
        .context("cannot create the API client")?
        .with_layer(&counting)
        .build())
}

/// Runs the operator until SIGTERM / Ctrl-C.
pub async fn run(options: RunOptions) -> Result<()> {
    let metrics = Arc::new(Metrics::default());
    let client = client(&options.kubeconfig, metrics.clone()).await?;
    let ready = Arc::new(AtomicBool::new(false));
    if options.health_port != 0 {
        let ready = ready.clone();
        let port = options.health_port;
        tokio::spawn(async move {
            if let Err(e) = serve::health(port, ready).await {
                log::warn(
                    "",
                    &format!("health endpoint on port {port} stopped: {e:#}"),
                );
            }
        });
    }
    if options.metrics_port != 0 {
        let metrics = metrics.clone();
        let port = options.metrics_port;
        tokio::spawn(async move {
            if let Err(e) = serve::metrics(port, metrics).await {
                log::warn(
                    "",
                    &format!("metrics endpoint on port {port} stopped: {e:#}"),
                );
            }
        });
    }
    // Leader election: wait for the Lease before reconciling, keep renewing while running;
    // losing it ends the process (`keep` returns), so two replicas never act at once.
    let election = if options.leader_elect {
        let namespace = match &options.leader_election_namespace {
            Some(ns) => ns.clone(),
            None => client.default_namespace().to_owned(),
        };
        let identity = options
            .pod_name
            .clone()
            .context("--leader-elect needs $POD_NAME (or --pod-name): the replica's identity")?;
        let api: Api<Lease> = Api::namespaced(client.clone(), &namespace);
        let e = leader::Election::new(identity);
        log::info(
            "",
            &format!(
                "leader election: waiting for Lease {namespace}/{} as {}",
                leader::LEASE_NAME,
                e.identity
            ),
        );
        leader::acquire(&api, &e, &namespace).await?;
        log::info("", "leader election: leading");
        Some((api, e, namespace))
    } else {
        None
    };
    let reporter = Reporter {
        controller: reconcile::FIELD_MANAGER.to_owned(),
        instance: options.pod_name.clone(),
    };
    let ctx = Arc::new(Context {
        client: client.clone(),
        recorder: Recorder::new(client.clone(), reporter),
        timing: options.timing.clone(),
        metrics,
        identity: options
            .pod_name
            .clone()
            .unwrap_or_else(|| format!("pid-{}", std::process::id())),
    });
    let resource = api_resource();
    let apis: Vec<Api<DynamicObject>> = if options.watch_namespaces.is_empty() {
        vec![Api::all_with(client.clone(), &resource)]
    } else {
        options
            .watch_namespaces
            .iter()
            .map(|ns| Api::namespaced_with(client.clone(), ns, &resource))
            .collect()
    };
    // Owned workloads wake their cluster's pass when their pods come and go (readiness,
    // scale), instead of waiting for a requeue; only objects kubectl-ozone made are watched.
    let owned = watcher::Config::default().labels(&format!(
        "{}={}",
        ozone_generator::names::LABEL_MANAGED_BY,
        ozone_generator::names::MANAGER
    ));
    let namespaces: Vec<Option<String>> = if options.watch_namespaces.is_empty() {
        vec![None]
    } else {
        options.watch_namespaces.iter().cloned().map(Some).collect()
    };
    let controllers = apis.into_iter().zip(namespaces).map(|(api, ns)| {
        let statefulsets: Api<StatefulSet> = match &ns {
            Some(ns) => Api::namespaced(client.clone(), ns),
            None => Api::all(client.clone()),
        };
        let deployments: Api<Deployment> = match &ns {
            Some(ns) => Api::namespaced(client.clone(), ns),
            None => Api::all(client.clone()),
        };
        Controller::new_with(api, watcher::Config::default(), resource.clone())
            .owns(statefulsets, owned.clone())
            .owns(deployments, owned.clone())
            .shutdown_on_signal()
            .run(reconcile::reconcile, reconcile::error_policy, ctx.clone())
            .for_each(|result| async move {
                // A pass's own failures are logged by `error_policy` with the cluster named.
                if let Err(e) = result {
                    log::warn("", &format!("controller: {e}"));
                }
            })
    });
    ready.store(true, Ordering::Relaxed);
    log::info(
        "",
        &format!(
            "ozone-operator {} watching {}",
            env!("CARGO_PKG_VERSION"),
            if options.watch_namespaces.is_empty() {
                "every namespace".to_owned()
            } else {
                options.watch_namespaces.join(", ")
            }
        ),
    );
    let controllers = futures::future::join_all(controllers);
    match election {
        None => {
            controllers.await;
            Ok(())
        }
        Some((api, e, namespace)) => {
            tokio::select! {
                _ = controllers => {
                    // Shut down by a signal: hand the Lease over now.
                    if let Err(err) = leader::release(&api, &e).await {
                        log::warn("", &format!("leader election: cannot release the Lease: {err:#}"));
                    }
                    Ok(())
                }
                lost = leader::keep(&api, &e, &namespace) => lost,
            }
        }
    }
}
