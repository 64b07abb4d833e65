//! What can go wrong building or reading certificates and stores.

use thiserror::Error;

/// A PKI failure. Messages never contain key material.
#[derive(Debug, Error)]
pub enum PkiError {
    /// The text holds no PEM `CERTIFICATE` block.
    #[error("no PEM certificate found")]
    NoCertificate,
    /// A PEM block or the certificate inside it does not parse.
    #[error("invalid certificate: {0}")]
    BadCertificate(String),
    /// The private key does not parse or does not match.
    #[error("invalid private key: {0}")]
    BadKey(String),
    /// A request that cannot become a certificate (empty or invalid names, inverted validity).
    #[error("invalid certificate request: {0}")]
    BadRequest(String),
    /// Generating or signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// Writing the PKCS12 store failed.
    #[error("writing PKCS12 failed: {0}")]
    Pkcs12(String),
    /// The OS random generator failed.
    #[error("random generator failed: {0}")]
    Random(String),
}
