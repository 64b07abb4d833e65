//! `backup list`: the runs the scheduled job recorded in `<cluster>-backups` (completed and
//! failed), and the backups in a local `--dir`, newest first.

use crate::cmd::common::ClusterArgs;
use crate::ui::{Format, Io, bytes, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_storage::backup;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `backup list` arguments.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Also list the backups in this local directory.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Only the local directory; do not contact the cluster.
    #[arg(long, requires = "dir")]
    pub local_only: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// One backup, wherever it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed {
    /// Backup name.
    pub name: String,
    /// `schedule` (the cluster's backup volume) or `local`.
    pub location: String,
    /// `Completed` or `Failed`.
    pub status: String,
    /// RFC 3339 UTC start time.
    pub created_at: String,
    /// Total bytes of the checkpoints.
    pub size: u64,
    /// Why a run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Local path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    #[serde(default)]
    created_at: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    files: Vec<backup::BackupFile>,
}

/// The records of the `<cluster>-backups` ConfigMap; a value that does not parse is listed
/// as `Unreadable` rather than hidden.
pub fn from_records(data: &std::collections::BTreeMap<String, String>) -> Vec<Listed> {
    data.iter()
        .map(
            |(name, value)| match serde_json::from_str::<Record>(value) {
                Ok(r) => Listed {
                    name: name.clone(),
                    location: "schedule".into(),
                    status: r.status,
                    created_at: r.created_at,
                    size: r.files.iter().map(|f| f.size).sum(),
                    error: r.error,
                    path: None,
                },
                Err(e) => Listed {
                    name: name.clone(),
                    location: "schedule".into(),
                    status: "Unreadable".into(),
                    created_at: String::new(),
                    size: 0,
                    error: Some(e.to_string()),
                    path: None,
                },
            },
        )
        .collect()
}

/// The whole backups in a local directory (`.partial` ones are interrupted runs).
pub fn from_dir(dir: &Path) -> std::io::Result<Vec<Listed>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !backup::is_backup_name(&name) || !entry.path().is_dir() {
            continue;
        }
        let listed = match std::fs::read_to_string(entry.path().join(backup::MANIFEST))
            .map_err(|e| e.to_string())
            .and_then(|t| backup::parse_manifest(&t).map_err(|e| e.to_string()))
        {
            Ok(m) => Listed {
                name,
                location: "local".into(),
                status: "Completed".into(),
                created_at: m.created_at,
                size: m.files.iter().map(|f| f.size).sum(),
                error: None,
                path: Some(entry.path().display().to_string()),
            },
            Err(e) => Listed {
                name,
                location: "local".into(),
                status: "Unreadable".into(),
                created_at: String::new(),
                size: 0,
                error: Some(e),
                path: Some(entry.path().display().to_string()),
            },
        };
        out.push(listed);
    }
    Ok(out)
}

/// Newest first: names carry the UTC start time, so they sort by it.
pub fn newest_first(list: &mut [Listed]) {
    list.sort_by(|a, b| b.name.cmp(&a.name).then(a.location.cmp(&b.location)));
}

fn age(created_at: &str) -> String {
    let Ok(t) = created_at.parse::<k8s_openapi::jiff::Timestamp>() else {
        return "?".into();
    };
    let secs = k8s_openapi::jiff::Timestamp::now()
        .duration_since(t)
        .as_secs()
        .max(0)
        .unsigned_abs();
    ozone_engine::duration::format(std::time::Duration::from_secs(secs))
}

/// Runs `backup list`.
pub async fn run(session: Option<&Session>, io: &mut Io, args: &ListArgs) -> Result<ExitCode> {
    let mut all = Vec::new();
    if let Some(session) = session {
        let view =
            ozone_engine::cluster::discover::find(&session.kube, args.cluster.name.as_deref())
                .await?;
        let name = ozone_generator::objects::backups::name(view.cluster());
        match session.kube.config_map(&name).await? {
            Some(cm) => all.extend(from_records(&cm.data.unwrap_or_default())),
            None => io.note(format!(
                "no ConfigMap {name}: the cluster schedules no backups (spec.backups)"
            )),
        }
    }
    if let Some(dir) = &args.dir {
        all.extend(
            from_dir(dir)
                .map_err(|e| crate::exit::BadInput(format!("--dir {}: {e}", dir.display())))?,
        );
    }
    newest_first(&mut all);
    match structured(args.format, &all)? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => {
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|b| {
                    vec![
                        b.name.clone(),
                        b.location.clone(),
                        b.status.clone(),
                        age(&b.created_at),
                        bytes(b.size),
                        b.error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            io.out.write_all(
                table::render(
                    &["NAME", "LOCATION", "STATUS", "AGE", "SIZE", "ERROR"],
                    &rows,
                )
                .as_bytes(),
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn records_and_local_backups_list_newest_first() {
        let data = BTreeMap::from([
            (
                "backup-20261201-020000".to_owned(),
                r#"{"createdAt":"2026-12-01T02:00:00Z","status":"Completed","files":[{"component":"om","file":"om.tar","size":10,"sha256":"a"},{"component":"scm","file":"scm.tar","size":5,"sha256":"b"}]}"#.to_owned(),
            ),
            (
                "backup-20261202-020000".to_owned(),
                r#"{"createdAt":"2026-12-02T02:00:00Z","status":"Failed","error":"om refused (403)"}"#.to_owned(),
            ),
            ("backup-20261203-020000".to_owned(), "not json".to_owned()),
        ]);
        let mut all = from_records(&data);
        newest_first(&mut all);
        let summary: Vec<_> = all
            .iter()
            .map(|b| (b.name.as_str(), b.status.as_str(), b.size))
            .collect();
        assert_eq!(
            summary,
            [
                ("backup-20261203-020000", "Unreadable", 0),
                ("backup-20261202-020000", "Failed", 0),
                ("backup-20261201-020000", "Completed", 15),
            ]
        );
        assert_eq!(all[1].error.as_deref(), Some("om refused (403)"));
    }
}
