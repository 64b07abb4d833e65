"""`ozone sh volume|bucket create` and `ozone sh snapshot ...` (reference §6), a port of
FakeOzone's snapshot and bucket arms. Volumes and buckets are what a user (or test) created with
`kubectl exec POD -- ozone sh volume|bucket create`; /s3v exists from the start, as in Ozone.
Snapshot diffs finish at once with an empty report unless files changed, which this fake does not
track: the report of two snapshots of an unchanged bucket is empty."""
from .common import fail, ok, om_failure, pretty

PREPARED = ("NOT_SUPPORTED_OPERATION_WHEN_PREPARED Cannot perform this operation: the cluster is "
            "prepared for an upgrade")


def _store(cs):
    store = cs.setdefault("objects", {})
    store.setdefault("volumes", ["s3v"])
    store.setdefault("buckets", [])
    store.setdefault("snapshots", [])
    return store


def snapshot_json(s):
    vol, bucket = s["bucket"].split("/", 1)
    n = s["name"]
    return {
        "volumeName": vol, "bucketName": bucket, "name": n, "creationTime": s["created"],
        "snapshotStatus": "SNAPSHOT_ACTIVE", "snapshotId": "id-" + n,
        "snapshotPath": "%s/%s" % (vol, bucket), "checkpointDir": "-id-" + n,
        "referencedSize": s["referenced"], "referencedReplicatedSize": s["referenced"] * 3,
        "exclusiveSize": s["exclusive"], "exclusiveReplicatedSize": s["exclusive"] * 3,
    }


def handle(words, cluster, cs, prepared):
    if words[:2] != ["ozone", "sh"] or len(words) < 4:
        return None
    store = _store(cs)
    kind, verb, path, rest = words[2], words[3], words[4] if len(words) > 4 else "", words[5:]
    if kind == "volume" and verb == "create":
        volume = path.strip("/")
        if prepared:
            return om_failure(PREPARED)
        if volume in store["volumes"]:
            return om_failure("VOLUME_ALREADY_EXISTS Volume already exists")
        store["volumes"].append(volume)
        return ok()
    if kind == "bucket" and verb == "create":
        bucket = path.strip("/")
        volume = bucket.split("/", 1)[0]
        if prepared:
            return om_failure(PREPARED)
        if volume not in store["volumes"]:
            return om_failure("VOLUME_NOT_FOUND Volume %s is not found" % volume)
        if bucket in store["buckets"]:
            return om_failure("BUCKET_ALREADY_EXISTS Bucket already exists: %s" % bucket)
        store["buckets"].append(bucket)
        return ok()
    if kind == "bucket" and verb in ("list", "ls"):
        volume = [w for i, w in enumerate(words[4:]) if not w.startswith("-")
                  and not (i > 0 and words[3 + i] in ("--length", "-l", "--start", "-s", "--prefix", "-p"))]
        volume = volume[0].strip("/") if volume else ""
        if volume not in store["volumes"]:
            return om_failure("VOLUME_NOT_FOUND Volume %s is not found" % volume)
        items = [{"metadata": {}, "volumeName": volume, "name": b.split("/", 1)[1],
                  "storageType": "DISK", "versioning": False,
                  "creationTime": "2026-11-30T10:00:00.000Z"}
                 for b in sorted(store["buckets"]) if b.split("/", 1)[0] == volume]
        if "--all" not in words and "-a" not in words:
            items = items[:int(_option(words, "--length", "-l") or 100)]
        return ok(pretty(items))
    if kind != "snapshot":
        return None
    bucket = path.strip("/")
    volume = bucket.split("/", 1)[0]
    if volume not in store["volumes"]:
        return om_failure("VOLUME_NOT_FOUND Volume %s is not found" % volume)
    if bucket not in store["buckets"]:
        return om_failure("BUCKET_NOT_FOUND Bucket not found: %s" % bucket)
    snaps = store["snapshots"]

    def find(name):
        return next((i for i, s in enumerate(snaps) if s["bucket"] == bucket and s["name"] == name), None)

    def missing(name):
        return om_failure("FILE_NOT_FOUND Snapshot does not exist: /%s/%s" % (bucket, name))

    if verb in ("list", "ls"):
        # ListLimitOptions: at most --length/-l (default 100) unless --all/-a; --start/-s lists
        # the names after the one given; --prefix/-p filters.
        prefix = _option(rest, "--prefix", "-p")
        start = _option(rest, "--start", "-s")
        limit = None if ("--all" in rest or "-a" in rest) else int(_option(rest, "--length", "-l") or 100)
        # OM walks its snapshot table, keyed /volume/bucket/name: name order.
        items = [snapshot_json(s) for s in sorted(snaps, key=lambda s: s["name"]) if s["bucket"] == bucket
                 and (prefix is None or s["name"].startswith(prefix))
                 and (start is None or s["name"] > start)]
        return ok(pretty(items if limit is None else items[:limit]))
    if verb == "info" and len(rest) == 1:
        i = find(rest[0])
        return missing(rest[0]) if i is None else ok(pretty(snapshot_json(snaps[i])))
    if verb in ("create", "rename", "delete") and prepared:
        return om_failure(PREPARED)
    if verb == "create" and len(rest) <= 1:
        name = rest[0] if rest else "s%d" % (1763900000 + len(snaps))
        if find(name) is not None:
            return om_failure("FILE_ALREADY_EXISTS Snapshot already exists: /%s/%s" % (bucket, name))
        serial = store["snapshot_serial"] = store.get("snapshot_serial", 0) + 1
        snaps.append({"bucket": bucket, "name": name, "created": 1763900000000 + 1000 * serial,
                      "referenced": 1073741824, "exclusive": 0})
        return ok("Created snapshot '%s' under '%s'.\n" % (name, bucket))
    if verb == "rename" and len(rest) == 2:
        src, dst = rest
        i = find(src)
        if i is None:
            return missing(src)
        if find(dst) is not None:
            return om_failure("FILE_ALREADY_EXISTS Snapshot already exists: /%s/%s" % (bucket, dst))
        snaps[i]["name"] = dst
        return ok()
    if verb == "delete" and len(rest) == 1:
        i = find(rest[0])
        if i is None:
            return missing(rest[0])
        snaps.pop(i)
        return ok()
    if verb in ("diff", "snapshotDiff") and len(rest) >= 2:
        src, dst = rest[0], rest[1]
        if "--json" not in rest:
            # Reference §6 gives only the --json shape; a text answer would be a guess.
            return fail("fake ozone: snapshot diff without --json is not modelled", code=2)
        for name in (src, dst):
            if find(name) is None:
                return missing(name)
        vol, b = bucket.split("/", 1)
        report = {"volumeName": vol, "bucketName": b, "fromSnapshot": src, "toSnapshot": dst,
                  "diffList": []}
        return ok(pretty({"snapshotDiffReport": report, "jobStatus": "DONE"}))
    return None


def _option(words, *names):
    for i, w in enumerate(words):
        if w in names and i + 1 < len(words):
            return words[i + 1]
    return None
