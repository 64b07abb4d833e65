//! The fixture of the end-to-end suite: one fresh namespace per test on the cluster
//! `OZONE_E2E_KUBECONFIG` names, the built `kubectl-ozone` binary and `kubectl` run against it,
//! and waits on cluster conditions. Nothing here knows which cluster it is (the harness of
//! `../shared/harness`, kind, k3d): tests assert what a user sees.
//!
//! Environment:
//! - `OZONE_E2E_KUBECONFIG`: the cluster; unset, every trial is reported ignored after one line.
//! - `OZONE_E2E_NAMESPACE_PREFIX` (default `e2e`): namespaces are `<prefix>-<test>-<random>`.
//! - `OZONE_E2E_KEEP=1`: keep each test's namespace (its name is printed) instead of deleting it.
//! - `OZONE_E2E_USER_KUBECONFIG_CMD`: a command that, given `NAME [GROUP…]`, prints the path of a
//!   kubeconfig for that user with only the rights RBAC grants (the harness's `user` script);
//!   unset, tests that need one are skipped with a line saying so.
//! - `OZONE_E2E_TIMEOUT_SECS` (default 180): the deadline of each wait and plugin run.

#![allow(dead_code)] // Each area uses part of the fixture.

use anyhow::{Context, Result, anyhow, bail};
pub use libtest_mimic::Completion;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What a test returns: `Ok(Completion::Completed)` passed, `Ok(Completion::Ignored{..})`
/// skipped at run time with its reason (a piece of the cluster it needs is missing).
pub type Outcome = Result<Completion>;

/// The built plugin under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_kubectl-ozone");

/// The label every test namespace carries, so that leftovers can be found:
/// `kubectl get ns -l kubectl-ozone.e2e/test`.
pub const NAMESPACE_LABEL: &str = "kubectl-ozone.e2e/test";

/// The one line printed when the suite does not run.
pub const SKIP_LINE: &str =
    "e2e: skipped, OZONE_E2E_KUBECONFIG is not set (see README \"End-to-end tests\")";

/// A passed test.
pub fn passed() -> Outcome {
    Ok(Completion::Completed)
}

/// A test skipped at run time, with the reason printed by the runner.
pub fn skipped(reason: impl ToString) -> Outcome {
    Ok(Completion::ignored_with(reason))
}

/// One end-to-end test: `name` (also the namespace slug) and its body, which gets a fresh
/// namespace.
pub fn trial(name: &str, body: fn(&Ctx) -> Outcome) -> Trial {
    let test = name.to_owned();
    Trial::ignorable_test(name, move || run_one(&test, body)).with_kind("e2e")
}

fn run_one(name: &str, body: fn(&Ctx) -> Outcome) -> Result<Completion, Failed> {
    let Some(kubeconfig) = kubeconfig() else {
        return Ok(Completion::ignored_with("OZONE_E2E_KUBECONFIG is not set"));
    };
    let start = Instant::now();
    let ctx = Ctx::create(name, kubeconfig).map_err(|e| Failed::from(format!("{e:#}")))?;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&ctx)));
    // libtest-mimic has no --report-time: one line per test says how long it took.
    eprintln!(
        "e2e: {name} took {:.1}s (namespace {})",
        start.elapsed().as_secs_f64(),
        ctx.ns
    );
    let failure = match outcome {
        Ok(Ok(c)) => return Ok(c),
        Ok(Err(e)) => format!("{e:#}"),
        Err(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "panicked".into()),
    };
    let where_ = if keep() {
        format!(
            "namespace {} kept: kubectl --kubeconfig {} -n {} get all,pvc,events",
            ctx.ns,
            ctx.kubeconfig.display(),
            ctx.ns
        )
    } else {
        format!("namespace {} (deleted; OZONE_E2E_KEEP=1 keeps it)", ctx.ns)
    };
    Err(Failed::from(format!("{failure}\n{where_}")))
}

/// Runs the suite: libtest's command line (filters, `--list`, `--test-threads`, `--ignored`).
/// Without `OZONE_E2E_KUBECONFIG`, prints [`SKIP_LINE`] once and reports every trial ignored.
pub fn main(trials: Vec<Trial>) -> ExitCode {
    let mut args = Arguments::from_args();
    let trials = if kubeconfig().is_none() {
        if !args.list {
            println!("{SKIP_LINE}");
        }
        // Ignored, even under --ignored/--include-ignored: there is no cluster to run them on.
        args.ignored = false;
        args.include_ignored = false;
        trials
            .into_iter()
            .map(|t| t.with_ignored_flag(true))
            .collect()
    } else {
        trials
    };
    libtest_mimic::run(&args, trials).exit_code()
}

fn kubeconfig() -> Option<PathBuf> {
    std::env::var_os("OZONE_E2E_KUBECONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn keep() -> bool {
    std::env::var("OZONE_E2E_KEEP").is_ok_and(|v| v == "1" || v == "true")
}

/// The deadline of waits and plugin runs.
pub fn timeout() -> Duration {
    let secs = std::env::var("OZONE_E2E_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(180);
    Duration::from_secs(secs)
}

/// What a command printed and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code (-1: killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The command line, for messages.
    pub command: String,
}

impl Output {
    /// Fails unless the command exited with `code`, showing what it printed.
    pub fn expect_code(self, code: i32) -> Result<Output> {
        if self.code != code {
            bail!(
                "`{}` exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
                self.command,
                self.code,
                self.stdout,
                self.stderr
            );
        }
        Ok(self)
    }

    /// Fails unless the command succeeded.
    pub fn ok(self) -> Result<Output> {
        self.expect_code(0)
    }

    /// Standard output parsed as JSON.
    pub fn json(&self) -> Result<Value> {
        serde_json::from_str(&self.stdout)
            .with_context(|| format!("`{}` printed no JSON:\n{}", self.command, self.stdout))
    }
}

/// One test's namespace on the cluster, deleted when dropped (unless `OZONE_E2E_KEEP=1`).
pub struct Ctx {
    /// The namespace.
    pub ns: String,
    /// The cluster's kubeconfig.
    pub kubeconfig: PathBuf,
    /// A scratch directory of the test (reports, specs), removed with the context.
    pub dir: tempfile::TempDir,
    /// Namespaces made by [`Ctx::other_namespace`], deleted with the test's.
    others: std::cell::RefCell<Vec<String>>,
}

impl Ctx {
    fn create(test: &str, kubeconfig: PathBuf) -> Result<Ctx> {
        let prefix =
            std::env::var("OZONE_E2E_NAMESPACE_PREFIX").unwrap_or_else(|_| "e2e".to_owned());
        let ns = namespace_name(&prefix, test, &random_suffix()?);
        let ctx = Ctx {
            ns: ns.clone(),
            kubeconfig,
            dir: tempfile::tempdir().context("cannot create a scratch directory")?,
            others: Default::default(),
        };
        let slug = slug(test, 63);
        let manifest = serde_json::json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {NAMESPACE_LABEL: slug}}
        });
        ctx.kubectl_global(
            &["create", "-f", "-"],
            Some(manifest.to_string().as_bytes()),
        )?
        .ok()
        .context("cannot create the test namespace")?;
        Ok(ctx)
    }

    /// A second namespace of the test (`<namespace>-<role>`, cut to 63 characters), for what
    /// lives apart from the cluster (an application's Secret); kept or deleted with the test's.
    pub fn other_namespace(&self, role: &str) -> Result<String> {
        let room = 63usize.saturating_sub(role.len() + 1);
        let base: String = self.ns.chars().take(room).collect();
        let ns = format!("{}-{role}", base.trim_end_matches('-'));
        let manifest = serde_json::json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "labels": {NAMESPACE_LABEL: slug(&ns, 63)}}
        });
        self.others.borrow_mut().push(ns.clone());
        self.kubectl_global(
            &["create", "-f", "-"],
            Some(manifest.to_string().as_bytes()),
        )?
        .ok()
        .with_context(|| format!("cannot create namespace {ns}"))?;
        Ok(ns)
    }

    /// Runs the plugin with `args` then `-n <namespace>`, `KUBECONFIG` set to the cluster's.
    pub fn ozone(&self, args: &[&str]) -> Result<Output> {
        self.ozone_with_stdin(args, None)
    }

    /// [`Ctx::ozone`] with bytes on standard input.
    pub fn ozone_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<Output> {
        let mut cmd = Command::new(BIN);
        cmd.args(args).args(["-n", &self.ns]);
        self.env(&mut cmd);
        run(cmd, stdin, timeout())
    }

    /// Runs the plugin as the user of `kubeconfig` (see [`Ctx::user_kubeconfig`]).
    pub fn ozone_as(&self, kubeconfig: &Path, args: &[&str]) -> Result<Output> {
        let mut cmd = Command::new(BIN);
        cmd.args(args).args(["-n", &self.ns]);
        self.env(&mut cmd);
        cmd.env("KUBECONFIG", kubeconfig);
        run(cmd, None, timeout())
    }

    /// Starts the plugin (with `-n <namespace>`) with standard error piped, for tests that
    /// interrupt it (see [`Running::kill_when`]).
    pub fn spawn_ozone(&self, args: &[&str]) -> Result<Running> {
        let mut cmd = Command::new(BIN);
        cmd.args(args).args(["-n", &self.ns]);
        self.env(&mut cmd);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        spawn_piped(cmd)
    }

    /// Starts the plugin with `args` as is (no `-n`), as the user of `kubeconfig`, standard
    /// error piped: the operator (`operator run`), which runs until killed.
    pub fn spawn_as(&self, kubeconfig: &Path, args: &[&str]) -> Result<Running> {
        let mut cmd = Command::new(BIN);
        cmd.args(args);
        self.env(&mut cmd);
        cmd.env("KUBECONFIG", kubeconfig)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        spawn_piped(cmd)
    }

    /// Runs `kubectl -n <namespace> args…` against the cluster.
    pub fn kubectl(&self, args: &[&str]) -> Result<Output> {
        let mut all = vec!["-n", self.ns.as_str()];
        all.extend_from_slice(args);
        self.kubectl_global(&all, None)
    }

    /// `kubectl -n <namespace> args… -o json`, parsed; fails when kubectl does.
    pub fn kubectl_json(&self, args: &[&str]) -> Result<Value> {
        let mut all = args.to_vec();
        all.extend_from_slice(&["-o", "json"]);
        self.kubectl(&all)?.ok()?.json()
    }

    /// Runs kubectl without a namespace flag, optionally with standard input.
    pub fn kubectl_global(&self, args: &[&str], stdin: Option<&[u8]>) -> Result<Output> {
        let mut cmd = Command::new(kubectl_program());
        cmd.args(args);
        self.env(&mut cmd);
        run(cmd, stdin, timeout())
    }

    /// `kubectl-ozone render <args> -n <namespace> | kubectl apply --server-side [--field-manager=…] -f -`.
    /// Monitoring objects are rendered only when the cluster has the Prometheus Operator CRDs.
    pub fn render_apply(&self, args: &[&str], field_manager: Option<&str>) -> Result<Output> {
        let mut render = vec!["render"];
        render.extend_from_slice(args);
        if !self.has_prometheus_crds()? {
            render.extend_from_slice(&[
                "--set",
                "monitoring.serviceMonitors=false",
                "--set",
                "monitoring.prometheusRules=false",
            ]);
        }
        let manifests = self.ozone(&render)?.ok()?;
        let manager = field_manager.map(|m| format!("--field-manager={m}"));
        let mut apply = vec!["apply", "--server-side", "-f", "-"];
        if let Some(m) = &manager {
            apply.push(m);
        }
        let mut all = vec!["-n", self.ns.as_str()];
        all.extend_from_slice(&apply);
        self.kubectl_global(&all, Some(manifests.stdout.as_bytes()))?
            .ok()
    }

    fn has_prometheus_crds(&self) -> Result<bool> {
        static FOUND: OnceLock<bool> = OnceLock::new();
        if let Some(found) = FOUND.get() {
            return Ok(*found);
        }
        let out = self.kubectl_global(
            &["get", "crd", "servicemonitors.monitoring.coreos.com"],
            None,
        )?;
        Ok(*FOUND.get_or_init(|| out.code == 0))
    }

    /// Polls `check` every 250 ms until it answers `Ok(None)` (done) or the deadline passes;
    /// `Ok(Some(state))` is "not yet", `state` describing what was seen, for the timeout message.
    pub fn wait_until(
        &self,
        what: &str,
        deadline: Duration,
        mut check: impl FnMut() -> Result<Option<String>>,
    ) -> Result<()> {
        let start = Instant::now();
        loop {
            let last = match check() {
                Ok(None) => return Ok(()),
                Ok(Some(state)) => state,
                Err(e) => format!("error: {e:#}"),
            };
            if start.elapsed() >= deadline {
                bail!(
                    "timed out after {:?} waiting for {what}; last seen: {last}",
                    deadline
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Waits until every StatefulSet and Deployment of Ozone cluster `cluster` has all the
    /// replicas its spec asks for ready and updated, and every pod of it is Ready.
    pub fn wait_cluster_ready(&self, cluster: &str) -> Result<()> {
        let selector = format!("app.kubernetes.io/instance={cluster}");
        self.wait_until(
            &format!("Ozone cluster {cluster} to be ready"),
            timeout(),
            || {
                let list =
                    self.kubectl_json(&["get", "statefulsets,deployments,pods", "-l", &selector])?;
                let items = list["items"].as_array().cloned().unwrap_or_default();
                let mut pending = Vec::new();
                let mut workloads = 0;
                for item in &items {
                    let kind = item["kind"].as_str().unwrap_or_default();
                    let name = item["metadata"]["name"].as_str().unwrap_or_default();
                    match kind {
                        "StatefulSet" | "Deployment" => {
                            workloads += 1;
                            let want = item["spec"]["replicas"].as_i64().unwrap_or(1);
                            let ready = item["status"]["readyReplicas"].as_i64().unwrap_or(0);
                            let updated = item["status"]["updatedReplicas"].as_i64().unwrap_or(0);
                            if ready != want || updated != want {
                                pending.push(format!(
                                    "{kind}/{name} {ready}/{want} ready, {updated} updated"
                                ));
                            }
                        }
                        "Pod" if !pod_ready(item) => {
                            let phase = item["status"]["phase"].as_str().unwrap_or("?");
                            pending.push(format!("pod/{name} not ready ({phase})"));
                        }
                        _ => {}
                    }
                }
                if workloads == 0 {
                    pending.push(format!("no StatefulSet or Deployment labelled {selector}"));
                }
                Ok((!pending.is_empty()).then(|| pending.join(", ")))
            },
        )
    }

    /// A kubeconfig for user `name` in `groups` with only the rights RBAC grants, from
    /// `OZONE_E2E_USER_KUBECONFIG_CMD NAME GROUP…` (prints its path). `None` when the variable
    /// is unset: the caller skips with [`skipped`] and [`NO_USER_COMMAND`].
    pub fn user_kubeconfig(&self, name: &str, groups: &[&str]) -> Result<Option<PathBuf>> {
        let Ok(command) = std::env::var("OZONE_E2E_USER_KUBECONFIG_CMD") else {
            return Ok(None);
        };
        let mut words = command.split_whitespace();
        let program = words
            .next()
            .ok_or_else(|| anyhow!("OZONE_E2E_USER_KUBECONFIG_CMD is empty"))?;
        let mut cmd = Command::new(program);
        cmd.args(words).arg(name).args(groups);
        self.env(&mut cmd);
        let out = run(cmd, None, timeout())?.ok()?;
        let path = PathBuf::from(out.stdout.trim());
        if !path.is_file() {
            bail!(
                "OZONE_E2E_USER_KUBECONFIG_CMD printed {:?}, which is no file",
                out.stdout.trim()
            );
        }
        Ok(Some(path))
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("NO_COLOR", "1")
            .env_remove("KUBECTL_OZONE_NAMESPACE");
    }
}

/// Why a test that needs a limited user is skipped.
pub const NO_USER_COMMAND: &str = "needs OZONE_E2E_USER_KUBECONFIG_CMD (a command printing a kubeconfig for a user NAME [GROUP…]; the harness's is ../shared/harness/user)";

impl Drop for Ctx {
    fn drop(&mut self) {
        let mut all = vec![self.ns.clone()];
        all.extend(self.others.borrow().iter().cloned());
        if keep() {
            eprintln!("e2e: kept namespace {}", all.join(", "));
            return;
        }
        for ns in &all {
            let _ = self.kubectl_global(&["delete", "namespace", ns, "--wait=false"], None);
        }
    }
}

/// A plugin process started by [`Ctx::spawn_ozone`].
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Lines of standard error read so far.
    pub seen: Vec<String>,
    command: String,
}

/// Spawns `cmd` (standard error piped) with a thread forwarding its lines.
fn spawn_piped(mut cmd: Command) -> Result<Running> {
    let command = describe(&cmd);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {command}"))?;
    let (tx, lines) = mpsc::channel();
    let stderr = child.stderr.take().context("no stderr pipe")?;
    std::thread::spawn(move || {
        for line in BufReader::new(stderr)
            .lines()
            .map_while(std::io::Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Ok(Running {
        child,
        lines,
        seen: Vec::new(),
        command,
    })
}

impl Running {
    /// Reads standard error until a line contains `marker`; the process runs on.
    pub fn wait_for(&mut self, marker: &str) -> Result<()> {
        self.read_until(marker, false)
    }

    /// Kills the process now (SIGKILL).
    pub fn kill(&mut self) -> Result<()> {
        self.child.kill().context("cannot kill the plugin")?;
        self.child.wait().context("cannot reap the plugin")?;
        Ok(())
    }

    /// Whether the process has ended.
    pub fn ended(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// The lines of standard error read so far, plus any waiting.
    pub fn drain(&mut self) -> &[String] {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        &self.seen
    }

    /// Reads standard error until a line contains `marker`, then kills the process with
    /// SIGKILL (no cleanup runs, as when a node dies or the user's laptop loses power).
    pub fn kill_when(&mut self, marker: &str) -> Result<()> {
        self.read_until(marker, true)
    }

    fn read_until(&mut self, marker: &str, kill: bool) -> Result<()> {
        let deadline = Instant::now() + timeout();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.contains(marker);
                    self.seen.push(line);
                    if hit {
                        if kill {
                            self.kill()?;
                        }
                        return Ok(());
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    bail!(
                        "`{}` ended ({status}) before printing {marker:?}; stderr:\n{}",
                        self.command,
                        self.seen.join("\n")
                    );
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    bail!(
                        "`{}` did not print {marker:?} in {:?}; stderr so far:\n{}",
                        self.command,
                        timeout(),
                        self.seen.join("\n")
                    );
                }
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn kubectl_program() -> String {
    std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".to_owned())
}

/// Whether a pod (as JSON) has condition Ready=True.
/// The plugin's arguments for the small profile with `sets`, without monitoring objects (so
/// no Prometheus Operator CRDs are needed): what `render`, `diff` and `apply` are all given.
pub fn small_spec(sets: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = [
        "--profile",
        "small",
        "--set",
        "monitoring.serviceMonitors=false",
        "--set",
        "monitoring.prometheusRules=false",
    ]
    .map(str::to_owned)
    .to_vec();
    for s in sets {
        out.push("--set".into());
        out.push((*s).to_owned());
    }
    out
}

/// `command`, then the spec's arguments, then `more`.
pub fn with_spec<'a>(command: &[&'a str], spec: &'a [String], more: &[&'a str]) -> Vec<&'a str> {
    let mut out = command.to_vec();
    out.extend(spec.iter().map(String::as_str));
    out.extend_from_slice(more);
    out
}

pub fn pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

/// `test` as a DNS label fragment of at most `max` characters.
pub fn slug(test: &str, max: usize) -> String {
    let mut s: String = test
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s: String = s.trim_matches('-').chars().take(max).collect();
    s.trim_end_matches('-').to_owned()
}

/// `<prefix>-<test slug>-<suffix>`, at most 63 characters (a namespace name is a DNS label).
pub fn namespace_name(prefix: &str, test: &str, suffix: &str) -> String {
    let room = 63usize.saturating_sub(prefix.len() + suffix.len() + 2);
    format!("{prefix}-{}-{suffix}", slug(test, room.max(1)))
}

fn random_suffix() -> Result<String> {
    let mut bytes = [0u8; 3];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn describe(cmd: &Command) -> String {
    let mut words = vec![cmd.get_program().to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    if words[0] == BIN {
        words[0] = "kubectl-ozone".into();
    }
    words.join(" ")
}

/// Runs `cmd` to its end (killed after `deadline`), feeding `stdin`.
fn run(mut cmd: Command, stdin: Option<&[u8]>, deadline: Duration) -> Result<Output> {
    let command = describe(&cmd);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {command}"))?;
    let writer = stdin.map(|bytes| {
        let bytes = bytes.to_vec();
        let mut pipe = child.stdin.take();
        std::thread::spawn(move || {
            if let Some(p) = pipe.as_mut() {
                let _ = p.write_all(&bytes);
            }
        })
    });
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("`{command}` did not finish in {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    Ok(Output {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        command,
    })
}
