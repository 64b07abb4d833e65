//! `kubectl ozone lint` as CI runs it: exit codes, formats, and every documented bad input
//! (exit 2, a clear message, no report on stdout).

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn ozone() -> Command {
    Command::cargo_bin("kubectl-ozone").expect("binary is built")
}

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/lint")
        .join(name)
}

fn crds() -> PathBuf {
    // `shared/` sits beside the repository or beside the worktrees holding it.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/fixtures/crds"))
        .find(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("../../shared/fixtures/crds"))
}

fn render(profile: &str) -> Vec<u8> {
    let out = ozone()
        .args(["render", "--profile", profile])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn rendered_output_piped_in_is_clean() {
    for profile in ["small", "medium", "large"] {
        ozone()
            .args(["lint", "-", "--crd"])
            .arg(crds())
            .write_stdin(render(profile))
            .assert()
            .success()
            .stdout(predicate::str::contains(
                " 0 errors, 0 warnings, 0 infos, 0 documents skipped",
            ));
    }
}

#[test]
fn rendered_output_lints_clean_with_no_flags() {
    for profile in ["medium", "large"] {
        ozone()
            .args(["lint", "-"])
            .write_stdin(render(profile))
            .assert()
            .success()
            .stdout(predicate::str::contains(
                " 0 errors, 0 warnings, 0 infos, 0 documents skipped",
            ))
            .stdout(predicate::str::contains("missing-schema").not());
    }
    let out = ozone()
        .args([
            "render",
            "--profile",
            "medium",
            "--set",
            "security.tls.mode=cert-manager",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: Certificate"));
    ozone()
        .args(["lint", "-"])
        .write_stdin(out.stdout)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            " 0 errors, 0 warnings, 0 infos, 0 documents skipped",
        ));
}

#[test]
fn jobs_do_not_change_the_report_or_the_exit_code() {
    for format in ["text", "json", "junit", "sarif"] {
        let run = |jobs: &str| {
            ozone()
                .args(["lint", "--jobs", jobs, "-o", format])
                .arg(corpus(""))
                .output()
                .unwrap()
        };
        let serial = run("1");
        assert_eq!(serial.status.code(), Some(1), "{format}");
        assert!(serial.stdout.len() > 1000, "{format}");
        for jobs in ["2", "4"] {
            let parallel = run(jobs);
            assert_eq!(
                parallel.status.code(),
                serial.status.code(),
                "{format} --jobs {jobs}"
            );
            assert!(
                parallel.stdout == serial.stdout,
                "{format}: --jobs {jobs} differs from --jobs 1"
            );
        }
    }
    rejects(&["lint", "--jobs", "0", "-"], b"", "--jobs");
}

#[test]
fn a_cluster_spec_file_is_linted_with_the_rules_of_render() {
    ozone()
        .arg("lint")
        .arg(corpus("ozone-cluster-spec.bad.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "ozone-cluster-spec.bad.yaml:13 error [ozone-cluster-spec] OzoneCluster/ozone/ozone: spec.datanodes.replica: unknown field `replica`",
        ))
        .stdout(predicate::str::contains(
            "ozone-cluster-spec.bad.yaml:11 error [ozone-cluster-admission] OzoneCluster/ozone/ozone: spec.om.replicas: must be 1 or an odd number",
        ))
        .stdout(predicate::str::contains(
            "ozone-cluster-spec.bad.yaml:15 error [ozone-cluster-spec] OzoneCluster/ozone/ozone: spec.scm.replicas: invalid type",
        ));
    ozone()
        .arg("lint")
        .arg(corpus("ozone-cluster-spec.fixed.yaml"))
        .assert()
        .success();
}

/// What the OzoneCluster CRD's CEL rules reject at admission, lint reports under its own
/// check with the API server's message (`crd::tests` checks the messages are the same).
#[test]
fn a_cluster_spec_is_linted_with_the_crd_rules() {
    ozone()
        .arg("lint")
        .arg(corpus("ozone-cluster-admission.bad.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "ozone-cluster-admission.bad.yaml:12 error [ozone-cluster-admission] OzoneCluster/ozone/ozone: spec.om.replicas: must be 1 or an odd number of at least 3, got 4",
        ))
        .stdout(predicate::str::contains(
            "ozone-cluster-admission.bad.yaml:14 error [ozone-cluster-admission] OzoneCluster/ozone/ozone: spec.scm.replicas: must be at most 9, got 11",
        ))
        .stdout(predicate::str::contains(
            "ozone-cluster-admission.bad.yaml:16 error [ozone-cluster-admission] OzoneCluster/ozone/ozone: spec.datanodes.replicas: must be at least 3 when replication is THREE, got 2",
        ));
    ozone()
        .arg("lint")
        .arg(corpus("ozone-cluster-admission.fixed.yaml"))
        .assert()
        .success();
}

#[test]
fn findings_exit_1_with_file_line_object_and_check() {
    ozone()
        .arg("lint")
        .arg(corpus("privileged-container.bad.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "privileged-container.bad.yaml:62 error [privileged-container] Deployment/demo/web: container web runs privileged",
        ));
}

#[test]
fn fail_on_decides_whether_warnings_fail() {
    let warn_only = corpus("no-liveness-probe.bad.yaml");
    ozone().arg("lint").arg(&warn_only).assert().success();
    ozone()
        .args(["lint", "--fail-on", "warning"])
        .arg(&warn_only)
        .assert()
        .code(1);
    ozone()
        .args(["lint", "--fail-on", "none"])
        .arg(corpus("host-pid.bad.yaml"))
        .assert()
        .success();
}

#[test]
fn directories_are_walked_and_disable_turns_checks_off() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::copy(
        corpus("latest-tag.bad.yaml"),
        dir.path().join("sub/app.yml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not yaml: [").unwrap();
    ozone()
        .arg("lint")
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("[latest-tag]"))
        .stdout(predicate::str::contains("notes.txt").not());
    ozone()
        .args(["lint", "--disable", "latest-tag"])
        .arg(dir.path())
        .assert()
        .success();
}

#[test]
fn config_file_sets_checks_and_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lint.yaml");
    std::fs::write(&config, "checks:\n  disable: [host-pid]\nfailOn: error\n").unwrap();
    ozone()
        .args(["lint", "--config"])
        .arg(&config)
        .arg(corpus("host-pid.bad.yaml"))
        .assert()
        .success();
}

#[test]
fn machine_formats_parse() {
    let out = ozone()
        .args(["lint", "-o", "json"])
        .arg(corpus("host-ipc.bad.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["check"], "host-ipc");
    assert_eq!(json["summary"]["errors"], 1);

    let out = ozone()
        .args(["lint", "-o", "sarif"])
        .arg(corpus("host-ipc.bad.yaml"))
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "host-ipc");

    ozone()
        .args(["lint", "-o", "junit"])
        .arg(corpus("host-ipc.bad.yaml"))
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("<?xml"))
        .stdout(predicate::str::contains("<failure type=\"error\""));
}

fn rejects(args: &[&str], stdin: &[u8], message: &str) {
    ozone()
        .args(args)
        .write_stdin(stdin.to_vec())
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(message));
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let ok = corpus("host-ipc.fixed.yaml");
    let ok = ok.to_str().unwrap();
    rejects(
        &["lint", "/no/such/file.yaml"],
        b"",
        "cannot read /no/such/file.yaml",
    );
    rejects(&["lint", "-"], b"", "standard input is empty");
    rejects(
        &["lint", "-"],
        b"# only a comment\n---\n",
        "standard input is empty",
    );
    rejects(
        &["lint", "-"],
        b"\x7fELF\x00\x01binary",
        "- is not a text file",
    );
    rejects(
        &["lint", "--enable", "no-such-check", ok],
        b"",
        "unknown check id \"no-such-check\"",
    );
    rejects(
        &["lint", "--disable", "yaml-syntax", ok],
        b"",
        "cannot be disabled",
    );
    rejects(
        &["lint", "--kube-version", "1.x", ok],
        b"",
        "invalid Kubernetes version \"1.x\"",
    );
    rejects(&["lint", "--fail-on", "fatal", ok], b"", "invalid severity");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.yaml");
    std::fs::write(&empty, "").unwrap();
    rejects(&["lint", empty.to_str().unwrap()], b"", "is empty");
    // A directory whose only manifest is empty.
    rejects(
        &["lint", dir.path().to_str().unwrap()],
        b"",
        "the input holds no Kubernetes objects",
    );
    let bin = dir.path().join("image.yaml");
    std::fs::write(&bin, [0u8, 159, 146, 150]).unwrap();
    rejects(&["lint", bin.to_str().unwrap()], b"", "is not a text file");
    let nothing = tempfile::tempdir().unwrap();
    rejects(
        &["lint", nothing.path().to_str().unwrap()],
        b"",
        "holds no *.yaml",
    );
    rejects(
        &["lint", "--crd", ok, ok],
        b"",
        "no apiextensions.k8s.io/v1 CustomResourceDefinition",
    );
}

#[test]
fn list_checks_names_every_check() {
    ozone()
        .args(["lint", "--list-checks"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ozone-s3g-metrics-port"))
        .stdout(
            predicate::str::contains("default-service-account")
                .and(predicate::str::contains("(opt-in)")),
        );
}
