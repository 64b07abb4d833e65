//! The managed-mode PKI: a CA, the leaf certificates it signs, the PKCS12 keystores and
//! truststores Ozone's Java servers load, fingerprints and summaries for `cert status`.
//!
//! Pure: no I/O, no clock (callers pass the validity window), no printing. Keys and
//! certificates exist only as values handed to the caller, who stores them in Secrets; the
//! `Debug` output of every type that holds a private key redacts it, so an `{:?}` in a log
//! line cannot leak one.
//!
//! Keys are ECDSA P-256 signed with SHA-256: Java 11+ (SunEC) and Jetty's default cipher
//! suites accept them, they are small enough that a keystore fits a Secret many times over,
//! and `rcgen` can generate them with `ring` (it cannot generate RSA keys with `ring`).

mod ca;
mod error;
mod keystore;
mod summary;

pub use ca::{Ca, Leaf, LeafRequest, Validity};
pub use error::PkiError;
pub use keystore::{keystore_p12, truststore_p12};
pub use summary::{CertSummary, fingerprint};
// Part of the API `cert rotate` builds on; today only tests use them.
#[allow(unused_imports)]
pub use keystore::KEY_ALIAS;
#[allow(unused_imports)]
pub use summary::certificates_in;

// Managed leaf Secrets and pods carry the certificate's fingerprint under
// `ozone_generator::names::TLS_FINGERPRINT_ANNOTATION`, defined once there.
/// Annotation on a managed leaf Secret: when `cert issue` or `cert rotate` wrote it (RFC 3339).
pub const ISSUED_AT_ANNOTATION: &str = "ozone.apache.org/issued-at";
/// Key of the CA Secret holding every CA a truststore must trust (old and new during a CA
/// rotation).
pub const CA_BUNDLE_KEY: &str = "ca-bundle.crt";
/// Key of a Secret holding a certificate (kubernetes.io/tls).
pub const TLS_CRT_KEY: &str = "tls.crt";
/// Key of a Secret holding a private key (kubernetes.io/tls).
pub const TLS_KEY_KEY: &str = "tls.key";
/// Key of a leaf Secret holding the CA certificates to trust.
pub const CA_CRT_KEY: &str = "ca.crt";

/// The CA Secret of a cluster.
pub fn ca_secret_name(cluster: &str) -> String {
    format!("{cluster}-ca")
}

/// A random password for the keystores: 32 lowercase hex characters (128 bits) from the OS
/// generator, so it needs no quoting in config files or shells.
pub fn generate_password() -> Result<String, PkiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| PkiError::Random(e.to_string()))?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod password_tests {
    use super::*;

    #[test]
    fn passwords_are_long_hex_and_differ() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_eq!(a.len(), 32);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }
}
