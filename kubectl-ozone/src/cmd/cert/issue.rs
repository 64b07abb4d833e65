//! Managed-mode Secret contents for rotation: a leaf re-issued from the cluster CA (subject,
//! names and lifetime from the rendered ConfigMap `<cluster>-certificates`, so a re-render
//! after a scale-up adds the new pods' names; from the certificate it replaces when a cluster
//! was rendered without that ConfigMap), and the trust material (`ca.crt`, `truststore.p12`)
//! for a set of CAs. Key material moves from the CA Secret into
//! leaf Secrets and nowhere else.

use super::rotate::TlsSecret;
use crate::cluster::act::Actuator;
use crate::cluster::view::{ClusterView, KubeReader};
use crate::pki::{
    CA_CRT_KEY, Ca, CertSummary, ISSUED_AT_ANNOTATION, Leaf, LeafRequest,
    SECRET_FINGERPRINT_ANNOTATION, TLS_CRT_KEY, TLS_KEY_KEY, Validity, ca_secret_name, fingerprint,
    keystore_p12, truststore_p12,
};
use anyhow::{Context, Result, anyhow};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use ozone_generator::build::tls::{
    CERTIFICATES_KEY, CertificateRequests, KEYSTORE_FILE, PASSWORD_KEY, TRUSTSTORE_FILE,
    certificates_config_map_name, password_secret_of,
};
use ozone_storage::Component;

/// A text value of a Secret.
pub fn text<'s>(secret: &'s Secret, key: &str) -> Result<&'s str> {
    let name = secret.metadata.name.as_deref().unwrap_or_default();
    let bytes = secret
        .data
        .as_ref()
        .and_then(|d| d.get(key))
        .ok_or_else(|| anyhow!("secret {name} has no {key}"))?;
    std::str::from_utf8(&bytes.0).map_err(|_| anyhow!("secret {name}: {key} is not text"))
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

/// The keystore password of a cluster.
pub async fn password(kube: &KubeReader, cluster: &str) -> Result<String> {
    let name = password_secret_of(cluster);
    Ok(text(&required(kube, &name).await?, PASSWORD_KEY)?.to_owned())
}

/// The CA that signs leaves now, from the CA Secret.
pub fn signing_ca(ca_secret: &Secret) -> Result<Ca> {
    let name = ca_secret.metadata.name.as_deref().unwrap_or_default();
    Ca::from_pem(text(ca_secret, TLS_CRT_KEY)?, text(ca_secret, TLS_KEY_KEY)?)
        .with_context(|| format!("secret {name} does not hold a usable CA"))
}

/// The common name of a certificate's subject.
pub fn common_name(subject: &str) -> Option<&str> {
    subject
        .split(',')
        .map(str::trim)
        .find_map(|rdn| rdn.strip_prefix("CN="))
}

/// A validity window as long as `old`'s, starting now. Issued certificates start five minutes
/// early (see `Validity::starting`), which is taken off again so lifetimes do not creep.
pub fn same_lifetime(old: &CertSummary, now: Timestamp) -> Result<Validity> {
    let span = SignedDuration::from_secs(old.not_after.as_second() - old.not_before.as_second());
    let lifetime = span
        .checked_sub(SignedDuration::from_mins(5))
        .filter(|l| l.is_positive())
        .unwrap_or(span);
    Ok(Validity::starting(now, lifetime)?)
}

/// A request for a leaf like the one in `secret`: same subject, names and lifetime.
pub fn like_current(secret: &Secret, now: Timestamp) -> Result<LeafRequest> {
    let name = secret.metadata.name.as_deref().unwrap_or_default();
    let old = CertSummary::parse(text(secret, TLS_CRT_KEY)?)
        .with_context(|| format!("secret {name}: {TLS_CRT_KEY}"))?;
    let cn = common_name(&old.subject)
        .ok_or_else(|| anyhow!("secret {name}: the certificate has no common name"))?;
    Ok(LeafRequest {
        common_name: cn.to_owned(),
        dns_names: old.dns_names.clone(),
        validity: same_lifetime(&old, now)?,
    })
}

/// What managed mode must issue, from the ConfigMap `<cluster>-certificates`; `None` when the
/// cluster was rendered without it.
pub async fn requests(kube: &KubeReader, cluster: &str) -> Result<Option<CertificateRequests>> {
    let name = certificates_config_map_name(cluster);
    let Some(cm) = kube.config_map(&name).await? else {
        return Ok(None);
    };
    let json = cm
        .data
        .as_ref()
        .and_then(|d| d.get(CERTIFICATES_KEY))
        .ok_or_else(|| anyhow!("ConfigMap {name} has no {CERTIFICATES_KEY}"))?;
    serde_json::from_str(json)
        .map(Some)
        .with_context(|| format!("ConfigMap {name}: {CERTIFICATES_KEY}"))
}

/// A validity window of a Go-style duration (`2160h`) from `now`.
pub fn lifetime(duration: &str, now: Timestamp) -> Result<Validity> {
    let d = crate::ui::duration::parse(duration).map_err(|e| anyhow!("duration: {e}"))?;
    let d = SignedDuration::try_from(d).map_err(|e| anyhow!("duration {duration}: {e}"))?;
    Ok(Validity::starting(now, d)?)
}

/// The leaf to issue for `component`: as rendered in `requests`, else like the certificate in
/// `secret`.
pub fn leaf_request(
    requests: Option<&CertificateRequests>,
    component: Component,
    secret: &Secret,
    now: Timestamp,
) -> Result<LeafRequest> {
    match requests.and_then(|r| r.certificates.get(component.id()).map(|c| (r, c))) {
        Some((r, c)) => Ok(LeafRequest {
            common_name: c.common_name.clone(),
            dns_names: c.dns_names.clone(),
            validity: lifetime(&r.duration, now)?,
        }),
        None => like_current(secret, now),
    }
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
    annotate(secret, SECRET_FINGERPRINT_ANNOTATION, &fp);
    annotate(
        secret,
        ISSUED_AT_ANNOTATION,
        &now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    );
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

/// Re-issues a component's leaf from the cluster CA into its Secret; returns the new
/// fingerprint.
pub async fn reissue(
    kube: &KubeReader,
    act: &Actuator,
    view: &ClusterView,
    s: &TlsSecret,
) -> Result<String> {
    let ca = signing_ca(&required(kube, &ca_secret_name(view.cluster())).await?)?;
    let password = password(kube, view.cluster()).await?;
    let requests = requests(kube, view.cluster()).await?;
    let mut secret = required(kube, &s.name).await?;
    let now = Timestamp::now();
    let leaf = ca.issue(&leaf_request(requests.as_ref(), s.component, &secret, now)?)?;
    let fp = put_leaf(&mut secret, &leaf, &ca, &password, now)?;
    act.replace_secret(&secret)
        .await
        .with_context(|| format!("cannot write the new certificate into secret {}", s.name))?;
    Ok(fp)
}
