//! Exit codes and how errors map to them.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | findings at or above `--fail-on`, or an operation failed |
//! | 2 | usage error or unusable input (bad spec, flag, file); a change the operator owns (the cluster is managed by it); the cluster's engine lock held by another run |
//! | 3 | `--wait` reached `--timeout`; the operation goes on in the cluster |

/// Findings, or an operation that failed.
pub const FAILURE: u8 = 1;
/// Usage error or unusable input, a change refused because the operator manages the
/// cluster, or the cluster's engine lock held by another run.
pub const BAD_INPUT: u8 = 2;

/// `--wait` gave up at `--timeout`.
pub const TIMEOUT: u8 = 3;

pub use ozone_engine::error::{BadInput, WaitTimeout};

/// The exit code for an error: 3 for a wait timeout, 2 when any cause is bad input or the
/// engine lock held by another run, else 1.
pub fn code_for(err: &anyhow::Error) -> u8 {
    if err.chain().any(|cause| cause.is::<WaitTimeout>()) {
        return TIMEOUT;
    }
    let bad = err.chain().any(|cause| {
        cause.is::<BadInput>()
            || cause.is::<ozone_generator::SpecError>()
            || matches!(
                cause.downcast_ref::<ozone_engine::lock::LockError>(),
                Some(ozone_engine::lock::LockError::Held(_))
            )
            || matches!(
                cause.downcast_ref::<ozone_generator::objects::BuildError>(),
                Some(
                    ozone_generator::objects::BuildError::PatchTarget { .. }
                        | ozone_generator::objects::BuildError::Patch { .. }
                )
            )
    });
    if bad { BAD_INPUT } else { FAILURE }
}

/// Whether the error is stdout closing early (`… | head`), which is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
