//! The example built by cargo, and the units it recompiled.

use crate::{cli_model, copy_tree, repo_root};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// `cargo build`'s arguments for every unit the model has (but benches, which need
/// `--bench '*'`): what the rebuild proof and the build-flags test compare with.
pub const CARGO_BUILD_EVERY_UNIT: [&str; 6] = [
    "build",
    "--workspace",
    "--lib",
    "--bins",
    "--examples",
    "--tests",
];

/// A copy of the example built by cargo.
pub struct CargoSide {
    /// The copy of the workspace.
    pub workspace: PathBuf,
    /// The unit id prefix of each package id (the model's: the package name, or
    /// `name@version` when several packages share the name), to name cargo's artifacts as
    /// units.
    packages: BTreeMap<String, String>,
    /// Whether a member has a `[[bench]]` (`--bench '*'` fails without one).
    benches: bool,
}

impl CargoSide {
    /// A copy of the example in `dir`/ws, read with `cargo metadata` and scanned (for the ids).
    pub fn new(dir: &Path) -> CargoSide {
        CargoSide::copy(&repo_root().join("examples/cargo-like"), dir)
    }

    /// A copy of the workspace `source` in `dir`/ws, read with `cargo metadata` and scanned
    /// (for the ids).
    pub fn copy(source: &Path, dir: &Path) -> CargoSide {
        let workspace = dir.join("ws");
        copy_tree(source, &workspace);
        CargoSide::of(workspace)
    }

    /// The workspace `workspace`, read with `cargo metadata` and scanned (for the ids).
    pub fn of(workspace: PathBuf) -> CargoSide {
        let metadata = Command::new("cargo")
            .args(["metadata", "--format-version", "1", "--offline"])
            .current_dir(&workspace)
            .output()
            .unwrap();
        assert!(
            metadata.status.success(),
            "{}",
            String::from_utf8_lossy(&metadata.stderr)
        );
        let metadata: Value = serde_json::from_slice(&metadata.stdout).unwrap();
        let model = cli_model(&workspace, &["--dependencies", "--no-cache"]);
        let prefixes: BTreeMap<(String, String), String> = model["units"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, unit)| {
                let key = (
                    unit["package"].as_str().unwrap().to_string(),
                    unit["version"].as_str().unwrap().to_string(),
                );
                (key, id.split('/').next().unwrap().to_string())
            })
            .collect();
        let packages = metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| {
                let key = (
                    p["name"].as_str().unwrap().to_string(),
                    p["version"].as_str().unwrap().to_string(),
                );
                Some((
                    p["id"].as_str().unwrap().to_string(),
                    prefixes.get(&key)?.clone(),
                ))
            })
            .collect();
        let members: Vec<&Value> = metadata["workspace_members"]
            .as_array()
            .unwrap()
            .iter()
            .collect();
        let benches = metadata["packages"].as_array().unwrap().iter().any(|p| {
            members.contains(&&p["id"])
                && p["targets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t["kind"][0] == "bench")
        });
        CargoSide {
            workspace,
            packages,
            benches,
        }
    }

    /// `cargo build` of every unit; returns the units cargo compiled (not fresh) or whose
    /// build script it ran, named as the model names them.
    pub fn build(&self) -> BTreeSet<String> {
        let started = SystemTime::now();
        let output = Command::new("cargo")
            .args(CARGO_BUILD_EVERY_UNIT)
            .args(if self.benches {
                &["--bench", "*"][..]
            } else {
                &[]
            })
            .args(["--offline", "--message-format", "json"])
            .current_dir(&self.workspace)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut rebuilt = BTreeSet::new();
        for line in String::from_utf8(output.stdout).unwrap().lines() {
            let message: Value = serde_json::from_str(line).unwrap();
            let package = || self.packages[message["package_id"].as_str().unwrap()].clone();
            match message["reason"].as_str() {
                Some("compiler-artifact") if message["fresh"] == false => {
                    let target = &message["target"];
                    let test = message["profile"]["test"] == true;
                    let kind = match (target["kind"][0].as_str().unwrap(), test) {
                        ("proc-macro", false) => "proc-macro",
                        ("lib" | "rlib" | "proc-macro", true) => "lib-test",
                        ("lib" | "rlib", false) => "lib",
                        ("bin", false) => "bin",
                        ("bin", true) => "bin-test",
                        ("custom-build", _) => "build-script",
                        (other, _) => other,
                    };
                    rebuilt.insert(format!(
                        "{}/{kind}/{}",
                        package(),
                        target["name"].as_str().unwrap()
                    ));
                }
                Some("build-script-executed") => {
                    let out_dir = Path::new(message["out_dir"].as_str().unwrap());
                    let ran = std::fs::metadata(out_dir.parent().unwrap().join("output"))
                        .unwrap()
                        .modified()
                        .unwrap();
                    if ran >= started {
                        rebuilt
                            .insert(format!("{}/build-script-run/build-script-build", package()));
                    }
                }
                _ => {}
            }
        }
        rebuilt
    }
}
