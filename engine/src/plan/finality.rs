//! Where a cluster stands after an upgrade — pre-finalized, finalizing, finalized — and
//! whether a downgrade is possible, as one function of the same facts: what Ozone answers
//! (`ozone admin om|scm finalizationstatus`, or the cluster-wide `upgrade status`, operations
//! §1.2 and §1.4), the upgrade record, and the layout versions of the releases (§1.3).
//! `upgrade` ends with it, `upgrade status` prints it and a downgrade is refused by it, so they
//! cannot disagree.
//!
//! Finalization moves a component's on-disk layout to the newest its software knows; an
//! older release refuses to start on a layout newer than its own (§1.3, "Rule"). So going
//! back is possible while a component is not finalized, and also after it finalized when the
//! older release has the same layout (a patch release such as 2.2.0 → 2.2.1: Ozone answers
//! `ALREADY_FINALIZED` right after the upgrade, there being nothing to finalize).

use super::upgrade::Record;
use ozone_storage::Component;
use ozone_storage::versions::{self, Version};
use serde::Serialize;

/// One component's finalization, from either status command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// New software on an older layout (`FINALIZATION_REQUIRED`, `UNFINALIZED`).
    Required,
    /// Finalization started and has not finished (`STARTING_FINALIZATION`,
    /// `FINALIZATION_IN_PROGRESS`, `IN_PROGRESS`).
    Running,
    /// The layout is the software's (`ALREADY_FINALIZED`, `FINALIZATION_DONE`, `FINALIZED`).
    Finalized,
}

impl Status {
    /// Parses an enum name of `UpgradeFinalization.Status` (§1.2) or of the cluster-wide
    /// `FinalizationStatus` (§1.4).
    pub fn parse(s: &str) -> Option<Status> {
        match s.trim() {
            "FINALIZATION_REQUIRED" | "UNFINALIZED" => Some(Status::Required),
            "STARTING_FINALIZATION" | "FINALIZATION_IN_PROGRESS" | "IN_PROGRESS" => {
                Some(Status::Running)
            }
            "ALREADY_FINALIZED" | "FINALIZATION_DONE" | "FINALIZED" => Some(Status::Finalized),
            _ => None,
        }
    }
}

/// The facts a standing is made of.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The version the workloads run (the SCM's image).
    pub running: Option<Version>,
    /// The last upgrade (or downgrade) recorded on the cluster.
    pub record: Option<Record>,
    /// What Ozone answered for OM (`None`: no answer).
    pub om: Option<String>,
    /// What Ozone answered for SCM.
    pub scm: Option<String>,
}

/// The overall state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// New software on the old layout: reads and writes work, a downgrade is possible.
    PreFinalized,
    /// Finalization started (or finished for one component only where it changed the layout).
    Finalizing,
    /// Every component runs its software's layout.
    Finalized,
    /// Ozone did not answer.
    Unknown,
}

/// Where the cluster stands, in words and as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    /// The state.
    pub state: State,
    /// One sentence: the state and why.
    pub summary: String,
    /// Whether a downgrade is possible: the command, or why not.
    pub downgrade: String,
    /// The version a downgrade may go back to now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downgrade_to: Option<Version>,
}

/// A release's highest layout version for the component's framework: OM's own, HDDS for SCM
/// (and the datanodes SCM finalizes). `None` for a version not in the table.
fn layout(version: Version, component: Component) -> Option<u32> {
    let r = versions::find(&version.to_string())?;
    Some(if component == Component::Om {
        r.om_layout
    } else {
        r.hdds_layout
    })
}

fn service(component: Component) -> &'static str {
    if component == Component::Om {
        "OM"
    } else {
        "SCM"
    }
}

fn framework(component: Component) -> &'static str {
    if component == Component::Om {
        "OM"
    } else {
        "HDDS"
    }
}

/// Whether `a` and `b` have the same layout for `component`, per the release table.
fn same_layout(a: Version, b: Version, component: Component) -> bool {
    matches!((layout(a, component), layout(b, component)), (Some(x), Some(y)) if x == y)
}

impl Facts {
    fn statuses(&self) -> [(Component, Option<Status>, &Option<String>); 2] {
        let parse = |s: &Option<String>| s.as_deref().and_then(Status::parse);
        [
            (Component::Om, parse(&self.om), &self.om),
            (Component::Scm, parse(&self.scm), &self.scm),
        ]
    }

    /// The recorded change when it was an upgrade to what runs now.
    fn upgrade(&self) -> Option<Record> {
        self.record
            .filter(|r| r.from < r.target && self.running.is_none_or(|v| v == r.target))
    }

    /// Why going back from what runs now to `target` is not possible now, or `None`.
    pub fn downgrade_refusal(&self, target: Version) -> Option<String> {
        let Some(running) = self.running else {
            return Some("the running version cannot be told from the SCM image".into());
        };
        let mut reasons = Vec::new();
        for (which, status, raw) in self.statuses() {
            let shown = raw.as_deref().unwrap_or("no answer");
            let fw = framework(which);
            let component = service(which);
            match status {
                None => reasons.push(format!(
                    "{component} finalization is unknown ({shown})"
                )),
                Some(Status::Running) => reasons.push(format!(
                    "{component} finalization has started ({shown}); finish it with `kubectl ozone upgrade finalize`"
                )),
                // The layout on disk is the running software's.
                Some(Status::Finalized) => {
                    if !same_layout(target, running, which) {
                        reasons.push(format!(
                            "{component} is finalized ({shown}): its {fw} layout is {running}'s ({}), which {target} ({}) cannot read",
                            layout(running, which).map_or("unknown".into(), |l| l.to_string()),
                            layout(target, which).map_or("unknown".into(), |l| l.to_string()),
                        ));
                    }
                }
                // The layout on disk is the one the upgrade came from, which that version reads.
                Some(Status::Required) => {
                    let origin = self.upgrade().is_some_and(|r| r.from == target);
                    if !origin && !same_layout(target, running, which) {
                        reasons.push(format!(
                            "{component} runs {running} pre-finalized, but on the layout of a version other than {target}"
                        ));
                    }
                }
            }
        }
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }

    /// Where the cluster stands. `flags` are appended to the commands it names (`-n NS --name C`).
    pub fn standing(&self, flags: &str) -> Standing {
        let statuses = self.statuses();
        let upgrade = self.upgrade();
        // A finalized component whose layout the recorded upgrade did not change had nothing
        // to finalize: it does not make the cluster finalized, nor prevent going back.
        let unchanged = |c: Component| upgrade.is_some_and(|r| same_layout(r.from, r.target, c));
        let answers = |s: Status| statuses.iter().filter(|(_, x, _)| *x == Some(s)).count();
        let raw = |c: Component| -> String {
            statuses
                .iter()
                .find(|(x, _, _)| *x == c)
                .and_then(|(_, _, r)| r.as_deref())
                .unwrap_or("no answer")
                .to_owned()
        };
        let running = self
            .running
            .map_or("an unknown version".to_owned(), |v| v.to_string());
        let state = if statuses.iter().any(|(_, s, _)| s.is_none()) {
            State::Unknown
        } else if answers(Status::Running) > 0 {
            State::Finalizing
        } else if answers(Status::Finalized) == 2 {
            State::Finalized
        } else if statuses
            .iter()
            .all(|(c, s, _)| *s == Some(Status::Required) || unchanged(*c))
        {
            State::PreFinalized
        } else {
            State::Finalizing
        };
        let summary = match state {
            State::Unknown => format!(
                "unknown: Ozone did not answer finalizationstatus (OM {}, SCM {})",
                raw(Component::Om),
                raw(Component::Scm)
            ),
            State::Finalizing => format!(
                "finalization started and not finished (OM {}, SCM {}): finish it with `kubectl ozone upgrade finalize {flags}`",
                raw(Component::Om),
                raw(Component::Scm)
            ),
            State::PreFinalized => {
                let origin = upgrade.map_or("an older version".to_owned(), |r| r.from.to_string());
                format!(
                    "pre-finalized: Ozone {running} runs on the metadata layout of {origin}, reads and writes work; once {running} has proven itself, make it permanent with `kubectl ozone upgrade finalize {flags}`"
                )
            }
            State::Finalized => match upgrade {
                Some(r) if unchanged(Component::Om) && unchanged(Component::Scm) => format!(
                    "finalized: {} and {} share the metadata layout (OM {}, HDDS {}), so Ozone has nothing to finalize",
                    r.from,
                    r.target,
                    layout(r.target, Component::Om).unwrap_or_default(),
                    layout(r.target, Component::Scm).unwrap_or_default()
                ),
                _ => format!("finalized: the metadata layout is Ozone {running}'s"),
            },
        };
        let (downgrade, downgrade_to) = match (upgrade, self.record) {
            (Some(r), _) => match self.downgrade_refusal(r.from) {
                None if state == State::PreFinalized => (
                    format!(
                        "possible until finalized: kubectl ozone upgrade --to {} {flags}",
                        r.from
                    ),
                    Some(r.from),
                ),
                None => (
                    format!(
                        "possible, {} reads this metadata layout: kubectl ozone upgrade --to {} {flags}",
                        r.from, r.from
                    ),
                    Some(r.from),
                ),
                Some(why) => (format!("not possible: {why}"), None),
            },
            (None, Some(r)) if r.from > r.target => (
                format!(
                    "nothing to go back to: the last change was a downgrade from {} (upgrade again with `kubectl ozone upgrade --to {} {flags}`)",
                    r.from, r.from
                ),
                None,
            ),
            _ => (
                "nothing to go back to: no upgrade is recorded".to_owned(),
                None,
            ),
        };
        Standing {
            state,
            summary,
            downgrade,
            downgrade_to,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::upgrade::Phase;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn facts(from: &str, to: &str, om: &str, scm: &str) -> Facts {
        Facts {
            running: Some(v(to)),
            record: Some(Record {
                target: v(to),
                from: v(from),
                phase: Phase::Done,
            }),
            om: Some(om.into()),
            scm: Some(scm.into()),
        }
    }

    #[test]
    fn a_patch_release_with_the_same_layout_is_finalized_and_can_go_back() {
        // What Ozone answers after 2.2.0 → 2.2.1: nothing to finalize.
        let s = facts("2.2.0", "2.2.1", "ALREADY_FINALIZED", "ALREADY_FINALIZED").standing("-n x");
        assert_eq!(s.state, State::Finalized);
        assert!(
            s.summary
                .contains("2.2.0 and 2.2.1 share the metadata layout"),
            "{s:?}"
        );
        assert!(!s.summary.contains("pre-finalized"), "{s:?}");
        assert_eq!(s.downgrade_to, Some(v("2.2.0")));
        assert!(
            s.downgrade
                .contains("kubectl ozone upgrade --to 2.2.0 -n x"),
            "{s:?}"
        );
    }

    #[test]
    fn a_layout_change_is_pre_finalized_until_finalize_then_final() {
        let pre = facts(
            "2.1.1",
            "2.2.0",
            "FINALIZATION_REQUIRED",
            "FINALIZATION_REQUIRED",
        );
        let s = pre.standing("");
        assert_eq!(s.state, State::PreFinalized);
        assert!(s.summary.contains("layout of 2.1.1"), "{s:?}");
        assert!(s.downgrade.starts_with("possible until finalized"), "{s:?}");
        let done = facts("2.1.1", "2.2.0", "FINALIZATION_DONE", "FINALIZATION_DONE").standing("");
        assert_eq!(done.state, State::Finalized);
        assert_eq!(done.downgrade_to, None);
        assert!(done.downgrade.contains("OM is finalized"), "{done:?}");
        assert!(done.downgrade.contains("2.1.1 (8) cannot read"), "{done:?}");
        // SCM finalized first, OM not yet: started, no way back.
        let half = facts(
            "2.1.1",
            "2.2.0",
            "FINALIZATION_REQUIRED",
            "FINALIZATION_DONE",
        );
        assert_eq!(half.standing("").state, State::Finalizing);
        assert_eq!(half.standing("").downgrade_to, None);
        let running = facts(
            "2.1.1",
            "2.2.0",
            "FINALIZATION_IN_PROGRESS",
            "FINALIZATION_DONE",
        );
        assert_eq!(running.standing("").state, State::Finalizing);
    }

    #[test]
    fn a_component_whose_layout_did_not_change_does_not_block_going_back() {
        // 2.0.0 → 2.1.0: OM keeps layout 8 (already finalized), HDDS moves 8 → 9.
        let s = facts(
            "2.0.0",
            "2.1.0",
            "ALREADY_FINALIZED",
            "FINALIZATION_REQUIRED",
        )
        .standing("");
        assert_eq!(s.state, State::PreFinalized);
        assert_eq!(s.downgrade_to, Some(v("2.0.0")));
    }

    #[test]
    fn no_answer_or_no_record() {
        let mut f = facts("2.2.0", "2.2.1", "ALREADY_FINALIZED", "ALREADY_FINALIZED");
        f.om = None;
        let s = f.standing("");
        assert_eq!(s.state, State::Unknown);
        assert_eq!(s.downgrade_to, None);
        f.record = None;
        f.om = Some("ALREADY_FINALIZED".into());
        let s = f.standing("");
        assert_eq!(s.state, State::Finalized);
        assert!(s.downgrade.starts_with("nothing to go back to"), "{s:?}");
        // Without a record, a downgrade to a release of the same layout is still allowed.
        assert_eq!(f.downgrade_refusal(v("2.2.0")), None);
        assert!(f.downgrade_refusal(v("2.1.1")).is_some());
        // After a downgrade the record points the other way.
        let back = facts("2.2.1", "2.2.0", "ALREADY_FINALIZED", "ALREADY_FINALIZED");
        assert!(
            back.standing("")
                .downgrade
                .contains("last change was a downgrade from 2.2.1")
        );
    }
}
