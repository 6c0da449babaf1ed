//! Stability: many primop calls in one evaluation keep the evaluator's memory flat, and
//! concurrent CLI runs on the same tree agree.
//!
//! The evaluator's own heap grows with every value it allocates until its collector settles
//! (Nix 2.8 with Boehm GC: about 7 KiB per call for a 5 KiB model, plugin or not), so the
//! memory test compares the growth of peak RSS from 20 to 300 calls with the growth for the
//! same number of `builtins.fromJSON` calls on the same model: the plugin must add nothing
//! that grows with the number of calls. (Each call runs `cargo metadata`, about 20 ms here, so
//! 10,000 calls would take minutes; a per-call leak of 15 KiB already fails at 300.)

use rust_unit_sources_tests::{cli, cli_model, fixture, nix_string, plugin, NIX_CONFIG};
use std::process::Command;

/// Peak RSS in KiB of an evaluation of `expr` that must print `expected`.
fn peak_rss_kib(expr: &str, expected: usize) -> u64 {
    let output = Command::new("/usr/bin/time")
        .args([
            "-f",
            "%M",
            "nix-instantiate",
            "--eval",
            "--strict",
            "--option",
            "plugin-files",
        ])
        .arg(plugin())
        .args(["-E", expr])
        .env("NIX_CONFIG", NIX_CONFIG)
        .output()
        .expect("/usr/bin/time runs nix-instantiate");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        expected.to_string()
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    stderr
        .lines()
        .last()
        .unwrap()
        .trim()
        .parse()
        .expect("time -f %M prints KiB")
}

/// An evaluation making `calls` times the call `value` and dropping each result.
fn repeated(value: &str, calls: usize) -> String {
    format!("builtins.foldl' (n: i: builtins.seq ({value}).version (n + 1)) 0 (builtins.genList (i: i) {calls})")
}

#[test]
fn memory_stays_flat_over_many_calls() {
    let workspace = fixture("path-attrs");
    let json = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        json.path(),
        serde_json::to_vec(&cli_model(&workspace, &[])).unwrap(),
    )
    .unwrap();
    let plugin_call = format!("builtins.rustUnitSources (/. + {})", nix_string(&workspace));
    let json_call = format!(
        "builtins.fromJSON (builtins.readFile (/. + {}))",
        nix_string(json.path())
    );
    let growth = |call: &str| {
        peak_rss_kib(&repeated(call, 300), 300) as i64
            - peak_rss_kib(&repeated(call, 20), 20) as i64
    };
    let (by_plugin, by_evaluator) = (growth(&plugin_call), growth(&json_call));
    assert!(
        by_plugin < by_evaluator + 4 * 1024,
        "from 20 to 300 calls, peak RSS grew by {by_plugin} KiB with the plugin, {by_evaluator} KiB with fromJSON"
    );
}

#[test]
fn concurrent_cli_runs_agree() {
    let workspace = rust_unit_sources_tests::repo_root().join("examples/cargo-like");
    let outputs: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let output = cli(&["scan", "--manifest-path", workspace.to_str().unwrap()]);
                    assert!(
                        output.status.success(),
                        "{}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                    output.stdout
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(outputs.iter().all(|o| o == &outputs[0]));
    assert!(outputs[0].len() > 1000);
}
