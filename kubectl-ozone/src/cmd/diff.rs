//! `kubectl ozone diff -f SPEC`: what `apply` would change, like `kubectl diff`. First the
//! transitions the changes mean for Ozone (each with how `apply` carries it out or why it
//! refuses), then the objects to create and to prune, then a unified diff per object of the
//! server-side apply dry run against the live object, keys in canonical order. Exit 0 no
//! differences, 1 differences (a pending transition or conflict counts), 2 bad input or error.

use super::compare::{self, DesiredArgs};
use crate::ui::{Format, Io, structured};
use anyhow::Result;
use clap::Args;
use ozone_engine::change::compare::{Report, compare};
use ozone_engine::cluster::Session;
use ozone_engine::plan::changes::Action;
use ozone_generator::names::MANAGER;
use std::fmt::Write as _;
use std::process::ExitCode;

pub(crate) const EXAMPLES: &str = "Examples:
  # What applying the edited spec would do
  kubectl ozone diff -f ozone-cluster.yaml

  # The same with an override, as data for a CI check (exit 1 when it differs)
  kubectl ozone diff -f ozone-cluster.yaml --set datanodes.replicas=7 -o json";

/// `diff` arguments.
#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The spec and the cluster.
    #[command(flatten)]
    pub desired: DesiredArgs,
    /// Compare as `apply --force-conflicts` would apply (fields owned by other managers are
    /// taken over).
    #[arg(long)]
    pub force_conflicts: bool,
    /// Output: the text diff, or the transitions and per-object changes as JSON or YAML.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The exit code of `diff` when something went wrong, as `kubectl diff` (above 1).
const ERROR: u8 = 2;

/// Runs `diff`; errors are printed and exit with code 2, since 1 means "differences".
pub async fn run(session: &Session, io: &mut Io, a: &DiffArgs) -> Result<ExitCode> {
    match diff(session, io, a).await {
        Ok(code) => Ok(code),
        Err(e) => {
            writeln!(io.err, "error: {e:#}")?;
            Ok(ExitCode::from(ERROR))
        }
    }
}

async fn diff(session: &Session, io: &mut Io, a: &DiffArgs) -> Result<ExitCode> {
    let cluster = compare::resolve(&a.desired, session.namespace())?;
    let c = compare(session, cluster, a.force_conflicts, MANAGER, None).await?;
    let changes = c.changes();
    // A pending transition is a difference even when no object would be written yet (the
    // replicas of a datanode scale-down change only through the transition).
    let conflicts = c.conflicts();
    let differs = !changes.is_empty() || !c.transitions.is_empty() || !conflicts.is_empty();
    let report = Report {
        cluster: &c.cluster.name,
        namespace: session.namespace(),
        transitions: &c.transitions,
        objects: changes,
        conflicts,
        takeover: c.takeover_note(),
    };
    if let Some(s) = structured(a.format, &report)? {
        io.out.write_all(s.as_bytes())?;
    } else {
        io.out.write_all(text(&report).as_bytes())?;
    }
    Ok(if differs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn names(report: &Report<'_>, action: Action) -> Vec<String> {
    report
        .objects
        .iter()
        .filter(|o| o.action == action)
        .map(|o| format!("{}/{}", o.kind, o.name))
        .collect()
}

/// The text form: transitions, then objects to create and prune, then the diffs.
pub fn text(report: &Report<'_>) -> String {
    let mut out = String::new();
    if !report.transitions.is_empty() {
        out.push_str("Transitions:\n");
        for t in report.transitions {
            let _ = writeln!(out, "  {}", t.describe());
        }
    }
    for c in &report.conflicts {
        let _ = writeln!(out, "Conflict: {c}");
    }
    if let Some(t) = &report.takeover {
        let _ = writeln!(out, "Note: apply is {t}");
    }
    for (title, action) in [("create", Action::Create), ("prune", Action::Prune)] {
        let list = names(report, action);
        if !list.is_empty() {
            let _ = writeln!(out, "Objects to {title}: {}", list.join(", "));
        }
    }
    for o in &report.objects {
        out.push_str(&o.diff);
    }
    if report.objects.is_empty() && report.transitions.is_empty() {
        let _ = writeln!(
            out,
            "No differences: Ozone cluster {} in namespace {} is as the spec renders it.",
            report.cluster, report.namespace
        );
    }
    out
}
