"""`ozone admin datanode ...`: SCM's view of the datanodes, following the datanode pods.

A datanode registers when its pod first runs and keeps its UUID. Its health follows the pod:
HEALTHY while the pod runs, STALE while the pod exists but does not run, DEAD once the pod is
gone (scaled down or deleted: SCM keeps listing a node it lost). The operational state is
Ozone's own: decommission, recommission and maintenance change it; entering maintenance completes
by the next `list`, decommissioning advances one step per `status decommission` poll (like
FakeOzone's work_per_poll: 100 containers, 40 re-replicated per poll) and only while enough other
in-service, healthy datanodes remain to hold the replicas (3 for THREE, 1 for ONE), as SCM's
ReplicationManager cannot re-replicate without targets."""
import uuid

from .common import Out, ok, pretty

INITIAL_WORK = 100
WORK_PER_POLL = 40


def refresh(cluster, cs):
    """Brings the registered datanodes up to date with the pods; returns them in order."""
    dns = cs.setdefault("datanodes", {})
    pods = {p.name: p for p in cluster.of("datanode")}
    for p in pods.values():
        if p.running and p.name not in dns:
            dns[p.name] = {
                "uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, cluster.host("datanode", p.name))),
                "op": "IN_SERVICE",
                "work_left": 0,
            }
    for name, d in dns.items():
        p = pods.get(name)
        d["health"] = "DEAD" if p is None else ("HEALTHY" if p.running else "STALE")
        d["host"] = cluster.host("datanode", name)
    return [dict(d, pod=n) for n, d in sorted(dns.items(), key=lambda kv: _ordinal(kv[0]))]


def _ordinal(name):
    tail = name.rsplit("-", 1)[-1]
    return (int(tail) if tail.isdigit() else 1 << 30, name)


def info_json(d):
    """One entry of `datanode list --json` (`BasicDatanodeInfo`, reference §6)."""
    return {
        "id": d["uuid"], "hostName": d["host"], "ipAddress": "10.1.0.%d" % (_ordinal(d["pod"])[0] % 250),
        "ports": [{"name": "HTTP", "value": 9882}, {"name": "RATIS", "value": 9858}],
        "setupTime": 1763900000000, "currentVersion": 2,
        "opState": d["op"], "persistedOpState": d["op"], "persistedOpStateExpiryEpochSec": 0,
        "healthState": d["health"], "decommissioned": d["op"] == "DECOMMISSIONED",
        "maintenance": "MAINTENANCE" in d["op"], "level": 3, "cost": 0,
        "numOfLeaves": 1, "networkFullPath": "/default-rack/" + d["uuid"],
        "networkLocation": "/default-rack", "networkName": d["uuid"],
        "used": 1073741824, "capacity": 107374182400, "percentUsed": 1.0,
        "totalVolumeCount": 1, "healthyVolumeCount": 1,
    }


def replicas_needed(cluster):
    return 1 if (cluster.site("ozone.replication") or "THREE").upper() == "ONE" else 3


def handle(words, cluster, cs):
    if words[:3] != ["ozone", "admin", "datanode"]:
        return None
    rest = words[3:]
    dns = refresh(cluster, cs)
    stored = cs["datanodes"]
    if rest[:1] == ["list"]:
        # Entering maintenance completes between polls.
        for d in dns:
            if d["op"] == "ENTERING_MAINTENANCE":
                d["op"] = stored[d["pod"]]["op"] = "IN_MAINTENANCE"
        if "--json" not in rest:
            return ok("".join(_text_block(d) for d in dns))
        return ok(pretty([info_json(d) for d in dns]))
    if rest[:2] == ["status", "decommission"]:
        busy = [d for d in dns if d["op"] == "DECOMMISSIONING"]
        out = _status_text(busy) if "--json" not in rest else pretty([{
            "datanodeDetails": {"uuid": d["uuid"], "hostName": d["host"], "ipAddress": info_json(d)["ipAddress"]},
            "metrics": {
                "decommissionStartTime": "23/11/2026 01:00:00 UTC",  # dd/MM/yyyy hh:mm:ss z
                "numOfUnclosedPipelines": 1 if d["work_left"] > 0 else 0,
                "numOfUnderReplicatedContainers": d["work_left"],
                "numOfUnclosedContainers": 0,
            },
            "containers": {"UnderReplicated": [], "UnClosed": []},
        } for d in busy])
        targets = [d for d in dns if d["op"] == "IN_SERVICE" and d["health"] == "HEALTHY"]
        if len(targets) >= replicas_needed(cluster):
            for d in busy:
                s = stored[d["pod"]]
                s["work_left"] = max(0, s["work_left"] - WORK_PER_POLL)
                if s["work_left"] == 0:
                    s["op"] = "DECOMMISSIONED"
        return ok(out)
    if rest[:1] and rest[0] in ("decommission", "recommission", "maintenance"):
        verb = rest[0]
        hosts = rest[rest.index("--") + 1:] if "--" in rest else [w for w in rest[1:] if not w.startswith("-")]
        state, header = {
            "decommission": ("DECOMMISSIONING", "Started decommissioning datanode(s):"),
            "recommission": ("IN_SERVICE", "Started recommissioning datanode(s):"),
            "maintenance": ("ENTERING_MAINTENANCE", "Entering maintenance mode on datanode(s):"),
        }[verb]
        errors = []
        for h in hosts:
            match = [d for d in dns if d["host"] == h or d["host"].split(".")[0] == h.split(":")[0]]
            if not match:
                errors.append("Error: %s: Host %s is not found" % (h, h))
                continue
            s = stored[match[0]["pod"]]
            s["op"] = state
            s["work_left"] = INITIAL_WORK if verb == "decommission" else 0
        out = header + "\n" + "".join(h + "\n" for h in hosts)
        if errors:
            # DecommissionSubCommand: errors per host, then an IOException, exit 1.
            return Out(out, "\n".join(errors) + "\nSome nodes could not start the %s workflow.\n" % verb, 1)
        return ok(out)
    return None


def _text_block(d):
    return (
        "Datanode: %s (/default-rack/%s/%s/1 pipelines)\n"
        "Operational State: %s\nHealth State: %s\nRelated pipelines:\nNo related pipelines.\n"
        "Capacity: 107374182400\nUsed: 1073741824\nPercentage Used : 1.00%%\n\n"
        % (d["uuid"], info_json(d)["ipAddress"], d["host"], d["op"], d["health"])
    )


def _status_text(busy):
    """DecommissionStatusSubCommand without --json (reference §6)."""
    out = "Decommission Status: DECOMMISSIONING - %d node(s)\n" % len(busy)
    for d in busy:
        out += (
            "\nDatanode: %s (/default-rack/%s/%s)\nDecommission Started At : 23/11/2026 01:00:00 UTC\n"
            "No. of Unclosed Pipelines: %d\nNo. of UnderReplicated Containers: %d\n"
            "No. of Unclosed Containers: 0\n{UnderReplicated=[], UnClosed=[]}\n"
            % (d["uuid"], info_json(d)["ipAddress"], d["host"], 1 if d["work_left"] > 0 else 0,
               d["work_left"]))
    return out
