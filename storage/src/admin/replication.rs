//! Replication policies and how many datanodes each needs in service: RATIS/THREE needs 3,
//! RATIS/ONE 1, an erasure-coded policy `rs-6-3-1024k` its data plus parity units (9).
//!
//! Policies come from the cluster's configuration (`ozone.server.default.replication`,
//! `ozone.replication`, their `.type` keys; reference §2.2) and from the operator, who knows
//! which EC policies buckets use.

use crate::config::keys;
use serde::Serialize;
use std::fmt;

/// A replication policy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub enum Replication {
    /// RATIS (or STANDALONE) with this many copies.
    Copies(u32),
    /// Erasure coding: `codec-data-parity-chunk`.
    Ec {
        /// `rs` or `xor`.
        codec: String,
        /// Data units.
        data: u32,
        /// Parity units.
        parity: u32,
        /// Chunk size as written (`1024k`).
        chunk: String,
    },
}

/// A policy that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown replication {0:?}: use ONE, THREE, or an EC policy such as rs-6-3-1024k, rs-3-2-1024k, xor-2-1-1024k"
)]
pub struct ReplicationError(pub String);

impl Replication {
    /// RATIS/THREE, Ozone's default.
    pub const THREE: Replication = Replication::Copies(3);

    /// Parses `ONE`, `THREE`, `RATIS/THREE`, `3`, or an EC policy `rs-6-3-1024k`
    /// (optionally `EC/rs-6-3-1024k`), case-insensitively.
    pub fn parse(s: &str) -> Result<Replication, ReplicationError> {
        let err = || ReplicationError(s.to_owned());
        let lower = s.trim().to_ascii_lowercase();
        let value = lower
            .strip_prefix("ratis/")
            .or_else(|| lower.strip_prefix("standalone/"))
            .or_else(|| lower.strip_prefix("ec/"))
            .unwrap_or(&lower);
        match value {
            "one" | "1" => return Ok(Replication::Copies(1)),
            "three" | "3" => return Ok(Replication::Copies(3)),
            _ => {}
        }
        let parts: Vec<&str> = value.split('-').collect();
        let [codec, data, parity, chunk] = parts.as_slice() else {
            return Err(err());
        };
        if !matches!(*codec, "rs" | "xor") || !chunk.ends_with('k') {
            return Err(err());
        }
        let data: u32 = data.parse().map_err(|_| err())?;
        let parity: u32 = parity.parse().map_err(|_| err())?;
        if data == 0 || parity == 0 {
            return Err(err());
        }
        Ok(Replication::Ec {
            codec: (*codec).to_owned(),
            data,
            parity,
            chunk: (*chunk).to_owned(),
        })
    }

    /// Datanodes that must be in service and healthy to keep every container fully
    /// replicated.
    pub fn datanodes_needed(&self) -> u32 {
        match self {
            Replication::Copies(n) => *n,
            Replication::Ec { data, parity, .. } => data.saturating_add(*parity),
        }
    }

    /// The policies set in an `ozone-site.xml` key/value view: the server default and the
    /// client default. Values that do not parse are ignored (Ozone would reject them too).
    pub fn from_site<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Vec<Replication> {
        let mut out = Vec::new();
        for (key, type_key) in [
            (
                keys::SERVER_DEFAULT_REPLICATION,
                keys::SERVER_DEFAULT_REPLICATION_TYPE,
            ),
            (keys::REPLICATION, keys::REPLICATION_TYPE),
        ] {
            let Some(value) = get(key) else { continue };
            let policy = match get(type_key).map(str::trim) {
                Some(t) if t.eq_ignore_ascii_case("EC") => format!("ec/{value}"),
                _ => value.to_owned(),
            };
            if let Ok(r) = Replication::parse(&policy) {
                out.push(r);
            }
        }
        out
    }
}

impl fmt::Display for Replication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Replication::Copies(1) => f.write_str("RATIS/ONE"),
            Replication::Copies(3) => f.write_str("RATIS/THREE"),
            Replication::Copies(n) => write!(f, "RATIS/{n}"),
            Replication::Ec {
                codec,
                data,
                parity,
                chunk,
            } => write!(f, "EC/{codec}-{data}-{parity}-{chunk}"),
        }
    }
}

impl From<Replication> for String {
    fn from(r: Replication) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn needs_copies_or_data_plus_parity() {
        assert_eq!(Replication::parse("THREE").unwrap().datanodes_needed(), 3);
        assert_eq!(
            Replication::parse("RATIS/ONE").unwrap().datanodes_needed(),
            1
        );
        let ec = Replication::parse("rs-6-3-1024k").unwrap();
        assert_eq!(ec.datanodes_needed(), 9);
        assert_eq!(ec.to_string(), "EC/rs-6-3-1024k");
        assert_eq!(
            Replication::parse("EC/XOR-2-1-1024k")
                .unwrap()
                .datanodes_needed(),
            3
        );
        for bad in [
            "",
            "TWO",
            "rs-6-3",
            "rs-0-3-1024k",
            "lz-6-3-1024k",
            "rs-a-3-1024k",
        ] {
            assert!(Replication::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_the_site_keys_render_writes() {
        let site = [
            ("ozone.replication", "THREE"),
            ("ozone.server.default.replication", "rs-3-2-1024k"),
            ("ozone.server.default.replication.type", "EC"),
        ];
        let get = |k: &str| site.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let found = Replication::from_site(get);
        assert_eq!(
            found
                .iter()
                .map(Replication::datanodes_needed)
                .collect::<Vec<_>>(),
            vec![5, 3]
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = Replication::parse(&s);
        }
    }
}
