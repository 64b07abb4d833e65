//! What the upgrade commands print (operations reference §1.2): `ozone admin om prepare`,
//! `om cancelprepare`, `om|scm finalizationstatus`, `om|scm finalizeupgrade` — all text, none
//! has `--json` — and the JSON of the newer `ozone admin upgrade status --json` (§1.4).
//!
//! The parsers look for the documented lines anywhere in the output, because the CLI prints
//! JVM log lines around them, and never panic.

use super::ParseError;
use serde::{Deserialize, Serialize};

/// `UpgradeFinalization.Status`, what `finalizationstatus` prints (§1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FinalizationStatus {
    /// Nothing to finalize: the layout matches the software.
    AlreadyFinalized,
    /// Pre-finalized: new software on the old layout; downgrade still possible.
    FinalizationRequired,
    /// Finalization was asked for.
    StartingFinalization,
    /// Finalization runs.
    FinalizationInProgress,
    /// Finalization finished.
    FinalizationDone,
}

impl FinalizationStatus {
    const ALL: [FinalizationStatus; 5] = [
        FinalizationStatus::AlreadyFinalized,
        FinalizationStatus::FinalizationRequired,
        FinalizationStatus::StartingFinalization,
        FinalizationStatus::FinalizationInProgress,
        FinalizationStatus::FinalizationDone,
    ];

    /// The enum name as Ozone prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            FinalizationStatus::AlreadyFinalized => "ALREADY_FINALIZED",
            FinalizationStatus::FinalizationRequired => "FINALIZATION_REQUIRED",
            FinalizationStatus::StartingFinalization => "STARTING_FINALIZATION",
            FinalizationStatus::FinalizationInProgress => "FINALIZATION_IN_PROGRESS",
            FinalizationStatus::FinalizationDone => "FINALIZATION_DONE",
        }
    }

    /// Whether the component is finalized (`ALREADY_FINALIZED` or `FINALIZATION_DONE`, what
    /// the upstream `check-finalization.robot` accepts).
    pub fn is_finalized(self) -> bool {
        matches!(
            self,
            FinalizationStatus::AlreadyFinalized | FinalizationStatus::FinalizationDone
        )
    }

    /// Whether finalization was started and has not finished.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            FinalizationStatus::StartingFinalization | FinalizationStatus::FinalizationInProgress
        )
    }
}

impl std::fmt::Display for FinalizationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses `ozone admin om|scm finalizationstatus`: the line that is exactly one status name.
pub fn parse_finalization_status(text: &str) -> Result<FinalizationStatus, ParseError> {
    text.lines()
        .map(str::trim)
        .find_map(|line| {
            FinalizationStatus::ALL
                .into_iter()
                .find(|s| s.as_str() == line)
        })
        .ok_or_else(|| ParseError::Text {
            command: "ozone admin finalizationstatus",
            reason: "no finalization status name (ALREADY_FINALIZED, FINALIZATION_REQUIRED, …)"
                .into(),
        })
}

/// One OM's line while prepare polls: `OM : [host:port], Prepare Status : [S], Current
/// Transaction Id : [N]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OmPrepareState {
    /// `host:port`.
    pub om: String,
    /// `NOT_PREPARED`, `PREPARE_GATE_ENABLED` or `PREPARE_COMPLETED`.
    pub status: String,
    /// The transaction the OM has applied.
    pub transaction_id: Option<u64>,
}

/// How `ozone admin om prepare` ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "result")]
pub enum PrepareOutcome {
    /// "OM Preparation successful!" and "All OMs are prepared".
    AllPrepared,
    /// "OM Preparation successful!" but only a majority: the rest are named.
    MajorityPrepared {
        /// What Ozone lists after "OMs that are not prepared :".
        not_prepared: String,
    },
}

/// What `om prepare` printed, with its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prepare {
    /// The transaction id the prepare request returned.
    pub transaction_id: Option<u64>,
    /// The last state seen of every OM.
    pub oms: Vec<OmPrepareState>,
    /// The outcome.
    pub outcome: PrepareOutcome,
}

/// The text between the first `[` after `label` and the next `]`.
fn bracketed<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    let rest = &line[line.find(label)? + label.len()..];
    let start = rest.find('[')? + 1;
    let end = rest[start..].find(']')? + start;
    Some(rest[start..end].trim())
}

fn parse_om_line(line: &str) -> Option<OmPrepareState> {
    let om = bracketed(line, "OM :")?;
    let status = bracketed(line, "Prepare Status :")?;
    Some(OmPrepareState {
        om: om.to_owned(),
        status: status.to_owned(),
        transaction_id: bracketed(line, "Current Transaction Id :").and_then(|t| t.parse().ok()),
    })
}

/// Parses `ozone admin om prepare --service-id S`. Success needs "OM Preparation
/// successful!"; anything else is an error carrying the reason Ozone gave.
pub fn parse_prepare(text: &str) -> Result<Prepare, ParseError> {
    let mut transaction_id = None;
    let mut oms: Vec<OmPrepareState> = Vec::new();
    let mut successful = false;
    let mut majority = None;
    let mut failure = None;
    for line in text.lines().map(str::trim) {
        if line.contains("Prepare Request successfully returned") {
            transaction_id = bracketed(line, "Transaction Id :").and_then(|t| t.parse().ok());
        } else if let Some(state) = parse_om_line(line) {
            // Polling repeats every OM: keep the last line of each.
            match oms.iter_mut().find(|o| o.om == state.om) {
                Some(o) => *o = state,
                None => oms.push(state),
            }
        } else if line.contains("OM Preparation successful!") {
            successful = true;
        } else if let Some(i) = line.find("OMs that are not prepared :") {
            majority = Some(
                line[i + "OMs that are not prepared :".len()..]
                    .trim()
                    .to_owned(),
            );
        } else if line.contains("OM Preparation failed") {
            failure = Some(line.to_owned());
        }
    }
    if let Some(reason) = failure {
        return Err(ParseError::Text {
            command: "ozone admin om prepare",
            reason,
        });
    }
    if !successful {
        return Err(ParseError::Text {
            command: "ozone admin om prepare",
            reason: "no \"OM Preparation successful!\" line".into(),
        });
    }
    Ok(Prepare {
        transaction_id,
        oms,
        outcome: match majority {
            Some(not_prepared) => PrepareOutcome::MajorityPrepared { not_prepared },
            None => PrepareOutcome::AllPrepared,
        },
    })
}

/// Parses `ozone admin om cancelprepare`: "Cancel prepare succeeded, …".
pub fn parse_cancel_prepare(text: &str) -> Result<(), ParseError> {
    if text.contains("Cancel prepare succeeded") {
        Ok(())
    } else {
        Err(ParseError::Text {
            command: "ozone admin om cancelprepare",
            reason: "no \"Cancel prepare succeeded\" line".into(),
        })
    }
}

/// How `ozone admin om|scm finalizeupgrade` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FinalizeOutcome {
    /// "Upgrade has already been finalized."
    AlreadyFinalized,
    /// "Finalization of … metadata upgrade finished."
    Finished,
}

/// Parses `ozone admin om|scm finalizeupgrade`.
pub fn parse_finalize(text: &str) -> Result<FinalizeOutcome, ParseError> {
    if text.contains("Upgrade has already been finalized.") {
        return Ok(FinalizeOutcome::AlreadyFinalized);
    }
    if text
        .lines()
        .map(str::trim)
        .any(|l| l.starts_with("Finalization of ") && l.ends_with("metadata upgrade finished."))
    {
        return Ok(FinalizeOutcome::Finished);
    }
    Err(ParseError::Text {
        command: "ozone admin finalizeupgrade",
        reason: "neither \"Upgrade has already been finalized.\" nor \"Finalization of … metadata upgrade finished.\"".into(),
    })
}

/// `ozone admin upgrade status --json` (rolling-upgrade releases only, §1.4). Only the
/// fields the plugin reads; all optional, unknown ones ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterUpgradeStatus {
    /// `UNFINALIZED`, `FINALIZED` or `IN_PROGRESS`.
    #[serde(default)]
    pub cluster_finalization_status: Option<String>,
    /// OM's status.
    #[serde(default)]
    pub om_finalization_status: Option<String>,
    /// SCM's status.
    #[serde(default)]
    pub scm_finalization_status: Option<String>,
    /// Datanodes that finalized.
    #[serde(default)]
    pub datanodes_finalized: Option<u64>,
    /// Datanodes in all.
    #[serde(default)]
    pub datanodes_total: Option<u64>,
}

/// Parses `ozone admin upgrade status --json`.
pub fn parse_cluster_status(text: &str) -> Result<ClusterUpgradeStatus, ParseError> {
    super::json("ozone admin upgrade status --json", text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The lines of operations §1.2, as `om prepare` prints them on success.
    const PREPARED: &str = "Ozone Manager Prepare Request successfully returned with Transaction Id : [1234].
OM : [ozone-om-0.ozone-om-headless.ozone.svc.cluster.local:9862], Prepare Status : [PREPARE_GATE_ENABLED], Current Transaction Id : [1200]
OM : [ozone-om-1.ozone-om-headless.ozone.svc.cluster.local:9862], Prepare Status : [PREPARE_GATE_ENABLED], Current Transaction Id : [1180]
OM : [ozone-om-0.ozone-om-headless.ozone.svc.cluster.local:9862], Prepare Status : [PREPARE_COMPLETED], Current Transaction Id : [1234]
OM : [ozone-om-1.ozone-om-headless.ozone.svc.cluster.local:9862], Prepare Status : [PREPARE_COMPLETED], Current Transaction Id : [1234]
OM Preparation successful!
All OMs are prepared
No new write requests will be allowed until preparation is cancelled or upgrade/downgrade is done.
";

    #[test]
    fn prepare_success_majority_and_failure() {
        let p = parse_prepare(PREPARED).unwrap();
        assert_eq!(p.transaction_id, Some(1234));
        assert_eq!(p.outcome, PrepareOutcome::AllPrepared);
        assert_eq!(p.oms.len(), 2);
        assert_eq!(p.oms[1].status, "PREPARE_COMPLETED");
        assert_eq!(p.oms[1].transaction_id, Some(1234));

        let majority = PREPARED.replace(
            "All OMs are prepared",
            "A majority of OMs are prepared. OMs that are not prepared : ozone-om-2:9862",
        );
        assert_eq!(
            parse_prepare(&majority).unwrap().outcome,
            PrepareOutcome::MajorityPrepared {
                not_prepared: "ozone-om-2:9862".into()
            }
        );
        let failed =
            "Ozone Manager Prepare Request successfully returned with Transaction Id : [7].
OM : [om-0:9862], Prepare Status : [NOT_PREPARED], Current Transaction Id : [3]
java.lang.Exception: OM Preparation failed since a majority OMs are not prepared yet.";
        let e = parse_prepare(failed).unwrap_err().to_string();
        assert!(e.contains("majority OMs are not prepared yet"), "{e}");
        assert!(parse_prepare("Error: connection refused").is_err());
    }

    #[test]
    fn cancel_prepare_and_finalize_texts() {
        assert!(
            parse_cancel_prepare(
                "Cancel prepare succeeded, cluster can now accept write requests.\n"
            )
            .is_ok()
        );
        assert!(parse_cancel_prepare("").is_err());
        assert_eq!(
            parse_finalize("Upgrade has already been finalized.\nExiting...\n").unwrap(),
            FinalizeOutcome::AlreadyFinalized
        );
        for component in ["Storage Container Manager", "Ozone Manager"] {
            let text = format!(
                "Finalization started.\nExiting...\nFinalization of {component}'s metadata upgrade finished.\n"
            );
            assert_eq!(parse_finalize(&text).unwrap(), FinalizeOutcome::Finished);
        }
        assert!(parse_finalize("Exiting...\n").is_err());
    }

    #[test]
    fn every_finalization_status_name_parses() {
        for s in FinalizationStatus::ALL {
            let text = format!("2026-12-01 INFO some log line\n{}\n", s.as_str());
            assert_eq!(parse_finalization_status(&text).unwrap(), s);
        }
        assert!(FinalizationStatus::AlreadyFinalized.is_finalized());
        assert!(FinalizationStatus::FinalizationDone.is_finalized());
        assert!(!FinalizationStatus::FinalizationRequired.is_finalized());
        assert!(FinalizationStatus::FinalizationInProgress.is_running());
        assert!(parse_finalization_status("FINALIZED").is_err());
    }

    #[test]
    fn cluster_status_json() {
        let s = parse_cluster_status(
            r#"{"clusterFinalizationStatus": "UNFINALIZED", "omFinalizationStatus": "UNFINALIZED",
                "scmFinalizationStatus": "FINALIZED", "datanodesFinalized": 2, "datanodesTotal": 5,
                "omApparentVersion": 3}"#,
        )
        .unwrap();
        assert_eq!(s.datanodes_total, Some(5));
        assert_eq!(s.scm_finalization_status.as_deref(), Some("FINALIZED"));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "(.|\n){0,300}") {
            let _ = parse_prepare(&s);
            let _ = parse_cancel_prepare(&s);
            let _ = parse_finalize(&s);
            let _ = parse_finalization_status(&s);
            let _ = parse_cluster_status(&s);
        }

        #[test]
        fn om_lines_never_panic(host in "[\\[\\]:a-z0-9 ,]{0,40}", n in "[\\[\\]0-9 ]{0,12}") {
            let line = format!("OM : [{host}], Prepare Status : [{n}, Current Transaction Id : {n}]");
            let _ = parse_prepare(&line);
        }
    }
}
