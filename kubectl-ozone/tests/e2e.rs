//! End-to-end tests of `kubectl-ozone` on a real Kubernetes cluster: the built binary driven as
//! a user drives it, against the cluster `OZONE_E2E_KUBECONFIG` names, one fresh namespace per
//! test. Without that variable the suite prints one line and reports every test ignored, so
//! `cargo test --workspace` passes on a machine without a cluster. See README "End-to-end tests".
//!
//! Each area of verbs is a module under `tests/e2e/` exposing `trials()`; adding an area is one
//! `mod` line and one `extend` line here. (`#[path]`: a test crate's root resolves modules next
//! to itself, not in `tests/e2e/`.)

#[path = "e2e/support.rs"]
mod support;

#[path = "e2e/apply.rs"]
mod apply;
#[path = "e2e/certs.rs"]
mod certs;
#[path = "e2e/datanodes.rs"]
mod datanodes;
#[path = "e2e/install.rs"]
mod install;
#[path = "e2e/operator.rs"]
mod operator;
#[path = "e2e/operator_run.rs"]
mod operator_run;
#[path = "e2e/rbac.rs"]
mod rbac;
#[path = "e2e/recover.rs"]
mod recover;
#[path = "e2e/restart.rs"]
mod restart;
#[path = "e2e/s3.rs"]
mod s3;
#[path = "e2e/snapshots.rs"]
mod snapshots;
#[path = "e2e/storage.rs"]
mod storage;
#[path = "e2e/upgrade.rs"]
mod upgrade;

fn main() -> std::process::ExitCode {
    let mut trials = Vec::new();
    trials.extend(install::trials());
    trials.extend(apply::trials());
    trials.extend(datanodes::trials());
    trials.extend(snapshots::trials());
    trials.extend(s3::trials());
    trials.extend(rbac::trials());
    trials.extend(restart::trials());
    trials.extend(upgrade::trials());
    trials.extend(certs::trials());
    trials.extend(recover::trials());
    trials.extend(storage::trials());
    trials.extend(operator::trials());
    trials.extend(operator_run::trials());
    support::main(trials)
}
