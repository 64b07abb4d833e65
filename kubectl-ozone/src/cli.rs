//! The command line: `kubectl ozone <command>`. Help reads `kubectl ozone …` because kubectl
//! runs the plugin as `kubectl-ozone`.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Run Apache Ozone on Kubernetes: render manifests, lint them, and operate running clusters.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-ozone",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a cluster spec file by answering a few questions (or flags, for CI).
    #[command(after_help = INIT_EXAMPLES)]
    Init(InitArgs),
    /// Render Kubernetes manifests for an Ozone cluster (offline, deterministic).
    #[command(after_help = RENDER_EXAMPLES)]
    Render(RenderArgs),
    /// Print the plugin version and the Ozone version it renders by default.
    Version(VersionArgs),
    /// Lint Kubernetes manifests: schema, API versions, policy and Ozone checks (for CI).
    #[command(after_help = LINT_EXAMPLES)]
    Lint(LintArgs),
    /// Show a running cluster: workloads, pods and PVCs, Ozone's Raft roles, safe mode,
    /// datanode states and capacity.
    Status(crate::cmd::status::StatusArgs),
    /// Datanodes: list, decommission, recommission, maintenance, safe scale-down.
    #[command(subcommand)]
    Datanode(crate::cmd::datanode::DatanodeCommand),
    /// Bucket snapshots: create, list, info, rename, delete, diff.
    #[command(subcommand)]
    Snapshot(crate::cmd::snapshot::SnapshotCommand),
    /// TLS certificates: issue (managed mode), status (expiry, pods on the current one), rotate.
    #[command(subcommand)]
    Cert(crate::cmd::cert::CertCommand),
    /// Show what applying a spec would change: Ozone transitions, then a diff per object
    /// (exit 0 none, 1 differences, 2 error).
    #[command(after_help = crate::cmd::diff::EXAMPLES)]
    Diff(crate::cmd::diff::DiffArgs),
    /// Apply a spec to a running (or new) cluster: server-side apply in order, prune, and
    /// each Ozone transition carried out safely (or refused).
    #[command(after_help = crate::cmd::apply::EXAMPLES)]
    Apply(crate::cmd::apply::ApplyArgs),
    /// Restart pods in quorum-safe order: those on an old revision, or --all.
    #[command(after_help = crate::cmd::restart::EXAMPLES)]
    Restart(crate::cmd::restart::RestartArgs),
    /// Find what is wrong and say how to fix it: a running cluster's pods, volumes, Raft
    /// rings, safe mode, datanodes, certificates and NetworkPolicies; or, with a spec, whether
    /// the cluster can take the install.
    #[command(after_help = crate::cmd::doctor::EXAMPLES)]
    Doctor(crate::cmd::doctor::DoctorArgs),
    /// Write a support bundle (.tar.gz) for a bug report: objects, events, status, doctor,
    /// logs, Ozone versions and configuration; secrets redacted.
    #[command(after_help = crate::cmd::report::EXAMPLES)]
    Report(crate::cmd::report::ReportArgs),
    /// Upgrade (or downgrade) Ozone the way released versions support it: prepare, stop
    /// everything, new images, start in order; then `upgrade status` and `upgrade finalize`.
    Upgrade(Box<crate::cmd::upgrade::UpgradeArgs>),
    /// Metadata backups of OM and SCM: create, verify, list.
    #[command(subcommand)]
    Backup(crate::cmd::backup::BackupCommand),
    /// S3 access: endpoint, credentials into a Secret, buckets of /s3v, buckets as volumes.
    #[command(subcommand)]
    S3(crate::cmd::s3::S3Command),
    /// Recover a member of an OM or SCM ring that lost its metadata (`recover om|scm POD`),
    /// or a single-OM, single-SCM cluster from a backup (`recover --from DIR/NAME`: stop,
    /// place the checkpoints, start SCM → OM → datanodes).
    Recover(Box<crate::cmd::recover::RecoverArgs>),
    /// Operator mode: print the OzoneCluster CRD or the operator's install manifests.
    #[command(subcommand)]
    Operator(crate::cmd::operator::OperatorCommand),
    /// Print the kubectl completion helper; save it as kubectl_complete-ozone on PATH.
    Completion(crate::cmd::complete::CompletionArgs),
    /// Completion candidates in kubectl's plugin protocol (called by kubectl_complete-ozone).
    #[command(name = "__complete", hide = true)]
    Complete(crate::cmd::complete::CompleteArgs),
}

const LINT_EXAMPLES: &str = "Examples:
  # Our own output, before applying it
  kubectl ozone render --profile medium | kubectl ozone lint -

  # A repository in CI, with its own CRDs, as SARIF
  kubectl ozone lint deploy/ --crd crds/ --kube-version 1.30 -o sarif > lint.sarif

  # A cluster spec, checked with render's rules, without rendering it
  kubectl ozone lint ozone-cluster.yaml

The CRDs of the Prometheus Operator and cert-manager kinds render emits are built in.

Suppress a check on one object with the annotations
  lint.kubectl-ozone.io/ignore: \"host-path,no-read-only-root-fs\"
  lint.kubectl-ozone.io/reason: \"node agent reads /var/log\"";

/// `lint` arguments.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories (searched recursively for *.yaml, *.yml, *.json); "-" reads stdin.
    #[arg(value_name = "PATH", required_unless_present = "list_checks")]
    pub paths: Vec<PathBuf>,
    /// Kubernetes version the manifests target (1.X): removed and deprecated apiVersions.
    #[arg(long, value_name = "1.X")]
    pub kube_version: Option<String>,
    /// CRD file or directory to validate custom resources against; repeatable.
    #[arg(long = "crd", value_name = "PATH")]
    pub crds: Vec<PathBuf>,
    /// Custom resources without a schema are errors, not warnings.
    #[arg(long)]
    pub strict: bool,
    /// Turn on checks (comma-separated ids); repeatable.
    #[arg(long, value_name = "ID,…", value_delimiter = ',')]
    pub enable: Vec<String>,
    /// Turn off checks (comma-separated ids); repeatable.
    #[arg(long, value_name = "ID,…", value_delimiter = ',')]
    pub disable: Vec<String>,
    /// Config file (checks.enable/disable, kubeVersion, strict, failOn); flags win.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity: error, warning, info or none.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Report format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
    /// List the checks and exit.
    #[arg(long)]
    pub list_checks: bool,
    /// Threads that parse and check documents (default: the number of CPUs); the report is
    /// the same for any value.
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

/// Output format of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// Findings grouped by file, coloured on a terminal.
    Text,
    /// JSON findings and summary.
    Json,
    /// JUnit XML.
    Junit,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
}

const RENDER_EXAMPLES: &str = "Examples:
  # A development cluster, applied directly
  kubectl ozone render --profile small | kubectl apply --server-side --field-manager=kubectl-ozone -f -

  # From a spec file, with an override, into a kustomize directory
  kubectl ozone render -f ozone-cluster.yaml --set datanodes.replicas=7 --output-dir deploy/ozone";

const INIT_EXAMPLES: &str = "Examples:
  # Answer questions on the terminal; writes ozone-cluster.yaml
  kubectl ozone init

  # The same in CI: flags answer the questions, nothing is asked
  kubectl ozone init --non-interactive --profile medium --namespace data --datanodes 7 --force

  # Also write the rendered manifests
  kubectl ozone init --profile small -n dev --render deploy/ozone";

/// `init` arguments.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Answers given as flags.
    #[command(flatten)]
    pub answers: crate::cmd::init::flags::AnswerFlags,
    /// Never prompt (also the case when standard input is not a terminal); a required answer
    /// missing from the flags is an error.
    #[arg(long)]
    pub non_interactive: bool,
    /// The spec file to write ("-" writes it to standard output).
    #[arg(
        short = 'f',
        long = "output",
        visible_alias = "filename",
        value_name = "FILE",
        default_value = "ozone-cluster.yaml"
    )]
    pub output: PathBuf,
    /// Overwrite the spec file if it exists (otherwise: ask on a terminal, refuse without one).
    #[arg(long)]
    pub force: bool,
    /// Also render the manifests into DIR (one file per object and a kustomization.yaml).
    #[arg(long, value_name = "DIR")]
    pub render: Option<PathBuf>,
    /// Set a field no question covers, relative to spec (datanodes.jvm.heapPercent=60);
    /// repeatable. Answers are applied on top.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

/// Where the cluster spec comes from. Layers: built-in defaults ← profile ← spec file ←
/// `--set`.
#[derive(Debug, Args, Clone, Default)]
pub struct SpecArgs {
    /// Profile: small (dev/test), medium (small production, HA) or large (production, zones).
    /// Overrides spec.profile of the file.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// OzoneCluster spec file ("-" reads standard input).
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Override one field, relative to spec (datanodes.replicas=5); repeatable. Escape dots in
    /// keys with a backslash: config.ozone-site\.xml.ozone\.om\.handler\.count=40.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Cluster name (metadata.name); default "ozone".
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Namespace (metadata.namespace); default "ozone".
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

/// `render` arguments.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The spec.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Output format for standard output.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = RenderFormat::Yaml)]
    pub format: RenderFormat,
    /// Write one file per object and a kustomization.yaml into DIR instead of standard output.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

/// Output format of `render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// Multi-document YAML.
    Yaml,
    /// A JSON `List`.
    Json,
}

/// `version` arguments.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = VersionFormat::Text)]
    pub format: VersionFormat,
}

/// Output format of `version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionFormat {
    /// Human-readable lines.
    Text,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

/// The name help shows: `kubectl ozone` when run as the `kubectl-ozone` plugin binary
/// (kubectl maps `kubectl-foo_bar` to `kubectl foo-bar`).
pub fn display_name(argv0: Option<&str>) -> String {
    let file = argv0
        .map(std::path::Path::new)
        .and_then(|p| p.file_stem())
        .and_then(|s| s.to_str())
        .unwrap_or("kubectl-ozone");
    match file.strip_prefix("kubectl-") {
        Some(plugin) => format!("kubectl {}", plugin.replace('_', "-")),
        None => file.to_owned(),
    }
}

/// Parses the process arguments, exiting with clap's message and code 2 on a usage error.
pub fn parse() -> Cli {
    let argv0 = std::env::args().next();
    let command = Cli::command().bin_name(display_name(argv0.as_deref()));
    let matches = command.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn display_name_follows_kubectl_plugin_naming() {
        assert_eq!(
            display_name(Some("/usr/local/bin/kubectl-ozone")),
            "kubectl ozone"
        );
        assert_eq!(display_name(Some("kubectl-ozone.exe")), "kubectl ozone");
        assert_eq!(display_name(Some("/tmp/ozonectl")), "ozonectl");
        assert_eq!(display_name(None), "kubectl ozone");
    }
}
