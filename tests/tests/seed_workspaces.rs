//! The seed workspaces (`rust/seed`): cargo 0.96.0's own workspace and the popular crates,
//! assembled from crates.io into a temporary directory, then read by cargo offline with
//! `--locked`: exactly the members, versions and paths of cargo's repository, its original
//! manifests, the pinned lock's packages, every dependency vendored.
//!
//! Needs crates.io the first time (or the packages in the seed cache and cargo's registry
//! cache): without it the test fails, saying so. Both are also scanned with their
//! dependencies: no unit carries an error, as every one builds.

use rust_unit_sources::{scan, ScanOptions};
use rust_unit_sources_seed::{cargo_workspace, popular, Cache, Member, Workspace};
use std::path::Path;

/// `cargo metadata --offline --locked` of the workspace at `root` (which fails unless the
/// vendored sources and the lock file answer everything): (members, packages).
fn cargo_reads(root: &Path) -> (usize, usize) {
    let metadata = rust_unit_sources_tests::locked_metadata(root).unwrap_or_else(|e| panic!("{e}"));
    let count = |key: &str| metadata[key].as_array().map_or(0, Vec::len);
    (count("workspace_members"), count("packages"))
}

/// The platforms the scans with dependencies are for: cargo plans a platform's units only,
/// and macOS's (objc2, security-framework-sys) and Windows' are none of the host's.
const PLATFORMS: [Option<&str>; 3] = [
    None,
    Some("aarch64-apple-darwin"),
    Some("x86_64-pc-windows-msvc"),
];

/// How many units `scan --dependencies` of the workspace at `root` gives for each of
/// [`PLATFORMS`], after checking that none carries an error.
fn units_without_error(root: &Path) -> Vec<usize> {
    PLATFORMS
        .iter()
        .map(|target| units_without_error_for(root, *target))
        .collect()
}

/// How many units `scan --dependencies` of the workspace at `root` gives for `target` (the
/// host's when `None`), after checking that none carries an error.
fn units_without_error_for(root: &Path, target: Option<&str>) -> usize {
    let model = scan(&ScanOptions {
        manifest_path: root.to_path_buf(),
        dependencies: true,
        target: target.map(String::from),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("scan --dependencies --target {target:?}: {e}"));
    let broken: Vec<String> = model
        .units
        .iter()
        .filter_map(|(id, unit)| Some(format!("{id}: {}", unit.error.as_ref()?)))
        .collect();
    assert_eq!(
        broken,
        Vec::<String>::new(),
        "units carrying an error ({target:?})"
    );
    model.units.len()
}

fn manifest(path: &Path) -> toml::Table {
    toml::from_str(&std::fs::read_to_string(path).expect("a manifest")).expect("TOML")
}

fn member(name: &str, version: &str, path: &str) -> Member {
    Member {
        name: name.into(),
        version: version.into(),
        path: path.into(),
    }
}

#[test]
fn cargo_s_own_workspace_is_rebuilt_from_crates_io() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cargo");
    let cache = Cache::from_env().unwrap();
    let workspace = cargo_workspace::assemble(&root, &cache)
        .unwrap_or_else(|e| panic!("assembling needs crates.io the first time: {e}"));
    assert_eq!(
        workspace,
        Workspace {
            root: root.clone(),
            members: vec![
                member("cargo", "0.96.0", ""),
                member("cargo-credential", "0.4.10", "credential/cargo-credential"),
                member("cargo-platform", "0.3.3", "crates/cargo-platform"),
                member("cargo-util", "0.2.28", "crates/cargo-util"),
                member("cargo-util-schemas", "0.13.0", "crates/cargo-util-schemas"),
                member("crates-io", "0.40.18", "crates/crates-io"),
                member("rustfix", "0.9.5", "crates/rustfix"),
                member("cargo-test-support", "0.11.1", "crates/cargo-test-support"),
                member(
                    "cargo-credential-libsecret",
                    "0.5.6",
                    "credential/cargo-credential-libsecret"
                ),
                member(
                    "cargo-credential-macos-keychain",
                    "0.4.21",
                    "credential/cargo-credential-macos-keychain"
                ),
                member(
                    "cargo-credential-wincred",
                    "0.4.21",
                    "credential/cargo-credential-wincred"
                ),
                member("cargo-test-macro", "0.4.10", "crates/cargo-test-macro"),
            ],
            dropped_members: vec!["benches/benchsuite".into(), "benches/capture".into()],
            vendored: 462,
        }
    );
    // The original manifests: the root keeps its [workspace] table, the members inherit.
    let root_manifest = manifest(&root.join("Cargo.toml"));
    assert_eq!(
        root_manifest["workspace"]["members"],
        toml::Value::Array(vec!["crates/*".into(), "credential/*".into()])
    );
    assert!(root_manifest["workspace"]["dependencies"]["cargo-util"]["path"].is_str());
    for m in &workspace.members[1..] {
        let lints = &manifest(&root.join(&m.path).join("Cargo.toml"))["lints"];
        assert_eq!(lints["workspace"].as_bool(), Some(true), "{}", m.name);
        assert!(!root.join(&m.path).join("Cargo.toml.orig").exists());
    }
    // The lock's 474 packages include optional ones of features off by default (reqwest's
    // transport, vendored openssl); cargo's resolve under the default features has 423.
    assert_eq!(cargo_reads(&root), (12, 423));
    // Every unit of cargo's plan builds for its platform (the seed proof builds the Linux
    // ones with cargo): the scan with dependencies gives none an error, for Linux, macOS
    // (objc2 and security-framework-sys once had one: issue 26) and Windows.
    assert_eq!(units_without_error(&root), [509, 523, 509]);
    // Assembled again from the same pins: kept as it is.
    let marker = root.join("vendor/marker");
    std::fs::write(&marker, "").unwrap();
    assert_eq!(cargo_workspace::assemble(&root, &cache).unwrap(), workspace);
    assert!(marker.exists(), "the workspace was assembled anew");
}

#[test]
fn the_popular_crates_are_vendored_with_native_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("popular");
    let workspace = popular::assemble(&root)
        .unwrap_or_else(|e| panic!("assembling needs crates.io the first time: {e}"));
    assert_eq!(workspace.members, [member("popular-crates", "0.0.0", "")]);
    assert_eq!(workspace.vendored, 187);
    let dependencies = &manifest(&root.join("Cargo.toml"))["dependencies"];
    for name in [
        "serde",
        "tokio",
        "libz-sys",
        "openssl",
        "libsqlite3-sys",
        "zstd",
        "ring",
    ] {
        assert!(dependencies.get(name).is_some(), "{name}");
        assert!(root.join("vendor").join(name).is_dir(), "{name} vendored");
    }
    assert_eq!(cargo_reads(&root), (1, 188));
    assert_eq!(units_without_error(&root), [215, 218, 216]);
}
