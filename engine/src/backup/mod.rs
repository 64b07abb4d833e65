//! Backups of OM and SCM metadata: checkpoints streamed out of pods, listed and verified.
