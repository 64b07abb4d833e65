//! HTTP GETs to a pod through the API server's pod proxy
//! (`/api/v1/namespaces/N/pods/<scheme>:<pod>:<port>/proxy/<path>`), streamed to a file: the
//! body goes to disk frame by frame and is hashed on the way, so a checkpoint of any size
//! costs a few frames of memory. The proxy is a read (`get` on `pods/proxy`).

use super::view::KubeReader;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use kube::client::Body;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a download goes and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyGet {
    /// `http` or `https`: the scheme the pod serves.
    pub scheme: &'static str,
    /// Pod name.
    pub pod: String,
    /// Port number.
    pub port: u16,
    /// Path with query, starting with `/`.
    pub path_and_query: String,
    /// What is downloaded, for messages ("the OM checkpoint").
    pub what: String,
}

impl ProxyGet {
    /// The API path of the request.
    pub fn uri(&self, namespace: &str) -> String {
        format!(
            "/api/v1/namespaces/{namespace}/pods/{}:{}:{}/proxy{}",
            self.scheme, self.pod, self.port, self.path_and_query
        )
    }
}

/// A finished download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downloaded {
    /// Bytes written.
    pub size: u64,
    /// Hex SHA-256 of them.
    pub sha256: String,
}

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// RBAC denied the proxy itself.
    #[error(
        "forbidden: kubectl-ozone needs get on pods/proxy in namespace {namespace} to download {what} (the <cluster>-operator Role grants it): {message}"
    )]
    ProxyForbidden {
        /// Namespace.
        namespace: String,
        /// What was downloaded.
        what: String,
        /// The API server's message.
        message: String,
    },
    /// Ozone refused: a secured cluster checks the caller against `ozone.administrators`.
    #[error(
        "{what}: {pod} answered 403 Forbidden: on a secured cluster (ACLs and SPNEGO on) only users in ozone.administrators may download checkpoints, and the API server's proxy carries no Kerberos identity; take the backup from inside the cluster with an admin identity, or see README \"Backups and recovery\""
    )]
    OzoneForbidden {
        /// What was downloaded.
        what: String,
        /// The pod.
        pod: String,
    },
    /// The servlet is not there.
    #[error(
        "{what}: {pod} has no {path} endpoint (404); Ozone serves it on the OM and SCM HTTP ports since 1.x — is the port ({port}) the component's HTTP port and the scheme ({scheme}) the one it serves?"
    )]
    NoEndpoint {
        /// What was downloaded.
        what: String,
        /// The pod.
        pod: String,
        /// The path.
        path: String,
        /// Port.
        port: u16,
        /// Scheme.
        scheme: &'static str,
    },
    /// Any other status.
    #[error("{what}: {pod} answered {status}: {body}")]
    Status {
        /// What was downloaded.
        what: String,
        /// The pod.
        pod: String,
        /// HTTP status.
        status: StatusCode,
        /// The start of the body.
        body: String,
    },
    /// The request or the body stream failed.
    #[error("{what}: the transfer from {pod} failed")]
    Transfer {
        /// What was downloaded.
        what: String,
        /// The pod.
        pod: String,
        /// Cause.
        #[source]
        source: kube::Error,
    },
    /// Writing the file failed.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// At most this much of an error body is kept for the message.
const ERROR_BODY_LIMIT: usize = 2048;

impl KubeReader {
    /// GETs `get` through the pod proxy into a new file `dest`, calling `on_bytes` with the
    /// running total. On error the file is removed.
    pub async fn proxy_download(
        &self,
        get: &ProxyGet,
        dest: &Path,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Downloaded, ProxyError> {
        let result = self.proxy_download_inner(get, dest, on_bytes).await;
        if result.is_err() {
            let _ = std::fs::remove_file(dest);
        }
        result
    }

    async fn proxy_download_inner(
        &self,
        get: &ProxyGet,
        dest: &Path,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Downloaded, ProxyError> {
        let transfer = |source| ProxyError::Transfer {
            what: get.what.clone(),
            pod: get.pod.clone(),
            source,
        };
        let request = Request::get(get.uri(self.namespace()))
            .body(Body::empty())
            .map_err(|e| transfer(kube::Error::HttpError(e)))?;
        let response = self.client().send(request).await.map_err(transfer)?;
        let status = response.status();
        let mut body = response.into_body();
        if !status.is_success() {
            let mut text = Vec::new();
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.map_err(transfer)?.into_data() {
                    text.extend_from_slice(&data[..data.len().min(ERROR_BODY_LIMIT - text.len())]);
                }
                if text.len() >= ERROR_BODY_LIMIT {
                    break;
                }
            }
            return Err(classify(get, self.namespace(), status, &text));
        }
        let write_err = |source| ProxyError::Write {
            path: dest.to_owned(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dest)
            .map_err(write_err)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.map_err(transfer)?.into_data() else {
                continue;
            };
            file.write_all(&data).map_err(write_err)?;
            hasher.update(&data);
            size += data.len() as u64;
            on_bytes(size);
        }
        file.sync_all().map_err(write_err)?;
        Ok(Downloaded {
            size,
            sha256: hex(&hasher.finalize()),
        })
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An unsuccessful answer: the API server's own (a JSON `Status`) or the pod's, passed through.
fn classify(get: &ProxyGet, namespace: &str, status: StatusCode, body: &[u8]) -> ProxyError {
    let text = String::from_utf8_lossy(body).trim().to_owned();
    let api_status = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .filter(|v| v["kind"] == "Status");
    match (status, api_status) {
        (StatusCode::FORBIDDEN, Some(s)) => ProxyError::ProxyForbidden {
            namespace: namespace.to_owned(),
            what: get.what.clone(),
            message: s["message"].as_str().unwrap_or_default().to_owned(),
        },
        (StatusCode::FORBIDDEN, None) => ProxyError::OzoneForbidden {
            what: get.what.clone(),
            pod: get.pod.clone(),
        },
        (StatusCode::NOT_FOUND, None) => ProxyError::NoEndpoint {
            what: get.what.clone(),
            pod: get.pod.clone(),
            path: get
                .path_and_query
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned(),
            port: get.port,
            scheme: get.scheme,
        },
        (_, Some(s)) => ProxyError::Status {
            what: get.what.clone(),
            pod: get.pod.clone(),
            status,
            body: s["message"].as_str().unwrap_or(&text).to_owned(),
        },
        (_, None) => ProxyError::Status {
            what: get.what.clone(),
            pod: get.pod.clone(),
            status,
            body: text.lines().take(3).collect::<Vec<_>>().join(" "),
        },
    }
}

/// A checkpoint-shaped stream of any length that is generated, never stored: for the
/// streaming test and the memory benchmark.
pub mod generated {
    use bytes::Bytes;
    use http_body::Frame;
    use sha2::{Digest, Sha256};
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Bytes per frame, about what a TCP read hands over.
    pub const FRAME: usize = 64 << 10;

    fn pattern() -> Bytes {
        // xorshift: not compressible, so nothing downstream can shortcut it.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut out = Vec::with_capacity(FRAME);
        while out.len() < FRAME {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(&x.to_le_bytes());
        }
        Bytes::from(out)
    }

    /// A response body of `total` bytes.
    pub struct Body {
        left: u64,
        frame: Bytes,
    }

    impl Body {
        /// `total` bytes.
        pub fn new(total: u64) -> Body {
            Body {
                left: total,
                frame: pattern(),
            }
        }
    }

    impl http_body::Body for Body {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            if self.left == 0 {
                return Poll::Ready(None);
            }
            let n = usize::try_from(self.left.min(FRAME as u64)).unwrap_or(FRAME);
            self.left -= n as u64;
            Poll::Ready(Some(Ok(Frame::data(self.frame.slice(..n)))))
        }
    }

    /// The SHA-256 (hex) of [`Body::new`]`(total)`.
    pub fn sha256(total: u64) -> String {
        let frame = pattern();
        let mut hasher = Sha256::new();
        let mut left = total;
        while left > 0 {
            let n = usize::try_from(left.min(FRAME as u64)).unwrap_or(FRAME);
            hasher.update(&frame[..n]);
            left -= n as u64;
        }
        super::hex(&hasher.finalize())
    }

    /// A client whose every request is answered 200 with `total` generated bytes.
    pub fn client(total: u64, namespace: &str) -> kube::Client {
        let svc = tower::service_fn(move |_req: http::Request<kube::client::Body>| async move {
            Ok::<_, std::convert::Infallible>(
                http::Response::builder()
                    .status(200)
                    .header("content-type", "application/x-tar")
                    .body(Body::new(total))
                    .unwrap_or_else(|_| http::Response::new(Body::new(0))),
            )
        });
        kube::Client::new(svc, namespace)
    }
}
