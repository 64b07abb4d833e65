//! PKCS12 keystores and truststores for Ozone's Java servers, written by `p12-keystore`.
//!
//! The stores use Java's own defaults since 8u301/11.0.12 (PBES2 with AES-256 and an
//! HMAC-SHA256 MAC, 10 000 iterations), the same as cert-manager's `Modern2023` profile the
//! cert-manager mode asks for. Truststore entries carry Oracle's trustedKeyUsage bag
//! attribute, without which Java's `KeyStore` skips a certificate bag that has no key.

use super::summary::certificates_in;
use super::{Leaf, PkiError};
use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
use rcgen::KeyPair;
use sha2::{Digest, Sha256};

/// The alias of the key entry in a keystore.
pub const KEY_ALIAS: &str = "server";

/// A keystore with one key entry ([`KEY_ALIAS`]): the leaf's key, the leaf certificate, then
/// every certificate in `chain` (PEM texts, each holding one or more certificates — normally
/// the CA).
pub fn keystore_p12(leaf: &Leaf, chain: &[&str], password: &str) -> Result<Vec<u8>, PkiError> {
    let key = KeyPair::from_pem(leaf.key_pem()).map_err(|e| PkiError::BadKey(e.to_string()))?;
    let key =
        PrivateKey::from_der(&key.serialize_der()).map_err(|e| PkiError::BadKey(e.to_string()))?;
    let mut certs = to_p12_certs(leaf.cert_pem())?;
    for pem in chain {
        certs.extend(to_p12_certs(pem)?);
    }
    // The local key id ties the key bag to its certificate bag; a digest of the leaf is stable
    // and unique enough for a store with one key.
    let key_id = Sha256::digest(certs[0].as_der())[..20].to_vec();
    let mut store = KeyStore::new();
    store.add_entry(
        KEY_ALIAS,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(key_id, key, certs)),
    );
    write(&store, password)
}

/// A truststore with one trusted-certificate entry per certificate in `ca_pems` (PEM texts,
/// each holding one or more certificates), aliased `ca-0`, `ca-1`, … in order.
pub fn truststore_p12(ca_pems: &[&str], password: &str) -> Result<Vec<u8>, PkiError> {
    let mut store = KeyStore::new();
    let mut n = 0;
    for pem in ca_pems {
        for cert in to_p12_certs(pem)? {
            store.add_entry(&format!("ca-{n}"), KeyStoreEntry::Certificate(cert));
            n += 1;
        }
    }
    if n == 0 {
        return Err(PkiError::NoCertificate);
    }
    write(&store, password)
}

fn to_p12_certs(pem: &str) -> Result<Vec<Certificate>, PkiError> {
    certificates_in(pem)?
        .iter()
        .map(|der| Certificate::from_der(der).map_err(|e| PkiError::BadCertificate(e.to_string())))
        .collect()
}

fn write(store: &KeyStore, password: &str) -> Result<Vec<u8>, PkiError> {
    store
        .writer(password)
        .write()
        .map_err(|e| PkiError::Pkcs12(e.to_string()))
}
