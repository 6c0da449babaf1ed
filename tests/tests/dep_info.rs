//! Differential test: for every unit of every fixture and example, the scanner lists every file
//! `rustc --emit=dep-info` lists (recall 100%), and every `env!` name rustc records.
//!
//! The scan without feature flags promises a superset over every feature combination, so
//! rustc runs three times per unit: with every declared feature, with none, and with each
//! feature alone.
//!
//! A unit carrying an `error` (a file it must read is missing or malformed) must be one rustc
//! fails on; in the fixtures built to show when a unit is broken (`editions`,
//! `published-shapes`), the units with an error are exactly those `cargo build` fails on. A
//! unit whose `outDirIncludes` is unknown includes a path only its build script knows, which
//! the oracle (it runs no build script) cannot give rustc: those are checked against the
//! dep-info of cargo's own build instead.

use rust_unit_sources::{
    parse_dep_info, rustc_dep_info, scan, DepInfo, Model, ScanOptions, Unit, UnitKind,
};
use rust_unit_sources_tests::{
    all_fixtures, cli, cli_model, copy_tree, examples, fixture, strings,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Checks every unit of `workspace` against rustc (see the module docs); returns the ids of
/// those that carry an error.
fn assert_superset_of_rustc(workspace: &Path) -> Vec<String> {
    let model = scan(&ScanOptions {
        manifest_path: workspace.to_path_buf(),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{}: {e}", workspace.display()));
    let root = Path::new(&model.root);
    let scratch = tempfile::tempdir().expect("temp dir");
    let rustc = rust_unit_sources_tests::real_rustc();
    let mut missed = Vec::new();
    let mut broken = Vec::new();
    for (id, unit) in model
        .units
        .iter()
        .filter(|(_, u)| u.kind != UnitKind::BuildScriptRun)
    {
        if unit.error.is_some() {
            assert!(
                rustc_fails(root, unit, &rustc, scratch.path()),
                "{id}: carries an error, but rustc compiles it"
            );
            broken.push(id.to_string());
            continue;
        }
        if unit.out_dir_includes.is_none() {
            continue;
        }
        let mut combinations = vec![unit.features.clone(), Vec::new()];
        combinations.extend(unit.features.iter().map(|f| vec![f.clone()]));
        for features in combinations {
            let configured = Unit {
                features: features.clone(),
                ..unit.clone()
            };
            let rustc = rustc_dep_info(root, id.as_str(), &configured, scratch.path(), &rustc)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(!rustc.files.is_empty(), "{id}: rustc listed no file");
            let id = format!("{id} (features {features:?})");
            check(&id, unit, &rustc, &mut missed);
        }
    }
    assert!(
        missed.is_empty(),
        "{}: the scan missed what rustc read:\n{}",
        workspace.display(),
        missed.join("\n")
    );
    broken
}

/// Whether `rustc --emit=metadata` fails on `unit`: its root file, edition, crate type and
/// features, with cargo's `CARGO_*` variables and an empty `OUT_DIR` (below `scratch`).
fn rustc_fails(root: &Path, unit: &Unit, rustc: &Path, scratch: &Path) -> bool {
    let out = tempfile::tempdir_in(scratch).expect("temp dir");
    let package_dir = root.join(unit.manifest.as_str());
    let package_dir = package_dir.parent().expect("a manifest's directory");
    let crate_name = unit.target.replace('-', "_");
    let mut version = unit.version.splitn(3, '.');
    let mut command = Command::new(rustc);
    command
        .args(["--emit=metadata", "--edition", &unit.edition])
        .args(["--crate-name", &crate_name, "--out-dir"])
        .arg(out.path())
        .arg(root.join(unit.root_file.as_str()))
        .env("CARGO_MANIFEST_DIR", package_dir)
        .env("CARGO_MANIFEST_PATH", package_dir.join("Cargo.toml"))
        .env("CARGO_PKG_NAME", &unit.package)
        .env("CARGO_PKG_VERSION", &unit.version)
        .env("CARGO_PKG_VERSION_MAJOR", version.next().unwrap_or("0"))
        .env("CARGO_PKG_VERSION_MINOR", version.next().unwrap_or("0"))
        .env("CARGO_PKG_VERSION_PATCH", version.next().unwrap_or("0"))
        .env("CARGO_CRATE_NAME", &crate_name)
        .env("OUT_DIR", out.path());
    if unit.kind.is_test_harness() {
        command.arg("--test");
    } else {
        command.args(["--crate-type", &unit.crate_types[0]]);
    }
    for feature in &unit.features {
        command.arg("--cfg").arg(format!("feature=\"{feature}\""));
    }
    !command.output().expect("rustc runs").status.success()
}

/// What cargo's own `cargo build --lib` of (a copy of) `workspace` wrote as the library's
/// dep-info, and the model of the copy.
fn cargo_lib_dep_info(workspace: &Path) -> (DepInfo, serde_json::Value) {
    let scratch = tempfile::tempdir().expect("temp dir");
    let copy = scratch.path().join("ws");
    copy_tree(workspace, &copy);
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "build",
            "--lib",
            "--offline",
            "--message-format=json",
            "--target-dir",
        ])
        .arg(scratch.path().join("target"))
        .current_dir(&copy)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let messages: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let out_dir = messages
        .iter()
        .find(|m| m["reason"] == "build-script-executed")
        .and_then(|m| m["out_dir"].as_str())
        .map(PathBuf::from)
        // Without a build script, no file is in an OUT_DIR.
        .unwrap_or_else(|| scratch.path().join("no-out-dir"));
    // `deps/lib<name>-<hash>.rmeta` has its dep-info beside it: `deps/<name>-<hash>.d`.
    let rmeta = messages
        .iter()
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["kind"][0] == "lib")
        .flat_map(|m| m["filenames"].as_array().unwrap().clone())
        .find_map(|f| {
            f.as_str()
                .filter(|f| f.ends_with(".rmeta"))
                .map(PathBuf::from)
        })
        .expect("cargo built the library");
    let stem = rmeta.file_stem().unwrap().to_str().unwrap();
    let dep_file = rmeta.with_file_name(format!("{}.d", stem.strip_prefix("lib").unwrap()));
    let text = std::fs::read_to_string(&dep_file).expect("cargo wrote the dep-info");
    let info = parse_dep_info(&text, &copy, &out_dir).unwrap_or_else(|e| panic!("{e}"));
    (info, cli_model(&copy, &[]))
}

/// Records in `missed` what `rustc` read that `unit` does not list.
fn check(id: &str, unit: &Unit, rustc: &DepInfo, missed: &mut Vec<String>) {
    for file in &rustc.files {
        if !unit.files.contains(file) {
            missed.push(format!("{id}: file {file}"));
        }
    }
    // `None`: the scan does not know what the unit includes from OUT_DIR (anything).
    for generated in &rustc.out_dir_files {
        if unit
            .out_dir_includes
            .as_ref()
            .is_some_and(|includes| !includes.contains(generated))
        {
            missed.push(format!("{id}: OUT_DIR file {generated}"));
        }
    }
    for name in &rustc.env {
        if !unit.env.contains(name) {
            missed.push(format!("{id}: env {name}"));
        }
    }
}

#[test]
fn fixtures_list_every_file_rustc_reads() {
    let all = all_fixtures();
    assert!(all.len() >= 4, "fixtures found: {all:?}");
    let broken: Vec<String> = all
        .iter()
        .flat_map(|w| assert_superset_of_rustc(w))
        .collect();
    assert_eq!(
        broken,
        [
            // broken-targets: the stale bin and its test harness, the missing module, the
            // excluded example.
            "broken-targets/bin-test/stale",
            "broken-targets/bin/stale",
            "broken-targets/example/excluded",
            "broken-targets/test/needs-common",
            // editions: what each edition reserves (guarded strings in 2024, prefixes from
            // 2021), and a raw C string read as a string running on before 2021.
            "e2018/example/raw_c_string",
            "e2021/example/prefixes",
            "e2024/example/guarded",
            "e2024/example/prefixes",
            // published-shapes: ruzstd's `#[test]` including a file the package lacks breaks
            // the test harness only.
            "test-items/lib-test/test_items",
        ],
        "units carrying an error"
    );
}

/// The scan of `workspace` (in process, no cache).
fn scan_of(workspace: &Path) -> Model {
    scan(&ScanOptions {
        manifest_path: workspace.to_path_buf(),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{}: {e}", workspace.display()))
}

/// The ids of the units `cargo build --all-targets --keep-going` of a copy of `workspace`
/// builds (`<package>/<kind>/<target>`; its members have no dependencies).
fn units_cargo_builds(workspace: &Path) -> BTreeSet<String> {
    let scratch = tempfile::tempdir().expect("temp dir");
    let copy = scratch.path().join("ws");
    copy_tree(workspace, &copy);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args(["build", "--all-targets", "--keep-going", "--offline"])
        .args(["--message-format=json", "--target-dir"])
        .arg(scratch.path().join("target"))
        .current_dir(&copy)
        .output()
        .expect("cargo runs");
    let packages: BTreeMap<PathBuf, String> = scan_of(&copy)
        .units
        .values()
        .map(|u| (copy.join(u.manifest.as_str()), u.package.clone()))
        .collect();
    let mut built = BTreeSet::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let manifest = PathBuf::from(message["manifest_path"].as_str().expect("manifest"));
        let package = &packages[&manifest];
        let test = message["profile"]["test"] == true;
        let kind = match (message["target"]["kind"][0].as_str(), test) {
            (Some("lib"), true) => "lib-test",
            (Some("bin"), true) => "bin-test",
            (Some("custom-build"), _) => "build-script",
            (Some(kind), _) => kind,
            (None, _) => panic!("no target kind: {message}"),
        };
        let target = message["target"]["name"].as_str().expect("a target name");
        built.insert(format!("{package}/{kind}/{target}"));
    }
    built
}

#[test]
fn in_the_fixtures_of_broken_units_those_with_an_error_are_those_cargo_cannot_build() {
    for name in ["editions", "published-shapes"] {
        let model = scan_of(&fixture(name));
        let ids: BTreeSet<String> = model.units.keys().map(|id| id.to_string()).collect();
        let broken: BTreeSet<String> = model
            .units
            .iter()
            .filter(|(_, unit)| unit.error.is_some())
            .map(|(id, _)| id.to_string())
            .collect();
        let built = units_cargo_builds(&fixture(name));
        assert!(built.is_subset(&ids), "{name}: cargo built {built:?}");
        let unbuilt: BTreeSet<String> = ids.difference(&built).cloned().collect();
        assert_eq!(
            broken, unbuilt,
            "{name}: units with an error, units cargo did not build"
        );
        assert!(!broken.is_empty(), "{name}");
    }
}

#[test]
fn includes_named_by_build_script_variables_cover_cargos_dep_info() {
    let (info, model) = cargo_lib_dep_info(&fixture("build-script-env"));
    let lib = &model["units"]["build-script-env/lib/build_script_env"];
    let files = strings(&lib["files"]);
    for file in &info.files {
        assert!(
            files.iter().any(|listed| listed == file.as_str()),
            "the scan missed {file}: {files:?}"
        );
    }
    // rustc read $OUT_DIR/generated.rs, which the scan cannot name: unknown, not empty.
    assert_eq!(info.out_dir_files, ["generated.rs"]);
    assert_eq!(lib["outDirIncludes"], serde_json::Value::Null);
    let env = strings(&lib["env"]);
    for name in &info.env {
        assert!(env.contains(name), "the scan missed env {name}");
    }
}

#[test]
fn a_broken_target_leaves_cargos_other_units_as_they_were() {
    let (info, model) = cargo_lib_dep_info(&fixture("broken-targets"));
    let lib = &model["units"]["broken-targets/lib/broken_targets"];
    assert_eq!(lib.get("error"), None);
    let files = strings(&lib["files"]);
    let read: Vec<&str> = info.files.iter().map(|f| f.as_str()).collect();
    assert_eq!(files, read);
}

#[test]
fn examples_list_every_file_rustc_reads() {
    let all = examples();
    assert!(!all.is_empty(), "no example found");
    for workspace in all {
        assert_eq!(
            assert_superset_of_rustc(&workspace),
            Vec::<String>::new(),
            "{}",
            workspace.display()
        );
    }
}

/// The CLI's `--mode check` (the scan against the oracle, in one run) on every fixture, every
/// example and this workspace: nothing missed, and unchecked exactly the units rustc cannot
/// expand without a build (the oracle runs no build script and no proc-macro):
/// - script-and-macro's library includes a file its build script names by an absolute path
///   (`include!(env!("APP_EXTRA"))`), so its `OUT_DIR` files are unknown and none is made;
/// - this workspace's C++ plugin writes `include!` in a `#[cxx::bridge]` module's `extern
///   "C++"` block, which only cxx's attribute macro consumes.
///
/// `--mode rustc`, which must give every unit, fails on the first of them by id, in one line.
#[test]
fn check_mode_finds_nothing_missed_on_fixtures_examples_and_this_workspace() {
    let mut workspaces = rust_unit_sources_tests::fixtures();
    workspaces.extend(rust_unit_sources_tests::examples());
    workspaces.push(rust_unit_sources_tests::repo_root());
    let generated = "rustc wrote no dep-info: error: couldn't read `";
    let bridge = "rustc wrote no dep-info: error: non-foreign item macro in foreign item position";
    let unexpanded = |workspace: &Path| -> Vec<(&str, &str)> {
        if *workspace == fixture("script-and-macro") {
            vec![("app/lib-test/app", generated), ("app/lib/app", generated)]
        } else if *workspace == rust_unit_sources_tests::repo_root() {
            vec![(
                "rust-unit-sources-nix/lib/rust_unit_sources_nix_impl",
                bridge,
            )]
        } else {
            Vec::new()
        }
    };
    for workspace in workspaces {
        let path = workspace.to_str().unwrap();
        let output = cli(&["scan", "--mode", "check", "--manifest-path", path]);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(0), "{path}:\n{stdout}");
        assert!(
            !stdout.lines().any(|l| l.starts_with("missed ")),
            "{stdout}"
        );
        let unchecked: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("unchecked "))
            .collect();
        let expected = unexpanded(&workspace);
        assert_eq!(unchecked.len(), expected.len(), "{path}:\n{stdout}");
        for (line, (id, reason)) in unchecked.iter().zip(&expected) {
            assert!(
                line.starts_with(&format!("{id}: {reason}")),
                "{path}: {line}"
            );
        }
        let summary = stdout.lines().last().unwrap();
        let counted = match expected.len() {
            0 => String::new(),
            n => format!(" ({n} unchecked: rustc cannot expand them without building)"),
        };
        assert!(
            summary.starts_with("checked ")
                && summary.contains(&format!("units{counted}: rustc read "))
                && summary.contains("; native missed 0, listed "),
            "{summary}"
        );
    }
    let rustc_mode = cli(&[
        "scan",
        "--mode",
        "rustc",
        "--manifest-path",
        fixture("script-and-macro").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8(rustc_mode.stderr).unwrap();
    assert_eq!(rustc_mode.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: app/lib-test/app: {generated}"))
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}
