//! Pre-flight checks before a datanode leaves service. Each check has a name and the one flag
//! that skips it; a skipped check is reported, never silently dropped (conventions §(b) 6).

use ozone_storage::admin::{DatanodeInfo, Replication, SafeMode};
use serde::Serialize;

/// How a check ended.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", tag = "result", content = "detail")]
pub enum Outcome {
    /// Safe.
    Passed(String),
    /// Unsafe: the command refuses.
    Failed(String),
    /// Not run, by the user's flag.
    Skipped(String),
}

/// One check's result.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// The check.
    pub name: &'static str,
    /// The flag that skips it.
    pub skip_flag: &'static str,
    /// The result.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Check {
    /// Runs `f` unless `skip`.
    pub fn run(
        name: &'static str,
        skip_flag: &'static str,
        skip: bool,
        f: impl FnOnce() -> Result<String, String>,
    ) -> Check {
        let outcome = if skip {
            Outcome::Skipped(format!("skipped by {skip_flag}"))
        } else {
            match f() {
                Ok(s) => Outcome::Passed(s),
                Err(s) => Outcome::Failed(s),
            }
        };
        Check {
            name,
            skip_flag,
            outcome,
        }
    }

    /// Whether the command must refuse.
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Failed(_))
    }
}

/// Flag that skips [`replication_headroom`].
pub const SKIP_REPLICATION: &str = "--skip-replication-check";
/// Flag that skips [`safe_mode`].
pub const SKIP_SAFEMODE: &str = "--skip-safemode-check";
/// Flag that skips the check that targets have a pod in this cluster.
pub const SKIP_OWNERSHIP: &str = "--skip-ownership-check";

/// Whether, with `leaving` (UUIDs) out of service, enough datanodes stay in service and
/// healthy for the widest replication in use. Datanodes already decommissioning, in
/// maintenance, stale or dead do not count.
pub fn replication_headroom(
    datanodes: &[DatanodeInfo],
    leaving: &[&str],
    policies: &[Replication],
) -> Result<String, String> {
    let widest = policies
        .iter()
        .max_by_key(|p| p.datanodes_needed())
        .cloned()
        .unwrap_or(Replication::THREE);
    let needed = widest.datanodes_needed() as usize;
    let remaining = datanodes
        .iter()
        .filter(|d| d.in_service_and_healthy() && !leaving.contains(&d.id.as_str()))
        .count();
    let away: Vec<String> = datanodes
        .iter()
        .filter(|d| !d.in_service_and_healthy() && !leaving.contains(&d.id.as_str()))
        .map(|d| format!("{} ({}, {})", d.short_host(), d.op_state, d.health_state))
        .collect();
    let away = if away.is_empty() {
        String::new()
    } else {
        format!("; not counted: {}", away.join(", "))
    };
    if remaining >= needed {
        Ok(format!(
            "{remaining} datanodes stay in service and healthy; {widest} needs {needed}{away}"
        ))
    } else {
        Err(format!(
            "only {remaining} datanodes would stay in service and healthy, but {widest} needs {needed}{away}"
        ))
    }
}

/// SCM must be out of safe mode: in safe mode it cannot re-replicate containers.
pub fn safe_mode(state: SafeMode) -> Result<String, String> {
    match state {
        SafeMode::Out => Ok("SCM is out of safe mode".into()),
        SafeMode::In => Err("SCM is in safe mode: containers cannot be re-replicated yet".into()),
    }
}

/// Every target must run in a pod of this cluster.
pub fn ownership(targets: &[super::datanodes::Target], cluster: &str) -> Result<String, String> {
    let orphans: Vec<&str> = targets
        .iter()
        .filter(|t| t.pod.is_none())
        .map(|t| t.host_name.as_str())
        .collect();
    if orphans.is_empty() {
        Ok(format!("every target is a pod of cluster {cluster}"))
    } else {
        Err(format!(
            "not a pod of cluster {cluster}: {} (registered with this SCM, but no pod here)",
            orphans.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ozone_storage::admin::{HealthState, OpState};

    pub fn dn(i: usize, op: OpState, health: HealthState) -> DatanodeInfo {
        DatanodeInfo {
            id: format!("uuid-{i}"),
            host_name: format!(
                "ozone-datanode-{i}.ozone-datanode-headless.ozone.svc.cluster.local"
            ),
            ip_address: format!("10.0.0.{i}"),
            op_state: op,
            health_state: health,
            used: None,
            capacity: None,
            persisted_op_state_expiry_epoch_sec: None,
        }
    }

    #[test]
    fn refuses_when_too_few_would_remain() {
        let mut dns: Vec<_> = (0..4)
            .map(|i| dn(i, OpState::InService, HealthState::Healthy))
            .collect();
        // 4 healthy; removing one leaves 3: enough for THREE.
        assert!(replication_headroom(&dns, &["uuid-3"], &[Replication::THREE]).is_ok());
        // One already decommissioning counts as gone.
        dns[0].op_state = OpState::Decommissioning;
        let e = replication_headroom(&dns, &["uuid-3"], &[Replication::THREE]).unwrap_err();
        assert!(e.contains("only 2 datanodes"), "{e}");
        assert!(
            e.contains("ozone-datanode-0 (DECOMMISSIONING, HEALTHY)"),
            "{e}"
        );
        // EC needs data + parity.
        let dns: Vec<_> = (0..6)
            .map(|i| dn(i, OpState::InService, HealthState::Healthy))
            .collect();
        let ec = Replication::parse("rs-3-2-1024k").unwrap();
        assert!(replication_headroom(&dns, &["uuid-0"], &[Replication::THREE, ec.clone()]).is_ok());
        let e = replication_headroom(&dns, &["uuid-0", "uuid-1"], &[ec]).unwrap_err();
        assert!(e.contains("EC/rs-3-2-1024k needs 5"), "{e}");
    }

    #[test]
    fn stale_nodes_do_not_count_and_skips_are_reported() {
        let dns = vec![
            dn(0, OpState::InService, HealthState::Healthy),
            dn(1, OpState::InService, HealthState::Healthy),
            dn(2, OpState::InService, HealthState::Stale),
            dn(3, OpState::InService, HealthState::Healthy),
        ];
        assert!(replication_headroom(&dns, &["uuid-3"], &[]).is_err());
        let c = Check::run("replication", SKIP_REPLICATION, true, || Err("x".into()));
        assert!(!c.failed());
        assert_eq!(
            c.outcome,
            Outcome::Skipped("skipped by --skip-replication-check".into())
        );
        assert!(safe_mode(SafeMode::In).is_err());
    }
}
