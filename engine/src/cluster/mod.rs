//! Cluster access: the kubectl flags, the API client, finding an Ozone cluster by its labels,
//! reading its Kubernetes objects in a constant number of requests, and running the Ozone CLI
//! in its pods.
//!
//! Reads and writes are separate types: [`view::KubeReader`] and [`exec::OzoneReader`] can
//! only read, and the only way to change anything is an [`act::Actuator`], which a dry run
//! never builds.

pub mod act;
pub mod discover;
pub mod errors;
pub mod exec;
pub mod inspect;
pub mod lock;
pub mod objects;
pub mod proxy;
pub mod view;
pub mod ws;

use std::sync::Arc;

/// Everything a day-2 command needs to read a cluster.
#[derive(Clone)]
pub struct Session {
    /// Kubernetes reads.
    pub kube: view::KubeReader,
    /// The Ozone CLI transport.
    pub exec: Arc<dyn exec::OzoneExec>,
}

impl Session {
    /// A session over a client and an exec transport.
    pub fn new(client: kube::Client, namespace: &str, exec: Arc<dyn exec::OzoneExec>) -> Session {
        Session {
            kube: view::KubeReader::new(client, namespace),
            exec,
        }
    }

    /// The same connection, reading another namespace.
    pub fn in_namespace(&self, namespace: &str) -> Session {
        Session {
            kube: view::KubeReader::new(self.kube.client().clone(), namespace),
            exec: self.exec.clone(),
        }
    }

    /// The namespace every request goes to.
    pub fn namespace(&self) -> &str {
        self.kube.namespace()
    }
}
