//! `kubectl ozone s3 …` against the fake API server and the scripted Ozone: what reaches the
//! Secret, what runs in Ozone, and that the S3 secret never reaches stdout or stderr.

use crate::testing::{FAKE_PRINCIPAL, FakeCluster, Run, RunCommand};
use k8s_openapi::api::core::v1::Secret;

async fn run(c: &FakeCluster, args: &[&str]) -> Run {
    c.run(args, None).await
}

fn secured(c: &FakeCluster) {
    c.ozone.state.lock().unwrap().secured = true;
    let mut st = c.api.state.lock().unwrap();
    let cm = st
        .config_maps
        .iter_mut()
        .find(|m| m.metadata.name.as_deref() == Some("ozone-config"))
        .unwrap();
    cm.data.get_or_insert_with(Default::default).insert(
        "OZONE-SITE.XML_ozone.security.enabled".into(),
        "true".into(),
    );
}

fn value(secret: &Secret, key: &str) -> String {
    String::from_utf8(secret.data.as_ref().unwrap()[key].0.clone()).unwrap()
}

const FORMATS: [&str; 4] = ["table", "wide", "json", "yaml"];

#[tokio::test]
async fn secured_getsecret_runs_once_and_the_secret_reaches_only_the_secret() {
    for (i, format) in FORMATS.iter().enumerate() {
        let c = FakeCluster::new("ozone", 1, 1, 3);
        secured(&c);
        let name = format!("s3-{i}");
        let r = run(
            &c,
            &[
                "s3",
                "credentials",
                "--secret",
                &name,
                "--secret-namespace",
                "apps",
                "-o",
                format,
            ],
        )
        .await;
        assert_eq!(r.code(), 0, "{}", r.all());
        let secret = c.api.secret(&name).expect("Secret written");
        let stored = value(&secret, "AWS_SECRET_ACCESS_KEY");
        let oz = c.ozone.state.lock().unwrap();
        assert_eq!(
            oz.s3_secrets[FAKE_PRINCIPAL], stored,
            "the pair Ozone made is stored"
        );
        assert_eq!(value(&secret, "AWS_ACCESS_KEY_ID"), FAKE_PRINCIPAL);
        assert_eq!(
            value(&secret, "AWS_ENDPOINT_URL"),
            "http://ozone-s3g.ozone.svc.cluster.local:9878"
        );
        assert_eq!(secret.metadata.namespace.as_deref(), Some("apps"));
        assert!(
            !r.all().contains(&stored),
            "-o {format} printed the secret:\n{}",
            r.all()
        );
        let getsecret = oz
            .calls
            .iter()
            .filter(|(_, c)| c.starts_with("ozone s3 getsecret"))
            .count();
        assert_eq!(getsecret, 1);
        drop(oz);
        assert_eq!(
            c.journal(),
            [
                "exec ozone s3 getsecret".to_owned(),
                "POST /api/v1/namespaces/apps/secrets".to_owned()
            ]
        );
    }
}

#[tokio::test]
async fn another_users_secret_uses_dash_u() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    secured(&c);
    let r = run(
        &c,
        &[
            "s3",
            "credentials",
            "--ozone-user",
            "alice",
            "--secret",
            "alice-s3",
            "-o",
            "json",
        ],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let out: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(out["accessKeyId"], "alice");
    assert_eq!(out["source"], "ozone s3 getsecret");
    assert_eq!(c.ozone.mutations(), ["ozone s3 getsecret -u alice"]);
}

#[tokio::test]
async fn secured_dry_run_runs_nothing_and_shows_the_command() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    secured(&c);
    c.refuse_writes();
    let r = run(&c, &["s3", "credentials", "--secret", "s3", "--dry-run"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(r.out.contains("ozone s3 getsecret"), "{}", r.out);
    assert!(c.journal().is_empty());
    assert!(c.ozone.mutations().is_empty());
}

#[tokio::test]
async fn an_existing_secret_is_kept_without_force_and_getsecret_does_not_run() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    secured(&c);
    let first = run(&c, &["s3", "credentials", "--secret", "s3"]).await;
    assert_eq!(first.code(), 0, "{}", first.all());
    let before = value(&c.api.secret("s3").unwrap(), "AWS_SECRET_ACCESS_KEY");
    let again = run(
        &c,
        &["s3", "credentials", "--secret", "s3", "--ozone-user", "bob"],
    )
    .await;
    assert_eq!(again.code(), 1, "{}", again.all());
    assert!(
        again
            .error()
            .contains("exists; nothing was changed (pass --force"),
        "{}",
        again.error()
    );
    assert_eq!(
        value(&c.api.secret("s3").unwrap(), "AWS_SECRET_ACCESS_KEY"),
        before
    );
    assert_eq!(c.ozone.mutations(), ["ozone s3 getsecret"]);
    // --force overwrites, and without a terminal it needs --yes.
    let forced = run(
        &c,
        &[
            "s3",
            "credentials",
            "--secret",
            "s3",
            "--ozone-user",
            "bob",
            "--force",
        ],
    )
    .await;
    assert_eq!(forced.code(), 2, "{}", forced.all());
    let forced = run(
        &c,
        &[
            "s3",
            "credentials",
            "--secret",
            "s3",
            "--ozone-user",
            "bob",
            "--force",
            "--yes",
        ],
    )
    .await;
    assert_eq!(forced.code(), 0, "{}", forced.all());
    assert_eq!(
        value(&c.api.secret("s3").unwrap(), "AWS_ACCESS_KEY_ID"),
        "bob"
    );
}

#[tokio::test]
async fn a_failed_secret_write_after_getsecret_says_how_to_recover_without_the_secret() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    secured(&c);
    c.api.state.lock().unwrap().fail_writes = true;
    let r = run(&c, &["s3", "credentials", "--secret", "s3"]).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    let made = c.ozone.state.lock().unwrap().s3_secrets[FAKE_PRINCIPAL].clone();
    assert!(!r.all().contains(&made), "{}", r.all());
    assert!(
        r.error()
            .contains("kubectl exec -n ozone ozone-om-0 -- ozone s3 revokesecret -y"),
        "{}",
        r.error()
    );
}

#[tokio::test]
async fn secured_needs_a_secret_name() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    secured(&c);
    let r = run(&c, &["s3", "credentials"]).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(
        r.error()
            .starts_with("--secret: required on a secured cluster")
    );
    assert!(c.ozone.mutations().is_empty());
}

#[tokio::test]
async fn unsecured_explains_and_writes_a_random_pair_said_to_be_random() {
    for format in FORMATS {
        let c = FakeCluster::new("ozone", 1, 1, 3);
        let r = run(&c, &["s3", "credentials", "-o", format]).await;
        assert_eq!(r.code(), 0, "{}", r.all());
        assert!(r.out.contains("accepts any"), "{}", r.out);
        assert!(c.journal().is_empty());

        let r = run(&c, &["s3", "credentials", "--secret", "s3", "-o", format]).await;
        assert_eq!(r.code(), 0, "{}", r.all());
        let secret = c.api.secret("s3").unwrap();
        let stored = value(&secret, "AWS_SECRET_ACCESS_KEY");
        assert_eq!(stored.len(), 40);
        assert!(!r.all().contains(&stored), "-o {format} printed the secret");
        assert!(r.out.contains("random"), "{}", r.out);
        // Nothing ran in Ozone: getsecret refuses on unsecured clusters anyway.
        assert!(c.ozone.mutations().is_empty());
    }
}

#[tokio::test]
async fn bucket_create_checks_the_name_first_and_dry_run_shows_the_command() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    for bad in ["Logs", "ab", "a..b", "192.168.1.1"] {
        let r = run(&c, &["s3", "bucket", "create", bad, "--yes"]).await;
        assert_eq!(r.code(), 2, "{bad}: {}", r.all());
        assert!(r.error().starts_with("NAME: "), "{}", r.error());
    }
    assert_eq!(c.ozone.call_count(), 0, "bad names run nothing");
    c.refuse_writes();
    let r = run(&c, &["s3", "bucket", "create", "logs", "--dry-run"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        r.out.contains("ozone sh bucket create /s3v/logs"),
        "{}",
        r.out
    );
    assert!(c.ozone.mutations().is_empty());
}

#[tokio::test]
async fn bucket_create_then_list() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let r = run(&c, &["s3", "bucket", "create", "logs"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_eq!(c.journal(), ["exec ozone sh bucket create /s3v/logs"]);
    let again = run(&c, &["s3", "bucket", "create", "logs"]).await;
    assert_eq!(again.code(), 1);
    assert!(
        again.error().contains("bucket logs already exists in /s3v"),
        "{}",
        again.error()
    );
    c.ozone
        .state
        .lock()
        .unwrap()
        .buckets
        .push("vol1/other".into());
    let r = run(&c, &["s3", "bucket", "list", "-o", "json"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let list: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "logs");
    let r = run(&c, &["s3", "bucket", "list"]).await;
    assert!(r.out.starts_with("NAME"), "{}", r.out);
}

#[tokio::test]
async fn volume_prints_the_render_pair_for_the_live_gateway() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let r = run(
        &c,
        &[
            "s3",
            "volume",
            "logs",
            "-n",
            "apps",
            "--mount-option",
            "uid 1000",
        ],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(c.journal().is_empty(), "s3 volume only prints");
    // The same objects render makes from spec.s3.volumes.
    let cluster = ozone_generator::spec::resolve(&ozone_generator::spec::Inputs::with_sets(
        "small",
        &[
            "s3.volumes[0].bucket=logs",
            "s3.volumes[0].namespace=apps",
            "s3.volumes[0].mountOptions[0]=uid 1000",
            // The fake cluster runs 2.2.0: the pair carries the live version label.
            "version=2.2.0",
        ],
    ))
    .unwrap();
    let rendered = ozone_generator::objects::render(&cluster).unwrap();
    let expected: Vec<_> = rendered
        .objects()
        .iter()
        .filter(|o| o.kind.starts_with("PersistentVolume"))
        .cloned()
        .collect();
    let expected = ozone_generator::output::Manifest::new(expected)
        .to_yaml()
        .unwrap();
    assert_eq!(r.out, expected);

    let bad = run(&c, &["s3", "volume", "Logs", "-n", "apps"]).await;
    assert_eq!(bad.code(), 2);
    assert!(bad.error().starts_with("BUCKET: "), "{}", bad.error());
    let bad = run(
        &c,
        &[
            "s3",
            "volume",
            "logs",
            "-n",
            "apps",
            "--mount-option",
            "region eu-west-1",
        ],
    )
    .await;
    assert_eq!(bad.code(), 2);
    assert!(
        bad.error().starts_with("--mount-option: "),
        "{}",
        bad.error()
    );
}

#[tokio::test]
async fn endpoint_reads_the_live_service() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    let r = run(&c, &["s3", "endpoint", "-o", "json"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let report: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(
        report["inCluster"][0],
        "http://ozone-s3g.ozone.svc.cluster.local:9878"
    );
    let r = run(&c, &["s3", "endpoint"]).await;
    assert!(
        r.out
            .contains("aws --endpoint-url http://ozone-s3g.ozone.svc.cluster.local:9878"),
        "{}",
        r.out
    );
    assert!(
        r.out
            .contains("kubectl port-forward -n ozone svc/ozone-s3g 9878"),
        "{}",
        r.out
    );
}
