#!/usr/bin/env python3
"""Scheduled Ozone bucket snapshot, run by a CronJob that kubectl-ozone renders.

Creates one snapshot named <prefix><YYYYMMDD-HHMMSS> (UTC), then deletes this schedule's
active snapshots beyond the newest KEEP. Only names of exactly that form count as this
schedule's: snapshots anyone else made are never deleted. The rule is the same as
`ozone_storage::snapshot::expired`; a differential test keeps them in step.

Runs in the apache/ozone image, whose entrypoint has already written /etc/hadoop from the
cluster's ConfigMap, so `ozone sh` reaches the cluster's Ozone Manager.
"""
import datetime
import json
import os
import re
import subprocess
import sys


def ozone_snapshot(*args):
    """Runs `ozone sh snapshot ARGS`; exits with its stderr when it fails."""
    result = subprocess.run(["ozone", "sh", "snapshot", *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        sys.exit(f"ozone sh snapshot {args[0]} {args[1]} failed with exit code {result.returncode}")
    return result.stdout


def expired(snapshots, prefix, keep):
    """This schedule's active snapshots beyond the newest `keep`, by creation time then name."""
    ours_pattern = re.compile("^" + re.escape(prefix) + r"[0-9]{8}-[0-9]{6}$")
    ours = [
        s for s in snapshots
        if ours_pattern.match(s.get("name", "")) and s.get("snapshotStatus", "") in ("", "SNAPSHOT_ACTIVE")
    ]
    ours.sort(key=lambda s: (s.get("creationTime", 0), s["name"]), reverse=True)
    return [s["name"] for s in ours[keep:]]


def main():
    bucket = os.environ["SNAPSHOT_BUCKET"]
    prefix = os.environ["SNAPSHOT_PREFIX"]
    keep = int(os.environ["SNAPSHOT_KEEP"])
    path = "/" + bucket
    stamp = os.environ.get("SNAPSHOT_TIME") or datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
    name = prefix + stamp
    ozone_snapshot("create", path, name)
    print(f"created snapshot {name} of {bucket}", flush=True)
    listing = json.loads(ozone_snapshot("list", path, "--prefix", prefix, "--all") or "[]")
    for old in expired(listing, prefix, keep):
        ozone_snapshot("delete", path, old)
        print(f"deleted snapshot {old} (keeping the newest {keep})", flush=True)


if __name__ == "__main__":
    main()
