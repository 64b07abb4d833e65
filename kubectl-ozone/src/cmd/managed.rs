//! Plugin and operator together: before a command changes a cluster it checks whether the
//! operator manages it ([`ozone_engine::managed::detect`]), and if so asks the operator
//! through the `OzoneCluster` resource or refuses, naming the field to change instead. A
//! command that does change the cluster holds the cluster's engine lock
//! ([`ozone_engine::lock`]) while it runs, so that it never works at the same time as the
//! operator or another command line. Read-only commands and dry runs take no lock.
//!
//! The lock is taken before the command plans, so a plan is made and carried out under it; the
//! binary runs these commands on a runtime with one worker thread
//! ([`crate::cmd::common::block_on_changing`]), so the Lease is renewed while a confirmation
//! prompt blocks the command's own thread.
//!
//! | command | operator manages the cluster |
//! |---|---|
//! | `restart` | sets annotation `ozone.apache.org/restartedAt`; the operator restarts |
//! | `cert rotate` | sets annotation `ozone.apache.org/rotateCertificatesAt` |
//! | `apply` | server-side applies the spec as the `OzoneCluster` resource |
//! | `datanode decommission`, `scale-down` | refused: `spec.datanodes.replicas` |
//! | `upgrade --to` | refused: `spec.version` |
//! | `datanode recommission`, `maintenance`, `recover` | refused unless `spec.clusterOperation.reconciliationPaused: true` (no spec field says it) |
//! | `upgrade finalize`, `cert issue` | run, under the lock: the operator waits for the first (`spec.upgrade.finalize: manual`) and does not do the second |
//! | `snapshot create/rename/delete`, `s3 bucket create`, `s3 credentials`, `backup create` | run as before, without the lock: they write Ozone data as any client does, not the cluster's shape |

use crate::cli::Command;
use crate::cmd::common::{ChangeArgs, ClusterArgs};
use crate::cmd::{cert, datanode, recover, upgrade};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use ozone_engine::cluster::Session;
use ozone_engine::cluster::discover;
use ozone_engine::lock;
use ozone_engine::managed::{self, Managed, Request};
use std::process::ExitCode;

/// What a command does when the operator manages the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenManaged {
    /// Asks the operator through an annotation.
    Request(Request),
    /// Applies the spec as the resource.
    Apply,
    /// Refused: the spec field that says it, and what the operator then does.
    Refuse {
        /// The field, relative to the resource.
        field: &'static str,
        /// What the operator does when it changes.
        then: &'static str,
    },
    /// Refused unless reconciliation is paused (the spec has no field for it).
    UnlessPaused,
    /// Runs as without the operator, holding the lock.
    Run,
}

/// A command that changes the cluster, as the operator check and the lock see it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// As typed after `kubectl ozone` (the lock's operation annotation).
    pub operation: &'static str,
    /// What it does on a managed cluster.
    pub when_managed: WhenManaged,
    /// `--name`.
    pub cluster: Option<&'a str>,
    /// A dry run: no lock, no write.
    pub dry_run: bool,
    /// `--yes`.
    pub yes: bool,
}

fn change<'a>(
    operation: &'static str,
    when_managed: WhenManaged,
    cluster: &'a ClusterArgs,
    c: &ChangeArgs,
) -> Change<'a> {
    Change {
        operation,
        when_managed,
        cluster: cluster.name.as_deref(),
        dry_run: c.is_dry_run(),
        yes: c.yes,
    }
}

const REPLICAS: WhenManaged = WhenManaged::Refuse {
    field: "spec.datanodes.replicas",
    then: "the operator decommissions the datanodes it removes first",
};

/// The change a command makes, or `None` for commands that only read (and for commands
/// that connect on their own).
pub fn classify(command: &Command) -> Option<Change<'_>> {
    use WhenManaged::*;
    Some(match command {
        Command::Restart(a) => change(
            "restart",
            Request(managed::Request::Restart),
            &a.cluster,
            &a.change,
        ),
        Command::Apply(a) => Change {
            operation: "apply",
            when_managed: Apply,
            cluster: a.desired.name.as_deref(),
            dry_run: a.change.is_dry_run(),
            yes: a.change.yes,
        },
        Command::Cert(cert::CertCommand::Rotate(a)) => change(
            "cert rotate",
            Request(managed::Request::RotateCertificates),
            &a.cluster,
            &a.change,
        ),
        Command::Cert(cert::CertCommand::Issue(a)) => {
            change("cert issue", Run, &a.cluster, &a.change)
        }
        Command::Datanode(d) => match d {
            datanode::DatanodeCommand::List(_) => return None,
            datanode::DatanodeCommand::Decommission(a) => {
                change("datanode decommission", REPLICAS, &a.cluster, &a.change)
            }
            datanode::DatanodeCommand::ScaleDown(a) => {
                change("datanode scale-down", REPLICAS, &a.cluster, &a.change)
            }
            datanode::DatanodeCommand::Recommission(a) => {
                change("datanode recommission", UnlessPaused, &a.cluster, &a.change)
            }
            datanode::DatanodeCommand::Maintenance(a) => {
                change("datanode maintenance", UnlessPaused, &a.cluster, &a.change)
            }
        },
        Command::Upgrade(a) => match &a.command {
            Some(upgrade::UpgradeCommand::Status(_)) => return None,
            Some(upgrade::UpgradeCommand::Finalize(f)) => {
                change("upgrade finalize", Run, &f.cluster, &f.change)
            }
            None => change(
                "upgrade",
                Refuse {
                    field: "spec.version",
                    then: "the operator runs the upgrade procedure, and finalizes as spec.upgrade.finalize says",
                },
                &a.start.cluster,
                &a.start.change,
            ),
        },
        Command::Recover(a) => match (&a.member, &a.from.backup) {
            (Some(recover::RecoverCommand::Om(m)), _) => {
                change("recover om", UnlessPaused, &m.cluster, &m.change)
            }
            (Some(recover::RecoverCommand::Scm(m)), _) => {
                change("recover scm", UnlessPaused, &m.cluster, &m.change)
            }
            (None, Some(_)) => change(
                "recover --from",
                UnlessPaused,
                &a.from.cluster,
                &a.from.change,
            ),
            (None, None) => return None,
        },
        // Data operations (snapshot create/rename/delete, s3 bucket create, s3 credentials,
        // backup create) write Ozone data as any client does, not the cluster's shape: they
        // run unchanged and take no lock, so a long operator run does not block a backup.
        _ => return None,
    })
}

/// Who holds the lock: `kubectl-ozone/<user>@<host>`. No process id: a command interrupted
/// (Ctrl-C, a lost terminal, SIGKILL) leaves the Lease to expire, and the same person running
/// it again on the same machine to resume it must not be refused by their own earlier run.
pub fn holder() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into());
    format!("kubectl-ozone/{user}@{host}")
}

/// The cluster a change is about: the spec's name for `apply`, else the one `--name` picks
/// among the namespace's Ozone clusters (the only one without it).
async fn cluster_name(session: &Session, command: &Command, c: &Change<'_>) -> Result<String> {
    if let Command::Apply(a) = command {
        return Ok(crate::cmd::compare::resolve(&a.desired, session.namespace())?.name);
    }
    let statefulsets = session.kube.ozone_statefulsets().await?;
    Ok(discover::choose(
        &discover::cluster_names(&statefulsets),
        c.cluster,
        session.namespace(),
    )?)
}

/// What [`prepare`] decided.
#[derive(Debug)]
pub enum Prepared {
    /// The command was answered here (the operator was asked, or it was a dry run of that).
    Done(ExitCode),
    /// Run the command, then [`finish`] with the lock it holds (none for a dry run).
    Run(Option<Box<lock::LockGuard>>),
}

/// Before a command that changes the cluster: asks the operator instead, or refuses, when it
/// manages the cluster; otherwise takes the engine lock (not for a dry run).
pub async fn prepare(
    session: &Session,
    io: &mut Io,
    command: &Command,
    c: &Change<'_>,
) -> Result<Prepared> {
    let cluster = cluster_name(session, command, c).await?;
    if let Some(m) = managed::detect(&session.kube, &cluster).await? {
        match c.when_managed {
            WhenManaged::Request(r) => {
                return Ok(Prepared::Done(
                    request(session, io, command, c, &m, r).await?,
                ));
            }
            WhenManaged::Apply => {
                return Ok(Prepared::Done(apply(session, io, command, c, &m).await?));
            }
            WhenManaged::Refuse { field, then } => {
                return Err(BadInput(format!(
                    "{} is managed by the operator: change {field} in the resource ({}); {then}. Nothing was changed",
                    m.describe(),
                    m.edit_command()
                ))
                .into());
            }
            WhenManaged::UnlessPaused if !paused(&m) => {
                return Err(BadInput(format!(
                    "{} is managed by the operator, and `kubectl ozone {}` has no field in its spec: set spec.clusterOperation.reconciliationPaused: true in the resource ({}) so that the operator changes nothing, run this again, then set it back to false. Nothing was changed",
                    m.describe(),
                    c.operation,
                    m.edit_command()
                ))
                .into());
            }
            WhenManaged::UnlessPaused | WhenManaged::Run => {
                io.note(format!(
                    "{} is managed by the operator; `kubectl ozone {}` runs as usual, holding the engine lock",
                    m.describe(),
                    c.operation
                ));
            }
        }
    }
    if c.dry_run {
        return Ok(Prepared::Run(None));
    }
    let guard = lock::acquire(&session.kube, &cluster, holder(), c.operation).await?;
    Ok(Prepared::Run(Some(Box::new(guard))))
}

/// After the command: releases the lock; a failure to release is a warning (the Lease
/// expires by itself).
pub async fn finish(io: &mut Io, guard: Option<Box<lock::LockGuard>>) {
    let Some(guard) = guard else {
        return;
    };
    let lost = guard.is_lost();
    let lease = guard.lease().to_owned();
    if let Err(e) = guard.release().await {
        io.note(format!(
            "warning: could not release the engine lock (Lease {lease}): {e:#}; it expires by itself within {} seconds",
            lock::LEASE_DURATION_SECONDS
        ));
    }
    if lost {
        io.note(format!(
            "warning: the engine lock (Lease {lease}) was taken over during the run (it had expired): another run may have changed the cluster at the same time"
        ));
    }
}

fn paused(m: &Managed) -> bool {
    m.spec["clusterOperation"]["reconciliationPaused"].as_bool() == Some(true)
}

fn follow(m: &Managed) -> String {
    format!(
        "follow it with `{}` or `kubectl ozone status -n {} --name {}`",
        m.watch_command(),
        m.namespace,
        m.name
    )
}

/// `restart` and `cert rotate` on a managed cluster: one annotation.
async fn request(
    session: &Session,
    io: &mut Io,
    command: &Command,
    c: &Change<'_>,
    m: &Managed,
    r: Request,
) -> Result<ExitCode> {
    let (what, extra) = match command {
        Command::Restart(a) if a.component.is_some() => (
            "",
            Some(
                "the operator restarts every pod; run `kubectl ozone restart` without COMPONENT and POD to request that",
            ),
        ),
        Command::Cert(cert::CertCommand::Rotate(a))
            if a.ca || a.resume || !a.components.is_empty() =>
        {
            (
                "",
                Some(
                    "the operator rotates every certificate; run `kubectl ozone cert rotate` without --ca, --resume and --component to request that",
                ),
            )
        }
        Command::Cert(_) => ("rotate the certificates, restarting the pods", None),
        _ => ("restart the pods", None),
    };
    if let Some(why) = extra {
        return Err(BadInput(format!(
            "{} is managed by the operator: {why}. Nothing was changed",
            m.describe()
        ))
        .into());
    }
    let annotation = r.annotation();
    if c.dry_run {
        io.out.write_all(
            format!(
                "Dry run: would set annotation {annotation}=<now, RFC 3339 UTC> on {}; the operator would then {what} one at a time in quorum-safe order.\n",
                m.describe()
            )
            .as_bytes(),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        c.yes,
        &format!(
            "{} is managed by the operator: ask it to {what} (annotation {annotation})?",
            m.describe()
        ),
        "",
    )?;
    let act = managed::actuator(session, confirmed);
    let value = match r {
        Request::Restart => managed::request_restart(&act, m).await?,
        Request::RotateCertificates => managed::request_cert_rotation(&act, m).await?,
    };
    io.note(format!(
        "{} is managed by the operator: requested with annotation {annotation}={value}. The operator will {what} one at a time in quorum-safe order; {}",
        m.describe(),
        follow(m)
    ));
    Ok(ExitCode::SUCCESS)
}

/// `apply -f` on a managed cluster: the spec becomes the resource.
async fn apply(
    session: &Session,
    io: &mut Io,
    command: &Command,
    c: &Change<'_>,
    m: &Managed,
) -> Result<ExitCode> {
    let Command::Apply(a) = command else {
        unreachable!("only apply applies the resource")
    };
    // Validated by the same parser as render -f, for this namespace.
    let spec = crate::cmd::compare::resolve(&a.desired, session.namespace())?;
    let kind = format!("{}/{}", ozone_generator::crd::SINGULAR, m.name);
    if c.dry_run {
        io.out
            .write_all(format!("{kind} configured (dry run)\n").as_bytes())?;
        io.note(format!(
            "{} is managed by the operator: apply would server-side apply the spec as the resource, and the operator would reconcile it",
            m.describe()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        c.yes,
        &format!(
            "{} is managed by the operator: apply the spec to the resource?",
            m.describe()
        ),
        "",
    )?;
    let act = managed::actuator(session, confirmed);
    managed::apply_resource(
        &act,
        &spec.document,
        &m.name,
        &m.namespace,
        a.force_conflicts,
    )
    .await?;
    io.out
        .write_all(format!("{kind} configured\n").as_bytes())?;
    io.note(format!(
        "{} is managed by the operator, which reconciles the new spec; {}",
        m.describe(),
        follow(m)
    ));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use crate::testing::FakeCluster;

    /// The binary's runtime renews the Lease while the command's thread is blocked (a
    /// terminal prompt): one renewal after 10 s of real time.
    #[test]
    fn the_lease_is_renewed_while_the_command_thread_blocks() {
        let c = FakeCluster::new("ozone", 1, 1, 3);
        let writes = crate::cmd::common::block_on_changing(async {
            let session = c.session();
            let guard = ozone_engine::lock::acquire(&session.kube, "ozone", "me".into(), "test")
                .await
                .unwrap();
            // As dialoguer does: a blocking wait on this thread, no await.
            std::thread::sleep(std::time::Duration::from_millis(10_500));
            let writes = c.api.lease_writes();
            guard.release().await.unwrap();
            writes
        })
        .unwrap();
        assert_eq!(
            writes,
            ["POST leases", "PUT leases/ozone-engine-lock"],
            "{writes:?}"
        );
    }
}
