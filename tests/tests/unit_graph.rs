//! The differential test of the builder's plan: for every fixture (but those cargo refuses to
//! plan, `FIXTURES_WITH_BROKEN_UNITS`), every example, `tests/real-world` (vendored in a copy)
//! and cargo 0.96.0's own workspace (the seed, `rust/seed`), and for both builds the model
//! holds (`cargo build --workspace` and `--all-targets`), the model's units equal those of
//! `cargo build --unit-graph` (run as a user would in the workspace: its configuration, the
//! caller's toolchain, `RUSTC_BOOTSTRAP=1`) in package, version, kind, target, features,
//! platform, profile and dependency edges (with the names libraries are linked by). The model
//! is the CLI's, scanned with dependencies for the host (`--target`), with cargo's default
//! features and, for the fixtures, with every feature (`--all-features`, the scan's default)
//! and with each profile their root manifest defines (and `release`). On cargo's workspace,
//! the closure of `cargo/bin/cargo` also equals `cargo build --bin cargo`'s plan.
//!
//! Needs what `scripts/setup` fetched (tests/real-world's packages in cargo's registry cache)
//! and the seed cache (crates.io the first time, as `seed_workspaces.rs`).

use rust_unit_sources_seed::{cargo_workspace, Cache};
use rust_unit_sources_tests::unit_graph::{
    cargo_plan, cargo_plan_of, cargo_unit_graph, closure_plan, compare, model_plan, package_names,
    SELECTIONS,
};
use rust_unit_sources_tests::{cli_model, copy_tree, examples, fixtures, host_triple, repo_root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Compares the model of `workspace` (with the scan's feature flags `features`, cargo's
/// `cargo_features`) with cargo's plan of both builds; returns one line per build that differs,
/// with what differs, and prints the counts.
fn differences(
    name: &str,
    workspace: &Path,
    features: &[&str],
    cargo_features: &[&str],
) -> Vec<String> {
    let started = Instant::now();
    let target = host_triple();
    let mut args = vec!["--dependencies", "--target", &target, "--no-cache"];
    args.extend(features);
    let model = cli_model(workspace, &args);
    let packages = package_names(workspace);
    let mut found = Vec::new();
    for (selection, flags) in SELECTIONS {
        let flags: Vec<&str> = flags.iter().chain(cargo_features).copied().collect();
        let graph = cargo_unit_graph(workspace, &target, &flags);
        let difference = compare(cargo_plan(&graph, &packages), model_plan(&model, selection));
        println!(
            "{name} {features:?} {selection}: cargo {} units, ours {}, only cargo's {}, only ours {}",
            difference.cargo,
            difference.ours,
            difference.only_cargo.len(),
            difference.only_ours.len()
        );
        if !difference.is_empty() {
            let show = |units: &[(String, std::collections::BTreeSet<String>)]| {
                units
                    .iter()
                    .take(5)
                    .map(|(unit, edges)| format!("\n    {unit}\n      {edges:?}"))
                    .collect::<String>()
            };
            found.push(format!(
                "{name} {features:?} {selection}: only cargo's:{}\n  only ours:{}",
                show(&difference.only_cargo),
                show(&difference.only_ours)
            ));
        }
    }
    println!("{name}: {:.1} s", started.elapsed().as_secs_f64());
    found
}

/// A copy of `source` in `dir`, locked (`cargo generate-lockfile --offline` when it has no
/// `Cargo.lock`).
fn locked_copy(source: &Path, dir: &Path) -> PathBuf {
    let workspace = dir.join(source.file_name().expect("a name"));
    copy_tree(source, &workspace);
    if !workspace.join("Cargo.lock").exists() {
        run(&workspace, &["generate-lockfile", "--offline"]);
    }
    workspace
}

/// The profiles the root manifest of `workspace` defines, and `release` when it defines any:
/// the builds whose profiles (overrides, `build-override`, `panic`) are worth comparing.
fn defined_profiles(workspace: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(workspace.join("Cargo.toml")).expect("a manifest");
    let manifest: toml::Table = text.parse().expect("TOML");
    let mut names: Vec<String> = manifest
        .get("profile")
        .and_then(toml::Value::as_table)
        .map(|profiles| profiles.keys().cloned().collect())
        .unwrap_or_default();
    if !names.is_empty() && !names.iter().any(|n| n == "release") {
        names.push("release".into());
    }
    names
}

/// Runs `cargo <args>` in `dir`; its standard output.
fn run(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("cargo")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn fixtures_and_examples_are_planned_as_cargo_plans_them() {
    let scratch = tempfile::tempdir().unwrap();
    let mut found = Vec::new();
    for source in fixtures().into_iter().chain(examples()) {
        let workspace = locked_copy(&source, scratch.path());
        let name = source.file_name().unwrap().to_string_lossy().into_owned();
        found.extend(differences(&name, &workspace, &["--features", ""], &[]));
        found.extend(differences(&name, &workspace, &[], &["--all-features"]));
        for profile in defined_profiles(&workspace) {
            let scan = ["--features", "", "--profile", &profile];
            found.extend(differences(
                &name,
                &workspace,
                &scan,
                &["--profile", &profile],
            ));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn real_world_crates_are_planned_as_cargo_plans_them() {
    let scratch = tempfile::tempdir().unwrap();
    let workspace = locked_copy(&repo_root().join("tests/real-world"), scratch.path());
    let config = run(&workspace, &["vendor", "--offline", "--locked", "vendor"]);
    std::fs::create_dir_all(workspace.join(".cargo")).unwrap();
    std::fs::write(workspace.join(".cargo/config.toml"), config).unwrap();
    let found = differences("real-world", &workspace, &["--features", ""], &[]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn cargo_s_own_workspace_is_planned_as_cargo_plans_it() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().join("cargo");
    let cache = Cache::from_env().unwrap();
    cargo_workspace::assemble(&root, &cache)
        .unwrap_or_else(|e| panic!("assembling needs crates.io the first time: {e}"));
    let mut found = differences("cargo 0.96.0", &root, &["--features", ""], &[]);
    // The binary `cargo build` builds, with what it needs, is what `cargo build --bin cargo`
    // builds: no unit of another member's or of a dev-dependency's features.
    let target = host_triple();
    let args = [
        "--dependencies",
        "--features",
        "",
        "--target",
        &target,
        "--no-cache",
    ];
    let model = cli_model(&root, &args);
    let graph = cargo_plan_of(&root, &target, &["--bin", "cargo"]);
    let difference = compare(
        cargo_plan(&graph, &package_names(&root)),
        closure_plan(&model, "cargo/bin/cargo"),
    );
    println!(
        "cargo 0.96.0 cargo/bin/cargo: cargo build --bin cargo {} units, the closure {}",
        difference.cargo, difference.ours
    );
    if !difference.is_empty() {
        found.push(format!("the closure of cargo/bin/cargo: {difference:?}"));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
