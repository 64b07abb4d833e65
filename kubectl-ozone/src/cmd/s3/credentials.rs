//! `s3 credentials`: an S3 key pair in a Kubernetes Secret, never on the terminal
//! ([`ozone_engine::s3::credentials`]: `ozone s3 getsecret` on a secured cluster, a random
//! pair otherwise). Plan → print → confirm → run.

use crate::cmd::common::{ClusterArgs, print_plan};
use crate::cmd::snapshot::change::SnapshotChangeArgs;
use crate::ui::confirm::{Tier, confirm};
use crate::ui::{Format, Io, structured};
use anyhow::{Context, Result};
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::s3::credentials::{self, Credentials, CredentialsOptions, Outcome};
use std::process::ExitCode;

pub(super) const EXAMPLES: &str = "Examples:
  # Secured cluster: Ozone's secret for the OM pod's principal, into Secret s3 in namespace apps
  kubectl ozone s3 credentials --secret s3 --secret-namespace apps -n ozone

  # For another Ozone user (OM administrators only); see the plan first
  kubectl ozone s3 credentials --ozone-user alice --secret alice-s3 -n ozone --dry-run

Pods use it with envFrom: [{secretRef: {name: s3}}]: the keys are AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL and AWS_REGION.";

/// `s3 credentials` arguments.
#[derive(Debug, Args, Clone)]
pub struct CredentialsArgs {
    /// The Secret to write (required on a secured cluster).
    #[arg(long, value_name = "NAME")]
    pub secret: Option<String>,
    /// The Secret's namespace (default: the Ozone cluster's).
    #[arg(long, value_name = "NAMESPACE")]
    pub secret_namespace: Option<String>,
    /// The Ozone user whose secret to get (`getsecret -u`; OM administrators only). Default:
    /// the principal the OM pod runs as. (`--user` is kubectl's kubeconfig-user flag.)
    #[arg(long, value_name = "USER")]
    pub ozone_user: Option<String>,
    /// Overwrite the Secret if it exists.
    #[arg(long)]
    pub force: bool,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags.
    #[command(flatten)]
    pub change: SnapshotChangeArgs,
}

impl CredentialsArgs {
    /// The engine's options.
    pub fn options(&self) -> CredentialsOptions {
        CredentialsOptions {
            cluster: self.cluster.name.clone(),
            secret: self.secret.clone(),
            secret_namespace: self.secret_namespace.clone(),
            ozone_user: self.ozone_user.clone(),
            force: self.force,
            dry_run: self.change.is_dry_run(),
        }
    }
}

/// Runs `s3 credentials`.
pub async fn run(session: &Session, io: &mut Io, a: &CredentialsArgs) -> Result<ExitCode> {
    let write = match credentials::plan(session, &a.options()).await? {
        Credentials::Nothing(outcome) => return print_outcome(io, a.change.format, &outcome),
        Credentials::Write(write) => write,
    };
    if a.change.is_dry_run() {
        print_plan(io, &write.plan, &a.change.for_plan())?;
        return Ok(ExitCode::SUCCESS);
    }
    let tier = if write.overwrite {
        Tier::Risky
    } else {
        Tier::Low
    };
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        tier,
        a.change.yes,
        &format!(
            "Overwrite Secret {}? Applications using its pair stop working.",
            write.secret
        ),
        "",
    )?;
    let outcome = write.run(session, confirmed).await?;
    print_outcome(io, a.change.format, &outcome)
}

fn print_outcome(io: &mut Io, format: Format, outcome: &Outcome) -> Result<ExitCode> {
    match structured(format, outcome).context("cannot format the result")? {
        Some(s) => io.out.write_all(s.as_bytes())?,
        None => {
            let mut text = format!("{}\nendpoint: {}\n", outcome.note, outcome.endpoint);
            if let Some(id) = &outcome.access_key_id {
                text.push_str(&format!("access key id: {id}\n"));
            }
            io.out.write_all(text.as_bytes())?;
        }
    }
    io.out.flush()?;
    Ok(ExitCode::SUCCESS)
}
