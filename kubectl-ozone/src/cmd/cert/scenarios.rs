//! `cert rotate` end to end against the fakes: the exact order of writes (Secrets,
//! Certificates, pod deletes and annotations, leadership transfers) for a 3-OM/3-SCM cluster
//! with four datanodes and an S3 Gateway, resuming, dry runs, pre-flight refusals, and that no
//! key material reaches any output. Time is paused: waits take no real time.

use crate::cli::Cli;
use crate::testing::Run;
use crate::testing::{FakeCluster, RunCommand};
use crate::ui::confirm::testing::Scripted;
use clap::Parser;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Pod, Secret};
use ozone_storage::Component;
use serde_json::json;
use std::collections::BTreeMap;

pub(crate) async fn run(c: &FakeCluster, args: &[&str], prompt: Option<Scripted>) -> Run {
    c.run(args, prompt).await
}

/// The components with certificates in the fixture, in restart order.
const TLS: [Component; 4] = [
    Component::Scm,
    Component::Om,
    Component::Datanode,
    Component::S3g,
];

/// The private key bytes the fixture's Secrets hold; no output may contain them.
pub(crate) fn key_marker(component: Component) -> String {
    format!("KEY-MATERIAL-{component}-do-not-print")
}

/// A real certificate for the fixture, `label` as its common name.
pub(crate) fn cert_pem(label: &str) -> String {
    use k8s_openapi::jiff::{SignedDuration, Timestamp};
    use ozone_engine::pki::{Ca, LeafRequest, Validity};
    let validity = Validity::starting(Timestamp::now(), SignedDuration::from_hours(24)).unwrap();
    let ca = Ca::generate("fixture CA", &validity).unwrap();
    ca.issue(&LeafRequest {
        common_name: label.to_owned(),
        dns_names: vec![format!("{label}.example")],
        validity,
    })
    .unwrap()
    .cert_pem()
    .to_owned()
}

fn secret(name: &str, component: Component, crt: &str, cert_manager: bool) -> Secret {
    let mut annotations = BTreeMap::new();
    if cert_manager {
        annotations.insert(
            "cert-manager.io/certificate-name".to_owned(),
            format!("ozone-{component}"),
        );
    }
    Secret {
        metadata: kube::core::ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("ozone".into()),
            resource_version: Some("1".into()),
            annotations: Some(annotations),
            ..Default::default()
        },
        data: Some(BTreeMap::from([
            ("tls.crt".to_owned(), ByteString(crt.as_bytes().to_vec())),
            (
                "tls.key".to_owned(),
                ByteString(key_marker(component).into_bytes()),
            ),
            (
                "keystore.p12".to_owned(),
                ByteString(key_marker(component).into_bytes()),
            ),
        ])),
        type_: Some("kubernetes.io/tls".into()),
        ..Default::default()
    }
}

/// A 3-SCM, 3-OM, 4-datanode cluster with one S3 Gateway pod, TLS by cert-manager, every pod
/// serving its Secret's certificate.
pub(crate) fn cert_manager_cluster() -> FakeCluster {
    let c = base_cluster();
    let mut st = c.api.state.lock().unwrap();
    for component in TLS {
        let name = format!("ozone-{component}-tls");
        let crt = cert_pem(&format!("{component}-original"));
        st.secrets.push(secret(&name, component, &crt, true));
        st.certificates.push(json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": format!("ozone-{component}"), "namespace": "ozone",
                         "generation": 2, "resourceVersion": "7"},
            "spec": {"secretName": name},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}]}
        }));
    }
    st.renew = Some(|secret, n| cert_pem(&format!("{secret}-renewed-{n}")));
    let config = st
        .config_maps
        .iter_mut()
        .find(|c| c.metadata.name.as_deref() == Some("ozone-config"))
        .unwrap();
    config.data.get_or_insert_with(Default::default).insert(
        format!("OZONE-SITE.XML_{}", ozone_storage::config::HTTP_POLICY_KEY),
        "HTTPS_ONLY".into(),
    );
    drop(st);
    annotate_pods(&c);
    c
}

/// The fixture's pods without TLS Secrets.
fn base_cluster() -> FakeCluster {
    let c = FakeCluster::new("ozone", 3, 3, 4);
    let mut st = c.api.state.lock().unwrap();
    let s3g: Pod = serde_json::from_value(json!({
        "metadata": {"name": "ozone-s3g-6f7d9-x2x4q", "namespace": "ozone", "uid": "s3g-uid-0",
                     "labels": {"app.kubernetes.io/name": "ozone", "app.kubernetes.io/instance": "ozone",
                                "app.kubernetes.io/component": "s3g"}},
        "spec": {"containers": [{"name": "s3g"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    }))
    .unwrap();
    st.pods.push(s3g);
    st.ready_after_lists = 2;
    drop(st);
    c
}

/// Every pod records the certificate in its Secret, as after a completed rotation.
fn annotate_pods(c: &FakeCluster) {
    for component in TLS {
        let fp = secret_fingerprint(c, &format!("ozone-{component}-tls"));
        let mut st = c.api.state.lock().unwrap();
        for pod in st
            .pods
            .iter_mut()
            .filter(|p| ozone_engine::cluster::view::component_of(&p.metadata) == Some(component))
        {
            pod.metadata.annotations = Some(BTreeMap::from([(
                ozone_generator::names::TLS_FINGERPRINT_ANNOTATION.to_owned(),
                fp.clone(),
            )]));
        }
    }
}

/// The names the managed fixture's certificates cover.
fn fixture_dns_names(component: Component) -> Vec<String> {
    vec![
        format!("ozone-{component}.ozone.svc.cluster.local"),
        format!("ozone-{component}"),
    ]
}

/// What the render asks managed mode to issue, for the fixture: 90-day leaves.
fn requests_for_fixture() -> ozone_generator::objects::tls::CertificateRequests {
    use ozone_generator::objects::tls::{CaRequest, CertificateRequests, LeafCertificate};
    CertificateRequests {
        ca: CaRequest {
            secret_name: "ozone-ca".into(),
            common_name: "Ozone CA ozone/ozone".into(),
            duration: "87600h".into(),
        },
        password_secret: "ozone-tls-passwords".into(),
        duration: "2160h".into(),
        renew_before: "720h".into(),
        certificates: TLS
            .iter()
            .map(|c| {
                (
                    c.id().to_owned(),
                    LeafCertificate {
                        secret_name: format!("ozone-{c}-tls"),
                        common_name: format!("ozone-{c}.ozone.svc.cluster.local"),
                        dns_names: fixture_dns_names(*c),
                    },
                )
            })
            .collect(),
    }
}

/// The ConfigMap `<cluster>-certificates` holding `requests`.
fn certificates_config_map(
    requests: &ozone_generator::objects::tls::CertificateRequests,
) -> k8s_openapi::api::core::v1::ConfigMap {
    serde_json::from_value(json!({
        "metadata": {"name": "ozone-certificates", "namespace": "ozone"},
        "data": {ozone_generator::objects::tls::CERTIFICATES_KEY: serde_json::to_string(requests).unwrap()}
    }))
    .unwrap()
}

/// The keystore password of the managed fixture.
const PASSWORD: &str = "0123456789abcdef0123456789abcdef";

/// The same cluster in managed mode: a CA Secret, a password Secret, and a leaf Secret per
/// component issued from the CA. Returns the CA.
pub(crate) fn managed_cluster() -> (FakeCluster, ozone_engine::pki::Ca) {
    use super::secrets;
    use k8s_openapi::jiff::{SignedDuration, Timestamp};
    use ozone_engine::pki::{Ca, LeafRequest, Validity};
    let c = base_cluster();
    let names = ozone_generator::names::Names::new("ozone", "ozone", "cluster.local");
    let now = Timestamp::from_second(Timestamp::now().as_second()).unwrap();
    let ca_validity = Validity::starting(now, SignedDuration::from_hours(24 * 3650)).unwrap();
    let ca = Ca::generate("Ozone CA ozone/ozone", &ca_validity).unwrap();
    let leaf_validity = Validity::starting(now, SignedDuration::from_hours(24 * 90)).unwrap();
    let mut st = c.api.state.lock().unwrap();
    st.config_maps
        .push(certificates_config_map(&requests_for_fixture()));
    st.secrets
        .push(secrets::ca_secret(&names, "ozone-ca", &ca, ca.cert_pem(), now, None).unwrap());
    st.secrets.push(secrets::password_secret(
        &names,
        "ozone-tls-passwords",
        PASSWORD,
    ));
    for component in TLS {
        let host = format!("ozone-{component}.ozone.svc.cluster.local");
        let leaf = ca
            .issue(&LeafRequest {
                common_name: host,
                dns_names: fixture_dns_names(component),
                validity: leaf_validity,
            })
            .unwrap();
        st.secrets.push(
            secrets::leaf_secret(
                &names,
                &format!("ozone-{component}-tls"),
                component.id(),
                &leaf,
                ca.cert_pem(),
                ca.cert_pem(),
                PASSWORD,
                now,
                None,
            )
            .unwrap(),
        );
    }
    drop(st);
    annotate_pods(&c);
    (c, ca)
}

fn journal_without_reads(c: &FakeCluster) -> Vec<String> {
    c.journal()
}

fn restart(pod: &str) -> [String; 2] {
    [format!("DELETE pods/{pod}"), format!("PATCH pods/{pod}")]
}

/// The writes of a full rolling restart after the certificates were renewed: SCM and OM
/// followers first, leadership moved to the first follower, the old leader last; datanodes
/// one at a time; the S3 Gateway last (its replacement has a new name).
fn rolling_restart(s3g_replacement: &str) -> Vec<String> {
    rolling_restart_led(0, "ozone-s3g-6f7d9-x2x4q", s3g_replacement)
}

/// [`rolling_restart`] when member `leader` of both rings leads.
fn rolling_restart_led(leader: usize, s3g: &str, s3g_replacement: &str) -> Vec<String> {
    let mut out = Vec::new();
    for ring in ["scm", "om"] {
        let followers: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
        for f in &followers {
            out.extend(restart(&format!("ozone-{ring}-{f}")));
        }
        out.push(format!(
            "exec ozone admin {ring} transfer --service-id ozone --new-leader-id {ring}{}",
            followers[0]
        ));
        out.extend(restart(&format!("ozone-{ring}-{leader}")));
    }
    for i in 0..4 {
        out.extend(restart(&format!("ozone-datanode-{i}")));
    }
    out.push(format!("DELETE pods/{s3g}"));
    out.push(format!("PATCH pods/{s3g_replacement}"));
    out
}

fn annotation(c: &FakeCluster, pod: &str) -> Option<String> {
    let st = c.api.state.lock().unwrap();
    st.pods
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some(pod))?
        .metadata
        .annotations
        .as_ref()?
        .get(ozone_generator::names::TLS_FINGERPRINT_ANNOTATION)
        .cloned()
}

fn secret_fingerprint(c: &FakeCluster, name: &str) -> String {
    let st = c.api.state.lock().unwrap();
    let s = st
        .secrets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(name))
        .unwrap();
    super::rotate::secret_fingerprint(s).unwrap()
}

#[tokio::test(start_paused = true)]
async fn cert_manager_rotation_renews_then_restarts_in_the_safe_order() {
    let c = cert_manager_cluster();
    let r = run(&c, &["cert", "rotate", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    let mut expected: Vec<String> = TLS
        .iter()
        .map(|c| format!("PUT certificates/ozone-{c}/status"))
        .collect();
    // Each renewal is waited for (the Secret changes) before the next; restarts come after
    // all four.
    let s3g_new = {
        let st = c.api.state.lock().unwrap();
        st.pods
            .iter()
            .filter_map(|p| p.metadata.name.clone())
            .find(|n| n.starts_with("ozone-s3g-"))
            .unwrap()
    };
    expected.extend(rolling_restart(&s3g_new));
    assert_eq!(journal_without_reads(&c), expected);
    // Never a pod deleted while another of its component was still coming back.
    assert!(
        c.api
            .state
            .lock()
            .unwrap()
            .deleted_while_others_not_ready
            .is_empty()
    );
    // Every pod records the certificate it started with: the renewed one.
    for component in TLS {
        let fp = secret_fingerprint(&c, &format!("ozone-{component}-tls"));
        assert_ne!(
            fp,
            ozone_engine::pki::fingerprint(&cert_pem(&format!("{component}-original"))).unwrap()
        );
        let pods: Vec<String> = {
            let st = c.api.state.lock().unwrap();
            st.pods
                .iter()
                .filter(|p| {
                    ozone_engine::cluster::view::component_of(&p.metadata) == Some(component)
                })
                .filter_map(|p| p.metadata.name.clone())
                .collect()
        };
        for pod in pods {
            assert_eq!(annotation(&c, &pod).as_deref(), Some(fp.as_str()), "{pod}");
        }
    }
    // The renewal is the condition cmctl sets; Ready is kept.
    let st = c.api.state.lock().unwrap();
    let conditions = &st.certificates[1]["status"]["conditions"];
    assert_eq!(conditions[0]["type"], "Ready");
    assert_eq!(conditions[1]["type"], "Issuing");
    assert_eq!(conditions[1]["status"], "True");
    assert_eq!(conditions[1]["reason"], "ManuallyTriggered");
    assert_eq!(
        conditions[1]["message"],
        "Certificate re-issuance manually triggered"
    );
    assert_eq!(conditions[1]["observedGeneration"], 2);
    drop(st);
    // Leadership really moved: the old leaders are followers now.
    let oz = c.ozone.state.lock().unwrap();
    assert_eq!((oz.scm_leader, oz.om_leader), (Some(1), Some(1)));
    drop(oz);
    assert!(r.err.contains("certificate rotation complete"), "{}", r.err);
    assert!(r.out.is_empty(), "{}", r.out);
}

#[tokio::test(start_paused = true)]
async fn only_the_chosen_component_is_rotated() {
    let c = cert_manager_cluster();
    let r = run(&c, &["cert", "rotate", "--component", "om", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let mut expected = vec!["PUT certificates/ozone-om/status".to_owned()];
    expected.extend(restart("ozone-om-1"));
    expected.extend(restart("ozone-om-2"));
    expected.push("exec ozone admin om transfer --service-id ozone --new-leader-id om1".into());
    expected.extend(restart("ozone-om-0"));
    assert_eq!(c.journal(), expected);
}

#[tokio::test(start_paused = true)]
async fn an_interrupted_rotation_resumes_without_new_certificates() {
    let c = cert_manager_cluster();
    c.api.state.lock().unwrap().never_ready = vec!["ozone-om-2".into()];
    let r = run(&c, &["cert", "rotate", "--yes", "--timeout", "10m"], None).await;
    assert_eq!(r.code(), 3, "{}", r.error());
    assert!(
        r.error()
            .contains("Resume with:\n  kubectl ozone cert rotate --resume -n ozone --name ozone"),
        "{}",
        r.error()
    );
    let first = c.journal();
    // Stopped waiting for ozone-om-2 to come back: it was not annotated, nothing after it ran.
    assert_eq!(
        first.last().map(String::as_str),
        Some("DELETE pods/ozone-om-2")
    );
    // ozone-om-2 comes up after all.
    c.api.state.lock().unwrap().never_ready.clear();
    let r = run(&c, &["cert", "rotate", "--resume", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    let second: Vec<String> = c.journal()[first.len()..].to_vec();
    let s3g_new = {
        let st = c.api.state.lock().unwrap();
        st.pods
            .iter()
            .filter_map(|p| p.metadata.name.clone())
            .find(|n| n.starts_with("ozone-s3g-"))
            .unwrap()
    };
    // No renewal, SCM and ozone-om-1 are not restarted again.
    let mut expected = Vec::new();
    expected.extend(restart("ozone-om-2"));
    expected.push("exec ozone admin om transfer --service-id ozone --new-leader-id om1".into());
    expected.extend(restart("ozone-om-0"));
    expected.extend(rolling_restart(&s3g_new).into_iter().skip(14));
    assert_eq!(second, expected);
    assert!(r.err.contains("resuming: no new certificates"), "{}", r.err);
    // A third run with --resume has nothing left to do.
    let before = c.journal().len();
    let r = run(&c, &["cert", "rotate", "--resume", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(c.journal().len(), before);
    assert!(r.err.contains("Nothing to change."), "{}", r.err);
}

#[tokio::test(start_paused = true)]
async fn dry_runs_change_nothing_even_where_every_write_would_fail() {
    for format in ["table", "json", "yaml"] {
        let c = cert_manager_cluster();
        c.refuse_writes();
        let r = run(&c, &["cert", "rotate", "--dry-run", "-o", format], None).await;
        assert_eq!(r.code(), 0, "{format}: {}", r.error());
        assert!(c.journal().is_empty(), "{format}: {:?}", c.journal());
        assert!(
            c.api
                .requests()
                .iter()
                .all(|r| r.method == http::Method::GET),
            "{format}"
        );
        assert!(c.ozone.mutations().is_empty(), "{format}");
        if format == "table" {
            for line in [
                "Dry run: certificate rotation in Ozone cluster ozone (namespace ozone):",
                "1. ask cert-manager to renew certificate ozone-scm, then wait until secret ozone-scm-tls holds the new certificate",
                "5. restart pod ozone-scm-1 once the rest of its component is ready",
                "7. run in a scm pod: ozone admin scm transfer --service-id ozone --new-leader-id scm1",
                "17. restart pod ozone-s3g-6f7d9-x2x4q: delete it",
            ] {
                assert!(r.out.contains(line), "missing {line:?} in\n{}", r.out);
            }
        }
        if format == "json" {
            let plan: serde_json::Value = serde_json::from_str(&r.out).unwrap();
            assert_eq!(plan["steps"].as_array().unwrap().len(), 17);
            assert_eq!(plan["steps"][0]["kind"], "renewCertificate");
            assert_eq!(plan["steps"][6]["kind"], "ozone");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_degraded_cluster_is_refused_unless_the_named_check_is_skipped() {
    type Break = fn(&FakeCluster);
    let cases: [(Break, &str, &str); 3] = [
        (
            |c| {
                let mut st = c.api.state.lock().unwrap();
                let pod = st
                    .pods
                    .iter_mut()
                    .find(|p| p.metadata.name.as_deref() == Some("ozone-om-2"))
                    .unwrap();
                pod.status.as_mut().unwrap().conditions = Some(vec![
                    serde_json::from_value(json!({"type": "Ready", "status": "False"})).unwrap(),
                ]);
            },
            "readiness: ozone-om-2 is not ready; a restart now could lose quorum or data availability (skip with --skip-readiness-check)",
            "--skip-readiness-check",
        ),
        (
            |c| c.ozone.state.lock().unwrap().scm_leader = None,
            "raft-leader: scm has no Raft leader; fix the ring before rotating (or skip this check) (skip with --skip-leader-check)",
            "--skip-leader-check",
        ),
        (
            |c| c.ozone.state.lock().unwrap().datanodes[3].health = "DEAD".into(),
            "datanode-health: not healthy: ozone-datanode-3 (DEAD)",
            "--skip-datanode-health-check",
        ),
    ];
    for (damage, refusal, skip) in cases {
        let c = cert_manager_cluster();
        damage(&c);
        let r = run(&c, &["cert", "rotate", "--yes"], None).await;
        assert_eq!(r.code(), 1, "{skip}");
        assert!(
            r.error().starts_with("refused, nothing was changed: ") && r.error().contains(refusal),
            "{skip}: {}",
            r.error()
        );
        assert!(c.journal().is_empty(), "{skip}: {:?}", c.journal());
        let r = run(&c, &["cert", "rotate", "--yes", skip], None).await;
        assert_eq!(r.code(), 0, "{skip}: {}\n{}", r.error(), r.err);
        let check = skip
            .trim_start_matches("--skip-")
            .trim_end_matches("-check")
            .replace("leader", "raft-leader");
        assert!(
            r.err
                .contains(&format!("SKIPPED {check}: skipped by {skip}")),
            "{skip}: {}",
            r.err
        );
        assert!(c.journal().len() > 20, "{skip}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_leaderless_ring_skipped_restarts_without_a_transfer() {
    let c = cert_manager_cluster();
    c.ozone.state.lock().unwrap().scm_leader = None;
    let r = run(
        &c,
        &[
            "cert",
            "rotate",
            "--component",
            "scm",
            "--yes",
            "--skip-leader-check",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let mut expected = vec!["PUT certificates/ozone-scm/status".to_owned()];
    for i in 0..3 {
        expected.extend(restart(&format!("ozone-scm-{i}")));
    }
    assert_eq!(c.journal(), expected);
}

#[tokio::test(start_paused = true)]
async fn bad_input_names_the_flag_and_changes_nothing() {
    let c = cert_manager_cluster();
    for (args, message) in [
        (
            &["cert", "rotate", "--component", "httpfs", "--yes"][..],
            "--component httpfs: HttpFS serves no HTTPS endpoint",
        ),
        (
            &["cert", "rotate", "--component", "recon", "--yes"][..],
            "--component recon: cluster ozone has no recon pods",
        ),
        (
            &["cert", "rotate", "--ca", "--component", "om", "--yes"][..],
            "--ca rotates the CA of every component",
        ),
    ] {
        let r = run(&c, args, None).await;
        assert_eq!(r.code(), 2, "{args:?}: {}", r.error());
        assert!(r.error().contains(message), "{args:?}: {}", r.error());
    }
    let e =
        Cli::try_parse_from(["kubectl-ozone", "cert", "rotate", "--component", "nfs"]).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("--component"), "{e}");
    assert!(c.journal().is_empty());
}

#[tokio::test(start_paused = true)]
async fn without_a_terminal_and_without_yes_nothing_changes() {
    let c = cert_manager_cluster();
    let r = run(&c, &["cert", "rotate"], None).await;
    assert_eq!(r.code(), 2, "{}", r.error());
    assert!(r.error().contains("pass --yes"), "{}", r.error());
    let r = run(&c, &["cert", "rotate"], Some(Scripted::new(&["n"]))).await;
    assert_eq!(r.code(), 1);
    assert!(c.journal().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_renewal_cert_manager_never_completes_times_out_with_the_command_to_run_again() {
    let c = cert_manager_cluster();
    c.api.state.lock().unwrap().renew = None;
    let r = run(&c, &["cert", "rotate", "--yes", "--timeout", "5m"], None).await;
    assert_eq!(r.code(), 3, "{}", r.error());
    // Not --resume: the certificates are not all new yet.
    assert!(
        r.error()
            .contains("cert-manager to write a new certificate into secret ozone-scm-tls")
            && r.error()
                .contains("Resume with:\n  kubectl ozone cert rotate -n ozone"),
        "{}",
        r.error()
    );
    assert_eq!(c.journal(), ["PUT certificates/ozone-scm/status"]);
}

#[tokio::test(start_paused = true)]
async fn every_request_is_covered_by_the_documented_permissions() {
    use ozone_generator::permissions::COMMANDS;
    let rules = COMMANDS
        .iter()
        .find(|p| p.command == "cert rotate")
        .expect("cert rotate is in the permissions table")
        .rules;
    let mut needed: Vec<(String, String, String)> = Vec::new();
    // cert-manager mode, and managed mode (the CA phases send the same kinds of requests as
    // a managed leaf rotation: Secret reads and replacements, pod deletes and patches).
    let c = cert_manager_cluster();
    let r = run(&c, &["cert", "rotate", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    needed.extend(c.api.requests().iter().map(crate::scenarios::rbac_of));
    let (c, _) = managed_cluster();
    let r = run(&c, &["cert", "rotate", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    needed.extend(c.api.requests().iter().map(crate::scenarios::rbac_of));
    needed.push((String::new(), "pods/exec".into(), "create".into()));
    for (group, resource, verb) in needed {
        assert!(
            rules.iter().any(|rule| rule.api_group == group
                && rule.resource == resource
                && rule.verbs.contains(&verb.as_str())),
            "cert rotate sends {verb} {group}/{resource}, which the permissions table does not grant"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn no_output_mode_shows_key_material() {
    for args in [
        &["cert", "rotate", "--yes"][..],
        &["cert", "rotate", "--yes", "-o", "json"][..],
        &["cert", "rotate", "--yes", "-o", "yaml"][..],
        &["cert", "rotate", "--dry-run"][..],
        &["cert", "rotate", "--dry-run", "-o", "json"][..],
        &["cert", "rotate", "--dry-run", "-o", "yaml"][..],
    ] {
        let c = cert_manager_cluster();
        let r = run(&c, args, None).await;
        assert_eq!(r.code(), 0, "{args:?}: {}", r.error());
        for component in TLS {
            let key = key_marker(component);
            for (stream, text) in [("stdout", &r.out), ("stderr", &r.err)] {
                assert!(!text.contains(&key), "{args:?}: {stream} shows {key}");
                assert!(!text.contains("PRIVATE KEY"), "{args:?}: {stream}");
            }
        }
    }
}

fn data(c: &FakeCluster, secret: &str, key: &str) -> String {
    let s = c.api.secret(secret).unwrap();
    String::from_utf8_lossy(&s.data.unwrap()[key].0).into_owned()
}

fn phase(c: &FakeCluster) -> Option<String> {
    c.api
        .secret("ozone-ca")
        .unwrap()
        .metadata
        .annotations
        .unwrap_or_default()
        .get(super::ca::PHASE_ANNOTATION)
        .cloned()
}

/// Reads a PKCS12 store back: the certificates it holds, DER.
fn store_certificates(c: &FakeCluster, secret: &str, key: &str) -> Vec<Vec<u8>> {
    let s = c.api.secret(secret).unwrap();
    let bytes = &s.data.unwrap()[key].0;
    let store = p12_keystore::KeyStore::from_pkcs12(
        bytes,
        PASSWORD,
        p12_keystore::Pkcs12ImportPolicy::Strict,
    )
    .unwrap();
    store
        .entries()
        .flat_map(|(_, e)| match e {
            p12_keystore::KeyStoreEntry::Certificate(c) => vec![c.as_der().to_vec()],
            p12_keystore::KeyStoreEntry::PrivateKeyChain(k) => {
                k.certs().iter().map(|c| c.as_der().to_vec()).collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

fn der(pem: &str) -> Vec<Vec<u8>> {
    ozone_engine::pki::certificates_in(pem).unwrap()
}

#[tokio::test(start_paused = true)]
async fn managed_rotation_reissues_from_the_cluster_ca_then_restarts_in_the_safe_order() {
    let (c, ca) = managed_cluster();
    let before: Vec<(String, String)> = TLS
        .iter()
        .map(|t| {
            let name = format!("ozone-{t}-tls");
            (data(&c, &name, "tls.crt"), data(&c, &name, "tls.key"))
        })
        .collect();
    let r = run(&c, &["cert", "rotate", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    let mut expected: Vec<String> = TLS
        .iter()
        .map(|t| format!("PUT secrets/ozone-{t}-tls"))
        .collect();
    expected.extend(rolling_restart("ozone-s3g-6f7d9-r11"));
    assert_eq!(c.journal(), expected);
    let ca_summary = ozone_engine::pki::CertSummary::parse(ca.cert_pem()).unwrap();
    for (t, (old_crt, old_key)) in TLS.iter().zip(before) {
        let name = format!("ozone-{t}-tls");
        let crt = data(&c, &name, "tls.crt");
        assert_ne!(crt, old_crt);
        assert_ne!(data(&c, &name, "tls.key"), old_key);
        let new = ozone_engine::pki::CertSummary::parse(&crt).unwrap();
        let old = ozone_engine::pki::CertSummary::parse(&old_crt).unwrap();
        // Issued by the cluster CA, for the same names and lifetime.
        assert_eq!(new.issuer, ca_summary.subject);
        assert_eq!((new.subject, new.dns_names), (old.subject, old.dns_names));
        assert_eq!(
            new.not_after.as_second() - new.not_before.as_second(),
            old.not_after.as_second() - old.not_before.as_second()
        );
        // The keystore holds the new leaf and the CA; trust is unchanged.
        let mut chain = der(&crt);
        chain.extend(der(ca.cert_pem()));
        assert_eq!(store_certificates(&c, &name, "keystore.p12"), chain);
        assert_eq!(
            store_certificates(&c, &name, "truststore.p12"),
            der(ca.cert_pem())
        );
        let secret = c.api.secret(&name).unwrap();
        assert_eq!(
            secret.metadata.annotations.unwrap()
                [ozone_generator::names::TLS_FINGERPRINT_ANNOTATION],
            new.fingerprint
        );
    }
    assert_eq!(
        annotation(&c, "ozone-om-0"),
        Some(secret_fingerprint(&c, "ozone-om-tls"))
    );
}

/// The writes of one CA rotation from the start, leadership starting at member 0.
fn ca_rotation_writes() -> Vec<String> {
    let leaves = |out: &mut Vec<String>| {
        out.extend(TLS.iter().map(|t| format!("PUT secrets/ozone-{t}-tls")));
    };
    let ca = "PUT secrets/ozone-ca".to_owned();
    let mut out = vec![ca.clone()];
    leaves(&mut out);
    out.push(ca.clone()); // new-ca-trusted
    out.extend(rolling_restart_led(
        0,
        "ozone-s3g-6f7d9-x2x4q",
        "ozone-s3g-6f7d9-r11",
    ));
    out.push(ca.clone()); // restarted-trusting-both
    out.push(ca.clone()); // the new CA signs
    leaves(&mut out);
    out.push(ca.clone()); // leaves-reissued
    out.extend(rolling_restart_led(
        1,
        "ozone-s3g-6f7d9-r11",
        "ozone-s3g-6f7d9-r22",
    ));
    out.push(ca.clone()); // restarted-with-new-leaves
    leaves(&mut out);
    out.push(ca.clone()); // bundle without the old CA, old-ca-removed
    out.extend(rolling_restart_led(
        0,
        "ozone-s3g-6f7d9-r22",
        "ozone-s3g-6f7d9-r33",
    ));
    out.push(ca); // done
    out
}

#[tokio::test(start_paused = true)]
async fn ca_rotation_runs_its_phases_in_order_and_ends_trusting_only_the_new_ca() {
    let (c, old_ca) = managed_cluster();
    let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    assert_eq!(c.journal(), ca_rotation_writes());
    assert_eq!(phase(&c).as_deref(), Some("done"));
    assert!(
        c.api
            .state
            .lock()
            .unwrap()
            .deleted_while_others_not_ready
            .is_empty()
    );
    let new_ca = data(&c, "ozone-ca", "tls.crt");
    assert_ne!(new_ca, old_ca.cert_pem());
    assert_eq!(data(&c, "ozone-ca", "ca-bundle.crt"), new_ca);
    let ca_secret = c.api.secret("ozone-ca").unwrap();
    assert!(
        !ca_secret
            .data
            .unwrap()
            .contains_key(super::ca::NEXT_CRT_KEY)
    );
    let issuer = ozone_engine::pki::CertSummary::parse(&new_ca).unwrap();
    for t in TLS {
        let name = format!("ozone-{t}-tls");
        assert_eq!(data(&c, &name, "ca.crt"), new_ca);
        assert_eq!(
            store_certificates(&c, &name, "truststore.p12"),
            der(&new_ca)
        );
        let leaf = ozone_engine::pki::CertSummary::parse(&data(&c, &name, "tls.crt")).unwrap();
        assert_eq!(leaf.issuer, issuer.subject);
        assert_eq!(
            store_certificates(&c, &name, "keystore.p12")[1..],
            der(&new_ca)[..]
        );
    }
    assert!(r.err.contains("CA rotation complete"), "{}", r.err);
}

#[tokio::test(start_paused = true)]
async fn an_interrupted_ca_rotation_resumes_at_the_recorded_phase() {
    let (c, _) = managed_cluster();
    c.api.state.lock().unwrap().never_ready = vec!["ozone-datanode-2".into()];
    let r = run(
        &c,
        &["cert", "rotate", "--ca", "--yes", "--timeout", "30m"],
        None,
    )
    .await;
    assert_eq!(r.code(), 3, "{}", r.error());
    assert!(
        r.error()
            .contains("Resume with:\n  kubectl ozone cert rotate --ca -n ozone --name ozone"),
        "{}",
        r.error()
    );
    let first = c.journal();
    assert_eq!(
        first.last().map(String::as_str),
        Some("DELETE pods/ozone-datanode-2")
    );
    assert_eq!(phase(&c).as_deref(), Some("new-ca-trusted"));
    let pending_ca = data(&c, "ozone-ca", super::ca::NEXT_CRT_KEY);
    c.api.state.lock().unwrap().never_ready.clear();
    let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    assert!(
        r.err
            .contains("resuming the CA rotation after phase new-ca-trusted"),
        "{}",
        r.err
    );
    let second = c.journal()[first.len()..].to_vec();
    // The cut-off restart round runs again from its start (leadership moved in the first
    // run), then the rotation goes on; the trust step is not repeated and the CA kept
    // waiting is the one that gets promoted.
    assert_eq!(second[0], "DELETE pods/ozone-scm-0");
    let whole = ca_rotation_writes();
    let after_first_round = whole
        .iter()
        .position(|w| w == "PATCH pods/ozone-s3g-6f7d9-r11")
        .unwrap()
        + 1;
    assert_eq!(
        second.iter().filter(|w| w.starts_with("PUT")).count(),
        whole[after_first_round..]
            .iter()
            .filter(|w| w.starts_with("PUT"))
            .count()
    );
    assert!(
        !second[..22].iter().any(|w| w.starts_with("PUT")),
        "{second:?}"
    );
    assert_eq!(data(&c, "ozone-ca", "tls.crt"), pending_ca);
    assert_eq!(phase(&c).as_deref(), Some("done"));
}

#[tokio::test(start_paused = true)]
async fn a_ca_secret_annotated_mid_rotation_continues_there_and_an_unknown_phase_is_refused() {
    let (c, _) = managed_cluster();
    // As a run cut off right after the leaves were re-issued would leave it.
    {
        let mut st = c.api.state.lock().unwrap();
        let ca = st
            .secrets
            .iter_mut()
            .find(|s| s.metadata.name.as_deref() == Some("ozone-ca"))
            .unwrap();
        ca.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(super::ca::PHASE_ANNOTATION.into(), "leaves-reissued".into());
    }
    let r = run(&c, &["cert", "rotate", "--ca", "--dry-run"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert!(
        r.out
            .contains("Note: resuming the CA rotation after phase leaves-reissued"),
        "{}",
        r.out
    );
    // Left: restart, drop the old CA, restart.
    assert!(
        !r.out
            .contains("new certificate and key issued from the new CA"),
        "{}",
        r.out
    );
    assert!(r.out.contains("trust only the new CA"), "{}", r.out);
    assert!(
        r.out
            .contains("record CA rotation phase restarted-with-new-leaves on secret ozone-ca")
    );
    assert!(
        r.out
            .contains("record CA rotation phase done on secret ozone-ca")
    );
    assert!(c.journal().is_empty());
    let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    let journal = c.journal();
    // First the restart round, then the old CA is dropped.
    assert_eq!(journal[0], "DELETE pods/ozone-scm-1");
    assert_eq!(journal.len(), 24 + 1 + 4 + 1 + 24 + 1);
    assert_eq!(phase(&c).as_deref(), Some("done"));

    let (c, _) = managed_cluster();
    {
        let mut st = c.api.state.lock().unwrap();
        let ca = st
            .secrets
            .iter_mut()
            .find(|s| s.metadata.name.as_deref() == Some("ozone-ca"))
            .unwrap();
        ca.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(super::ca::PHASE_ANNOTATION.into(), "half-way".into());
    }
    let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
    assert_eq!(r.code(), 1);
    assert!(r.error().contains("refusing to guess"), "{}", r.error());
    assert!(c.journal().is_empty());
}

#[tokio::test(start_paused = true)]
async fn ca_dry_run_changes_nothing_and_cert_manager_mode_has_no_ca_to_rotate() {
    let (c, _) = managed_cluster();
    c.refuse_writes();
    for format in ["table", "json"] {
        let r = run(
            &c,
            &["cert", "rotate", "--ca", "--dry-run", "-o", format],
            None,
        )
        .await;
        assert_eq!(r.code(), 0, "{}", r.error());
        if format == "table" {
            for line in [
                "1. update secret ozone-ca: generate the new CA (kept beside the signing one) and trust both",
                "2. update secret ozone-scm-tls: truststore and ca.crt trust the old and the new CA",
                "6. record CA rotation phase new-ca-trusted on secret ozone-ca",
            ] {
                assert!(r.out.contains(line), "missing {line:?} in\n{}", r.out);
            }
        }
    }
    assert!(c.journal().is_empty());
    assert!(
        c.api
            .requests()
            .iter()
            .all(|r| r.method == http::Method::GET)
    );
    let c = cert_manager_cluster();
    let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
    assert_eq!(r.code(), 2);
    assert!(
        r.error()
            .contains("--ca: this cluster's certificates come from cert-manager"),
        "{}",
        r.error()
    );
}

#[tokio::test(start_paused = true)]
async fn no_output_mode_shows_managed_key_material() {
    for args in [
        &["cert", "rotate", "--yes"][..],
        &["cert", "rotate", "--yes", "-o", "json"][..],
        &["cert", "rotate", "--yes", "-o", "yaml"][..],
        &["cert", "rotate", "--ca", "--yes", "-o", "json"][..],
        &["cert", "rotate", "--ca", "--yes"][..],
        &["cert", "rotate", "--ca", "--dry-run", "-o", "yaml"][..],
    ] {
        let (c, ca) = managed_cluster();
        let mut keys = vec![ca.key_pem().to_owned(), PASSWORD.to_owned()];
        keys.extend(
            TLS.iter()
                .map(|t| data(&c, &format!("ozone-{t}-tls"), "tls.key")),
        );
        let r = run(&c, args, None).await;
        assert_eq!(r.code(), 0, "{args:?}: {}", r.error());
        // Keys written during the run, too.
        for t in TLS {
            keys.push(data(&c, &format!("ozone-{t}-tls"), "tls.key"));
        }
        keys.push(data(&c, "ozone-ca", "tls.key"));
        for (stream, text) in [("stdout", &r.out), ("stderr", &r.err)] {
            assert!(!text.contains("PRIVATE KEY"), "{args:?}: {stream}");
            for key in &keys {
                // Any line of base64 key body.
                for line in key.lines().filter(|l| !l.starts_with("-----")) {
                    assert!(!text.contains(line), "{args:?}: {stream} shows key bytes");
                }
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn managed_rotation_issues_what_the_rendered_config_map_asks_for() {
    let (c, ca) = managed_cluster();
    // Rendered after a scale-up: the OM certificate must cover a fourth pod.
    let names: Vec<String> = (0..4)
        .map(|i| format!("ozone-om-{i}.ozone-om-headless.ozone.svc.cluster.local"))
        .collect();
    let mut requests = requests_for_fixture();
    requests.duration = "720h".into();
    requests
        .certificates
        .get_mut("om")
        .unwrap()
        .dns_names
        .clone_from(&names);
    {
        let mut st = c.api.state.lock().unwrap();
        st.config_maps
            .retain(|c| c.metadata.name.as_deref() != Some("ozone-certificates"));
        st.config_maps.push(certificates_config_map(&requests));
    }
    let r = run(&c, &["cert", "rotate", "--component", "om", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}", r.error());
    assert_eq!(c.journal()[0], "PUT secrets/ozone-om-tls");
    let leaf = ozone_engine::pki::CertSummary::parse(&data(&c, "ozone-om-tls", "tls.crt")).unwrap();
    assert_eq!(leaf.dns_names, names);
    assert_eq!(leaf.subject, "CN=ozone-om.ozone.svc.cluster.local");
    assert_eq!(
        leaf.not_after.as_second() - leaf.not_before.as_second(),
        720 * 3600 + 300
    );
    assert_eq!(
        leaf.issuer,
        ozone_engine::pki::CertSummary::parse(ca.cert_pem())
            .unwrap()
            .subject
    );
}

#[tokio::test(start_paused = true)]
async fn what_managed_rotation_needs_is_checked_before_anything_changes() {
    // No password Secret: neither a leaf nor a CA rotation starts.
    for args in [
        &["cert", "rotate", "--yes"][..],
        &["cert", "rotate", "--ca", "--yes"][..],
    ] {
        let (c, _) = managed_cluster();
        c.api
            .state
            .lock()
            .unwrap()
            .secrets
            .retain(|s| s.metadata.name.as_deref() != Some("ozone-tls-passwords"));
        let r = run(&c, args, None).await;
        assert_eq!(r.code(), 1, "{args:?}");
        assert!(
            r.error().contains("secret ozone-tls-passwords not found"),
            "{args:?}: {}",
            r.error()
        );
        assert!(c.journal().is_empty(), "{args:?}: {:?}", c.journal());
    }
    // A component the rendered ConfigMap does not know.
    let (c, _) = managed_cluster();
    let mut requests = requests_for_fixture();
    requests.certificates.remove("s3g");
    {
        let mut st = c.api.state.lock().unwrap();
        st.config_maps
            .retain(|c| c.metadata.name.as_deref() != Some("ozone-certificates"));
        st.config_maps.push(certificates_config_map(&requests));
    }
    let r = run(&c, &["cert", "rotate", "--yes"], None).await;
    assert_eq!(r.code(), 1);
    assert!(
        r.error()
            .contains("no entry for s3g; re-render and re-apply"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_ca_rotation_cut_off_in_any_phase_finishes_when_run_again() {
    let whole = ca_rotation_writes();
    assert_eq!(whole.len(), 92);
    // Storing the new CA, trusting it, recording phases, restarting, promoting it,
    // re-issuing, dropping the old CA, finishing.
    for at in [0, 2, 18, 31, 36, 63, 66, 91] {
        let (c, old_ca) = managed_cluster();
        c.api.state.lock().unwrap().fail_write_at = Some(at);
        let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
        assert_eq!(r.code(), 1, "cut at {at}");
        assert_eq!(c.journal(), whole[..at], "cut at {at}");
        // The CA the first run created, waiting or already signing.
        let created = c
            .api
            .secret("ozone-ca")
            .and_then(|s| super::secret_text(&s, super::ca::NEXT_CRT_KEY))
            .or_else(|| {
                let signing = data(&c, "ozone-ca", "tls.crt");
                (signing != old_ca.cert_pem()).then_some(signing)
            });
        assert_eq!(created.is_some(), at > 0, "cut at {at}");
        c.api.state.lock().unwrap().fail_write_at = None;
        let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
        assert_eq!(r.code(), 0, "cut at {at}: {}", r.error());
        assert_eq!(phase(&c).as_deref(), Some("done"), "cut at {at}");
        let new_ca = data(&c, "ozone-ca", "tls.crt");
        assert_ne!(new_ca, old_ca.cert_pem(), "cut at {at}");
        if let Some(created) = created {
            assert_eq!(new_ca, created, "cut at {at}: a second new CA was made");
        }
        assert_eq!(data(&c, "ozone-ca", "ca-bundle.crt"), new_ca, "cut at {at}");
        let subject = ozone_engine::pki::CertSummary::parse(&new_ca)
            .unwrap()
            .subject;
        for t in TLS {
            let name = format!("ozone-{t}-tls");
            assert_eq!(data(&c, &name, "ca.crt"), new_ca, "cut at {at}: {name}");
            let leaf = ozone_engine::pki::CertSummary::parse(&data(&c, &name, "tls.crt")).unwrap();
            assert_eq!(leaf.issuer, subject, "cut at {at}: {name}");
            assert_eq!(
                store_certificates(&c, &name, "keystore.p12")[1..],
                der(&new_ca)[..],
                "cut at {at}: {name}"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_ca_restart_round_on_a_degraded_cluster_is_refused_with_the_command_to_resume() {
    let (c, _) = managed_cluster();
    let whole = ca_rotation_writes();
    let round_two = whole
        .iter()
        .position(|w| w == "PATCH pods/ozone-s3g-6f7d9-r11")
        .unwrap()
        + 8;
    // ozone-om-2 goes down after the first round, while the leaves are re-issued.
    c.api.state.lock().unwrap().before_write = Some((
        round_two - 1,
        Box::new(|st| crate::testing::set_pod_ready(st, "ozone-om-2", false)),
    ));
    let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
    assert_eq!(r.code(), 1, "{}\n{}", r.error(), r.err);
    assert!(
        r.error()
            .contains("refused to start the next restart round")
            && r.error().contains("ozone-om-2 is not ready")
            && r.error()
                .contains("resume with:\n  kubectl ozone cert rotate --ca -n ozone --name ozone"),
        "{}",
        r.error()
    );
    // Nothing of the second round ran: no OM went down beside ozone-om-2.
    assert_eq!(c.journal(), whole[..round_two]);
    assert_eq!(phase(&c).as_deref(), Some("leaves-reissued"));
    assert!(
        c.api
            .state
            .lock()
            .unwrap()
            .deleted_while_others_not_ready
            .is_empty()
    );
}

#[tokio::test(start_paused = true)]
async fn a_member_that_became_leader_since_the_plan_is_not_deleted_and_resume_replans() {
    let c = cert_manager_cluster();
    let ozone = c.ozone.state.clone();
    // An election while ozone-om-1 restarts makes ozone-om-2 the leader.
    c.api.state.lock().unwrap().before_write = Some((
        2,
        Box::new(move |_| ozone.lock().unwrap().om_leader = Some(2)),
    ));
    let r = run(&c, &["cert", "rotate", "--component", "om", "--yes"], None).await;
    assert_eq!(r.code(), 1, "{}\n{}", r.error(), r.err);
    assert!(
        r.error().contains("ozone-om-2 leads its Raft ring now")
            && r.error().contains(
                "resume with:\n  kubectl ozone cert rotate --resume --component om -n ozone"
            ),
        "{}",
        r.error()
    );
    let first = c.journal();
    let mut expected = vec!["PUT certificates/ozone-om/status".to_owned()];
    expected.extend(restart("ozone-om-1"));
    assert_eq!(first, expected);
    // Resuming plans from the roles as they are now: ozone-om-2 is restarted last.
    let r = run(
        &c,
        &["cert", "rotate", "--resume", "--component", "om", "--yes"],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    let mut expected = restart("ozone-om-0").to_vec();
    expected.push("exec ozone admin om transfer --service-id ozone --new-leader-id om0".into());
    expected.extend(restart("ozone-om-2"));
    assert_eq!(c.journal()[first.len()..], expected);
}

#[tokio::test(start_paused = true)]
async fn an_api_error_during_the_restarts_names_the_command_that_resumes() {
    let c = cert_manager_cluster();
    // The annotation of the restarted ozone-om-1 fails: the API server went away.
    c.api.state.lock().unwrap().fail_write_at = Some(2);
    let r = run(&c, &["cert", "rotate", "--component", "om", "--yes"], None).await;
    assert_eq!(r.code(), 1, "{}\n{}", r.error(), r.err);
    assert!(
        r.error()
            .contains("resume with `kubectl ozone cert rotate --resume --component om -n ozone")
            && r.error()
                .contains("ozone-om-1 restarted, but its annotation"),
        "{}",
        r.error()
    );
    // A CA rotation cut off the same way says to run it again.
    let (c, _) = managed_cluster();
    let first_delete = ca_rotation_writes()
        .iter()
        .position(|w| w.starts_with("DELETE"))
        .unwrap();
    c.api.state.lock().unwrap().fail_write_at = Some(first_delete + 1);
    let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
    assert_eq!(r.code(), 1, "{}\n{}", r.error(), r.err);
    assert!(
        r.error()
            .contains("resume with `kubectl ozone cert rotate --ca -n ozone"),
        "{}",
        r.error()
    );
}

#[tokio::test(start_paused = true)]
async fn https_is_recognised_however_the_http_policy_is_spelled() {
    for (policy, https) in [
        ("HTTPS_ONLY", true),
        (" https_only\n", true),
        ("HTTP_AND_HTTPS", true),
        ("http_and_https", true),
        ("HTTP_ONLY", false),
    ] {
        let c = cert_manager_cluster();
        {
            let mut st = c.api.state.lock().unwrap();
            let config = st
                .config_maps
                .iter_mut()
                .find(|c| c.metadata.name.as_deref() == Some("ozone-config"))
                .unwrap();
            config.data.get_or_insert_with(Default::default).insert(
                format!("OZONE-SITE.XML_{}", ozone_storage::config::HTTP_POLICY_KEY),
                policy.into(),
            );
        }
        let r = run(&c, &["cert", "rotate", "--dry-run"], None).await;
        if https {
            assert_eq!(r.code(), 0, "{policy:?}: {}", r.error());
        } else {
            assert_eq!(r.code(), 2, "{policy:?}");
            assert!(r.error().contains("serves plain HTTP"), "{}", r.error());
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_next_datanode_waits_until_scm_reports_every_datanode_healthy() {
    let c = cert_manager_cluster();
    let ozone = c.ozone.state.clone();
    // SCM has not heard from the restarted ozone-datanode-0 yet.
    c.api.state.lock().unwrap().before_write = Some((
        2,
        Box::new(move |_| ozone.lock().unwrap().datanodes[0].health = "STALE".into()),
    ));
    let r = run(
        &c,
        &[
            "cert",
            "rotate",
            "--component",
            "datanode",
            "--yes",
            "--timeout",
            "10m",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 3, "{}\n{}", r.error(), r.err);
    assert!(
        r.error()
            .contains("waiting for SCM to report every in-service datanode healthy")
            && r.error().contains(
                "Resume with:\n  kubectl ozone cert rotate --resume --component datanode"
            ),
        "{}",
        r.error()
    );
    let first = c.journal();
    let mut expected = vec!["PUT certificates/ozone-datanode/status".to_owned()];
    expected.extend(restart("ozone-datanode-0"));
    assert_eq!(first, expected);
    // Its heartbeat arrives: resuming restarts the others.
    c.ozone.state.lock().unwrap().datanodes[0].health = "HEALTHY".into();
    let r = run(
        &c,
        &[
            "cert",
            "rotate",
            "--resume",
            "--component",
            "datanode",
            "--yes",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    let rest: Vec<String> = (1..4)
        .flat_map(|i| restart(&format!("ozone-datanode-{i}")))
        .collect();
    assert_eq!(c.journal()[first.len()..], rest);
}

#[tokio::test(start_paused = true)]
async fn a_ca_rotation_moves_the_leaves_of_components_scaled_to_zero_to_the_new_ca() {
    let (c, _) = managed_cluster();
    // The S3 Gateway is scaled to 0: its Secret stays, it has no pods.
    c.api.state.lock().unwrap().pods.retain(|p| {
        !p.metadata
            .name
            .as_deref()
            .unwrap_or_default()
            .starts_with("ozone-s3g-")
    });
    let r = run(&c, &["cert", "rotate", "--ca", "--yes"], None).await;
    assert_eq!(r.code(), 0, "{}\n{}", r.error(), r.err);
    let journal = c.journal();
    assert_eq!(
        journal
            .iter()
            .filter(|w| *w == "PUT secrets/ozone-s3g-tls")
            .count(),
        3
    );
    assert!(!journal.iter().any(|w| w.contains("pods/ozone-s3g")));
    let new_ca = data(&c, "ozone-ca", "tls.crt");
    assert_eq!(data(&c, "ozone-s3g-tls", "ca.crt"), new_ca);
    assert_eq!(
        store_certificates(&c, "ozone-s3g-tls", "truststore.p12"),
        der(&new_ca)
    );
    let issuer = ozone_engine::pki::CertSummary::parse(&new_ca).unwrap();
    let leaf =
        ozone_engine::pki::CertSummary::parse(&data(&c, "ozone-s3g-tls", "tls.crt")).unwrap();
    assert_eq!(leaf.issuer, issuer.subject);
}
