//! Metadata backups: what a backup directory holds and how its manifest reads. A backup is a
//! directory `backup-<YYYYMMDD-HHMMSS>` (UTC) with the OM and SCM checkpoints as served by
//! `/dbCheckpoint` (`om.tar`, `scm.tar`, operations §2.1) and `manifest.json`. The plugin's
//! `backup create` and the scheduled job (`generator/scripts/backup.py`) write the same shape;
//! `backup verify` and `recover --from` read it.

use crate::Component;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The manifest's file name inside a backup directory.
pub const MANIFEST: &str = "manifest.json";
/// The manifest format this code writes and reads.
pub const FORMAT: u32 = 1;
/// The query every checkpoint download sends: memtables flushed first, so the checkpoint
/// holds every committed write (operations §2.1).
pub const FLUSH: &str = "flushBeforeCheckpoint=true";
/// The servlet path on the OM and SCM HTTP ports (operations §2.1).
pub const CHECKPOINT_PATH: &str = "/dbCheckpoint";

/// One checkpoint file of a backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupFile {
    /// `om` or `scm`.
    pub component: String,
    /// File name inside the backup directory.
    pub file: String,
    /// Bytes.
    pub size: u64,
    /// Hex SHA-256 of the file.
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: u32,
    /// The backup's name (its directory).
    pub name: String,
    /// Cluster name (`app.kubernetes.io/instance`).
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// Ozone's cluster id, when known.
    #[serde(default)]
    pub cluster_id: Option<String>,
    /// OM node ids.
    #[serde(default)]
    pub om_node_ids: Vec<String>,
    /// SCM node ids.
    #[serde(default)]
    pub scm_node_ids: Vec<String>,
    /// The node each checkpoint came from: `om` and `scm` → node id.
    #[serde(default)]
    pub leaders: BTreeMap<String, String>,
    /// Ozone version running when the backup was taken.
    pub version: String,
    /// `ozone admin om|scm finalizationstatus` per component, when known.
    #[serde(default)]
    pub finalization: Option<BTreeMap<String, String>>,
    /// RFC 3339 UTC time the backup was started.
    pub created_at: String,
    /// `kubectl-ozone` or `schedule`.
    pub taken_by: String,
    /// Whether the OM checkpoint carries bucket snapshot data.
    #[serde(default)]
    pub includes_snapshot_data: bool,
    /// The checkpoints.
    pub files: Vec<BackupFile>,
}

impl Manifest {
    /// The entry of a component's checkpoint.
    pub fn file(&self, component: Component) -> Option<&BackupFile> {
        self.files.iter().find(|f| f.component == component.id())
    }
}

/// Why a manifest cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    /// Not JSON of the manifest's shape.
    #[error("manifest.json: {0}")]
    Parse(String),
    /// Written by a newer tool.
    #[error("manifest.json: format {0} is not supported (this version reads format {FORMAT})")]
    Format(u32),
    /// A file name that would leave the backup directory.
    #[error("manifest.json: file name {0:?} is not a plain file name")]
    FileName(String),
    /// A checkpoint is missing from the list.
    #[error("manifest.json: lists no {0} checkpoint")]
    Missing(&'static str),
}

/// Parses and checks a manifest.
pub fn parse_manifest(text: &str) -> Result<Manifest, ManifestError> {
    let m: Manifest =
        serde_json::from_str(text).map_err(|e| ManifestError::Parse(e.to_string()))?;
    if m.format != FORMAT {
        return Err(ManifestError::Format(m.format));
    }
    for f in &m.files {
        if f.file.is_empty() || f.file.contains(['/', '\\']) || f.file == "." || f.file == ".." {
            return Err(ManifestError::FileName(f.file.clone()));
        }
    }
    for c in [Component::Om, Component::Scm] {
        if m.file(c).is_none() {
            return Err(ManifestError::Missing(c.id()));
        }
    }
    Ok(m)
}

/// The name of a backup started at `stamp` (`YYYYMMDD-HHMMSS`, UTC).
pub fn backup_name(stamp: &str) -> String {
    format!("backup-{stamp}")
}

/// Whether `name` is a backup directory name.
pub fn is_backup_name(name: &str) -> bool {
    name.strip_prefix("backup-").is_some_and(|s| {
        let b = s.as_bytes();
        b.len() == 15
            && b[8] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 8 || c.is_ascii_digit())
    })
}

/// The query string of a checkpoint download.
pub fn checkpoint_query(component: Component, include_snapshot_data: bool) -> String {
    if component == Component::Om {
        format!("{FLUSH}&includeSnapshotData={include_snapshot_data}")
    } else {
        FLUSH.to_owned()
    }
}

/// What a tar of a RocksDB checkpoint must hold, from the names of its entries: `CURRENT`,
/// at least one `MANIFEST-*` and at least one `*.sst`, in any one directory level.
pub fn missing_rocksdb_files<'a>(entries: impl IntoIterator<Item = &'a str>) -> Vec<&'static str> {
    let (mut current, mut manifest, mut sst) = (false, false, false);
    for entry in entries {
        let base = entry
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(entry);
        current |= base == "CURRENT";
        manifest |= base.starts_with("MANIFEST-");
        sst |= base.ends_with(".sst");
    }
    let mut missing = Vec::new();
    if !current {
        missing.push("CURRENT");
    }
    if !manifest {
        missing.push("MANIFEST-*");
    }
    if !sst {
        missing.push("*.sst");
    }
    missing
}

/// Keys that move a component's metadata out of `ozone.metadata.dirs` (operations §2.3 names the
/// DB keys; the Ratis keys are Ozone's `OMConfigKeys` / `ScmConfigKeys`).
pub mod restore_keys {
    /// OM's RocksDB directory.
    pub const OM_DB_DIRS: &str = "ozone.om.db.dirs";
    /// SCM's RocksDB directory.
    pub const SCM_DB_DIRS: &str = "ozone.scm.db.dirs";
    /// OM's Ratis log directory.
    pub const OM_RATIS_DIR: &str = "ozone.om.ratis.storage.dir";
    /// SCM's Ratis log directory.
    pub const SCM_RATIS_DIR: &str = "ozone.scm.ha.ratis.storage.dir";
}

/// Where a component keeps the metadata a restore replaces, read from its `ozone-site.xml`
/// settings. Ozone releases differ in the default places (the DB under the metadata directory
/// or under `<metadata>/<component>/`, the Ratis log in `ratis`, `<component>.ratis`,
/// `<component>/ratis` or SCM's `scm-ha`), so where no key is set every known place is listed
/// and the restore pod acts on those it finds (the first DB place when none exists).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataLayout {
    /// `om` or `scm`.
    pub component: String,
    /// Candidate paths of the RocksDB directory (`…/om.db`, `…/scm.db`), best first.
    pub db: Vec<String>,
    /// The component's `current/VERSION` file, which holds Ozone's cluster id.
    pub version_file: String,
    /// Candidate Ratis log directories.
    pub ratis: Vec<String>,
}

/// Why no layout can be derived.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LayoutError {
    /// Neither the component's DB key nor `ozone.metadata.dirs` is set.
    #[error(
        "the cluster's configuration sets neither {0} nor ozone.metadata.dirs: cannot tell where the {1} metadata lives"
    )]
    NoMetadataDir(&'static str, &'static str),
    /// A directory setting that is not one absolute path.
    #[error("{0}={1:?}: restore needs one absolute directory")]
    NotOneAbsolutePath(&'static str, String),
}

/// The metadata layout of OM or SCM under `ozone_site` (the `ozone-site.xml` settings).
pub fn metadata_layout(
    component: Component,
    ozone_site: &BTreeMap<String, String>,
) -> Result<MetadataLayout, LayoutError> {
    let (db_key, ratis_key, db_name) = match component {
        Component::Scm => (
            restore_keys::SCM_DB_DIRS,
            restore_keys::SCM_RATIS_DIR,
            "scm.db",
        ),
        _ => (
            restore_keys::OM_DB_DIRS,
            restore_keys::OM_RATIS_DIR,
            "om.db",
        ),
    };
    let id = component.id();
    let dir = |key: &'static str| -> Result<Option<String>, LayoutError> {
        match ozone_site.get(key).map(|v| v.trim()) {
            None | Some("") => Ok(None),
            Some(v)
                if v.len() > 1
                    && v.starts_with('/')
                    && !v.contains([',', '\n'])
                    && !v.split('/').any(|p| p == "..") =>
            {
                Ok(Some(v.trim_end_matches('/').to_owned()))
            }
            Some(v) => Err(LayoutError::NotOneAbsolutePath(key, v.to_owned())),
        }
    };
    let metadata = dir(crate::config::keys::METADATA_DIRS)?;
    let db_dirs = match (dir(db_key)?, &metadata) {
        (Some(d), _) => vec![d],
        (None, Some(m)) => vec![m.clone(), format!("{m}/{id}")],
        (None, None) => return Err(LayoutError::NoMetadataDir(db_key, component.title())),
    };
    let ratis = match (dir(ratis_key)?, &metadata) {
        (Some(r), _) => vec![r],
        (None, Some(m)) => {
            let mut r = vec![
                format!("{m}/ratis"),
                format!("{m}/{id}.ratis"),
                format!("{m}/{id}/ratis"),
            ];
            if component == Component::Scm {
                r.push(format!("{m}/scm-ha"));
            }
            r
        }
        (None, None) => Vec::new(),
    };
    Ok(MetadataLayout {
        component: id.to_owned(),
        version_file: format!("{}/{id}/current/VERSION", db_dirs[0]),
        db: db_dirs.iter().map(|d| format!("{d}/{db_name}")).collect(),
        ratis,
    })
}

/// The `clusterID` of a component's `current/VERSION` file (a Java properties file:
/// `clusterID=CID-…`), if it names one.
pub fn version_file_cluster_id(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with('!') {
            return None;
        }
        let (key, value) = line.split_once(['=', ':'])?;
        (key.trim() == "clusterID")
            .then(|| value.trim().to_owned())
            .filter(|v| {
                !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn manifest() -> String {
        serde_json::json!({
            "format": 1, "name": "backup-20261201-030000", "cluster": "ozone", "namespace": "ozone",
            "clusterId": null, "omNodeIds": ["ozone-om-0"], "scmNodeIds": ["ozone-scm-0"],
            "leaders": {"om": "ozone-om-0", "scm": "ozone-scm-0"}, "version": "2.2.0",
            "finalization": null, "createdAt": "2026-12-01T03:00:00Z", "takenBy": "schedule",
            "includesSnapshotData": false,
            "files": [
                {"component": "om", "file": "om.tar", "size": 10, "sha256": "ab"},
                {"component": "scm", "file": "scm.tar", "size": 12, "sha256": "cd"}
            ]
        })
        .to_string()
    }

    #[test]
    fn the_scheduled_jobs_manifest_parses() {
        let m = parse_manifest(&manifest()).unwrap();
        assert_eq!(m.file(Component::Scm).unwrap().size, 12);
        assert_eq!(m.leaders["om"], "ozone-om-0");
    }

    #[test]
    fn bad_manifests_are_refused_with_the_reason() {
        let escape = manifest().replace("\"om.tar\"", "\"../../etc/passwd\"");
        assert_eq!(
            parse_manifest(&escape),
            Err(ManifestError::FileName("../../etc/passwd".into()))
        );
        let newer = manifest().replace("\"format\":1", "\"format\":2");
        assert_eq!(parse_manifest(&newer), Err(ManifestError::Format(2)));
        let no_scm = manifest().replace("\"component\":\"scm\"", "\"component\":\"recon\"");
        assert_eq!(parse_manifest(&no_scm), Err(ManifestError::Missing("scm")));
        assert!(matches!(parse_manifest("{"), Err(ManifestError::Parse(_))));
    }

    #[test]
    fn names_and_queries() {
        assert!(is_backup_name(&backup_name("20261201-030000")));
        assert!(!is_backup_name("backup-20261201-030000.partial"));
        assert!(!is_backup_name("backup-2026120a-030000"));
        assert_eq!(
            checkpoint_query(Component::Om, true),
            "flushBeforeCheckpoint=true&includeSnapshotData=true"
        );
        assert_eq!(
            checkpoint_query(Component::Scm, true),
            "flushBeforeCheckpoint=true"
        );
    }

    #[test]
    fn a_rocksdb_checkpoint_needs_current_a_manifest_and_tables() {
        let ok = [
            "om.db/",
            "om.db/CURRENT",
            "om.db/MANIFEST-000012",
            "om.db/000010.sst",
        ];
        assert!(missing_rocksdb_files(ok).is_empty());
        assert_eq!(
            missing_rocksdb_files(["om.db/OPTIONS-000014", "CURRENT"]),
            ["MANIFEST-*", "*.sst"]
        );
    }

    #[test]
    fn the_layout_follows_the_configuration() {
        let site = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let rendered = site(&[("ozone.metadata.dirs", "/data/metadata")]);
        let om = metadata_layout(Component::Om, &rendered).unwrap();
        assert_eq!(om.db, ["/data/metadata/om.db", "/data/metadata/om/om.db"]);
        assert_eq!(om.version_file, "/data/metadata/om/current/VERSION");
        assert!(om.ratis.contains(&"/data/metadata/ratis".to_owned()));
        let scm = metadata_layout(Component::Scm, &rendered).unwrap();
        assert!(scm.ratis.contains(&"/data/metadata/scm-ha".to_owned()));
        let own = site(&[
            ("ozone.metadata.dirs", "/data/metadata"),
            ("ozone.scm.db.dirs", "/data/scmdb/"),
            ("ozone.scm.ha.ratis.storage.dir", "/data/scm-ratis"),
        ]);
        let scm = metadata_layout(Component::Scm, &own).unwrap();
        assert_eq!(scm.db, ["/data/scmdb/scm.db"]);
        assert_eq!(scm.version_file, "/data/scmdb/scm/current/VERSION");
        assert_eq!(scm.ratis, ["/data/scm-ratis"]);
        assert_eq!(
            metadata_layout(Component::Om, &site(&[])),
            Err(LayoutError::NoMetadataDir(
                "ozone.om.db.dirs",
                "Ozone Manager"
            ))
        );
        assert!(matches!(
            metadata_layout(Component::Om, &site(&[("ozone.om.db.dirs", "/a,/b")])),
            Err(LayoutError::NotOneAbsolutePath(..))
        ));
    }

    #[test]
    fn the_cluster_id_comes_from_the_version_file() {
        let version = "#Tue Dec 01 05:00:00 UTC 2026\nnodeType=SCM\nscmUuid=5e1f\nclusterID=CID-0a1b2c3d-4e5f\ncTime=1764565200000\nlayoutVersion=8\n";
        assert_eq!(
            version_file_cluster_id(version).as_deref(),
            Some("CID-0a1b2c3d-4e5f")
        );
        assert_eq!(
            version_file_cluster_id("#clusterID=CID-x\nnodeType=OM\n"),
            None
        );
        assert_eq!(version_file_cluster_id("clusterID=$(rm -rf /)\n"), None);
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in "\\PC{0,200}") {
            let _ = parse_manifest(&text);
            let _ = version_file_cluster_id(&text);
            let _ = metadata_layout(Component::Om, &BTreeMap::from([("ozone.om.db.dirs".to_owned(), text.clone())]));
            let _ = is_backup_name(&text);
        }
    }
}
