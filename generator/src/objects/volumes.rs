//! The persistent volumes of a pod: the name of each volume claim template, where it is
//! mounted, and the Ozone directories kept on it. The workload builder, the configuration, the
//! day-2 transitions and lint read these, so a mount and the key pointing into it cannot drift
//! apart.
//!
//! Layout (names are stable: a claim template's name is part of every PVC's name):
//! - `data` at `/data`: every stateful component's first volume, with the metadata
//!   (`/data/metadata`: RocksDB, ids and, without a `ratis` volume, the Raft log) and, on a
//!   datanode, its first Ozone volume (`/data/storage`). Unchanged from a single-volume render.
//! - `data1` … `data47` at `/data1` … `/data47`: a datanode's further data volumes, each one
//!   Ozone volume (`/dataN/storage`) on its own filesystem, as Ozone expects of the entries of
//!   `hdds.datanode.dir` (capacity is measured per directory's filesystem).
//! - `ratis` at `/ratis`: the Raft log (`/ratis/log`) and, on a datanode, the container
//!   databases (`/ratis/db`).

use crate::spec::cluster::{ComponentSettings, Storage};
use ozone_storage::Component;
use ozone_storage::catalog::DATA_DIR;
use ozone_storage::config::keys;

/// The first data volume's claim template and pod volume.
pub const DATA_VOLUME: &str = "data";
/// The Raft log volume's claim template and pod volume.
pub const RATIS_VOLUME: &str = "ratis";
/// Where the Raft log volume is mounted.
pub const RATIS_DIR: &str = "/ratis";
/// Metadata (RocksDB, Ratis logs, ids) lives below the first data volume.
pub const METADATA_DIR: &str = "/data/metadata";
/// The directory below each data volume's mount that is the Ozone volume: a subdirectory, so
/// the filesystem's own entries (`lost+found`) stay out of Ozone's way.
const STORAGE_SUBDIR: &str = "storage";

/// One persistent volume of a pod.
#[derive(Clone, Debug)]
pub struct PodVolume<'a> {
    /// Claim template (and pod volume) name.
    pub name: String,
    /// Mount path.
    pub path: String,
    /// Size and class.
    pub storage: &'a Storage,
}

/// The name of the `index`th data volume (0-based).
pub fn data_volume_name(index: usize) -> String {
    if index == 0 {
        DATA_VOLUME.to_owned()
    } else {
        format!("{DATA_VOLUME}{index}")
    }
}

/// Where the `index`th data volume is mounted.
pub fn data_volume_path(index: usize) -> String {
    if index == 0 {
        DATA_DIR.to_owned()
    } else {
        format!("{DATA_DIR}{index}")
    }
}

/// The Ozone volume directory of the `index`th data volume (an entry of `hdds.datanode.dir`).
pub fn storage_dir(index: usize) -> String {
    format!("{}/{STORAGE_SUBDIR}", data_volume_path(index))
}

/// The position of a data volume from its claim template name (`data` → 0, `data3` → 3).
pub fn data_volume_index(name: &str) -> Option<usize> {
    let rest = name.strip_prefix(DATA_VOLUME)?;
    if rest.is_empty() {
        return Some(0);
    }
    if rest.starts_with('0') {
        return None;
    }
    rest.parse().ok()
}

/// A component's persistent volumes, in claim template order: data volumes, then `ratis`.
pub fn pod_volumes(c: &ComponentSettings) -> Vec<PodVolume<'_>> {
    let mut out: Vec<PodVolume<'_>> = c
        .data_volumes()
        .enumerate()
        .map(|(i, storage)| PodVolume {
            name: data_volume_name(i),
            path: data_volume_path(i),
            storage,
        })
        .collect();
    if let Some(storage) = &c.ratis {
        out.push(PodVolume {
            name: RATIS_VOLUME.to_owned(),
            path: RATIS_DIR.to_owned(),
            storage,
        });
    }
    out
}

/// The `ozone-site.xml` keys that place a component's directories on its volumes, beyond the
/// metadata directory every service shares.
pub fn directory_keys(component: Component, c: &ComponentSettings) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if component == Component::Datanode {
        let dirs: Vec<String> = (0..c.data_volumes().count()).map(storage_dir).collect();
        out.push((keys::DATANODE_DIR, dirs.join(",")));
    }
    if c.ratis.is_some() {
        let log = format!("{RATIS_DIR}/log");
        match component {
            Component::Datanode => {
                out.push((keys::DATANODE_RATIS_DIR, log));
                out.push((keys::DATANODE_CONTAINER_DB_DIR, format!("{RATIS_DIR}/db")));
            }
            Component::Om => out.push((keys::OM_RATIS_DIR, log)),
            Component::Scm => out.push((keys::SCM_RATIS_DIR, log)),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_are_stable() {
        assert_eq!(data_volume_name(0), "data");
        assert_eq!(data_volume_name(11), "data11");
        assert_eq!(data_volume_path(0), "/data");
        assert_eq!(data_volume_path(2), "/data2");
        assert_eq!(storage_dir(0), "/data/storage");
        assert_eq!(storage_dir(3), "/data3/storage");
        assert_eq!(data_volume_index("data"), Some(0));
        assert_eq!(data_volume_index("data12"), Some(12));
        assert_eq!(data_volume_index("data01"), None);
        assert_eq!(data_volume_index("ratis"), None);
        assert!(METADATA_DIR.starts_with(DATA_DIR));
    }
}
