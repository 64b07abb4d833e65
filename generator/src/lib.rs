//! From an `OzoneCluster` spec to Kubernetes manifests, and the manifest lint engine.
//!
//! - [`spec`]: the spec document, layering (defaults ← profile ← file ← `--set`) and
//!   validation into a [`spec::Cluster`].
//! - [`objects`]: one module per concern producing typed `k8s-openapi` objects.
//! - [`output`]: fixed ordering and serialization to YAML, JSON or a directory of files.
//! - [`crd`]: the `OzoneCluster` CustomResourceDefinition, derived from the spec types.
//! - [`lint`]: the manifest linter behind `kubectl ozone lint`.
//! - [`init`]: the question flow of `kubectl ozone init`, as data and a pure state machine.
//!
//! Pure: no network, no cluster, no async. The only I/O is reading text handed in by callers.

pub mod crd;
pub mod init;
pub mod lint;
pub mod names;
pub mod notes;
pub mod objects;
pub mod output;
pub mod permissions;
pub mod profile;
pub mod quantity;
pub mod selector;
pub mod spec;
pub mod yaml;

pub use profile::Profile;
pub use spec::{Cluster, Inputs, SpecError};
