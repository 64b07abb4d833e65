"""`ozone admin safemode status [--verbose] [--all]|exit|wait` (reference §6, no JSON). SCM leaves safe mode
once enough datanodes registered (hdds.scm.safemode.min.datanode from the rendered ConfigMap,
default 3 per reference §2.2) or on `safemode exit`, and stays out until every SCM pod it left
with is replaced (a restarted SCM starts in safe mode again)."""
from . import datanodes
from .common import ok


def handle(words, cluster, cs):
    if words[:3] != ["ozone", "admin", "safemode"] or len(words) < 4:
        return None
    verb = words[3]
    sm = cs.setdefault("safemode", {"out_with": []})
    scm_uids = [p.uid for p in cluster.of("scm") if p.running]
    if sm["out_with"] and not any(u in sm["out_with"] for u in scm_uids):
        sm["out_with"] = []
    registered = sum(1 for d in datanodes.refresh(cluster, cs) if d["health"] == "HEALTHY")
    required = int(cluster.site("hdds.scm.safemode.min.datanode", "3") or 3)
    if registered >= required or verb == "exit":
        sm["out_with"] = sorted(set(sm["out_with"]) | set(scm_uids))
    out_of = bool(sm["out_with"])
    if verb == "exit":
        return ok("SCM exit safe mode successfully.\n")
    if verb == "wait":
        return ok("SCM is out of safe mode.\n") if out_of else ok("SCM is in safe mode.\n")
    if verb != "status":
        return None
    if "--all" in words or "-a" in words:
        # Reference §6: one line per SCM, `<scmClientAddress> [<nodeId>]: in|out of safe mode`.
        state = "out of safe mode" if out_of else "in safe mode"
        return ok("".join("%s:9860 [%s]: %s\n" % (cluster.host("scm", p.name), p.name, state)
                          for p in cluster.of("scm") if p.running))
    text = "SCM is %s safe mode.\n" % ("out of" if out_of else "in")
    service = cluster.service_id("scm")
    if service:
        text = "Service ID: %s\n" % service + text
    if "--verbose" in words:
        text += (
            "validated:%s, DataNodeSafeModeRule, registered datanodes (=%d) >= required datanodes (=%d)\n"
            "validated:true, RatisContainerSafeModeRule, 100.00%% of [Ratis] Containers(0 / 0) with at "
            "least one reported replica (=1.00) >= safeModeCutoff (=0.99)\n"
            % ("true" if registered >= required else "false", registered, required))
    return ok(text)
