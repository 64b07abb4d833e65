//! `cert issue`: create the managed-mode CA, keystore password and leaf certificates in
//! Secrets ([`ozone_engine::certs::issue`]). Plan → print → confirm → run; the plan names
//! Secrets and DNS names, never key material.

use crate::cmd::common::{ChangeArgs, ClusterArgs, flags_hint};
use crate::ui::confirm::{Tier, confirm};
use crate::ui::{Format, Io, structured, table};
use anyhow::Result;
use clap::Args;
use ozone_engine::certs::issue::{self, IssueOptions, IssuePlan};
use ozone_engine::cluster::Session;
use ozone_generator::names::TLS_FINGERPRINT_ANNOTATION;
use std::fmt::Write as _;
use std::process::ExitCode;

pub(super) const EXAMPLES: &str = "Examples:
  # See which Secrets would be created
  kubectl ozone cert issue --dry-run

  # Create them (after `kubectl ozone render --set security.tls.mode=managed | kubectl apply …`)
  kubectl ozone cert issue --yes

  # Re-issue every leaf certificate with the existing CA (pods pick them up when restarted)
  kubectl ozone cert issue --force --yes";

/// `cert issue` arguments.
#[derive(Debug, Args, Clone)]
pub struct IssueArgs {
    /// Re-issue leaf certificates whose Secrets exist (replacing them), and issue leaves even
    /// when the CA or password Secret must be created anew.
    #[arg(long)]
    pub force: bool,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: ChangeArgs,
}

impl IssueArgs {
    /// The engine's options.
    pub fn options(&self) -> IssueOptions {
        IssueOptions {
            cluster: self.cluster.name.clone(),
            force: self.force,
            dry_run: self.change.is_dry_run(),
            wait: self.change.wait,
            timeout: self.change.timeout,
            poll_interval: self.change.poll_interval,
        }
    }
}

/// The plan as `cert issue` prints it; `wide` lists every DNS name.
fn plan_text(plan: &IssuePlan, wide: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}cert issue in Ozone cluster {} (namespace {}):",
        if plan.dry_run { "Dry run: " } else { "Plan: " },
        plan.cluster,
        plan.namespace
    );
    let rows: Vec<Vec<String>> = plan
        .secrets
        .iter()
        .map(|s| {
            let names = if s.dns_names.is_empty() {
                "-".to_owned()
            } else if wide {
                s.dns_names.join(",")
            } else {
                let first = &s.dns_names[0];
                match s.dns_names.len() {
                    1 => first.clone(),
                    n => format!("{first} (+{} more)", n - 1),
                }
            };
            vec![
                s.name.clone(),
                s.kind.into(),
                s.component.clone().unwrap_or_else(|| "-".into()),
                s.action.as_str().into(),
                names,
            ]
        })
        .collect();
    out.push_str(&table::render(
        &["SECRET", "KIND", "COMPONENT", "ACTION", "DNS NAMES"],
        &rows,
    ));
    for a in &plan.annotate {
        let _ = writeln!(
            out,
            "annotate pod {} with {TLS_FINGERPRINT_ANNOTATION}={}",
            a.pod, a.fingerprint
        );
    }
    for n in &plan.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

/// Runs `cert issue`.
pub async fn run(session: &Session, io: &mut Io, a: &IssueArgs) -> Result<ExitCode> {
    io.with_progress(a.change.progress);
    let opts = a.options();
    let mut planned = issue::plan(session, &opts).await?;
    let wide = a.change.format == Format::Wide;
    if a.change.is_dry_run() {
        match structured(a.change.format, &planned.plan)? {
            Some(s) => io.out.write_all(s.as_bytes())?,
            None => io
                .out
                .write_all(plan_text(&planned.plan, wide).as_bytes())?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    io.err
        .write_all(plan_text(&planned.plan, wide).as_bytes())?;
    if !planned.plan.changes_anything() && !a.change.wait {
        io.note("nothing to do: every Secret exists (re-issue with --force, or rotate with `kubectl ozone cert rotate`)");
        if let Some(s) = structured(a.change.format, &planned.plan)? {
            io.out.write_all(s.as_bytes())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Past this point something is written: Secrets, or (with --wait, even when every Secret
    // exists) pod annotations, so the question is always asked.
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::Risky,
        a.change.yes,
        planned.question(),
        "",
    )?;
    let resume = format!(
        "kubectl ozone cert issue --wait {}",
        flags_hint(session, &planned.plan.cluster, &a.cluster)
    );
    issue::run(session, &mut planned, confirmed, &opts, &resume, io).await?;
    if let Some(s) = structured(a.change.format, &planned.plan)? {
        io.out.write_all(s.as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
