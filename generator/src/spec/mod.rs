//! The `OzoneCluster` spec: the document users write ([`doc`]), strict parsing ([`parse`]),
//! `--set` flags ([`set`]), layering and validation ([`resolve`]) into a [`Cluster`] that the
//! builders trust. The same types are the `OzoneCluster` custom resource ([`status`] is its
//! status; [`schema`] holds the schemas a derive cannot write).

pub mod cluster;
pub mod doc;
pub mod error;
pub mod parse;
pub mod resolve;
pub mod schema;
pub mod set;
pub mod status;

pub use cluster::Cluster;
pub use error::{Origin, Problem, SpecError};
pub use resolve::{Inputs, resolve};
