"""The programs other than `ozone` that kubectl-ozone runs in pods. They are really run, on a
scratch directory standing in for the pod's volume (a path /x/y in the pod is
<state root>/files/<namespace>/<claim>/x/y, keyed by the pod's first PersistentVolumeClaim so that
the restore pod of `recover --from` and the member pod see the same files):

  cat PATH                  prints the file; a component's current/VERSION that Ozone would have
                            written at its first start (OM and SCM pods not emptied since) is
                            created on first read, with the cluster's one clusterID
  rm -rf -- DIR...          removes the directories, and takes the pod out of its Raft ring until
                            it bootstraps again (rings.py)
  python3 -c SCRIPT JSON    the restore script of `recover --from`, run for real with its paths
                            (db, versionFile, ratis) moved under the scratch directory and
                            standard input passed through; its JSON answer names the in-pod paths
"""
import json
import os
import shutil
import subprocess
import sys
import uuid

from . import rings, state
from .common import Out, fail, ok


def _root(cluster, pod_name):
    pod = cluster.pod(pod_name)
    key = pod.claims[0] if pod is not None and pod.claims else pod_name
    path = os.path.join(state.root(), "files", cluster.namespace, key)
    os.makedirs(path, exist_ok=True)
    return path


def _inside(root, path):
    return os.path.join(root, path.lstrip("/"))


def cluster_id(cluster, cs):
    return cs.setdefault("cluster_id", "CID-" + str(uuid.uuid5(uuid.NAMESPACE_URL, cluster.namespace + "/" + cluster.name)))


def _version_text(cluster, cs, component):
    node_type = "OM" if component == "om" else "SCM"
    return ("#Mon Nov 23 13:00:00 UTC 2026\nnodeType=%s\nclusterID=%s\ncTime=1763900000000\n"
            "layoutVersion=0\n" % (node_type, cluster_id(cluster, cs)))


def _seed_version(cluster, cs, pod_name, component, root, path):
    target = _inside(root, path)
    if os.path.exists(target) or component not in ("om", "scm"):
        return
    if pod_name in cs.get("rings", {}).get(component, {}).get("wiped", []):
        return
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        f.write(_version_text(cluster, cs, component))


def handle(words, cluster, cs, pod_name, container):
    pod = cluster.pod(pod_name)
    component = pod.component if pod is not None else container
    if len(words) == 2 and words[0] == "cat":
        root = _root(cluster, pod_name)
        if words[1].endswith("/current/VERSION"):
            _seed_version(cluster, cs, pod_name, component, root, words[1])
        try:
            with open(_inside(root, words[1])) as f:
                return ok(f.read())
        except OSError:
            return fail("cat: %s: No such file or directory" % words[1])
    if words[:3] == ["rm", "-rf", "--"]:
        root = _root(cluster, pod_name)
        for d in words[3:]:
            target = _inside(root, d)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            elif os.path.lexists(target):
                os.remove(target)
        if component in ("om", "scm"):
            rings.wiped(cs, component, pod_name)
        return ok()
    if len(words) == 4 and words[:2] == ["python3", "-c"]:
        return _restore(cluster, cs, pod_name, words[2], words[3])
    return None


def _restore(cluster, cs, pod_name, script, raw):
    try:
        args = json.loads(raw)
    except ValueError:
        return fail("restore: the argument is not JSON", code=2)
    root = _root(cluster, pod_name)
    moved = dict(args)
    moved["db"] = [_inside(root, p) for p in args.get("db", [])]
    moved["ratis"] = [_inside(root, p) for p in args.get("ratis", [])]
    if args.get("versionFile"):
        moved["versionFile"] = _inside(root, args["versionFile"])
        # SCM wrote VERSION at its first start, on this same volume.
        if args.get("component") in ("om", "scm"):
            _seed_version(cluster, cs, pod_name, args["component"], root, args["versionFile"])
    run = subprocess.run([sys.executable, "-c", script, json.dumps(moved)], stdin=sys.stdin.buffer,
                         capture_output=True, check=False)
    prefix = root.rstrip("/")
    stdout = run.stdout.decode(errors="replace").replace(prefix, "")
    stderr = run.stderr.decode(errors="replace").replace(prefix, "")
    return Out(stdout, stderr, run.returncode)
