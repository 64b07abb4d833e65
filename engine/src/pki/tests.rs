//! Tests of the PKI. Every certificate and store is checked by parsing it back with an
//! independent parser (`x509-parser`, `p12-keystore`), never with code from this module.

use super::*;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12Archive, Pkcs12ImportPolicy};
use proptest::prelude::*;
use x509_parser::extensions::GeneralName;
use x509_parser::parse_x509_certificate;

fn now() -> Timestamp {
    Timestamp::from_second(1_790_000_000).unwrap()
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

fn ca() -> Ca {
    Ca::generate(
        "Ozone CA ozone/ozone",
        &Validity::starting(now(), days(3650)).unwrap(),
    )
    .unwrap()
}

fn request(names: &[&str]) -> LeafRequest {
    LeafRequest {
        common_name: names[0].to_owned(),
        dns_names: names.iter().map(|s| (*s).to_owned()).collect(),
        validity: Validity::starting(now(), days(90)).unwrap(),
    }
}

fn der(pem: &str) -> Vec<u8> {
    certificates_in(pem).unwrap().remove(0)
}

#[test]
fn the_ca_is_a_self_signed_ca_valid_for_the_requested_window() {
    let ca = ca();
    let der = der(ca.cert_pem());
    let (_, c) = parse_x509_certificate(&der).unwrap();
    assert!(c.is_ca());
    assert_eq!(
        c.basic_constraints()
            .unwrap()
            .unwrap()
            .value
            .path_len_constraint,
        Some(0)
    );
    assert!(c.key_usage().unwrap().unwrap().value.key_cert_sign());
    assert_eq!(c.subject().to_string(), "CN=Ozone CA ozone/ozone");
    assert_eq!(c.subject(), c.issuer());
    c.verify_signature(None).expect("self-signature verifies");
    assert_eq!(
        c.validity().not_before.timestamp(),
        now().as_second() - 300,
        "backdated five minutes for clock skew"
    );
    assert_eq!(
        c.validity().not_after.timestamp(),
        now().as_second() + 3650 * 86_400
    );
}

#[test]
fn a_leaf_has_exactly_the_requested_names_and_is_signed_by_the_ca() {
    let ca = ca();
    let names = [
        "ozone-om.ozone.svc.cluster.local",
        "ozone-om",
        "ozone-om-0.ozone-om-headless.ozone.svc.cluster.local",
    ];
    let leaf = ca.issue(&request(&names)).unwrap();
    let leaf_der = der(leaf.cert_pem());
    let ca_der = der(ca.cert_pem());
    let (_, c) = parse_x509_certificate(&leaf_der).unwrap();
    let (_, issuer) = parse_x509_certificate(&ca_der).unwrap();
    let sans: Vec<String> = c
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => (*d).to_owned(),
            other => panic!("unexpected SAN {other:?}"),
        })
        .collect();
    assert_eq!(sans, names);
    assert_eq!(c.subject().to_string(), format!("CN={}", names[0]));
    assert_eq!(c.issuer(), issuer.subject());
    c.verify_signature(Some(issuer.public_key()))
        .expect("signed by the CA key");
    assert!(!c.is_ca());
    let eku = c.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth && eku.client_auth);
    assert_eq!(
        c.validity().not_after.timestamp(),
        now().as_second() + 90 * 86_400
    );
    // The leaf's key is P-256, which Java 11+ and Jetty accept.
    assert_eq!(
        c.public_key()
            .algorithm
            .parameters
            .as_ref()
            .unwrap()
            .as_oid()
            .unwrap(),
        x509_parser::oid_registry::OID_EC_P256
    );
}

#[test]
fn serial_numbers_are_random_and_positive() {
    let ca = ca();
    let a = ca.issue(&request(&["a.example"])).unwrap();
    let b = ca.issue(&request(&["a.example"])).unwrap();
    let serial = |pem: &str| {
        let d = der(pem);
        let (_, c) = parse_x509_certificate(&d).unwrap();
        (c.raw_serial().to_vec(), c.serial.clone())
    };
    let (raw_a, big_a) = serial(a.cert_pem());
    let (raw_b, _) = serial(b.cert_pem());
    assert_ne!(raw_a, raw_b);
    assert!(raw_a.len() >= 15 && raw_a.len() <= 20);
    assert!(big_a.bits() > 64);
    assert_ne!(a.key_pem(), b.key_pem(), "every leaf gets a fresh key");
}

#[test]
fn a_ca_reloaded_from_pem_signs_leaves_that_chain_to_the_original() {
    let ca = ca();
    let again = Ca::from_pem(ca.cert_pem(), ca.key_pem()).unwrap();
    let leaf = again.issue(&request(&["x.example"])).unwrap();
    let ca_der = der(ca.cert_pem());
    let (_, issuer) = parse_x509_certificate(&ca_der).unwrap();
    let leaf_der = der(leaf.cert_pem());
    let (_, c) = parse_x509_certificate(&leaf_der).unwrap();
    c.verify_signature(Some(issuer.public_key())).unwrap();
    assert_eq!(
        Leaf::from_pem(leaf.cert_pem(), leaf.key_pem()).unwrap(),
        leaf
    );
}

#[test]
fn mismatched_keys_and_non_ca_certificates_are_refused() {
    let (ca, other) = (ca(), ca());
    assert!(matches!(
        Ca::from_pem(ca.cert_pem(), other.key_pem()),
        Err(PkiError::BadKey(_))
    ));
    let leaf = ca.issue(&request(&["x.example"])).unwrap();
    assert!(matches!(
        Ca::from_pem(leaf.cert_pem(), leaf.key_pem()),
        Err(PkiError::BadCertificate(m)) if m.contains("not a CA")
    ));
    assert!(matches!(
        Leaf::from_pem(leaf.cert_pem(), ca.key_pem()),
        Err(PkiError::BadKey(_))
    ));
    assert!(matches!(
        Ca::from_pem("garbage", ca.key_pem()),
        Err(PkiError::NoCertificate)
    ));
    assert!(matches!(
        Ca::from_pem(ca.cert_pem(), "garbage"),
        Err(PkiError::BadKey(_))
    ));
}

#[test]
fn impossible_requests_are_errors() {
    let ca = ca();
    let mut r = request(&["x.example"]);
    r.dns_names.clear();
    assert!(matches!(ca.issue(&r), Err(PkiError::BadRequest(m)) if m.contains("no DNS names")));
    let r = request(&["ünïcode.example"]);
    assert!(matches!(ca.issue(&r), Err(PkiError::BadRequest(m)) if m.contains("not ASCII")));
    let mut r = request(&["x.example"]);
    r.validity = Validity::starting(now(), days(4000)).unwrap();
    assert!(matches!(ca.issue(&r), Err(PkiError::BadRequest(m)) if m.contains("outlive")));
    assert!(Validity::starting(now(), SignedDuration::from_secs(-1)).is_err());
    let mut r = request(&["x.example"]);
    r.common_name = "c".repeat(65);
    assert!(ca.issue(&r).is_err());
}

#[test]
fn the_keystore_holds_one_key_entry_with_the_leaf_then_the_ca() {
    let ca = ca();
    let leaf = ca.issue(&request(&["ozone-scm"])).unwrap();
    let p12 = keystore_p12(&leaf, &[ca.cert_pem()], "s3cret").unwrap();
    let store = KeyStore::from_pkcs12(&p12, "s3cret", Pkcs12ImportPolicy::Strict).unwrap();
    assert_eq!(store.entries_len(), 1);
    let Some(KeyStoreEntry::PrivateKeyChain(chain)) = store.entry(KEY_ALIAS) else {
        panic!("no key entry {KEY_ALIAS}: {store:?}");
    };
    let certs: Vec<Vec<u8>> = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
    assert_eq!(certs, vec![der(leaf.cert_pem()), der(ca.cert_pem())]);
    let key = rcgen::KeyPair::from_pem(leaf.key_pem()).unwrap();
    assert_eq!(chain.key().as_der(), key.serialize_der().as_slice());
    assert!(KeyStore::from_pkcs12(&p12, "wrong", Pkcs12ImportPolicy::Strict).is_err());
}

#[test]
fn truststore_entries_are_java_trusted_certificates() {
    let (old, new) = (ca(), ca());
    let bundle = format!("{}{}", old.cert_pem(), new.cert_pem());
    let p12 = truststore_p12(&[&bundle], "pw").unwrap();
    let archive = Pkcs12Archive::from_pkcs12(&p12, "pw").unwrap();
    assert!(archive.keys.is_empty());
    assert_eq!(archive.certs.len(), 2);
    assert!(
        archive.certs.iter().all(|c| c.trusted),
        "every bag has Oracle's trustedKeyUsage attribute"
    );
    let store = KeyStore::from_pkcs12(&p12, "pw", Pkcs12ImportPolicy::Strict).unwrap();
    let mut entries: Vec<(String, Vec<u8>)> = store
        .entries()
        .map(|(alias, e)| match e {
            KeyStoreEntry::Certificate(c) => (alias.clone(), c.as_der().to_vec()),
            other => panic!("unexpected entry {other:?}"),
        })
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        vec![
            ("ca-0".to_owned(), der(old.cert_pem())),
            ("ca-1".to_owned(), der(new.cert_pem()))
        ]
    );
    assert!(matches!(
        truststore_p12(&[], "pw"),
        Err(PkiError::NoCertificate)
    ));
}

/// The fingerprint `openssl x509 -noout -fingerprint -sha256` printed for this certificate
/// (colons removed, lowercased): an oracle independent of this code.
const FIXED_CERT: &str = include_str!("testdata/fixed.crt");
const FIXED_FINGERPRINT: &str = include_str!("testdata/fixed.sha256");

#[test]
fn fingerprints_match_openssl() {
    assert_eq!(fingerprint(FIXED_CERT).unwrap(), FIXED_FINGERPRINT.trim());
    let s = CertSummary::parse(FIXED_CERT).unwrap();
    assert_eq!(s.fingerprint, FIXED_FINGERPRINT.trim());
}

#[test]
fn the_summary_reports_what_status_shows() {
    let ca = ca();
    let leaf = ca
        .issue(&request(&["ozone-om", "ozone-om.ozone.svc"]))
        .unwrap();
    let s = CertSummary::parse(leaf.cert_pem()).unwrap();
    assert_eq!(s.subject, "CN=ozone-om");
    assert_eq!(s.issuer, "CN=Ozone CA ozone/ozone");
    assert_eq!(s.dns_names, ["ozone-om", "ozone-om.ozone.svc"]);
    assert_eq!(s.not_after, now().checked_add(days(90)).unwrap());
    assert_eq!(s.days_left(now()), 90);
    assert_eq!(s.days_left(now().checked_add(days(91)).unwrap()), -1);
    assert!(!s.is_ca);
    assert_eq!(s.fingerprint, fingerprint(leaf.cert_pem()).unwrap());
    assert_ne!(s.fingerprint, fingerprint(ca.cert_pem()).unwrap());
    assert!(matches!(
        CertSummary::parse(""),
        Err(PkiError::NoCertificate)
    ));
}

#[test]
fn debug_output_never_shows_a_private_key() {
    let ca = ca();
    let leaf = ca.issue(&request(&["x.example"])).unwrap();
    for text in [format!("{ca:?}"), format!("{leaf:?}")] {
        assert!(!text.contains("PRIVATE KEY"), "{text}");
        assert!(text.contains("<redacted>"));
    }
}

/// Java itself must load the stores and serve TLS with them: keytool lists the entries, and
/// `testdata/TlsCheck.java` loads both stores, runs a TLS server with the keystore and
/// connects to it with the truststore and HTTPS host-name verification. Run with
/// `cargo test -- --ignored` where a JDK (11+) is installed; CI images without one skip it.
#[test]
#[ignore = "needs a JDK (keytool, java) on PATH"]
fn java_loads_the_stores_and_completes_a_tls_handshake() {
    let ca = ca();
    let leaf = ca
        .issue(&LeafRequest {
            common_name: "localhost".into(),
            dns_names: vec!["localhost".into()],
            validity: Validity::starting(Timestamp::now(), days(30)).unwrap(),
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("keystore.p12");
    let ts = dir.path().join("truststore.p12");
    std::fs::write(
        &ks,
        keystore_p12(&leaf, &[ca.cert_pem()], "changeit").unwrap(),
    )
    .unwrap();
    std::fs::write(&ts, truststore_p12(&[ca.cert_pem()], "changeit").unwrap()).unwrap();
    for (path, expect) in [(&ks, "PrivateKeyEntry"), (&ts, "trustedCertEntry")] {
        let out = std::process::Command::new("keytool")
            .args([
                "-list",
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keystore",
            ])
            .arg(path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains(expect), "{text}");
    }
    let out = std::process::Command::new("java")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/pki/testdata/TlsCheck.java"
        ))
        .args([&ks, &ts])
        .arg("changeit")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("handshake ok"), "{text}");
}

proptest! {
    #[test]
    fn parsing_arbitrary_text_never_panics(s in ".{0,400}") {
        let _ = CertSummary::parse(&s);
        let _ = fingerprint(&s);
        let _ = certificates_in(&s);
    }

    #[test]
    fn parsing_a_pem_frame_around_arbitrary_base64_never_panics(
        body in "[A-Za-z0-9+/=\n]{0,600}"
    ) {
        let pem = format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
        let _ = CertSummary::parse(&pem);
    }

    #[test]
    fn a_corrupted_certificate_is_an_error_not_a_panic(at in 0usize..400, byte: u8) {
        let mut der = der(FIXED_CERT);
        let i = at % der.len();
        der[i] = byte;
        let pem = pem_of(&der);
        let _ = CertSummary::parse(&pem);
        let _ = Ca::from_pem(&pem, "");
    }
}

fn pem_of(der: &[u8]) -> String {
    pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()))
}
