//! Builders for the `ozone admin …` command lines the plugin runs (reference §6).
//!
//! [`Query`] only reads; [`Mutation`] changes the cluster. They are different types so that
//! code given only the means to run queries cannot change anything.

use crate::Component;
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
        let transfer = Mutation::transfer_leadership(Component::Om, "ozone", "om1");
        assert_eq!(transfer.component(), Component::Om);
        assert_eq!(
            transfer.argv().join(" "),
            "ozone admin om transfer --service-id ozone --new-leader-id om1"
        );
        let all = [
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
