//! Scenarios of `cert issue` and `cert status` against the fake API server: the command line
//! as a user types it, every request recorded, the Secrets read back and their certificates
//! and stores parsed with independent parsers.

use crate::testing::Run;
use crate::testing::{FakeCluster, RunCommand};
use http::Method;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use ozone_engine::pki::{self, CertSummary};
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use ozone_generator::objects::tls::{
    CertificateRequests, certificate_requests, certificates_config_map,
};
use ozone_generator::spec::{Inputs, resolve};
use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12Archive, Pkcs12ImportPolicy};
use serde_json::json;
use x509_parser::parse_x509_certificate;

pub(super) async fn run(c: &FakeCluster, args: &[&str]) -> Run {
    let argv: Vec<&str> = std::iter::once("cert")
        .chain(args.iter().copied())
        .collect();
    c.run(&argv, None).await
}

/// The small profile in managed mode, matching the fake cluster's 1 SCM, 1 OM, 3 datanodes.
pub(super) fn requests() -> CertificateRequests {
    certificate_requests(&spec()).unwrap()
}

fn spec() -> ozone_generator::spec::Cluster {
    resolve(&Inputs::with_sets(
        "small",
        &["security.tls.mode=managed", "datanodes.replicas=3"],
    ))
    .unwrap()
}

/// A fake cluster with the rendered managed-TLS ConfigMaps applied.
pub(super) fn managed() -> FakeCluster {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let cm: ConfigMap = certificates_config_map(&spec()).unwrap().unwrap();
    let mut st = c.api.state.lock().unwrap();
    st.config_maps.push(cm);
    for cm in st.config_maps.iter_mut() {
        if cm.metadata.name.as_deref() == Some("ozone-config") {
            cm.data.get_or_insert_default().insert(
                "OZONE-SITE.XML_ozone.http.policy".into(),
                "HTTPS_ONLY".into(),
            );
        }
    }
    drop(st);
    c
}

fn text(s: &Secret, key: &str) -> String {
    String::from_utf8(s.data.as_ref().unwrap()[key].0.clone()).unwrap()
}

fn bytes(s: &Secret, key: &str) -> Vec<u8> {
    s.data.as_ref().unwrap()[key].0.clone()
}

fn annotation(s: &Secret, key: &str) -> String {
    s.metadata.annotations.as_ref().unwrap()[key].clone()
}

fn der(pem: &str) -> Vec<u8> {
    pki::certificates_in(pem).unwrap().remove(0)
}

#[tokio::test]
async fn issue_creates_the_ca_the_password_and_a_verified_leaf_per_component() {
    let c = managed();
    let r = run(&c, &["issue", "--yes"]).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let req = requests();
    let writes = c.api.writes();
    assert_eq!(writes.len(), 2 + req.certificates.len(), "{writes:?}");
    assert!(
        writes
            .iter()
            .all(|w| w.method == Method::POST && w.uri.contains("/secrets"))
    );

    let ca = c.api.secret("ozone-ca").expect("CA Secret");
    assert_eq!(text(&ca, "ca-bundle.crt"), text(&ca, "tls.crt"));
    let ca_der = der(&text(&ca, "tls.crt"));
    let (_, ca_cert) = parse_x509_certificate(&ca_der).unwrap();
    assert!(ca_cert.is_ca());
    let password = text(
        &c.api.secret("ozone-tls-passwords").unwrap(),
        "keystore-password",
    );
    assert_eq!(password.len(), 32);

    for (id, want) in &req.certificates {
        let s = c
            .api
            .secret(&want.secret_name)
            .unwrap_or_else(|| panic!("{id}"));
        assert_eq!(s.type_.as_deref(), Some("kubernetes.io/tls"));
        assert_eq!(
            s.metadata.labels.as_ref().unwrap()["app.kubernetes.io/component"],
            *id
        );
        let pem = text(&s, "tls.crt");
        let leaf_der = der(&pem);
        let (_, leaf) = parse_x509_certificate(&leaf_der).unwrap();
        leaf.verify_signature(Some(ca_cert.public_key()))
            .expect("signed by the CA in ozone-ca");
        let summary = CertSummary::parse(&pem).unwrap();
        assert_eq!(summary.dns_names, want.dns_names, "{id}");
        assert_eq!(summary.subject, format!("CN={}", want.common_name));
        let lifetime = summary.not_after.as_second() - summary.not_before.as_second();
        // The small profile's 2160h, plus the five minutes of backdating.
        assert_eq!(lifetime, 2160 * 3600 + 300, "{id}");
        assert_eq!(
            annotation(&s, TLS_FINGERPRINT_ANNOTATION),
            pki::fingerprint(&pem).unwrap()
        );
        let issued: Timestamp = annotation(&s, pki::ISSUED_AT_ANNOTATION).parse().unwrap();
        assert!((Timestamp::now().as_second() - issued.as_second()).abs() < 60);
        assert_eq!(text(&s, "ca.crt"), text(&ca, "tls.crt"));
        let ks = KeyStore::from_pkcs12(
            &bytes(&s, "keystore.p12"),
            &password,
            Pkcs12ImportPolicy::Strict,
        )
        .expect("keystore opens with the password Secret's password");
        let Some(KeyStoreEntry::PrivateKeyChain(chain)) = ks.entry(pki::KEY_ALIAS) else {
            panic!("{id}: no key entry");
        };
        assert_eq!(chain.certs()[0].as_der(), leaf_der.as_slice());
        let ts = Pkcs12Archive::from_pkcs12(&bytes(&s, "truststore.p12"), &password).unwrap();
        assert_eq!(ts.certs.len(), 1);
        assert!(ts.certs[0].trusted && ts.certs[0].cert.as_der() == ca_der.as_slice());
    }
    assert!(
        r.err.contains("ozone-om-tls") && r.err.contains("create"),
        "{}",
        r.err
    );
}

#[tokio::test]
async fn a_dry_run_prints_the_plan_and_writes_nothing() {
    let c = managed();
    c.refuse_writes();
    let r = run(&c, &["issue", "--dry-run"]).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert!(c.api.writes().is_empty());
    assert!(
        r.out
            .starts_with("Dry run: cert issue in Ozone cluster ozone (namespace ozone):"),
        "{}",
        r.out
    );
    for name in [
        "ozone-ca",
        "ozone-tls-passwords",
        "ozone-om-tls",
        "ozone-datanode-tls",
    ] {
        assert!(
            r.out
                .lines()
                .any(|l| l.starts_with(name) && l.contains("create")),
            "{name}: {}",
            r.out
        );
    }
    let r = run(&c, &["issue", "--dry-run", "-o", "json"]).await;
    let plan: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(plan["dryRun"], true);
    let om = plan["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ozone-om-tls")
        .unwrap();
    assert_eq!(om["action"], "create");
    assert_eq!(
        om["dnsNames"],
        json!(requests().certificates["om"].dns_names)
    );
    assert!(c.api.writes().is_empty());
}

#[tokio::test]
async fn existing_certificates_are_kept_and_force_replaces_only_the_leaves() {
    let c = managed();
    assert_eq!(run(&c, &["issue", "--yes"]).await.code(), 0);
    let before = c.api.secret("ozone-om-tls").unwrap();
    let ca_before = c.api.secret("ozone-ca").unwrap();
    let n = c.api.writes().len();

    let r = run(&c, &["issue", "--yes"]).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(c.api.writes().len(), n, "a second issue writes nothing");
    assert!(r.err.contains("nothing to do"), "{}", r.err);

    let r = run(&c, &["issue", "--force", "--yes", "-o", "json"]).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let new: Vec<_> = c.api.writes().into_iter().skip(n).collect();
    assert_eq!(new.len(), requests().certificates.len());
    assert!(new.iter().all(|w| w.method == Method::PUT), "{new:?}");
    let after = c.api.secret("ozone-om-tls").unwrap();
    assert_ne!(text(&after, "tls.crt"), text(&before, "tls.crt"));
    assert_eq!(
        c.api.secret("ozone-ca").unwrap(),
        ca_before,
        "the CA is kept"
    );
    let plan: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let om = plan["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ozone-om-tls")
        .unwrap();
    assert_eq!(om["action"], "replace");
    assert_eq!(
        om["fingerprint"],
        annotation(&after, TLS_FINGERPRINT_ANNOTATION)
    );
}

#[tokio::test]
async fn a_lost_ca_with_leaves_left_is_refused_unless_forced() {
    let c = managed();
    assert_eq!(run(&c, &["issue", "--yes"]).await.code(), 0);
    c.api
        .state
        .lock()
        .unwrap()
        .secrets
        .retain(|s| s.metadata.name.as_deref() != Some("ozone-ca"));
    let n = c.api.writes().len();
    let r = run(&c, &["issue", "--yes"]).await;
    assert_eq!(r.code(), 2);
    assert!(
        r.error()
            .contains("the CA Secret ozone-ca is missing but leaf Secrets exist"),
        "{}",
        r.error()
    );
    assert!(r.error().contains("--force"));
    assert_eq!(c.api.writes().len(), n);
    let r = run(&c, &["issue", "--yes", "--force"]).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let ca = c.api.secret("ozone-ca").unwrap();
    let ca_der = der(&text(&ca, "tls.crt"));
    let (_, ca_cert) = parse_x509_certificate(&ca_der).unwrap();
    let leaf_der = der(&text(&c.api.secret("ozone-om-tls").unwrap(), "tls.crt"));
    let (_, leaf) = parse_x509_certificate(&leaf_der).unwrap();
    leaf.verify_signature(Some(ca_cert.public_key()))
        .expect("re-issued under the new CA");
}

#[tokio::test]
async fn clusters_not_in_managed_mode_are_refused_with_exit_2() {
    let plain = FakeCluster::new("ozone", 1, 1, 3);
    let r = run(&plain, &["issue", "--yes"]).await;
    assert_eq!(r.code(), 2);
    assert!(
        r.error()
            .contains("does not use managed TLS (no ConfigMap ozone-certificates)"),
        "{}",
        r.error()
    );
    let cm = managed();
    cm.api
        .state
        .lock()
        .unwrap()
        .config_maps
        .retain(|c| c.metadata.name.as_deref() != Some("ozone-certificates"));
    let r = run(&cm, &["issue", "--yes"]).await;
    assert_eq!(r.code(), 2);
    assert!(
        r.error()
            .contains("gets its certificates from cert-manager"),
        "{}",
        r.error()
    );
    assert!(plain.api.writes().is_empty() && cm.api.writes().is_empty());
}

#[tokio::test]
async fn without_a_terminal_or_yes_nothing_is_written() {
    let c = managed();
    let r = run(&c, &["issue"]).await;
    assert_eq!(r.code(), 2);
    assert!(r.error().contains("pass --yes"), "{}", r.error());
    assert!(c.api.writes().is_empty());
}

fn set_started(c: &FakeCluster, pod: &str, at: Timestamp) {
    let mut st = c.api.state.lock().unwrap();
    let p = st
        .pods
        .iter_mut()
        .find(|p| p.metadata.name.as_deref() == Some(pod))
        .unwrap();
    let mut v = serde_json::to_value(&*p).unwrap();
    v["status"]["containerStatuses"][0]["state"] =
        json!({"running": {"startedAt": at.to_string()}});
    *p = serde_json::from_value(v).unwrap();
}

#[tokio::test]
async fn pods_started_after_issuance_are_annotated_on_the_next_issue() {
    let c = managed();
    assert_eq!(run(&c, &["issue", "--yes"]).await.code(), 0);
    let later = Timestamp::now()
        .checked_add(SignedDuration::from_mins(2))
        .unwrap();
    let earlier = Timestamp::now()
        .checked_sub(SignedDuration::from_hours(1))
        .unwrap();
    set_started(&c, "ozone-om-0", later);
    set_started(&c, "ozone-scm-0", earlier);
    let n = c.api.writes().len();
    let r = run(&c, &["issue", "--yes"]).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let new: Vec<_> = c.api.writes().into_iter().skip(n).collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].method, Method::PATCH);
    assert!(new[0].uri.contains("/pods/ozone-om-0"));
    let om = c.api.pod("ozone-om-0").unwrap();
    let secret = c.api.secret("ozone-om-tls").unwrap();
    assert_eq!(
        om.metadata.annotations.unwrap()[TLS_FINGERPRINT_ANNOTATION],
        annotation(&secret, TLS_FINGERPRINT_ANNOTATION)
    );
    assert!(
        c.api
            .pod("ozone-scm-0")
            .unwrap()
            .metadata
            .annotations
            .is_none()
    );
}

/// Every piece of secret material the cluster holds: PEM key bodies, the password, and the
/// base64 of every store and key as the API would show them.
fn secret_material(c: &FakeCluster) -> Vec<String> {
    let mut out = Vec::new();
    for s in c.api.state.lock().unwrap().secrets.iter() {
        for (k, v) in s.data.as_ref().unwrap() {
            let text = String::from_utf8_lossy(&v.0).into_owned();
            match k.as_str() {
                "tls.key" => {
                    // The key's base64 body, line by line: any one line leaking is a leak.
                    out.extend(
                        text.lines()
                            .filter(|l| !l.starts_with("-----"))
                            .map(str::to_owned),
                    );
                }
                "keystore-password" => out.push(text),
                "keystore.p12" | "truststore.p12" => {
                    let b64 = serde_json::to_value(v)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned();
                    out.push(b64[..40].to_owned());
                }
                _ => {}
            }
        }
    }
    assert!(out.len() > 10, "the fixture holds secret material");
    out
}

#[tokio::test]
async fn secret_material_never_appears_in_any_output() {
    let c = managed();
    let mut runs = vec![run(&c, &["issue", "--yes"]).await];
    for format in ["table", "wide", "json", "yaml"] {
        runs.push(run(&c, &["issue", "--dry-run", "-o", format]).await);
        runs.push(run(&c, &["issue", "--force", "--yes", "-o", format]).await);
        runs.push(run(&c, &["issue", "--yes", "-o", format]).await);
        runs.push(run(&c, &["status", "-o", format]).await);
    }
    let material = secret_material(&c);
    for r in &runs {
        let all = r.all();
        assert!(!all.contains("PRIVATE KEY"), "{all}");
        for m in &material {
            assert!(
                !all.contains(m.as_str()),
                "secret material {m:?} in output:\n{all}"
            );
        }
    }
    for req in c.api.requests() {
        for m in &material {
            assert!(!req.uri.contains(m.as_str()));
        }
    }
}

/// The requests `cert issue` sends, with and without `--force` and with pods to annotate,
/// are all granted by its row of the permissions table (README and operator Role).
#[tokio::test]
async fn every_request_is_covered_by_the_documented_permissions() {
    let rules = ozone_generator::permissions::COMMANDS
        .iter()
        .find(|p| p.command == "cert issue")
        .expect("cert issue is in the permissions table")
        .rules;
    let c = managed();
    assert_eq!(run(&c, &["issue", "--yes"]).await.code(), 0);
    set_started(
        &c,
        "ozone-om-0",
        Timestamp::now()
            .checked_add(SignedDuration::from_mins(2))
            .unwrap(),
    );
    assert_eq!(run(&c, &["issue", "--yes"]).await.code(), 0);
    assert_eq!(run(&c, &["issue", "--yes", "--force"]).await.code(), 0);
    let needed: std::collections::BTreeSet<_> = c
        .api
        .requests()
        .iter()
        .map(crate::scenarios::rbac_of)
        .collect();
    for verb in ["create", "update", "patch"] {
        assert!(
            needed.iter().any(|(_, _, v)| v == verb),
            "{verb} was exercised"
        );
    }
    for (group, resource, verb) in needed {
        assert!(
            rules.iter().any(|r| r.api_group == group
                && r.resource == resource
                && r.verbs.contains(&verb.as_str())),
            "cert issue sends {verb} {group}/{resource}, which the permissions table does not grant"
        );
    }
}

#[tokio::test]
async fn status_shows_each_certificate_and_which_pods_run_it() {
    let c = managed();
    assert_eq!(run(&c, &["issue", "--yes"]).await.code(), 0);
    let now = Timestamp::now();
    set_started(
        &c,
        "ozone-om-0",
        now.checked_add(SignedDuration::from_mins(2)).unwrap(),
    );
    set_started(
        &c,
        "ozone-scm-0",
        now.checked_sub(SignedDuration::from_hours(1)).unwrap(),
    );
    for i in 0..3 {
        set_started(
            &c,
            &format!("ozone-datanode-{i}"),
            now.checked_add(SignedDuration::from_mins(1)).unwrap(),
        );
    }
    // One datanode was annotated with an older certificate: it must show stale even though
    // it started later.
    {
        let mut st = c.api.state.lock().unwrap();
        let p = st
            .pods
            .iter_mut()
            .find(|p| p.metadata.name.as_deref() == Some("ozone-datanode-2"))
            .unwrap();
        p.metadata.annotations =
            Some([(TLS_FINGERPRINT_ANNOTATION.to_owned(), "0ld".to_owned())].into());
    }
    let r = run(&c, &["status"]).await;
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    let header = r.out.lines().next().unwrap();
    assert!(
        header.starts_with("COMPONENT") && header.contains("DAYS LEFT"),
        "{}",
        r.out
    );
    let line = |secret: &str| {
        r.out
            .lines()
            .find(|l| l.contains(secret))
            .unwrap_or_else(|| panic!("{secret}: {}", r.out))
            .to_owned()
    };
    assert!(line("ozone-om-tls").contains("1/1 current"), "{}", r.out);
    assert!(
        line("ozone-recon-tls").ends_with(" -"),
        "no recon pods: {}",
        r.out
    );
    assert!(
        line("ozone-scm-tls").contains("0/1 current, 1 stale"),
        "{}",
        r.out
    );
    assert!(
        line("ozone-datanode-tls").contains("2/3 current, 1 stale"),
        "{}",
        r.out
    );
    assert!(line("ozone-ca").starts_with("ca "), "{}", r.out);

    let r = run(&c, &["status", "-o", "json"]).await;
    let report: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(report["mode"], "managed");
    let om = report["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["component"] == "om")
        .unwrap();
    assert_eq!(
        om["dnsNames"],
        json!(requests().certificates["om"].dns_names)
    );
    assert_eq!(om["issuer"], "CN=Ozone CA ozone/ozone");
    assert_eq!(
        om["subject"],
        format!("CN={}", requests().certificates["om"].common_name)
    );
    assert!(matches!(om["daysLeft"].as_i64(), Some(89 | 90)));
    assert_eq!(
        om["pods"],
        json!([{"pod": "ozone-om-0", "state": "current-by-start-time"}])
    );
    assert_eq!(om["allPodsCurrent"], true);
    let dn = report["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["component"] == "datanode")
        .unwrap();
    assert_eq!(dn["allPodsCurrent"], false);
    assert_eq!(dn["pods"][2]["state"], "stale");
    assert!(om["notBefore"].is_string() && om["notAfter"].is_string());
    assert!(
        report.get("ozoneCertificates").is_none(),
        "not a secure cluster"
    );

    {
        let mut st = c.api.state.lock().unwrap();
        let p = st
            .pods
            .iter_mut()
            .find(|p| p.metadata.name.as_deref() == Some("ozone-om-0"))
            .unwrap();
        p.status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap()[0]
            .state = None;
    }
    let r = run(&c, &["status"]).await;
    assert!(
        r.out
            .lines()
            .any(|l| l.contains("ozone-om-tls") && l.contains("0/0 current, 1 not running")),
        "{}",
        r.out
    );
    set_started(
        &c,
        "ozone-om-0",
        now.checked_add(SignedDuration::from_mins(2)).unwrap(),
    );
    let r = run(&c, &["status", "-o", "wide"]).await;
    assert!(
        r.out.contains("ozone-om-0=current (by start time)"),
        "{}",
        r.out
    );
    assert!(
        r.out
            .contains(&requests().certificates["om"].dns_names.join(",")),
        "{}",
        r.out
    );
    assert!(
        c.api.writes().len() == 2 + requests().certificates.len(),
        "status writes nothing"
    );
}

#[tokio::test]
async fn status_exits_1_when_a_certificate_expires_within_warn_within() {
    let c = managed();
    assert_eq!(run(&c, &["issue", "--yes"]).await.code(), 0);
    // Days left count whole seconds: read in the second of issue, a 90-day certificate still
    // has 90 days. The "89 days" below is a certificate read after its first second, which
    // the slow, unoptimised crypto of test builds used to provide by accident.
    let issued = Timestamp::now().as_second();
    while Timestamp::now().as_second() <= issued {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let r = run(&c, &["status", "--warn-within", "30d"]).await;
    assert_eq!(
        r.code(),
        0,
        "90-day certificates are fine for 30 days: {}",
        r.err
    );
    let r = run(&c, &["status", "--warn-within", "100d", "-o", "json"]).await;
    assert_eq!(r.code(), 1);
    assert!(
        r.err.contains("error: ozone-om-tls: expires in 89 days"),
        "{}",
        r.err
    );
    assert!(
        !r.err.contains("ozone-ca:"),
        "the 10-year CA is not expiring: {}",
        r.err
    );
    let report: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(report["warnWithinDays"], 100.0);
}

#[tokio::test]
async fn status_reports_missing_secrets_with_exit_1_and_plain_clusters_with_exit_0() {
    let c = managed();
    let r = run(&c, &["status"]).await;
    assert_eq!(r.code(), 1);
    assert!(
        r.err
            .contains("ozone-om-tls: missing: create it with `kubectl ozone cert issue`"),
        "{}",
        r.err
    );
    let plain = FakeCluster::new("ozone", 1, 1, 3);
    let r = run(&plain, &["status"]).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert!(r.out.contains("No TLS certificates"), "{}", r.out);
    assert!(r.err.contains("TLS is off"), "{}", r.err);
}

/// A cert-manager cluster: Secrets written by cert-manager (no annotations); whether a pod
/// runs the current certificate follows from its start time against the notBefore.
#[tokio::test]
async fn status_reads_cert_manager_secrets_and_ozones_own_certificates() {
    let c = managed();
    let now = Timestamp::now();
    {
        let mut st = c.api.state.lock().unwrap();
        st.config_maps
            .retain(|m| m.metadata.name.as_deref() != Some("ozone-certificates"));
        for m in st.config_maps.iter_mut() {
            m.data.get_or_insert_default().insert(
                "OZONE-SITE.XML_ozone.security.enabled".into(),
                "true".into(),
            );
        }
        let ca = pki::Ca::generate(
            "cm-ca",
            &pki::Validity::starting(now, SignedDuration::from_hours(24 * 365)).unwrap(),
        )
        .unwrap();
        for id in ["scm", "om", "datanode", "s3g"] {
            let leaf = ca
                .issue(&pki::LeafRequest {
                    common_name: format!("ozone-{id}"),
                    dns_names: vec![format!("ozone-{id}.ozone.svc")],
                    validity: pki::Validity::starting(now, SignedDuration::from_hours(24 * 20))
                        .unwrap(),
                })
                .unwrap();
            st.secrets.push(
            serde_json::from_value(json!({
                "metadata": {"name": format!("ozone-{id}-tls"), "namespace": "ozone"},
                "type": "kubernetes.io/tls",
                "data": {"tls.crt": k8s_openapi::ByteString(leaf.cert_pem().as_bytes().to_vec()),
                         "tls.key": k8s_openapi::ByteString(leaf.key_pem().as_bytes().to_vec())}
            }))
            .unwrap(),
        );
        }
    }
    set_started(
        &c,
        "ozone-om-0",
        now.checked_add(SignedDuration::from_mins(1)).unwrap(),
    );
    set_started(
        &c,
        "ozone-scm-0",
        now.checked_sub(SignedDuration::from_hours(2)).unwrap(),
    );
    let r = run(&c, &["status", "-o", "json"]).await;
    assert_eq!(
        r.code(),
        1,
        "20-day certificates are within the default 30 days"
    );
    let report: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(report["mode"], "cert-manager");
    let certs = report["certificates"].as_array().unwrap();
    let ids: Vec<&str> = certs
        .iter()
        .map(|x| x["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["scm", "om", "datanode", "s3g"],
        "present components serving HTTPS"
    );
    assert_eq!(certs[1]["pods"][0]["state"], "current-by-start-time");
    assert_eq!(certs[0]["pods"][0]["state"], "stale");
    assert_eq!(certs[3]["issuer"], "CN=cm-ca");
    let ozone = report["ozoneCertificates"].as_array().unwrap();
    assert_eq!(ozone.len(), 2);
    assert_eq!(ozone[0]["subject"], "CN=om@ozone-om-0, O=CID-1");
    assert_eq!(ozone[1]["expiry"], "2027-11-23T13:00:00Z");
    let calls: Vec<String> = c
        .ozone
        .state
        .lock()
        .unwrap()
        .calls
        .iter()
        .map(|(_, a)| a.clone())
        .collect();
    assert!(
        calls.contains(&"ozone admin cert list --role datanode --count 10000 --json".to_owned()),
        "{calls:?}"
    );
    let r = run(&c, &["status"]).await;
    assert!(
        r.out
            .contains("Ozone certificates (ozone admin cert list):"),
        "{}",
        r.out
    );
    assert!(r.out.contains("CN=datanode@ozone-datanode-0"), "{}", r.out);
}

#[tokio::test]
async fn status_requests_are_covered_by_the_documented_permissions() {
    let rules = ozone_generator::permissions::COMMANDS
        .iter()
        .find(|p| p.command == "cert status")
        .expect("cert status is in the permissions table")
        .rules;
    let c = managed();
    assert_eq!(run(&c, &["issue", "--yes"]).await.code(), 0);
    let n = c.api.requests().len();
    {
        let mut st = c.api.state.lock().unwrap();
        for m in st.config_maps.iter_mut() {
            m.data.get_or_insert_default().insert(
                "OZONE-SITE.XML_ozone.security.enabled".into(),
                "true".into(),
            );
        }
    }
    assert_eq!(run(&c, &["status"]).await.code(), 0);
    assert!(c.ozone.call_count() > 0);
    let mut needed: Vec<_> = c.api.requests()[n..]
        .iter()
        .map(crate::scenarios::rbac_of)
        .collect();
    needed.push((String::new(), "pods/exec".into(), "create".into()));
    for (group, resource, verb) in needed {
        assert!(
            rules.iter().any(|r| r.api_group == group
                && r.resource == resource
                && r.verbs.contains(&verb.as_str())),
            "cert status sends {verb} {group}/{resource}, which the permissions table does not grant"
        );
    }
}

fn set_waiting(c: &FakeCluster) {
    let mut st = c.api.state.lock().unwrap();
    for p in st.pods.iter_mut() {
        let cs = p
            .status
            .as_mut()
            .unwrap()
            .container_statuses
            .as_mut()
            .unwrap();
        cs[0].state =
            serde_json::from_value(json!({"waiting": {"reason": "ContainerCreating"}})).unwrap();
    }
}

/// Pods wait for their Secrets; `--wait` follows them until they run and annotates each with
/// the fingerprint of the certificate it started with.
#[tokio::test(start_paused = true)]
async fn wait_follows_the_pods_until_they_run_and_annotates_them() {
    let c = managed();
    set_waiting(&c);
    let starter = async {
        tokio::time::sleep(std::time::Duration::from_secs(25)).await;
        let at = Timestamp::now()
            .checked_add(SignedDuration::from_secs(1))
            .unwrap();
        for pod in [
            "ozone-scm-0",
            "ozone-om-0",
            "ozone-datanode-0",
            "ozone-datanode-1",
            "ozone-datanode-2",
        ] {
            set_started(&c, pod, at);
        }
    };
    let (r, ()) = tokio::join!(
        run(&c, &["issue", "--yes", "--wait", "--progress", "plain"]),
        starter
    );
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    assert!(r.err.contains("waiting for 5 pod(s) to start"), "{}", r.err);
    assert!(r.err.contains("done: 5 pod(s) running"), "{}", r.err);
    for (pod, secret) in [
        ("ozone-om-0", "ozone-om-tls"),
        ("ozone-datanode-2", "ozone-datanode-tls"),
    ] {
        let fp = annotation(&c.api.secret(secret).unwrap(), TLS_FINGERPRINT_ANNOTATION);
        assert_eq!(
            c.api.pod(pod).unwrap().metadata.annotations.unwrap()[TLS_FINGERPRINT_ANNOTATION],
            fp
        );
    }
    let patches = c
        .api
        .writes()
        .iter()
        .filter(|w| w.method == Method::PATCH)
        .count();
    assert_eq!(patches, 5);
}

#[tokio::test(start_paused = true)]
async fn wait_ends_with_exit_3_at_the_timeout_and_says_how_to_resume() {
    let c = managed();
    set_waiting(&c);
    let r = run(&c, &["issue", "--yes", "--wait", "--timeout", "1m"]).await;
    assert_eq!(r.code(), 3, "{}", r.error());
    assert!(
        r.error().contains("waiting for ozone-datanode-0"),
        "{}",
        r.error()
    );
    assert!(
        r.error()
            .contains("kubectl ozone cert issue --wait -n ozone --name ozone"),
        "{}",
        r.error()
    );
    assert!(
        c.api.secret("ozone-om-tls").is_some(),
        "the Secrets stay written"
    );
}

#[tokio::test]
async fn an_unusable_ca_is_reported_before_anything_is_written() {
    let c = managed();
    let ca = pki::Ca::generate(
        "x",
        &pki::Validity::starting(Timestamp::now(), SignedDuration::from_hours(24)).unwrap(),
    )
    .unwrap();
    let other = pki::Ca::generate(
        "y",
        &pki::Validity::starting(Timestamp::now(), SignedDuration::from_hours(24)).unwrap(),
    )
    .unwrap();
    c.api.state.lock().unwrap().secrets.push(
        serde_json::from_value(json!({
            "metadata": {"name": "ozone-ca"},
            "data": {"tls.crt": k8s_openapi::ByteString(ca.cert_pem().as_bytes().to_vec()),
                     "tls.key": k8s_openapi::ByteString(other.key_pem().as_bytes().to_vec())}
        }))
        .unwrap(),
    );
    let r = run(&c, &["issue", "--dry-run"]).await;
    assert_eq!(r.code(), 1);
    assert!(
        r.error().contains("CA Secret ozone-ca is unusable"),
        "{}",
        r.error()
    );
    assert!(
        r.error().contains("does not belong to the certificate"),
        "{}",
        r.error()
    );
    assert!(!r.all().contains("PRIVATE KEY"));
    assert!(c.api.writes().is_empty());
}

#[tokio::test]
async fn a_kept_certificate_whose_names_no_longer_match_the_render_is_pointed_out() {
    let c = managed();
    assert_eq!(run(&c, &["issue", "--yes"]).await.code(), 0);
    let rerendered = resolve(&Inputs::with_sets(
        "small",
        &[
            "security.tls.mode=managed",
            "datanodes.replicas=3",
            "security.tls.extraDnsNames.s3g[0]=s3.example.com",
        ],
    ))
    .unwrap();
    {
        let mut st = c.api.state.lock().unwrap();
        st.config_maps
            .retain(|m| m.metadata.name.as_deref() != Some("ozone-certificates"));
        st.config_maps
            .push(certificates_config_map(&rerendered).unwrap().unwrap());
    }
    let r = run(&c, &["issue", "--dry-run"]).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert!(
        r.out.contains(
            "note: ozone-s3g-tls: the certificate's DNS names differ from the rendered ones"
        ),
        "{}",
        r.out
    );
    assert!(!r.out.contains("note: ozone-om-tls"), "{}", r.out);
}

/// `--wait` annotates pods even when every Secret exists, so it asks (or needs `--yes`) too.
#[tokio::test(start_paused = true)]
async fn wait_with_every_secret_present_asks_before_annotating_pods() {
    let c = managed();
    let r = run(&c, &["issue", "--yes"]).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let writes = c.api.writes().len();
    let r = run(&c, &["issue", "--wait", "--timeout", "1m"]).await;
    assert_eq!(r.code(), 2, "{}\n{}", r.error(), r.err);
    assert!(r.error().contains("pass --yes"), "{}", r.error());
    assert_eq!(c.api.writes().len(), writes, "nothing is written");
    // With --yes it goes on to wait (this fixture's pods never start).
    let r = run(&c, &["issue", "--wait", "--yes", "--timeout", "1m"]).await;
    assert_eq!(r.code(), 3, "{}\n{}", r.error(), r.err);
}
