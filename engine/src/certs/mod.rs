//! Certificates on a running cluster: managed-mode issue, rotation, CA renewal and status, on
//! top of the pure certificate authority in [`crate::pki`].
