//! Recovery: rebuilding a lost OM/SCM ring member and restoring metadata from a backup.
