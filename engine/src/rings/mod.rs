//! OM and SCM rings: bringing new members into a running Ratis ring.

pub mod bootstrap;
