//! Recovery (operations §2.3): rebuilding a lost OM/SCM ring member from its peers
//! ([`member`]), and restoring a single-OM, single-SCM cluster's metadata from a backup
//! ([`restore`]). Both plan from the cluster and the records they left on it, so planning
//! again finishes an interrupted run.

pub mod member;
pub mod restore;

pub use member::{MemberOptions, MemberPlan};
pub use restore::{RestoreOptions, RestorePlan};
