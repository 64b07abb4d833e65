//! Managed-mode reads and the leaf re-issue for rotation: a leaf is re-issued from the cluster
//! CA with the names and lifetime the rendered `<cluster>-certificates` ConfigMap asks for (so
//! a re-render after a scale-up adds the new pods' names), into a Secret laid out by
//! [`super::secrets`], as `cert issue` writes it.

use super::issue::lifetime;
use super::{secret_text, secrets};
use anyhow::{Context, Result, anyhow};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::jiff::Timestamp;
use ozone_engine::cluster::act::Actuator;
use ozone_engine::cluster::view::KubeReader;
use ozone_engine::pki::{
    CA_BUNDLE_KEY, Ca, ISSUED_AT_ANNOTATION, Leaf, LeafRequest, TLS_CRT_KEY, TLS_KEY_KEY, Validity,
    fingerprint,
};
use ozone_generator::names::Names;
use ozone_generator::objects::tls::{CertificateRequests, PASSWORD_KEY};
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

/// Now, to the second: issue times are recorded at that precision.
pub fn now() -> Timestamp {
    let now = Timestamp::now();
    Timestamp::from_second(now.as_second()).unwrap_or(now)
}

/// When a Secret's certificate was issued, as its annotation records it; `now` without one.
pub fn issued_of(secret: &Secret) -> Timestamp {
    super::secret_annotation(secret, ISSUED_AT_ANNOTATION)
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(now)
}

/// The certificate and key a leaf Secret holds now.
pub fn current_leaf(secret: &Secret) -> Result<Leaf> {
    let name = secret.metadata.name.as_deref().unwrap_or_default();
    Leaf::from_pem(&text(secret, TLS_CRT_KEY)?, &text(secret, TLS_KEY_KEY)?)
        .with_context(|| format!("secret {name} does not hold a usable certificate and key"))
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

/// Re-issues `component`'s leaf from the cluster CA into its Secret `name` (laid out as `cert
/// issue` lays it out); returns the new fingerprint.
pub async fn reissue(
    kube: &KubeReader,
    act: &Actuator,
    names: &Names,
    requests: &CertificateRequests,
    component: Component,
    name: &str,
) -> Result<String> {
    let ca_secret = required(kube, &requests.ca.secret_name).await?;
    let ca = signing_ca(&ca_secret)?;
    let bundle = text(&ca_secret, CA_BUNDLE_KEY)?;
    let password = password(kube, requests).await?;
    let previous = required(kube, name).await?;
    let issued = now();
    let leaf = ca.issue(&leaf_request(requests, component, issued)?)?;
    let secret = secrets::leaf_secret(
        names,
        name,
        component.id(),
        &leaf,
        ca.cert_pem(),
        &bundle,
        &password,
        issued,
        Some(&previous),
    )?;
    act.replace_secret(&secret)
        .await
        .with_context(|| format!("cannot write the new certificate into secret {name}"))?;
    Ok(fingerprint(leaf.cert_pem())?)
}
