//! `ozone-datanode-volumes`: a datanode's data directories (`hdds.datanode.dir`) against the
//! volumes its container mounts. Each entry must be on a persistent volume of its own — Ozone
//! treats each directory as one disk, measuring its filesystem's capacity and failing it alone —
//! and a persistent volume mounted for data should hold an Ozone directory.

use ozone_storage::config::keys;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What the check needs from a datanode workload's pod spec.
#[derive(Debug, Default, Clone)]
pub struct Mounts {
    /// Mount path → volume name, over the pod's app containers.
    pub mounts: BTreeMap<String, String>,
    /// Volumes that keep data: claim templates, `persistentVolumeClaim`, `hostPath`,
    /// `ephemeral` and CSI volumes (not `emptyDir`, ConfigMaps, Secrets, projections).
    pub persistent: BTreeSet<String>,
}

impl Mounts {
    /// Reads a workload object (`StatefulSet` with its claim templates, or any pod owner).
    pub fn of(object: &Value, pod_spec: &Value) -> Mounts {
        let mut out = Mounts::default();
        for c in pod_spec
            .get("containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for m in c
                .get("volumeMounts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(name), Some(path)) = (
                    m.get("name").and_then(Value::as_str),
                    m.get("mountPath").and_then(Value::as_str),
                ) {
                    out.mounts
                        .insert(path.trim_end_matches('/').to_owned(), name.to_owned());
                }
            }
        }
        for t in object
            .pointer("/spec/volumeClaimTemplates")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = t.pointer("/metadata/name").and_then(Value::as_str) {
                out.persistent.insert(name.to_owned());
            }
        }
        for v in pod_spec
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let keeps = ["persistentVolumeClaim", "hostPath", "ephemeral", "csi"]
                .iter()
                .any(|k| v.get(*k).is_some());
            if keeps && let Some(name) = v.get("name").and_then(Value::as_str) {
                out.persistent.insert(name.to_owned());
            }
        }
        out
    }

    /// The mount a path is on: the longest mount path that contains it.
    fn volume_of(&self, path: &str) -> Option<(&str, &str)> {
        self.mounts
            .iter()
            .filter(|(m, _)| {
                path == m.as_str() || path.starts_with(&format!("{m}/")) || m.is_empty()
            })
            .max_by_key(|(m, _)| m.len())
            .map(|(m, v)| (m.as_str(), v.as_str()))
    }
}

/// A directory as Ozone reads it: without a storage type tag (`[SSD]`) or `file://`.
fn plain(entry: &str) -> &str {
    let entry = entry.trim();
    let entry = match entry.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(entry, |(_, r)| r),
        None => entry,
    };
    entry.strip_prefix("file://").unwrap_or(entry)
}

/// The problems of one datanode workload, given its Ozone settings.
pub fn problems(site: &BTreeMap<String, String>, m: &Mounts) -> Vec<String> {
    let Some(dirs) = site.get(keys::DATANODE_DIR) else {
        return Vec::new();
    };
    let dirs: Vec<&str> = dirs
        .split(',')
        .map(plain)
        .filter(|d| !d.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut on: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for dir in &dirs {
        match m.volume_of(dir) {
            Some((_, volume)) if m.persistent.contains(volume) => {
                on.entry(volume).or_default().push(dir);
            }
            Some((path, volume)) => out.push(format!(
                "{} entry {dir} is on volume {volume} (mounted at {path}), which keeps no data across pod restarts",
                keys::DATANODE_DIR
            )),
            None => out.push(format!(
                "{} entry {dir} is on no mounted volume: the container's own filesystem, lost with the pod",
                keys::DATANODE_DIR
            )),
        }
    }
    for (volume, entries) in &on {
        if entries.len() > 1 {
            out.push(format!(
                "{} entries {} are on the same volume {volume}: Ozone takes each for a disk of its own, counting its capacity twice",
                keys::DATANODE_DIR,
                entries.join(", ")
            ));
        }
    }
    let others: Vec<&str> = [
        keys::METADATA_DIRS,
        keys::DATANODE_RATIS_DIR,
        keys::DATANODE_CONTAINER_DB_DIR,
        keys::SCM_DATANODE_ID_DIR,
    ]
    .iter()
    .filter_map(|k| site.get(*k))
    .flat_map(|v| v.split(','))
    .map(plain)
    .collect();
    for (path, volume) in &m.mounts {
        if !m.persistent.contains(volume) || on.contains_key(volume.as_str()) {
            continue;
        }
        let used = others
            .iter()
            .any(|d| m.volume_of(d).is_some_and(|(_, v)| v == volume));
        if !used {
            out.push(format!(
                "volume {volume} is mounted at {path} but holds no {} entry (nor the metadata, Ratis log or container DB directories): the disk is never used",
                keys::DATANODE_DIR
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mounts(paths: &[(&str, &str)], persistent: &[&str]) -> Mounts {
        Mounts {
            mounts: paths
                .iter()
                .map(|(p, v)| ((*p).to_owned(), (*v).to_owned()))
                .collect(),
            persistent: persistent.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn site(dirs: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            (keys::DATANODE_DIR.to_owned(), dirs.to_owned()),
            (keys::METADATA_DIRS.to_owned(), "/data/metadata".to_owned()),
        ])
    }

    #[test]
    fn agreeing_mounts_and_dirs_pass() {
        let m = mounts(
            &[("/data", "data"), ("/data1", "data1"), ("/tmp", "tmp")],
            &["data", "data1"],
        );
        assert!(problems(&site("/data/storage,[DISK]/data1/storage"), &m).is_empty());
    }

    #[test]
    fn disagreements_are_named() {
        let m = mounts(
            &[
                ("/data", "data"),
                ("/data1", "data1"),
                ("/data2", "data2"),
                ("/tmp", "tmp"),
            ],
            &["data", "data1", "data2"],
        );
        let p = problems(&site("/data/storage,/data/other,/disk3/storage,/tmp/x"), &m);
        let all = p.join("\n");
        assert!(
            all.contains("entries /data/storage, /data/other are on the same volume data"),
            "{all}"
        );
        assert!(
            all.contains("entry /disk3/storage is on no mounted volume"),
            "{all}"
        );
        assert!(all.contains("entry /tmp/x is on volume tmp"), "{all}");
        assert!(
            all.contains("volume data1 is mounted at /data1 but holds no"),
            "{all}"
        );
        assert_eq!(p.len(), 5, "{all}");
    }

    #[test]
    fn claim_templates_and_pvc_volumes_are_persistent() {
        let sts = json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}});
        let pod = json!({"containers": [{"volumeMounts": [
            {"name": "data", "mountPath": "/data"}, {"name": "disk", "mountPath": "/disk/"}]}],
            "volumes": [{"name": "disk", "persistentVolumeClaim": {"claimName": "x"}},
                        {"name": "tmp", "emptyDir": {}}]});
        let m = Mounts::of(&sts, &pod);
        assert_eq!(m.mounts["/disk"], "disk");
        assert!(m.persistent.contains("data") && m.persistent.contains("disk"));
        assert!(!m.persistent.contains("tmp"));
    }
}
