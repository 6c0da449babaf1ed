//! `rebuild-bench`: for each edit of the rebuild proof, how many units are rebuilt and how long
//! it takes with the per-unit Nix builder (`nix/build-units.nix` with `unitSrc`), with the same
//! builder given the whole workspace as every unit's `src` (the usual setup: the baseline),
//! and with `cargo build`. Prints the table and writes it to `docs/rebuilds.md`.
//!
//! Run: `cargo run --release -p rust-unit-sources-tests --bin rebuild-bench` (after
//! `cargo build --release --workspace`, for the plugin).

use rust_unit_sources_tests::rebuilds::{apply, cases, make_unique, run_token, CargoSide, NixSide};
use rust_unit_sources_tests::repo_root;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// What one build did: units rebuilt and wall time.
struct Measured {
    units: usize,
    time: Duration,
}

fn measure(build: impl FnOnce() -> usize) -> Measured {
    let started = Instant::now();
    let units = build();
    Measured {
        units,
        time: started.elapsed(),
    }
}

fn main() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let per_unit = NixSide::new(&scratch.path().join("per-unit"), false);
    let whole = NixSide::new(&scratch.path().join("whole"), true);
    let cargo = CargoSide::new(&scratch.path().join("cargo"));
    let copies = [
        per_unit.workspace.as_path(),
        whole.workspace.as_path(),
        cargo.workspace.as_path(),
    ];
    let run = run_token();
    make_unique(&copies, run);
    let first = [
        measure(|| per_unit.build().len()),
        measure(|| whole.build().len()),
        measure(|| cargo.build().len()),
    ];
    let mut rows = String::new();
    let (mut per_unit_total, mut whole_total) = (Duration::ZERO, Duration::ZERO);
    for case in cases(run) {
        apply(&copies, &case);
        let results = [
            measure(|| per_unit.build().len()),
            measure(|| whole.build().len()),
            measure(|| cargo.build().len()),
        ];
        per_unit_total += results[0].time;
        whole_total += results[1].time;
        let files: Vec<String> = case.edits.iter().map(|e| format!("`{}`", e.file)).collect();
        let edited = match files.is_empty() {
            true => "—".to_string(),
            false => files.join(", "),
        };
        let _ = writeln!(
            rows,
            "| {} ({edited}) | {} | {:.2} s | {} | {:.2} s | {} | {:.2} s |",
            case.what,
            results[0].units,
            results[0].time.as_secs_f64(),
            results[1].units,
            results[1].time.as_secs_f64(),
            results[2].units,
            results[2].time.as_secs_f64(),
        );
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let report = format!(
        "# Rebuilds after one edit\n\n\
         Measured by `cargo run --release -p rust-unit-sources-tests --bin rebuild-bench` \
         (after `cargo build --release --workspace`) on {cpus} cores, in one run, on \
         `examples/cargo-like` (14 units: the root package's lib, lib-test, bin, test, bench and \
         build script, two nested members, two vendored crates). Each edit changes one line; \
         the three copies get the same edit. *per-unit*: `nix/build-units.nix` with each unit's \
         `unitSrc`; *whole workspace*: the same builder with the whole workspace as every \
         unit's `src`, as Nix builds of Rust workspaces usually do; *cargo*: \
         `cargo build --workspace --lib --bins --examples --tests --bench '*'`, units compiled \
         or build scripts run. Times include evaluation (the plugin's scan) for Nix.\n\n\
         First builds: per-unit {} units in {:.1} s, whole workspace {} units in {:.1} s \
         (both less when the store already holds outputs of an earlier run), cargo {} units in \
         {:.1} s.\n\n\
         | edit | per-unit: units | time | whole workspace: units | time | cargo: units | time |\n\
         |---|--:|--:|--:|--:|--:|--:|\n{rows}\n\
         Over the five cases the whole-workspace baseline took {:.1}× the per-unit builder's \
         time.\n",
        first[0].units,
        first[0].time.as_secs_f64(),
        first[1].units,
        first[1].time.as_secs_f64(),
        first[2].units,
        first[2].time.as_secs_f64(),
        whole_total.as_secs_f64() / per_unit_total.as_secs_f64(),
    );
    print!("{report}");
    std::fs::write(repo_root().join("docs/rebuilds.md"), report).expect("write docs/rebuilds.md");
}
