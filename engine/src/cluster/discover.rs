//! Finding the Ozone cluster to work on: StatefulSets labelled `app.kubernetes.io/name=ozone`,
//! grouped by `app.kubernetes.io/instance`. `--name` picks one; otherwise there must be
//! exactly one, and the error lists what was found.

use super::view::{ClusterView, KubeReader, label};
use crate::error::BadInput;
use anyhow::Result;
use k8s_openapi::api::apps::v1::StatefulSet;
use ozone_generator::names::LABEL_INSTANCE;
use std::collections::BTreeSet;

/// The cluster names among Ozone StatefulSets.
pub fn cluster_names(statefulsets: &[StatefulSet]) -> BTreeSet<String> {
    statefulsets
        .iter()
        .filter_map(|s| label(&s.metadata, LABEL_INSTANCE))
        .map(str::to_owned)
        .collect()
}

/// Chooses the cluster: `wanted` if it exists, else the only one.
pub fn choose(
    found: &BTreeSet<String>,
    wanted: Option<&str>,
    namespace: &str,
) -> Result<String, BadInput> {
    let list = || {
        found
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(name) if found.contains(name) => Ok(name.to_owned()),
        Some(name) if found.is_empty() => Err(BadInput(format!(
            "no Ozone cluster {name:?} in namespace {namespace}: no Ozone clusters there at all (use -n to pick the namespace)"
        ))),
        Some(name) => Err(BadInput(format!(
            "no Ozone cluster {name:?} in namespace {namespace}; found: {}",
            list()
        ))),
        None => match found.len() {
            1 => Ok(found.iter().next().cloned().unwrap_or_default()),
            0 => Err(BadInput(format!(
                "no Ozone cluster in namespace {namespace} (looked for StatefulSets labelled app.kubernetes.io/name=ozone; use -n to pick the namespace)"
            ))),
            _ => Err(BadInput(format!(
                "several Ozone clusters in namespace {namespace}: {}; choose one with --name",
                list()
            ))),
        },
    }
}

/// Finds the cluster and reads its objects.
pub async fn find(kube: &KubeReader, wanted: Option<&str>) -> Result<ClusterView> {
    let statefulsets = kube.ozone_statefulsets().await?;
    let name = choose(&cluster_names(&statefulsets), wanted, kube.namespace())?;
    Ok(kube.snapshot(&name, statefulsets).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn one_is_chosen_none_or_several_list_what_was_found() {
        assert_eq!(choose(&set(&["ozone"]), None, "ns").unwrap(), "ozone");
        assert_eq!(choose(&set(&["a", "b"]), Some("b"), "ns").unwrap(), "b");
        let e = choose(&set(&["a", "b"]), None, "ns").unwrap_err().0;
        assert!(
            e.contains("several Ozone clusters in namespace ns: a, b"),
            "{e}"
        );
        let e = choose(&set(&["a", "b"]), Some("c"), "ns").unwrap_err().0;
        assert!(e.contains("found: a, b"), "{e}");
        let e = choose(&set(&[]), None, "ns").unwrap_err().0;
        assert!(e.contains("no Ozone cluster in namespace ns"), "{e}");
    }
}
