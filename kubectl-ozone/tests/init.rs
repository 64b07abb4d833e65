//! `kubectl ozone init` as a user runs it: with flags and no terminal (CI), with a missing or bad
//! flag (exit 2, the prompt's message, nothing written), refusing to overwrite, and once
//! through a real pseudo-terminal answering the prompts.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use assert_cmd::Command;
use ozone_generator::init::questions::find;
use predicates::prelude::*;
use std::path::Path;

fn ozone() -> Command {
    Command::cargo_bin("kubectl-ozone").expect("binary is built")
}

/// `init` in `dir` with no terminal on stdin.
fn init(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    ozone()
        .arg("init")
        .args(args)
        .current_dir(dir)
        .write_stdin("")
        .assert()
}

fn render_stdout(dir: &Path, args: &[&str]) -> String {
    let out = ozone()
        .arg("render")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "render {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn flags_alone_write_a_file_that_renders_like_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    init(
        dir.path(),
        &[
            "--non-interactive",
            "--profile",
            "medium",
            "-n",
            "data",
            "--datanodes",
            "7",
            "--s3g-service",
            "LoadBalancer",
            "--network-policies",
            "no",
        ],
    )
    .success()
    .stdout("")
    .stderr(predicate::str::contains("  * Datanodes                7\n"))
    .stderr(predicate::str::contains("Will render "))
    .stderr(predicate::str::contains(
        "16 pods requesting 45 CPU, 172 GiB memory and 7.5 TiB of persistent volumes",
    ))
    .stderr(predicate::str::contains(
        "kubectl ozone render -f ozone-cluster.yaml | kubectl apply --server-side",
    ))
    .stderr(predicate::str::contains("kubectl ozone status -n data"));

    let text = std::fs::read_to_string(dir.path().join("ozone-cluster.yaml")).unwrap();
    assert!(text.contains("  profile: medium\n"), "{text}");
    assert!(text.contains("    replicas: 7\n"), "{text}");
    assert!(
        !text.contains("storage:"),
        "sizes are the profile's: {text}"
    );

    let from_file = render_stdout(dir.path(), &["-f", "ozone-cluster.yaml"]);
    let from_flags = render_stdout(
        dir.path(),
        &[
            "--profile",
            "medium",
            "-n",
            "data",
            "--set",
            "datanodes.replicas=7",
            "--set",
            "s3g.service.type=LoadBalancer",
            "--set",
            "security.networkPolicies=false",
        ],
    );
    assert!(from_file == from_flags, "the file renders differently");
}

#[test]
fn a_missing_required_flag_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path(), &["--non-interactive", "--profile", "small"])
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error: missing --namespace: "));
    init(dir.path(), &["--non-interactive", "-n", "dev"])
        .code(2)
        .stderr(predicate::str::starts_with("error: missing --profile: "));
    assert!(!dir.path().join("ozone-cluster.yaml").exists());
}

#[test]
fn without_a_terminal_nothing_is_asked() {
    // No --non-interactive: stdin is a pipe, so init must not prompt.
    let dir = tempfile::tempdir().unwrap();
    init(dir.path(), &["--profile", "small"])
        .code(2)
        .stderr(predicate::str::starts_with("error: missing --namespace: "))
        .stderr(predicate::str::contains(find("datanodes").unwrap().prompt).not());
    init(dir.path(), &["--profile", "small", "-n", "dev"]).success();
    assert!(dir.path().join("ozone-cluster.yaml").exists());
}

#[test]
fn an_existing_file_is_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ozone-cluster.yaml");
    std::fs::write(&path, "keep me\n").unwrap();
    init(dir.path(), &["--profile", "small", "-n", "dev"])
        .code(2)
        .stderr(predicate::str::contains(
            "ozone-cluster.yaml already exists; pass --force to overwrite it",
        ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me\n");

    init(dir.path(), &["--profile", "small", "-n", "dev", "--force"]).success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("kind: OzoneCluster"), "{text}");
    // Atomic write: no temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn bad_flags_exit_2_with_the_prompts_message_and_write_nothing() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["-n", "Bad_NS"],
            "error: --namespace \"Bad_NS\": metadata.namespace: \"Bad_NS\" is not a valid namespace",
        ),
        (
            &["-n", "dev", "--datanodes", "2"],
            "error: --datanodes \"2\": spec.datanodes.replicas: must be at least 3 when replication is THREE, got 2",
        ),
        (
            &["-n", "dev", "--datanode-storage", "0"],
            "error: --datanode-storage \"0\": spec.datanodes.storage.size: must be greater than zero, got \"0\"",
        ),
        (
            &["-n", "dev", "--om-replicas", "2"],
            "error: --om-replicas \"2\": spec.om.replicas: must be 1 or an odd number of at least 3, got 2",
        ),
        (
            &["-n", "dev", "--s3g", "maybe"],
            "error: --s3g \"maybe\": \"maybe\": answer yes or no",
        ),
        (
            &["-n", "dev", "--om-replicas", "11"],
            "error: --om-replicas \"11\": spec.om.replicas: must be at most 9, got 11",
        ),
        (
            &["-n", "dev", "--operators", "Team:ci"],
            "error: --operators \"Team:ci\": spec.rbac.bindings.operator[0].kind: \"Team\" must be User, Group or ServiceAccount",
        ),
        (
            &["-n", "dev", "--set", "datanodes.jvm.heapPercent=5"],
            "error: spec.datanodes.jvm.heapPercent: must be between 10 and 90, got 5",
        ),
    ];
    for (args, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut all = vec!["--profile", "small", "--render", "out"];
        all.extend_from_slice(args);
        init(dir.path(), &all)
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(message));
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?} wrote something"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    init(dir.path(), &["--profile", "huge", "-n", "dev"])
        .code(2)
        .stderr(
            "error: --profile \"huge\": spec.profile: unknown profile \"huge\"; known profiles: small, medium, large\n",
        );
}

#[test]
fn the_spec_can_go_to_stdout_and_manifests_to_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = init(
        dir.path(),
        &[
            "--profile",
            "small",
            "-n",
            "dev",
            "-f",
            "-",
            "--render",
            "deploy",
        ],
    )
    .success()
    .get_output()
    .clone();
    let spec = String::from_utf8(out.stdout).unwrap();
    assert!(spec.contains("  namespace: dev\n"), "{spec}");
    assert!(!dir.path().join("ozone-cluster.yaml").exists());
    let deploy = dir.path().join("deploy");
    assert!(deploy.join("kustomization.yaml").exists());
    assert!(deploy.join("namespace-dev.yaml").exists());
}

/// One run through a pseudo-terminal: prompts with defaults, bad answers rejected with the
/// spec's reason and asked again, a flag that skips its question, a confirmation before
/// replacing an existing file, and a file that renders.
#[test]
fn the_wizard_on_a_terminal() {
    use rexpect::session::spawn_command;

    let dir = tempfile::tempdir().unwrap();
    // An earlier spec is in the way: the wizard asks before replacing it.
    std::fs::write(dir.path().join("ozone-cluster.yaml"), "old\n").unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-ozone"));
    cmd.args(["init", "--name", "lake"])
        .current_dir(dir.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    let prompt = |id: &str| find(id).unwrap().prompt;

    // Answer `id` with `text` (Enter for the default when empty).
    macro_rules! answer {
        ($id:expr, $text:expr) => {{
            p.exp_string(prompt($id)).unwrap();
            p.send_line($text).unwrap();
        }};
    }
    // A yes/no question takes a single key.
    macro_rules! key {
        ($id:expr, $key:expr) => {{
            p.exp_string(prompt($id)).unwrap();
            p.send($key).unwrap();
            p.flush().unwrap();
        }};
    }

    p.exp_string("nothing is sent to a cluster").unwrap();
    answer!("profile", "huge");
    p.exp_string("unknown profile \"huge\"; known profiles: small, medium, large")
        .unwrap();
    p.send_line("small").unwrap();
    // --name answered the name question: the next one is the namespace.
    answer!("namespace", "Bad_NS");
    p.exp_string("\"Bad_NS\" is not a valid namespace").unwrap();
    p.send_line("dev").unwrap();
    answer!("ozone-version", "");
    answer!("scm-replicas", "");
    answer!("om-replicas", "");
    answer!("replication", "");
    p.exp_string(prompt("datanodes")).unwrap();
    p.exp_string("(3)").unwrap();
    p.send_line("2").unwrap();
    p.exp_string("must be at least 3 when replication is THREE, got 2")
        .unwrap();
    p.send_line("4").unwrap();
    key!("s3g", "y");
    answer!("s3g-service", "nodeport");
    key!("recon", "n");
    key!("httpfs", "\n");
    answer!("resources", "datanodes=1/3Gi");
    answer!("storage-class", "");
    answer!("scm-storage", "");
    answer!("om-storage", "");
    answer!("datanode-storage-class", "");
    answer!("datanode-storage", "0");
    p.exp_string("spec.datanodes.storage.size: must be greater than zero")
        .unwrap();
    p.send_line("30Gi").unwrap();
    // Recon is off: its volume is not asked about.
    key!("service-monitors", "n");
    key!("alerts", "n");
    key!("dashboards", "n");
    key!("network-policies", "y");
    answer!("client-namespaces", "team=data");
    key!("clients-anywhere", "\n");
    answer!("egress", "");
    answer!("pod-security", "");
    answer!("tls", "");
    answer!("node-selector", "");
    answer!("tolerations", "");
    answer!("spread", "");
    answer!("anti-affinity", "");
    key!("rbac-roles", "\n");
    answer!("admins", "Group:ozone-admins");
    answer!("developers", "");
    answer!("viewers", "");
    answer!("operators", "ServiceAccount:ci/release");
    p.exp_string("Will render").unwrap();
    p.exp_string("--non-interactive --profile small --name lake --namespace dev --datanodes 4")
        .unwrap();
    p.exp_string("ozone-cluster.yaml exists. Overwrite it?")
        .unwrap();
    p.send("y").unwrap();
    p.flush().unwrap();
    p.exp_string("wrote ozone-cluster.yaml").unwrap();
    p.exp_eof().unwrap();

    let text = std::fs::read_to_string(dir.path().join("ozone-cluster.yaml")).unwrap();
    for expected in [
        "  name: lake\n",
        "  namespace: dev\n",
        "    replicas: 4\n",
        "      type: NodePort\n",
        "      size: 30Gi\n",
        "      namespaceSelector: team=data\n",
        "    enabled: false\n",
        "        memory: 3Gi\n",
        "      name: ozone-admins\n",
        "      name: release\n",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let manifests = render_stdout(dir.path(), &["-f", "ozone-cluster.yaml"]);
    assert!(manifests.contains("name: lake-datanode"), "{manifests}");
    assert!(manifests.contains("type: NodePort"));
}

/// On a terminal, flags that answer every required question (profile, namespace) mean nothing
/// is asked: the file is written with the profile's defaults for the rest.
#[test]
fn required_flags_on_a_terminal_ask_nothing() {
    use rexpect::session::spawn_command;

    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-ozone"));
    cmd.args(["init", "--profile", "small", "-n", "dev"])
        .current_dir(dir.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    let screen = p.exp_eof().unwrap();
    assert!(screen.contains("wrote ozone-cluster.yaml"), "{screen}");
    assert!(
        !screen.contains("Press Enter to keep a default"),
        "{screen}"
    );
    // Every question is introduced by why it matters; none may appear.
    for q in ozone_generator::init::QUESTIONS {
        assert!(!screen.contains(q.why), "asked {:?}:\n{screen}", q.prompt);
    }
    let text = std::fs::read_to_string(dir.path().join("ozone-cluster.yaml")).unwrap();
    assert!(text.contains("  namespace: dev\n"), "{text}");
}
