//! The operator's HTTP endpoints, as small as they can be: a TCP listener that reads the
//! request line and answers with a fixed body. `/healthz` is 200 while the process runs,
//! `/readyz` once the controllers started, `/metrics` the counters of
//! [`super::reconcile::Metrics`] in Prometheus' text format.

use super::reconcile::Metrics;
use anyhow::{Context, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Status code and body for a request path.
pub type Response = (u16, String);

/// The answer of the health port.
pub fn health_response(path: &str, ready: bool) -> Response {
    match path {
        "/healthz" | "/livez" => (200, "ok\n".into()),
        "/readyz" if ready => (200, "ok\n".into()),
        "/readyz" => (503, "not ready\n".into()),
        _ => (404, "not found\n".into()),
    }
}

/// The answer of the metrics port.
pub fn metrics_response(path: &str, metrics: &Metrics) -> Response {
    match path {
        "/metrics" => (200, metrics.render()),
        _ => (404, "not found\n".into()),
    }
}

/// The path of an HTTP/1 request's first line (`GET /healthz HTTP/1.1`).
pub fn request_path(request: &str) -> &str {
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    target.split('?').next().unwrap_or(target)
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        404 => "Not Found",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

async fn listen(port: u16, answer: Arc<dyn Fn(&str) -> Response + Send + Sync>) -> Result<()> {
    let listener = TcpListener::bind(("0.0.0.0", port))
        .await
        .with_context(|| format!("cannot listen on port {port}"))?;
    loop {
        let (mut socket, _) = listener.accept().await?;
        let answer = answer.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let n = socket.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let (code, body) = answer(request_path(&request));
            let response = format!(
                "HTTP/1.1 {code} {}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                reason(code),
                body.len()
            );
            // The prober hung up: nothing to do.
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        });
    }
}

/// Serves `/healthz` and `/readyz` on `port`.
pub async fn health(port: u16, ready: Arc<AtomicBool>) -> Result<()> {
    listen(
        port,
        Arc::new(move |path| health_response(path, ready.load(Ordering::Relaxed))),
    )
    .await
}

/// Serves `/metrics` on `port`.
pub async fn metrics(port: u16, metrics: Arc<Metrics>) -> Result<()> {
    listen(port, Arc::new(move |path| metrics_response(path, &metrics))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_answer_by_path() {
        assert_eq!(request_path("GET /readyz?verbose HTTP/1.1\r\n"), "/readyz");
        assert_eq!(health_response("/healthz", false).0, 200);
        assert_eq!(health_response("/readyz", false).0, 503);
        assert_eq!(health_response("/readyz", true).0, 200);
        assert_eq!(health_response("/other", true).0, 404);
        let m = Metrics::default();
        m.reconciles.fetch_add(2, Ordering::Relaxed);
        let (code, body) = metrics_response("/metrics", &m);
        assert_eq!(code, 200);
        assert!(
            body.contains("ozone_operator_reconciles_total 2\n"),
            "{body}"
        );
    }
}
