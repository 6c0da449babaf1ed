//! What asking cargo for its plan costs a scan with dependencies (`seed-proof --plan-cost`):
//! on cargo's workspace, the wall time of `cargo metadata`, of each `cargo build --unit-graph`
//! the scan runs, and of the whole scan (the CLI's, without a cache), each the median of
//! several runs in one run of the command, with their ratios to the scan.

use rust_unit_sources_tests::doc_sections::PLAN_COST_HEADING;
use rust_unit_sources_tests::repo_root;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One measured command.
struct Timed {
    what: String,
    median: Duration,
}

/// Measures on `workspace` for `target`, each command `runs` times; the report's section.
pub fn measure(workspace: &Path, target: &str, runs: usize) -> Result<String, String> {
    let cli = repo_root().join("target/release/cargo-unit-sources");
    let manifest = workspace.join("Cargo.toml");
    let scratch = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;
    let cargo = |args: &[&str]| {
        let mut command = Command::new("cargo");
        command
            .args(args)
            .args(["--offline", "--locked", "--manifest-path"])
            .arg(&manifest)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_DIR", scratch.path());
        command
    };
    let graph = [
        "build",
        "--unit-graph",
        "-Z",
        "unstable-options",
        "--workspace",
    ];
    let mut build = cargo(&graph);
    build.args(["--target", target]);
    let mut all_targets = cargo(&graph);
    all_targets.args(["--target", target, "--all-targets"]);
    let mut scan = Command::new(&cli);
    scan.args([
        "scan",
        "--dependencies",
        "--features",
        "",
        "--target",
        target,
        "--no-cache",
    ])
    .arg("--manifest-path")
    .arg(&manifest);
    let mut commands = vec![
        ("`cargo metadata --format-version 1 --offline --locked`", cargo(&["metadata", "--format-version", "1"])),
        ("`cargo build --unit-graph --workspace --target <host>`", build),
        ("`cargo build --unit-graph --workspace --all-targets --target <host>`", all_targets),
        ("the scan: `cargo-unit-sources scan --dependencies --features '' --target <host> --no-cache`", scan),
    ];
    let mut timed = Vec::new();
    for (what, command) in &mut commands {
        timed.push(Timed {
            what: what.to_string(),
            median: median_of(command, runs)?,
        });
    }
    Ok(report(&timed, runs))
}

/// The median wall time of `runs` runs of `command` (which must succeed).
fn median_of(command: &mut Command, runs: usize) -> Result<Duration, String> {
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let output = command
            .output()
            .map_err(|e| format!("cannot run {command:?}: {e}"))?;
        times.push(started.elapsed());
        if !output.status.success() {
            return Err(format!(
                "{command:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// The section: a table of the medians and their share of the scan's.
fn report(timed: &[Timed], runs: usize) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let scan = timed.last().map_or(Duration::ZERO, |t| t.median);
    let mut text = format!(
        "{PLAN_COST_HEADING}\n\n\
         Measured by `cargo run --release -p rust-unit-sources-tests --bin seed-proof -- \
         --plan-cost` (after `cargo build --release --workspace`) on {cores} cores, in one run: \
         each command {runs} times on cargo 0.96.0's workspace (the seed proof's), the median. \
         A scan with dependencies runs `cargo metadata`, then both `cargo build --unit-graph` \
         side by side (they plan and stop: no build script runs), then walks the units.\n\n\
         | command | median | share of the scan |\n|---|--:|--:|\n"
    );
    for t in timed {
        let share = t.median.as_secs_f64() / scan.as_secs_f64().max(f64::EPSILON);
        let _ = writeln!(
            text,
            "| {} | {:.2} s | {:.0}% |",
            t.what,
            t.median.as_secs_f64(),
            share * 100.0
        );
    }
    text
}
