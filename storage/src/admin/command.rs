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

    /// Safe mode with the state of each exit rule (`--verbose` adds one
    /// `validated:<bool>, <rule>, <status>` line per rule; reference §6).
    pub fn safemode_status_verbose() -> Query {
        Query::scm(&["ozone", "admin", "safemode", "status", "--verbose"])
    }

    /// `ozone version`: the release and build of the Ozone in a pod of `component`. Only reads
    /// the jars in the image; any component's pod can run it.
    pub fn version(component: Component) -> Query {
        Query {
            argv: argv(&["ozone", "version"]),
            component,
        }
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

    /// Every bucket of the S3 volume `/s3v` (`--all`, not the first 100), as JSON. Runs in an
    /// OM pod.
    pub fn s3_bucket_list() -> Query {
        Query {
            argv: argv(&["ozone", "sh", "bucket", "list", "--all", "/s3v"]),
            component: Component::Om,
        }
    }

    /// Whether OM (`Component::Om`) or SCM has finalized its last upgrade (text: one status
    /// name, operations §1.2). Runs in a pod of that component, whose configuration names
    /// the service.
    pub fn finalization_status(component: Component) -> Query {
        Query {
            argv: argv(&["ozone", "admin", component.id(), "finalizationstatus"]),
            component,
        }
    }

    /// The cluster-wide upgrade status as JSON: only OMs of rolling-upgrade releases have it;
    /// older ones exit 1 (operations §1.4).
    pub fn upgrade_status() -> Query {
        Query {
            argv: argv(&["ozone", "admin", "upgrade", "status", "--json"]),
            component: Component::Om,
        }
    }

    /// A component's `current/VERSION` file (`cat`: it only reads), which names Ozone's
    /// cluster id (operations §2.5). `path` comes from [`crate::backup::metadata_layout`].
    pub fn version_file(component: Component, path: &str) -> Query {
        Query {
            argv: argv(&["cat", path]),
            component,
        }
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

    /// Create bucket `name` in `/s3v`, where the S3 Gateway sees it. The caller checks the
    /// name against [`crate::s3::check_bucket_name`] first.
    pub fn s3_bucket_create(name: &str) -> Mutation {
        Mutation {
            argv: vec![
                "ozone".into(),
                "sh".into(),
                "bucket".into(),
                "create".into(),
                format!("/{}/{name}", crate::s3::S3_VOLUME),
            ],
            component: Component::Om,
        }
    }

    /// Create the S3 secret of `user` (the caller's own without one) and print it once as
    /// `awsAccessKey=…` / `awsSecret=…`. A mutation: OM stores the secret, and asking again
    /// fails until `ozone s3 revokesecret` (operations reference §3.1). Secure clusters only.
    pub fn s3_get_secret(user: Option<&str>) -> Mutation {
        let mut argv = argv(&["ozone", "s3", "getsecret"]);
        if let Some(user) = user {
            // `-u` is the only spelling the reference gives (ozone.md §6).
            argv.push("-u".into());
            argv.push(user.into());
        }
        Mutation {
            argv,
            component: Component::Om,
        }
    }

    /// Prepare the OM ring `service_id` for a stop: every OM applies all transactions, then
    /// refuses writes until it starts with `--upgrade`/`--downgrade` or prepare is cancelled
    /// (operations §1.1 step 1).
    pub fn om_prepare(service_id: &str) -> Mutation {
        Mutation::of(
            Component::Om,
            &[
                "ozone",
                "admin",
                "om",
                "prepare",
                "--service-id",
                service_id,
            ],
        )
    }

    /// Take OMs out of prepare mode (operations §1.1 step 4).
    pub fn om_cancel_prepare(service_id: Option<&str>) -> Mutation {
        let mut words = vec!["ozone", "admin", "om", "cancelprepare"];
        if let Some(id) = service_id {
            words.extend(["--service-id", id]);
        }
        Mutation::of(Component::Om, &words)
    }

    /// Finalize the upgrade of SCM (`Component::Scm`, which also tells the datanodes) or of
    /// the OM ring `service_id` (operations §1.1 steps 5–6). Irreversible: no downgrade
    /// afterwards. `takeover` takes finalization over from another caller.
    pub fn finalize_upgrade(
        component: Component,
        service_id: Option<&str>,
        takeover: bool,
    ) -> Mutation {
        let mut words = vec!["ozone", "admin", component.id(), "finalizeupgrade"];
        if let (Component::Om, Some(id)) = (component, service_id) {
            words.extend(["--service-id", id]);
        }
        if takeover {
            words.push("--takeover");
        }
        Mutation::of(component, &words)
    }

    fn of(component: Component, words: &[&str]) -> Mutation {
        Mutation {
            argv: argv(words),
            component,
        }
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

    /// Remove OM `node_id` (at `host`) from the ring `service_id` (reference §6). Ozone
    /// refuses unless every OM's configuration lists it in
    /// `ozone.om.decommissioned.nodes.<service id>`; `--force` (which skips that) is never used.
    pub fn om_decommission(service_id: &str, node_id: &str, host: &str) -> Mutation {
        Mutation::of(
            Component::Om,
            &[
                "ozone",
                "admin",
                "om",
                "decommission",
                "--service-id",
                service_id,
                "--nodeid",
                node_id,
                "--node-host-address",
                host,
            ],
        )
    }

    /// Remove SCM `node_id` from the SCM ring (reference §6).
    pub fn scm_decommission(node_id: &str) -> Mutation {
        Mutation::of(
            Component::Scm,
            &["ozone", "admin", "scm", "decommission", "--nodeid", node_id],
        )
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
    fn upgrade_commands_follow_operations_1_2() {
        let prepare = Mutation::om_prepare("ozone");
        assert_eq!(
            prepare.argv().join(" "),
            "ozone admin om prepare --service-id ozone"
        );
        assert_eq!(prepare.component(), Component::Om);
        assert_eq!(
            Mutation::om_cancel_prepare(Some("ozone")).argv().join(" "),
            "ozone admin om cancelprepare --service-id ozone"
        );
        assert_eq!(
            Mutation::finalize_upgrade(Component::Scm, Some("ozone"), false)
                .argv()
                .join(" "),
            "ozone admin scm finalizeupgrade"
        );
        let om = Mutation::finalize_upgrade(Component::Om, Some("ozone"), true);
        assert_eq!(
            om.argv().join(" "),
            "ozone admin om finalizeupgrade --service-id ozone --takeover"
        );
        assert_eq!(om.component(), Component::Om);
        assert_eq!(
            Query::finalization_status(Component::Scm).argv().join(" "),
            "ozone admin scm finalizationstatus"
        );
        assert_eq!(
            Query::finalization_status(Component::Om).component(),
            Component::Om
        );
        assert_eq!(
            Query::upgrade_status().argv().join(" "),
            "ozone admin upgrade status --json"
        );
    }

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
        assert_eq!(
            Query::s3_bucket_list().argv().join(" "),
            "ozone sh bucket list --all /s3v"
        );
        let create = Mutation::s3_bucket_create("logs");
        assert_eq!(create.argv().join(" "), "ozone sh bucket create /s3v/logs");
        assert_eq!(create.component(), Component::Om);
        assert_eq!(
            Mutation::s3_get_secret(Some("alice")).argv().join(" "),
            "ozone s3 getsecret -u alice"
        );
        assert_eq!(
            Mutation::s3_get_secret(None).argv().join(" "),
            "ozone s3 getsecret"
        );
        let all = [
            Query::s3_bucket_list(),
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
