//! Taking a backup: finds the SCM and OM leaders by their Raft roles, streams each one's
//! `/dbCheckpoint` (operations §2.1) through the pod proxy into `DIR/<name>.partial/`, writes
//! the manifest, and renames the directory to `DIR/<name>`: a directory under a backup's name
//! is always whole, an interrupted run leaves only `.partial`. The stream goes to disk in
//! fixed-size frames, so memory stays flat whatever the checkpoint's size
//! (`benches/backup_stream.rs`).

use crate::cluster::Session;
use crate::cluster::exec::OzoneReader;
use crate::cluster::proxy::ProxyGet;
use crate::cluster::view::{ClusterView, label};
use crate::error::BadInput;
use crate::events::{Event, Events};
use anyhow::{Context, Result, bail};
use ozone_generator::names::LABEL_VERSION;
use ozone_storage::Component;
use ozone_storage::admin::Query;
use ozone_storage::admin::roles::{parse_om_roles, parse_scm_roles};
use ozone_storage::backup::{self, BackupFile, Manifest};
use ozone_storage::config::{ConfigFile, Settings, effective_port, https_only};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to back up, and where to.
#[derive(Clone, Debug)]
pub struct CreateOptions {
    /// The local directory the backup is written under (created if missing).
    pub dir: PathBuf,
    /// Include bucket snapshot data in the OM checkpoint (on by itself when the cluster
    /// schedules snapshots).
    pub include_snapshot_data: bool,
}

/// A backup written.
#[derive(Clone, Debug)]
pub struct Created {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its directory.
    pub dir: PathBuf,
}

/// A member a checkpoint is taken from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Pod name.
    pub pod: String,
    /// Raft node id (the pod name for a single member).
    pub node_id: String,
}

/// The cluster's `ozone-site.xml` (and other files) as its ConfigMap sets them.
pub async fn cluster_settings(session: &Session, view: &ClusterView) -> Result<Settings> {
    let mut settings = Settings::new();
    if let Some(cm) = session.kube.config_map(&view.names.config_map()).await? {
        for (k, v) in cm.data.unwrap_or_default() {
            if let Some((file, key)) = ConfigFile::parse_env_name(&k) {
                settings.entry(file).or_default().insert(key.to_owned(), v);
            }
        }
    }
    Ok(settings)
}

/// The leader of a component's ring, or its only member.
pub async fn leader(
    view: &ClusterView,
    ozone: &OzoneReader,
    component: Component,
) -> Result<Source> {
    let pods: Vec<String> = view
        .pods_of(component)
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    match pods.as_slice() {
        [] => bail!("the cluster has no {} pod", component.title()),
        [only] => {
            return Ok(Source {
                pod: only.clone(),
                node_id: only.clone(),
            });
        }
        _ => {}
    }
    let (query, leaders): (Query, Vec<(String, String)>) = match component {
        Component::Om => {
            let q = Query::om_roles();
            let out = ozone.query(&q).await?;
            let roles = parse_om_roles(&out)?;
            let l = roles
                .into_iter()
                .filter(|r| r.role == "LEADER")
                .map(|r| (r.node_id, r.host))
                .collect();
            (q, l)
        }
        _ => {
            let q = Query::scm_roles();
            let out = ozone.query(&q).await?;
            let roles = parse_scm_roles(&out)?;
            let l = roles
                .into_iter()
                .filter(|r| r.role == "LEADER")
                .map(|r| (r.node_id.clone().unwrap_or_else(|| r.host.clone()), r.host))
                .collect();
            (q, l)
        }
    };
    let [(node_id, host)] = leaders.as_slice() else {
        bail!(
            "`{}` names {} leaders; a checkpoint is taken from the one leader of a healthy ring",
            query.argv().join(" "),
            leaders.len()
        );
    };
    let pod = pods
        .iter()
        .find(|p| *p == node_id || host.split('.').next() == Some(p.as_str()))
        .with_context(|| {
            format!(
                "the {} leader {node_id} ({host}) is not a pod of this cluster",
                component.title()
            )
        })?;
    Ok(Source {
        pod: pod.clone(),
        node_id: node_id.clone(),
    })
}

/// The scheme and port a component's HTTP server listens on under `settings`.
pub fn http_endpoint(component: Component, settings: &Settings) -> Result<(&'static str, u16)> {
    let port = component.service().known_port("http");
    let number = effective_port(port, settings)?;
    Ok((
        if https_only(settings) {
            "https"
        } else {
            "http"
        },
        number,
    ))
}

/// Takes a backup of `cluster` (the only one when `None`) into `options.dir`.
pub async fn create(
    session: &Session,
    cluster: Option<&str>,
    options: &CreateOptions,
    events: &mut dyn Events,
) -> Result<Created> {
    std::fs::create_dir_all(&options.dir)
        .map_err(|e| BadInput(format!("--dir {}: {e}", options.dir.display())))?;
    let view = crate::cluster::discover::find(&session.kube, cluster).await?;
    let ozone = OzoneReader::new(session.exec.clone(), view.exec_targets());
    let settings = cluster_settings(session, &view).await?;
    let scm = leader(&view, &ozone, Component::Scm).await?;
    let om = leader(&view, &ozone, Component::Om).await?;
    let include_snapshot_data = options.include_snapshot_data
        || session
            .kube
            .config_map(&format!("{}-snapshot-script", view.cluster()))
            .await?
            .is_some();
    let mut finalization = BTreeMap::new();
    for c in [Component::Om, Component::Scm] {
        match ozone.query(&Query::finalization_status(c)).await {
            Ok(out) => {
                finalization.insert(c.id().to_owned(), out.trim().to_owned());
            }
            Err(e) => events.note(format!(
                "note: finalization status of {} unknown: {e}",
                c.title()
            )),
        }
    }
    let cluster_id = cluster_id(&ozone, &settings, &scm, events).await;
    let now = k8s_openapi::jiff::Timestamp::now();
    let name = backup::backup_name(&now.strftime("%Y%m%d-%H%M%S").to_string());
    let final_dir = options.dir.join(&name);
    if final_dir.exists() {
        bail!(
            "{} exists already; wait a second and run again",
            final_dir.display()
        );
    }
    let partial = options.dir.join(format!("{name}.partial"));
    std::fs::create_dir(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let sources = Sources {
        scm: &scm,
        om: &om,
        include_snapshot_data,
    };
    let result = download_all(session, events, &settings, &sources, &partial).await;
    let files = match result {
        Ok(files) => files,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    let version = view
        .statefulset(Component::Om)
        .and_then(|s| label(&s.metadata, LABEL_VERSION))
        .unwrap_or("unknown")
        .to_owned();
    let manifest = Manifest {
        format: backup::FORMAT,
        name: name.clone(),
        cluster: view.cluster().to_owned(),
        namespace: session.namespace().to_owned(),
        cluster_id,
        om_node_ids: pod_names(&view, Component::Om),
        scm_node_ids: pod_names(&view, Component::Scm),
        leaders: BTreeMap::from([
            ("om".to_owned(), om.node_id.clone()),
            ("scm".to_owned(), scm.node_id.clone()),
        ]),
        version,
        finalization: (!finalization.is_empty()).then_some(finalization),
        created_at: now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        taken_by: "kubectl-ozone".into(),
        includes_snapshot_data: include_snapshot_data,
        files,
    };
    write_manifest(&partial, &manifest)?;
    std::fs::rename(&partial, &final_dir).with_context(|| {
        format!(
            "cannot rename {} to {}",
            partial.display(),
            final_dir.display()
        )
    })?;
    Ok(Created {
        manifest,
        dir: final_dir,
    })
}

/// Ozone's cluster id, from the `current/VERSION` file of the SCM the checkpoint comes from
/// (operations §2.5), at the path the cluster's configuration gives. Unreadable, it is left
/// out with a note: the backup is still whole, only `recover --from` cannot set the id then.
async fn cluster_id(
    ozone: &OzoneReader,
    settings: &Settings,
    scm: &Source,
    events: &mut dyn Events,
) -> Option<String> {
    let site = settings
        .get(&ConfigFile::OzoneSite)
        .cloned()
        .unwrap_or_default();
    let found = match backup::metadata_layout(Component::Scm, &site) {
        Ok(layout) => ozone
            .query_in(
                &scm.pod,
                &Query::version_file(Component::Scm, &layout.version_file),
            )
            .await
            .map_err(|e| e.to_string())
            .and_then(|text| {
                backup::version_file_cluster_id(&text)
                    .ok_or_else(|| format!("{} names no clusterID", layout.version_file))
            }),
        Err(e) => Err(e.to_string()),
    };
    match found {
        Ok(id) => Some(id),
        Err(e) => {
            events.note(format!("note: the manifest records no cluster id: {e}"));
            None
        }
    }
}

fn pod_names(view: &ClusterView, component: Component) -> Vec<String> {
    view.pods_of(component)
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect()
}

/// The members the checkpoints come from.
struct Sources<'a> {
    scm: &'a Source,
    om: &'a Source,
    include_snapshot_data: bool,
}

async fn download_all(
    session: &Session,
    events: &mut dyn Events,
    settings: &Settings,
    sources: &Sources<'_>,
    partial: &Path,
) -> Result<Vec<BackupFile>> {
    let mut files = Vec::new();
    // SCM first: the OM checkpoint then names no block the SCM checkpoint lacks.
    for (component, source) in [(Component::Scm, sources.scm), (Component::Om, sources.om)] {
        let (scheme, port) = http_endpoint(component, settings)?;
        let get = ProxyGet {
            scheme,
            pod: source.pod.clone(),
            port,
            path_and_query: format!(
                "{}?{}",
                backup::CHECKPOINT_PATH,
                backup::checkpoint_query(component, sources.include_snapshot_data)
            ),
            what: format!("the {} checkpoint", component.title()),
        };
        let file = format!("{}.tar", component.id());
        let message = format!("{} checkpoint from {}", component.title(), source.pod);
        let done = session
            .kube
            .proxy_download(&get, &partial.join(&file), &mut |total| {
                events.emit(Event::Transferred {
                    message: &message,
                    total,
                })
            })
            .await?;
        events.waited(&format!(
            "{message}: {} (sha256 {})",
            crate::size::bytes(done.size),
            done.sha256
        ));
        files.push(BackupFile {
            component: component.id().to_owned(),
            file,
            size: done.size,
            sha256: done.sha256,
        });
    }
    files.sort_by(|a, b| a.component.cmp(&b.component));
    Ok(files)
}

/// Writes `manifest.json` through a temporary file, so it is whole or absent.
fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut tmp, manifest)?;
    tmp.write_all(b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist(dir.join(backup::MANIFEST))
        .map_err(|e| e.error)
        .context("cannot write manifest.json")?;
    Ok(())
}
