//! Memory and speed of `backup create`'s download path: a generated checkpoint of
//! `BACKUP_BENCH_GIB` GiB (default 2) goes through a real `kube::Client` and the pod-proxy
//! download into a file on disk. Prints throughput and the process's peak resident memory
//! (`VmHWM`) before and after, which must stay flat whatever the size.
//!
//! `cargo bench -p ozone-engine --bench backup_stream` (Linux: reads /proc/self/status).

#![allow(clippy::unwrap_used)] // A benchmark fails loudly.

use ozone_engine::cluster::proxy::{ProxyGet, generated};
use ozone_engine::cluster::view::KubeReader;
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let gib: u64 = std::env::var("BACKUP_BENCH_GIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for total in [64u64 << 20, gib << 30] {
        let before = peak_rss_kib();
        let dest = dir.path().join(format!("om-{total}.tar"));
        let reader = KubeReader::new(generated::client(total, "ozone"), "ozone");
        let start = Instant::now();
        let done = rt
            .block_on(reader.proxy_download(
                &ProxyGet {
                    scheme: "http",
                    pod: "ozone-om-0".into(),
                    port: 9874,
                    path_and_query: "/dbCheckpoint?flushBeforeCheckpoint=true".into(),
                    what: "the OM checkpoint".into(),
                },
                &dest,
                &mut |_| {},
            ))
            .unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(done.size, total);
        println!(
            "backup_stream: {:>6} MiB in {secs:.2}s = {:.0} MiB/s; peak RSS {} KiB before, {} KiB after",
            total >> 20,
            (total >> 20) as f64 / secs,
            before,
            peak_rss_kib()
        );
        std::fs::remove_file(&dest).unwrap();
    }
}
