//! OM/SCM ring shrink through `apply`: the exact order of writes and Ozone commands, the
//! ring-to-single rule and its typed confirmation, dry runs, and a run cut off at every write
//! and every Ozone mutation that finishes when run again without repeating a decommission.

use super::{assert_in_sync, deployed, run};
use crate::cli::{Cli, Command};
use crate::cmd::apply;
use crate::testing::{FakeCluster, Run, io};
use crate::ui::confirm::testing::Scripted;
use clap::Parser;

const OM_KEY: &str = "OZONE-SITE.XML_ozone.om.decommissioned.nodes.ozone";

fn host(component: &str, i: usize) -> String {
    format!("ozone-{component}-{i}.ozone-{component}-headless.ozone.svc.cluster.local")
}

async fn run_on_tty(c: &FakeCluster, args: &[&str], answers: &[&str]) -> Run {
    let mut argv = vec!["kubectl-ozone"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(&argv).expect("valid command line");
    let Command::Apply(a) = &cli.command else {
        panic!("not apply")
    };
    let (mut io, out, err) = io(Some(Scripted::new(answers)));
    let result = apply::run(&c.session(), &mut io, a).await;
    Run {
        result,
        out: out.text(),
        err: err.text(),
    }
}

fn replicas(c: &FakeCluster, statefulset: &str) -> i32 {
    let st = c.api.state.lock().unwrap();
    st.statefulsets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(statefulset))
        .and_then(|s| s.spec.as_ref()?.replicas)
        .unwrap_or(-1)
}

fn config_entry(c: &FakeCluster, key: &str) -> Option<String> {
    let st = c.api.state.lock().unwrap();
    st.config_maps
        .iter()
        .find(|m| m.metadata.name.as_deref() == Some("ozone-config"))
        .and_then(|m| m.data.as_ref()?.get(key).cloned())
}

/// The journal up to the scale of `statefulset`: the shrink itself, before `apply` writes the
/// rendered objects.
fn shrink_part(journal: &[String], statefulset: &str) -> Vec<String> {
    let scale = format!("PATCH statefulsets/{statefulset}/scale");
    let end = journal
        .iter()
        .position(|e| *e == scale)
        .unwrap_or_else(|| panic!("no {scale} in {journal:#?}"));
    journal[..=end].to_vec()
}

fn om_shrink_args(to: &str) -> Vec<String> {
    [
        "apply",
        "--profile",
        "medium",
        "-n",
        "ozone",
        "--set",
        &format!("om.replicas={to}"),
        "--yes",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[tokio::test(start_paused = true)]
async fn om_five_to_three_decommissions_the_two_highest_after_the_others_learn_of_it() {
    let c = deployed("medium", &["om.replicas=5"]);
    let r = run(&c, &strs(&om_shrink_args("3"))).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    let decommission = |i: usize| {
        format!(
            "exec ozone admin om decommission --service-id ozone --nodeid om{i} --node-host-address {}",
            host("om", i)
        )
    };
    assert_eq!(
        shrink_part(&j, "ozone-om"),
        vec![
            format!("PATCH configmaps/ozone-config"),
            // The remaining OMs restart to read the entry: followers, then the leader after
            // a transfer to a remaining member.
            "DELETE pods/ozone-om-1".into(),
            "PATCH pods/ozone-om-1".into(),
            "DELETE pods/ozone-om-2".into(),
            "PATCH pods/ozone-om-2".into(),
            "exec ozone admin om transfer --service-id ozone --new-leader-id om1".into(),
            "DELETE pods/ozone-om-0".into(),
            "PATCH pods/ozone-om-0".into(),
            decommission(4),
            decommission(3),
            "PATCH configmaps/ozone-config".into(),
            "PATCH statefulsets/ozone-om/scale".into(),
        ],
        "{j:#?}"
    );
    // The shrunk ring, the entry gone again, the StatefulSet at 3 and the PVCs kept.
    assert_eq!(c.ozone.state.lock().unwrap().om_hosts.len(), 3);
    assert_eq!(config_entry(&c, OM_KEY), None);
    assert_eq!(replicas(&c, "ozone-om"), 3);
    assert!(c.api.pod("ozone-om-3").is_none() && c.api.pod("ozone-om-4").is_none());
    let pvcs: Vec<String> = c
        .api
        .state
        .lock()
        .unwrap()
        .pvcs
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    assert!(
        pvcs.contains(&"data-ozone-om-4".to_owned()),
        "PVCs are kept: {pvcs:?}"
    );
    assert!(
        r.all()
            .contains("kubectl delete pvc -n ozone data-ozone-om-3 data-ozone-om-4"),
        "{}",
        r.all()
    );
    // Then the rendered objects, the StatefulSet never back at 5, and the remaining members
    // restart for the new configuration.
    let after = &j[shrink_part(&j, "ozone-om").len()..];
    assert!(
        after.contains(&"PATCH statefulsets/ozone-om".to_owned()),
        "{j:#?}"
    );
    assert!(
        after.contains(&"DELETE pods/ozone-om-0".to_owned()),
        "{j:#?}"
    );
    assert!(
        !after
            .iter()
            .any(|e| e.contains("ozone-om-3") || e.contains("ozone-om-4")),
        "{j:#?}"
    );
    assert_in_sync(&c, "medium", &["om.replicas=3"], "").await;
}

#[tokio::test(start_paused = true)]
async fn a_leaving_leader_hands_over_before_anything_else() {
    let c = deployed("medium", &["om.replicas=5"]);
    c.ozone.state.lock().unwrap().om_leader = Some(4);
    let r = run(&c, &strs(&om_shrink_args("3"))).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    assert_eq!(
        j[0], "exec ozone admin om transfer --service-id ozone --new-leader-id om0",
        "{j:#?}"
    );
    assert_eq!(j[1], "PATCH configmaps/ozone-config", "{j:#?}");
    assert_eq!(c.ozone.state.lock().unwrap().om_hosts.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_dry_run_shows_every_step_and_writes_nothing() {
    let c = deployed("medium", &["om.replicas=5"]);
    c.refuse_writes();
    let mut args = om_shrink_args("3");
    args.push("--dry-run".into());
    let r = run(&c, &strs(&args)).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    assert!(c.ozone.mutations().is_empty());
    let steps = r.out.split("Steps:").nth(1).unwrap_or_default();
    let expected = [
        format!("1. set {OM_KEY}=om3,om4 in configmap ozone-config"),
        "restart pod ozone-om-1".into(),
        "run in a om pod: ozone admin om transfer --service-id ozone --new-leader-id om1".into(),
        format!(
            "run in a om pod: ozone admin om decommission --service-id ozone --nodeid om4 --node-host-address {}",
            host("om", 4)
        ),
        "wait until `ozone admin om roles` no longer lists ozone-om-4".into(),
        format!("remove {OM_KEY} from configmap ozone-config"),
        "scale statefulset ozone-om from 5 to 3 replicas".into(),
        "server-side apply ConfigMap ozone-config (update)".into(),
    ];
    let mut at = 0;
    for e in &expected {
        let found = steps[at..]
            .find(e.as_str())
            .unwrap_or_else(|| panic!("{e:?} missing (in order) in\n{}", r.out));
        at += found;
    }
    assert!(
        r.out
            .contains("om ring 5 → 3: apply: ozone-om-4, ozone-om-3 leave"),
        "{}",
        r.out
    );
}

#[tokio::test(start_paused = true)]
async fn om_three_to_one_needs_the_flag() {
    let c = deployed("medium", &[]);
    let r = run(&c, &strs(&om_shrink_args("1"))).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error().contains("refused, nothing was changed")
            && r.error().contains("--allow-ring-to-single=<cluster name>"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty());
    // The flag without a value and without a terminal is not enough, --yes or not.
    let mut bare = om_shrink_args("1");
    bare.push("--allow-ring-to-single".into());
    let r = run(&c, &strs(&bare)).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(
        r.error().contains("--allow-ring-to-single=ozone"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty());
    // A name that is not this cluster's.
    let mut other = om_shrink_args("1");
    other.push("--allow-ring-to-single=prod".into());
    let r = run(&c, &strs(&other)).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(
        r.error().contains("does not name this cluster (ozone)"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_wrongly_typed_cluster_name_changes_nothing() {
    let c = deployed("medium", &[]);
    let args = [
        "apply",
        "--profile",
        "medium",
        "-n",
        "ozone",
        "--set",
        "om.replicas=1",
        "--yes",
        "--allow-ring-to-single",
    ];
    let r = run_on_tty(&c, &args, &["ozone-prod"]).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error().contains("aborted: nothing was changed"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    assert!(c.ozone.mutations().is_empty());
    // Typed right, it goes ahead.
    let r = run_on_tty(&c, &args, &["ozone"]).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert_eq!(c.ozone.state.lock().unwrap().om_hosts.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn om_three_to_one_with_the_named_flag() {
    let c = deployed("medium", &[]);
    let mut args = om_shrink_args("1");
    args.push("--allow-ring-to-single=ozone".into());
    let r = run(&c, &strs(&args)).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    let decommission = |i: usize| {
        format!(
            "exec ozone admin om decommission --service-id ozone --nodeid om{i} --node-host-address {}",
            host("om", i)
        )
    };
    assert_eq!(
        shrink_part(&j, "ozone-om"),
        vec![
            "PATCH configmaps/ozone-config".to_owned(),
            // Only om-0 stays, and it leads: it hands over to om-1 for its restart, and
            // takes leadership back before any member leaves.
            "exec ozone admin om transfer --service-id ozone --new-leader-id om1".into(),
            "DELETE pods/ozone-om-0".into(),
            "PATCH pods/ozone-om-0".into(),
            "exec ozone admin om transfer --service-id ozone --new-leader-id om0".into(),
            decommission(2),
            decommission(1),
            "PATCH configmaps/ozone-config".into(),
            "PATCH statefulsets/ozone-om/scale".into(),
        ],
        "{j:#?}"
    );
    assert_eq!(c.ozone.state.lock().unwrap().om_hosts.len(), 1);
    assert_eq!(replicas(&c, "ozone-om"), 1);
}

#[tokio::test(start_paused = true)]
async fn scm_three_to_one_needs_no_configuration_entry() {
    let c = deployed("medium", &[]);
    c.ozone.state.lock().unwrap().scm_leader = Some(2);
    let args = [
        "apply",
        "--profile",
        "medium",
        "-n",
        "ozone",
        "--set",
        "scm.replicas=1",
        "--yes",
        "--allow-ring-to-single=ozone",
    ];
    let r = run(&c, &args).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    assert_eq!(
        shrink_part(&j, "ozone-scm"),
        vec![
            "exec ozone admin scm transfer --service-id ozone --new-leader-id scm0".to_owned(),
            "exec ozone admin scm decommission --nodeid scm2".into(),
            "exec ozone admin scm decommission --nodeid scm1".into(),
            "PATCH statefulsets/ozone-scm/scale".into(),
        ],
        "{j:#?}"
    );
    assert_eq!(c.ozone.state.lock().unwrap().scm_hosts.len(), 1);
    assert_eq!(replicas(&c, "ozone-scm"), 1);
}

#[tokio::test(start_paused = true)]
async fn an_unhealthy_ring_is_refused_and_nothing_is_written() {
    let c = deployed("medium", &["om.replicas=5"]);
    c.ozone.state.lock().unwrap().om_leader = None;
    let r = run(&c, &strs(&om_shrink_args("3"))).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error().contains("the OM ring is not healthy") && r.error().contains("0 leaders"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    // An even target is bad input of the spec already.
    let r = run(&c, &strs(&om_shrink_args("2"))).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(
        r.error().contains("must be 1 or an odd number"),
        "{}",
        r.error()
    );
}

// Every write and Ozone command of the shrink is a cut point, each a whole scenario of three
// runs; the cut points are dealt over three tests (every third each) so that they run in
// parallel.
#[tokio::test(start_paused = true)]
async fn an_om_shrink_cut_off_at_any_write_or_ozone_command_finishes_when_run_again_1_of_3() {
    om_shrink_cut_off_at_every_entry_from(0, 3).await;
}

#[tokio::test(start_paused = true)]
async fn an_om_shrink_cut_off_at_any_write_or_ozone_command_finishes_when_run_again_2_of_3() {
    om_shrink_cut_off_at_every_entry_from(1, 3).await;
}

#[tokio::test(start_paused = true)]
async fn an_om_shrink_cut_off_at_any_write_or_ozone_command_finishes_when_run_again_3_of_3() {
    om_shrink_cut_off_at_every_entry_from(2, 3).await;
}

/// The OM shrink cut off at journal entry `first`, `first + step`, … of an uninterrupted run
/// (plus two past its shrink part), each then run again.
async fn om_shrink_cut_off_at_every_entry_from(first: usize, step: usize) {
    let args = om_shrink_args("3");
    let clean = deployed("medium", &["om.replicas=5"]);
    let r = run(&clean, &strs(&args)).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let entries = shrink_part(&clean.journal(), "ozone-om").len() + 2;
    for at in (first..entries).step_by(step) {
        let c = deployed("medium", &["om.replicas=5"]);
        c.api.state.lock().unwrap().fail_write_at = Some(at);
        c.ozone.state.lock().unwrap().fail_mutation_at = Some(at);
        let r = run(&c, &strs(&args)).await;
        assert_eq!(r.code(), 1, "failing entry {at}: {}", r.all());
        assert!(
            r.error().contains("running it again finishes it"),
            "{at}: {}",
            r.error()
        );
        c.api.state.lock().unwrap().fail_write_at = None;
        c.ozone.state.lock().unwrap().fail_mutation_at = None;
        let r = run(&c, &strs(&args)).await;
        assert_eq!(r.code(), 0, "resume after entry {at}: {}", r.all());
        let j = c.journal();
        for i in [3, 4] {
            let n = j
                .iter()
                .filter(|e| {
                    e.starts_with(&format!(
                        "exec ozone admin om decommission --service-id ozone --nodeid om{i} "
                    ))
                })
                .count();
            assert_eq!(
                n, 1,
                "after entry {at}: om{i} decommissioned {n} times: {j:#?}"
            );
        }
        let scales = j
            .iter()
            .filter(|e| *e == "PATCH statefulsets/ozone-om/scale")
            .count();
        assert_eq!(scales, 1, "after entry {at}: {j:#?}");
        assert_eq!(
            c.ozone.state.lock().unwrap().om_hosts.len(),
            3,
            "after {at}"
        );
        assert_eq!(replicas(&c, "ozone-om"), 3, "after {at}");
        assert_eq!(config_entry(&c, OM_KEY), None, "after {at}");
        assert_in_sync(
            &c,
            "medium",
            &["om.replicas=3"],
            &format!("after entry {at}"),
        )
        .await;
    }
}
