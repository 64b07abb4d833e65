//! Stand-in for the `pki` module of branch `cert` until it is merged.

/// Pod annotation: the fingerprint of the certificate the pod started with.
pub const TLS_FINGERPRINT_ANNOTATION: &str = "ozone.apache.org/tls-fingerprint";

/// A stand-in fingerprint of a certificate.
pub fn fingerprint(cert_pem: &str) -> Result<String, String> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    cert_pem.hash(&mut h);
    Ok(format!("{:016x}", h.finish()))
}
