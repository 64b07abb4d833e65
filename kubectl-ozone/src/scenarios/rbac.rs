//! The day-2 commands run by a subject bound only to one of the Roles render writes, against
//! the fake API server with RBAC on ([`crate::testing::rbac`]): the authorizer and the
//! escalation check refuse what a real API server refuses (issue 23, defects 5 and 6).

use crate::exit;
use crate::scenarios::change::{assert_in_sync, deployed};
use crate::testing::{FakeCluster, RunCommand};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role};
use ozone_generator::spec::{Inputs, resolve};

const DEVELOPERS: [&str; 2] = [
    "rbac.bindings.developer[0].kind=Group",
    "rbac.bindings.developer[0].name=devs",
];

/// The rules of Role `ozone-<suffix>` as `profile` renders it.
fn role_rules(profile: &str, suffix: &str) -> Vec<PolicyRule> {
    let cluster = resolve(&Inputs {
        profile: Some(profile.into()),
        spec_file: None,
        sets: vec!["metadata.namespace=ozone".into()],
    })
    .expect("spec resolves");
    let manifest = ozone_generator::objects::render(&cluster).expect("renders");
    let role = manifest
        .objects()
        .iter()
        .find(|o| o.kind == "Role" && o.name == format!("ozone-{suffix}"))
        .unwrap_or_else(|| panic!("no Role ozone-{suffix}"));
    let role: Role = serde_json::from_value(role.value.clone()).unwrap();
    role.rules.unwrap_or_default()
}

/// A deployed `profile` cluster whose every request is made as a subject of `rules`.
fn as_subject(profile: &str, rules: Vec<PolicyRule>) -> FakeCluster {
    let c = deployed(profile, &[]);
    c.api.state.lock().unwrap().rbac = Some(rules);
    c
}

fn with_sets<'a>(head: &[&'a str], sets: &[&'a str]) -> Vec<&'a str> {
    let mut argv = head.to_vec();
    for s in sets {
        argv.extend(["--set", s]);
    }
    argv
}

#[tokio::test(start_paused = true)]
async fn the_operator_role_applies_a_new_developer_binding() {
    let c = as_subject("medium", role_rules("medium", "operator"));
    let argv = with_sets(
        &["apply", "--profile", "medium", "-n", "ozone"],
        &DEVELOPERS,
    );
    let r = c.run(&[argv.as_slice(), &["--yes"]].concat(), None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        c.journal()
            .contains(&"PATCH rolebindings/ozone-developer".to_owned()),
        "{:#?}",
        c.journal()
    );
    assert_in_sync(&c, "medium", &DEVELOPERS, "after the binding").await;
}

/// Defect 5 as it was: an operator Role without `bind` is refused by the escalation check,
/// and the error said `patch` on rolebindings was missing, which the Role has.
#[tokio::test(start_paused = true)]
async fn without_bind_the_error_names_the_escalation_check_not_patch() {
    let mut rules = role_rules("medium", "operator");
    rules.retain(|r| r.resource_names.is_none());
    let c = as_subject("medium", rules);
    let argv = with_sets(
        &["apply", "--profile", "medium", "-n", "ozone"],
        &DEVELOPERS,
    );
    let r = c.run(&[argv.as_slice(), &["--yes"]].concat(), None).await;
    assert_eq!(r.code(), exit::FAILURE, "{}", r.all());
    let error = r.error();
    assert!(
        error.contains(
            "RoleBinding ozone-developer: Kubernetes' RBAC escalation check refused RoleBinding ozone-developer in namespace ozone: the Role it binds grants permissions you do not hold ("
        ) && error.contains("and you lack `bind` on that Role"),
        "{error}"
    );
    assert!(!error.contains("needs patch"), "{error}");
    // Named once, not repeated by the error chain.
    assert_eq!(error.matches("escalation check").count(), 1, "{error}");
}

/// A new version changes the labels of every Role; without `escalate` even `diff` (dry runs
/// pass the same check) was refused.
#[tokio::test(start_paused = true)]
async fn the_operator_role_diffs_and_applies_changed_roles() {
    let c = as_subject("medium", role_rules("medium", "operator"));
    {
        let mut st = c.api.state.lock().unwrap();
        for (resource, o) in st.objects.iter_mut() {
            if resource == "roles" {
                o["metadata"]["labels"]["app.kubernetes.io/version"] = "2.0.0".into();
            }
        }
    }
    let diff = ["diff", "--profile", "medium", "-n", "ozone"];
    let full = c.api.state.lock().unwrap().rbac.take().unwrap();
    let mut without = full.clone();
    without.retain(|r| r.resource_names.is_none());
    c.api.state.lock().unwrap().rbac = Some(without);
    let r = c.run(&diff, None).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(
        r.all()
            .contains("escalation check refused Role ozone-admin"),
        "{}",
        r.all()
    );
    c.api.state.lock().unwrap().rbac = Some(full);
    let r = c.run(&diff, None).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(r.out.contains("+++ desired/Role/ozone-admin"), "{}", r.out);
    let r = c
        .run(
            &["apply", "--profile", "medium", "-n", "ozone", "--yes"],
            None,
        )
        .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_in_sync(&c, "medium", &[], "after the Roles").await;
}

#[tokio::test(start_paused = true)]
async fn the_operator_role_runs_the_day2_verbs() {
    let c = as_subject("medium", role_rules("medium", "operator"));
    let verbs: [&[&str]; 7] = [
        &["status"],
        &["datanode", "list"],
        &["datanode", "maintenance", "ozone-datanode-4", "--yes"],
        &["datanode", "recommission", "ozone-datanode-4", "--yes"],
        &["diff", "--profile", "medium", "-n", "ozone"],
        &[
            "apply",
            "--profile",
            "medium",
            "-n",
            "ozone",
            "--set",
            "datanodes.replicas=4",
            "--yes",
        ],
        &["restart", "--yes"],
    ];
    for argv in verbs {
        let r = c.run(argv, None).await;
        assert_eq!(r.code(), 0, "{argv:?}: {}", r.all());
    }
    assert_eq!(c.ozone.op_state("ozone-datanode-4"), "DECOMMISSIONED");
    assert_in_sync(&c, "medium", &["datanodes.replicas=4"], "after the shrink").await;
}

#[tokio::test(start_paused = true)]
async fn the_viewer_role_gets_the_kubernetes_side_and_one_line_about_pods_exec() {
    let c = as_subject("medium", role_rules("medium", "viewer"));
    // Exec through the API server, whose authorizer refuses `pods/exec` to a viewer.
    let session = ozone_engine::cluster::Session::new(
        c.api.client("ozone"),
        "ozone",
        std::sync::Arc::new(ozone_engine::cluster::ws::WsExec::new(
            c.api.client("ozone"),
            "ozone",
        )),
    );
    let (mut io, out, err) = crate::testing::io(None);
    let args = crate::cmd::status::StatusArgs {
        cluster: Default::default(),
        format: crate::ui::Format::Table,
    };
    let code = crate::cmd::status::status(&session, &mut io, &args)
        .await
        .unwrap();
    assert_eq!(code, std::process::ExitCode::from(exit::FAILURE));
    let (out, err) = (out.text(), err.text());
    assert!(
        out.contains("datanode    StatefulSet   ozone-datanode   5/5"),
        "{out}"
    );
    assert!(out.contains("data-ozone-om-2"), "{out}");
    assert_eq!(
        err,
        "error: the Ozone side of cluster ozone could not be read: forbidden: kubectl-ozone needs create on pods/exec in namespace ozone to run the Ozone CLI (get as well before Kubernetes 1.35): pods \"ozone-scm-0\" is forbidden: User \"jane\" cannot get resource \"pods/exec\" in API group \"\" in the namespace \"ozone\"\n"
    );
    assert!(!out.contains("pods/exec"), "{out}");
}
