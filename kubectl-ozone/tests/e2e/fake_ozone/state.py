"""The fake Ozone's memory: one JSON file per namespace, read and written under an exclusive
flock, so that execs running at the same time see each other's changes one after another.

Location: ${FAKE_OZONE_STATE:-${TMPDIR:-/tmp}/fake-ozone}/<namespace>.json. Test namespaces carry a
random suffix, so a file never outlives its namespace's use; a stale one is harmless to delete."""
import contextlib
import fcntl
import json
import os


def root():
    base = os.environ.get("FAKE_OZONE_STATE") or os.path.join(
        os.environ.get("TMPDIR") or "/tmp", "fake-ozone"
    )
    os.makedirs(base, exist_ok=True)
    return base


@contextlib.contextmanager
def locked(namespace):
    """Yields the namespace's state (a dict) and writes it back when the block ends."""
    path = os.path.join(root(), namespace + ".json")
    with open(path + ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            try:
                with open(path) as f:
                    state = json.load(f)
            except (FileNotFoundError, ValueError):
                state = {}
            yield state
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(state, f, indent=1, sort_keys=True)
            os.replace(tmp, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
