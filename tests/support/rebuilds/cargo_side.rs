//! The cargo side of the rebuild proof: a copy of a workspace built by `cargo build` of the
//! units of [`SELECTION`], naming what cargo compiled or ran as the model names it.

use super::{CARGO_BUILD, SELECTION};
use crate::{cli_model, copy_tree, host_triple, repo_root};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// A copy of the example built by cargo.
pub struct CargoSide {
    /// The copy of the workspace.
    pub workspace: PathBuf,
}

impl CargoSide {
    /// A copy of the example in `dir`/ws.
    pub fn new(dir: &Path) -> CargoSide {
        CargoSide::copy(&repo_root().join("examples/cargo-like"), dir)
    }

    /// A copy of the workspace `source` in `dir`/ws.
    pub fn copy(source: &Path, dir: &Path) -> CargoSide {
        let workspace = dir.join("ws");
        copy_tree(source, &workspace);
        CargoSide::of(workspace)
    }

    /// The workspace `workspace`.
    pub fn of(workspace: PathBuf) -> CargoSide {
        CargoSide { workspace }
    }

    /// `cargo build` of the units of [`SELECTION`]; returns the units cargo compiled (not
    /// fresh) or whose build script it ran, named as the model (scanned now) names them.
    pub fn build(&self) -> BTreeSet<String> {
        let started = SystemTime::now();
        let output = Command::new("cargo")
            .args(CARGO_BUILD)
            .args(["--target", &host_triple()])
            .args(["--offline", "--message-format", "json"])
            .current_dir(&self.workspace)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let named = Named::of(&self.workspace);
        let mut rebuilt = BTreeSet::new();
        for line in String::from_utf8(output.stdout).unwrap().lines() {
            let message: Value = serde_json::from_str(line).unwrap();
            let built = match message["reason"].as_str() {
                Some("compiler-artifact") if message["fresh"] == false => {
                    Some(named.compiled(&message))
                }
                Some("build-script-executed") if ran_since(&message, started) => {
                    Some(named.ran(&message))
                }
                _ => None,
            };
            rebuilt.extend(built);
        }
        rebuilt
    }
}

/// Whether the build script of a `build-script-executed` message ran at `since` or later (its
/// `output` file, beside `OUT_DIR`, was written then).
fn ran_since(message: &Value, since: SystemTime) -> bool {
    let out_dir = Path::new(message["out_dir"].as_str().unwrap());
    let ran = std::fs::metadata(out_dir.parent().unwrap().join("output"))
        .unwrap()
        .modified()
        .unwrap();
    ran >= since
}

/// The model's units of [`SELECTION`] in a workspace, to name cargo's artifacts as units.
struct Named {
    /// The name and version of each package id.
    packages: BTreeMap<String, (String, String)>,
    units: Vec<(String, Value)>,
}

impl Named {
    /// The model of `workspace` (read with `cargo metadata` and scanned) as it is now.
    fn of(workspace: &Path) -> Named {
        let packages = crate::unit_graph::package_names(workspace);
        let target = host_triple();
        let args = [
            "--dependencies",
            "--features",
            "",
            "--target",
            &target,
            "--no-cache",
        ];
        let model = cli_model(workspace, &args);
        let in_selection = |u: &Value| {
            u["selections"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s == SELECTION))
        };
        let units = model["units"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, u)| in_selection(u))
            .map(|(id, u)| (id.clone(), u.clone()))
            .collect();
        Named { packages, units }
    }

    /// The unit of a `compiler-artifact` message. With `--target`, what cargo builds for the
    /// target lies below `target/<triple>/`.
    fn compiled(&self, message: &Value) -> String {
        let target = &message["target"];
        let test = message["profile"]["test"] == true;
        let kind = match (target["kind"][0].as_str().unwrap(), test) {
            ("proc-macro", false) => "proc-macro",
            ("lib" | "rlib" | "cdylib" | "proc-macro", true) => "lib-test",
            ("lib" | "rlib" | "cdylib" | "dylib" | "staticlib", false) => "lib",
            ("bin", false) => "bin",
            ("bin", true) => "bin-test",
            ("custom-build", _) => "build-script",
            (other, _) => other,
        };
        let file = message["filenames"][0].as_str().unwrap_or_default();
        let host = !file.contains(&format!("/{}/", host_triple()));
        let name = target["name"].as_str().unwrap();
        let package = message["package_id"].as_str().unwrap();
        self.unit_id(
            package,
            (kind, Some(name)),
            host,
            Some(&message["features"]),
        )
    }

    /// The unit of a `build-script-executed` message.
    fn ran(&self, message: &Value) -> String {
        let out_dir = message["out_dir"].as_str().unwrap();
        let host = !out_dir.contains(&format!("/{}/", host_triple()));
        let package = message["package_id"].as_str().unwrap();
        self.unit_id(package, ("build-script-run", None), host, None)
    }

    /// The id of the model's unit of `package_id` with `kind`, `target` (`None`: any), for the
    /// host or not, with `features` (`None`: any).
    fn unit_id(
        &self,
        package_id: &str,
        (kind, target): (&str, Option<&str>),
        host: bool,
        features: Option<&Value>,
    ) -> String {
        let (name, version) = &self.packages[package_id];
        let found: Vec<&String> = self
            .units
            .iter()
            .filter(|(_, u)| {
                u["package"] == name.as_str()
                    && u["version"] == version.as_str()
                    && u["kind"] == kind
                    && target.is_none_or(|t| u["target"] == t)
                    && (u["host"] == true) == host
                    && features.is_none_or(|f| &u["features"] == f)
            })
            .map(|(id, _)| id)
            .collect();
        match found.as_slice() {
            [id] => id.to_string(),
            _ => panic!(
                "cargo built {name}@{version} {kind} {target:?} (host: {host}, features \
                 {features:?}): the model has {found:?}"
            ),
        }
    }
}
