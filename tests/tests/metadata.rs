//! The workspace's declared metadata is true: `rust-version` is at least what every locked
//! dependency declares, and it is the compiler this test suite builds with (so the whole build
//! is the MSRV check), both lock files (the workspace's and `fuzz/`'s) are current and their
//! packages fetched (`scripts/setup` fetches them), the license files the manifests name
//! exist, and README.md's list of the test suites names each suite of `tests/tests` (a file,
//! or a directory of modules) once.

use rust_unit_sources_tests::repo_root;
use serde_json::Value;
use std::process::Command;

/// `major.minor` of a version string such as `1.95`, `1.86.0` or `1.95.0 (59807616e …)`.
fn major_minor(version: &str) -> (u64, u64) {
    let mut parts = version
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse::<u64>().expect("a number"));
    let major = parts.next().expect("a major version");
    let minor = parts.next().unwrap_or(0);
    (major, minor)
}

/// `cargo metadata --locked --offline` of the workspace whose manifest is `manifest` (relative
/// to the repository): it fails unless the lock file is current and every package it locks,
/// for every platform, is in cargo's registry cache.
fn locked_metadata_of(manifest: &str) -> Value {
    let dir = repo_root().join(manifest);
    rust_unit_sources_tests::locked_metadata(dir.parent().expect("a manifest in a directory"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn locked_metadata() -> Value {
    locked_metadata_of("Cargo.toml")
}

#[test]
fn the_fuzz_workspace_lock_file_is_current() {
    let metadata = locked_metadata_of("fuzz/Cargo.toml");
    let names: Vec<&str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|package| package["name"].as_str())
        .collect();
    assert!(names.contains(&"rust-unit-sources"), "{names:?}");
}

#[test]
fn rust_version_covers_every_locked_dependency_and_is_the_compiler_built_with() {
    let metadata = locked_metadata();
    let packages = metadata["packages"].as_array().expect("packages");
    let members: Vec<&Value> = packages
        .iter()
        .filter(|package| package["source"].is_null())
        .collect();
    let declared: Vec<(u64, u64)> = members
        .iter()
        .map(|member| {
            major_minor(
                member["rust_version"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{} declares no rust-version", member["name"])),
            )
        })
        .collect();
    let msrv = declared[0];
    assert!(
        declared.iter().all(|version| *version == msrv),
        "members declare different rust-versions: {declared:?}"
    );
    let needed_by_dependencies: Vec<(String, (u64, u64))> = packages
        .iter()
        .filter(|package| !package["source"].is_null())
        .filter_map(|package| {
            let version = major_minor(package["rust_version"].as_str()?);
            (version > msrv).then(|| (package["name"].to_string(), version))
        })
        .collect();
    assert_eq!(
        needed_by_dependencies,
        vec![],
        "locked dependencies need a newer rustc than rust-version {msrv:?}"
    );
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("--version")
        .output()
        .expect("rustc runs");
    let rustc = String::from_utf8(rustc.stdout).expect("UTF-8");
    let rustc_version = major_minor(rustc.trim_start_matches("rustc "));
    assert_eq!(
        rustc_version, msrv,
        "rust-version {msrv:?} is not the compiler this suite builds with ({rustc}); \
         check the workspace with `cargo +1.{} check --workspace` and set rust-version to \
         what builds",
        msrv.1
    );
}

#[test]
fn the_license_files_the_manifests_name_exist() {
    let metadata = locked_metadata();
    for package in metadata["packages"].as_array().expect("packages") {
        if package["source"].is_null() {
            assert_eq!(
                package["license"], "MIT OR Apache-2.0",
                "{}",
                package["name"]
            );
        }
    }
    for (file, title) in [
        ("LICENSE-MIT", "MIT License"),
        (
            "LICENSE-APACHE",
            "Apache License\n                           Version 2.0",
        ),
    ] {
        let text = std::fs::read_to_string(repo_root().join(file)).expect(file);
        assert!(text.contains(title), "{file} is not the {title:?} text");
    }
}

#[test]
fn readme_lists_every_test_suite_once() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let tests = readme
        .split("\n## Tests\n")
        .nth(1)
        .expect("README.md has a Tests section");
    let tests = tests.split("\n## ").next().unwrap_or(tests);
    let mut listed: Vec<String> = tests
        .lines()
        .filter_map(|line| line.strip_prefix("- `tests/tests/"))
        .filter_map(|rest| rest.split_once("`:"))
        .map(|(file, _)| file.to_string())
        .collect();
    listed.sort();
    // A suite is a file `NAME.rs`, or a directory `NAME/` whose `main.rs` is the suite and whose
    // other files are its modules: the README names it `NAME/`.
    let mut suites: Vec<String> = std::fs::read_dir(repo_root().join("tests/tests"))
        .expect("tests/tests")
        .map(|entry| entry.unwrap().path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_string();
            if path.is_dir() {
                path.join("main.rs").is_file().then(|| format!("{name}/"))
            } else {
                name.ends_with(".rs").then_some(name)
            }
        })
        .collect();
    suites.sort();
    assert!(suites.len() >= 10, "{suites:?}");
    assert_eq!(
        listed, suites,
        "README.md's Tests section against tests/tests"
    );
}
