//! Backups of OM and SCM metadata: checkpoints streamed out of pods ([`create`]), listed
//! ([`list`]) and verified offline ([`verify`]). Nothing here changes the cluster.

pub mod create;
pub mod list;
pub mod verify;

pub use create::{CreateOptions, Created, create};
pub use list::{Listed, list};
pub use verify::{FileCheck, Report, verify};
