//! The model's `build` field against cargo's own rustc invocations. For each fixture with
//! vendored crates and each profile, cargo builds every unit (`cargo build --workspace --lib
//! --bins --examples --tests --profile <p>`) through a `RUSTC_WRAPPER` that records each
//! rustc invocation's arguments and environment, and every compiled unit of the model
//! (`--dependencies --profile <p>`) is matched with cargo's compilations of it:
//! - `rustcFlags` equal cargo's arguments, in cargo's order, but for what the builder adds
//!   itself (the source file, `--out-dir`, `-L`, `--extern` paths, `-C incremental`, the
//!   error format, `--emit`), `-C extra-filename` (output file names are the builder's), the
//!   flags from the package's build-script run (cargo appends them after `-L dependency=`; the
//!   builder takes them from the run's output) and `-C metadata`'s value (the model's is
//!   independent of the machine, cargo's hashes its own inputs);
//! - every variable of `build.env` has the value cargo set;
//! - the departures docs/schema.md describes are exactly those listed in `departures`.
//!
//! Also: `-C metadata` is unique in a build, and the same wherever the workspace lies.

use rust_unit_sources_tests::rebuilds::CARGO_BUILD_EVERY_UNIT;
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
/// `--cfg test`), its crate name.
type Key = (PathBuf, bool, String);

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

fn key(source: &Path, flags: &[String], crate_name: &str) -> Key {
    let test = flags.iter().any(|f| f == "--test" || f == "--cfg test");
    let source = source.canonicalize().expect("the source file exists");
    (source, test, crate_name.to_string())
}

/// cargo's compilations of `workspace` under `profile`, by key.
fn cargo_invocations(workspace: &Path, profile: &str) -> BTreeMap<Key, Vec<Invocation>> {
    let records = workspace.join("target/rustc-records");
    std::fs::create_dir_all(&records).unwrap();
    let wrapper = workspace.join("target/record-rustc");
    std::fs::write(&wrapper, WRAPPER).unwrap();
    let made = Command::new("chmod")
        .arg("+x")
        .arg(&wrapper)
        .status()
        .unwrap();
    assert!(made.success());
    let output = Command::new("cargo")
        .args(CARGO_BUILD_EVERY_UNIT)
        .args(["--offline", "--profile", profile])
        .env("RUSTC_WRAPPER", &wrapper)
        .env("RUSTC_RECORD_DIR", &records)
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
            .entry(key(&source, &flags, &crate_name))
            .or_default()
            .push(Invocation { flags, env });
    }
    found
}

/// What cargo's flags have beyond the model's, and the reverse (as multisets).
fn difference(model: &[String], cargo: &[String]) -> (Vec<String>, Vec<String>) {
    let mut cargo_only = cargo.to_vec();
    let mut model_only = Vec::new();
    for flag in model {
        match cargo_only.iter().position(|c| c == flag) {
            Some(i) => {
                cargo_only.remove(i);
            }
            None => model_only.push(flag.clone()),
        }
    }
    (cargo_only, model_only)
}

/// How the model departs from cargo for one unit (docs/schema.md, "Building").
#[derive(Debug, PartialEq)]
enum Departure {
    /// cargo compiles the unit twice (for the host and for the target, or with and without
    /// `panic = "abort"`); the model's flags are those of one of them.
    CompiledTwice,
    /// cargo's flags have these beyond the model's.
    CargoAlso(Vec<String>),
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

/// Compares the model of a copy of `fixture_name` under `profile` with cargo's compilations;
/// returns the departures found, by unit id.
fn departures(fixture_name: &str, profile: &str) -> BTreeMap<String, Departure> {
    let scratch = tempfile::tempdir().unwrap();
    let workspace = scratch.path().join("ws");
    copy_tree(&fixture(fixture_name), &workspace);
    let model = model(&workspace, profile);
    assert_eq!(
        model["units"],
        self::model(&fixture(fixture_name), profile)["units"],
        "{fixture_name} ({profile}): the model, `build` included, is the same in another directory"
    );
    let mut cargo = cargo_invocations(&workspace, profile);
    let mut found = BTreeMap::new();
    let mut metadata = BTreeSet::new();
    for (id, unit) in model["units"].as_object().unwrap() {
        if unit["kind"] == "build-script-run" {
            continue;
        }
        let build = &unit["build"];
        assert!(
            metadata.insert(build["metadata"].as_str().unwrap().to_string()),
            "{id}: -C metadata is unique"
        );
        let flags: Vec<String> = build["rustcFlags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect();
        let (_, flags) = normalize(&flags);
        let source = workspace.join(unit["rootFile"].as_str().unwrap());
        let key = key(&source, &flags, build["crateName"].as_str().unwrap());
        let invocations = cargo
            .remove(&key)
            .unwrap_or_else(|| panic!("{fixture_name} ({profile}): cargo did not compile {id}"));
        let same: Vec<&Invocation> = invocations.iter().filter(|i| i.flags == flags).collect();
        match (invocations.len(), same.len()) {
            (1, 1) => {}
            (2, 1) => {
                found.insert(id.clone(), Departure::CompiledTwice);
            }
            (1, 0) => {
                let (cargo_only, model_only) = difference(&flags, &invocations[0].flags);
                assert_eq!(
                    model_only,
                    Vec::<String>::new(),
                    "{fixture_name} ({profile}) {id}: flags cargo does not pass (cargo's: {:?})",
                    invocations[0].flags
                );
                found.insert(id.clone(), Departure::CargoAlso(cargo_only));
            }
            (n, _) => panic!(
                "{fixture_name} ({profile}) {id}: cargo compiled it {n} times, none or several \
                 with the model's flags {flags:?}: {:?}",
                invocations.iter().map(|i| &i.flags).collect::<Vec<_>>()
            ),
        }
        let compared: Vec<&Invocation> = if same.is_empty() {
            invocations.iter().collect()
        } else {
            same
        };
        for (name, value) in build["env"].as_object().unwrap() {
            for invocation in &compared {
                assert_eq!(
                    invocation.env.get(name).map(String::as_str),
                    value.as_str(),
                    "{fixture_name} ({profile}) {id}: {name}"
                );
            }
        }
    }
    assert!(
        cargo.is_empty(),
        "{fixture_name} ({profile}): cargo compiled what the model lacks: {:?}",
        cargo.keys().collect::<Vec<_>>()
    );
    found
}

/// A fixture, a profile, and the departures expected there, by unit id.
type Case = (&'static str, &'static str, Vec<(&'static str, Departure)>);

fn flags(list: &[&str]) -> Departure {
    Departure::CargoAlso(list.iter().map(|s| s.to_string()).collect())
}

#[test]
fn build_flags_are_cargos() {
    // The proc-macro is a member: `cargo build --workspace` compiles it as a root, with the
    // target profile, and again for `app`, with the build's (`build-override`); in dev both
    // are one compilation (cargo keeps the deferred debug information), with `-C debuginfo=2`.
    let proc_macro = "app-macros/proc-macro/app_macros";
    let cases: [Case; 6] = [
        (
            "two-versions",
            "dev",
            vec![(proc_macro, flags(&["-C debuginfo=2"]))],
        ),
        (
            "two-versions",
            "release",
            vec![(proc_macro, Departure::CompiledTwice)],
        ),
        (
            "two-versions",
            "tuned",
            vec![(proc_macro, Departure::CompiledTwice)],
        ),
        ("native-links", "dev", vec![]),
        ("native-links", "release", vec![]),
        // `panic = "abort"`: cargo compiles the libraries the binary links with it and again
        // without it for the test harnesses; the model compiles them once, unwinding.
        (
            "native-links",
            "abort",
            vec![
                ("native-sys/lib/native_sys", Departure::CompiledTwice),
                ("native-user/lib/native_user", Departure::CompiledTwice),
            ],
        ),
    ];
    for (fixture_name, profile, expected) in cases {
        let expected: BTreeMap<String, Departure> = expected
            .into_iter()
            .map(|(id, d)| (id.to_string(), d))
            .collect();
        assert_eq!(
            departures(fixture_name, profile),
            expected,
            "{fixture_name} ({profile})"
        );
    }
}
