//! `snapshot create | list | info | rename | delete` as a user runs them, on a bucket made with
//! `kubectl exec … ozone sh`, each change checked after through Ozone itself (`ozone sh snapshot
//! list` in the OM pod), not only through the plugin's own reading.

use crate::install::install_small;
use crate::support::{Ctx, Outcome, passed, trial};
use anyhow::{Context, Result, ensure};
use libtest_mimic::Trial;

/// This area's tests.
pub fn trials() -> Vec<Trial> {
    vec![
        trial("snapshot_create_then_list", create_then_list),
        trial("snapshot_info_rename_delete", info_rename_delete),
    ]
}

const BUCKET: &str = "vol1/logs";

/// A small cluster with the bucket `vol1/logs`, made as the README's user makes one.
fn cluster_with_bucket(ctx: &Ctx) -> Result<()> {
    install_small(ctx, None)?;
    for args in [
        ["volume", "create", "/vol1"],
        ["bucket", "create", "/vol1/logs"],
    ] {
        let mut exec = vec!["exec", "ozone-om-0", "--", "ozone", "sh"];
        exec.extend_from_slice(&args);
        ctx.kubectl(&exec)?.ok()?;
    }
    Ok(())
}

/// The snapshot names Ozone holds for the bucket, in Ozone's order, asked in the OM pod.
fn ozone_snapshots(ctx: &Ctx) -> Result<Vec<String>> {
    let out = ctx
        .kubectl(&[
            "exec",
            "ozone-om-0",
            "--",
            "ozone",
            "sh",
            "snapshot",
            "list",
            "/vol1/logs",
            "--all",
        ])?
        .ok()?;
    let list = out.json()?;
    Ok(list
        .as_array()
        .context("ozone sh snapshot list printed no JSON array")?
        .iter()
        .filter_map(|s| s["name"].as_str().map(str::to_owned))
        .collect())
}

fn create_then_list(ctx: &Ctx) -> Outcome {
    cluster_with_bucket(ctx)?;

    let out = ctx.ozone(&["snapshot", "list", BUCKET])?.ok()?;
    ensure!(
        out.stdout.is_empty() && out.stderr.contains("No snapshots in vol1/logs."),
        "an empty bucket's list says so on stderr:\n{}{}",
        out.stdout,
        out.stderr
    );

    let out = ctx
        .ozone(&["snapshot", "create", BUCKET, "before-upgrade", "--dry-run"])?
        .ok()?;
    ensure!(
        out.stdout
            .contains("ozone sh snapshot create /vol1/logs before-upgrade"),
        "the dry run does not show the Ozone command:\n{}",
        out.stdout
    );
    ensure!(
        ozone_snapshots(ctx)?.is_empty(),
        "a dry run made a snapshot"
    );

    let out = ctx
        .ozone(&["snapshot", "create", BUCKET, "before-upgrade"])?
        .ok()?;
    ensure!(
        out.stdout == "snapshot before-upgrade of vol1/logs created\n",
        "create says: {}",
        out.stdout
    );
    // Without a name: snap-<YYYYMMDD-HHMMSS> in UTC.
    let out = ctx.ozone(&["snapshot", "create", BUCKET])?.ok()?;
    let generated = out
        .stdout
        .strip_suffix(" of vol1/logs created\n")
        .and_then(|s| s.strip_prefix("snapshot "))
        .with_context(|| format!("create without a name says: {}", out.stdout))?
        .to_owned();
    let stamp = generated.strip_prefix("snap-").unwrap_or_default();
    ensure!(
        stamp.len() == 15
            && stamp.as_bytes()[8] == b'-'
            && stamp.chars().filter(char::is_ascii_digit).count() == 14,
        "the generated name {generated:?} is not snap-YYYYMMDD-HHMMSS"
    );
    let held = ozone_snapshots(ctx)?;
    ensure!(
        held.len() == 2 && held.contains(&"before-upgrade".to_owned()) && held.contains(&generated),
        "Ozone holds {held:?}, not before-upgrade and {generated}"
    );

    // The same name again, a bad name, a bucket that is not there: nothing changes.
    let out = ctx
        .ozone(&["snapshot", "create", BUCKET, "before-upgrade"])?
        .expect_code(1)?;
    ensure!(
        out.stderr.contains(
            "snapshot before-upgrade already exists in vol1/logs; choose another name (FILE_ALREADY_EXISTS)"
        ),
        "a duplicate is not explained:\n{}",
        out.stderr
    );
    let out = ctx
        .ozone(&["snapshot", "create", BUCKET, "Before_Upgrade"])?
        .expect_code(2)?;
    ensure!(
        out.stderr.contains("Before_Upgrade"),
        "a bad name is not named:\n{}",
        out.stderr
    );
    let out = ctx
        .ozone(&["snapshot", "create", "vol1/nope", "x-1"])?
        .expect_code(1)?;
    ensure!(
        out.stderr
            .contains("bucket vol1/nope not found in Ozone (BUCKET_NOT_FOUND)"),
        "a missing bucket is not explained:\n{}",
        out.stderr
    );
    ensure!(
        ozone_snapshots(ctx)?.len() == 2,
        "a refused create changed the snapshots"
    );

    let list = ctx
        .ozone(&["snapshot", "list", BUCKET, "-o", "json"])?
        .ok()?
        .json()?;
    let rows = list.as_array().context("list -o json is no array")?;
    let names: Vec<&str> = rows.iter().filter_map(|s| s["name"].as_str()).collect();
    ensure!(
        names == ["before-upgrade", generated.as_str()],
        "list -o json gives {names:?}, not both, oldest first"
    );
    for s in rows {
        ensure!(
            s["volumeName"] == "vol1"
                && s["bucketName"] == "logs"
                && s["snapshotStatus"] == "SNAPSHOT_ACTIVE"
                && s["creationTime"].is_i64(),
            "list -o json lacks Ozone's fields: {s}"
        );
    }
    let table = ctx.ozone(&["snapshot", "list", BUCKET])?.ok()?.stdout;
    let header: Vec<&str> = table
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    ensure!(
        header == ["NAME", "CREATED", "STATUS", "REFERENCED", "EXCLUSIVE"],
        "list's header: {header:?}"
    );
    ensure!(
        table
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("before-upgrade "))
            && table
                .lines()
                .nth(2)
                .is_some_and(|l| l.starts_with(&generated))
            && table.lines().count() == 3,
        "list's rows:\n{table}"
    );
    passed()
}

fn info_rename_delete(ctx: &Ctx) -> Outcome {
    cluster_with_bucket(ctx)?;
    ctx.ozone(&["snapshot", "create", BUCKET, "before-upgrade"])?
        .ok()?;

    let info = ctx
        .ozone(&["snapshot", "info", BUCKET, "before-upgrade"])?
        .ok()?
        .stdout;
    ensure!(
        info.starts_with("Name:        before-upgrade\nBucket:      vol1/logs\n"),
        "info:\n{info}"
    );
    let out = ctx
        .ozone(&["snapshot", "info", BUCKET, "no-such"])?
        .expect_code(1)?;
    ensure!(
        out.stderr
            .contains("snapshot no-such not found in vol1/logs"),
        "info of a missing snapshot:\n{}",
        out.stderr
    );

    let out = ctx
        .ozone(&["snapshot", "rename", BUCKET, "before-upgrade", "pre-2-3"])?
        .ok()?;
    ensure!(
        out.stdout == "snapshot before-upgrade of vol1/logs renamed to pre-2-3\n",
        "rename says: {}",
        out.stdout
    );
    ensure!(
        ozone_snapshots(ctx)? == ["pre-2-3"],
        "Ozone does not hold the renamed snapshot alone: {:?}",
        ozone_snapshots(ctx)?
    );

    // No terminal and no --yes: refused before anything runs, and said why.
    let out = ctx
        .ozone(&["snapshot", "delete", BUCKET, "pre-2-3"])?
        .expect_code(2)?;
    ensure!(
        out.stderr.contains("pass --yes"),
        "delete without confirmation:\n{}",
        out.stderr
    );
    ensure!(
        ozone_snapshots(ctx)? == ["pre-2-3"],
        "an unconfirmed delete removed the snapshot"
    );
    let out = ctx
        .ozone(&["snapshot", "delete", BUCKET, "pre-2-3", "--yes"])?
        .ok()?;
    ensure!(
        out.stdout == "snapshot pre-2-3 of vol1/logs deleted\n",
        "delete says: {}",
        out.stdout
    );
    ensure!(
        ozone_snapshots(ctx)?.is_empty(),
        "Ozone still holds {:?}",
        ozone_snapshots(ctx)?
    );
    let out = ctx
        .ozone(&["snapshot", "delete", BUCKET, "pre-2-3", "--yes"])?
        .expect_code(1)?;
    ensure!(
        out.stderr
            .contains("snapshot pre-2-3 not found in vol1/logs"),
        "deleting it again:\n{}",
        out.stderr
    );
    passed()
}
