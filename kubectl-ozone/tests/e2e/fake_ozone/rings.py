"""The OM and SCM Raft rings: `ozone admin om|scm roles --json`, `transfer`, `decommission`.

Members follow the pods, as FakeOzone's RingPods: the ring forms from the pods the StatefulSet
asked for when it is first seen (ordinals below spec.replicas, as the rendered ozone.om.nodes /
ozone.scm.nodes list them). A ready pod that is not held (`sleep infinity`) is a member while it
is an initial member or has joined since; a new pod joins only by bootstrapping (OM: started with
`--bootstrap`; SCM: init containers run `ozone scm --bootstrap` and the pod is not the primordial
node, unless ozone.scm.primordial.node.id names another). `rm -rf` of a pod's metadata (files.py)
takes it out until it bootstraps again; `decommission` takes it out until its pod goes away and
a new one bootstraps. Node ids are the pod names (render's ozone.*.nodes). The leader is kept
and moves on `transfer`; when it is no member any more, the lowest member leads."""
from .common import fail, ok, pretty


def _ring(cs, component):
    return cs.setdefault("rings", {}).setdefault(component, {
        "formed": False, "initial": [], "joined": [], "wiped": [], "decommissioned": [],
        "leader": None,
    })


def _bootstraps(cluster, component, pod):
    if component == "om":
        return pod.bootstrap_args
    primordial = cluster.name + "-scm-0"
    overridden = any(v != pod.name for v in pod.init_primordial) or (
        pod.primordial_override is not None and pod.primordial_override != pod.name)
    return pod.init_bootstrap and (pod.name != primordial or overridden)


def members(cluster, cs, component):
    """The ring's members now (pod names, by ordinal), updating the stored ring."""
    ring = _ring(cs, component)
    pods = cluster.of(component)
    if not ring["formed"] and pods:
        wanted = cluster.replicas.get(component, len(pods))
        ring["initial"] = sorted(p.name for p in pods if 0 <= p.ordinal < wanted)
        ring["formed"] = True
    existing = {p.name for p in pods}
    # A pod that went away comes back as a new server: it must bootstrap to join.
    for key in ("initial", "joined", "decommissioned"):
        ring[key] = [n for n in ring[key] if n in existing]
    result = []
    for p in pods:
        if not p.ready or p.held:
            continue
        boots = _bootstraps(cluster, component, p)
        if p.name in ring["wiped"] or p.name in ring["decommissioned"]:
            member = boots and p.name in ring["wiped"]
            if member:
                ring["wiped"].remove(p.name)
                ring["joined"].append(p.name)
        elif p.name in ring["initial"] or p.name in ring["joined"]:
            member = True
        else:
            member = boots
            if boots:
                ring["joined"].append(p.name)
        if member:
            result.append(p.name)
    if ring["leader"] not in result:
        ring["leader"] = result[0] if result else None
    return result


def wiped(cs, component, pod):
    ring = _ring(cs, component)
    if pod not in ring["wiped"]:
        ring["wiped"].append(pod)
    ring["joined"] = [n for n in ring["joined"] if n != pod]


def handle(words, cluster, cs):
    if words[:2] != ["ozone", "admin"] or len(words) < 4 or words[2] not in ("om", "scm"):
        return None
    component, verb, rest = words[2], words[3], words[4:]
    if verb not in ("roles", "getserviceroles", "transfer", "decommission"):
        return None
    ring = members(cluster, cs, component)
    leader = _ring(cs, component)["leader"]
    if verb in ("roles", "getserviceroles"):
        role = lambda n: "LEADER" if n == leader else "FOLLOWER"  # noqa: E731
        if "--table" in rest:
            return fail("fake ozone: roles --table is not modelled (reference §6 gives no layout)", code=2)
        if "--json" not in rest:
            # Reference §6: SCM `host:ratisPort:ROLE:nodeId:hostIP`, OM `nodeId : ROLE (hostname)`.
            if component == "scm":
                return ok("".join("%s:9894:%s:%s:%s\n" % (cluster.host("scm", n), role(n), n, _ip(cluster, n))
                                  for n in ring))
            return ok("".join("%s : %s (%s)\n" % (n, role(n), cluster.host("om", n)) for n in ring))
        if component == "scm":
            out = {}
            for n in ring:
                host = cluster.host("scm", n)
                out[host] = {"address": host + ":9894", "raftPeerRole": role(n), "ID": n,
                             "InetAddress": _ip(cluster, n)}
            return ok(pretty(out))
        return ok(pretty([{n: {"serverRole": role(n), "hostname": cluster.host("om", n)}} for n in ring]))
    if verb == "transfer":
        target = _option(rest, "--new-leader-id", "-n")
        if "--random" in rest or "-r" in rest:
            others = [n for n in ring if n != leader]
            target = others[0] if others else None
        if target not in ring:
            return fail("Error: unknown node id %s" % target)
        _ring(cs, component)["leader"] = target
        return ok("Transfer leadership successfully to %s.\n" % target)
    # decommission
    node = _option(rest, "--nodeid")
    host = _option(rest, "--node-host-address")
    if node not in ring:
        return fail("Error: %s is not a member of the ring" % node)
    if host is not None and host != cluster.host(component, node):
        return fail("Error: %s is at %s, not %s" % (node, cluster.host(component, node), host))
    if node == leader:
        return fail("Error: cannot decommission %s: it is the leader; transfer leadership first" % node)
    _ring(cs, component)["decommissioned"].append(node)
    return ok("Successfully decommissioned %s %s\n" % (component.upper(), node))


def _option(words, *names):
    for i, w in enumerate(words):
        if w in names and i + 1 < len(words):
            return words[i + 1]
        for n in names:
            if w.startswith(n + "="):
                return w.split("=", 1)[1]
    return None


def _ip(cluster, pod):
    return "10.2.0.%d" % (cluster.pod(pod).ordinal % 250)
