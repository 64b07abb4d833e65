//! A plan: what a mutating command found, checked and will do, as data. A dry run prints it
//! (as text, or JSON/YAML with `-o`); a real run shows it before asking and then carries out
//! its steps in order.

use super::datanodes::Target;
use super::preflight::{Check, Outcome};
use serde::Serialize;
use std::fmt::Write as _;

/// One change, in order.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Step {
    /// Run an Ozone admin command in a pod of `component`.
    #[serde(rename_all = "camelCase")]
    Ozone {
        /// Component whose pod runs it.
        component: String,
        /// The command line.
        argv: Vec<String>,
    },
    /// Wait until the datanodes reach a state.
    #[serde(rename_all = "camelCase")]
    Wait {
        /// Host names.
        datanodes: Vec<String>,
        /// The operational state to reach.
        until: String,
    },
    /// Change a StatefulSet's replicas.
    #[serde(rename_all = "camelCase")]
    ScaleStatefulSet {
        /// Name.
        name: String,
        /// Replicas now.
        from: i32,
        /// Replicas after.
        to: i32,
    },
    /// Delete a PVC and with it the volume's data.
    #[serde(rename_all = "camelCase")]
    DeletePvc {
        /// Name.
        name: String,
    },
    /// Replace data in a Secret (never shown: only what changes, in words).
    #[serde(rename_all = "camelCase")]
    UpdateSecret {
        /// Name.
        name: String,
        /// What changes.
        change: String,
    },
    /// Ask cert-manager to issue a Certificate again (as `cmctl renew` does: the status
    /// condition `Issuing=True`, reason `ManuallyTriggered`), then wait until its Secret holds
    /// a new certificate.
    #[serde(rename_all = "camelCase")]
    RenewCertificate {
        /// The Certificate.
        name: String,
        /// Its Secret.
        secret: String,
    },
    /// Delete a pod, wait until its replacement is ready, and record on it the fingerprint
    /// of the certificate it started with.
    #[serde(rename_all = "camelCase")]
    RestartPod {
        /// Pod name.
        pod: String,
        /// Wait first until every other pod of the component is ready.
        others_ready: bool,
    },
    /// Server-side apply of a rendered object (field manager `kubectl-ozone`).
    #[serde(rename_all = "camelCase")]
    ApplyObject {
        /// Kind.
        object_kind: String,
        /// Name.
        name: String,
        /// `create` or `update`.
        change: String,
    },
    /// Delete an object the spec no longer renders.
    #[serde(rename_all = "camelCase")]
    DeleteObject {
        /// Kind.
        object_kind: String,
        /// Name.
        name: String,
    },
    /// Set a PVC's requested size (the StorageClass expands the volume).
    #[serde(rename_all = "camelCase")]
    ResizePvc {
        /// Name.
        name: String,
        /// New size.
        size: String,
    },
    /// Delete a StatefulSet leaving its pods running (orphan propagation) and create it again
    /// as rendered: how its immutable volume claim templates change.
    #[serde(rename_all = "camelCase")]
    RecreateStatefulSet {
        /// Name.
        name: String,
    },
    /// Wait until a workload is rolled out: observed, every pod updated and ready.
    #[serde(rename_all = "camelCase")]
    WaitRollout {
        /// Kind.
        object_kind: String,
        /// Name.
        name: String,
    },
    /// Record how far a CA rotation got, on the CA Secret.
    #[serde(rename_all = "camelCase")]
    RecordPhase {
        /// The CA Secret.
        secret: String,
        /// The phase reached.
        phase: String,
    },
    /// Change a StatefulSet's or Deployment's replicas, first recording the count it had
    /// on it (when scaling to 0) so a resumed run knows what to start again.
    #[serde(rename_all = "camelCase")]
    ScaleWorkload {
        /// `statefulset` or `deployment`.
        workload: String,
        /// Name.
        name: String,
        /// Replicas now.
        from: i32,
        /// Replicas after.
        to: i32,
    },
    /// Wait until a component's pods are all gone, or all ready.
    #[serde(rename_all = "camelCase")]
    WaitPods {
        /// The component.
        component: String,
        /// `gone` or `ready`.
        until: String,
    },
    /// Set the image of every Ozone container of a workload's pod template (and, for OM,
    /// its start arguments). Pods pick it up when they are next created.
    #[serde(rename_all = "camelCase")]
    SetImage {
        /// `statefulset` or `deployment`.
        workload: String,
        /// Name.
        name: String,
        /// The image.
        image: String,
        /// New start arguments of the main container, if they change.
        #[serde(skip_serializing_if = "Option::is_none")]
        args: Option<Vec<String>>,
    },
    /// Restart a component's pods one at a time, keeping its Raft quorum (order planned from
    /// the roles when the step runs: followers first, leadership moved, leader last).
    #[serde(rename_all = "camelCase")]
    RestartComponent {
        /// The component.
        component: String,
        /// Why.
        reason: String,
    },
    /// Wait until SCM is out of safe mode.
    WaitSafeModeOff,
    /// Set (or, without a value, remove) one entry of a ConfigMap; pods read it when they
    /// next start.
    #[serde(rename_all = "camelCase")]
    SetConfigEntry {
        /// The ConfigMap.
        config_map: String,
        /// The entry (an `envFrom` variable name).
        key: String,
        /// The value; `None` removes the entry.
        value: Option<String>,
    },
    /// Wait until a member is gone from its Raft ring's roles.
    #[serde(rename_all = "camelCase")]
    WaitRingMemberGone {
        /// OM or SCM.
        component: String,
        /// The member's pod.
        pod: String,
    },
    /// Record how far an upgrade got, on the cluster's SCM StatefulSet.
    #[serde(rename_all = "camelCase")]
    RecordUpgrade {
        /// The StatefulSet carrying the record.
        name: String,
        /// The phase reached.
        phase: String,
    },
    /// Record how far a restore from a backup got, on the cluster's SCM StatefulSet.
    #[serde(rename_all = "camelCase")]
    RecordRestore {
        /// The StatefulSet carrying the record.
        name: String,
        /// The backup.
        backup: String,
        /// The phase reached.
        phase: String,
    },
    /// Create a short-lived pod of the cluster's image that mounts a component's data volume
    /// and runs no Ozone process, then wait until it runs.
    #[serde(rename_all = "camelCase")]
    CreateRestorePod {
        /// Pod name.
        pod: String,
        /// The component whose volume it mounts.
        component: String,
        /// The PVC.
        pvc: String,
    },
    /// Stream a checkpoint tarball into a restore pod, checked there against its size and
    /// SHA-256, and unpack it as the component's DB (what was there moved aside).
    #[serde(rename_all = "camelCase")]
    PlaceCheckpoint {
        /// The restore pod.
        pod: String,
        /// The local file.
        file: String,
        /// Its size in bytes.
        size: u64,
        /// Its SHA-256.
        sha256: String,
        /// The DB directory it becomes.
        db: String,
    },
    /// Delete a pod the plan created, and wait until it is gone.
    #[serde(rename_all = "camelCase")]
    DeleteRestorePod {
        /// Pod name.
        pod: String,
    },
    /// Run a read-only Ozone command until it answers.
    #[serde(rename_all = "camelCase")]
    CheckOzone {
        /// Component whose pod runs it.
        component: String,
        /// The command line.
        argv: Vec<String>,
    },
    /// Set a StatefulSet's pod template for a member bootstrap (pods created afterwards
    /// start from it; running pods are untouched).
    #[serde(rename_all = "camelCase")]
    SetTemplate {
        /// The StatefulSet.
        name: String,
        /// The form, in words.
        form: String,
    },
    /// Record (or clear) a member bootstrap in progress on its StatefulSet.
    #[serde(rename_all = "camelCase")]
    RecordMember {
        /// The StatefulSet.
        name: String,
        /// What is in progress (`None`: cleared).
        #[serde(skip_serializing_if = "Option::is_none")]
        progress: Option<String>,
    },
    /// Delete a pod and wait until its replacement runs (and is ready, when `until` says so).
    #[serde(rename_all = "camelCase")]
    DeletePod {
        /// The pod.
        pod: String,
        /// `running` or `ready`.
        until: String,
    },
    /// Empty metadata directories in a pod that holds its volume with no Ozone process.
    #[serde(rename_all = "camelCase")]
    WipeMetadata {
        /// The pod.
        pod: String,
        /// The directories.
        dirs: Vec<String>,
    },
    /// Wait until a pod has a Raft role in its ring.
    #[serde(rename_all = "camelCase")]
    WaitRole {
        /// `om` or `scm`.
        component: String,
        /// The pod.
        pod: String,
        /// The role (a LEADER counts as a FOLLOWER that was elected).
        role: String,
    },
}

impl Step {
    /// Whether it changes the cluster.
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Step::Wait { .. }
                | Step::WaitRollout { .. }
                | Step::WaitPods { .. }
                | Step::WaitSafeModeOff
                | Step::CheckOzone { .. }
                | Step::WaitRingMemberGone { .. }
                | Step::WaitRole { .. }
        )
    }

    pub fn describe(&self) -> String {
        match self {
            Step::Ozone { component, argv } => {
                format!("run in a {component} pod: {}", argv.join(" "))
            }
            Step::Wait { datanodes, until } => {
                format!("wait until {until}: {}", datanodes.join(", "))
            }
            Step::ScaleStatefulSet { name, from, to } => {
                format!("scale statefulset {name} from {from} to {to} replicas")
            }
            Step::DeletePvc { name } => {
                format!("delete persistentvolumeclaim {name} (its data is lost)")
            }
            Step::UpdateSecret { name, change } => format!("update secret {name}: {change}"),
            Step::RenewCertificate { name, secret } => format!(
                "ask cert-manager to renew certificate {name}, then wait until secret {secret} holds the new certificate"
            ),
            Step::RestartPod { pod, others_ready } => format!(
                "restart pod {pod}{}: delete it, wait until its replacement is ready",
                if *others_ready {
                    " once the rest of its component is ready"
                } else {
                    ""
                }
            ),
            Step::ApplyObject {
                object_kind,
                name,
                change,
            } => format!("server-side apply {object_kind} {name} ({change})"),
            Step::DeleteObject { object_kind, name } => {
                format!("delete {object_kind} {name} (no longer rendered)")
            }
            Step::ResizePvc { name, size } => {
                format!("resize persistentvolumeclaim {name} to {size}")
            }
            Step::RecreateStatefulSet { name } => format!(
                "delete statefulset {name} leaving its pods running (orphan), then create it as rendered"
            ),
            Step::WaitRollout { object_kind, name } => format!(
                "wait until {object_kind} {name} is rolled out (every pod updated and ready)"
            ),
            Step::RecordPhase { secret, phase } => {
                format!("record CA rotation phase {phase} on secret {secret}")
            }
            Step::ScaleWorkload {
                workload,
                name,
                from,
                to,
            } => {
                if *to == 0 {
                    format!("record {from} replicas on {workload} {name}, then scale it to 0")
                } else {
                    format!("scale {workload} {name} from {from} to {to} replicas")
                }
            }
            Step::WaitPods { component, until } => {
                format!("wait until every {component} pod is {until}")
            }
            Step::SetImage {
                workload,
                name,
                image,
                args,
            } => match args {
                Some(args) => format!(
                    "set image {image} and arguments [{}] on {workload} {name}",
                    args.join(" ")
                ),
                None => format!("set image {image} on {workload} {name}"),
            },
            Step::RestartComponent { component, reason } => {
                format!("restart the {component} pods one at a time, leader last ({reason})")
            }
            Step::WaitSafeModeOff => "wait until SCM is out of safe mode".into(),
            Step::SetConfigEntry {
                config_map,
                key,
                value: Some(value),
            } => format!(
                "set {key}={value} in configmap {config_map} (pods read it when they next start)"
            ),
            Step::SetConfigEntry {
                config_map,
                key,
                value: None,
            } => format!("remove {key} from configmap {config_map}"),
            Step::WaitRingMemberGone { component, pod } => {
                format!("wait until `ozone admin {component} roles` no longer lists {pod}")
            }
            Step::RecordUpgrade { name, phase } => {
                format!("record upgrade phase {phase} on statefulset {name}")
            }
            Step::RecordRestore {
                name,
                backup,
                phase,
            } => format!("record restore phase {phase} (backup {backup}) on statefulset {name}"),
            Step::CreateRestorePod {
                pod,
                component,
                pvc,
            } => format!(
                "create restore pod {pod} (the cluster's image, no Ozone process) mounting the {component} volume {pvc}; wait until it runs"
            ),
            Step::PlaceCheckpoint {
                pod,
                file,
                size,
                sha256,
                db,
            } => format!(
                "stream {file} ({size} bytes) into pod {pod}, check its sha256 {sha256} there, unpack it as {db} (the DB and Ratis log found there are moved aside, not deleted)"
            ),
            Step::DeleteRestorePod { pod } => {
                format!("delete restore pod {pod}; wait until it is gone")
            }
            Step::CheckOzone { component, argv } => {
                format!(
                    "check that {component} answers: {} (until it does)",
                    argv.join(" ")
                )
            }
            Step::SetTemplate { name, form } => {
                format!("set the pod template of statefulset {name}: {form}")
            }
            Step::RecordMember { name, progress } => match progress {
                Some(p) => format!("record member bootstrap `{p}` on statefulset {name}"),
                None => format!("clear the member bootstrap record on statefulset {name}"),
            },
            Step::DeletePod { pod, until } => {
                format!("delete pod {pod}, wait until its replacement is {until}")
            }
            Step::WipeMetadata { pod, dirs } => format!(
                "in {pod} (holding, no Ozone process): rm -rf -- {} (its metadata is lost; the ring copies it back)",
                dirs.join(" ")
            ),
            Step::WaitRole {
                component,
                pod,
                role,
            } => format!("wait until {pod} is {role} in `ozone admin {component} roles`"),
        }
    }
}

/// A whole plan.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// What the command does (`decommission`, `scale-down`, …).
    pub action: String,
    /// The Ozone cluster.
    pub cluster: String,
    /// Its namespace.
    pub namespace: String,
    /// Whether nothing will be (or was) changed.
    pub dry_run: bool,
    /// The datanodes acted on.
    pub targets: Vec<Target>,
    /// Pre-flight checks.
    pub checks: Vec<Check>,
    /// Notes (things already done, things kept).
    pub notes: Vec<String>,
    /// The changes, in order.
    pub steps: Vec<Step>,
}

impl Plan {
    /// Checks that failed.
    pub fn failed_checks(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.failed()).collect()
    }

    /// Whether any step changes the cluster.
    pub fn changes_anything(&self) -> bool {
        self.steps.iter().any(Step::writes)
    }

    /// The plan as text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}{} in Ozone cluster {} (namespace {}):",
            if self.dry_run { "Dry run: " } else { "Plan: " },
            self.action,
            self.cluster,
            self.namespace
        );
        for t in &self.targets {
            let _ = writeln!(
                out,
                "  datanode {} ({}, uuid {}): {} {}",
                t.pod.as_deref().unwrap_or("-"),
                t.host_name,
                t.uuid,
                t.op_state,
                t.health
            );
        }
        if !self.checks.is_empty() {
            out.push_str("Pre-flight checks:\n");
            for c in &self.checks {
                let (mark, text) = match &c.outcome {
                    Outcome::Passed(s) => ("ok     ", s),
                    Outcome::Failed(s) => ("FAILED ", s),
                    Outcome::Skipped(s) => ("SKIPPED", s),
                };
                let _ = writeln!(out, "  {mark} {}: {text}", c.name);
            }
        }
        for n in &self.notes {
            let _ = writeln!(out, "Note: {n}");
        }
        if self.steps.is_empty() {
            out.push_str("Nothing to change.\n");
        } else {
            out.push_str("Steps:\n");
            for (i, s) in self.steps.iter().enumerate() {
                let _ = writeln!(out, "  {}. {}", i + 1, s.describe());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::preflight::{Check, SKIP_REPLICATION};

    #[test]
    fn text_and_json_show_checks_and_steps() {
        let plan = Plan {
            action: "decommission".into(),
            cluster: "ozone".into(),
            namespace: "prod".into(),
            dry_run: true,
            targets: vec![],
            checks: vec![Check::run("replication", SKIP_REPLICATION, true, || {
                Ok(String::new())
            })],
            notes: vec![],
            steps: vec![
                Step::Ozone {
                    component: "scm".into(),
                    argv: vec!["ozone".into(), "admin".into()],
                },
                Step::Wait {
                    datanodes: vec!["h".into()],
                    until: "DECOMMISSIONED".into(),
                },
            ],
        };
        let text = plan.to_text();
        assert!(text.starts_with("Dry run: decommission in Ozone cluster ozone (namespace prod):"));
        assert!(
            text.contains("SKIPPED replication: skipped by --skip-replication-check"),
            "{text}"
        );
        assert!(text.contains("1. run in a scm pod: ozone admin"), "{text}");
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["steps"][0]["kind"], "ozone");
        assert_eq!(json["checks"][0]["result"], "skipped");
        assert!(plan.changes_anything());
    }
}
