# Runs inside the restore pod of `kubectl ozone recover --from` (the cluster's own image, which
# carries python3), with the component's data volume mounted and no Ozone process running.
# argv[1] is a JSON object: component, backup, size, sha256, clusterId, db (candidate DB paths,
# best first), versionFile, ratis (candidate Ratis log directories). Standard input is the
# checkpoint tarball, streamed by the plugin. Steps, each safe to run again:
#   1. refuse (exit 3, before reading anything) if SCM has no VERSION file to keep its cluster id;
#   2. write stdin to <db>.restore-<backup>.tar.partial, hashing it; size or sha256 that differ
#      from the manifest: remove it, exit 4 (nothing else touched);
#   3. unpack into <db>.restore-<backup>.tmp (only plain files and directories, no path leaving
#      it), and find the shallowest RocksDB directory in it (CURRENT, MANIFEST-*, *.sst); else
#      exit 5;
#   4. move the existing DB aside to <db>.before-restore-<backup> (once: on a re-run the DB in
#      place is this restore's own earlier copy and is removed), move the new one in;
#   5. move each existing Ratis log directory aside the same way (the checkpoint starts a new log);
#   6. if the backup names a cluster id and VERSION names another, keep a copy of VERSION and
#      write the backup's clusterID into it;
#   7. print one JSON line: what arrived and what was moved.
import hashlib, json, os, shutil, sys, tarfile

args = json.loads(sys.argv[1])
backup = args["backup"]
tag = ".restore-" + backup


def fail(code, message):
    sys.stderr.write(message + "\n")
    sys.exit(code)


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


version_file = args["versionFile"]
if args["component"] == "scm" and not os.path.isfile(version_file):
    fail(3, "no SCM VERSION file at %s: SCM was never initialized on this volume, so it has no "
            "cluster id to keep; start the cluster once (SCM's init writes it), then run the "
            "same recover command again" % version_file)

existing = [d for d in args["db"] if os.path.isdir(d) or os.path.isdir(d + ".before-restore-" + backup)]
db = existing[0] if existing else args["db"][0]
parent = os.path.dirname(db)
os.makedirs(parent, exist_ok=True)
partial = db + tag + ".tar.partial"
size, digest = 0, hashlib.sha256()
with open(partial, "wb") as out:
    while size < args["size"]:
        chunk = sys.stdin.buffer.read(min(1 << 20, args["size"] - size))
        if not chunk:
            break
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    out.flush()
    os.fsync(out.fileno())
received = digest.hexdigest()
if size != args["size"] or received != args["sha256"]:
    os.remove(partial)
    fail(4, "the checkpoint arrived damaged: %d bytes with sha256 %s, the manifest says %d bytes "
            "with sha256 %s; nothing was changed" % (size, received, args["size"], args["sha256"]))

tmp = db + tag + ".tmp"
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
with tarfile.open(partial, "r:*") as tar:
    members = []
    for m in tar.getmembers():
        name = os.path.normpath(m.name)
        if name.startswith(("/", "..")) or not (m.isfile() or m.isdir()):
            shutil.rmtree(tmp, ignore_errors=True)
            os.remove(partial)
            fail(5, "the checkpoint holds %r, which is not a plain file or directory inside it; "
                    "nothing was changed" % m.name)
        members.append(m)
    for m in members:
        target = os.path.join(tmp, os.path.normpath(m.name))
        if m.isdir():
            os.makedirs(target, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with tar.extractfile(m) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())


def is_rocksdb(d):
    names = os.listdir(d)
    return ("CURRENT" in names and any(n.startswith("MANIFEST-") for n in names)
            and any(n.endswith(".sst") for n in names))


# The shallowest RocksDB directory is the DB; deeper ones (bucket snapshot checkpoints) go with it.
found = sorted((r.count(os.sep), r) for r, _, _ in os.walk(tmp) if is_rocksdb(r))
if not found or (len(found) > 1 and found[0][0] == found[1][0]):
    shutil.rmtree(tmp, ignore_errors=True)
    os.remove(partial)
    fail(5, "the checkpoint holds %d RocksDB directories at its top level, not one; nothing was "
            "changed" % len([f for f in found if found and f[0] == found[0][0]]))
new_db = found[0][1]

moved = []


def move_aside(path):
    aside = path + ".before-restore-" + backup
    if os.path.lexists(aside):
        # Moved aside by an earlier run of this restore: what is here now is its own copy.
        if os.path.lexists(path):
            shutil.rmtree(path)
    elif os.path.lexists(path):
        os.rename(path, aside)
        moved.append(aside)


move_aside(db)
os.rename(new_db, db)
shutil.rmtree(tmp, ignore_errors=True)
for r in args["ratis"]:
    move_aside(r)
cluster_id = "absent"
if os.path.isfile(version_file):
    cluster_id = "kept"
    want = args.get("clusterId")
    with open(version_file) as f:
        lines = f.read().splitlines()
    ids = [l.split("=", 1)[1].strip() for l in lines if l.startswith("clusterID=")]
    if want and ids != [want]:
        shutil.copyfile(version_file, version_file + ".before-restore-" + backup)
        lines = [l for l in lines if not l.startswith("clusterID=")] + ["clusterID=" + want]
        with open(version_file + tag, "w") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.rename(version_file + tag, version_file)
        cluster_id = "set"
os.remove(partial)
fsync_dir(parent)
print(json.dumps({"received": size, "sha256": received, "db": db, "movedAside": moved,
                  "clusterId": cluster_id}))
