//! Render speed: `cargo bench -p ozone-generator --bench render`.
//!
//! In-process time to resolve and render each profile and a 500-datanode spec, to YAML. With
//! `KUBECTL_OZONE_BIN=target/release/kubectl-ozone` it also times the whole process
//! (`render --profile large` to a pipe), which is what the 20 ms target is about.

use ozone_generator::objects;
use ozone_generator::spec::{Inputs, resolve};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn time<F: FnMut()>(label: &str, iterations: u32, mut f: F) {
    f();
    let mut best = Duration::MAX;
    let start = Instant::now();
    for _ in 0..iterations {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
    }
    let mean = start.elapsed() / iterations;
    println!(
        "{label:<40} mean {:>9.3} ms   best {:>9.3} ms   ({iterations} runs)",
        ms(mean),
        ms(best)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn render(inputs: &Inputs) -> usize {
    let cluster = resolve(inputs).expect("valid spec");
    objects::render(&cluster)
        .expect("renders")
        .to_yaml()
        .expect("serializes")
        .len()
}

fn main() {
    for profile in ["small", "medium", "large"] {
        let inputs = Inputs::profile(profile);
        time(&format!("render --profile {profile}"), 200, || {
            black_box(render(&inputs));
        });
    }
    let big = Inputs::with_sets("large", &["datanodes.replicas=500"]);
    time("render --profile large, 500 datanodes", 200, || {
        black_box(render(&big));
    });
    if let Some(bin) = std::env::var_os("KUBECTL_OZONE_BIN") {
        // Cargo runs benches in the package directory; the README's path is from the
        // workspace root.
        let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(bin);
        time("whole process: render --profile large", 100, || {
            let out = std::process::Command::new(&bin)
                .args(["render", "--profile", "large"])
                .output()
                .expect("runs");
            assert!(out.status.success());
            black_box(out.stdout.len());
        });
    }
}
