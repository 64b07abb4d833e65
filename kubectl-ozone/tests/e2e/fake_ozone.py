#!/usr/bin/env python3
"""Exec handler of the end-to-end suite: plays Apache Ozone inside the pods of a test cluster.

The test harness (or any exec endpoint that can run a program) calls it for every exec into a
pod as

    fake_ozone.py NAMESPACE POD CONTAINER -- CMD ARGS...

with the exec's standard input; what it prints and its exit code are the command's. It answers
the `ozone ...` commands kubectl-ozone runs with the output shapes of reference/ozone.md §6, and
the few other programs the plugin execs (`cat`, `rm -rf`, the restore script). The cluster's
shape (which pods exist, are ready, run which image) comes from the real API server; what only
Ozone would know (operational states, leaders, snapshots, secrets) is kept in one JSON file per
namespace. See fake_ozone/__init__.py for the layout.
"""
import os
import sys

sys.dont_write_bytecode = True  # nothing written into the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_ozone.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
