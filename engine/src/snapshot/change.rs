//! `snapshot create | rename | delete`: plan the one Ozone command, then run it through the
//! [`Actuator`] once the change is confirmed.
//!
//! No waiting: OM creates and renames synchronously, and a deleted snapshot is gone from
//! listings at once while OM frees its space in the background.

use super::{Subject, connect, explain, read_one};
use crate::cluster::Session;
use crate::cluster::act::{Actuator, Confirmed};
use crate::cluster::exec::OzoneReader;
use crate::events::Events;
use crate::plan::{Plan, Step};
use anyhow::Result;
use ozone_storage::admin::Mutation;
use ozone_storage::snapshot::{BucketPath, Snapshot};

/// The change asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// Take a snapshot named `name`.
    Create {
        /// Its name.
        name: String,
    },
    /// Rename snapshot `from` to `to`.
    Rename {
        /// The current name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Delete snapshot `name`.
    Delete {
        /// Its name.
        name: String,
    },
}

/// A planned change: the plan to show and what the run needs.
pub struct SnapshotChange {
    /// The plan: one Ozone command.
    pub plan: Plan,
    /// The bucket.
    pub bucket: BucketPath,
    /// The snapshot a delete removes, read while planning (so a missing one fails before
    /// any question, and the question can show what is lost).
    pub snapshot: Option<Snapshot>,
    mutation: Mutation,
    /// The snapshot(s) that must exist, as words, for error messages.
    existing: Option<String>,
    /// The name the change gives (create, rename): read back after the run.
    new_name: Option<String>,
    ozone: OzoneReader,
}

impl SnapshotChange {
    fn subject(&self) -> Subject<'_> {
        Subject {
            bucket: &self.bucket,
            existing: self.existing.as_deref(),
            new_name: self.new_name.as_deref(),
        }
    }

    /// Runs the confirmed command. Returns the snapshot as it is afterwards: read back after
    /// a create or rename (a failed read only costs the details: it is noted, `None`), the
    /// deleted one after a delete.
    pub async fn run(
        &self,
        session: &Session,
        confirmed: Confirmed,
        events: &mut dyn Events,
    ) -> Result<Option<Snapshot>> {
        Actuator::new(&session.kube, &self.ozone, confirmed)
            .ozone(&self.mutation)
            .await
            .map_err(|e| explain(e, self.subject()))?;
        let Some(name) = &self.new_name else {
            return Ok(self.snapshot.clone());
        };
        match read_one(&self.ozone, self.subject(), name).await {
            Ok(s) => Ok(Some(s)),
            Err(e) => {
                events.note(format!(
                    "note: the change was made, but reading it back failed: {e:#}"
                ));
                Ok(None)
            }
        }
    }
}

/// Plans `op` on `bucket` of `cluster` (`None`: the only one in the namespace). A delete
/// reads the snapshot first; its plan carries no note, the caller describes the snapshot.
pub async fn plan(
    session: &Session,
    cluster: Option<&str>,
    bucket: &BucketPath,
    op: &Operation,
    dry_run: bool,
) -> Result<SnapshotChange> {
    let (view, ozone) = connect(session, cluster).await?;
    let (action, mutation, notes, existing, new_name) = match op {
        Operation::Create { name } => (
            "snapshot create",
            Mutation::snapshot_create(bucket, name),
            vec![format!("snapshot {name} of bucket {bucket}")],
            None,
            Some(name.clone()),
        ),
        Operation::Rename { from, to } => (
            "snapshot rename",
            Mutation::snapshot_rename(bucket, from, to),
            vec![format!("snapshot {from} of bucket {bucket} becomes {to}")],
            Some(format!("snapshot {from}")),
            Some(to.clone()),
        ),
        Operation::Delete { name } => (
            "snapshot delete",
            Mutation::snapshot_delete(bucket, name),
            Vec::new(),
            Some(format!("snapshot {name}")),
            None,
        ),
    };
    let mut change = SnapshotChange {
        plan: Plan {
            action: action.into(),
            cluster: view.cluster().into(),
            namespace: session.namespace().into(),
            dry_run,
            targets: Vec::new(),
            checks: Vec::new(),
            notes,
            steps: vec![Step::Ozone {
                component: mutation.component().id().into(),
                argv: mutation.argv().to_vec(),
            }],
        },
        bucket: bucket.clone(),
        snapshot: None,
        mutation,
        existing,
        new_name,
        ozone,
    };
    if let Operation::Delete { name } = op {
        change.snapshot = Some(read_one(&change.ozone, change.subject(), name).await?);
    }
    Ok(change)
}
