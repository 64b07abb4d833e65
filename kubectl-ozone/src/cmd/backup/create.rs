//! `backup create`: finds the SCM and OM leaders by their Raft roles, streams each one's
//! `/dbCheckpoint` (operations §2.1) through the pod proxy into `DIR/<name>.partial/`, writes
//! the manifest, and renames the directory to `DIR/<name>`: a directory under a backup's name
//! is always whole, an interrupted run leaves only `.partial`.

use crate::cmd::common::ClusterArgs;
use crate::exit::BadInput;
use crate::ui::progress::{ProgressMode, Transfer};
use crate::ui::{Format, Io, bytes, structured, table};
use anyhow::{Context, Result, bail};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::proxy::ProxyGet;
use ozone_engine::cluster::view::{ClusterView, label};
use ozone_generator::names::LABEL_VERSION;
use ozone_storage::Component;
use ozone_storage::admin::Query;
use ozone_storage::admin::roles::{parse_om_roles, parse_scm_roles};
use ozone_storage::backup::{self, BackupFile, Manifest};
use ozone_storage::config::{ConfigFile, Settings, effective_port, https_only};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `backup create` arguments.
#[derive(Debug, Args, Clone)]
pub struct CreateArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The local directory the backup is written under (created if missing).
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Include bucket snapshot data in the OM checkpoint. On by itself when the cluster
    /// schedules snapshots (spec.snapshots); set it when snapshots are made by hand.
    #[arg(long)]
    pub include_snapshot_data: bool,
    /// Progress display.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// Output format of the result (json|yaml print the manifest).
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
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

/// Runs `backup create`.
pub async fn run(session: &Session, io: &mut Io, args: &CreateArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| BadInput(format!("--dir {}: {e}", args.dir.display())))?;
    let (view, ozone) = crate::cmd::snapshot::connect(session, &args.cluster).await?;
    let settings = cluster_settings(session, &view).await?;
    let scm = leader(&view, &ozone, Component::Scm).await?;
    let om = leader(&view, &ozone, Component::Om).await?;
    let include_snapshot_data = args.include_snapshot_data
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
            Err(e) => io.note(format!(
                "note: finalization status of {} unknown: {e}",
                c.title()
            )),
        }
    }
    let cluster_id = cluster_id(&ozone, &settings, &scm, io).await;
    let now = k8s_openapi::jiff::Timestamp::now();
    let name = backup::backup_name(&now.strftime("%Y%m%d-%H%M%S").to_string());
    let final_dir = args.dir.join(&name);
    if final_dir.exists() {
        bail!(
            "{} exists already; wait a second and run again",
            final_dir.display()
        );
    }
    let partial = args.dir.join(format!("{name}.partial"));
    std::fs::create_dir(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let result = download_all(
        session,
        io,
        args,
        &settings,
        &scm,
        &om,
        include_snapshot_data,
        &partial,
    )
    .await;
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
    match structured(args.format, &manifest)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => {
            let rows: Vec<Vec<String>> = manifest
                .files
                .iter()
                .map(|f| {
                    vec![
                        f.component.to_uppercase(),
                        manifest
                            .leaders
                            .get(&f.component)
                            .cloned()
                            .unwrap_or_default(),
                        bytes(f.size),
                        f.sha256.clone(),
                    ]
                })
                .collect();
            writeln!(io.out, "backup {} written to {}", name, final_dir.display())?;
            io.out.write_all(
                table::render(&["COMPONENT", "FROM", "SIZE", "SHA256"], &rows).as_bytes(),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Ozone's cluster id, from the `current/VERSION` file of the SCM the checkpoint comes from
/// (operations §2.5), at the path the cluster's configuration gives. Unreadable, it is left
/// out with a note: the backup is still whole, only `recover --from` cannot set the id then.
async fn cluster_id(
    ozone: &OzoneReader,
    settings: &Settings,
    scm: &Source,
    io: &mut Io,
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
            io.note(format!("note: the manifest records no cluster id: {e}"));
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

#[allow(clippy::too_many_arguments)] // One call site; a struct would only rename them.
async fn download_all(
    session: &Session,
    io: &mut Io,
    args: &CreateArgs,
    settings: &Settings,
    scm: &Source,
    om: &Source,
    include_snapshot_data: bool,
    partial: &Path,
) -> Result<Vec<BackupFile>> {
    let mut files = Vec::new();
    // SCM first: the OM checkpoint then names no block the SCM checkpoint lacks.
    for (component, source) in [(Component::Scm, scm), (Component::Om, om)] {
        let (scheme, port) = http_endpoint(component, settings)?;
        let get = ProxyGet {
            scheme,
            pod: source.pod.clone(),
            port,
            path_and_query: format!(
                "{}?{}",
                backup::CHECKPOINT_PATH,
                backup::checkpoint_query(component, include_snapshot_data)
            ),
            what: format!("the {} checkpoint", component.title()),
        };
        let file = format!("{}.tar", component.id());
        let message = format!("{} checkpoint from {}", component.title(), source.pod);
        let mut transfer = Transfer::new(args.progress, io, &message);
        let done = {
            let io_ref = &mut *io;
            let transfer_ref = &mut transfer;
            session
                .kube
                .proxy_download(&get, &partial.join(&file), &mut |n| {
                    transfer_ref.update(io_ref, n)
                })
                .await?
        };
        transfer.finish(
            io,
            &format!("{message}: {} (sha256 {})", bytes(done.size), done.sha256),
        );
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

use std::io::Write;
