//! Managed-mode Secret changes for rotation: a leaf re-issued from the cluster CA with the
//! names and lifetime the rendered `<cluster>-certificates` ConfigMap asks for (so a
//! re-render after a scale-up adds the new pods' names), and the trust material (`ca.crt`,
//! `truststore.p12`) for a set of CAs. The Secrets keep the shape `cert issue` gives them; key
//! material moves between Secrets and nowhere else.

use super::issue::lifetime;
use super::secret_text;
use crate::cluster::act::Actuator;
use crate::cluster::view::KubeReader;
use crate::pki::{
    CA_CRT_KEY, Ca, ISSUED_AT_ANNOTATION, Leaf, LeafRequest, TLS_CRT_KEY, TLS_KEY_KEY, Validity,
    fingerprint, keystore_p12, truststore_p12,
};
use anyhow::{Context, Result, anyhow};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::jiff::Timestamp;
use ozone_generator::build::tls::{
    CertificateRequests, KEYSTORE_FILE, PASSWORD_KEY, TRUSTSTORE_FILE,
};
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use ozone_storage::Component;

/// A text value a Secret must have.
pub fn text(secret: &Secret, key: &str) -> Result<String> {
    secret_text(secret, key).ok_or_else(|| {
        anyhow!(
            "secret {} has no {key}",
            secret.metadata.name.as_deref().unwrap_or_default()
        )
    })
}

/// Sets a value of a Secret.
pub fn set(secret: &mut Secret, key: &str, value: impl Into<Vec<u8>>) {
    secret
        .data
        .get_or_insert_with(Default::default)
        .insert(key.to_owned(), ByteString(value.into()));
}

/// Sets an annotation.
pub fn annotate(secret: &mut Secret, key: &str, value: &str) {
    secret
        .metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert(key.to_owned(), value.to_owned());
}

/// Reads a Secret that must exist.
pub async fn required(kube: &KubeReader, name: &str) -> Result<Secret> {
    kube.secret(name).await?.ok_or_else(|| {
        anyhow!("secret {name} not found (managed mode: run `kubectl ozone cert issue` first)")
    })
}

/// The keystore password.
pub async fn password(kube: &KubeReader, requests: &CertificateRequests) -> Result<String> {
    text(
        &required(kube, &requests.password_secret).await?,
        PASSWORD_KEY,
    )
}

/// The CA that signs leaves now, from the CA Secret.
pub fn signing_ca(ca_secret: &Secret) -> Result<Ca> {
    let name = ca_secret.metadata.name.as_deref().unwrap_or_default();
    Ca::from_pem(
        &text(ca_secret, TLS_CRT_KEY)?,
        &text(ca_secret, TLS_KEY_KEY)?,
    )
    .with_context(|| format!("secret {name} does not hold a usable CA"))
}

/// The leaf the ConfigMap asks for `component`, valid from `now`.
pub fn leaf_request(
    requests: &CertificateRequests,
    component: Component,
    now: Timestamp,
) -> Result<LeafRequest> {
    let c = requests.certificates.get(component.id()).ok_or_else(|| {
        anyhow!("the certificates ConfigMap has no entry for {component}; re-render and re-apply")
    })?;
    Ok(LeafRequest {
        common_name: c.common_name.clone(),
        dns_names: c.dns_names.clone(),
        validity: Validity::starting(now, lifetime(&requests.duration, "duration")?)?,
    })
}

/// The issue time as the annotation records it (whole seconds, RFC 3339).
fn issued_at(now: Timestamp) -> String {
    Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}

/// Puts a new leaf into a Secret: certificate, key, keystore (with `ca` as its chain), and the
/// fingerprint and issue-time annotations. Returns the fingerprint.
pub fn put_leaf(
    secret: &mut Secret,
    leaf: &Leaf,
    ca: &Ca,
    password: &str,
    now: Timestamp,
) -> Result<String> {
    let fp = fingerprint(leaf.cert_pem())?;
    set(secret, TLS_CRT_KEY, leaf.cert_pem());
    set(secret, TLS_KEY_KEY, leaf.key_pem());
    set(
        secret,
        KEYSTORE_FILE,
        keystore_p12(leaf, &[ca.cert_pem()], password)?,
    );
    annotate(secret, TLS_FINGERPRINT_ANNOTATION, &fp);
    annotate(secret, ISSUED_AT_ANNOTATION, &issued_at(now));
    Ok(fp)
}

/// Puts the trust material for `bundle` (every CA to trust, PEM) into a leaf Secret.
pub fn put_trust(secret: &mut Secret, bundle: &str, password: &str) -> Result<()> {
    set(secret, CA_CRT_KEY, bundle);
    set(
        secret,
        TRUSTSTORE_FILE,
        truststore_p12(&[bundle], password)?,
    );
    Ok(())
}

/// Checks, before anything changes, that every leaf of `components` can be re-issued: the CA
/// and password Secrets are usable and the ConfigMap has an entry for each.
pub async fn check(
    kube: &KubeReader,
    requests: &CertificateRequests,
    components: &[Component],
) -> Result<()> {
    signing_ca(&required(kube, &requests.ca.secret_name).await?)?;
    password(kube, requests).await?;
    for &c in components {
        leaf_request(requests, c, Timestamp::now())?;
    }
    Ok(())
}

/// Re-issues `component`'s leaf from the cluster CA into its Secret `name`; returns the new
/// fingerprint.
pub async fn reissue(
    kube: &KubeReader,
    act: &Actuator,
    requests: &CertificateRequests,
    component: Component,
    name: &str,
) -> Result<String> {
    let ca = signing_ca(&required(kube, &requests.ca.secret_name).await?)?;
    let password = password(kube, requests).await?;
    let mut secret = required(kube, name).await?;
    let now = Timestamp::now();
    let leaf = ca.issue(&leaf_request(requests, component, now)?)?;
    let fp = put_leaf(&mut secret, &leaf, &ca, &password, now)?;
    act.replace_secret(&secret)
        .await
        .with_context(|| format!("cannot write the new certificate into secret {name}"))?;
    Ok(fp)
}
