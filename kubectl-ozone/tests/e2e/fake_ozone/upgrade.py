"""Upgrades: `ozone admin om prepare|cancelprepare`, `ozone admin om|scm finalizeupgrade|
finalizationstatus`, `ozone admin upgrade ...` (absent before rolling-upgrade releases) and
`ozone version`.

Finalization follows the images: the layout a component has finalized is remembered (the
layout of the version it first ran); while its pods run a release whose layout is higher, it
reports FINALIZATION_REQUIRED; finalizeupgrade starts finalization, the next status poll answers
FINALIZATION_IN_PROGRESS and the one after FINALIZATION_DONE (FakeOzone's default). Releases
sharing a layout (2.1.0 and 2.1.1; 2.2.0 and 2.2.1) need no finalization: ALREADY_FINALIZED, as
storage/src/versions.rs assumes. OMs stay prepared until cancelprepare or until every OM pod
runs with --upgrade/--downgrade (which deletes the prepare marker, operations §1.1)."""
from .common import fail, ok
from . import rings

# (om layout, hdds layout) per release: operations §1.3, as storage/src/versions.rs.
LAYOUTS = {
    "2.0.0": (8, 8), "2.1.0": (8, 9), "2.1.1": (8, 9), "2.2.0": (9, 10), "2.2.1": (9, 10),
}


def _layout(cluster, component):
    """The highest layout the component's running pods support (None: unknown versions)."""
    index = 0 if component == "om" else 1
    best = None
    pods = cluster.of(component) + (cluster.of("datanode") if component == "scm" else [])
    for p in pods:
        if p.running and not p.held and p.version in LAYOUTS:
            value = LAYOUTS[p.version][index]
            best = value if best is None else max(best, value)
    return best


def _fin(cluster, cs, component):
    fin = cs.setdefault("finalization", {}).setdefault(component, {})
    running = _layout(cluster, component)
    if "layout" not in fin and running is not None:
        fin["layout"] = running
        fin["phase"] = "none"
    return fin, running


def prepare_output(hosts, prepared):
    out = "Ozone Manager Prepare Request successfully returned with Transaction Id : [1234].\n"
    for h in hosts:
        out += "OM : [%s:9862], Prepare Status : [%s], Current Transaction Id : [1234]\n" % (
            h, "PREPARE_COMPLETED" if prepared else "NOT_PREPARED")
    return out + (
        "OM Preparation successful!\nAll OMs are prepared\nNo new write requests will be allowed "
        "until preparation is cancelled or upgrade/downgrade is done.\n")


def om_prepared(cluster, cs):
    """Whether OM refuses writes (prepared, and not restarted with --upgrade since)."""
    prep = cs.get("prepare", {})
    if not prep.get("prepared"):
        return False
    oms = [p for p in cluster.of("om") if p.running]
    if oms and all(p.upgrade_args for p in oms):
        prep["prepared"] = False
    return prep.get("prepared", False)


def handle(words, cluster, cs):
    if words == ["ozone", "version"] or words[:2] == ["ozone", "version"]:
        return None  # answered in main (needs the pod)
    if words[:3] == ["ozone", "admin", "upgrade"]:
        # No release in the table has the rolling-upgrade commands: picocli rejects them.
        return fail("Unmatched argument at index 1: 'upgrade'\nDid you mean: ozone admin om?", code=2)
    if words[:2] != ["ozone", "admin"] or len(words) < 4 or words[2] not in ("om", "scm"):
        return None
    component, verb, rest = words[2], words[3], words[4:]
    if component == "om" and verb == "prepare":
        hosts = [cluster.host("om", n) for n in rings.members(cluster, cs, "om")]
        cs.setdefault("prepare", {})["prepared"] = True
        return ok(prepare_output(hosts, True))
    if component == "om" and verb == "cancelprepare":
        cs.setdefault("prepare", {})["prepared"] = False
        return ok("Cancel prepare succeeded, cluster can now accept write requests.\n")
    if verb == "finalizationstatus":
        fin, running = _fin(cluster, cs, component)
        if fin.get("phase") == "started":
            fin["phase"] = "done"
            fin["layout"] = running if running is not None else fin.get("layout")
            return ok("FINALIZATION_IN_PROGRESS\n")
        if running is not None and running > fin.get("layout", running):
            return ok("FINALIZATION_REQUIRED\n")
        return ok("FINALIZATION_DONE\n" if fin.get("phase") == "done" else "ALREADY_FINALIZED\n")
    if verb == "finalizeupgrade":
        fin, running = _fin(cluster, cs, component)
        if fin.get("phase") == "started" and "--takeover" not in rest:
            return fail("Error: Finalization is already in progress, it is not possible to initiate it again.")
        if running is None or running <= fin.get("layout", running):
            return ok("Upgrade has already been finalized.\nExiting...\n")
        fin["phase"] = "started"
        title = "Ozone Manager" if component == "om" else "Storage Container Manager"
        return ok("Finalization started.\nExiting...\nFinalization of %s's metadata upgrade finished.\n" % title)
    return None


def version(pod):
    v = pod.version if pod is not None else None
    if v is None:
        return fail("ozone: cannot tell the version of image %s" % (pod.image if pod else "?"))
    return ok(
        "Apache Ozone %s\nSource code repository https://github.com/apache/ozone.git -r 0000000\n"
        "Compiled with protoc 3.25.5\n\nUsing HDDS %s\n" % (v, v))
