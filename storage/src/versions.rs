//! The Ozone releases kubectl-ozone knows, and what upgrading to each involves
//! (operations reference §1): its `apache/ozone` image tag, whether an HA OM ring must be
//! prepared before the stop, how it is finalized, and the layout versions finalization moves
//! to (§1.3).
//!
//! Every release here upgrades non-rolling only (§1.1): rolling "zero-downtime" upgrades exist
//! on a feature branch, not in a release (§1.4). [`Finalize::Cluster`] is there so the day a
//! release ships `ozone admin upgrade finalize`, one table row says so.

use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;

/// A release number `major.minor.patch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Version {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl Version {
    /// Parses `X.Y.Z` (digits only; no suffix such as `-SNAPSHOT` or `-rocky`).
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split('.');
        let mut next = || -> Option<u32> {
            let p = parts.next()?;
            if p.is_empty() || p.len() > 6 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let v = Version {
            major: next()?,
            minor: next()?,
            patch: next()?,
        };
        parts.next().is_none().then_some(v)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How a release is finalized after an upgrade to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Finalize {
    /// `ozone admin scm finalizeupgrade`, then `ozone admin om finalizeupgrade` (§1.1 steps
    /// 5–6); status from `ozone admin om|scm finalizationstatus`. Every release so far.
    ScmThenOm,
    /// `ozone admin upgrade finalize --wait`, status from `ozone admin upgrade status --json`
    /// (§1.4). No release yet.
    Cluster,
}

/// One released version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    /// The version, as `spec.version` names it.
    pub version: &'static str,
    /// The tag of the `apache/ozone` image.
    pub image_tag: &'static str,
    /// Whether an OM ring of more than one member must be prepared (`ozone admin om prepare`)
    /// before it is stopped for an upgrade or downgrade: every release from 1.2.0 on (§1.1
    /// step 1; rolling releases drop it, §1.4).
    pub om_prepare: bool,
    /// Whether OMs start with `--upgrade` / `--downgrade` after the image changed (§1.1 step 4).
    pub om_upgrade_flag: bool,
    /// How it is finalized.
    pub finalize: Finalize,
    /// Highest OM layout version (`OMLayoutFeature`), §1.3.
    pub om_layout: u32,
    /// Highest HDDS layout version (`HDDSLayoutFeature`), §1.3.
    pub hdds_layout: u32,
}

impl Release {
    /// The parsed version.
    pub fn parsed(&self) -> Version {
        // The table is checked by a test to parse.
        Version::parse(self.version).unwrap_or(Version {
            major: 0,
            minor: 0,
            patch: 0,
        })
    }

    /// The finalize commands, as words.
    pub fn finalize_commands(&self) -> &'static [&'static str] {
        match self.finalize {
            Finalize::ScmThenOm => &[
                "ozone admin scm finalizeupgrade",
                "ozone admin om finalizeupgrade --service-id <id>",
            ],
            Finalize::Cluster => &["ozone admin upgrade finalize --wait"],
        }
    }
}

const NON_ROLLING: Release = Release {
    version: "",
    image_tag: "",
    om_prepare: true,
    om_upgrade_flag: true,
    finalize: Finalize::ScmThenOm,
    om_layout: 0,
    hdds_layout: 0,
};

/// The releases, oldest first. Layout versions from §1.3; 2.2.1 is a patch release of 2.2.0
/// and is assumed to add no layout feature (the reference does not list it).
pub const RELEASES: &[Release] = &[
    Release {
        version: "2.0.0",
        image_tag: "2.0.0",
        om_layout: 8,
        hdds_layout: 8,
        ..NON_ROLLING
    },
    Release {
        version: "2.1.0",
        image_tag: "2.1.0",
        om_layout: 8,
        hdds_layout: 9,
        ..NON_ROLLING
    },
    Release {
        version: "2.1.1",
        image_tag: "2.1.1",
        om_layout: 8,
        hdds_layout: 9,
        ..NON_ROLLING
    },
    Release {
        version: "2.2.0",
        image_tag: "2.2.0",
        om_layout: 9,
        hdds_layout: 10,
        ..NON_ROLLING
    },
    Release {
        version: "2.2.1",
        image_tag: "2.2.1",
        om_layout: 9,
        hdds_layout: 10,
        ..NON_ROLLING
    },
];

/// The newest release: what a spec without `version` renders.
pub fn newest() -> &'static Release {
    &RELEASES[RELEASES.len() - 1]
}

/// The release named `version` (exactly as the table spells it, spaces trimmed).
pub fn find(version: &str) -> Option<&'static Release> {
    RELEASES.iter().find(|r| r.version == version.trim())
}

/// The known versions, comma-separated, for error messages.
pub fn known() -> String {
    RELEASES
        .iter()
        .map(|r| r.version)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The version an `apache/ozone` image reference runs (`apache/ozone:2.2.0` → 2.2.0; a
/// flavoured tag such as `2.1.1-rocky` → 2.1.1). `None` for an image whose tag is not a
/// release number, or a digest.
pub fn version_of_image(image: &str) -> Option<Version> {
    let last = image.rsplit('/').next()?;
    let (_, tag) = last.split_once(':')?;
    let tag = tag.split('@').next()?;
    let number = tag.split_once('-').map_or(tag, |(n, _)| n);
    Version::parse(number)
}

/// Whether moving from `from` to `to` is an upgrade, a downgrade, or no change.
pub fn direction(from: Version, to: Version) -> Direction {
    match to.cmp(&from) {
        Ordering::Greater => Direction::Upgrade,
        Ordering::Less => Direction::Downgrade,
        Ordering::Equal => Direction::Same,
    }
}

/// Which way a version change goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// To a newer release.
    Upgrade,
    /// Back to an older release: only while not finalized.
    Downgrade,
    /// No change.
    Same,
}

impl Direction {
    /// The OM start argument for this direction (§1.1 step 4: identical in effect).
    pub fn om_flag(self) -> Option<&'static str> {
        match self {
            Direction::Upgrade => Some("--upgrade"),
            Direction::Downgrade => Some("--downgrade"),
            Direction::Same => None,
        }
    }

    /// As people say it.
    pub fn noun(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
            Direction::Same => "no change",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_table_is_ordered_parses_and_ends_with_the_default() {
        let versions: Vec<Version> = RELEASES
            .iter()
            .map(|r| Version::parse(r.version).expect(r.version))
            .collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
        assert_eq!(newest().version, crate::DEFAULT_OZONE_VERSION);
        for r in RELEASES {
            assert_eq!(
                version_of_image(&format!("apache/ozone:{}", r.image_tag)),
                Some(r.parsed())
            );
            // Every release so far is non-rolling (operations §1.1, §1.4).
            assert!(r.om_prepare && r.om_upgrade_flag);
            assert_eq!(r.finalize, Finalize::ScmThenOm);
        }
        // Layout versions only grow (§1.3).
        assert!(
            RELEASES
                .windows(2)
                .all(|w| w[0].om_layout <= w[1].om_layout && w[0].hdds_layout <= w[1].hdds_layout)
        );
        assert_eq!(find("2.1.1").unwrap().hdds_layout, 9);
        assert!(find("2.3.0").is_none());
        assert_eq!(known(), "2.0.0, 2.1.0, 2.1.1, 2.2.0, 2.2.1");
    }

    #[test]
    fn versions_compare_numerically_and_images_name_theirs() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("2.10.0") > v("2.9.9"));
        assert_eq!(direction(v("2.1.1"), v("2.2.1")), Direction::Upgrade);
        assert_eq!(direction(v("2.2.1"), v("2.2.0")), Direction::Downgrade);
        assert_eq!(direction(v("2.2.1"), v("2.2.1")), Direction::Same);
        assert_eq!(Direction::Downgrade.om_flag(), Some("--downgrade"));
        assert_eq!(
            version_of_image("registry.example:5000/apache/ozone:2.1.1-rocky"),
            Some(v("2.1.1"))
        );
        assert_eq!(version_of_image("apache/ozone"), None);
        assert_eq!(version_of_image("apache/ozone:latest"), None);
        for bad in ["2.2", "2.2.0.1", "2.2.x", "", "2..0", "-1.0.0"] {
            assert_eq!(Version::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in ".{0,40}") {
            let _ = Version::parse(&s);
            let _ = version_of_image(&s);
            let _ = find(&s);
        }
    }
}
