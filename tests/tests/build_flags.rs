//! The model's `build` field against cargo's own rustc invocations. For each fixture with
//! vendored crates, each profile and each build the model holds, cargo builds it (`cargo build
//! --workspace [--all-targets] --target <host> --profile <p>`) through a `RUSTC_WRAPPER` that
//! records each rustc invocation's arguments and environment, and every compiled unit of the
//! model in that build (`--dependencies --profile <p>`, its `selections`) is matched with
//! cargo's compilation of it (by source file, test harness or not, crate name, platform and
//! features):
//! - `rustcFlags` equal cargo's arguments, in cargo's order, but for what the builder adds
//!   itself (the source file, `--out-dir`, `-L`, `--extern` paths, `--target`, `-C
//!   incremental`, the error format, `--emit`), `-C extra-filename` (output file names are the
//!   builder's), the flags from the package's build-script run (cargo appends them after `-L
//!   dependency=`; the builder takes them from the run's output) and `-C metadata`'s value
//!   (the model's is independent of the machine, cargo's hashes its own inputs);
//! - every variable of `build.env` has the value cargo set;
//! - cargo compiles nothing the model lacks, and the model nothing cargo does not compile.
//!
//! Also: `-C metadata` is unique in the model, and the same wherever the workspace lies.

use rust_unit_sources_tests::unit_graph::SELECTIONS;
use rust_unit_sources_tests::{cli_model, copy_tree, fixture, host_triple};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Records every rustc invocation: `<dir>/rustc.*` holds the working directory and the
/// arguments (NUL-separated), `<dir>/rustc.*.env` the environment.
const WRAPPER: &str = r#"#!/bin/sh
record=$(mktemp "$RUSTC_RECORD_DIR/rustc.XXXXXX")
printf '%s\0' "$PWD" "$@" > "$record"
env -0 > "$record.env"
exec "$@"
"#;

/// One rustc invocation cargo made for a crate.
struct Invocation {
    /// The arguments as the model would give them (see the module docs).
    flags: Vec<String>,
    env: BTreeMap<String, String>,
}

/// A compilation's identity: its source file, whether it is a test harness (`--test` or
/// `--cfg test`), its crate name, whether it is for the host (no `--target`), its features.
type Key = (PathBuf, bool, String, bool, Vec<String>);

/// `args` without what the model leaves to the builder (see the module docs), a flag and its
/// value as one string (`-C opt-level=3`); the source file separately.
fn normalize(args: &[String]) -> (Option<String>, Vec<String>) {
    let mut flags = Vec::new();
    let mut source = None;
    let mut after_dependencies = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let value = args.get(i + 1).map(String::as_str).unwrap_or_default();
        let pair = matches!(
            arg,
            "-C" | "--cfg"
                | "--check-cfg"
                | "--crate-type"
                | "--crate-name"
                | "--extern"
                | "-L"
                | "-l"
                | "--out-dir"
                | "--target"
                | "--cap-lints"
        );
        if !pair {
            i += 1;
            if arg.ends_with(".rs") && !arg.starts_with('-') {
                source = Some(arg.to_string());
            } else if ![
                "--error-format=",
                "--json=",
                "--emit=",
                "--diagnostic-width=",
            ]
            .iter()
            .any(|p| arg.starts_with(p))
            {
                flags.push(arg.to_string());
            }
            continue;
        }
        i += 2;
        if arg == "-L" && value.starts_with("dependency=") {
            after_dependencies = true;
        }
        let builders = match arg {
            "-L" | "--out-dir" | "--target" => true,
            "--extern" => value.contains('='),
            "-C" => ["incremental=", "extra-filename="]
                .iter()
                .any(|p| value.starts_with(p)),
            _ => false,
        };
        let from_build_script = after_dependencies
            && (matches!(arg, "-l" | "--cfg" | "--check-cfg")
                || (arg == "-C" && value.starts_with("link-arg")));
        if builders || from_build_script {
            continue;
        }
        flags.push(if arg == "-C" && value.starts_with("metadata=") {
            "-C metadata=M".to_string()
        } else {
            format!("{arg} {value}")
        });
    }
    (source, flags)
}

fn key(source: &Path, flags: &[String], crate_name: &str, host: bool) -> Key {
    let test = flags.iter().any(|f| f == "--test" || f == "--cfg test");
    let source = source.canonicalize().expect("the source file exists");
    let mut features: Vec<String> = flags
        .iter()
        .filter(|f| f.starts_with("--cfg feature="))
        .cloned()
        .collect();
    features.sort();
    (source, test, crate_name.to_string(), host, features)
}

/// cargo's compilations of `workspace` for the build `flags` selects, under `profile`, by key.
fn cargo_invocations(
    workspace: &Path,
    profile: &str,
    flags: &[&str],
) -> BTreeMap<Key, Vec<Invocation>> {
    let scratch = tempfile::tempdir().unwrap();
    let records = scratch.path().join("rustc-records");
    std::fs::create_dir_all(&records).unwrap();
    let wrapper = scratch.path().join("record-rustc");
    std::fs::write(&wrapper, WRAPPER).unwrap();
    let made = Command::new("chmod")
        .arg("+x")
        .arg(&wrapper)
        .status()
        .unwrap();
    assert!(made.success());
    let output = Command::new("cargo")
        .args(["build", "--workspace", "--offline", "--profile", profile])
        .args(["--target", &host_triple()])
        .args(flags)
        .env("RUSTC_WRAPPER", &wrapper)
        .env("RUSTC_RECORD_DIR", &records)
        .env("CARGO_TARGET_DIR", scratch.path().join("target"))
        .current_dir(workspace)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut found: BTreeMap<Key, Vec<Invocation>> = BTreeMap::new();
    for entry in std::fs::read_dir(&records).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "env") {
            continue;
        }
        let split = |bytes: Vec<u8>| -> Vec<String> {
            bytes
                .split(|b| *b == 0)
                .filter(|part| !part.is_empty())
                .map(|part| String::from_utf8(part.to_vec()).unwrap())
                .collect()
        };
        let parts = split(std::fs::read(&path).unwrap());
        let (cwd, args) = (PathBuf::from(&parts[0]), &parts[2..]);
        let crate_name = args
            .iter()
            .position(|a| a == "--crate-name")
            .map(|i| args[i + 1].clone());
        // cargo's probes of the compiler (`-vV`, `--crate-name ___ --print …`).
        let Some(crate_name) = crate_name.filter(|n| n != "___") else {
            continue;
        };
        let host = !args.iter().any(|a| a == "--target");
        let (source, flags) = normalize(args);
        let mut env_path = path.clone().into_os_string();
        env_path.push(".env");
        let env = split(std::fs::read(env_path).unwrap())
            .into_iter()
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k.to_string(), v.to_string()))
            })
            .collect();
        let source = cwd.join(source.expect("a source file"));
        found
            .entry(key(&source, &flags, &crate_name, host))
            .or_default()
            .push(Invocation { flags, env });
    }
    found
}

/// The model of `workspace` with dependencies under `profile`.
fn model(workspace: &Path, profile: &str) -> Value {
    cli_model(
        workspace,
        &[
            "--dependencies",
            "--features",
            "",
            "--target",
            &host_triple(),
            "--no-cache",
            "--profile",
            profile,
        ],
    )
}

/// Compares the model of a copy of `fixture_name` under `profile` with cargo's compilations
/// in each build; returns what differs, one line each.
fn mismatches(fixture_name: &str, profile: &str) -> Vec<String> {
    let scratch = tempfile::tempdir().unwrap();
    let workspace = scratch.path().join("ws");
    copy_tree(&fixture(fixture_name), &workspace);
    let model = model(&workspace, profile);
    assert_eq!(
        model["units"],
        self::model(&fixture(fixture_name), profile)["units"],
        "{fixture_name} ({profile}): the model, `build` included, is the same in another directory"
    );
    let units = model["units"].as_object().unwrap();
    let mut metadata = BTreeSet::new();
    for (id, unit) in units
        .iter()
        .filter(|(_, u)| u["kind"] != "build-script-run")
    {
        assert!(
            metadata.insert(unit["build"]["metadata"].as_str().unwrap().to_string()),
            "{id}: -C metadata is unique"
        );
    }
    let mut found = Vec::new();
    for (selection, flags) in SELECTIONS {
        let mut cargo = cargo_invocations(&workspace, profile, flags);
        let at = format!("{fixture_name} ({profile}, {selection})");
        for (id, unit) in units {
            let in_build = unit["selections"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s == selection));
            if unit["kind"] == "build-script-run" || !in_build {
                continue;
            }
            found.extend(compare_unit(&at, id, unit, &workspace, &mut cargo));
        }
        if !cargo.is_empty() {
            found.push(format!(
                "{at}: cargo compiled what the model lacks: {:?}",
                cargo.keys().collect::<Vec<_>>()
            ));
        }
    }
    found
}

/// Compares one unit of the model with cargo's compilation of it (taken from `cargo`); what
/// differs, one line each.
fn compare_unit(
    at: &str,
    id: &str,
    unit: &Value,
    workspace: &Path,
    cargo: &mut BTreeMap<Key, Vec<Invocation>>,
) -> Vec<String> {
    let build = &unit["build"];
    let flags: Vec<String> = build["rustcFlags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    let (_, flags) = normalize(&flags);
    let source = workspace.join(unit["rootFile"].as_str().unwrap());
    let host = unit["host"] == true;
    let key = key(&source, &flags, build["crateName"].as_str().unwrap(), host);
    // cargo may compile one source twice (for the build and as the command's own unit, with
    // and without `panic = "abort"`): the model's unit is the compilation with its flags.
    let Some(invocations) = cargo.get_mut(&key) else {
        return vec![format!("{at} {id}: cargo did not compile it")];
    };
    let same = invocations.iter().position(|i| i.flags == flags);
    let invocation = invocations.remove(same.unwrap_or(0));
    if invocations.is_empty() {
        cargo.remove(&key);
    }
    let mut found = Vec::new();
    if same.is_none() {
        found.push(format!(
            "{at} {id}: flags {flags:?}, cargo's {:?}",
            invocation.flags
        ));
    }
    for (name, value) in build["env"].as_object().unwrap() {
        let cargos = invocation.env.get(name).map(String::as_str);
        if cargos != value.as_str() {
            found.push(format!("{at} {id}: {name} = {value}, cargo's {cargos:?}"));
        }
    }
    found
}

#[test]
fn build_flags_are_cargos() {
    let cases = [
        ("two-versions", "dev"),
        ("two-versions", "release"),
        ("two-versions", "tuned"),
        ("native-links", "dev"),
        ("native-links", "release"),
        // `panic = "abort"`: cargo compiles the libraries the binary links with it, and again
        // without it for the test harnesses (the model's `unwind` variants).
        ("native-links", "abort"),
    ];
    let found: Vec<String> = cases
        .into_iter()
        .flat_map(|(fixture_name, profile)| mismatches(fixture_name, profile))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}
