//! The cluster CA and the leaf certificates it signs, built with `rcgen`.

use super::PkiError;
use super::summary::{first_certificate_der, with_certificate};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use std::fmt;
use std::time::SystemTime;

/// When a certificate is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// First valid instant.
    pub not_before: Timestamp,
    /// Last valid instant.
    pub not_after: Timestamp,
}

impl Validity {
    /// Valid from a little before `now` for `lifetime`. The start is backdated by five minutes
    /// so a node whose clock lags the one that issued the certificate still accepts it.
    pub fn starting(now: Timestamp, lifetime: SignedDuration) -> Result<Validity, PkiError> {
        if !lifetime.is_positive() {
            return Err(PkiError::BadRequest(format!(
                "lifetime {lifetime:#} must be positive"
            )));
        }
        let skew = SignedDuration::from_mins(5);
        let bad = |e: k8s_openapi::jiff::Error| PkiError::BadRequest(format!("validity: {e}"));
        let v = Validity {
            not_before: now.checked_sub(skew).map_err(bad)?,
            not_after: now.checked_add(lifetime).map_err(bad)?,
        };
        v.check()?;
        Ok(v)
    }

    fn check(&self) -> Result<(), PkiError> {
        if self.not_after <= self.not_before {
            return Err(PkiError::BadRequest(format!(
                "validity ends ({}) before it starts ({})",
                self.not_after, self.not_before
            )));
        }
        Ok(())
    }

    fn apply(&self, params: &mut CertificateParams) {
        params.not_before = SystemTime::from(self.not_before).into();
        params.not_after = SystemTime::from(self.not_after).into();
    }
}

/// What a leaf certificate should say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafRequest {
    /// Subject common name (the component's client Service host).
    pub common_name: String,
    /// Subject alternative names; at least one.
    pub dns_names: Vec<String>,
    /// Validity window.
    pub validity: Validity,
}

/// A signed leaf certificate and its private key, both PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct Leaf {
    cert_pem: String,
    key_pem: String,
}

impl Leaf {
    /// A leaf from stored PEM (a Secret's `tls.crt` and `tls.key`), checking the key belongs to
    /// the certificate: what `cert rotate` rebuilds a keystore from when only the CA changes.
    #[allow(dead_code)]
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Leaf, PkiError> {
        check_key_matches(cert_pem, key_pem)?;
        Ok(Leaf {
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
        })
    }

    /// The certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The private key, PKCS#8 PEM. Goes into a Secret and nowhere else.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }
}

impl fmt::Debug for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leaf")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// A certificate authority: its self-signed certificate and private key, both PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct Ca {
    cert_pem: String,
    key_pem: String,
}

impl fmt::Debug for Ca {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ca")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

impl Ca {
    /// A new self-signed CA with a fresh key. It may sign leaves only (path length 0).
    pub fn generate(common_name: &str, validity: &Validity) -> Result<Ca, PkiError> {
        validity.check()?;
        let key = new_key()?;
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(common_name)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.serial_number = Some(random_serial()?);
        validity.apply(&mut params);
        let cert = params
            .self_signed(&key)
            .map_err(|e| PkiError::Sign(e.to_string()))?;
        Ok(Ca {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// A CA from stored PEM (the CA Secret's `tls.crt` and `tls.key`). Refuses a certificate
    /// that is not a CA or a key that does not belong to it.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Ca, PkiError> {
        check_key_matches(cert_pem, key_pem)?;
        let is_ca = with_certificate(cert_pem, |c| {
            Ok(c.basic_constraints()
                .ok()
                .flatten()
                .is_some_and(|b| b.value.ca))
        })?;
        if !is_ca {
            return Err(PkiError::BadCertificate(
                "the certificate is not a CA (basicConstraints CA:TRUE missing)".into(),
            ));
        }
        Ok(Ca {
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA private key, PKCS#8 PEM. Goes into the CA Secret and nowhere else.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// Signs a new leaf with a fresh key, for TLS servers and clients.
    pub fn issue(&self, req: &LeafRequest) -> Result<Leaf, PkiError> {
        req.validity.check()?;
        if req.dns_names.is_empty() {
            return Err(PkiError::BadRequest("no DNS names".into()));
        }
        let ca_key =
            KeyPair::from_pem(&self.key_pem).map_err(|e| PkiError::BadKey(e.to_string()))?;
        let issuer = Issuer::from_ca_cert_pem(&self.cert_pem, ca_key)
            .map_err(|e| PkiError::BadCertificate(e.to_string()))?;
        let ca_not_after =
            with_certificate(&self.cert_pem, |c| Ok(c.validity().not_after.timestamp()))?;
        if req.validity.not_after.as_second() > ca_not_after {
            return Err(PkiError::BadRequest(format!(
                "the leaf would outlive its CA (CA valid until {}); rotate the CA first",
                Timestamp::from_second(ca_not_after)
                    .map(|t| t.to_string())
                    .unwrap_or_else(|_| ca_not_after.to_string())
            )));
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(&req.common_name)?;
        params.subject_alt_names = req
            .dns_names
            .iter()
            .map(|n| {
                n.clone()
                    .try_into()
                    .map(SanType::DnsName)
                    .map_err(|_| PkiError::BadRequest(format!("DNS name {n:?} is not ASCII")))
            })
            .collect::<Result<_, _>>()?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyAgreement,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(random_serial()?);
        req.validity.apply(&mut params);
        let key = new_key()?;
        let cert = params
            .signed_by(&key, &issuer)
            .map_err(|e| PkiError::Sign(e.to_string()))?;
        Ok(Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

fn new_key() -> Result<KeyPair, PkiError> {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| PkiError::Sign(e.to_string()))
}

fn subject(common_name: &str) -> Result<DistinguishedName, PkiError> {
    if common_name.is_empty() || common_name.len() > 64 {
        return Err(PkiError::BadRequest(format!(
            "common name {common_name:?} must be 1 to 64 characters"
        )));
    }
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    Ok(dn)
}

/// 16 random bytes with the top bit clear, so the DER INTEGER stays positive and within the
/// 20 octets RFC 5280 allows.
fn random_serial() -> Result<SerialNumber, PkiError> {
    let mut bytes = vec![0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| PkiError::Random(e.to_string()))?;
    bytes[0] &= 0x7f;
    // A leading zero byte would be dropped by the encoder; keep the serial 16 bytes long.
    bytes[0] |= 0x01;
    Ok(SerialNumber::from(bytes))
}

fn check_key_matches(cert_pem: &str, key_pem: &str) -> Result<(), PkiError> {
    let key = KeyPair::from_pem(key_pem).map_err(|e| PkiError::BadKey(e.to_string()))?;
    let der = first_certificate_der(cert_pem)?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| PkiError::BadCertificate(e.to_string()))?;
    if cert.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
        return Err(PkiError::BadKey(
            "the private key does not belong to the certificate".into(),
        ));
    }
    Ok(())
}
