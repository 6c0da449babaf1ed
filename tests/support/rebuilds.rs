//! Building `examples/cargo-like` through Nix one derivation per unit and through cargo, and
//! naming what each rebuilt: shared by the rebuild proof (`tests/tests/incremental.rs`) and
//! the rebuild benchmark (`rebuild-bench`).

use crate::{copy_tree, host_triple, nix_string, plugin, real_rustc, repo_root, NIX_CONFIG};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// The baseline's `unitSrc`: the whole workspace (without `target/`) for every unit.
const WHOLE_WORKSPACE_SRC: &str = r#"
    unitSrc = { root, unit }: builtins.path {
      path = root;
      name = "workspace-source";
      filter = path: type: baseNameOf path != "target";
    };"#;

/// The units of the root package that link its library: what an edit of the library rebuilds.
pub const ROOT_PACKAGE_COMPILED: &[&str] = &[
    "cargo-like/bench/resolve",
    "cargo-like/bin/cargo-like",
    "cargo-like/lib-test/cargo_like",
    "cargo-like/lib/cargo_like",
    "cargo-like/test/testsuite",
];

/// An edit: in a file of the workspace, replace a text by another.
pub struct Edit {
    /// The file, relative to the workspace.
    pub file: &'static str,
    /// The text replaced.
    pub from: &'static str,
    /// Its replacement.
    pub to: String,
}

/// One case of the proof: an edit (or none) and the units cargo recompiles for it.
pub struct Case {
    /// What is edited, in words.
    pub what: &'static str,
    /// The edit; `None` for the no-op case.
    pub edit: Option<Edit>,
    /// The unit ids rebuilt.
    pub expected: BTreeSet<String>,
}

/// The edits of the proof, made unique by `run` (so that no earlier run's outputs are in the
/// store already), each with the units cargo recompiles for it.
pub fn cases(run: u128) -> Vec<Case> {
    let ids = |list: &[&str]| {
        list.iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<String>>()
    };
    let mut member: Vec<&str> = ROOT_PACKAGE_COMPILED.to_vec();
    member.extend([
        "cargo-util/lib-test/cargo_util",
        "cargo-util/lib/cargo_util",
    ]);
    let mut script: Vec<&str> = ROOT_PACKAGE_COMPILED.to_vec();
    script.extend([
        "cargo-like/build-script-run/build-script-build",
        "cargo-like/build-script/build-script-build",
    ]);
    let edit = |file, from, to| Some(Edit { file, from, to });
    vec![
        Case {
            what: "no edit",
            edit: None,
            expected: BTreeSet::new(),
        },
        Case {
            what: "root library",
            edit: edit(
                "src/cargo/lib.rs",
                "/// Runs a command.",
                format!("/// Runs a command ({run})."),
            ),
            expected: ids(ROOT_PACKAGE_COMPILED),
        },
        Case {
            what: "nested member",
            edit: edit(
                "crates/cargo-util/src/paths.rs",
                "/// Indents a line.",
                format!("/// Indents a line ({run})."),
            ),
            expected: ids(&member),
        },
        Case {
            what: "build script",
            edit: edit(
                "build.rs",
                "fn main() {",
                format!("fn main() {{\n    // {run}"),
            ),
            expected: ids(&script),
        },
        Case {
            what: "integration test",
            edit: edit(
                "tests/testsuite/run.rs",
                "fn target_is_known",
                format!("fn target_is_known_{run}"),
            ),
            expected: ids(&["cargo-like/test/testsuite"]),
        },
    ]
}

/// A number unique to this run.
pub fn run_token() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos()
}

/// A copy of the example built through Nix.
pub struct NixSide {
    /// The copy of the workspace.
    pub workspace: PathBuf,
    expression: PathBuf,
}

impl NixSide {
    /// A copy of the example in `dir`/ws and the expression building it; with
    /// `whole_workspace`, every unit gets the whole workspace as `src` (the baseline).
    pub fn new(dir: &Path, whole_workspace: bool) -> NixSide {
        let workspace = dir.join("ws");
        copy_tree(&repo_root().join("examples/cargo-like"), &workspace);
        let expression = dir.join("build.nix");
        let text = format!(
            r#"let
  root = /. + {root};
  library = import (/. + {nix}) {{ }};
  model = library.fromPlugin {{ src = root; features = [ ]; dependencies = true; target = {target}; }};
in
import (/. + {build_units}) {{ inherit model root; rustc = {rustc}; target = {target};{baseline} }}
"#,
            root = nix_string(&workspace),
            nix = nix_string(&repo_root().join("nix/default.nix")),
            build_units = nix_string(&repo_root().join("nix/build-units.nix")),
            target = format!("\"{}\"", host_triple()),
            rustc = nix_string(&real_rustc()),
            baseline = if whole_workspace {
                WHOLE_WORKSPACE_SRC
            } else {
                ""
            },
        );
        std::fs::write(&expression, text).unwrap();
        NixSide {
            workspace,
            expression,
        }
    }

    fn nix(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .arg("--option")
            .arg("plugin-files")
            .arg(plugin())
            .env("NIX_CONFIG", NIX_CONFIG);
        command
    }

    /// Builds every unit; returns the ids of the units whose derivations Nix built.
    pub fn build(&self) -> BTreeSet<String> {
        let units = format!("import {}", nix_string(&self.expression));
        let drvs = self
            .nix("nix-instantiate")
            .args(["--eval", "--strict", "--json", "-E"])
            .arg(format!(
                "builtins.mapAttrs (id: unit: unit.drvPath) ({units})"
            ))
            .output()
            .unwrap();
        assert!(
            drvs.status.success(),
            "{}",
            String::from_utf8_lossy(&drvs.stderr)
        );
        let by_drv: BTreeMap<String, String> =
            serde_json::from_slice::<BTreeMap<String, String>>(&drvs.stdout)
                .unwrap()
                .into_iter()
                .map(|(id, drv)| (drv, id))
                .collect();
        let output = self
            .nix("nix-build")
            .args(["--no-out-link", "-E"])
            .arg(format!("builtins.attrValues ({units})"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "nix-build failed:\n{stderr}");
        stderr
            .lines()
            .filter_map(|l| l.strip_prefix("building '")?.split('\'').next())
            .map(|drv| {
                by_drv
                    .get(drv)
                    .unwrap_or_else(|| panic!("built {drv}, not a unit"))
                    .clone()
            })
            .collect()
    }

    /// The path of a unit's output.
    pub fn output(&self, id: &str) -> PathBuf {
        let out = self
            .nix("nix-build")
            .args(["--no-out-link", "-E"])
            .arg(format!(
                "(import {}).\"{id}\"",
                nix_string(&self.expression)
            ))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    }
}

/// A copy of the example built by cargo.
pub struct CargoSide {
    /// The copy of the workspace.
    pub workspace: PathBuf,
    /// The package name of each package id, to name cargo's artifacts as units.
    packages: BTreeMap<String, String>,
}

impl CargoSide {
    /// A copy of the example in `dir`/ws, read with `cargo metadata`.
    pub fn new(dir: &Path) -> CargoSide {
        let workspace = dir.join("ws");
        copy_tree(&repo_root().join("examples/cargo-like"), &workspace);
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
        let packages = metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().unwrap().to_string(),
                    p["name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        CargoSide {
            workspace,
            packages,
        }
    }

    /// `cargo build` of every unit; returns the units cargo compiled (not fresh) or whose
    /// build script it ran, named as the model names them.
    pub fn build(&self) -> BTreeSet<String> {
        let started = SystemTime::now();
        let output = Command::new("cargo")
            .args([
                "build",
                "--workspace",
                "--lib",
                "--bins",
                "--examples",
                "--tests",
                "--bench",
                "*",
            ])
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

/// Makes `edit` in every copy.
pub fn apply(copies: &[&Path], edit: &Edit) {
    for workspace in copies {
        let path = workspace.join(edit.file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(edit.from),
            "{} lacks {:?}",
            edit.file,
            edit.from
        );
        std::fs::write(&path, text.replacen(edit.from, &edit.to, 1)).unwrap();
    }
}
