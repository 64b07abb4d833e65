//! `kubectl ozone recover om|scm POD`: the engine's member recovery
//! ([`ozone_engine::recover::member`]). Emptying a volume asks for the pod name typed on a
//! terminal; with `--yes` the pod must also be named by `--confirm-wipe POD`.

use crate::cmd::common::{ChangeArgs, ClusterArgs, Presented, is_data, present_plan, print_plan};
use crate::exit::BadInput;
use crate::ui::Io;
use crate::ui::confirm::{Tier, confirm};
use anyhow::Result;
use clap::Args;
use ozone_engine::cluster::Session;
use ozone_engine::recover::member::{self, MemberOptions};
use ozone_storage::Component;
use std::process::ExitCode;

/// `recover om|scm POD` arguments.
#[derive(Debug, Args, Clone)]
pub struct MemberArgs {
    /// The member to empty and bootstrap again (a pod of the OM or SCM StatefulSet).
    #[arg(value_name = "POD")]
    pub pod: String,
    /// With --yes: the pod's name again, to confirm that its metadata volume is emptied.
    #[arg(long, value_name = "POD")]
    pub confirm_wipe: Option<String>,
    /// Which cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Change flags. The recovery always waits for the member to rejoin; --timeout bounds it.
    #[command(flatten)]
    pub change: ChangeArgs,
}

/// Runs `recover om|scm POD`.
pub async fn run(
    session: &Session,
    io: &mut Io,
    component: Component,
    a: &MemberArgs,
) -> Result<ExitCode> {
    let pod = a.pod.as_str();
    if let Some(other) = a.confirm_wipe.as_ref().filter(|other| *other != pod) {
        let message = format!("--confirm-wipe {other} does not name the pod to recover ({pod})");
        return Err(BadInput(message).into());
    }
    let options = MemberOptions {
        timeout: a.change.timeout,
        poll: a.change.poll_interval,
        dry_run: a.change.is_dry_run(),
        flags: crate::cmd::upgrade::flags(session, &a.cluster),
    };
    let name = a.cluster.name.as_deref();
    let planned = member::plan(session, name, component, pod, &options).await?;
    if present_plan(io, &planned.plan, &a.change)? == Presented::DryRun {
        return Ok(ExitCode::SUCCESS);
    }
    if a.change.yes && a.confirm_wipe.is_none() {
        return Err(BadInput(format!(
            "--yes empties the metadata volume of {pod} without asking: name the pod again with --confirm-wipe {pod}"
        ))
        .into());
    }
    let question = format!(
        "empty the {component} metadata of {pod} in namespace {} and bootstrap it from the ring? Type the pod name to confirm",
        session.namespace()
    );
    let confirmed = confirm(
        io.prompt.as_deref_mut(),
        Tier::DataLoss,
        a.change.yes,
        &question,
        pod,
    )?;
    planned.run(session, confirmed, io).await?;
    if is_data(a.change.format) {
        print_plan(io, &planned.plan, &a.change)?;
    }
    Ok(ExitCode::SUCCESS)
}
