//! Reading certificates back: PEM bundles, SHA-256 fingerprints and the summary `cert status`
//! prints. Parsing is `x509-parser`'s; nothing here decodes ASN.1 by hand.

use super::PkiError;
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::Pem;

/// The DER of every `CERTIFICATE` block in a PEM text, in order. Other blocks (keys) are
/// skipped; an empty result is an error.
pub fn certificates_in(pem: &str) -> Result<Vec<Vec<u8>>, PkiError> {
    let mut out = Vec::new();
    for block in Pem::iter_from_buffer(pem.as_bytes()) {
        let block = block.map_err(|e| PkiError::BadCertificate(format!("PEM: {e}")))?;
        if block.label == "CERTIFICATE" {
            out.push(block.contents);
        }
    }
    if out.is_empty() {
        return Err(PkiError::NoCertificate);
    }
    Ok(out)
}

pub(super) fn first_certificate_der(pem: &str) -> Result<Vec<u8>, PkiError> {
    certificates_in(pem).map(|mut v| v.swap_remove(0))
}

/// Runs `f` on the first certificate of a PEM text.
pub(super) fn with_certificate<T>(
    pem: &str,
    f: impl FnOnce(&X509Certificate<'_>) -> Result<T, PkiError>,
) -> Result<T, PkiError> {
    let der = first_certificate_der(pem)?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| PkiError::BadCertificate(e.to_string()))?;
    f(&cert)
}

/// The SHA-256 fingerprint of the first certificate in a PEM text: lowercase hex of the digest
/// of its DER, as `openssl x509 -fingerprint -sha256` prints it without the colons.
pub fn fingerprint(cert_pem: &str) -> Result<String, PkiError> {
    let der = first_certificate_der(cert_pem)?;
    Ok(super::hex(&Sha256::digest(&der)))
}

/// What `cert status` shows about one certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertSummary {
    /// Subject distinguished name (RFC 4514 style, e.g. `CN=ozone-om.ozone.svc.cluster.local`).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// DNS subject alternative names.
    pub dns_names: Vec<String>,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// First valid instant.
    pub not_before: Timestamp,
    /// Last valid instant.
    pub not_after: Timestamp,
    /// SHA-256 fingerprint, lowercase hex.
    pub fingerprint: String,
    /// Whether it is a CA certificate.
    pub is_ca: bool,
}

impl CertSummary {
    /// Summarises the first certificate of a PEM text. Any input, however malformed, gives a
    /// result or an error, never a panic.
    pub fn parse(pem: &str) -> Result<CertSummary, PkiError> {
        let fingerprint = fingerprint(pem)?;
        with_certificate(pem, |c| {
            let time = |t: i64| {
                Timestamp::from_second(t)
                    .map_err(|e| PkiError::BadCertificate(format!("validity: {e}")))
            };
            let dns_names = match c.subject_alternative_name() {
                Ok(Some(san)) => san
                    .value
                    .general_names
                    .iter()
                    .filter_map(|n| match n {
                        GeneralName::DNSName(d) => Some((*d).to_owned()),
                        _ => None,
                    })
                    .collect(),
                Ok(None) => Vec::new(),
                Err(e) => return Err(PkiError::BadCertificate(format!("subjectAltName: {e}"))),
            };
            Ok(CertSummary {
                subject: c.subject().to_string(),
                issuer: c.issuer().to_string(),
                dns_names,
                serial: super::hex(c.raw_serial()),
                not_before: time(c.validity().not_before.timestamp())?,
                not_after: time(c.validity().not_after.timestamp())?,
                fingerprint,
                is_ca: c.is_ca(),
            })
        })
    }

    /// Whole days from `now` until the certificate expires; negative once it has.
    pub fn days_left(&self, now: Timestamp) -> i64 {
        let secs = self.not_after.as_second() - now.as_second();
        secs.div_euclid(86_400)
    }
}
