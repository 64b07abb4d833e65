//! `backup create|verify|list` against the fake API (pod proxy included) and the scripted
//! Ozone, and the download path against a generated stream.

use super::create::CreateArgs;
use super::verify;
use crate::cli::{Cli, Command};
use crate::testing::{FakeCluster, Run, io};
use clap::Parser;
use std::path::Path;

/// A tar holding a RocksDB checkpoint's kind of files.
pub fn checkpoint_tar(dir_name: &str, with_sst: bool) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut files = vec![
        ("CURRENT", b"MANIFEST-000012\n".to_vec()),
        ("MANIFEST-000012", vec![7u8; 300]),
        ("OPTIONS-000014", b"[Version]\n".to_vec()),
    ];
    if with_sst {
        files.push(("000010.sst", vec![42u8; 4000]));
    }
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("{dir_name}/{name}"), data.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

fn serve_checkpoints(c: &FakeCluster, scheme_port: &[(&str, &str)]) {
    let mut st = c.api.state.lock().unwrap();
    for (target, dir) in scheme_port {
        st.proxy_streams.insert(
            format!("{target}/dbCheckpoint"),
            (200, checkpoint_tar(dir, true)),
        );
    }
}

async fn run(c: &FakeCluster, args: &[&str]) -> Run {
    let mut argv = vec!["kubectl-ozone"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(&argv).expect("valid command line");
    let session = c.session();
    let (mut io, out, err) = io(None);
    let Command::Backup(cmd) = &cli.command else {
        panic!("not a backup command")
    };
    let result = super::run(Some(&session), &mut io, cmd).await;
    Run {
        result,
        out: out.text(),
        err: err.text(),
    }
}

fn only_backup(dir: &Path) -> std::path::PathBuf {
    let entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].clone()
}

#[tokio::test]
async fn create_streams_both_leaders_checkpoints_and_verify_accepts_them() {
    let c = FakeCluster::new("ozone", 3, 3, 3);
    {
        let mut oz = c.ozone.state.lock().unwrap();
        oz.scm_leader = Some(1);
        oz.om_leader = Some(2);
        oz.files.insert(
            "/data/metadata/scm/current/VERSION".into(),
            "#Tue Dec 01 03:00:00 UTC 2026\nnodeType=SCM\nscmUuid=5e1f\nclusterID=CID-7c0ffee0\ncTime=1764558000000\n".into(),
        );
    }
    c.api.state.lock().unwrap().config_maps[0]
        .data
        .get_or_insert_with(Default::default)
        .insert(
            "OZONE-SITE.XML_ozone.metadata.dirs".into(),
            "/data/metadata".into(),
        );
    serve_checkpoints(
        &c,
        &[
            ("http:ozone-scm-1:9876", "scm.db"),
            ("http:ozone-om-2:9874", "om.db"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let r = run(&c, &["backup", "create", "--dir", d, "-o", "json"]).await;
    assert_eq!(r.code(), 0, "{}", r.err);
    let manifest: ozone_storage::backup::Manifest = serde_json::from_str(&r.out).unwrap();
    // Raft node ids as the roles report them (the fake's are short; render uses pod names).
    assert_eq!(manifest.leaders["om"], "om2");
    assert_eq!(manifest.leaders["scm"], "scm1");
    assert_eq!(manifest.om_node_ids.len(), 3);
    assert_eq!(
        manifest.finalization.as_ref().unwrap()["om"],
        "ALREADY_FINALIZED"
    );
    assert!(!manifest.includes_snapshot_data);
    // The cluster id, from the VERSION file of the SCM the checkpoint came from.
    assert_eq!(manifest.cluster_id.as_deref(), Some("CID-7c0ffee0"));
    assert!(c.ozone.state.lock().unwrap().calls.contains(&(
        "ozone-scm-1".into(),
        "cat /data/metadata/scm/current/VERSION".into()
    )));

    // Reads only: the proxy GETs, in SCM-then-OM order, with the flush flag.
    assert!(c.api.writes().is_empty());
    let proxied: Vec<String> = c
        .api
        .requests()
        .into_iter()
        .filter(|r| r.uri.contains("/proxy/"))
        .map(|r| r.uri)
        .collect();
    assert_eq!(
        proxied,
        [
            "/api/v1/namespaces/ozone/pods/http:ozone-scm-1:9876/proxy/dbCheckpoint?flushBeforeCheckpoint=true",
            "/api/v1/namespaces/ozone/pods/http:ozone-om-2:9874/proxy/dbCheckpoint?flushBeforeCheckpoint=true&includeSnapshotData=false",
        ]
    );

    let backup = only_backup(dir.path());
    assert_eq!(backup.file_name().unwrap().to_str().unwrap(), manifest.name);
    let (_, checks) = verify::check(&backup).unwrap();
    assert!(checks.iter().all(|c| c.problems.is_empty()), "{checks:?}");

    // The listing of the local directory shows it.
    let r = run(
        &c,
        &["backup", "list", "--dir", d, "--local-only", "-o", "json"],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.err);
    let listed: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(listed[0]["name"], manifest.name.as_str());
    assert_eq!(listed[0]["status"], "Completed");
}

#[tokio::test]
async fn tls_and_scheduled_snapshots_change_scheme_port_and_snapshot_data() {
    let c = FakeCluster::new("ozone", 1, 1, 3);
    {
        let mut st = c.api.state.lock().unwrap();
        let cm = st.config_maps.iter_mut().next().unwrap();
        cm.data.get_or_insert_with(Default::default).insert(
            "OZONE-SITE.XML_ozone.http.policy".into(),
            "HTTPS_ONLY".into(),
        );
        st.config_maps.push(
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": "ozone-snapshot-script", "namespace": "ozone"},
                "data": {"snapshot.py": ""}
            }))
            .unwrap(),
        );
    }
    serve_checkpoints(
        &c,
        &[
            ("https:ozone-scm-0:9877", "scm.db"),
            ("https:ozone-om-0:9875", "om.db"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        &c,
        &["backup", "create", "--dir", dir.path().to_str().unwrap()],
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.err);
    assert!(r.out.contains("written to"), "{}", r.out);
    assert!(
        c.api
            .requests()
            .iter()
            .any(|r| r.uri.ends_with("includeSnapshotData=true"))
    );
    // A single OM and SCM need no Raft roles; without ozone.metadata.dirs in the
    // ConfigMap there is no VERSION path to read either (noted, not a failure).
    assert_eq!(
        c.ozone.call_count(),
        2,
        "only the finalization status queries"
    );
    assert!(r.err.contains("records no cluster id"), "{}", r.err);
}

#[tokio::test]
async fn refusals_name_what_is_needed_and_leave_no_backup() {
    for (setup, expected) in [
        (
            Box::new(|c: &FakeCluster| {
                let mut st = c.api.state.lock().unwrap();
                st.proxy_streams.insert(
                    "http:ozone-scm-0:9876/dbCheckpoint".into(),
                    (200, checkpoint_tar("scm.db", true)),
                );
                st.proxy_streams.insert(
                    "http:ozone-om-0:9874/dbCheckpoint".into(),
                    (403, b"<html>403 Forbidden</html>".to_vec()),
                );
            }) as Box<dyn Fn(&FakeCluster)>,
            "ozone.administrators",
        ),
        (
            Box::new(|c: &FakeCluster| c.api.state.lock().unwrap().forbid_proxy = true),
            "needs get on pods/proxy",
        ),
        (
            Box::new(|_: &FakeCluster| {}),
            "has no /dbCheckpoint endpoint (404)",
        ),
    ] {
        let c = FakeCluster::new("ozone", 1, 1, 3);
        setup(&c);
        let dir = tempfile::tempdir().unwrap();
        let r = run(
            &c,
            &["backup", "create", "--dir", dir.path().to_str().unwrap()],
        )
        .await;
        assert_eq!(r.code(), 1);
        let message = format!("{:#}", r.result.unwrap_err());
        assert!(message.contains(expected), "{message}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

#[test]
fn verify_finds_damage_and_reads_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup-20261201-030000");
    std::fs::create_dir(&backup).unwrap();
    let om = checkpoint_tar("om.db", true);
    let scm = checkpoint_tar("scm.db", false);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &om).unwrap();
    let om_gz = gz.finish().unwrap();
    std::fs::write(backup.join("om.tar"), &om_gz).unwrap();
    std::fs::write(backup.join("scm.tar"), &scm).unwrap();
    let sha =
        |b: &[u8]| ozone_engine::cluster::proxy::hex(&<sha2::Sha256 as sha2::Digest>::digest(b));
    let manifest = serde_json::json!({
        "format": 1, "name": "backup-20261201-030000", "cluster": "ozone", "namespace": "ozone",
        "version": "2.2.0", "createdAt": "2026-12-01T03:00:00Z", "takenBy": "kubectl-ozone",
        "files": [
            {"component": "om", "file": "om.tar", "size": om_gz.len(), "sha256": sha(&om_gz)},
            {"component": "scm", "file": "scm.tar", "size": scm.len(), "sha256": "00"}
        ]
    });
    std::fs::write(backup.join("manifest.json"), manifest.to_string()).unwrap();
    let (_, checks) = verify::check(&backup).unwrap();
    assert!(checks[0].problems.is_empty(), "{:?}", checks[0]);
    assert_eq!(checks[1].problems.len(), 2, "{:?}", checks[1]);
    assert!(checks[1].problems[0].starts_with("sha256 "));
    assert_eq!(checks[1].problems[1], "not a RocksDB checkpoint: no *.sst");

    let (mut io, out, _) = io(None);
    let code = verify::run(
        &mut io,
        &verify::VerifyArgs {
            backup: backup.clone(),
            format: crate::ui::Format::Table,
        },
    )
    .unwrap();
    assert_eq!(code, std::process::ExitCode::FAILURE);
    assert!(out.text().contains("not a RocksDB checkpoint"));

    // Truncated: the archive does not read to the end.
    std::fs::write(backup.join("om.tar"), &om[..700]).unwrap();
    let (_, checks) = verify::check(&backup).unwrap();
    assert!(
        checks[0]
            .problems
            .iter()
            .any(|p| p.starts_with("not a readable tar")),
        "{:?}",
        checks[0]
    );
    let missing = verify::check(dir.path()).unwrap_err();
    assert!(missing.0.contains("manifest.json"), "{}", missing.0);
}

#[test]
fn create_args_need_a_dir() {
    assert!(Cli::try_parse_from(["kubectl-ozone", "backup", "create"]).is_err());
    let _: Option<CreateArgs> = None;
}

/// A checkpoint far larger than any buffer streams to disk whole: the size and sum match the
/// generated stream (peak memory is measured by `engine/benches/backup_stream.rs`).
#[tokio::test]
async fn a_large_checkpoint_streams_to_disk_with_its_sum() {
    use ozone_engine::cluster::proxy::{ProxyGet, generated};
    let total = (96u64 << 20) + 12_345;
    let reader =
        ozone_engine::cluster::view::KubeReader::new(generated::client(total, "ozone"), "ozone");
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("om.tar");
    let mut updates = 0u64;
    let mut last = 0u64;
    let done = reader
        .proxy_download(
            &ProxyGet {
                scheme: "http",
                pod: "ozone-om-0".into(),
                port: 9874,
                path_and_query: "/dbCheckpoint?flushBeforeCheckpoint=true".into(),
                what: "the OM checkpoint".into(),
            },
            &dest,
            &mut |n| {
                assert!(n > last, "progress goes forward");
                last = n;
                updates += 1;
            },
        )
        .await
        .unwrap();
    assert_eq!(done.size, total);
    assert_eq!(std::fs::metadata(&dest).unwrap().len(), total);
    assert_eq!(done.sha256, generated::sha256(total));
    assert_eq!(updates, total.div_ceil(generated::FRAME as u64));
}
