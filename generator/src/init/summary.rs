//! What a spec will render, for the wizard's closing summary: objects per kind, pods, and the
//! total CPU, memory and storage the pods request.

use crate::output::Manifest;
use crate::quantity::human_bytes;
use crate::spec::Cluster;
use std::fmt;

/// Totals of one rendered cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Object kinds with their counts, in apply order.
    pub kinds: Vec<(String, usize)>,
    /// Pods of all components.
    pub pods: i64,
    /// Requested CPU cores.
    pub cpu: f64,
    /// Requested memory, bytes.
    pub memory: f64,
    /// Requested persistent storage, bytes.
    pub storage: f64,
}

/// Counts `manifest`'s objects and adds up `cluster`'s requests.
pub fn summarize(cluster: &Cluster, manifest: &Manifest) -> Summary {
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for object in manifest.objects() {
        match kinds.iter_mut().find(|(k, _)| *k == object.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((object.kind.clone(), 1)),
        }
    }
    let mut s = Summary {
        kinds,
        pods: 0,
        cpu: 0.0,
        memory: 0.0,
        storage: 0.0,
    };
    for settings in cluster.components.values() {
        let n = f64::from(settings.replicas);
        s.pods += i64::from(settings.replicas);
        s.cpu += n * settings.requests.cpu.value();
        s.memory += n * settings.requests.memory.value();
        for storage in settings.data_volumes().chain(&settings.ratis) {
            s.storage += n * storage.size.value();
        }
    }
    s
}

/// CPU cores for people: `3.5`, `37`.
pub fn human_cpu(cores: f64) -> String {
    if (cores - cores.round()).abs() < 0.005 {
        format!("{:.0}", cores.round())
    } else {
        format!("{cores:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: usize = self.kinds.iter().map(|(_, n)| n).sum();
        let kinds = self
            .kinds
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(f, "{total} objects: {kinds}")?;
        write!(
            f,
            "{} pods requesting {} CPU, {} memory and {} of persistent volumes",
            self.pods,
            human_cpu(self.cpu),
            human_bytes(self.memory),
            human_bytes(self.storage)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects;
    use crate::spec::{Inputs, resolve};

    #[test]
    fn small_profile_totals() {
        let cluster = resolve(&Inputs::profile("small")).unwrap();
        let manifest = objects::render(&cluster).unwrap();
        let s = summarize(&cluster, &manifest);
        // 1 SCM + 1 OM + 3 datanodes + 1 S3G + 1 Recon (HttpFS is off in small).
        assert_eq!(s.pods, 7);
        // 0.5 + 0.5 + 3 × 0.5 + 0.25 + 0.25
        assert_eq!(human_cpu(s.cpu), "3");
        // 2 + 2 + 3 × 2 + 1 + 1 GiB
        assert_eq!(human_bytes(s.memory), "12 GiB");
        // 10 + 10 + 3 × 20 + 5 GiB
        assert_eq!(human_bytes(s.storage), "85 GiB");
        assert_eq!(s.kinds.first(), Some(&("Namespace".to_owned(), 1)));
        assert_eq!(
            s.kinds.iter().map(|(_, n)| n).sum::<usize>(),
            manifest.objects().len()
        );
        let text = s.to_string();
        assert!(text.contains("1 Namespace, "), "{text}");
        assert!(
            text.contains("7 pods requesting 3 CPU, 12 GiB memory and 85 GiB"),
            "{text}"
        );
    }

    #[test]
    fn cpu_formatting() {
        assert_eq!(human_cpu(3.5), "3.5");
        assert_eq!(human_cpu(37.0), "37");
        assert_eq!(human_cpu(0.25), "0.25");
    }
}
