//! Lint speed and memory: `cargo bench -p ozone-generator --bench lint`.
//!
//! Streams a generated corpus of 10,000 mixed workload documents (Deployments, StatefulSets,
//! Services, ConfigMaps, PodDisruptionBudgets, Jobs; some with findings) through one linter
//! on one thread, one document at a time, so the corpus is never held. Reports documents per
//! second for schema + policy + cross-object checks, and the process's peak resident memory
//! (`VmHWM` from `/proc/self/status`).
//!
//! Then the same corpus through `Linter::lint_sources` with `--jobs 1` and `--jobs N` (N = the
//! CPUs), as 100 files of 100 documents generated as the linter asks for them: wall time,
//! documents/s and peak memory of each (the peak is reset between runs through
//! `/proc/self/clear_refs`). With `KUBECTL_OZONE_BIN` set, the binary lints the corpus as one
//! file (`--jobs 1` and default), and so does `kubeconform -strict -n 2` when it is on PATH
//! (or at `KUBECONFORM_BIN`): whole processes, wall time, the comparison.

use ozone_generator::lint::{Linter, Options, Source, crd};
use std::time::Instant;

// The allocator the kubectl-ozone binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DOCUMENTS: usize = 10_000;

fn document(i: usize, namespaces: usize) -> String {
    let ns = format!("team-{}", (i / 6) % namespaces);
    let app = format!("app-{}", i / 6);
    let image = if i.is_multiple_of(97) {
        "nginx:latest".to_owned()
    } else {
        format!("registry.example.com/{app}:1.{}", i % 10)
    };
    match i % 6 {
        0 | 1 => {
            let kind = if i.is_multiple_of(6) {
                "Deployment"
            } else {
                "StatefulSet"
            };
            let service_name = if kind == "StatefulSet" {
                format!("  serviceName: {app}\n")
            } else {
                String::new()
            };
            format!(
                "apiVersion: apps/v1
kind: {kind}
metadata:
  name: {app}-{i}
  namespace: {ns}
  labels: {{app: {app}}}
spec:
  replicas: 3
{service_name}  selector:
    matchLabels: {{app: {app}}}
  template:
    metadata:
      labels: {{app: {app}, tier: backend}}
    spec:
      serviceAccountName: {app}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: {{type: RuntimeDefault}}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector: {{matchLabels: {{app: {app}}}}}
      containers:
      - name: main
        image: {image}
        args: [serve, --port=8080]
        env:
        - name: MODE
          value: production
        - name: POD_NAME
          valueFrom: {{fieldRef: {{fieldPath: metadata.name}}}}
        ports:
        - {{name: http, containerPort: 8080}}
        - {{name: metrics, containerPort: 9090}}
        resources:
          requests: {{cpu: 250m, memory: 256Mi}}
          limits: {{memory: 256Mi}}
        livenessProbe:
          httpGet: {{path: /healthz, port: http}}
          periodSeconds: 10
        readinessProbe:
          tcpSocket: {{port: http}}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {{drop: [ALL]}}
        volumeMounts:
        - {{name: tmp, mountPath: /tmp}}
      volumes:
      - name: tmp
        emptyDir: {{}}
"
            )
        }
        2 => format!(
            "apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
  labels: {{app: {app}}}
spec:
  selector: {{app: {app}}}
  ports:
  - {{name: http, port: 80, targetPort: http}}
  - {{name: metrics, port: 9090, targetPort: metrics}}
"
        ),
        3 => format!(
            "apiVersion: v1
kind: ConfigMap
metadata:
  name: {app}-config
  namespace: {ns}
data:
  settings.properties: |
    threads=8
    cache=256m
  LOG_LEVEL: info
"
        ),
        4 => format!(
            "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {app}
  namespace: {ns}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {{app: {app}}}
"
        ),
        _ => format!(
            "apiVersion: batch/v1
kind: Job
metadata:
  name: {app}-migrate-{i}
  namespace: {ns}
spec:
  backoffLimit: 2
  ttlSecondsAfterFinished: 600
  template:
    spec:
      restartPolicy: Never
      serviceAccountName: {app}
      securityContext: {{runAsNonRoot: true, seccompProfile: {{type: RuntimeDefault}}}}
      containers:
      - name: migrate
        image: {image}
        command: [migrate, up]
        resources: {{requests: {{cpu: 100m, memory: 64Mi}}, limits: {{memory: 64Mi}}}}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {{drop: [ALL]}}
"
        ),
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Lints the corpus spread over `namespaces` namespaces; returns (lint time, cross-object
/// time, bytes, summary).
fn run(namespaces: usize) -> (std::time::Duration, std::time::Duration, usize, String) {
    // Generating text is not linting: time only the linter, one document at a time.
    let mut linter = Linter::new(Options::default(), crd::Registry::new());
    let mut bytes = 0usize;
    let mut linting = std::time::Duration::ZERO;
    for i in 0..DOCUMENTS {
        let doc = document(i, namespaces);
        bytes += doc.len();
        let start = Instant::now();
        linter.lint("corpus.yaml", doc.as_bytes()).expect("text");
        linting += start.elapsed();
    }
    let start = Instant::now();
    let report = linter.finish();
    let cross = start.elapsed();
    (linting + cross, cross, bytes, report.summary())
}

/// Resets the peak resident memory so the next run's peak is its own; false where the kernel
/// does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Lints the corpus as 100 files of 100 documents on `jobs` threads; the files are generated
/// as the linter reads them. Returns (wall time, report summary, peak MiB).
fn run_sources(jobs: usize) -> (std::time::Duration, String, Option<f64>) {
    let reset = reset_peak();
    let start = Instant::now();
    let mut linter = Linter::new(Options::default(), crd::Registry::with_embedded());
    let sources = (0..DOCUMENTS / 100).map(|f| {
        let text: String = (f * 100..(f + 1) * 100)
            .map(|i| format!("---\n{}", document(i, 20)))
            .collect();
        Ok::<_, ()>(Source {
            name: format!("corpus/{f:03}.yaml"),
            bytes: text.into_bytes(),
            explicit: true,
        })
    });
    let documents = linter.lint_sources(sources, jobs).expect("text");
    assert_eq!(documents, DOCUMENTS);
    let summary = linter.finish().summary();
    let wall = start.elapsed();
    let peak = reset
        .then(peak_rss_kib)
        .flatten()
        .map(|k| k as f64 / 1024.0);
    (wall, summary, peak)
}

/// Runs a command on the corpus file; returns its wall time, or why it did not run.
fn time_process(program: &str, args: &[&str], file: &std::path::Path) -> Result<f64, String> {
    let start = Instant::now();
    let out = std::process::Command::new(program)
        .args(args)
        .arg(file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    // Findings exit 1; anything else is a failure to run.
    match out.status.code() {
        Some(0 | 1) => Ok(wall),
        _ => Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

fn processes(cpus: usize) {
    let binary = std::env::var("KUBECTL_OZONE_BIN").ok();
    let kubeconform = std::env::var("KUBECONFORM_BIN").unwrap_or_else(|_| "kubeconform".into());
    let Some(binary) = binary else {
        println!(
            "whole process: set KUBECTL_OZONE_BIN=target/release/kubectl-ozone to time the binary"
        );
        return;
    };
    // Cargo runs benches in the package directory; the README's path is from the workspace
    // root (an absolute path stays as it is).
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(binary)
        .to_string_lossy()
        .into_owned();
    let file = std::env::temp_dir().join(format!("lint-bench-{}.yaml", std::process::id()));
    let corpus: String = (0..DOCUMENTS)
        .map(|i| format!("---\n{}", document(i, 20)))
        .collect();
    std::fs::write(&file, corpus).expect("temp file");
    let best = |program: &str, args: &[&str]| -> Result<f64, String> {
        let mut times = Vec::new();
        for _ in 0..3 {
            times.push(time_process(program, args, &file)?);
        }
        Ok(times.into_iter().fold(f64::INFINITY, f64::min))
    };
    let jobs_n = cpus.to_string();
    let ours1 = best(&binary, &["lint", "--jobs", "1"]);
    let ours_n = best(&binary, &["lint", "--jobs", &jobs_n]);
    let theirs = best(&kubeconform, &["-strict", "-n", "2", "-summary"]);
    for (what, result) in [
        ("kubectl ozone lint --jobs 1".to_owned(), &ours1),
        (format!("kubectl ozone lint --jobs {cpus}"), &ours_n),
        ("kubeconform -strict -n 2".to_owned(), &theirs),
    ] {
        match result {
            Ok(wall) => println!(
                "whole process, best of 3: {what}: {wall:.3} s ({:.0} documents/s)",
                DOCUMENTS as f64 / wall
            ),
            Err(e) => println!("whole process: {what}: not run ({e})"),
        }
    }
    if let (Ok(ours), Ok(theirs)) = (&ours_n, &theirs) {
        println!(
            "kubeconform / kubectl ozone lint wall time: {:.2}x",
            theirs / ours
        );
    }
    let _ = std::fs::remove_file(&file);
}

fn main() {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    for jobs in [1, cpus.max(2), 4] {
        let (wall, summary, peak) = run_sources(jobs);
        let peak = peak.map_or("n/a".to_owned(), |p| format!("{p:.1} MiB"));
        println!(
            "lint_sources --jobs {jobs}: {:.3} s wall, {:.0} documents/s, peak memory {peak} ({summary})",
            wall.as_secs_f64(),
            DOCUMENTS as f64 / wall.as_secs_f64()
        );
    }
    processes(cpus);
    let (linting, cross, bytes, summary) = run(20);
    let secs = linting.as_secs_f64();
    println!(
        "linted {DOCUMENTS} documents ({:.1} MiB) in {:.3} s: {:.0} documents/s on one thread",
        bytes as f64 / 1_048_576.0,
        secs,
        DOCUMENTS as f64 / secs
    );
    println!("of which cross-object checks: {:.3} s", cross.as_secs_f64());
    println!("report: {summary}");
    // Every selector check within one namespace: what a repository of one team's manifests
    // looks like, and where matching without an index would grow with the square.
    let (linting, cross, _, _) = run(1);
    println!(
        "the same in one namespace: {:.3} s ({:.0} documents/s), cross-object checks {:.3} s",
        linting.as_secs_f64(),
        DOCUMENTS as f64 / linting.as_secs_f64(),
        cross.as_secs_f64()
    );
    // The YAML parse alone, for scale: the part no check can speed up.
    let mut parsing = std::time::Duration::ZERO;
    for i in 0..DOCUMENTS {
        let doc = document(i, 20);
        let start = Instant::now();
        std::hint::black_box(ozone_generator::yaml::parse_document(&doc).expect("parses"));
        parsing += start.elapsed();
    }
    println!(
        "YAML parse alone: {:.3} s ({:.0} documents/s)",
        parsing.as_secs_f64(),
        DOCUMENTS as f64 / parsing.as_secs_f64()
    );
    match peak_rss_kib() {
        Some(kib) => println!(
            "peak resident memory (VmHWM): {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("peak resident memory: /proc/self/status not available"),
    }
}
