//! The Nix side without the plugin's help: `cargo-unit-sources generate` (`units.nix`), the Nix
//! library in `nix/` (`fromFile`, `unitSource`, …) and the flake, under real Nix 2.8 and without
//! nixpkgs (a small stand-in plays nixpkgs where the flake needs it).
//!
//! Workspaces are copied to temporary directories before anything is edited or generated.
//! Store paths are computed by `nix-instantiate --eval` in read-only mode (nothing is written
//! to the store); where a test looks inside sources or builds, it uses a private store
//! (`--store <tmp>`), never the machine's `/nix/store`.
//!
//! `main.rs` holds what the modules share: evaluating against a workspace's `units.nix`,
//! workspace copies, `generate`, and listing what a source holds.

mod flake;
mod library;
mod readme_table;
mod sources;
mod units_nix;

use rust_unit_sources_tests::{cli, copy_tree, nix_eval, nix_json, nix_path, strings};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

/// `let l = <the library>; ws = <ws>; in <body>`, evaluated; with the plugin when `plugin`.
fn eval_in(ws: &Path, body: &str, plugin: bool) -> Value {
    nix_json(&nix_eval(
        &format!(
            "let l = import ./nix {{ }}; ws = {}; m = l.fromFile (ws + \"/units.nix\"); in {body}",
            nix_path(ws)
        ),
        plugin,
        &[],
    ))
}

/// [`eval_in`] with the sources it names copied into the local store `store` (a chroot
/// store below a temporary directory), so that their contents can be listed.
fn eval_in_store(ws: &Path, body: &str, store: &Path) -> Value {
    nix_json(&nix_eval(
        &format!(
            "let l = import ./nix {{ }}; ws = {}; m = l.fromFile (ws + \"/units.nix\"); in {body}",
            nix_path(ws)
        ),
        false,
        &["--store", store.to_str().unwrap(), "--read-write-mode"],
    ))
}

/// A copy of `source` in a new temporary directory, at `<tmp>/ws`, without any `units.nix`.
fn workspace_copy(source: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    copy_tree(source, &ws);
    let _ = std::fs::remove_file(ws.join("units.nix"));
    (tmp, ws)
}

/// `cargo-unit-sources generate --manifest-path <ws> <args>`.
fn generate(ws: &Path, args: &[&str]) -> Output {
    let mut all = vec!["generate", "--manifest-path", ws.to_str().unwrap()];
    all.extend_from_slice(args);
    cli(&all)
}

/// [`generate`], which must succeed silently.
fn generate_ok(ws: &Path, args: &[&str]) {
    let output = generate(ws, args);
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "generate {args:?} on {}: {output:?}",
        ws.display()
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The model without the units' `hash` (the library's `withoutHashes`).
fn without_hashes(model: &Value) -> Value {
    let mut model = model.clone();
    for unit in model["units"].as_object_mut().unwrap().values_mut() {
        unit.as_object_mut().unwrap().remove("hash");
    }
    model
}

/// A unit's files and manifests, sorted and unique (the library's `unitFiles`).
fn unit_files(unit: &Value) -> BTreeSet<String> {
    strings(&unit["files"])
        .into_iter()
        .chain(strings(&unit["manifests"]))
        .collect()
}

/// Every regular file below `dir`, relative and `/`-separated.
fn files_below(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                found.insert(rel.to_str().unwrap().to_string());
            }
        }
    }
    found
}

/// Every directory below `dir` (not `dir` itself), relative.
fn dirs_below(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.insert(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_string(),
                );
                stack.push(path);
            }
        }
    }
    found
}

/// The directories leading to `files` (the library's `ancestors`).
fn ancestors(files: &BTreeSet<String>) -> BTreeSet<String> {
    let mut dirs = BTreeSet::new();
    for file in files {
        let mut path = Path::new(file);
        while let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            dirs.insert(parent.to_str().unwrap().to_string());
            path = parent;
        }
    }
    dirs
}

/// Where a store path of a private store (`--store <store>`) is on disk.
fn in_store(store: &Path, store_path: &Value) -> PathBuf {
    store.join(store_path.as_str().unwrap().trim_start_matches('/'))
}
