//! Scenarios of member bootstrap against the fakes of [`crate::testing`], with rings that
//! follow the pods ([`crate::testing::follow_pods`]): OM and SCM ring growth in `apply`, and
//! `recover om|scm POD`. They assert the order of writes and Ozone commands, that a new
//! member only starts once the existing ones know it, that nothing is written on a dry run,
//! and that a run cut off at any write finishes when run again.

use crate::scenarios::change::{assert_in_sync, deployed, index, run};
use crate::testing::{FakeCluster, RunCommand, follow_pods};
use ozone_engine::rings::bootstrap::IN_PROGRESS_ANNOTATION;

fn cluster(profile: &str) -> FakeCluster {
    let c = deployed(profile, &[]);
    follow_pods(&c.ozone, &c.api, "ozone");
    c
}

fn grow(profile: &str, set: &str) -> Vec<String> {
    vec![
        "apply".into(),
        "--profile".into(),
        profile.into(),
        "-n".into(),
        "ozone".into(),
        "--set".into(),
        set.into(),
        "--yes".into(),
        "--timeout".into(),
        "2h".into(),
    ]
}

async fn apply(c: &FakeCluster, args: &[String]) -> crate::testing::Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(c, &args).await
}

fn om_members(c: &FakeCluster) -> Vec<String> {
    let st = c.ozone.state.lock().unwrap();
    st.om_hosts
        .iter()
        .map(|h| h.split('.').next().unwrap_or_default().to_owned())
        .collect()
}

fn scm_members(c: &FakeCluster) -> Vec<String> {
    let st = c.ozone.state.lock().unwrap();
    st.scm_hosts
        .iter()
        .map(|h| h.split('.').next().unwrap_or_default().to_owned())
        .collect()
}

fn template_args(c: &FakeCluster, sts: &str, container: &str) -> Option<Vec<String>> {
    let st = c.api.state.lock().unwrap();
    let s = st
        .statefulsets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(sts))?;
    s.spec
        .as_ref()?
        .template
        .spec
        .as_ref()?
        .containers
        .iter()
        .find(|c| c.name == container)?
        .args
        .clone()
}

fn annotation(c: &FakeCluster, sts: &str) -> Option<String> {
    let st = c.api.state.lock().unwrap();
    st.statefulsets
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(sts))?
        .metadata
        .annotations
        .as_ref()?
        .get(IN_PROGRESS_ANNOTATION)
        .cloned()
}

#[tokio::test(start_paused = true)]
async fn om_ring_grows_3_to_5_existing_members_first_then_one_bootstrap_at_a_time() {
    let c = cluster("medium");
    let r = apply(&c, &grow("medium", "om.replicas=5")).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    // The generic apply never scaled the OM StatefulSet: only the bootstrap did, by one.
    let scales: Vec<&String> = j
        .iter()
        .filter(|e| e.contains("statefulsets/ozone-om/scale"))
        .collect();
    assert_eq!(scales.len(), 2, "{j:#?}");
    let cm = index(&j, "PATCH configmaps/ozone-config");
    let sts = index(&j, "PATCH statefulsets/ozone-om");
    // Existing members restart first (followers, transfer, leader), knowing the new ids.
    let om1 = index(&j, "DELETE pods/ozone-om-1");
    let om2 = index(&j, "DELETE pods/ozone-om-2");
    let transfer = j
        .iter()
        .position(|e| e.starts_with("exec ozone admin om transfer"))
        .expect("om transfer");
    let om0 = index(&j, "DELETE pods/ozone-om-0");
    assert!(
        cm < sts && sts < om1 && om1 < om2 && om2 < transfer && transfer < om0,
        "{j:#?}"
    );
    // Then: record, bootstrap template, scale to 4; again for 5; template restored, record cleared.
    let after: Vec<&str> = j[om0 + 1..]
        .iter()
        .map(String::as_str)
        .take_while(|e| {
            !e.starts_with("PATCH deployments") && !e.starts_with("DELETE pods/ozone-datanode")
        })
        .collect();
    assert_eq!(
        after,
        vec![
            "PATCH statefulsets/ozone-om",
            "PUT statefulsets/ozone-om",
            "PATCH statefulsets/ozone-om/scale",
            "PATCH statefulsets/ozone-om",
            "PATCH statefulsets/ozone-om/scale",
            // Both joined in the bootstrap form: recorded, the render back, each restarted
            // onto it (OnDelete: restoring the template restarts nothing), record cleared.
            "PATCH statefulsets/ozone-om",
            "PUT statefulsets/ozone-om",
            "DELETE pods/ozone-om-3",
            "DELETE pods/ozone-om-4",
            "PATCH statefulsets/ozone-om",
        ],
        "{j:#?}"
    );
    assert_eq!(
        om_members(&c),
        [
            "ozone-om-0",
            "ozone-om-1",
            "ozone-om-2",
            "ozone-om-3",
            "ozone-om-4"
        ]
    );
    // The template is as rendered again and nothing is recorded as in progress.
    assert_eq!(
        template_args(&c, "ozone-om", "om"),
        Some(vec!["ozone".to_owned(), "om".to_owned()])
    );
    assert_eq!(annotation(&c, "ozone-om"), None);
    // Clients after the rings: S3G's Deployment, datanodes one at a time, and the new OMs
    // (started in the bootstrap form) restarted onto the rendered template.
    let last_scale = j
        .iter()
        .rposition(|e| e == "PATCH statefulsets/ozone-om/scale")
        .unwrap();
    let s3g = index(&j, "PATCH deployments/ozone-s3g");
    let dn0 = index(&j, "DELETE pods/ozone-datanode-0");
    let om3 = j
        .iter()
        .rposition(|e| e == "DELETE pods/ozone-om-3")
        .expect("om-3 restarted");
    assert!(
        last_scale < s3g && last_scale < dn0 && last_scale < om3,
        "{j:#?}"
    );
    // A second apply has nothing to do and diff is clean.
    let again = apply(&c, &grow("medium", "om.replicas=5")).await;
    assert_eq!(again.code(), 0, "{}", again.all());
    assert_eq!(c.journal().len(), j.len(), "{:#?}", &c.journal()[j.len()..]);
    assert_in_sync(&c, "medium", &["om.replicas=5"], "").await;
    // The new members run the render, not `ozone om --bootstrap`.
    for pod in ["ozone-om-3", "ozone-om-4"] {
        assert_eq!(
            pod_args(&c, pod, "om"),
            Some(vec!["ozone".to_owned(), "om".to_owned()]),
            "{pod}"
        );
    }
    assert_nothing_on_an_older_template(&c, "om growth").await;
}

#[tokio::test(start_paused = true)]
async fn om_growth_dry_run_prints_the_bootstrap_and_writes_nothing() {
    let c = cluster("medium");
    c.refuse_writes();
    let mut args = grow("medium", "om.replicas=5");
    args.push("--dry-run".into());
    let r = apply(&c, &args).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    for expected in [
        "om ring 3 → 5: apply:",
        "set the pod template of statefulset ozone-om: bootstrap: ozone om --bootstrap",
        "scale statefulset ozone-om from 3 to 4 replicas",
        "wait until ozone-om-3 is FOLLOWER in `ozone admin om roles`",
        "scale statefulset ozone-om from 4 to 5 replicas",
        "wait until ozone-om-4 is FOLLOWER in `ozone admin om roles`",
        "set the pod template of statefulset ozone-om: as rendered",
    ] {
        assert!(
            r.out.contains(expected),
            "{expected:?} missing in\n{}",
            r.out
        );
    }
    // Printed in the order it runs: existing OMs restart before the first scale.
    let restart = r
        .out
        .find("restart pod ozone-om-0")
        .expect("om-0 restart printed");
    let scale = r.out.find("from 3 to 4").unwrap();
    assert!(restart < scale, "{}", r.out);
}

#[tokio::test(start_paused = true)]
async fn om_ring_grows_from_a_single_om() {
    let c = cluster("small");
    let r = apply(&c, &grow("small", "om.replicas=3")).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    let om0 = index(&j, "DELETE pods/ozone-om-0");
    let first_scale = index(&j, "PATCH statefulsets/ozone-om/scale");
    assert!(om0 < first_scale, "{j:#?}");
    assert_eq!(om_members(&c), ["ozone-om-0", "ozone-om-1", "ozone-om-2"]);
    assert_eq!(annotation(&c, "ozone-om"), None);
}

#[tokio::test(start_paused = true)]
async fn scm_ring_grows_1_to_3_through_its_init_containers() {
    let c = cluster("small");
    let r = apply(&c, &grow("small", "scm.replicas=3")).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    let scm0 = index(&j, "DELETE pods/ozone-scm-0");
    let scales: Vec<usize> = j
        .iter()
        .enumerate()
        .filter(|(_, e)| *e == "PATCH statefulsets/ozone-scm/scale")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(scales.len(), 2, "{j:#?}");
    assert!(scm0 < scales[0], "{j:#?}");
    // The SCM template never changes: the init containers bootstrap.
    assert!(
        !j.contains(&"PUT statefulsets/ozone-scm".to_owned()),
        "{j:#?}"
    );
    assert_eq!(
        scm_members(&c),
        ["ozone-scm-0", "ozone-scm-1", "ozone-scm-2"]
    );
    // Datanodes restart for the new SCM list after the ring grew.
    let dn0 = index(&j, "DELETE pods/ozone-datanode-0");
    assert!(scales[1] < dn0, "{j:#?}");
}

// Every write of the growth is a cut point, each a whole scenario of three runs; the cut
// points are dealt over four tests (every fourth write each) so that they run in parallel.
#[tokio::test(start_paused = true)]
async fn om_growth_cut_off_at_any_write_finishes_when_run_again_1_of_4() {
    om_growth_cut_off_at_every_write_from(0, 4).await;
}

#[tokio::test(start_paused = true)]
async fn om_growth_cut_off_at_any_write_finishes_when_run_again_2_of_4() {
    om_growth_cut_off_at_every_write_from(1, 4).await;
}

#[tokio::test(start_paused = true)]
async fn om_growth_cut_off_at_any_write_finishes_when_run_again_3_of_4() {
    om_growth_cut_off_at_every_write_from(2, 4).await;
}

#[tokio::test(start_paused = true)]
async fn om_growth_cut_off_at_any_write_finishes_when_run_again_4_of_4() {
    om_growth_cut_off_at_every_write_from(3, 4).await;
}

/// OM growth cut off at write `first`, `first + step`, … of an uninterrupted run, each then
/// run again.
async fn om_growth_cut_off_at_every_write_from(first: usize, step: usize) {
    let args = grow("medium", "om.replicas=5");
    let clean = cluster("medium");
    let r = apply(&clean, &args).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let journal = clean.journal();
    for (at, entry) in journal.iter().enumerate().skip(first).step_by(step) {
        let c = cluster("medium");
        c.api.state.lock().unwrap().fail_write_at = Some(at);
        let r = apply(&c, &args).await;
        if entry.starts_with("exec") {
            // The entry at `at` was an Ozone command, which this injection does not refuse.
            assert_eq!(r.code(), 0, "write {at}: {}", r.all());
        } else {
            assert_eq!(r.code(), 1, "failing write {at}: {}", r.all());
        }
        c.api.state.lock().unwrap().fail_write_at = None;
        let r = apply(&c, &args).await;
        assert_eq!(r.code(), 0, "resume after write {at}: {}", r.all());
        assert_eq!(
            om_members(&c),
            [
                "ozone-om-0",
                "ozone-om-1",
                "ozone-om-2",
                "ozone-om-3",
                "ozone-om-4"
            ],
            "after write {at}"
        );
        assert_eq!(annotation(&c, "ozone-om"), None, "after write {at}");
        assert_eq!(
            template_args(&c, "ozone-om", "om"),
            Some(vec!["ozone".to_owned(), "om".to_owned()]),
            "after write {at}"
        );
        let d = run(
            &c,
            &[
                "diff",
                "--profile",
                "medium",
                "-n",
                "ozone",
                "--set",
                "om.replicas=5",
            ],
        )
        .await;
        assert_eq!(d.code(), 0, "after write {at}: {}", d.all());
        assert_nothing_on_an_older_template(&c, &format!("growth, after write {at}")).await;
    }
}

async fn recover(c: &FakeCluster, args: &[&str], prompt: Option<&[&str]>) -> crate::testing::Run {
    use clap::Parser;
    let mut argv = vec!["kubectl-ozone", "recover"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["-n", "ozone"]);
    if !args.contains(&"--dry-run") {
        argv.extend_from_slice(&["--timeout", "2h"]);
    }
    let cli = match crate::cli::Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            return crate::testing::Run {
                result: Err(crate::exit::BadInput(e.to_string()).into()),
                out: String::new(),
                err: String::new(),
            };
        }
    };
    let crate::cli::Command::Recover(a) = &cli.command else {
        panic!("not recover")
    };
    let session = c.session();
    let (mut io, out, err) =
        crate::testing::io(prompt.map(crate::ui::confirm::testing::Scripted::new));
    let result = crate::cmd::recover::run(&session, &mut io, a).await;
    crate::testing::Run {
        result,
        out: out.text(),
        err: err.text(),
    }
}

/// What `doctor` says of the StatefulSets' rollouts: every pod on its StatefulSet's
/// `updateRevision` (the render, once a bootstrap restored it), nothing left on an older
/// template. Also checked directly on the pods' `controller-revision-hash`.
async fn assert_nothing_on_an_older_template(c: &FakeCluster, context: &str) {
    {
        let st = c.api.state.lock().unwrap();
        for s in &st.statefulsets {
            let update = s.status.as_ref().and_then(|s| s.update_revision.clone());
            let stem = format!("{}-", s.metadata.name.as_deref().unwrap());
            for p in st.pods.iter().filter(|p| {
                p.metadata
                    .name
                    .as_deref()
                    .and_then(|n| n.strip_prefix(&stem))
                    .is_some_and(|o| o.parse::<u32>().is_ok())
            }) {
                assert_eq!(
                    ozone_engine::cluster::view::label(&p.metadata, "controller-revision-hash"),
                    update.as_deref(),
                    "{context}: {:?} runs an older template",
                    p.metadata.name
                );
            }
        }
    }
    let d = c.run(&["doctor", "-n", "ozone", "-o", "json"], None).await;
    let report: serde_json::Value =
        serde_json::from_str(&d.out).unwrap_or_else(|e| panic!("{context}: {e}: {}", d.all()));
    let stale: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "rollout" && f["verdict"] != "ok")
        .collect();
    assert!(stale.is_empty(), "{context}: {stale:#?}");
}

fn pod_args(c: &FakeCluster, pod: &str, container: &str) -> Option<Vec<String>> {
    c.api
        .pod(pod)?
        .spec?
        .containers
        .into_iter()
        .find(|x| x.name == container)?
        .args
}

fn wiped_while_running(c: &FakeCluster) -> Vec<String> {
    let st = c.ozone.state.lock().unwrap();
    st.ring_pods.as_ref().unwrap().wiped_while_running.clone()
}

#[tokio::test(start_paused = true)]
async fn recover_om_holds_empties_and_bootstraps_the_member_in_order() {
    let c = cluster("medium");
    let r = recover(
        &c,
        &["om", "ozone-om-1", "--yes", "--confirm-wipe", "ozone-om-1"],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    let j = c.journal();
    assert_eq!(
        j,
        [
            "PATCH statefulsets/ozone-om",
            "PUT statefulsets/ozone-om",
            "DELETE pods/ozone-om-1",
            "exec ozone-om-1 rm -rf -- /data/metadata",
            "PATCH statefulsets/ozone-om",
            "PUT statefulsets/ozone-om",
            "PATCH statefulsets/ozone-om",
            "DELETE pods/ozone-om-1",
            // A FOLLOWER in the bootstrap form: recorded, the render back, then the member
            // restarted onto it (OnDelete: restoring the template restarts nothing).
            "PATCH statefulsets/ozone-om",
            "PUT statefulsets/ozone-om",
            "DELETE pods/ozone-om-1",
            "PATCH statefulsets/ozone-om",
        ]
    );
    assert_eq!(
        pod_args(&c, "ozone-om-1", "om"),
        Some(vec!["ozone".to_owned(), "om".to_owned()])
    );
    assert_nothing_on_an_older_template(&c, "recover om").await;
    assert_in_sync(&c, "medium", &[], "recover om").await;
    assert!(wiped_while_running(&c).is_empty());
    assert_eq!(om_members(&c), ["ozone-om-0", "ozone-om-1", "ozone-om-2"]);
    assert_eq!(annotation(&c, "ozone-om"), None);
    assert_eq!(
        template_args(&c, "ozone-om", "om"),
        Some(vec!["ozone".to_owned(), "om".to_owned()])
    );
    // The other members were never touched.
    assert!(
        !j.iter()
            .any(|e| e.contains("ozone-om-0") || e.contains("ozone-om-2"))
    );
}

#[tokio::test(start_paused = true)]
async fn recover_scm_primordial_points_the_primordial_id_at_a_live_peer_for_the_run() {
    let c = cluster("medium");
    let r = recover(
        &c,
        &[
            "scm",
            "ozone-scm-0",
            "--yes",
            "--confirm-wipe",
            "ozone-scm-0",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(
        r.err.contains("ozone-scm-0 is the primordial SCM"),
        "{}",
        r.err
    );
    assert!(
        r.err.contains("ozone.scm.primordial.node.id=ozone-scm-1"),
        "{}",
        r.err
    );
    assert_eq!(
        scm_members(&c),
        ["ozone-scm-0", "ozone-scm-1", "ozone-scm-2"]
    );
    assert!(wiped_while_running(&c).is_empty());
    assert_eq!(annotation(&c, "ozone-scm"), None);
    // Restored: no container keeps the override; nor does the pod, which started with it
    // and was restarted onto the render.
    let (text, pod) = {
        let st = c.api.state.lock().unwrap();
        let sts = st
            .statefulsets
            .iter()
            .find(|s| s.metadata.name.as_deref() == Some("ozone-scm"))
            .unwrap();
        let pod = st
            .pods
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some("ozone-scm-0"))
            .unwrap();
        (
            serde_json::to_string(&sts.spec).unwrap(),
            serde_json::to_string(&pod.spec).unwrap(),
        )
    };
    assert!(!text.contains("primordial"), "{text}");
    assert!(!pod.contains("primordial"), "{pod}");
    assert_nothing_on_an_older_template(&c, "recover scm-0").await;
    assert_in_sync(&c, "medium", &[], "recover scm-0").await;
}

#[tokio::test(start_paused = true)]
async fn recover_scm_of_a_non_primordial_member_keeps_the_template() {
    let c = cluster("medium");
    let r = recover(
        &c,
        &[
            "scm",
            "ozone-scm-2",
            "--yes",
            "--confirm-wipe",
            "ozone-scm-2",
        ],
        None,
    )
    .await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(!r.err.contains("primordial"), "{}", r.err);
    let j = c.journal();
    // Hold, then the rendered template back before the second delete: no bootstrap form.
    assert_eq!(
        j.iter()
            .filter(|e| *e == "PUT statefulsets/ozone-scm")
            .count(),
        2,
        "{j:#?}"
    );
    assert_eq!(
        scm_members(&c),
        ["ozone-scm-0", "ozone-scm-1", "ozone-scm-2"]
    );
}

#[tokio::test(start_paused = true)]
async fn recover_refusals_write_nothing() {
    // A majority would be lost: one of the other two OMs is down.
    let c = cluster("medium");
    c.ozone.state.lock().unwrap().om_hosts.pop();
    c.ozone.state.lock().unwrap().ring_pods = None;
    let r = recover(
        &c,
        &["om", "ozone-om-1", "--yes", "--confirm-wipe", "ozone-om-1"],
        None,
    )
    .await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error().contains("needs 2 for a majority"),
        "{}",
        r.error()
    );
    assert!(c.journal().is_empty());
    // A ring of one.
    let c = cluster("small");
    let r = recover(
        &c,
        &["om", "ozone-om-0", "--yes", "--confirm-wipe", "ozone-om-0"],
        None,
    )
    .await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(r.error().contains("recover --from"), "{}", r.error());
    assert!(c.journal().is_empty());
    // Not a member: bad input.
    let c = cluster("medium");
    for pod in ["ozone-om-7", "ozone-datanode-0", "other-om-1"] {
        let r = recover(&c, &["om", pod, "--yes", "--confirm-wipe", pod], None).await;
        assert_eq!(r.code(), 2, "{pod}: {}", r.all());
        assert!(
            r.error().contains("is not a member of the om ring"),
            "{}",
            r.error()
        );
    }
    // --yes without --confirm-wipe, or naming another pod: bad input.
    let r = recover(&c, &["om", "ozone-om-1", "--yes"], None).await;
    assert_eq!(r.code(), 2, "{}", r.all());
    assert!(
        r.error().contains("--confirm-wipe ozone-om-1"),
        "{}",
        r.error()
    );
    let r = recover(
        &c,
        &["om", "ozone-om-1", "--yes", "--confirm-wipe", "ozone-om-2"],
        None,
    )
    .await;
    assert_eq!(r.code(), 2, "{}", r.all());
    // A wrong typed answer aborts.
    let r = recover(&c, &["om", "ozone-om-1"], Some(&["ozone-om-2"])).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(c.journal().is_empty(), "{:?}", c.journal());
    // The dry run prints the plan and writes nothing.
    c.refuse_writes();
    let r = recover(&c, &["om", "ozone-om-1", "--dry-run"], None).await;
    assert_eq!(r.code(), 0, "{}", r.all());
    assert!(r.out.contains("rm -rf -- /data/metadata"), "{}", r.out);
    assert!(
        r.out.contains("bootstrap: ozone om --bootstrap"),
        "{}",
        r.out
    );
    assert!(c.journal().is_empty(), "{:?}", c.journal());
}

#[tokio::test(start_paused = true)]
async fn recover_cut_off_at_any_write_finishes_when_run_again() {
    for (component, pod) in [("om", "ozone-om-1"), ("scm", "ozone-scm-0")] {
        let args = [component, pod, "--yes", "--confirm-wipe", pod];
        let clean = cluster("medium");
        assert_eq!(recover(&clean, &args, None).await.code(), 0);
        let writes = clean.journal().len();
        for at in 0..writes {
            let c = cluster("medium");
            c.api.state.lock().unwrap().fail_write_at = Some(at);
            let first = recover(&c, &args, None).await;
            c.api.state.lock().unwrap().fail_write_at = None;
            let r = recover(&c, &args, None).await;
            assert_eq!(
                r.code(),
                0,
                "{pod}: resume after write {at} ({}): {}",
                first.all(),
                r.all()
            );
            let members = if component == "om" {
                om_members(&c)
            } else {
                scm_members(&c)
            };
            assert_eq!(members.len(), 3, "{pod} after write {at}: {members:?}");
            assert!(members.contains(&pod.to_owned()), "{pod} after write {at}");
            assert!(wiped_while_running(&c).is_empty(), "{pod} after write {at}");
            let sts = format!("ozone-{component}");
            assert_eq!(annotation(&c, &sts), None, "{pod} after write {at}");
            // A cut between the wipe and its record empties the held volume a second time.
            let wipes = c.journal().iter().filter(|e| e.contains("rm -rf")).count();
            assert!(wipes <= 2, "{pod} after write {at}: {wipes} wipes");
            let container = component;
            if component == "om" {
                assert_eq!(
                    pod_args(&c, pod, container),
                    Some(vec!["ozone".to_owned(), "om".to_owned()]),
                    "{pod} after write {at}"
                );
            }
            assert_nothing_on_an_older_template(&c, &format!("{pod} after write {at}")).await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn restart_and_apply_refuse_while_a_recovery_is_recorded() {
    let c = cluster("medium");
    // A recovery cut off right after the hold template was set.
    c.api.state.lock().unwrap().fail_write_at = Some(2);
    let r = recover(
        &c,
        &["om", "ozone-om-1", "--yes", "--confirm-wipe", "ozone-om-1"],
        None,
    )
    .await;
    assert_eq!(r.code(), 1, "{}", r.all());
    c.api.state.lock().unwrap().fail_write_at = None;
    let before = c.journal().len();
    let r = run(&c, &["restart", "om", "--all", "--yes", "-n", "ozone"]).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error().contains("member bootstrap in progress"),
        "{}",
        r.error()
    );
    let r = apply(&c, &grow("medium", "datanodes.replicas=5")).await;
    assert_eq!(r.code(), 1, "{}", r.all());
    assert!(
        r.error().contains("kubectl ozone recover om ozone-om-1"),
        "{}",
        r.error()
    );
    assert_eq!(c.journal().len(), before, "{:#?}", c.journal());
}
