//! TLS for the HTTP endpoints. In both modes every pod with an HTTPS server mounts the Secret
//! `<cluster>-<component>-tls` (keys `tls.crt`, `tls.key`, `ca.crt`, `keystore.p12`,
//! `truststore.p12`, as cert-manager writes them) and reads the keystore password from
//! `<cluster>-tls-passwords`; the config switches to `HTTPS_ONLY`, which moves every HTTP port
//! to its HTTPS twin (the catalog's `https`), and probes, Services, NetworkPolicies and
//! ServiceMonitors follow.
//!
//! - `cert-manager`: render a CA chain (self-signed root → CA Issuer, unless the spec names an
//!   issuer) and a Certificate per component.
//! - `managed`: render only references, plus the ConfigMap `<cluster>-certificates` that tells
//!   `kubectl ozone cert issue` and `cert rotate` which Secrets to write with which names (so a
//!   re-render after a scale-up updates them). The commands create the Secrets; no key material
//!   ever appears in rendered output.

use super::{BuildError, meta};
use crate::spec::Cluster;
use crate::spec::doc::TlsMode;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use ozone_storage::Component;
use ozone_storage::catalog::State;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the TLS Secret is mounted.
pub const TLS_DIR: &str = "/etc/ozone/tls";
/// The keystore file cert-manager writes for PKCS12 keystores.
pub const KEYSTORE_FILE: &str = "keystore.p12";
/// The truststore file cert-manager writes for PKCS12 keystores.
pub const TRUSTSTORE_FILE: &str = "truststore.p12";
/// The key in the passwords Secret.
pub const PASSWORD_KEY: &str = "keystore-password";

/// The Secret with a component's certificate and stores.
pub fn secret_name(cluster: &Cluster, component: Component) -> String {
    secret_name_for(&cluster.names(), component)
}

/// The same, from the names alone (what the plugin knows of a running cluster).
pub fn secret_name_for(names: &crate::names::Names, component: Component) -> String {
    format!("{}-tls", names.component(component))
}

/// The Secret with the keystore and truststore password.
pub fn password_secret(cluster: &Cluster) -> String {
    password_secret_of(&cluster.name)
}

/// [`password_secret`] from the cluster's name alone (what day-2 commands know).
pub fn password_secret_of(cluster_name: &str) -> String {
    format!("{cluster_name}-tls-passwords")
}

/// Whether a component serves HTTPS when TLS is on (it has an HTTP port with an HTTPS twin).
pub fn serves_https(component: Component) -> bool {
    component.service().ports.iter().any(|p| p.https.is_some())
}

/// X.509's upper bound on a common name (RFC 5280 `ub-common-name`); issuers, cert-manager
/// among them, refuse longer ones.
pub const COMMON_NAME_MAX: usize = 64;

/// A leaf's common name: the Service's address when it fits [`COMMON_NAME_MAX`], else the
/// Service's own name (a DNS label, so it always fits). Clients verify hosts against the
/// subject alternative names, which list every address in full either way.
pub fn leaf_common_name(cluster: &Cluster, component: Component) -> String {
    let names = cluster.names();
    let host = names.service_host(component);
    if host.len() <= COMMON_NAME_MAX {
        host
    } else {
        names.component(component)
    }
}

/// The cluster CA's common name: `Ozone CA <namespace>/<cluster>`, or `Ozone CA <cluster>`
/// when a long namespace would pass [`COMMON_NAME_MAX`].
pub fn ca_common_name(cluster: &Cluster) -> String {
    let full = format!("Ozone CA {}/{}", cluster.namespace, cluster.name);
    if full.len() <= COMMON_NAME_MAX {
        return full;
    }
    let mut short = format!("Ozone CA {}", cluster.name);
    short.truncate(COMMON_NAME_MAX);
    short
}

/// Every name the component's certificate must cover: the client Service, the headless
/// Service and each pod, in their short and qualified forms, plus the spec's extra names.
pub fn dns_names(cluster: &Cluster, component: Component) -> Vec<String> {
    let names = cluster.names();
    let (ns, domain) = (&cluster.namespace, &cluster.cluster_domain);
    let qualified = |short: &str| {
        vec![
            short.to_owned(),
            format!("{short}.{ns}"),
            format!("{short}.{ns}.svc"),
            format!("{short}.{ns}.svc.{domain}"),
        ]
    };
    let mut out = Vec::new();
    if component != Component::Datanode {
        out.extend(qualified(&names.component(component)));
    }
    if component.service().state == State::Persistent {
        let headless = names.headless(component);
        out.extend(qualified(&headless));
        for i in 0..cluster.replicas(component) {
            let pod = names.pod(component, i);
            out.push(format!("{pod}.{headless}.{ns}.svc"));
            out.push(names.pod_host(component, i));
        }
    }
    if let Some(tls) = &cluster.tls
        && let Some(extra) = tls.extra_dns_names.get(&component)
    {
        out.extend(extra.iter().cloned());
    }
    out
}

/// The managed-mode ConfigMap naming the certificates `cert issue` must create.
pub fn certificates_config_map_name(cluster_name: &str) -> String {
    format!("{cluster_name}-certificates")
}

/// The key of that ConfigMap holding [`CertificateRequests`] as JSON.
pub const CERTIFICATES_KEY: &str = "certificates.json";

/// The CA's lifetime in managed mode, as in cert-manager mode: it outlives the leaves it signs
/// several times over.
pub const CA_DURATION: &str = "87600h";

/// What managed mode needs issued: read back from the cluster by `cert issue`/`cert rotate`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRequests {
    /// The CA.
    pub ca: CaRequest,
    /// The Secret with the keystore password.
    pub password_secret: String,
    /// Leaf lifetime (Go duration).
    pub duration: String,
    /// Renew this long before expiry (Go duration).
    pub renew_before: String,
    /// One per component serving HTTPS, by component id (`om`, `scm`, …).
    pub certificates: BTreeMap<String, LeafCertificate>,
}

/// The CA entry of [`CertificateRequests`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaRequest {
    /// Its Secret (`tls.crt`, `tls.key`, `ca-bundle.crt`).
    pub secret_name: String,
    /// Subject common name.
    pub common_name: String,
    /// Lifetime (Go duration).
    pub duration: String,
}

/// A leaf entry of [`CertificateRequests`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeafCertificate {
    /// The Secret the component mounts.
    pub secret_name: String,
    /// Subject common name.
    pub common_name: String,
    /// Subject alternative names.
    pub dns_names: Vec<String>,
}

/// The certificate requests, in managed mode.
pub fn certificate_requests(cluster: &Cluster) -> Option<CertificateRequests> {
    let tls = cluster
        .tls
        .as_ref()
        .filter(|t| t.mode == TlsMode::Managed)?;
    let certificates = cluster
        .components
        .keys()
        .filter(|c| serves_https(**c))
        .map(|&c| {
            (
                c.id().to_owned(),
                LeafCertificate {
                    secret_name: secret_name(cluster, c),
                    common_name: leaf_common_name(cluster, c),
                    dns_names: dns_names(cluster, c),
                },
            )
        })
        .collect();
    Some(CertificateRequests {
        ca: CaRequest {
            secret_name: format!("{}-ca", cluster.name),
            common_name: ca_common_name(cluster),
            duration: CA_DURATION.into(),
        },
        password_secret: password_secret(cluster),
        duration: tls.duration.clone(),
        renew_before: tls.renew_before.clone(),
        certificates,
    })
}

/// The ConfigMap `<cluster>-certificates`, in managed mode.
pub fn certificates_config_map(cluster: &Cluster) -> Result<Option<ConfigMap>, BuildError> {
    let Some(requests) = certificate_requests(cluster) else {
        return Ok(None);
    };
    let name = certificates_config_map_name(&cluster.name);
    let json = serde_json::to_string_pretty(&requests).map_err(|e| BuildError::Serialize {
        kind: "ConfigMap".into(),
        name: name.clone(),
        message: e.to_string(),
    })?;
    let labels = cluster.names().cluster_labels(&cluster.version);
    Ok(Some(ConfigMap {
        metadata: meta(&name, &cluster.namespace, labels),
        data: Some(BTreeMap::from([(CERTIFICATES_KEY.to_owned(), json)])),
        ..ConfigMap::default()
    }))
}

/// `cert-manager.io/v1` Issuer (the fields we set).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Issuer {
    /// `cert-manager.io/v1`.
    pub api_version: String,
    /// `Issuer`.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec: `selfSigned: {}` or `ca: {secretName}`.
    pub spec: IssuerSpec,
}

/// `Issuer.spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuerSpec {
    /// A self-signing issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_signed: Option<BTreeMap<String, String>>,
    /// A CA issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<CaIssuer>,
}

/// `Issuer.spec.ca`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaIssuer {
    /// The Secret with the CA's certificate and key.
    pub secret_name: String,
}

/// `cert-manager.io/v1` Certificate (the fields we set).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Certificate {
    /// `cert-manager.io/v1`.
    pub api_version: String,
    /// `Certificate`.
    pub kind: String,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: CertificateSpec,
}

/// `Certificate.spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateSpec {
    /// Secret to write.
    pub secret_name: String,
    /// Subject common name.
    pub common_name: String,
    /// Subject alternative names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_names: Vec<String>,
    /// Whether this is a CA.
    #[serde(default, rename = "isCA", skip_serializing_if = "std::ops::Not::not")]
    pub is_ca: bool,
    /// Lifetime.
    pub duration: String,
    /// Renewal margin.
    pub renew_before: String,
    /// Key settings.
    pub private_key: PrivateKey,
    /// Key usages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usages: Vec<String>,
    /// Issuer.
    pub issuer_ref: IssuerRef,
    /// Keystores written beside the PEM files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keystores: Option<Keystores>,
}

/// `privateKey`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrivateKey {
    /// `RSA`.
    pub algorithm: String,
    /// Bits.
    pub size: u32,
    /// `Always`: a new key on every renewal.
    pub rotation_policy: String,
}

/// `issuerRef`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuerRef {
    /// Issuer name.
    pub name: String,
    /// `Issuer` or `ClusterIssuer`.
    pub kind: String,
    /// `cert-manager.io`.
    pub group: String,
}

/// `keystores`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Keystores {
    /// PKCS12 keystore and truststore.
    pub pkcs12: Pkcs12,
}

/// `keystores.pkcs12`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pkcs12 {
    /// Write them.
    pub create: bool,
    /// Password, from a Secret.
    pub password_secret_ref: SecretKeyRef,
    /// `Modern2023`: AES encryption that Java 20+ and OpenSSL 3 read.
    pub profile: String,
}

/// A key of a Secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretKeyRef {
    /// Secret name.
    pub name: String,
    /// Key.
    pub key: String,
}

const CERT_MANAGER: &str = "cert-manager.io/v1";

fn rsa() -> PrivateKey {
    PrivateKey {
        algorithm: "RSA".into(),
        size: 2048,
        rotation_policy: "Always".into(),
    }
}

/// The cert-manager objects, in cert-manager mode.
pub fn cert_manager_objects(cluster: &Cluster) -> (Vec<Issuer>, Vec<Certificate>) {
    let Some(tls) = cluster
        .tls
        .as_ref()
        .filter(|t| t.mode == TlsMode::CertManager)
    else {
        return (Vec::new(), Vec::new());
    };
    let names = cluster.names();
    let labels = names.cluster_labels(&cluster.version);
    let mut issuers = Vec::new();
    let mut certificates = Vec::new();
    let issuer_ref = match &tls.issuer {
        Some((kind, name)) => IssuerRef {
            name: name.clone(),
            kind: kind.clone(),
            group: "cert-manager.io".into(),
        },
        None => {
            let root = format!("{}-selfsigned", cluster.name);
            let ca = format!("{}-ca", cluster.name);
            issuers.push(Issuer {
                api_version: CERT_MANAGER.into(),
                kind: "Issuer".into(),
                metadata: meta(&root, &cluster.namespace, labels.clone()),
                spec: IssuerSpec {
                    self_signed: Some(BTreeMap::new()),
                    ca: None,
                },
            });
            certificates.push(Certificate {
                api_version: CERT_MANAGER.into(),
                kind: "Certificate".into(),
                metadata: meta(&ca, &cluster.namespace, labels.clone()),
                spec: CertificateSpec {
                    secret_name: ca.clone(),
                    common_name: ca_common_name(cluster),
                    dns_names: Vec::new(),
                    is_ca: true,
                    // The CA outlives the leaves it signs several times over.
                    duration: "87600h".into(),
                    renew_before: "720h".into(),
                    private_key: rsa(),
                    usages: vec!["cert sign".into(), "crl sign".into()],
                    issuer_ref: IssuerRef {
                        name: root,
                        kind: "Issuer".into(),
                        group: "cert-manager.io".into(),
                    },
                    keystores: None,
                },
            });
            issuers.push(Issuer {
                api_version: CERT_MANAGER.into(),
                kind: "Issuer".into(),
                metadata: meta(&ca, &cluster.namespace, labels.clone()),
                spec: IssuerSpec {
                    self_signed: None,
                    ca: Some(CaIssuer {
                        secret_name: ca.clone(),
                    }),
                },
            });
            IssuerRef {
                name: ca,
                kind: "Issuer".into(),
                group: "cert-manager.io".into(),
            }
        }
    };
    for &component in cluster.components.keys().filter(|c| serves_https(**c)) {
        certificates.push(Certificate {
            api_version: CERT_MANAGER.into(),
            kind: "Certificate".into(),
            metadata: meta(
                &names.component(component),
                &cluster.namespace,
                names.labels(component, &cluster.version),
            ),
            spec: CertificateSpec {
                secret_name: secret_name(cluster, component),
                common_name: leaf_common_name(cluster, component),
                dns_names: dns_names(cluster, component),
                is_ca: false,
                duration: tls.duration.clone(),
                renew_before: tls.renew_before.clone(),
                private_key: rsa(),
                usages: vec![
                    "server auth".into(),
                    "client auth".into(),
                    "digital signature".into(),
                    "key encipherment".into(),
                ],
                issuer_ref: issuer_ref.clone(),
                keystores: Some(Keystores {
                    pkcs12: Pkcs12 {
                        create: true,
                        password_secret_ref: SecretKeyRef {
                            name: password_secret(cluster),
                            key: PASSWORD_KEY.into(),
                        },
                        profile: "Modern2023".into(),
                    },
                }),
            },
        });
    }
    (issuers, certificates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Inputs, resolve};

    fn cluster(sets: &[&str]) -> Cluster {
        resolve(&Inputs::with_sets("medium", sets)).unwrap()
    }

    /// A namespace may have 63 characters; the certificates' common names never pass 64, in
    /// either mode, and short names keep their full form.
    #[test]
    fn common_names_fit_x509_for_the_longest_namespace() {
        let long_ns = "n".repeat(63);
        let namespace = format!("metadata.namespace={long_ns}");
        for mode in [
            "security.tls.mode=cert-manager",
            "security.tls.mode=managed",
        ] {
            let c = cluster(&[mode, namespace.as_str()]);
            let (_, certs) = cert_manager_objects(&c);
            let mut names: Vec<String> = certs.iter().map(|c| c.spec.common_name.clone()).collect();
            if let Some(requests) = certificate_requests(&c) {
                names.push(requests.ca.common_name.clone());
                names.extend(
                    requests
                        .certificates
                        .values()
                        .map(|l| l.common_name.clone()),
                );
            }
            assert!(!names.is_empty());
            for name in names {
                assert!(
                    !name.is_empty() && name.len() <= COMMON_NAME_MAX,
                    "{mode}: {name:?} has {} characters",
                    name.len()
                );
            }
        }
        let short = cluster(&["security.tls.mode=managed"]);
        assert_eq!(ca_common_name(&short), "Ozone CA ozone/ozone");
        assert_eq!(
            leaf_common_name(&short, Component::Om),
            "ozone-om.ozone.svc.cluster.local"
        );
        let long = cluster(&["security.tls.mode=managed", namespace.as_str()]);
        assert_eq!(ca_common_name(&long), "Ozone CA ozone");
        assert_eq!(leaf_common_name(&long, Component::Om), "ozone-om");
    }

    #[test]
    fn certificates_cover_services_and_every_pod() {
        let c = cluster(&[
            "security.tls.mode=cert-manager",
            "security.tls.extraDnsNames.s3g[0]=s3.example.com",
        ]);
        let (issuers, certs) = cert_manager_objects(&c);
        assert_eq!(issuers.len(), 2);
        let om = certs
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some("ozone-om"))
            .unwrap();
        for name in [
            "ozone-om.ozone.svc",
            "ozone-om-headless.ozone.svc.cluster.local",
            "ozone-om-2.ozone-om-headless.ozone.svc.cluster.local",
        ] {
            assert!(
                om.spec.dns_names.iter().any(|n| n == name),
                "{name} missing"
            );
        }
        assert_eq!(om.spec.issuer_ref.name, "ozone-ca");
        let dn = certs
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some("ozone-datanode"))
            .unwrap();
        assert_eq!(
            dn.spec
                .dns_names
                .iter()
                .filter(|n| n.ends_with(".cluster.local")
                    && n.strip_prefix("ozone-datanode-")
                        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())))
                .count(),
            5
        );
        let s3 = certs
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some("ozone-s3g"))
            .unwrap();
        assert!(s3.spec.dns_names.contains(&"s3.example.com".to_owned()));
        assert!(
            !certs
                .iter()
                .any(|c| c.metadata.name.as_deref() == Some("ozone-httpfs"))
        );
    }

    #[test]
    fn managed_mode_renders_the_certificate_requests_and_no_key_material() {
        let c = cluster(&[
            "security.tls.mode=managed",
            "security.tls.duration=720h",
            "security.tls.extraDnsNames.s3g[0]=s3.example.com",
        ]);
        let cm = certificates_config_map(&c).unwrap().unwrap();
        assert_eq!(cm.metadata.name.as_deref(), Some("ozone-certificates"));
        let data = cm.data.unwrap();
        let body = &data[CERTIFICATES_KEY];
        let req: CertificateRequests = serde_json::from_str(body).unwrap();
        assert_eq!(req.ca.secret_name, "ozone-ca");
        assert_eq!(req.password_secret, "ozone-tls-passwords");
        assert_eq!(req.duration, "720h");
        let ids: Vec<&str> = req.certificates.keys().map(String::as_str).collect();
        assert_eq!(ids, ["datanode", "om", "recon", "s3g", "scm"]);
        let om = &req.certificates["om"];
        assert_eq!(om.secret_name, "ozone-om-tls");
        assert_eq!(om.dns_names, dns_names(&c, Component::Om));
        assert!(
            om.dns_names
                .iter()
                .any(|n| n == "ozone-om-2.ozone-om-headless.ozone.svc.cluster.local")
        );
        assert!(
            req.certificates["s3g"]
                .dns_names
                .contains(&"s3.example.com".to_owned())
        );
        assert!(!body.contains("PRIVATE KEY") && !body.contains("BEGIN"));
        // Scaling up re-renders the names of the new pods.
        let bigger = cluster(&["security.tls.mode=managed", "datanodes.replicas=7"]);
        let req = certificate_requests(&bigger).unwrap();
        assert!(
            req.certificates["datanode"]
                .dns_names
                .iter()
                .any(|n| n.starts_with("ozone-datanode-6."))
        );
        for mode in ["none", "cert-manager"] {
            let other = cluster(&[&format!("security.tls.mode={mode}")]);
            assert!(certificates_config_map(&other).unwrap().is_none());
        }
    }

    #[test]
    fn a_named_issuer_replaces_the_self_signed_chain_and_managed_mode_renders_none() {
        let c = cluster(&[
            "security.tls.mode=cert-manager",
            "security.tls.issuer.kind=ClusterIssuer",
            "security.tls.issuer.name=corp-ca",
        ]);
        let (issuers, certs) = cert_manager_objects(&c);
        assert!(issuers.is_empty());
        assert!(
            certs.iter().all(|c| c.spec.issuer_ref.name == "corp-ca"
                && c.spec.issuer_ref.kind == "ClusterIssuer")
        );
        let managed = cluster(&["security.tls.mode=managed"]);
        let (issuers, certs) = cert_manager_objects(&managed);
        assert!(issuers.is_empty() && certs.is_empty());
    }
}

#[cfg(test)]
mod render_tests {
    use crate::objects::render;
    use crate::spec::{Inputs, resolve};
    use serde_json::Value;

    fn objects(mode: &str) -> Vec<Value> {
        let c = resolve(&Inputs::with_sets(
            "medium",
            &[format!("security.tls.mode={mode}")],
        ))
        .unwrap();
        render(&c)
            .unwrap()
            .objects()
            .iter()
            .map(|o| o.value.clone())
            .collect()
    }

    fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
        objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap()
    }

    #[test]
    fn pods_switch_to_https_with_the_mounted_stores() {
        for mode in ["cert-manager", "managed"] {
            let objects = objects(mode);
            let config = &find(&objects, "ConfigMap", "ozone-config")["data"];
            assert_eq!(config["OZONE-SITE.XML_ozone.http.policy"], "HTTPS_ONLY");
            assert_eq!(
                config["SSL-SERVER.XML_ssl.server.keystore.location"],
                "/etc/ozone/tls/keystore.p12"
            );
            assert!(
                !config
                    .as_object()
                    .unwrap()
                    .keys()
                    .any(|k| k.contains("password")),
                "a password in the ConfigMap"
            );
            let om = &find(&objects, "StatefulSet", "ozone-om")["spec"]["template"]["spec"];
            let container = &om["containers"][0];
            let http = container["ports"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == "http")
                .unwrap();
            assert_eq!(http["containerPort"], 9875);
            assert_eq!(container["livenessProbe"]["httpGet"]["scheme"], "HTTPS");
            assert!(
                container["env"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(
                        |e| e["name"] == "SSL-SERVER.XML_ssl.server.keystore.password"
                            && e["valueFrom"]["secretKeyRef"]["name"] == "ozone-tls-passwords"
                    )
            );
            assert!(
                om["volumes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|v| v["secret"]["secretName"] == "ozone-om-tls")
            );
            let monitor = &find(&objects, "ServiceMonitor", "ozone-s3g")["spec"]["endpoints"][0];
            assert_eq!(monitor["scheme"], "https");
            assert_eq!(
                monitor["tlsConfig"]["ca"]["secret"]["name"],
                "ozone-s3g-tls"
            );
            let svc = find(&objects, "Service", "ozone-s3g")["spec"]["ports"]
                .as_array()
                .unwrap()
                .clone();
            assert!(
                svc.iter()
                    .any(|p| p["port"] == 9879 && p["appProtocol"] == "https")
            );
            let text = serde_json::to_string(&objects).unwrap();
            assert!(!text.contains("PRIVATE KEY") && !text.contains("BEGIN CERTIFICATE"));
            assert!(
                !objects.iter().any(|o| o["kind"] == "Secret"),
                "{mode} renders a Secret"
            );
        }
        assert!(
            objects("managed")
                .iter()
                .all(|o| o["kind"] != "Certificate")
        );
        assert_eq!(
            objects("cert-manager")
                .iter()
                .filter(|o| o["kind"] == "Certificate")
                .count(),
            6
        );
    }
}
