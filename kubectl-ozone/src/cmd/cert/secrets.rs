//! The layout of the managed-mode Secrets, defined once for `cert issue` and `cert rotate`:
//! which keys, which type, which labels and annotations. Building a Secret holds key
//! material only in the returned value, which goes to the API and nowhere else.

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::jiff::Timestamp;
use kube::api::ObjectMeta;
use ozone_engine::pki::{
    self, CA_BUNDLE_KEY, CA_CRT_KEY, Ca, ISSUED_AT_ANNOTATION, Leaf, PkiError, TLS_CRT_KEY,
    TLS_KEY_KEY,
};
use ozone_generator::names::{
    LABEL_COMPONENT, LABEL_MANAGED_BY, MANAGER, Names, TLS_FINGERPRINT_ANNOTATION,
};
use ozone_generator::objects::tls::{KEYSTORE_FILE, PASSWORD_KEY, TRUSTSTORE_FILE};
use std::collections::BTreeMap;

/// Labels of a managed Secret: the cluster's selector, managed-by, and the component of a leaf.
pub fn labels(names: &Names, component: Option<&str>) -> BTreeMap<String, String> {
    let mut labels = names.cluster_selector();
    labels.insert(LABEL_MANAGED_BY.to_owned(), MANAGER.to_owned());
    if let Some(c) = component {
        labels.insert(LABEL_COMPONENT.to_owned(), c.to_owned());
    }
    labels
}

fn build(
    name: &str,
    type_: &str,
    labels: BTreeMap<String, String>,
    annotations: Option<BTreeMap<String, String>>,
    data: Vec<(&str, Vec<u8>)>,
    previous: Option<&Secret>,
) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(labels),
            annotations,
            // A replace carries the version that was read, so a Secret changed since is not
            // overwritten.
            resource_version: previous.and_then(|p| p.metadata.resource_version.clone()),
            ..ObjectMeta::default()
        },
        type_: Some(type_.to_owned()),
        data: Some(
            data.into_iter()
                .map(|(k, v)| (k.to_owned(), ByteString(v)))
                .collect(),
        ),
        ..Secret::default()
    }
}

fn issued_annotations(fingerprint: String, issued: Timestamp) -> BTreeMap<String, String> {
    BTreeMap::from([
        (TLS_FINGERPRINT_ANNOTATION.to_owned(), fingerprint),
        (ISSUED_AT_ANNOTATION.to_owned(), issued.to_string()),
    ])
}

/// The CA Secret (`kubernetes.io/tls`: `tls.crt`, `tls.key`, and `ca-bundle.crt` — every CA
/// truststores must trust; `bundle` is the CA's own certificate except during a CA rotation).
pub fn ca_secret(
    names: &Names,
    name: &str,
    ca: &Ca,
    bundle: &str,
    issued: Timestamp,
    previous: Option<&Secret>,
) -> Result<Secret, PkiError> {
    Ok(build(
        name,
        "kubernetes.io/tls",
        labels(names, None),
        Some(issued_annotations(pki::fingerprint(ca.cert_pem())?, issued)),
        vec![
            (TLS_CRT_KEY, ca.cert_pem().as_bytes().to_vec()),
            (TLS_KEY_KEY, ca.key_pem().as_bytes().to_vec()),
            (CA_BUNDLE_KEY, bundle.as_bytes().to_vec()),
        ],
        previous,
    ))
}

/// The Secret with the keystore and truststore password (`Opaque`, key `keystore-password`).
pub fn password_secret(names: &Names, name: &str, password: &str) -> Secret {
    build(
        name,
        "Opaque",
        labels(names, None),
        None,
        vec![(PASSWORD_KEY, password.as_bytes().to_vec())],
        None,
    )
}

/// A component's Secret (`kubernetes.io/tls`): `tls.crt`, `tls.key`, `ca.crt` (the bundle),
/// `keystore.p12` (the leaf, then `ca_pem`), `truststore.p12` (every CA in the bundle), both
/// locked with `password`; annotated with the fingerprint and `issued`.
#[allow(clippy::too_many_arguments)]
pub fn leaf_secret(
    names: &Names,
    name: &str,
    component: &str,
    leaf: &Leaf,
    ca_pem: &str,
    bundle: &str,
    password: &str,
    issued: Timestamp,
    previous: Option<&Secret>,
) -> Result<Secret, PkiError> {
    let keystore = pki::keystore_p12(leaf, &[ca_pem], password)?;
    let truststore = pki::truststore_p12(&[bundle], password)?;
    Ok(build(
        name,
        "kubernetes.io/tls",
        labels(names, Some(component)),
        Some(issued_annotations(
            pki::fingerprint(leaf.cert_pem())?,
            issued,
        )),
        vec![
            (TLS_CRT_KEY, leaf.cert_pem().as_bytes().to_vec()),
            (TLS_KEY_KEY, leaf.key_pem().as_bytes().to_vec()),
            (CA_CRT_KEY, bundle.as_bytes().to_vec()),
            (KEYSTORE_FILE, keystore),
            (TRUSTSTORE_FILE, truststore),
        ],
        previous,
    ))
}
