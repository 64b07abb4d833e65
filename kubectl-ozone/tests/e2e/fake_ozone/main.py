"""Entry: `NAMESPACE POD CONTAINER -- CMD ARGS...` → the command's output and exit code.

Every command runs under the namespace's state lock (state.py), after reading the cluster's pods
(cluster.py), so concurrent execs apply one after another, as one Ozone would serialize them."""
import sys
import traceback

from . import certs, cluster as kube, datanodes, files, rings, s3, safemode, snapshots, state, upgrade
from .common import fail, unknown


def respond(namespace, pod_name, container, words):
    items = kube.read(namespace)
    cluster = kube.cluster_of(namespace, pod_name, items)
    with state.locked(namespace) as st:
        cs = st.setdefault("clusters", {}).setdefault(cluster.name, {})
        cs.setdefault("calls", []).append("%s: %s" % (pod_name, " ".join(words)[:300]))
        out = files.handle(words, cluster, cs, pod_name, container)
        if out is not None:
            return out
        if words[:1] != ["ozone"]:
            return fail("fake ozone: %s: command not found" % (words[0] if words else ""), code=127)
        if words[:2] == ["ozone", "version"]:
            return upgrade.version(cluster.pod(pod_name))
        prepared = upgrade.om_prepared(cluster, cs)
        for area in (
            lambda: rings.handle(words, cluster, cs),
            lambda: upgrade.handle(words, cluster, cs),
            lambda: datanodes.handle(words, cluster, cs),
            lambda: safemode.handle(words, cluster, cs),
            lambda: snapshots.handle(words, cluster, cs, prepared),
            lambda: s3.handle(words, cluster, cs),
            lambda: certs.handle(words, cluster, cs),
        ):
            out = area()
            if out is not None:
                return out
        return unknown(words)


def main(argv):
    if len(argv) < 4 or argv[3] != "--":
        sys.stderr.write("usage: fake_ozone.py NAMESPACE POD CONTAINER -- CMD ARGS...\n")
        return 2
    namespace, pod_name, container, words = argv[0], argv[1], argv[2], argv[4:]
    try:
        out = respond(namespace, pod_name, container, words)
    except Exception:  # a bug of the fake must show, not pass for an Ozone answer
        sys.stderr.write("fake ozone: internal error\n" + traceback.format_exc())
        return 70
    sys.stdout.write(out.stdout)
    sys.stderr.write(out.stderr)
    sys.stdout.flush()
    return out.code
