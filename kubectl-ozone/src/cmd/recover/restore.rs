//! `kubectl ozone recover --from DIR/NAME`: the documented recovery of a cluster with one OM
//! and one SCM whose metadata is lost or corrupt (operations §2.3 "Non-HA OM or SCM lost
//! disk": full downtime, the backup placed into the DB directories). The backup is verified
//! locally first; then every workload is stopped (its replicas recorded, as `upgrade` does),
//! each checkpoint is streamed into a restore pod that mounts the component's volume
//! ([`pod`]) and checked and unpacked there, and the cluster starts SCM → OM → datanodes →
//! the rest, each waited for, until the OM answers a bucket list. Each phase is recorded on the
//! SCM StatefulSet, so the same command finishes an interrupted run.
//!
//! An HA ring is refused: restoring a whole ring from one checkpoint is not documented
//! upstream (operations §2.3). A lost member is re-bootstrapped instead (`recover om|scm POD`);
//! total loss is restored into a new single-OM, single-SCM cluster (CloudNativePG's rule,
//! operations §2.4), with `--into-cluster`.

pub mod pod;

use crate::cmd::backup::create::cluster_settings;
use crate::cmd::backup::verify;
use crate::cmd::common::{ChangeArgs, ClusterArgs, Presented, flags_hint, is_data};
use crate::cmd::common::{present_plan, print_plan};
use crate::cmd::upgrade::start::scale_or_wait;
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use k8s_openapi::api::core::v1::Pod;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::act::{Actuator, WorkloadKind};
use ozone_engine::cluster::discover;
use ozone_engine::cluster::exec::OzoneReader;
use ozone_engine::cluster::view::KubeReader;
use ozone_engine::plan::preflight::Check;
use ozone_engine::plan::upgrade::{self, Workload};
use ozone_engine::plan::{Plan, Step};
use ozone_engine::pods::restart::Waits;
use ozone_engine::pods::rolling::with_resume;
use ozone_storage::Component;
use ozone_storage::admin::Query;
use ozone_storage::backup::{BackupFile, Manifest, MetadataLayout, metadata_layout};
use ozone_storage::config::ConfigFile;
use ozone_storage::versions::Version;
use pod::Placement;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::time::Instant;

pub(crate) const EXAMPLES: &str = "Examples:
  # See the plan: checks, the stop, the restore pods, the start order
  kubectl ozone recover --from backups/backup-20261201-030000 --dry-run

  # Without a terminal: --yes and the cluster's name, confirming its metadata is replaced
  kubectl ozone recover --from backups/backup-20261201-030000 --yes --confirm-cluster ozone

  # Total loss of an HA cluster: render and apply a NEW cluster with one OM and one SCM,
  # then restore into it
  kubectl ozone recover --from backups/backup-20261201-030000 -n ozone-new --name ozone --into-cluster";

/// The backup being restored, on the SCM StatefulSet.
pub const BACKUP_ANNOTATION: &str = "ozone.apache.org/restore-backup";
/// How far the restore got ([`Phase`]), on the SCM StatefulSet.
pub const PHASE_ANNOTATION: &str = "ozone.apache.org/restore-phase";
/// Flag that skips the version check.
pub const SKIP_VERSION: &str = "--skip-version-check";
/// Flag that allows a backup of another cluster (or namespace).
pub const INTO_CLUSTER: &str = "--into-cluster";

/// `recover --from` arguments.
#[derive(Debug, Args, Clone)]
pub struct FromArgs {
    /// The backup directory (DIR/backup-<time>, as `backup create` or the schedule wrote it).
    #[arg(long = "from", value_name = "DIR/NAME")]
    pub backup: Option<PathBuf>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags. The procedure always waits for each phase; --timeout bounds the run.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Restore a backup of another cluster or namespace: into a NEW cluster rendered and
    /// applied for the purpose (never into a different running one).
    #[arg(long)]
    pub into_cluster: bool,
    /// The cluster's name, confirming without a terminal (with --yes) that its OM and SCM
    /// metadata is replaced.
    #[arg(long, value_name = "NAME")]
    pub confirm_cluster: Option<String>,
    /// Skip the check that the backup was taken on an Ozone no newer than the running one.
    #[arg(long)]
    pub skip_version_check: bool,
}

/// How far a restore got, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// The backup is recorded; nothing changed yet.
    Planned,
    /// Every workload is at 0 replicas and its pods are gone.
    Stopped,
    /// SCM's checkpoint is in place.
    ScmPlaced,
    /// OM's checkpoint is in place.
    OmPlaced,
    /// Everything runs again.
    Started,
    /// The OM answered a bucket list: done.
    Restored,
}

impl Phase {
    const ALL: [Phase; 6] = [
        Phase::Planned,
        Phase::Stopped,
        Phase::ScmPlaced,
        Phase::OmPlaced,
        Phase::Started,
        Phase::Restored,
    ];

    /// As recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Planned => "planned",
            Phase::Stopped => "stopped",
            Phase::ScmPlaced => "scm-placed",
            Phase::OmPlaced => "om-placed",
            Phase::Started => "started",
            Phase::Restored => "restored",
        }
    }

    /// Parses a recorded phase.
    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }

    fn placed(component: Component) -> Phase {
        if component == Component::Scm {
            Phase::ScmPlaced
        } else {
            Phase::OmPlaced
        }
    }
}

/// The restore record on the SCM workload: backup name and phase.
pub fn record(workloads: &[Workload]) -> Option<(String, Phase)> {
    let scm = workloads.iter().find(|w| w.component == Component::Scm)?;
    Some((
        scm.annotations.get(BACKUP_ANNOTATION)?.clone(),
        Phase::parse(scm.annotations.get(PHASE_ANNOTATION)?)?,
    ))
}

/// Start order of a restore: SCM, then OM (the namespace must answer before anything writes),
/// then datanodes, then Recon and the gateways.
pub const START_ORDER: [Component; 6] = [
    Component::Scm,
    Component::Om,
    Component::Datanode,
    Component::Recon,
    Component::S3g,
    Component::Httpfs,
];

/// One thing to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Record the backup and phase on the SCM StatefulSet.
    Record(Phase),
    /// Stop, start or wait for a workload (the upgrade engine's actions).
    Workload(upgrade::Action),
    /// Create the component's restore pod and wait until it runs.
    CreatePod(Component),
    /// Stream, check and unpack the component's checkpoint in its restore pod.
    Place(Component),
    /// Delete the component's restore pod and wait until it is gone.
    DeletePod(Component),
    /// Wait until the OM answers a bucket list.
    CheckOm,
}

/// The procedure, from the phase the record says was reached (none: a fresh run).
pub fn plan(workloads: &[Workload], phase: Option<Phase>) -> Vec<Action> {
    let reached = |p: Phase| phase.is_some_and(|r| r >= p);
    let in_order = |order: [Component; 6]| -> Vec<&Workload> {
        order
            .iter()
            .flat_map(|c| workloads.iter().filter(move |w| w.component == *c))
            .collect()
    };
    let mut out = Vec::new();
    if phase.is_none() {
        out.push(Action::Record(Phase::Planned));
    }
    if !reached(Phase::Stopped) {
        for w in in_order(upgrade::STOP_ORDER) {
            if w.replicas > 0 {
                out.push(Action::Workload(upgrade::Action::Stop {
                    kind: w.kind,
                    name: w.name.clone(),
                    replicas: w.replicas,
                }));
            }
            out.push(Action::Workload(upgrade::Action::WaitGone(w.component)));
        }
        out.push(Action::Record(Phase::Stopped));
    }
    // SCM first, as the backup was taken: the OM's blocks are then all known to SCM.
    for c in [Component::Scm, Component::Om] {
        if !reached(Phase::placed(c)) {
            out.extend([
                Action::CreatePod(c),
                Action::Place(c),
                Action::DeletePod(c),
                Action::Record(Phase::placed(c)),
            ]);
        }
    }
    if !reached(Phase::Started) {
        for w in in_order(START_ORDER) {
            let n = w.start_replicas();
            if n == 0 {
                continue;
            }
            if !reached(Phase::Stopped) || w.replicas < n {
                out.push(Action::Workload(upgrade::Action::Start {
                    kind: w.kind,
                    name: w.name.clone(),
                    replicas: n,
                }));
            }
            out.push(Action::Workload(upgrade::Action::WaitReady(w.component, n)));
        }
        out.push(Action::Record(Phase::Started));
    }
    if !reached(Phase::Restored) {
        out.push(Action::CheckOm);
        out.push(Action::Record(Phase::Restored));
    }
    out
}

/// What a step acts on: the anchor StatefulSet, the backup, and per component where its
/// checkpoint goes.
struct Subject {
    anchor: String,
    backup: PathBuf,
    manifest: Manifest,
    targets: BTreeMap<Component, Target>,
}

/// One component's restore: its placement, layout and checkpoint file.
struct Target {
    placement: Placement,
    layout: MetadataLayout,
    file: BackupFile,
    pod: Pod,
}

impl Subject {
    fn step(&self, action: &Action) -> Step {
        match action {
            Action::Record(phase) => Step::RecordRestore {
                name: self.anchor.clone(),
                backup: self.manifest.name.clone(),
                phase: phase.as_str().into(),
            },
            Action::Workload(a) => a.step(),
            Action::CreatePod(c) => {
                let t = &self.targets[c];
                Step::CreateRestorePod {
                    pod: t.placement.pod.clone(),
                    component: c.id().into(),
                    pvc: t.placement.pvc.clone(),
                }
            }
            Action::Place(c) => {
                let t = &self.targets[c];
                Step::PlaceCheckpoint {
                    pod: t.placement.pod.clone(),
                    file: self.backup.join(&t.file.file).display().to_string(),
                    size: t.file.size,
                    sha256: t.file.sha256.clone(),
                    db: t.layout.db.join(" or "),
                }
            }
            Action::DeletePod(c) => Step::DeleteRestorePod {
                pod: self.targets[c].placement.pod.clone(),
            },
            Action::CheckOm => Step::CheckOzone {
                component: "om".into(),
                argv: Query::s3_bucket_list().argv().to_vec(),
            },
        }
    }
}

/// What the restore script prints last.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Placed {
    received: u64,
    sha256: String,
    db: String,
    moved_aside: Vec<String>,
    cluster_id: String,
}

/// The command that resumes.
fn resume_command(session: &Session, cluster: &str, a: &FromArgs) -> String {
    let mut cmd = format!(
        "kubectl ozone recover --from {} {}",
        a.backup
            .as_deref()
            .unwrap_or(std::path::Path::new("DIR/NAME"))
            .display(),
        flags_hint(session, cluster, &a.cluster)
    );
    // The checks run again on a resumed run, so what skipped them must be given again.
    if a.into_cluster {
        cmd.push_str(" --into-cluster");
    }
    if a.skip_version_check {
        cmd.push_str(" --skip-version-check");
    }
    cmd
}

/// Why an HA cluster is refused, and the two routes that exist.
fn ha_refusal(cluster: &str, oms: i32, scms: i32) -> String {
    format!(
        "refused: cluster {cluster} runs {oms} OM and {scms} SCM replicas; restoring a whole HA ring from a checkpoint is not documented upstream (every member's DB and Ratis log would have to agree), so recover --from restores only a single OM and a single SCM. Nothing was changed. Instead:\n  - one member lost its disk: kubectl ozone recover om POD | kubectl ozone recover scm POD (it re-bootstraps from the ring's leader)\n  - the whole ring is lost: render and apply a NEW cluster with one OM and one SCM (that keeps the old datanode volumes), then: kubectl ozone recover --from DIR/NAME -n NEW_NAMESPACE --name NEW_CLUSTER --into-cluster"
    )
}

/// Runs `recover --from`.
pub async fn run(
    session: &Session,
    io: &mut Io,
    a: &FromArgs,
    backup: &std::path::Path,
) -> Result<ExitCode> {
    let started = Instant::now();
    // Verified before anything else: a damaged backup is refused with nothing changed.
    let (manifest, checks) = verify::check(backup)?;
    let damaged: Vec<String> = checks
        .iter()
        .filter(|c| !c.problems.is_empty())
        .map(|c| format!("{}: {}", c.file, c.problems.join("; ")))
        .collect();
    if !damaged.is_empty() {
        bail!(
            "refused: backup {} does not verify, nothing was changed:\n  {}",
            backup.display(),
            damaged.join("\n  ")
        );
    }
    let view = discover::find(&session.kube, a.cluster.name.as_deref()).await?;
    let cluster = view.cluster().to_owned();
    let workloads = upgrade::workloads(&view);
    let count = |c: Component| -> i32 {
        workloads
            .iter()
            .filter(|w| w.component == c)
            .map(Workload::start_replicas)
            .sum()
    };
    let (oms, scms) = (count(Component::Om), count(Component::Scm));
    if oms > 1 || scms > 1 {
        bail!(ha_refusal(&cluster, oms, scms));
    }
    if oms == 0 || scms == 0 {
        bail!(
            "refused: cluster {cluster} has no OM or no SCM replica to restore into (OM {oms}, SCM {scms}); scale it back to 1 (or apply its spec) first; nothing was changed"
        );
    }
    if let Some(r) = upgrade::record(&workloads).filter(|r| !r.phase.is_done()) {
        bail!(
            "refused: an upgrade of cluster {cluster} to {} is in progress (phase {}); finish it first with `kubectl ozone upgrade --to {}`; nothing was changed",
            r.target,
            r.phase.as_str(),
            r.target
        );
    }
    let resume = resume_command(session, &cluster, a);
    let phase = match record(&workloads) {
        Some((backup, p)) if p != Phase::Restored && backup != manifest.name => bail!(
            "refused: a restore of cluster {cluster} from backup {backup} is in progress (phase {}); finish it first with the same command naming that backup; nothing more was changed",
            p.as_str()
        ),
        Some((_, p)) if p != Phase::Restored => Some(p),
        _ => None,
    };
    let scm = workloads
        .iter()
        .find(|w| w.component == Component::Scm)
        .ok_or_else(|| anyhow!("cluster {cluster} has no SCM StatefulSet"))?;
    let namespace = session.namespace().to_owned();
    let mut plan_checks = vec![Check::run("backup", "", false, || {
        Ok(format!(
            "{} verified: sizes, sha256 and RocksDB contents of {}",
            manifest.name,
            manifest
                .files
                .iter()
                .map(|f| f.file.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })];
    plan_checks.push(Check::run("cluster", INTO_CLUSTER, a.into_cluster, || {
        if manifest.cluster == cluster && manifest.namespace == namespace {
            Ok(format!(
                "the backup was taken from this cluster ({cluster} in {namespace})"
            ))
        } else {
            Err(format!(
                "the backup was taken from cluster {} in namespace {}, not {cluster} in {namespace}; to restore it into a NEW cluster made for the purpose, add {INTO_CLUSTER}",
                manifest.cluster, manifest.namespace
            ))
        }
    }));
    let running = scm.version();
    plan_checks.push(Check::run(
        "version",
        SKIP_VERSION,
        a.skip_version_check,
        || version_check(&manifest.version, running),
    ));
    let settings = cluster_settings(session, &view).await?;
    let site = settings
        .get(&ConfigFile::OzoneSite)
        .cloned()
        .unwrap_or_default();
    let mut targets = BTreeMap::new();
    for c in [Component::Scm, Component::Om] {
        let workload = workloads
            .iter()
            .find(|w| w.component == c && w.kind == WorkloadKind::StatefulSet)
            .ok_or_else(|| anyhow!("cluster {cluster} has no {} StatefulSet", c.title()))?;
        let sts = view
            .statefulsets
            .iter()
            .find(|s| s.metadata.name.as_deref() == Some(&workload.name))
            .ok_or_else(|| anyhow!("statefulset {} vanished", workload.name))?;
        let placement = pod::placement(&cluster, sts, workload)?;
        let pod = pod::restore_pod(&cluster, sts, &placement)?;
        let file = manifest
            .file(c)
            .cloned()
            .ok_or_else(|| anyhow!("the manifest lists no {} checkpoint", c.id()))?;
        targets.insert(
            c,
            Target {
                placement,
                layout: metadata_layout(c, &site)?,
                file,
                pod,
            },
        );
    }
    let ctx = Subject {
        anchor: scm.name.clone(),
        backup: backup.to_path_buf(),
        manifest: manifest.clone(),
        targets,
    };
    let actions = plan(&workloads, phase);
    let mut notes = vec![format!(
        "restore from {} (taken {} from {} in {}, Ozone {}): every pod stops (downtime); the OM and SCM metadata now on their volumes is moved aside (kept beside it, suffix .before-restore-{}), with their Ratis logs; every write since the backup is lost",
        manifest.name,
        manifest.created_at,
        manifest.cluster,
        manifest.namespace,
        manifest.version,
        manifest.name
    )];
    notes.push(match &manifest.cluster_id {
        Some(id) => format!(
            "cluster id {id} (from the backup) is written into the OM and SCM VERSION files where they name another"
        ),
        None => "the backup records no cluster id: the VERSION files on the volumes are kept as they are (the datanodes must know the same cluster id)".into(),
    });
    notes.push(
        "SCM is not expected out of safe mode until the datanodes report their containers; the OM answering a bucket list is the final check".into(),
    );
    if let Some(p) = phase {
        notes.push(format!(
            "resuming: phase {} was reached; the backup was verified again just now",
            p.as_str()
        ));
    }
    let plan_data = Plan {
        action: "restore OM and SCM metadata from a backup".into(),
        cluster: cluster.clone(),
        namespace: namespace.clone(),
        dry_run: a.change.is_dry_run(),
        targets: Vec::new(),
        checks: plan_checks,
        notes,
        steps: actions.iter().map(|x| ctx.step(x)).collect(),
    };
    if present_plan(io, &plan_data, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    if a.change.yes && a.confirm_cluster.as_deref() != Some(cluster.as_str()) {
        return Err(BadInput(format!(
            "--yes replaces the OM and SCM metadata of cluster {cluster}: add --confirm-cluster {cluster} to confirm it without a terminal{}",
            match &a.confirm_cluster {
                Some(other) => format!(" (--confirm-cluster names {other})"),
                None => String::new(),
            }
        ))
        .into());
    }
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::DataLoss,
        a.change.yes,
        &format!(
            "stop every pod of cluster {cluster} and replace its OM and SCM metadata with backup {}? Type the cluster's name to confirm",
            manifest.name
        ),
        &cluster,
    )?;
    let ozone = OzoneReader::new(
        session.exec.clone(),
        crate::cmd::upgrade::exec_targets(&view, &workloads),
    );
    let act = Actuator::new(&session.kube, &ozone, confirmed);
    let runner = Runner {
        kube: &session.kube,
        act: &act,
        ozone: &ozone,
        cluster: &cluster,
        ctx: &ctx,
        waits: Waits {
            interval: a.change.poll_interval,
            deadline: a.change.timeout.map(|t| started + t),
            started,
            resume: resume.clone(),
        },
    };
    let total = actions.len();
    for (i, action) in actions.iter().enumerate() {
        io.note(format!(
            "[{}/{total}] {}",
            i + 1,
            ctx.step(action).describe()
        ));
        with_resume(runner.act_on(io, action).await, &resume)?;
    }
    io.note(format!(
        "cluster {cluster} runs on the metadata of backup {}; SCM leaves safe mode once enough datanodes have reported. The replaced metadata stays beside the new one (suffix .before-restore-{}) until you delete it",
        manifest.name, manifest.name
    ));
    if is_data(a.change.format) {
        print_plan(io, &plan_data, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A backup from a newer Ozone than the one running cannot be read by it.
fn version_check(backup: &str, running: Option<Version>) -> Result<String, String> {
    let Some(taken) = Version::parse(backup) else {
        return Err(format!(
            "the backup's Ozone version {backup:?} is not a release number, so it cannot be compared with the running one ({SKIP_VERSION} if you know it is no newer)"
        ));
    };
    let Some(running) = running else {
        return Err(format!(
            "the running Ozone version cannot be told from the SCM image ({SKIP_VERSION} if you know it is no older than {taken})"
        ));
    };
    if taken > running {
        Err(format!(
            "the backup was taken on Ozone {taken}, newer than the running {running}: an older Ozone cannot read a newer layout; upgrade the cluster to {taken} first"
        ))
    } else {
        Ok(format!(
            "the backup was taken on Ozone {taken}; the cluster runs {running}"
        ))
    }
}

/// Carries out actions.
struct Runner<'a> {
    kube: &'a KubeReader,
    act: &'a Actuator,
    ozone: &'a OzoneReader,
    cluster: &'a str,
    ctx: &'a Subject,
    waits: Waits,
}

impl Runner<'_> {
    async fn act_on(&self, io: &mut Io, action: &Action) -> Result<()> {
        match action {
            Action::Record(phase) => {
                let annotations = BTreeMap::from([
                    (
                        BACKUP_ANNOTATION.to_owned(),
                        Some(self.ctx.manifest.name.clone()),
                    ),
                    (PHASE_ANNOTATION.to_owned(), Some(phase.as_str().to_owned())),
                ]);
                self.act
                    .annotate_workload(WorkloadKind::StatefulSet, &self.ctx.anchor, &annotations)
                    .await?;
            }
            Action::Workload(w) => {
                scale_or_wait(self.act, self.kube, &self.waits, self.cluster, w).await?;
            }
            Action::CreatePod(c) => {
                let t = &self.ctx.targets[c];
                if !self.act.create_pod(&t.pod).await? {
                    io.note(format!(
                        "pod {} exists already (left by an earlier run); using it",
                        t.placement.pod
                    ));
                }
                let name = t.placement.pod.clone();
                self.waits
                    .until(&format!("pod {name} to run"), || async {
                        let pod = self.kube.pod(&name).await?;
                        let phase = pod
                            .as_ref()
                            .and_then(|p| p.status.as_ref())
                            .and_then(|s| s.phase.clone())
                            .unwrap_or_default();
                        match phase.as_str() {
                            "Running" => Ok(Some(())),
                            "Failed" | "Succeeded" => Err(anyhow!(
                                "restore pod {name} ended ({phase}) before the checkpoint was placed; see `kubectl describe pod {name}`"
                            )),
                            _ => Ok(None),
                        }
                    })
                    .await?;
            }
            Action::Place(c) => self.place(io, *c).await?,
            Action::DeletePod(c) => {
                let name = self.ctx.targets[c].placement.pod.clone();
                self.act.delete_pod(&name).await?;
                self.waits
                    .until(&format!("pod {name} to be gone"), || async {
                        Ok(self.kube.pod(&name).await?.is_none().then_some(()))
                    })
                    .await?;
            }
            Action::CheckOm => {
                let q = Query::s3_bucket_list();
                let buckets = self
                    .waits
                    .until("the OM to answer a bucket list", || async {
                        // OM answers only once it is up; until then keep polling.
                        Ok(match self.ozone.query(&q).await {
                            Ok(out) => ozone_storage::s3::parse_bucket_list(&out).ok(),
                            Err(_) => None,
                        })
                    })
                    .await?;
                io.note(format!(
                    "the OM answers: {} bucket(s) in /s3v",
                    buckets.len()
                ));
            }
        }
        Ok(())
    }

    async fn place(&self, io: &mut Io, c: Component) -> Result<()> {
        let t = &self.ctx.targets[&c];
        let path = self.ctx.backup.join(&t.file.file);
        let args = serde_json::json!({
            "component": c.id(),
            "backup": self.ctx.manifest.name,
            "size": t.file.size,
            "sha256": t.file.sha256,
            "clusterId": self.ctx.manifest.cluster_id,
            "db": t.layout.db,
            "versionFile": t.layout.version_file,
            "ratis": t.layout.ratis,
        });
        let argv = vec![
            "python3".to_owned(),
            "-c".to_owned(),
            pod::SCRIPT.to_owned(),
            args.to_string(),
        ];
        let file = tokio::fs::File::open(&path)
            .await
            .with_context(|| format!("cannot open {}", path.display()))?;
        let out = self
            .act
            .stream_into_pod(
                &t.placement.pod,
                &t.placement.container,
                &argv,
                Box::new(file),
            )
            .await?;
        if out.exit_code != 0 {
            bail!(
                "placing the {} checkpoint in pod {} failed (exit code {}): {}",
                c.title(),
                t.placement.pod,
                out.exit_code,
                out.stderr.trim()
            );
        }
        let placed: Placed = out
            .stdout
            .lines()
            .last()
            .and_then(|l| serde_json::from_str(l).ok())
            .ok_or_else(|| {
                anyhow!(
                    "the restore pod {} did not report what it placed: {}",
                    t.placement.pod,
                    out.stdout.trim()
                )
            })?;
        if placed.received != t.file.size || placed.sha256 != t.file.sha256 {
            bail!(
                "pod {} reports {} bytes with sha256 {}, not the backup's {} bytes with sha256 {}",
                t.placement.pod,
                placed.received,
                placed.sha256,
                t.file.size,
                t.file.sha256
            );
        }
        io.note(format!(
            "{} checkpoint placed as {} ({} bytes, sha256 checked in the pod); moved aside: {}; cluster id in VERSION: {}",
            c.title(),
            placed.db,
            placed.received,
            if placed.moved_aside.is_empty() {
                "nothing".to_owned()
            } else {
                placed.moved_aside.join(", ")
            },
            placed.cluster_id
        ));
        Ok(())
    }
}
