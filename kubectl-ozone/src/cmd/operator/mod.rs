//! `kubectl ozone operator …`: operator mode. `crd` prints the `OzoneCluster`
//! CustomResourceDefinition and `manifests` the operator's install manifests; both offline and
//! deterministic, built by the generator as typed objects ([`ozone_generator::crd`],
//! [`ozone_generator::objects::operator`]).

use crate::exit::BadInput;
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use ozone_generator::objects::operator::{self, OperatorError, OperatorOptions};
use ozone_generator::output::{Manifest, Object};
use std::io::Write;
use std::process::ExitCode;

/// Operator commands.
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Print the OzoneCluster CustomResourceDefinition (structural schema from the spec
    /// types, CEL rules, status subresource, printer columns).
    #[command(after_help = CRD_EXAMPLES)]
    Crd(CrdArgs),
    /// Print the operator's install manifests: the CRD, Namespace, ServiceAccount, RBAC and
    /// the Deployment that runs `kubectl-ozone operator run`.
    #[command(after_help = MANIFESTS_EXAMPLES)]
    Manifests(ManifestsArgs),
    /// Run the operator: reconcile OzoneCluster resources with the engine of `apply`, one
    /// stage per pass, under the field manager `ozone-operator` (what the Deployment of
    /// `manifests` runs).
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
}

const RUN_EXAMPLES: &str = "Examples:
  # Outside the cluster, against the current kubeconfig context, one namespace
  kubectl ozone operator run --kubeconfig ~/.kube/config --watch-namespace team-a \\
    --health-port 0 --metrics-port 0";

/// `operator run` arguments (the Deployment of `manifests` passes them).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Path to a kubeconfig file. Default: the in-cluster service account, then $KUBECONFIG
    /// and ~/.kube/config.
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// Reconcile OzoneClusters only in this namespace; repeatable. Default: every namespace.
    #[arg(long = "watch-namespace", value_name = "NAMESPACE")]
    pub watch_namespaces: Vec<String>,
    /// Elect one active replica through a Lease (named ozone-operator); needs $POD_NAME.
    #[arg(long)]
    pub leader_elect: bool,
    /// Namespace of the leader election Lease.
    #[arg(long, value_name = "NAMESPACE")]
    pub leader_election_namespace: Option<String>,
    /// Port of /metrics (0: off).
    #[arg(long, value_name = "PORT", default_value_t = operator::METRICS_PORT as u16)]
    pub metrics_port: u16,
    /// Port of /healthz and /readyz (0: off).
    #[arg(long, value_name = "PORT", default_value_t = operator::HEALTH_PORT as u16)]
    pub health_port: u16,
    /// This replica's name (Events, the leader Lease); the Deployment sets it.
    #[arg(long, env = "POD_NAME", value_name = "NAME", hide = true)]
    pub pod_name: Option<String>,
    /// How often a settled cluster is looked at again (drift by other writers); a change of
    /// the resource or of its workloads wakes it at once anyway.
    #[arg(long, value_name = "DURATION", value_parser = ozone_engine::duration::parse, default_value = "5m")]
    pub resync_interval: std::time::Duration,
    /// Managed TLS leaf certificates are rotated (new certificates, then the quorum-safe
    /// restart) when they expire within this; the CA is left to `kubectl ozone cert rotate --ca`.
    #[arg(long, value_name = "DURATION", value_parser = ozone_engine::duration::parse, default_value = "720h")]
    pub renew_certificates_before: std::time::Duration,
    /// How often Ozone and the pods are polled while a step waits.
    #[arg(long, value_name = "DURATION", value_parser = ozone_engine::duration::parse, default_value = "10s", hide = true)]
    pub poll_interval: std::time::Duration,
}

const CRD_EXAMPLES: &str = "Examples:
  kubectl ozone operator crd | kubectl apply --server-side -f -
  kubectl ozone operator crd -o json > ozonecluster-crd.json";

const MANIFESTS_EXAMPLES: &str = "Examples:
  # Install the operator, watching every namespace
  kubectl ozone operator manifests | kubectl apply --server-side -f -

  # Only OzoneClusters in two namespaces, two pods (one leads), a mirrored image
  kubectl ozone operator manifests --watch-namespace team-a --watch-namespace team-b \\
    --replicas 2 --image registry.example/kubectl-ozone:0.1.0

The CRD is larger than kubectl's client-side apply annotation allows: use --server-side.";

/// Output format of the operator commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ManifestFormat {
    /// YAML (several objects as a multi-document stream).
    Yaml,
    /// JSON (several objects as a `List`).
    Json,
}

/// `operator crd` arguments.
#[derive(Debug, Args)]
pub struct CrdArgs {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ManifestFormat::Yaml)]
    pub format: ManifestFormat,
}

/// `operator manifests` arguments.
#[derive(Debug, Args)]
pub struct ManifestsArgs {
    /// The namespace the operator runs in (created by the manifests).
    #[arg(short = 'n', long, value_name = "NAMESPACE", default_value = operator::DEFAULT_NAMESPACE)]
    pub namespace: String,
    /// Reconcile OzoneClusters only in this namespace (a Role there instead of a
    /// ClusterRole); repeatable. Default: every namespace.
    #[arg(long = "watch-namespace", value_name = "NAMESPACE")]
    pub watch_namespaces: Vec<String>,
    /// Operator pods; leader election makes one active.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub replicas: i32,
    /// The operator image (built from the repository's Dockerfile).
    #[arg(long, default_value = operator::DEFAULT_IMAGE, value_name = "IMAGE")]
    pub image: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ManifestFormat::Yaml)]
    pub format: ManifestFormat,
}

/// Runs an operator command.
pub fn run(cmd: &OperatorCommand) -> Result<ExitCode> {
    let text = match cmd {
        OperatorCommand::Crd(args) => crd(args)?,
        OperatorCommand::Manifests(args) => manifests(args)?,
        OperatorCommand::Run(args) => {
            validate_run(args)?;
            let options = crate::operator::RunOptions {
                kubeconfig: args.kubeconfig.clone(),
                watch_namespaces: args.watch_namespaces.clone(),
                leader_elect: args.leader_elect,
                leader_election_namespace: args.leader_election_namespace.clone(),
                metrics_port: args.metrics_port,
                health_port: args.health_port,
                pod_name: args.pod_name.clone(),
                timing: crate::operator::reconcile::Timing {
                    settled: args.resync_interval,
                    idle: args.resync_interval,
                    not_ready: args.resync_interval.min(std::time::Duration::from_secs(15)),
                    poll_interval: args.poll_interval,
                    renew_before: args.renew_certificates_before,
                    ..Default::default()
                },
            };
            crate::cmd::common::block_on(crate::operator::run(options))??;
            return Ok(ExitCode::SUCCESS);
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Bad `operator run` flags, before any connection: exit 2 naming the flag. A zero interval
/// would requeue or poll without pause.
fn validate_run(args: &RunArgs) -> Result<()> {
    let namespaces = args
        .watch_namespaces
        .iter()
        .map(|n| ("--watch-namespace", n))
        .chain(
            args.leader_election_namespace
                .iter()
                .map(|n| ("--leader-election-namespace", n)),
        );
    for (flag, value) in namespaces {
        if !ozone_generator::names::is_dns_label(value) {
            let e = OperatorError::Namespace {
                flag,
                value: value.clone(),
            };
            return Err(BadInput(e.to_string()).into());
        }
    }
    for (flag, value) in [
        ("--resync-interval", args.resync_interval),
        ("--poll-interval", args.poll_interval),
        (
            "--renew-certificates-before",
            args.renew_certificates_before,
        ),
    ] {
        if value.is_zero() {
            return Err(BadInput(format!("{flag}: must be more than 0")).into());
        }
    }
    Ok(())
}

/// The CRD as text: one object, so YAML without `---` and JSON without a `List`.
pub fn crd(args: &CrdArgs) -> Result<String> {
    let crd = ozone_generator::crd::custom_resource_definition()?;
    let object = Object::typed(&crd)?;
    Ok(match args.format {
        ManifestFormat::Yaml => ozone_generator::yaml::to_string(&object.value)
            .map_err(|message| anyhow::anyhow!("failed to serialize the CRD: {message}"))?,
        ManifestFormat::Json => {
            let mut text = serde_json::to_string_pretty(&object.value)?;
            text.push('\n');
            text
        }
    })
}

/// The install manifests as text. Bad options are bad input (exit 2).
pub fn manifests(args: &ManifestsArgs) -> Result<String> {
    let options = OperatorOptions {
        namespace: args.namespace.clone(),
        watch_namespaces: args.watch_namespaces.clone(),
        replicas: args.replicas,
        image: args.image.clone(),
    };
    let manifest: Manifest = operator::manifests(&options).map_err(|e| match e {
        OperatorError::Namespace { .. } | OperatorError::Replicas(_) | OperatorError::Image(_) => {
            anyhow::Error::new(BadInput(e.to_string()))
        }
        other => anyhow::Error::new(other),
    })?;
    Ok(match args.format {
        ManifestFormat::Yaml => manifest.to_yaml()?,
        ManifestFormat::Json => manifest.to_json()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    /// The arguments the committed Deployment passes parse as `operator run`: the manifests
    /// and the command cannot drift apart.
    #[test]
    fn the_deployment_args_parse_as_operator_run() {
        let options = OperatorOptions {
            namespace: "ozone-system".into(),
            watch_namespaces: vec!["team-a".into(), "team-b".into()],
            replicas: 1,
            image: operator::DEFAULT_IMAGE.into(),
        };
        let manifest = operator::manifests(&options).expect("renders");
        let deployment = manifest
            .objects()
            .iter()
            .find(|o| o.kind == "Deployment")
            .expect("a Deployment");
        let args: Vec<String> = serde_json::from_value(
            deployment.value["spec"]["template"]["spec"]["containers"][0]["args"].clone(),
        )
        .expect("args");
        let argv = std::iter::once("kubectl-ozone".to_owned()).chain(args);
        let cli = Cli::try_parse_from(argv).expect("the Deployment's args parse");
        let Command::Operator(OperatorCommand::Run(run)) = cli.command else {
            panic!("not operator run");
        };
        assert!(run.leader_elect);
        assert_eq!(
            run.leader_election_namespace.as_deref(),
            Some("ozone-system")
        );
        assert_eq!(run.watch_namespaces, ["team-a", "team-b"]);
        assert_eq!(
            (run.metrics_port, run.health_port),
            (operator::METRICS_PORT as u16, operator::HEALTH_PORT as u16)
        );
    }
}
