//! `recover om POD` on a medium cluster (an OM ring of 3) on a real StatefulSet controller:
//! the member is held, emptied, bootstrapped from its peers and restarted onto the rendered
//! template. It ends a FOLLOWER, on its StatefulSet's current revision, with `diff` finding
//! the cluster as rendered and `doctor` finding nothing left on an older template.

use crate::restart::{POLL, assert_nothing_on_an_older_template};
use crate::support::{Ctx, Outcome, passed, trial};
use anyhow::{Context, ensure};
use libtest_mimic::Trial;
use serde_json::Value;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![trial(
        "recover_om_member_ends_on_the_rendered_template",
        recover_om_member_ends_on_the_rendered_template,
    )]
}

fn recover_om_member_ends_on_the_rendered_template(ctx: &Ctx) -> Outcome {
    // Installed with the plugin's field manager, so that its diff owns the same fields.
    ctx.render_apply(&["--profile", "medium"], Some("kubectl-ozone"))?;
    ctx.wait_cluster_ready("ozone")?;
    let before = ctx.kubectl_json(&["get", "pod", "ozone-om-2"])?;
    let out = ctx
        .ozone(&[
            "recover",
            "om",
            "ozone-om-2",
            "--yes",
            "--confirm-wipe",
            "ozone-om-2",
            POLL[0],
            POLL[1],
        ])?
        .ok()?;
    ensure!(
        out.stderr.contains("rm -rf")
            && out
                .stderr
                .contains("ozone-om-2 is a FOLLOWER of the om ring again"),
        "{}",
        out.stderr
    );
    ctx.wait_cluster_ready("ozone")?;
    let pod = ctx.kubectl_json(&["get", "pod", "ozone-om-2"])?;
    ensure!(
        pod["metadata"]["uid"] != before["metadata"]["uid"],
        "ozone-om-2 was not recreated"
    );
    let args: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["name"] == "om")
        .context("no om container")?["args"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    ensure!(
        !args.contains(&"--bootstrap")
            && args
                == before["spec"]["containers"][0]["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>(),
        "ozone-om-2 runs {args:?}, not the rendered arguments"
    );
    let sts = ctx.kubectl_json(&["get", "statefulset", "ozone-om"])?;
    ensure!(
        sts["metadata"]["annotations"]["ozone.apache.org/member-bootstrap"].is_null(),
        "the member bootstrap record is left: {}",
        sts["metadata"]["annotations"]
    );
    // Ozone: three members, one leader.
    let status = ctx.ozone(&["status", "-o", "json"])?.ok()?.json()?;
    let roles = status.to_string();
    ensure!(
        roles.matches("FOLLOWER").count() >= 2 && roles.contains("LEADER"),
        "status after recover: {status:#}"
    );
    // The cluster is as rendered: no difference, nothing on an older template.
    let mut args = vec!["diff", "--profile", "medium"];
    // As render_apply rendered it: without monitoring objects when the CRDs are not served.
    let crds = ctx.kubectl_global(
        &["get", "crd", "servicemonitors.monitoring.coreos.com"],
        None,
    )?;
    if crds.code != 0 {
        args.extend_from_slice(&[
            "--set",
            "monitoring.serviceMonitors=false",
            "--set",
            "monitoring.prometheusRules=false",
        ]);
    }
    let diff = ctx.ozone(&args)?;
    ensure!(
        diff.code == 0,
        "diff after recover exited {}:\n{}{}",
        diff.code,
        diff.stdout,
        diff.stderr
    );
    assert_nothing_on_an_older_template(ctx, "recover om ozone-om-2")?;
    passed()
}
