//! `upgrade`, `upgrade status`, `upgrade finalize` and a downgrade before finalize on a real
//! control plane, as a user runs them; each flow ends with the cluster asserted as the spec
//! says (every workload and pod on the version's image, replicas back, no OM upgrade flag, the
//! record done) and nothing left on an older template. And an upgrade killed with SIGKILL at
//! three different points, then run again, finishing the same way.
//!
//! The harness's kubelet pulls only published `apache/ozone` tags; the fake Ozone answers
//! `ozone version` and `finalizationstatus` from the images the pods run (layouts per release,
//! operations §1.3).

use crate::restart::{POLL, assert_nothing_on_an_older_template};
use crate::support::{Ctx, Outcome, Output, passed, trial};
use anyhow::{Context, Result, ensure};
use libtest_mimic::Trial;
use serde_json::Value;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "upgrade_status_downgrade_then_finalize",
            upgrade_status_downgrade_then_finalize,
        ),
        trial(
            "upgrade_of_a_patch_release_is_reported_finalized_by_both",
            upgrade_of_a_patch_release_is_reported_finalized_by_both,
        ),
        trial(
            "upgrade_of_ha_rings_prepares_and_restarts_quorum_safe",
            upgrade_of_ha_rings_prepares_and_restarts_quorum_safe,
        ),
        trial(
            "upgrade_killed_at_three_points_finishes_when_run_again",
            upgrade_killed_at_three_points_finishes_when_run_again,
        ),
    ]
}

/// Workloads and their replicas: what each has again after an upgrade.
type Replicas = [(&'static str, &'static str, i64); 5];

/// The small profile's.
const SMALL: Replicas = [
    ("statefulset", "ozone-scm", 1),
    ("statefulset", "ozone-om", 1),
    ("statefulset", "ozone-datanode", 3),
    ("statefulset", "ozone-recon", 1),
    ("deployment", "ozone-s3g", 1),
];

/// The medium profile's: OM and SCM rings of 3.
const MEDIUM: Replicas = [
    ("statefulset", "ozone-scm", 3),
    ("statefulset", "ozone-om", 3),
    ("statefulset", "ozone-datanode", 5),
    ("statefulset", "ozone-recon", 1),
    ("deployment", "ozone-s3g", 2),
];

/// A small cluster on Ozone `version`, installed as the README shows, ready.
fn install(ctx: &Ctx, version: &str) -> Result<()> {
    let v = format!("version={version}");
    ctx.render_apply(&["--profile", "small", "--set", &v], None)?;
    ctx.wait_cluster_ready("ozone")
}

fn upgrade(ctx: &Ctx, to: &str) -> Result<Output> {
    ctx.ozone(&["upgrade", "--to", to, "--yes", POLL[0], POLL[1]])
}

/// The last line the run printed about where the cluster stands.
fn standing(out: &Output, version: &str) -> Result<String> {
    out.stderr
        .lines()
        .rfind(|l| l.contains(&format!("runs Ozone {version},")))
        .map(str::to_owned)
        .with_context(|| {
            format!(
                "the run does not end saying where it stands:\n{}",
                out.stderr
            )
        })
}

/// The cluster as the spec of `version` says: every workload's containers (and init
/// containers) on its image with its replicas, every pod on it and ready, the OMs started
/// without `--upgrade`/`--downgrade`, the run recorded as done, nothing on an older template.
fn assert_runs(ctx: &Ctx, version: &str, after: &str) -> Result<()> {
    assert_runs_with(ctx, version, after, SMALL)
}

fn assert_runs_with(ctx: &Ctx, version: &str, after: &str, workloads: Replicas) -> Result<()> {
    ctx.wait_cluster_ready("ozone")?;
    let image = format!("apache/ozone:{version}");
    for (kind, name, replicas) in workloads {
        let w = ctx.kubectl_json(&["get", kind, name])?;
        ensure!(
            w["spec"]["replicas"].as_i64() == Some(replicas),
            "after {after}: {kind} {name} has {} replicas, not {replicas}",
            w["spec"]["replicas"]
        );
        let spec = &w["spec"]["template"]["spec"];
        for c in ["initContainers", "containers"]
            .iter()
            .flat_map(|l| spec[l].as_array().cloned().unwrap_or_default())
        {
            let i = c["image"].as_str().unwrap_or_default();
            ensure!(
                !i.starts_with("apache/ozone:") || i == image,
                "after {after}: {kind} {name} container {} runs {i}",
                c["name"]
            );
        }
    }
    let pods = ctx.kubectl_json(&["get", "pods", "-l", "app.kubernetes.io/instance=ozone"])?;
    for p in pods["items"].as_array().into_iter().flatten() {
        let name = p["metadata"]["name"].as_str().unwrap_or_default();
        for c in p["spec"]["containers"].as_array().into_iter().flatten() {
            let i = c["image"].as_str().unwrap_or_default();
            ensure!(
                !i.starts_with("apache/ozone:") || i == image,
                "after {after}: pod {name} runs {i}"
            );
            let args: Vec<&str> = c["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            ensure!(
                !args.contains(&"--upgrade") && !args.contains(&"--downgrade"),
                "after {after}: pod {name} still starts with {args:?}"
            );
        }
    }
    let scm = ctx.kubectl_json(&["get", "statefulset", "ozone-scm"])?;
    let annotations = &scm["metadata"]["annotations"];
    ensure!(
        annotations["ozone.apache.org/upgrade-target"] == version
            && annotations["ozone.apache.org/upgrade-phase"]
                .as_str()
                .is_some_and(|p| p == "done" || p == "finalized"),
        "after {after}: the upgrade record is {annotations}"
    );
    let status = ctx
        .ozone(&["upgrade", "status", "-o", "json"])?
        .ok()?
        .json()?;
    ensure!(
        status["running"] == version,
        "after {after}: upgrade status says {}",
        status["running"]
    );
    assert_nothing_on_an_older_template(ctx, after)
}

/// `upgrade status -o json`.
fn status(ctx: &Ctx) -> Result<Value> {
    ctx.ozone(&["upgrade", "status", "-o", "json"])?
        .ok()?
        .json()
}

fn upgrade_status_downgrade_then_finalize(ctx: &Ctx) -> Outcome {
    // 2.1.1 → 2.2.0 moves both metadata layouts (OM 8 → 9, HDDS 9 → 10): pre-finalized.
    install(ctx, "2.1.1")?;
    let up = upgrade(ctx, "2.2.0")?.ok()?;
    assert_runs(ctx, "2.2.0", "the upgrade")?;
    let said = standing(&up, "2.2.0")?;
    let s = status(ctx)?;
    ensure!(
        s["finalization"] == "pre-finalized"
            && s["omFinalization"] == "FINALIZATION_REQUIRED"
            && s["scmFinalization"] == "FINALIZATION_REQUIRED",
        "upgrade status after 2.1.1 → 2.2.0: {s:#}"
    );
    // The run and `upgrade status` say the same.
    for key in ["summary", "downgrade"] {
        let text = s[key].as_str().unwrap_or_default();
        ensure!(
            !text.is_empty() && said.contains(text),
            "upgrade status {key} {text:?} is not what the run said: {said}"
        );
    }
    ensure!(
        s["downgrade"].as_str().is_some_and(
            |d| d.starts_with("possible until finalized: kubectl ozone upgrade --to 2.1.1")
        ),
        "{s:#}"
    );
    // A downgrade before finalize: the same procedure, back on 2.1.1.
    let down = upgrade(ctx, "2.1.1")?.ok()?;
    assert_runs(ctx, "2.1.1", "the downgrade")?;
    ensure!(
        standing(&down, "2.1.1")?.contains("last change was a downgrade from 2.2.0"),
        "{}",
        down.stderr
    );
    // Up again, then finalize: permanent, a downgrade is refused and nothing changes.
    upgrade(ctx, "2.2.0")?.ok()?;
    assert_runs(ctx, "2.2.0", "the second upgrade")?;
    let f = ctx
        .ozone(&["upgrade", "finalize", "--yes", POLL[0], POLL[1]])?
        .ok()?;
    ensure!(
        f.stderr.contains("is finalized: the upgrade is permanent"),
        "{}",
        f.stderr
    );
    let s = status(ctx)?;
    ensure!(
        s["finalization"] == "finalized"
            && s["downgrade"]
                .as_str()
                .is_some_and(|d| d.starts_with("not possible: OM is finalized")),
        "upgrade status after finalize: {s:#}"
    );
    let uids = crate::restart::uids(ctx)?;
    let refused = upgrade(ctx, "2.1.1")?.expect_code(1)?;
    ensure!(
        refused.stderr.contains("cannot go back to 2.1.1")
            && refused.stderr.contains("nothing was changed"),
        "{}",
        refused.stderr
    );
    ensure!(
        crate::restart::uids(ctx)? == uids,
        "a refused downgrade restarted pods"
    );
    assert_runs(ctx, "2.2.0", "the refused downgrade")?;
    passed()
}

fn upgrade_of_a_patch_release_is_reported_finalized_by_both(ctx: &Ctx) -> Outcome {
    // 2.2.0 and 2.2.1 share the metadata layout: Ozone answers ALREADY_FINALIZED at once.
    install(ctx, "2.2.0")?;
    let up = upgrade(ctx, "2.2.1")?.ok()?;
    assert_runs(ctx, "2.2.1", "the upgrade")?;
    let said = standing(&up, "2.2.1")?;
    ensure!(
        !said.contains("pre-finalized")
            && said.contains("finalized: 2.2.0 and 2.2.1 share the metadata layout"),
        "{said}"
    );
    let text = ctx.ozone(&["upgrade", "status"])?.ok()?.stdout;
    ensure!(
        text.contains("Finalization: OM ALREADY_FINALIZED, SCM ALREADY_FINALIZED"),
        "{text}"
    );
    for prefix in ["State: ", "Downgrade: "] {
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .with_context(|| format!("no {prefix:?} line in\n{text}"))?;
        ensure!(
            said.contains(line),
            "upgrade status says {prefix}{line:?}, the run said {said:?}"
        );
    }
    // Nothing to finalize, and 2.2.0 reads the layout: going back works.
    let f = ctx.ozone(&["upgrade", "finalize", "--yes"])?.ok()?;
    ensure!(f.stderr.contains("finalized already"), "{}", f.stderr);
    upgrade(ctx, "2.2.0")?.ok()?;
    assert_runs(ctx, "2.2.0", "the downgrade")?;
    passed()
}

/// Starts `upgrade --to to`, kills it with SIGKILL when it prints `marker`, checks the
/// cluster is mid-way, then runs the same command again to its end.
fn kill_then_resume(ctx: &Ctx, to: &str, marker: &str) -> Result<()> {
    let mut run = ctx.spawn_ozone(&["upgrade", "--to", to, "--yes", POLL[0], POLL[1]])?;
    run.kill_when(marker)?;
    drop(run);
    let scm = ctx.kubectl_json(&["get", "statefulset", "ozone-scm"])?;
    let phase = scm["metadata"]["annotations"]["ozone.apache.org/upgrade-phase"].clone();
    ensure!(
        phase.as_str().is_some_and(|p| p != "done"),
        "killed at {marker:?}, the record says {phase}: the run was not cut off mid-way"
    );
    let again = upgrade(ctx, to)?;
    let again = again
        .ok()
        .with_context(|| format!("resuming after a kill at {marker:?}"))?;
    assert_runs(ctx, to, &format!("a kill at {marker:?} and a second run"))?;
    ensure!(
        again.stderr.contains("resuming: phase"),
        "the second run did not resume the recorded upgrade:\n{}",
        again.stderr
    );
    Ok(())
}

fn upgrade_killed_at_three_points_finishes_when_run_again(ctx: &Ctx) -> Outcome {
    install(ctx, "2.1.1")?;
    // The markers are the lines a run prints as it starts a step (`[i/n] …`), not the plan
    // printed before. During the stop: some workloads at 0, the rest still running.
    kill_then_resume(ctx, "2.2.0", "] wait until every om pod is gone")?;
    // A downgrade (before finalize), cut off while the images are set.
    kill_then_resume(ctx, "2.1.1", "] set image apache/ozone:2.1.1")?;
    // Cut off while the OMs restart without the upgrade flag (everything started again).
    kill_then_resume(ctx, "2.2.0", "] restart the om pods one at a time")?;
    passed()
}

fn upgrade_of_ha_rings_prepares_and_restarts_quorum_safe(ctx: &Ctx) -> Outcome {
    // Medium: OM and SCM rings of 3, so the OM ring is prepared before the stop and the OMs
    // restart without --upgrade followers first, leadership moved, leader last.
    ctx.render_apply(&["--profile", "medium", "--set", "version=2.1.1"], None)?;
    ctx.wait_cluster_ready("ozone")?;
    let up = upgrade(ctx, "2.2.0")?.ok()?;
    for step in [
        "ozone admin om prepare --service-id",
        "every OM is prepared",
    ] {
        ensure!(
            up.stderr.contains(step),
            "the HA upgrade did not run {step:?}:\n{}",
            up.stderr
        );
    }
    // The leader restarts last, after its leadership moved.
    let text: Vec<&str> = up.stderr.lines().collect();
    let moved = text
        .iter()
        .position(|l| l.contains("] moving om leadership from "))
        .with_context(|| format!("no OM leadership transfer:\n{}", up.stderr))?;
    let leader = text[moved]
        .split("moving om leadership from ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_default();
    let restarted: Vec<usize> = (0..text.len())
        .filter(|i| text[*i].starts_with("restarted ozone-om-"))
        .collect();
    let leader_at = text
        .iter()
        .position(|l| *l == format!("restarted {leader}"))
        .with_context(|| format!("{leader} was not restarted:\n{}", up.stderr))?;
    ensure!(
        restarted.len() == 3 && leader_at > moved && restarted.iter().all(|i| *i <= leader_at),
        "the OMs did not restart followers first, leader last:\n{}",
        up.stderr
    );
    assert_runs_with(ctx, "2.2.0", "the HA upgrade", MEDIUM)?;
    let s = status(ctx)?;
    ensure!(s["finalization"] == "pre-finalized", "{s:#}");
    // The rings are whole again, each with a leader.
    let st = ctx
        .ozone(&["status", "-o", "json"])?
        .ok()?
        .json()?
        .to_string();
    ensure!(
        st.matches("LEADER").count() == 2 && st.matches("FOLLOWER").count() == 4,
        "after the HA upgrade: {st}"
    );
    ctx.ozone(&["upgrade", "finalize", "--yes", POLL[0], POLL[1]])?
        .ok()?;
    ensure!(
        status(ctx)?["finalization"] == "finalized",
        "finalize on HA rings"
    );
    assert_runs_with(ctx, "2.2.0", "finalize", MEDIUM)?;
    passed()
}
