//! The real-world graph vendored and scanned with its dependencies: no unit carries an error.

use rust_unit_sources::{scan, ScanOptions};
use rust_unit_sources_tests::{copy_tree, host_triple, repo_root};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// `cargo vendor --locked` of a copy of `tests/real-world` at `copy`, with the source
/// replacement it prints written to `.cargo/config.toml`: offline when cargo's cache has every
/// crate (`scripts/setup` fetches them), else from crates.io.
fn vendored_copy(copy: &Path) {
    let project = repo_root().join("tests/real-world");
    copy_tree(&project, copy);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let vendor = |offline: bool| {
        let mut command = Command::new(&cargo);
        command.args(["vendor", "--locked", "vendor"]);
        if offline {
            command.arg("--offline");
        }
        command.current_dir(copy).output().expect("cargo runs")
    };
    let mut output = vendor(true);
    if !output.status.success() {
        output = vendor(false);
    }
    assert!(
        output.status.success(),
        "`cargo vendor` of {} failed. This test needs crates.io to be reachable (or the crates \
         of its Cargo.lock already in cargo's cache: scripts/setup fetches them).\n{}",
        project.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::create_dir_all(copy.join(".cargo")).expect("create .cargo");
    std::fs::write(copy.join(".cargo/config.toml"), &output.stdout).expect("write the config");
}

/// The ground truth is `cargo check` (the test above: it compiles every library, proc-macro
/// and build script of the resolve, for the host): `scan --dependencies` of the vendored graph
/// gives none of their units, nor any other, an `error` (objc2, ruzstd and
/// security-framework-sys once had one: issue 26).
#[test]
fn the_vendored_graph_scans_with_no_unit_error() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let copy = scratch.path().join("real-world");
    vendored_copy(&copy);
    let start = Instant::now();
    let model = scan(&ScanOptions {
        manifest_path: copy.clone(),
        target: Some(host_triple()),
        cfgs: Some(Vec::new()),
        dependencies: true,
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("scan --dependencies: {e}"));
    let broken: Vec<String> = model
        .units
        .iter()
        .filter_map(|(id, unit)| Some(format!("{id}: {}", unit.error.as_ref()?)))
        .collect();
    assert_eq!(broken, Vec::<String>::new(), "units carrying an error");
    for id in [
        "objc2/lib/objc2",
        "ruzstd/lib/ruzstd",
        "security-framework-sys/lib/security_framework_sys",
    ] {
        assert!(
            model.units.keys().any(|unit| unit.as_str() == id),
            "{id} was not scanned"
        );
    }
    assert!(model.units.len() >= 200, "{} units", model.units.len());
    println!(
        "scan --dependencies: {} units in {:.1}s",
        model.units.len(),
        start.elapsed().as_secs_f64()
    );
}
