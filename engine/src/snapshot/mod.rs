//! Ozone snapshots: create, list, delete and diff, through the Ozone CLI in the OM pods.
