//! The real [`OzoneExec`]: the API server's `pods/exec` over a WebSocket (kube's `ws`
//! feature). Kept thin on purpose: everything above it is tested with a scripted fake.

use super::exec::{BoxFuture, ExecError, ExecOutput, OzoneExec, Stdin};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{Api, AttachParams};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Exec through the API server.
pub struct WsExec {
    pods: Api<Pod>,
    namespace: String,
}

impl WsExec {
    /// Exec into pods of `namespace`.
    pub fn new(client: kube::Client, namespace: &str) -> WsExec {
        WsExec {
            pods: Api::namespaced(client, namespace),
            namespace: namespace.to_owned(),
        }
    }

    async fn exec(
        &self,
        pod: &str,
        container: &str,
        argv: &[String],
        stdin: Option<Stdin<'_>>,
    ) -> Result<ExecOutput, ExecError> {
        let transport = |message: String| ExecError::Transport {
            pod: pod.to_owned(),
            message,
        };
        let params = AttachParams::default()
            .container(container)
            .stdin(stdin.is_some())
            .stdout(true)
            .stderr(true);
        let mut process = match self.pods.exec(pod, argv.to_vec(), &params).await {
            Ok(p) => p,
            Err(kube::Error::Api(status)) if status.code == 403 => {
                return Err(ExecError::Forbidden {
                    namespace: self.namespace.clone(),
                    message: status.message.clone(),
                });
            }
            Err(e) => return Err(transport(e.to_string())),
        };
        let status = process.take_status();
        let input = process.stdin();
        // Standard input is copied a buffer at a time while both output streams are drained
        // (a full one would block the command and so the copy); the end of the input closes
        // the stream, which the command sees as end of file.
        let send = async {
            match (stdin, input) {
                (Some(mut from), Some(mut to)) => {
                    let sent = tokio::io::copy(&mut from, &mut to).await;
                    let _ = to.shutdown().await;
                    sent.map(drop)
                }
                _ => Ok(()),
            }
        };
        let (sent, stdout, stderr) =
            tokio::join!(send, read_all(process.stdout()), read_all(process.stderr()));
        let status = match status {
            Some(s) => s.await,
            None => None,
        };
        process.join().await.map_err(|e| transport(e.to_string()))?;
        // A command that stopped reading early (it refused the input) says why in its
        // output and exit code, which matter more than the broken pipe.
        if let Err(e) = sent
            && exit_code(status.as_ref()) == 0
        {
            return Err(transport(format!("sending standard input: {e}")));
        }
        Ok(ExecOutput {
            stdout,
            stderr,
            exit_code: exit_code(status.as_ref()),
        })
    }
}

async fn read_all(stream: Option<impl AsyncRead + Unpin>) -> String {
    let mut buf = Vec::new();
    if let Some(mut s) = stream {
        // A broken stream leaves what was read; the exit status tells whether it failed.
        let _ = s.read_to_end(&mut buf).await;
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// The exit code from the final `Status` the API server sends: `Success`, or `Failure` with
/// reason `NonZeroExitCode` and a cause `ExitCode` whose message is the number.
fn exit_code(status: Option<&Status>) -> i32 {
    let Some(status) = status else { return -1 };
    if status.status.as_deref() == Some("Success") {
        return 0;
    }
    status
        .details
        .as_ref()
        .and_then(|d| d.causes.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
        .and_then(|c| c.message.as_deref())
        .and_then(|m| m.parse().ok())
        .unwrap_or(-1)
}

impl OzoneExec for WsExec {
    fn run<'a>(
        &'a self,
        pod: &'a str,
        container: &'a str,
        argv: &'a [String],
    ) -> BoxFuture<'a, Result<ExecOutput, ExecError>> {
        Box::pin(self.exec(pod, container, argv, None))
    }

    fn run_with_stdin<'a>(
        &'a self,
        pod: &'a str,
        container: &'a str,
        argv: &'a [String],
        stdin: Stdin<'a>,
    ) -> BoxFuture<'a, Result<ExecOutput, ExecError>> {
        Box::pin(self.exec(pod, container, argv, Some(stdin)))
    }
}
