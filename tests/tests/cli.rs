//! The CLI on the fixtures: its JSON is the library's model for every case of the
//! `fixture_snapshots` suite (which holds the exact file lists per unit), the model's other
//! fields, feature narrowing, and one-line errors with exit status 2.

use rust_unit_sources_tests::snapshots::{scan_options, SNAPSHOT_CASES};
use rust_unit_sources_tests::{cli, cli_model, fixture, strings};
use serde_json::Value;
use std::collections::BTreeMap;

/// `unit id → files` of a model.
fn files_by_unit(model: &Value) -> BTreeMap<String, Vec<String>> {
    model["units"]
        .as_object()
        .expect("units")
        .iter()
        .map(|(id, unit)| {
            let files = unit["files"]
                .as_array()
                .expect("files")
                .iter()
                .map(|f| f.as_str().unwrap().to_string());
            (id.clone(), files.collect())
        })
        .collect()
}

#[test]
fn cli_json_is_the_library_model_for_every_snapshot_case() {
    for &(name, flags) in SNAPSHOT_CASES {
        let workspace = fixture(name);
        let library = rust_unit_sources::scan(&scan_options(&workspace, flags))
            .unwrap_or_else(|e| panic!("{name} {flags:?}: {e}"));
        assert_eq!(
            cli_model(&workspace, flags),
            serde_json::to_value(&library).expect("the model serializes"),
            "{name} {flags:?}"
        );
    }
}

#[test]
fn nested_members_unit_fields() {
    let model = cli_model(&fixture("nested-members"), &[]);
    assert_eq!(model["version"], 4);
    assert_eq!(model["root"], fixture("nested-members").to_str().unwrap());
    let lib = &model["units"]["app/lib/app"];
    assert_eq!(lib["kind"], "lib");
    assert_eq!(lib["crateTypes"], serde_json::json!(["lib"]));
    assert_eq!(lib["edition"], "2021");
    assert_eq!(lib["rootFile"], "src/lib.rs");
    assert_eq!(
        lib["features"],
        serde_json::json!(["colors", "default", "extra"])
    );
    assert_eq!(lib["manifests"], serde_json::json!(["Cargo.toml"]));
    assert_eq!(
        lib["deps"],
        serde_json::json!([
            "app/build-script-run/build-script-build",
            "derive/proc-macro/derive",
            "util/lib/util"
        ])
    );
    assert_eq!(
        model["units"]["util/lib/util"]["manifests"],
        serde_json::json!(["Cargo.toml", "crates/util/Cargo.toml"])
    );
    assert_eq!(
        model["units"]["derive/proc-macro/derive"]["crateTypes"],
        serde_json::json!(["proc-macro"])
    );
    assert_eq!(model["units"]["app/test/e2e"]["deps"][1], "app/lib/app");
    let hash = lib["hash"].as_str().unwrap();
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{hash}"
    );
}

#[test]
fn feature_flags_narrow_like_cargo() {
    let model = cli_model(&fixture("nested-members"), &["--no-default-features"]);
    let lib = &model["units"]["app/lib/app"];
    assert_eq!(lib["features"], serde_json::json!([]));
}

#[test]
fn cfg_test_and_target_are_evaluated() {
    let model = cli_model(
        &fixture("cfg-features"),
        &["--target", "x86_64-unknown-linux-gnu"],
    );
    let unresolved = &model["units"]["cfg-features/lib/cfg_features"]["unresolved"];
    assert_eq!(
        unresolved,
        &serde_json::json!([{
            "file": "src/macros/mod.rs",
            "line": 5,
            "reason": "module declared with a macro fragment (`mod $…`); widened to all Rust files below src/macros/"
        }])
    );
}

#[test]
fn includes_env_and_out_dir() {
    let model = cli_model(&fixture("includes"), &[]);
    let unit = &model["units"]["includes/lib/includes"];
    assert_eq!(unit["env"], serde_json::json!(["CARGO_MANIFEST_DIR"]));
    assert_eq!(unit["unresolved"], serde_json::json!([]));
    let via_macro = cli_model(&fixture("macro-includes"), &[]);
    let unit = &via_macro["units"]["macro-includes/lib/macro_includes"];
    assert_eq!(
        unit["unresolved"],
        serde_json::json!([{
            "file": "src/lib.rs",
            "line": 5,
            "reason": "include argument `$name` is not a literal path; widened to all files below ./"
        }])
    );
    let build = cli_model(&fixture("lib-bin-build"), &[]);
    let lib = &build["units"]["lib-bin-build/lib/libbinbuild"];
    assert_eq!(lib["outDirIncludes"], serde_json::json!(["generated.rs"]));
    assert_eq!(
        lib["env"],
        serde_json::json!([
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION",
            "LIB_BIN_BUILD_EXTRA",
            "OUT_DIR"
        ])
    );
}

#[test]
fn rustc_mode_lists_exactly_what_rustc_read() {
    let model = cli_model(&fixture("path-attrs"), &["--mode", "rustc"]);
    let files = files_by_unit(&model);
    assert!(!files["path-attrs/lib/path_attrs"].contains(&"src/platform/windows.rs".to_string()));
    assert!(files["path-attrs/lib/path_attrs"].contains(&"src/platform/unix.rs".to_string()));
    assert_eq!(
        model["units"]["path-attrs/lib/path_attrs"]["unresolved"],
        serde_json::json!([])
    );
}

#[test]
fn build_script_run_inputs() {
    let model = cli_model(&fixture("nested-members"), &[]);
    let run = &model["units"]["app/build-script-run/build-script-build"];
    assert_eq!(run["kind"], "build-script-run");
    assert_eq!(run["crateTypes"], serde_json::json!([]));
    assert_eq!(
        run["deps"],
        serde_json::json!(["app/build-script/build-script-build"])
    );
    assert_eq!(run["runInputs"], serde_json::json!(["build.rs"]));
    assert_eq!(run["runEnv"], serde_json::json!([]));
    assert_eq!(run["runInputsExact"], true);
    assert!(model["units"]["app/lib/app"].get("runInputs").is_none());

    let generated = cli_model(&fixture("lib-bin-build"), &[]);
    let run = &generated["units"]["lib-bin-build/build-script-run/build-script-main"];
    assert_eq!(run["runInputs"], serde_json::json!(["build"]));
    assert_eq!(
        generated["units"]["lib-bin-build/lib/libbinbuild"]["deps"],
        serde_json::json!(["lib-bin-build/build-script-run/build-script-main"])
    );

    let default = cli_model(&fixture("build-script-default"), &[]);
    let run = &default["units"]["outer/build-script-run/build-script-build"];
    assert_eq!(
        run["runInputs"],
        serde_json::json!(["Cargo.toml", "assets/logo.txt", "build.rs", "src/lib.rs"]),
        "the nested member's files are not the root package's"
    );
    assert_eq!(run["runInputsExact"], false);
    assert_eq!(
        default["units"]["outer/build-script/build-script-build"]["deps"],
        serde_json::json!(["inner/lib/inner"])
    );
}

#[test]
fn dependencies_mode_covers_vendored_crates_with_cargo_features() {
    let example = rust_unit_sources_tests::repo_root().join("examples/cargo-like");
    let host = rust_unit_sources_tests::host_triple();
    let model = cli_model(
        &example,
        &["--dependencies", "--features", "", "--target", &host],
    );
    let units = model["units"].as_object().unwrap();
    let ids: Vec<&str> = units
        .keys()
        .map(String::as_str)
        .filter(|id| !id.starts_with("cargo-"))
        .collect();
    assert_eq!(
        ids,
        ["cfg-if/lib/cfg_if", "itoa/lib/itoa"],
        "dependencies get their library unit only"
    );
    assert_eq!(
        units["itoa/lib/itoa"]["files"],
        serde_json::json!(["vendor/itoa/src/lib.rs", "vendor/itoa/src/u128_ext.rs"])
    );
    assert_eq!(units["itoa/lib/itoa"]["manifest"], "vendor/itoa/Cargo.toml");
    let util = &units["cargo-util/lib/cargo_util"];
    assert_eq!(
        util["externs"],
        serde_json::json!({ "itoa": "itoa/lib/itoa" })
    );
    assert_eq!(
        util["features"],
        serde_json::json!([]),
        "cargo's resolution: no default feature enabled"
    );
    assert_eq!(
        units["cargo-like/bin/cargo-like"]["externs"],
        serde_json::json!({
            "cargo_like": "cargo-like/lib/cargo_like",
            "cargo_platform": "cargo-platform/lib/cargo_platform",
            "cargo_util": "cargo-util/lib/cargo_util"
        })
    );
    let superset = cli_model(&example, &["--dependencies"]);
    assert_eq!(
        superset["units"]["cargo-util/lib/cargo_util"]["features"],
        serde_json::json!(["vendored"])
    );
}

/// The model of `fixture` with dependencies, for the host, with cargo's default features and
/// extra `args`.
fn dependencies_model(fixture_name: &str, args: &[&str]) -> Value {
    let mut all = vec!["--dependencies", "--features", "", "--no-cache"];
    all.extend_from_slice(args);
    cli_model(&fixture(fixture_name), &all)
}

#[test]
fn two_versions_of_a_dependency_get_versioned_ids() {
    let model = dependencies_model("two-versions", &[]);
    let ids: Vec<&String> = model["units"].as_object().unwrap().keys().collect();
    assert_eq!(
        ids,
        [
            "app-macros/lib-test/app_macros",
            "app-macros/proc-macro/app_macros",
            "app/bin-test/app",
            "app/bin/app",
            "itoa@0.4.8/lib/itoa",
            "itoa@1.0.19/lib/itoa",
            "legacy/lib-test/legacy",
            "legacy/lib/legacy",
        ]
    );
    assert_eq!(
        model["units"]["app/bin/app"]["externs"],
        serde_json::json!({
            "app_macros": "app-macros/proc-macro/app_macros",
            "itoa": "itoa@1.0.19/lib/itoa",
            "legacy": "legacy/lib/legacy",
            "old_itoa": "itoa@0.4.8/lib/itoa",
        })
    );
    let macros = &model["units"]["app-macros/proc-macro/app_macros"]["build"];
    let flags = strings(&macros["rustcFlags"]);
    let metadata = macros["metadata"].as_str().unwrap();
    assert_eq!(
        flags,
        [
            "--crate-name",
            "app_macros",
            "--edition=2021",
            "--crate-type",
            "proc-macro",
            "-C",
            "prefer-dynamic",
            "-C",
            "embed-bitcode=no",
            "-C",
            "debuginfo=2",
            "--check-cfg",
            "cfg(docsrs,test)",
            "--check-cfg",
            "cfg(feature, values())",
            "-C",
            &format!("metadata={metadata}"),
            "-C",
            &format!("extra-filename=-{metadata}"),
            "--extern",
            "proc_macro",
        ]
    );
    assert_eq!(
        macros["externFile"],
        format!("libapp_macros-{metadata}.so").as_str()
    );
    // app links the proc-macro: it may read any CARGO_PKG_* variable while it expands.
    assert_eq!(
        model["units"]["app/bin/app"]["build"]["env"]["CARGO_PKG_DESCRIPTION"],
        ""
    );
    assert!(model["units"]["legacy/lib/legacy"]["build"]["env"]
        .get("CARGO_PKG_DESCRIPTION")
        .is_none());
    let legacy = &model["units"]["legacy/lib/legacy"]["build"];
    assert_eq!(
        legacy["linkArgs"],
        serde_json::json!(["all", "cdylib"]),
        "cdylib link arguments apply to a cdylib"
    );
}

#[test]
fn build_fields_follow_cargo_for_each_profile() {
    let dev = dependencies_model("native-links", &[]);
    let unit = |model: &Value, id: &str| model["units"][id]["build"].clone();
    let run = unit(&dev, "native-sys/build-script-run/build-script-build");
    assert_eq!(
        run,
        serde_json::json!({ "env": {
            "CARGO_CFG_DEBUG_ASSERTIONS": "",
            "CARGO_CFG_FEATURE": "",
            "CARGO_MANIFEST_LINKS": "native",
            "CARGO_PKG_AUTHORS": "",
            "CARGO_PKG_DESCRIPTION": "",
            "CARGO_PKG_HOMEPAGE": "",
            "CARGO_PKG_LICENSE": "",
            "CARGO_PKG_LICENSE_FILE": "",
            "CARGO_PKG_NAME": "native-sys",
            "CARGO_PKG_README": "",
            "CARGO_PKG_REPOSITORY": "",
            "CARGO_PKG_RUST_VERSION": "",
            "CARGO_PKG_VERSION": "0.1.0",
            "CARGO_PKG_VERSION_MAJOR": "0",
            "CARGO_PKG_VERSION_MINOR": "1",
            "CARGO_PKG_VERSION_PATCH": "0",
            "CARGO_PKG_VERSION_PRE": "",
            "DEBUG": "true",
            "OPT_LEVEL": "0",
            "PROFILE": "debug",
        },
        // cargo's profile of a build-script run: the unit's, less what only compiling takes.
        "profile": { "codegenUnits": null, "debugAssertions": true, "debuginfo": "2",
            "incremental": false, "lto": "false", "name": "dev", "optLevel": "0",
            "overflowChecks": false, "panic": "unwind", "rpath": false, "splitDebuginfo": null,
            "strip": null }})
    );
    // The dependent's build script runs after the run whose `links` metadata it reads.
    assert_eq!(
        dev["units"]["native-user/build-script-run/build-script-build"]["deps"],
        serde_json::json!([
            "native-sys/build-script-run/build-script-build",
            "native-user/build-script/build-script-build",
        ])
    );
    let flags = |build: &Value| -> Vec<String> {
        let metadata = build["metadata"].as_str().unwrap().to_string();
        build["rustcFlags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap().replace(&metadata, "M"))
            .collect()
    };
    let bin = unit(&dev, "native-user/bin/native-user");
    assert_eq!(
        flags(&bin),
        [
            "--crate-name",
            "native_user",
            "--edition=2021",
            "--crate-type",
            "bin",
            "-C",
            "embed-bitcode=no",
            "-C",
            "debuginfo=2",
            "--check-cfg",
            "cfg(docsrs,test)",
            "--check-cfg",
            "cfg(feature, values())",
            "-C",
            "metadata=M",
        ]
    );
    assert_eq!(
        bin["linkArgs"],
        serde_json::json!(["all", "bins", "bin=native-user"])
    );
    assert_eq!(bin["linkLibs"], false);
    // cc is linked only by build scripts: compiled for the host (build-override defaults:
    // no debug information, and it is not a member: lints capped).
    let cc = unit(&dev, "cc/lib/cc/host");
    assert_eq!(
        flags(&cc)[..7],
        [
            "--crate-name",
            "cc",
            "--edition=2021",
            "--crate-type",
            "lib",
            "-C",
            "embed-bitcode=no"
        ]
    );
    assert_eq!(flags(&cc)[flags(&cc).len() - 2..], ["--cap-lints", "allow"]);

    let release = dependencies_model("native-links", &["--profile", "release"]);
    assert_eq!(
        flags(&unit(&release, "native-user/bin/native-user")),
        [
            "--crate-name",
            "native_user",
            "--edition=2021",
            "--crate-type",
            "bin",
            "-C",
            "opt-level=3",
            "-C",
            "embed-bitcode=no",
            "-C",
            "overflow-checks=on",
            "--check-cfg",
            "cfg(docsrs,test)",
            "--check-cfg",
            "cfg(feature, values())",
            "-C",
            "metadata=M",
            "-C",
            "strip=debuginfo",
        ]
    );
    assert_eq!(
        flags(&unit(
            &release,
            "native-user/build-script/build-script-build"
        ))[5..],
        [
            "-C",
            "embed-bitcode=no",
            "-C",
            "debug-assertions=off",
            "-C",
            "overflow-checks=on",
            "--check-cfg",
            "cfg(docsrs,test)",
            "--check-cfg",
            "cfg(feature, values())",
            "-C",
            "metadata=M",
            "-C",
            "strip=debuginfo",
        ]
    );
    let run = unit(&release, "native-user/build-script-run/build-script-build");
    assert_eq!(
        (
            &run["env"]["PROFILE"],
            &run["env"]["OPT_LEVEL"],
            &run["env"]["DEBUG"]
        ),
        (&"release".into(), &"3".into(), &"false".into())
    );
    assert!(run["env"].get("CARGO_CFG_DEBUG_ASSERTIONS").is_none());

    let manifest = fixture("native-links").join("Cargo.toml");
    let output = cli(&[
        "scan",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--dependencies",
        "--no-cache",
        "--profile",
        "nope",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: {}: profile `nope` is not defined\n",
            manifest.display()
        )
    );
}

#[test]
fn broken_targets_carry_their_errors_and_leave_the_others_alone() {
    let dir = fixture("broken-targets");
    let manifest = dir.join("Cargo.toml");
    let output = cli(&["scan", "--manifest-path", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let model: Value = serde_json::from_slice(&output.stdout).unwrap();
    let m = manifest.display();
    let d = dir.display();
    let stale = format!("{m}:11: bin `stale`: {d}/src/bin/renamed.rs does not exist");
    let excluded = format!("{m}:15: example `excluded`: {d}/examples/excluded.rs does not exist");
    let common = format!(
        "{d}/tests/needs_common.rs:2: module `common`: neither common.rs nor common/mod.rs exists"
    );
    let errors: BTreeMap<&str, Option<&str>> = model["units"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, unit)| (id.as_str(), unit.get("error").map(|e| e.as_str().unwrap())))
        .collect();
    assert_eq!(
        errors,
        BTreeMap::from([
            ("broken-targets/bin-test/broken-targets", None),
            ("broken-targets/bin-test/stale", Some(stale.as_str())),
            ("broken-targets/bin/broken-targets", None),
            ("broken-targets/bin/stale", Some(stale.as_str())),
            ("broken-targets/example/excluded", Some(excluded.as_str())),
            ("broken-targets/lib-test/broken_targets", None),
            ("broken-targets/lib/broken_targets", None),
            ("broken-targets/test/needs-common", Some(common.as_str())),
        ])
    );
    let warnings = [
        ("broken-targets/bin-test/stale", &stale),
        ("broken-targets/bin/stale", &stale),
        ("broken-targets/example/excluded", &excluded),
        ("broken-targets/test/needs-common", &common),
    ]
    .map(|(id, error)| format!("warning: {id}: {error}\n"))
    .concat();
    assert_eq!(String::from_utf8(output.stderr).unwrap(), warnings);
    let strict = cli(&["scan", "--manifest-path", dir.to_str().unwrap(), "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    assert_eq!(strict.stdout, output.stdout);
    assert_eq!(
        String::from_utf8(strict.stderr).unwrap(),
        warnings.replace("warning: ", "error: ")
    );
}

#[test]
fn includes_named_by_build_script_variables() {
    let model = cli_model(&fixture("build-script-env"), &[]);
    let lib = &model["units"]["build-script-env/lib/build_script_env"];
    // DATA_FILE is a literal (`data/value.txt`, relative to src/lib.rs: its files are in
    // the fixture_snapshots suite); GENERATED_RS is `{}/generated.rs`, computed: only files named
    // generated.rs could be it (none here).
    assert_eq!(lib["outDirIncludes"], Value::Null, "unknown, never empty");
    assert_eq!(
        lib["unresolved"],
        serde_json::json!([{
            "file": "src/lib.rs",
            "line": 3,
            "reason": "include of `env!(\"GENERATED_RS\")`, a path which the package's build script computes (cargo:rustc-env); widened to every file named `generated.rs` below ./"
        }])
    );
    let bin = &model["units"]["build-script-env/bin/build-script-env"];
    assert_eq!(
        bin["outDirIncludes"],
        serde_json::json!([]),
        "known: nothing"
    );
}
