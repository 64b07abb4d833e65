//! The built-in profiles, embedded in the binary so render works offline and on air-gapped
//! machines. The data lives in `profiles/*.yaml` at the top of the repository.

use serde::Serialize;
use std::fmt;

/// A built-in profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Development and testing: no HA, runs on one node.
    Small,
    /// Small production: OM and SCM HA, 5 datanodes.
    Medium,
    /// Production: HA spread over zones, 9 datanodes.
    Large,
}

impl Profile {
    /// Every profile, smallest first.
    pub const ALL: [Profile; 3] = [Profile::Small, Profile::Medium, Profile::Large];

    /// The profile's name.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Small => "small",
            Profile::Medium => "medium",
            Profile::Large => "large",
        }
    }

    /// One line on who the profile is for.
    pub const fn summary(self) -> &'static str {
        match self {
            Profile::Small => "development and testing: 1 SCM, 1 OM, 3 datanodes, runs on one node",
            Profile::Medium => "small production: 3 SCM and 3 OM (HA), 5 datanodes, one per node",
            Profile::Large => "production: 3 SCM and 3 OM (HA) over zones, 9 datanodes",
        }
    }

    /// Looks a profile up by name.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The names of all profiles, for error messages.
    pub fn known_names() -> String {
        Profile::ALL.map(Profile::name).join(", ")
    }

    /// The profile document (`profiles/<name>.yaml`).
    pub const fn source(self) -> &'static str {
        match self {
            Profile::Small => include_str!("../../profiles/small.yaml"),
            Profile::Medium => include_str!("../../profiles/medium.yaml"),
            Profile::Large => include_str!("../../profiles/large.yaml"),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
