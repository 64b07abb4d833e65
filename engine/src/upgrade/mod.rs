//! Version upgrades: prepare, stop, start with `--upgrade`, and finalize, resumable from the
//! records the cluster keeps.
