//! The incremental-rebuild proof: build `examples/cargo-like` one Nix derivation per unit
//! (`nix/build-units.nix`, real rustc, real nix-build), edit one line, rebuild, and compare the
//! derivations Nix built with the units cargo recompiled for the same edit in a copy built by
//! `cargo build --workspace --lib --bins --examples --tests --bench '*'`: every unit of the
//! model (`--all-targets` would add bench-harness builds of libraries and binaries, which
//! share the files of their test-harness units and are not units of their own). The sets must be equal, and equal to the expected set written
//! here, for an edit of the root library, of a nested member, of `build.rs`, of an integration
//! test, and for no edit at all.

use rust_unit_sources_tests::{
    copy_tree, host_triple, nix_string, plugin, real_rustc, repo_root, NIX_CONFIG,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// A copy of the example built through Nix.
struct NixSide {
    workspace: PathBuf,
    expression: PathBuf,
}

impl NixSide {
    fn new(dir: &Path) -> NixSide {
        let workspace = dir.join("ws");
        copy_tree(&repo_root().join("examples/cargo-like"), &workspace);
        let expression = dir.join("build.nix");
        let text = format!(
            r#"let
  root = /. + {root};
  library = import (/. + {nix}) {{ }};
  model = library.fromPlugin {{ src = root; features = [ ]; dependencies = true; target = {target}; }};
in
import (/. + {build_units}) {{ inherit model root; rustc = {rustc}; target = {target}; }}
"#,
            root = nix_string(&workspace),
            nix = nix_string(&repo_root().join("nix/default.nix")),
            build_units = nix_string(&repo_root().join("nix/build-units.nix")),
            target = format!("\"{}\"", host_triple()),
            rustc = nix_string(&real_rustc()),
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
    fn build(&self) -> BTreeSet<String> {
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
    fn output(&self, id: &str) -> PathBuf {
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
struct CargoSide {
    workspace: PathBuf,
    /// The package name of each package id, to name cargo's artifacts as units.
    packages: BTreeMap<String, String>,
}

impl CargoSide {
    fn new(dir: &Path) -> CargoSide {
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
    fn build(&self) -> BTreeSet<String> {
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

/// An edit: in this file, replace this text by that.
type Edit<'a> = (&'a str, &'a str, &'a str);

/// Replaces `from` by `to` in `file` of both copies.
fn edit(copies: [&Path; 2], file: &str, from: &str, to: &str) {
    for workspace in copies {
        let path = workspace.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} lacks {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

const ROOT_PACKAGE_COMPILED: &[&str] = &[
    "cargo-like/bench/resolve",
    "cargo-like/bin/cargo-like",
    "cargo-like/lib-test/cargo_like",
    "cargo-like/lib/cargo_like",
    "cargo-like/test/testsuite",
];

#[test]
fn an_edit_rebuilds_exactly_what_cargo_rebuilds() {
    let scratch = tempfile::tempdir().unwrap();
    let nix = NixSide::new(&scratch.path().join("nix"));
    let cargo = CargoSide::new(&scratch.path().join("cargo"));

    // The first builds: cargo compiles everything; Nix builds what its store lacks (all of
    // it on a fresh store, less after an earlier run: unit sources are content-addressed).
    nix.build();
    assert_eq!(
        cargo.build().len(),
        14,
        "cargo compiles every unit and runs the build script"
    );

    let binary = nix
        .output("cargo-like/bin/cargo-like")
        .join("bin/cargo-like");
    let ran = Command::new(&binary).args(["a", "b"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "    compiling 2 unit(s) for unix\n"
    );

    // Edits unique to this run, so that no earlier run's outputs are in the store already.
    let run = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let (lib_line, member_line) = (
        format!("/// Runs a command ({run})."),
        format!("/// Indents a line ({run})."),
    );
    let (script_line, test_name) = (
        format!("fn main() {{\n    // {run}"),
        format!("fn target_is_known_{run}"),
    );
    let copies = [nix.workspace.as_path(), cargo.workspace.as_path()];
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
    let cases: [(&str, Option<Edit>, BTreeSet<String>); 5] = [
        ("no edit", None, BTreeSet::new()),
        (
            "root library",
            Some(("src/cargo/lib.rs", "/// Runs a command.", &lib_line)),
            ids(ROOT_PACKAGE_COMPILED),
        ),
        (
            "nested member",
            Some((
                "crates/cargo-util/src/paths.rs",
                "/// Indents a line.",
                &member_line,
            )),
            ids(&member),
        ),
        (
            "build script",
            Some(("build.rs", "fn main() {", &script_line)),
            ids(&script),
        ),
        (
            "integration test",
            Some(("tests/testsuite/run.rs", "fn target_is_known", &test_name)),
            ids(&["cargo-like/test/testsuite"]),
        ),
    ];
    for (what, change, expected) in cases {
        if let Some((file, from, to)) = change {
            edit(copies, file, from, to);
        }
        let by_nix = nix.build();
        let by_cargo = cargo.build();
        assert_eq!(
            by_nix, by_cargo,
            "{what}: Nix rebuilt what cargo did not, or the reverse"
        );
        assert_eq!(by_nix, expected, "{what}");
    }
}
