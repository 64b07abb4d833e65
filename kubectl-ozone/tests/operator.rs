//! `kubectl ozone operator crd|manifests` as a user runs them: offline, deterministic, the same
//! bytes as the committed `manifests/operator/`, and bad flags refused with exit code 2.

#![allow(clippy::unwrap_used)] // Test helpers fail loudly by design.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn ozone() -> Command {
    Command::cargo_bin("kubectl-ozone").expect("binary is built")
}

fn stdout(args: &[&str]) -> String {
    let out = ozone().args(args).assert().success().get_output().clone();
    String::from_utf8(out.stdout).unwrap()
}

fn committed(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../manifests/operator")
        .join(file);
    std::fs::read_to_string(path)
        .unwrap()
        .split_inclusive('\n')
        .skip_while(|l| l.starts_with('#'))
        .collect()
}

#[test]
fn crd_prints_the_committed_crd() {
    let yaml = stdout(&["operator", "crd"]);
    assert_eq!(
        yaml,
        committed("customresourcedefinition-ozoneclusters.ozone.apache.org.yaml")
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&["operator", "crd", "-o", "json"])).unwrap();
    assert_eq!(json["metadata"]["name"], "ozoneclusters.ozone.apache.org");
    assert_eq!(json["spec"]["names"]["kind"], "OzoneCluster");
}

#[test]
fn manifests_are_the_committed_ones_in_apply_order() {
    let yaml = stdout(&["operator", "manifests"]);
    // kustomization.yaml lists the files in apply order, one `- <file>` line each.
    let mut expected = String::new();
    for file in committed("kustomization.yaml")
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
    {
        expected.push_str("---\n");
        expected.push_str(&committed(file));
    }
    assert_eq!(yaml, expected);
    assert_eq!(yaml, stdout(&["operator", "manifests"]), "deterministic");
}

#[test]
fn manifests_take_namespace_watch_namespaces_replicas_and_image() {
    let json: serde_json::Value = serde_json::from_str(&stdout(&[
        "operator",
        "manifests",
        "-n",
        "ops",
        "--watch-namespace",
        "team-a",
        "--replicas",
        "3",
        "--image",
        "registry.example/kubectl-ozone:dev",
        "-o",
        "json",
    ]))
    .unwrap();
    let items = json["items"].as_array().unwrap();
    let find = |kind: &str| items.iter().find(|i| i["kind"] == kind).unwrap();
    assert_eq!(find("Namespace")["metadata"]["name"], "ops");
    let deployment = find("Deployment");
    assert_eq!(deployment["metadata"]["namespace"], "ops");
    assert_eq!(deployment["spec"]["replicas"], 3);
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "registry.example/kubectl-ozone:dev");
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(&args[..3], ["operator", "run", "--leader-elect"]);
    assert!(
        args.windows(2)
            .any(|w| w == ["--watch-namespace", "team-a"])
    );
    // A Role in the watched namespace, no cluster-wide ClusterRoleBinding to the full rules.
    assert!(
        items
            .iter()
            .any(|i| i["kind"] == "Role" && i["metadata"]["namespace"] == "team-a")
    );
    assert!(!items
        .iter()
        .any(|i| i["kind"] == "ClusterRoleBinding" && i["metadata"]["name"] == "ozone-operator"));
}

#[test]
fn bad_flags_exit_2_and_print_nothing() {
    for (args, message) in [
        (
            &["--replicas", "0"][..],
            "--replicas: must be from 1 to 10, got 0",
        ),
        (
            &["--namespace", "Not_A_Name"][..],
            "--namespace: \"Not_A_Name\" is not a valid namespace name",
        ),
        (
            &["--watch-namespace", "a.b"][..],
            "--watch-namespace: \"a.b\" is not a valid namespace name",
        ),
        (
            &["--image", ""][..],
            "--image: \"\" is not an image reference",
        ),
    ] {
        ozone()
            .args(["operator", "manifests"])
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(message));
    }
    ozone()
        .args(["operator", "crd", "-o", "table"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn operator_run_refuses_bad_flags_before_connecting() {
    for (args, message) in [
        (
            &["--resync-interval", "5x"][..],
            "invalid value '5x' for '--resync-interval <DURATION>'",
        ),
        (
            &["--resync-interval", "0"][..],
            "--resync-interval: must be more than 0",
        ),
        (
            &["--poll-interval", "0s"][..],
            "--poll-interval: must be more than 0",
        ),
        (
            &["--renew-certificates-before", "soon"][..],
            "invalid value 'soon' for '--renew-certificates-before <DURATION>'",
        ),
        (
            &["--watch-namespace", "a.b"][..],
            "--watch-namespace: \"a.b\" is not a valid namespace name",
        ),
        (
            &["--leader-election-namespace", "UP"][..],
            "--leader-election-namespace: \"UP\" is not a valid namespace name",
        ),
        (
            &["--metrics-port", "70000"][..],
            "invalid value '70000' for '--metrics-port <PORT>'",
        ),
    ] {
        ozone()
            .args(["operator", "run", "--kubeconfig", "/nonexistent/kubeconfig"])
            .args(args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(message));
    }
}
