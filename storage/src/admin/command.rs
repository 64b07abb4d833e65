//! Builders for the `ozone admin …` command lines the plugin runs (reference §6).
//!
//! [`Query`] only reads; [`Mutation`] changes the cluster. They are different types so that
//! code given only the means to run queries cannot change anything.

use crate::Component;
use crate::snapshot::{self, BucketPath};
use serde::Serialize;

/// A read-only admin command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Query {
    argv: Vec<String>,
    #[serde(skip)]
    component: Component,
}

/// An admin command that changes the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mutation {
    argv: Vec<String>,
    #[serde(skip)]
    component: Component,
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

impl Query {
    /// Every datanode, as JSON. `--all` because the list stops at 100 entries by default
    /// (reference §6, `ListLimitOptions`).
    pub fn datanode_list() -> Query {
        Query::scm(&["ozone", "admin", "datanode", "list", "--json", "--all"])
    }

    /// Progress of every datanode being decommissioned, as JSON.
    pub fn decommission_status() -> Query {
        Query::scm(&[
            "ozone",
            "admin",
            "datanode",
            "status",
            "decommission",
            "--json",
        ])
    }

    /// SCM Raft roles, as JSON.
    pub fn scm_roles() -> Query {
        Query::scm(&["ozone", "admin", "scm", "roles", "--json"])
    }

    /// OM Raft roles, as JSON. Runs in an OM pod, whose configuration names the service.
    pub fn om_roles() -> Query {
        Query {
            argv: argv(&["ozone", "admin", "om", "roles", "--json"]),
            component: Component::Om,
        }
    }

    /// `ozone admin om|scm finalizationstatus`: one enum name (operations §1.2).
    pub fn finalization_status(component: Component) -> Query {
        let which = if component == Component::Om {
            "om"
        } else {
            "scm"
        };
        Query {
            argv: argv(&["ozone", "admin", which, "finalizationstatus"]),
            component: if component == Component::Om {
                Component::Om
            } else {
                Component::Scm
            },
        }
    }

    /// The certificates Ozone's SCM CA issued to components of `role` (`om` or `datanode`),
    /// as JSON. Secure clusters only; the count is raised from the default 20 so a large
    /// cluster's list is whole.
    pub fn cert_list(role: &str) -> Query {
        Query::scm(&[
            "ozone", "admin", "cert", "list", "--role", role, "--count", "10000", "--json",
        ])
    }

    /// Whether SCM is in safe mode (text only: this command has no JSON form).
    pub fn safemode_status() -> Query {
        Query::scm(&["ozone", "admin", "safemode", "status"])
    }

    /// Every snapshot of a bucket (`--all`, not the first 100), as JSON. Runs in an OM pod.
    pub fn snapshot_list(bucket: &BucketPath) -> Query {
        Query::om(snapshot::Command::List {
            bucket: bucket.clone(),
            prefix: None,
        })
    }

    /// One snapshot, as JSON.
    pub fn snapshot_info(bucket: &BucketPath, name: &str) -> Query {
        Query::om(snapshot::Command::Info {
            bucket: bucket.clone(),
            name: name.to_owned(),
        })
    }

    /// Starts a snapshot diff job, or reads its state, or a page of its report (`token`).
    ///
    /// A query although the first call makes OM start a job: the job only reads the two
    /// snapshots and keeps its report in OM's own tables; no user data or snapshot changes,
    /// and asking again returns the same job. Callers still hold it back on a dry run,
    /// because a diff of a large bucket costs OM real work.
    pub fn snapshot_diff(
        bucket: &BucketPath,
        from: &str,
        to: &str,
        token: Option<&str>,
        page_size: u32,
    ) -> Query {
        Query::om(snapshot::Command::Diff {
            bucket: bucket.clone(),
            from: from.to_owned(),
            to: to.to_owned(),
            token: token.map(str::to_owned),
            page_size,
        })
    }

    fn om(command: snapshot::Command) -> Query {
        Query {
            argv: command.argv(),
            component: Component::Om,
        }
    }

    fn scm(words: &[&str]) -> Query {
        Query {
            argv: argv(words),
            component: Component::Scm,
        }
    }

    /// The command line.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The component whose pods can run it.
    pub fn component(&self) -> Component {
        self.component
    }
}

impl Mutation {
    /// Start decommissioning datanodes, by the host names SCM knows them by.
    pub fn decommission(hosts: &[String]) -> Mutation {
        Mutation::with_hosts(&["ozone", "admin", "datanode", "decommission"], hosts)
    }

    /// Return decommissioned or in-maintenance datanodes to service.
    pub fn recommission(hosts: &[String]) -> Mutation {
        Mutation::with_hosts(&["ozone", "admin", "datanode", "recommission"], hosts)
    }

    /// Put datanodes into maintenance, ending automatically after `end_hours` if given.
    pub fn maintenance(hosts: &[String], end_hours: Option<u32>) -> Mutation {
        let mut words = vec!["ozone", "admin", "datanode", "maintenance"];
        let end = end_hours.map(|h| h.to_string());
        if let Some(end) = &end {
            words.push("--end");
            words.push(end);
        }
        Mutation::with_hosts(&words, hosts)
    }

    /// Create a snapshot of a bucket.
    pub fn snapshot_create(bucket: &BucketPath, name: &str) -> Mutation {
        Mutation::om(snapshot::Command::Create {
            bucket: bucket.clone(),
            name: name.to_owned(),
        })
    }

    /// Rename a snapshot.
    pub fn snapshot_rename(bucket: &BucketPath, from: &str, to: &str) -> Mutation {
        Mutation::om(snapshot::Command::Rename {
            bucket: bucket.clone(),
            from: from.to_owned(),
            to: to.to_owned(),
        })
    }

    /// Delete a snapshot (OM purges its data in the background).
    pub fn snapshot_delete(bucket: &BucketPath, name: &str) -> Mutation {
        Mutation::om(snapshot::Command::Delete {
            bucket: bucket.clone(),
            name: name.to_owned(),
        })
    }

    fn om(command: snapshot::Command) -> Mutation {
        Mutation {
            argv: command.argv(),
            component: Component::Om,
        }
    }

    /// Move leadership of the OM or SCM ring `service_id` to the member with Raft id
    /// `new_leader_id` (long options only).
    pub fn transfer_leadership(
        component: Component,
        service_id: &str,
        new_leader_id: &str,
    ) -> Mutation {
        Mutation {
            argv: crate::rotation::transfer_argv(component, service_id, new_leader_id),
            component,
        }
    }

    fn with_hosts(words: &[&str], hosts: &[String]) -> Mutation {
        let mut argv = argv(words);
        // Host names never start with '-', but a stray one must not be read as an option.
        argv.push("--".to_owned());
        argv.extend(hosts.iter().cloned());
        Mutation {
            argv,
            component: Component::Scm,
        }
    }

    /// The command line.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The component whose pods can run it.
    pub fn component(&self) -> Component {
        self.component
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_matches_the_reference_and_uses_long_options_only() {
        assert_eq!(
            Query::datanode_list().argv().join(" "),
            "ozone admin datanode list --json --all"
        );
        assert_eq!(
            Query::decommission_status().argv().join(" "),
            "ozone admin datanode status decommission --json"
        );
        assert_eq!(Query::om_roles().component(), Component::Om);
        assert_eq!(
            Mutation::maintenance(&["dn-0".into()], Some(4))
                .argv()
                .join(" "),
            "ozone admin datanode maintenance --end 4 -- dn-0"
        );
        assert_eq!(
            Mutation::decommission(&["a".into(), "b".into()])
                .argv()
                .join(" "),
            "ozone admin datanode decommission -- a b"
        );
        let logs = BucketPath::parse("vol1/logs").unwrap();
        assert_eq!(
            Query::snapshot_list(&logs).argv().join(" "),
            "ozone sh snapshot list /vol1/logs --all"
        );
        assert_eq!(Query::snapshot_info(&logs, "s1").component(), Component::Om);
        assert_eq!(
            Mutation::snapshot_create(&logs, "s1").argv().join(" "),
            "ozone sh snapshot create /vol1/logs s1"
        );
        assert_eq!(
            Mutation::snapshot_rename(&logs, "s1", "s2")
                .argv()
                .join(" "),
            "ozone sh snapshot rename /vol1/logs s1 s2"
        );
        let delete = Mutation::snapshot_delete(&logs, "s1");
        assert_eq!(
            delete.argv().join(" "),
            "ozone sh snapshot delete /vol1/logs s1"
        );
        assert_eq!(delete.component(), Component::Om);
        let transfer = Mutation::transfer_leadership(Component::Om, "ozone", "om1");
        assert_eq!(transfer.component(), Component::Om);
        assert_eq!(
            transfer.argv().join(" "),
            "ozone admin om transfer --service-id ozone --new-leader-id om1"
        );
        let all = [
            Query::snapshot_diff(&logs, "a", "b", Some("7"), 100),
            Query::datanode_list(),
            Query::decommission_status(),
            Query::scm_roles(),
            Query::om_roles(),
            Query::safemode_status(),
        ];
        for q in &all {
            for w in q.argv() {
                assert!(!w.starts_with('-') || w.starts_with("--"), "{w}");
            }
        }
    }
}
