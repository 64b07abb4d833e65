//! Shell completion through kubectl (≥ 1.26): kubectl runs `kubectl_complete-ozone` from
//! PATH with the words typed after `kubectl ozone`, the last one being the word to complete,
//! and reads candidates one per line, optionally ending with a cobra directive line `:<n>`
//! (conventions §6). The helper calls the hidden `__complete` command, which walks the clap
//! command tree and asks the cluster for cluster names and datanode pods.

use crate::cli::Cli;
use crate::cmd::common::{ClusterArgs, block_on};
use crate::kube_flags::KubeFlags;
use crate::ui::Io;
use anyhow::Result;
use clap::{Args, CommandFactory};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use ozone_engine::cluster::discover::cluster_names;
use ozone_engine::cluster::view::{KubeReader, label};
use ozone_generator::names::{APP_NAME, LABEL_COMPONENT, LABEL_INSTANCE, LABEL_NAME};
use std::process::ExitCode;

/// cobra's `ShellCompDirectiveNoFileComp`: do not fall back to file names.
pub const NO_FILE_COMP: &str = ":4";

/// The helper kubectl looks for.
pub const HELPER: &str = "#!/bin/sh
# kubectl_complete-ozone: lets kubectl (>= 1.26) complete `kubectl ozone ...`.
# Install: save as kubectl_complete-ozone in a directory on PATH and make it executable.
exec kubectl-ozone __complete \"$@\"
";

/// `completion` arguments.
#[derive(Debug, Args, Clone)]
pub struct CompletionArgs {}

/// `__complete` arguments.
#[derive(Debug, Args, Clone)]
pub struct CompleteArgs {
    /// The words after `kubectl ozone`; the last is the one being completed.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

/// Prints the helper script.
pub fn print_helper(io: &mut Io) -> Result<ExitCode> {
    io.out.write_all(HELPER.as_bytes())?;
    io.note("Save this as kubectl_complete-ozone on your PATH and make it executable (krew does not install completion helpers).");
    Ok(ExitCode::SUCCESS)
}

/// What the word being completed is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// Fixed words (subcommands, flags, enum values).
    Words(Vec<String>),
    /// Ozone cluster names in the namespace.
    Clusters,
    /// Datanode pods.
    Datanodes,
    /// kubeconfig contexts.
    Contexts,
    /// Nothing sensible.
    Nothing,
}

/// Works out what to complete from the words typed so far (pure: no cluster access).
pub fn want(words: &[String]) -> Want {
    let (done, _partial) = match words.split_last() {
        Some((last, rest)) => (rest, last.as_str()),
        None => (&[][..], ""),
    };
    let mut cmd = Cli::command();
    cmd.build();
    let mut path: Vec<String> = Vec::new();
    let mut expecting: Option<clap::Arg> = None;
    for w in done {
        if expecting.take().is_some() {
            continue;
        }
        if let Some(flag) = w.strip_prefix("--") {
            if flag.contains('=') {
                continue;
            }
            expecting = cmd
                .get_arguments()
                .find(|a| a.get_long() == Some(flag))
                .filter(|a| a.get_action().takes_values())
                .cloned();
            continue;
        }
        if let Some(short) = w.strip_prefix('-') {
            let c = short.chars().next();
            expecting = cmd
                .get_arguments()
                .find(|a| a.get_short().is_some() && a.get_short() == c && short.len() == 1)
                .filter(|a| a.get_action().takes_values())
                .cloned();
            continue;
        }
        if let Some(sub) = cmd.find_subcommand(w).cloned() {
            path.push(w.clone());
            cmd = sub;
        }
    }
    if let Some(arg) = expecting {
        return match arg.get_id().as_str() {
            "name" => Want::Clusters,
            "context" => Want::Contexts,
            _ => {
                let values: Vec<String> = arg
                    .get_possible_values()
                    .iter()
                    .filter(|v| !v.is_hide_set())
                    .map(|v| v.get_name().to_owned())
                    .collect();
                if values.is_empty() {
                    Want::Nothing
                } else {
                    Want::Words(values)
                }
            }
        };
    }
    let partial = words.last().map(String::as_str).unwrap_or("");
    if partial.starts_with('-') {
        return Want::Words(
            cmd.get_arguments()
                .filter(|a| !a.is_hide_set())
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .collect(),
        );
    }
    if cmd.has_subcommands() {
        return Want::Words(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != "help")
                .map(|s| s.get_name().to_owned())
                .collect(),
        );
    }
    let takes_datanodes = path.first().map(String::as_str) == Some("datanode")
        && matches!(
            path.get(1).map(String::as_str),
            Some("decommission" | "recommission" | "maintenance")
        );
    if takes_datanodes {
        Want::Datanodes
    } else {
        Want::Nothing
    }
}

/// The connection flags among the typed words, so lookups go to the same cluster.
pub fn flags_in(words: &[String]) -> ClusterArgs {
    let mut a = ClusterArgs {
        kube: KubeFlags::default(),
        name: None,
    };
    let mut it = words.iter().peekable();
    while let Some(w) = it.next() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) => (f, Some(v.to_owned())),
            None => (w.as_str(), None),
        };
        let slot = match flag {
            "--kubeconfig" => 0,
            "--context" => 1,
            "-n" | "--namespace" => 2,
            "--name" => 3,
            "--cluster" => 4,
            "--user" => 5,
            _ => continue,
        };
        let Some(v) = inline.or_else(|| it.next().cloned()) else {
            break;
        };
        match slot {
            0 => a.kube.kubeconfig = Some(v.into()),
            1 => a.kube.context = Some(v),
            2 => a.kube.namespace = Some(v),
            3 => a.name = Some(v),
            4 => a.kube.kube_cluster = Some(v),
            _ => a.kube.user = Some(v),
        }
    }
    a
}

async fn lookup(want: &Want, words: &[String]) -> Result<Vec<String>> {
    let args = flags_in(words);
    Ok(match want {
        Want::Words(w) => w.clone(),
        Want::Nothing => Vec::new(),
        Want::Contexts => {
            let file = match &args.kube.kubeconfig {
                Some(p) => kube::config::Kubeconfig::read_from(p)?,
                None => kube::config::Kubeconfig::read()?,
            };
            file.contexts.into_iter().map(|c| c.name).collect()
        }
        Want::Clusters => {
            let (client, ns) = args.kube.client().await?;
            let sts = KubeReader::new(client, &ns).ozone_statefulsets().await?;
            cluster_names(&sts).into_iter().collect()
        }
        Want::Datanodes => {
            let (client, ns) = args.kube.client().await?;
            let mut selector = format!("{LABEL_NAME}={APP_NAME},{LABEL_COMPONENT}=datanode");
            if let Some(n) = &args.name {
                selector.push_str(&format!(",{LABEL_INSTANCE}={n}"));
            }
            let pods: Api<Pod> = Api::namespaced(client, &ns);
            pods.list(&ListParams::default().labels(&selector))
                .await?
                .items
                .into_iter()
                .filter(|p| label(&p.metadata, LABEL_NAME).is_some())
                .filter_map(|p| p.metadata.name)
                .collect()
        }
    })
}

/// Prints the candidates that start with the word being completed, then the directive.
/// Lookup failures print no candidates: completion must never spill errors into a shell.
pub fn run(io: &mut Io, args: &CompleteArgs) -> Result<ExitCode> {
    let w = want(&args.words);
    let partial = args.words.last().cloned().unwrap_or_default();
    let found = block_on(lookup(&w, &args.words))?.unwrap_or_default();
    let mut out = String::new();
    for c in found.iter().filter(|c| c.starts_with(&partial)) {
        out.push_str(c);
        out.push('\n');
    }
    out.push_str(NO_FILE_COMP);
    out.push('\n');
    io.out.write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn walks_the_command_tree() {
        let Want::Words(top) = want(&w(&[""])) else {
            panic!()
        };
        assert!(top.contains(&"status".to_owned()) && top.contains(&"datanode".to_owned()));
        assert!(
            !top.iter().any(|t| t.starts_with("__")),
            "hidden commands stay hidden"
        );
        let Want::Words(dn) = want(&w(&["datanode", "de"])) else {
            panic!()
        };
        assert!(dn.contains(&"decommission".to_owned()));
        assert_eq!(
            want(&w(&["datanode", "decommission", "oz"])),
            Want::Datanodes
        );
        assert_eq!(
            want(&w(&["datanode", "decommission", "-n", "prod", "oz"])),
            Want::Datanodes
        );
        assert_eq!(want(&w(&["status", "--name", ""])), Want::Clusters);
        assert_eq!(want(&w(&["status", "--context", ""])), Want::Contexts);
        let Want::Words(o) = want(&w(&["status", "-o", ""])) else {
            panic!()
        };
        assert_eq!(o, w(&["table", "wide", "json", "yaml"]));
        let Want::Words(flags) = want(&w(&["datanode", "scale-down", "--"])) else {
            panic!()
        };
        assert!(flags.contains(&"--delete-pvcs".to_owned()));
        assert!(!flags.contains(&"--poll-interval".to_owned()));
    }

    #[test]
    fn snapshot_verbs_and_flags_are_completed() {
        let Want::Words(top) = want(&w(&[""])) else {
            panic!()
        };
        assert!(top.contains(&"snapshot".to_owned()));
        let Want::Words(verbs) = want(&w(&["snapshot", ""])) else {
            panic!()
        };
        assert_eq!(
            verbs,
            w(&["create", "list", "info", "rename", "delete", "diff"])
        );
        let Want::Words(flags) = want(&w(&["snapshot", "diff", "vol1/logs", "a", "b", "--"]))
        else {
            panic!()
        };
        assert!(flags.contains(&"--wait".to_owned()) && flags.contains(&"--page-size".to_owned()));
        assert_eq!(
            want(&w(&["snapshot", "list", "--name", ""])),
            Want::Clusters
        );
        // Bucket and snapshot names are Ozone's, not the cluster's: nothing to offer.
        assert_eq!(
            want(&w(&["snapshot", "delete", "vol1/logs", ""])),
            Want::Nothing
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_words(words in proptest::collection::vec("[-a-z=]{0,12}", 0..6)) {
            let _ = want(&words);
            let _ = flags_in(&words);
        }
    }

    #[test]
    fn connection_flags_are_picked_up() {
        let a = flags_in(&w(&[
            "status",
            "-n",
            "prod",
            "--context=dev",
            "--name",
            "x",
            "",
        ]));
        assert_eq!(a.kube.namespace.as_deref(), Some("prod"));
        assert_eq!(a.kube.context.as_deref(), Some("dev"));
        assert_eq!(a.name.as_deref(), Some("x"));
    }
}
