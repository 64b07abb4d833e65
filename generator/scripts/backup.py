#!/usr/bin/env python3
"""Scheduled Ozone metadata backup, run by the CronJob kubectl-ozone renders for spec.backups.

Finds the OM and SCM leaders (`ozone admin om|scm roles --json` in a ring; the only member
otherwise), streams each leader's /dbCheckpoint (flushBeforeCheckpoint=true; OM
includeSnapshotData when the cluster schedules bucket snapshots) into
BACKUP_DIR/<name>.partial/{om,scm}.tar while hashing, writes manifest.json beside them and
renames the directory to <name>: a directory without `.partial` is always complete. Then it
deletes the backups beyond the newest BACKUP_KEEP and records the run (and the deletions) in the
ConfigMap BACKUP_CONFIGMAP, which `kubectl ozone backup list` reads.

The manifest has the same shape as the one `kubectl ozone backup create` writes, so
`kubectl ozone backup verify` checks either.
"""
import datetime
import hashlib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import urllib.error
import urllib.request

NAME_PATTERN = re.compile(r"^backup-[0-9]{8}-[0-9]{6}$")
CHUNK = 1 << 20
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class BackupError(Exception):
    """A failure to report in the ConfigMap and the job's log."""


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise BackupError(f"environment variable {name} is not set")
    return value


def ozone_json(*args):
    """Runs `ozone ARGS` and parses its JSON output."""
    result = subprocess.run(["ozone", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"ozone {' '.join(args)} failed with exit code {result.returncode}: {result.stderr.strip()}")
    try:
        return json.loads(result.stdout)
    except ValueError as e:
        raise BackupError(f"ozone {' '.join(args)} printed no JSON: {e}") from e


def om_leader(hosts):
    """(node id, host) of the OM leader."""
    service_id = os.environ.get("BACKUP_OM_SERVICE_ID")
    if not service_id:
        return hosts[0].split(".")[0], hosts[0]
    for entry in ozone_json("admin", "om", "roles", "--service-id", service_id, "--json"):
        for node_id, info in entry.items():
            if info.get("serverRole") == "LEADER":
                return node_id, info.get("hostname") or node_id
    raise BackupError("the OM ring has no leader")


def scm_leader(hosts):
    """(node id, host) of the SCM leader."""
    if len(hosts) == 1:
        return hosts[0].split(".")[0], hosts[0]
    for host, info in ozone_json("admin", "scm", "roles", "--json").items():
        if info.get("raftPeerRole") == "LEADER":
            return info.get("ID") or host.split(".")[0], host
    raise BackupError("the SCM ring has no leader")


def ssl_context():
    ca_file = os.environ.get("BACKUP_CA_FILE")
    return ssl.create_default_context(cafile=ca_file) if ca_file else None


def download(component, url, path):
    """Streams `url` to `path`, hashing as it goes; returns (size, sha256)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, context=ssl_context(), timeout=300) as response, open(path, "wb") as out:
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
    except urllib.error.HTTPError as e:
        if e.code == 403:
            raise BackupError(
                f"{component} refused {url} (403): on a secured cluster only users in ozone.administrators "
                "may download checkpoints, with a Kerberos (SPNEGO) identity this job does not have"
            ) from e
        if e.code == 404:
            raise BackupError(f"{component} has no /dbCheckpoint endpoint at {url} (404)") from e
        raise BackupError(f"{component} answered {e.code} for {url}") from e
    except (urllib.error.URLError, OSError) as e:
        raise BackupError(f"{component}: cannot download {url}: {e}") from e
    if size == 0:
        raise BackupError(f"{component} sent an empty checkpoint from {url}")
    return size, digest.hexdigest()


def checkpoint_url(component, host, include_snapshots):
    scheme = env("BACKUP_SCHEME")
    port = env(f"BACKUP_{component.upper()}_PORT")
    query = "flushBeforeCheckpoint=true"
    if component == "om":
        query += "&includeSnapshotData=" + ("true" if include_snapshots else "false")
    return f"{scheme}://{host}:{port}/dbCheckpoint?{query}"


def take(name, root):
    """Writes backup `name` under `root`; returns its manifest."""
    partial = os.path.join(root, name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    include_snapshots = env("BACKUP_INCLUDE_SNAPSHOT_DATA", "false") == "true"
    om_hosts = env("BACKUP_OM_HOSTS").split(",")
    scm_hosts = env("BACKUP_SCM_HOSTS").split(",")
    leaders = {}
    files = []
    # SCM first: an OM checkpoint never names blocks newer than the SCM one it pairs with.
    for component, hosts, find in (("scm", scm_hosts, scm_leader), ("om", om_hosts, om_leader)):
        node_id, host = find(hosts)
        leaders[component] = node_id
        file_name = component + ".tar"
        size, sha = download(component, checkpoint_url(component, host, include_snapshots), os.path.join(partial, file_name))
        files.append({"component": component, "file": file_name, "size": size, "sha256": sha})
        print(f"{component}: {size} bytes from {node_id}, sha256 {sha}", flush=True)
    manifest = {
        "format": 1,
        "name": name,
        "cluster": env("BACKUP_CLUSTER"),
        "namespace": env("BACKUP_NAMESPACE"),
        "clusterId": None,
        "omNodeIds": [h.split(".")[0] for h in om_hosts],
        "scmNodeIds": [h.split(".")[0] for h in scm_hosts],
        "leaders": leaders,
        "version": env("BACKUP_VERSION"),
        "finalization": None,
        "createdAt": created_at(name),
        "takenBy": "schedule",
        "includesSnapshotData": include_snapshots,
        "files": sorted(files, key=lambda f: f["component"]),
    }
    with open(os.path.join(partial, "manifest.json.tmp"), "w") as out:
        json.dump(manifest, out, indent=2, sort_keys=True)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.rename(os.path.join(partial, "manifest.json.tmp"), os.path.join(partial, "manifest.json"))
    os.rename(partial, os.path.join(root, name))
    return manifest


def created_at(name):
    stamp = datetime.datetime.strptime(name[len("backup-"):], "%Y%m%d-%H%M%S")
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def expired(root, keep):
    """Complete backups beyond the newest `keep` (names sort by time), and leftover partials."""
    entries = sorted(os.listdir(root), reverse=True)
    complete = [e for e in entries if NAME_PATTERN.match(e) and os.path.isdir(os.path.join(root, e))]
    partial = [e for e in entries if e.endswith(".partial") and NAME_PATTERN.match(e[: -len(".partial")])]
    return complete[keep:], partial


def record(updates):
    """Merge-patches the records ConfigMap: a key per backup, null removes one."""
    api = os.environ.get("BACKUP_API_URL", "https://kubernetes.default.svc")
    token_file = os.environ.get("BACKUP_TOKEN_FILE", SA_DIR + "/token")
    with open(token_file) as f:
        token = f.read().strip()
    url = f"{api}/api/v1/namespaces/{env('BACKUP_NAMESPACE')}/configmaps/{env('BACKUP_CONFIGMAP')}"
    body = json.dumps({"data": updates}).encode()
    request = urllib.request.Request(url, data=body, method="PATCH", headers={
        "Authorization": "Bearer " + token,
        "Content-Type": "application/merge-patch+json",
    })
    context = None
    if api.startswith("https://"):
        context = ssl.create_default_context(cafile=os.environ.get("BACKUP_API_CA_FILE", SA_DIR + "/ca.crt"))
    try:
        with urllib.request.urlopen(request, context=context, timeout=60) as response:
            response.read()
    except (urllib.error.URLError, OSError) as e:
        raise BackupError(f"cannot record the backup in ConfigMap {env('BACKUP_CONFIGMAP')}: {e}") from e


def main():
    root = env("BACKUP_DIR")
    keep = int(env("BACKUP_KEEP"))
    now = os.environ.get("BACKUP_TIME") or datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
    name = "backup-" + now
    entry = {"name": name, "createdAt": created_at(name), "takenBy": "schedule"}
    try:
        manifest = take(name, root)
    except BackupError as e:
        shutil.rmtree(os.path.join(root, name + ".partial"), ignore_errors=True)
        entry.update({"status": "Failed", "error": str(e)})
        sys.stderr.write(f"backup {name} failed: {e}\n")
        try:
            record({name: json.dumps(entry, sort_keys=True)})
        except BackupError as recording:
            sys.stderr.write(f"{recording}\n")
        sys.exit(1)
    entry.update({"status": "Completed", "error": None, "files": manifest["files"], "leaders": manifest["leaders"]})
    updates = {name: json.dumps(entry, sort_keys=True)}
    old, partial = expired(root, keep)
    for stale in old + partial:
        shutil.rmtree(os.path.join(root, stale), ignore_errors=True)
        print(f"deleted {stale} (keeping the newest {keep})", flush=True)
    for stale in old:
        updates[stale] = None
    record(updates)
    print(f"backup {name} completed", flush=True)


if __name__ == "__main__":
    main()
