//! Running the Ozone CLI in a pod: the [`OzoneExec`] trait (the real transport is
//! [`super::ws`]; tests script a fake), and the two ways to use it — [`OzoneReader`] runs only
//! [`Query`]s, [`OzoneAdmin`] runs [`Mutation`]s and exists only where a change was
//! confirmed.

use ozone_storage::Component;
use ozone_storage::admin::{Mutation, Query};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use thiserror::Error;

/// A boxed future, so the trait can be used as `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a command printed and how it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit code (0 on success).
    pub exit_code: i32,
}

/// Why a command could not be run at all.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ExecError {
    /// RBAC denied `pods/exec`.
    #[error(
        "forbidden: kubectl-ozone needs create on pods/exec in namespace {namespace} to run the Ozone CLI (get as well before Kubernetes 1.35): {message}"
    )]
    Forbidden {
        /// The namespace.
        namespace: String,
        /// The API server's message.
        message: String,
    },
    /// The connection failed or the pod is gone.
    #[error("cannot exec in pod {pod}: {message}")]
    Transport {
        /// The pod.
        pod: String,
        /// Why.
        message: String,
    },
}

/// Bytes streamed into a command's standard input, read as they are sent.
pub type Stdin<'a> = Box<dyn tokio::io::AsyncRead + Send + Unpin + 'a>;

/// Runs a command in a container of a pod.
pub trait OzoneExec: Send + Sync {
    /// Runs `argv` in `container` of `pod` and collects its output.
    fn run<'a>(
        &'a self,
        pod: &'a str,
        container: &'a str,
        argv: &'a [String],
    ) -> BoxFuture<'a, Result<ExecOutput, ExecError>>;

    /// Runs `argv` with `stdin` streamed into its standard input (a chunk at a time, never
    /// held whole), then standard input closed; collects its output. Used only by
    /// [`super::act::Actuator`] (`recover --from` sends a checkpoint tarball this way).
    fn run_with_stdin<'a>(
        &'a self,
        pod: &'a str,
        _container: &'a str,
        _argv: &'a [String],
        _stdin: Stdin<'a>,
    ) -> BoxFuture<'a, Result<ExecOutput, ExecError>> {
        Box::pin(async move {
            Err(ExecError::Transport {
                pod: pod.to_owned(),
                message: "this exec transport cannot stream standard input".into(),
            })
        })
    }
}

/// An Ozone command that ran but failed, or whose pods could not be reached.
#[derive(Debug, Error)]
pub enum OzoneError {
    /// No pod of the component is running and ready.
    #[error("no running {component} pod to run `{command}` in")]
    NoPod {
        /// The component.
        component: Component,
        /// The command.
        command: String,
    },
    /// The transport failed.
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// The command exited non-zero.
    #[error("`{command}` failed in pod {pod} with exit code {code}: {stderr}")]
    Failed {
        /// The command.
        command: String,
        /// The pod.
        pod: String,
        /// Its exit code.
        code: i32,
        /// The last lines of its standard error.
        stderr: String,
    },
}

/// The pods that can run commands for each component, best first.
#[derive(Clone, Debug, Default)]
pub struct Targets {
    /// SCM pods.
    pub scm: Vec<String>,
    /// OM pods.
    pub om: Vec<String>,
}

impl Targets {
    fn pods(&self, component: Component) -> &[String] {
        match component {
            Component::Scm => &self.scm,
            Component::Om => &self.om,
            _ => &[],
        }
    }
}

async fn run_in(
    exec: &dyn OzoneExec,
    targets: &Targets,
    component: Component,
    argv: &[String],
    retry_next_pod: bool,
) -> Result<String, OzoneError> {
    let command = argv.join(" ");
    let pods = targets.pods(component);
    let mut last = None;
    for pod in pods {
        match exec.run(pod, component.id(), argv).await {
            Ok(out) if out.exit_code == 0 => return Ok(out.stdout),
            Ok(out) => {
                return Err(OzoneError::Failed {
                    command,
                    pod: pod.clone(),
                    code: out.exit_code,
                    stderr: tail(&out.stderr),
                });
            }
            // Missing permission is the same for every pod.
            Err(e @ ExecError::Forbidden { .. }) => return Err(e.into()),
            Err(e) => {
                last = Some(e);
                if !retry_next_pod {
                    break;
                }
            }
        }
    }
    Err(match last {
        Some(e) => e.into(),
        None => OzoneError::NoPod { component, command },
    })
}

/// The last few lines of standard error: Java stack traces are long.
fn tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.trim().lines().collect();
    let start = lines.len().saturating_sub(5);
    lines[start..].join("\n")
}

/// Runs read-only Ozone commands.
#[derive(Clone)]
pub struct OzoneReader {
    exec: Arc<dyn OzoneExec>,
    targets: Targets,
}

impl OzoneReader {
    /// A reader that runs commands in `targets`.
    pub fn new(exec: Arc<dyn OzoneExec>, targets: Targets) -> OzoneReader {
        OzoneReader { exec, targets }
    }

    /// Runs a query, trying the next pod of the component if one cannot be reached.
    pub async fn query(&self, q: &Query) -> Result<String, OzoneError> {
        run_in(&*self.exec, &self.targets, q.component(), q.argv(), true).await
    }

    /// Runs a query in one given pod (in the container of the query's component), for
    /// questions every pod answers for itself, such as `ozone version`.
    pub async fn query_in(&self, pod: &str, q: &Query) -> Result<String, OzoneError> {
        let out = self.exec.run(pod, q.component().id(), q.argv()).await?;
        if out.exit_code == 0 {
            Ok(out.stdout)
        } else {
            Err(OzoneError::Failed {
                command: q.argv().join(" "),
                pod: pod.to_owned(),
                code: out.exit_code,
                stderr: tail(&out.stderr),
            })
        }
    }

    /// The exec transport and targets, for building an [`OzoneAdmin`] after confirmation.
    pub fn parts(&self) -> (Arc<dyn OzoneExec>, Targets) {
        (self.exec.clone(), self.targets.clone())
    }
}

/// Runs Ozone commands that change the cluster. Built only by [`super::act::Actuator`].
pub struct OzoneAdmin {
    exec: Arc<dyn OzoneExec>,
    targets: Targets,
}

impl OzoneAdmin {
    pub(super) fn new(exec: Arc<dyn OzoneExec>, targets: Targets) -> OzoneAdmin {
        OzoneAdmin { exec, targets }
    }

    /// Runs a command in one pod with `stdin` streamed into it (see
    /// [`OzoneExec::run_with_stdin`]); never retried.
    pub async fn stream_into(
        &self,
        pod: &str,
        container: &str,
        argv: &[String],
        stdin: Stdin<'_>,
    ) -> Result<ExecOutput, ExecError> {
        self.exec.run_with_stdin(pod, container, argv, stdin).await
    }

    /// Runs a mutation once: a change is never retried on another pod, because the first
    /// may have applied it.
    pub async fn mutate(&self, m: &Mutation) -> Result<String, OzoneError> {
        run_in(&*self.exec, &self.targets, m.component(), m.argv(), false).await
    }

    /// Runs a command that changes a pod's files (emptying a held member's metadata) in
    /// `container` of `pod`, once.
    pub async fn run_in_pod(
        &self,
        pod: &str,
        container: &str,
        argv: &[String],
    ) -> Result<String, OzoneError> {
        let out = self.exec.run(pod, container, argv).await?;
        if out.exit_code == 0 {
            Ok(out.stdout)
        } else {
            Err(OzoneError::Failed {
                command: argv.join(" "),
                pod: pod.to_owned(),
                code: out.exit_code,
                stderr: tail(&out.stderr),
            })
        }
    }
}
