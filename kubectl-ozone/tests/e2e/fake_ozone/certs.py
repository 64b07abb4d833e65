"""`ozone admin cert list` (reference §6): SCM's CA only exists on a secure cluster, so
elsewhere the command fails as Ozone's does when SCM has no certificate server. On a secure one:
one certificate per running pod of the role, in the documented JSON shape."""
from .common import fail, ok, pretty


def handle(words, cluster, cs):
    if words[:4] != ["ozone", "admin", "cert", "list"]:
        return None
    if not cluster.secured:
        return fail("Error: Security is not enabled: SCM has no certificate server "
                    "(ozone.security.enabled is false).")
    # ListSubcommand: --role defaults to datanode, --count to 20, --start (serial) to 0.
    role, count, start = "datanode", 20, 0
    for i, w in enumerate(words[:-1]):
        if w in ("--role", "-r"):
            # parseCertRole: om, scm, anything else is datanode.
            role = words[i + 1].lower() if words[i + 1].lower() in ("om", "scm") else "datanode"
        elif w in ("--count", "-c"):
            count = int(words[i + 1])
        elif w in ("--start", "-s"):
            start = int(words[i + 1])
    items = []
    for r in [role]:
        for p in cluster.of(r):
            items.append({
                "serialNumber": 1763900000000 + 1000 * ["om", "datanode", "scm"].index(r) + max(p.ordinal, 0),
                "validFrom": "2026-11-23T13:00:00Z", "expiry": "2027-11-23T13:00:00Z",
                "subjectDN": {"CN": "%s@%s" % (r, cluster.host(r, p.name)), "O": "CID-" + cluster.name},
                "issuerDN": {"CN": "scm-sub@%s" % cluster.host("scm", cluster.name + "-scm-0"),
                             "O": "CID-" + cluster.name},
            })
    items = [c for c in items if c["serialNumber"] >= start][:count]
    if "--json" in words:
        return ok(pretty(items))
    lines = ["%-17s %-30s %-30s %-110s %-110s" % ("SerialNumber", "Valid From", "Expiry", "Subject", "Issuer")]
    for c in items:
        lines.append("%-17s %-30s %-30s %-110s %-110s" % (
            c["serialNumber"], c["validFrom"], c["expiry"], c["subjectDN"]["CN"], c["issuerDN"]["CN"]))
    return ok("\n".join(lines) + "\n")
