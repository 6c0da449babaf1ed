//! The CLI on the fixtures: exact file lists per unit, feature narrowing, and one-line errors
//! with exit status 2.

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

fn expect(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(id, files)| {
            (
                id.to_string(),
                files.iter().map(|f| f.to_string()).collect(),
            )
        })
        .collect()
}

const APP_LIB: &[&str] = &[
    "src/colors.rs",
    "src/commands/async.rs",
    "src/commands/build.rs",
    "src/commands/mod.rs",
    "src/config.rs",
    "src/lib.rs",
];
const UTIL_LIB: &[&str] = &[
    "crates/util/data/greeting.txt",
    "crates/util/src/lib.rs",
    "crates/util/src/text.rs",
];

#[test]
fn nested_members_units_and_files() {
    let model = cli_model(&fixture("nested-members"), &[]);
    assert_eq!(model["version"], 3);
    assert_eq!(model["root"], fixture("nested-members").to_str().unwrap());
    assert_eq!(
        files_by_unit(&model),
        expect(&[
            ("app/bench/speed", &["benches/speed.rs"]),
            ("app/bin-test/app", &["src/cli.rs", "src/main.rs"]),
            ("app/bin/app", &["src/cli.rs", "src/main.rs"]),
            ("app/build-script/build-script-build", &["build.rs"]),
            ("app/build-script-run/build-script-build", &["build.rs"]),
            ("app/example/demo", &["examples/demo.rs"]),
            ("app/lib-test/app", APP_LIB),
            ("app/lib/app", APP_LIB),
            ("app/test/e2e", &["tests/e2e.rs"]),
            ("derive/lib-test/derive", &["crates/derive/src/lib.rs"]),
            ("derive/proc-macro/derive", &["crates/derive/src/lib.rs"]),
            ("util/lib-test/util", UTIL_LIB),
            ("util/lib/util", UTIL_LIB),
        ])
    );
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
fn root_lib_lists_no_file_of_nested_members() {
    let model = cli_model(&fixture("nested-members"), &[]);
    for id in [
        "app/lib/app",
        "app/lib-test/app",
        "app/bin/app",
        "app/build-script/build-script-build",
    ] {
        let files = &files_by_unit(&model)[id];
        assert!(
            files.iter().all(|f| !f.starts_with("crates/")),
            "{id}: {files:?}"
        );
    }
}

#[test]
fn feature_flags_narrow_like_cargo() {
    let model = cli_model(&fixture("nested-members"), &["--no-default-features"]);
    let lib = &model["units"]["app/lib/app"];
    assert_eq!(lib["features"], serde_json::json!([]));
    assert!(!files_by_unit(&model)["app/lib/app"].contains(&"src/colors.rs".to_string()));

    let cfg = cli_model(
        &fixture("cfg-features"),
        &["--no-default-features", "--features", "fast"],
    );
    assert_eq!(
        files_by_unit(&cfg)["cfg-features/lib/cfg_features"],
        [
            "src/backend/mod.rs",
            "src/backend/simd.rs",
            "src/debug.rs",
            "src/fast_no_std.rs",
            "src/from_build_script.rs",
            "src/lib.rs",
            "src/macros/generated.rs",
            "src/macros/mod.rs",
            "src/not_test.rs",
            "src/sys/unix.rs",
            "src/sys/windows.rs",
        ]
    );
}

#[test]
fn cfg_test_and_target_are_evaluated() {
    let model = cli_model(
        &fixture("cfg-features"),
        &["--target", "x86_64-unknown-linux-gnu"],
    );
    let files = files_by_unit(&model);
    let common = [
        "src/backend/mod.rs",
        "src/backend/simd.rs",
        "src/debug.rs",
        "src/fast_no_std.rs",
        "src/from_build_script.rs",
        "src/lib.rs",
        "src/macros/generated.rs",
        "src/macros/mod.rs",
        "src/std_only.rs",
        "src/sys/unix.rs",
    ];
    let with = |extra: &str| {
        let mut v: Vec<String> = common.iter().map(|s| s.to_string()).collect();
        v.push(extra.to_string());
        v.sort();
        v
    };
    assert_eq!(
        files["cfg-features/lib/cfg_features"],
        with("src/not_test.rs")
    );
    assert_eq!(
        files["cfg-features/lib-test/cfg_features"],
        with("src/tests.rs")
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
fn path_attributes_resolve_as_rustc_does() {
    let model = cli_model(&fixture("path-attrs"), &[]);
    let expected = [
        "src/inline/explicit.rs",
        "src/inline/leaf.rs",
        "src/inline_dir/sub.rs",
        "src/lib.rs",
        "src/nested.rs",
        "src/nested/deep.rs",
        "src/nested/deep/deeper/x.rs",
        "src/other/renamed.rs",
        "src/other/sibling.rs",
        "src/platform.rs",
        "src/platform/unix.rs",
        "src/platform/windows.rs",
        "src/precedence/mod.rs",
    ];
    assert_eq!(files_by_unit(&model)["path-attrs/lib/path_attrs"], expected);
    let linux = cli_model(
        &fixture("path-attrs"),
        &["--target", "x86_64-unknown-linux-gnu"],
    );
    let narrowed: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|f| !f.starts_with("src/platform"))
        .collect();
    let mut narrowed: Vec<String> = narrowed.iter().map(|s| s.to_string()).collect();
    narrowed.push("src/platform/unix.rs".into());
    narrowed.sort();
    assert_eq!(files_by_unit(&linux)["path-attrs/lib/path_attrs"], narrowed);
}

#[test]
fn includes_env_and_out_dir() {
    let model = cli_model(&fixture("includes"), &[]);
    let unit = &model["units"]["includes/lib/includes"];
    assert_eq!(
        unit["files"],
        serde_json::json!([
            "README.md",
            "assets/logo.svg",
            "data/bytes.bin",
            "data/concat.txt",
            "data/text.txt",
            "debug/includes.natvis",
            "debug/printers.py",
            "src/lib.rs",
            "src/parts/from_include.rs",
            "src/parts/generated.rs",
            "src/parts/nested.txt",
        ])
    );
    assert_eq!(unit["env"], serde_json::json!(["CARGO_MANIFEST_DIR"]));
    assert_eq!(unit["unresolved"], serde_json::json!([]));
    let via_macro = cli_model(&fixture("macro-includes"), &[]);
    let unit = &via_macro["units"]["macro-includes/lib/macro_includes"];
    assert_eq!(
        unit["files"],
        serde_json::json!(["Cargo.toml", "data/text.txt", "src/lib.rs"])
    );
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
    assert_eq!(
        build["units"]["lib-bin-build/build-script/build-script-main"]["files"],
        serde_json::json!(["build/codegen.rs", "build/main.rs"])
    );
}

#[test]
fn check_mode_finds_nothing_missed_on_fixtures_examples_and_this_workspace() {
    let mut workspaces = rust_unit_sources_tests::fixtures();
    workspaces.extend(rust_unit_sources_tests::examples());
    workspaces.push(rust_unit_sources_tests::repo_root());
    for workspace in workspaces {
        let output = cli(&[
            "scan",
            "--mode",
            "check",
            "--manifest-path",
            workspace.to_str().unwrap(),
        ]);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}:\n{stdout}",
            workspace.display()
        );
        assert!(
            !stdout.lines().any(|l| l.starts_with("missed ")),
            "{stdout}"
        );
        let summary = stdout.lines().last().unwrap();
        assert!(
            summary.starts_with("checked ") && summary.contains("; native missed 0, listed "),
            "{summary}"
        );
    }
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
        run["files"],
        serde_json::json!(["build/codegen.rs", "build/main.rs"])
    );
    assert_eq!(
        generated["units"]["lib-bin-build/lib/libbinbuild"]["deps"],
        serde_json::json!(["lib-bin-build/build-script-run/build-script-main"])
    );

    let default = cli_model(&fixture("build-script-default"), &[]);
    let run = &default["units"]["outer/build-script-run/build-script-build"];
    let whole_package =
        serde_json::json!(["Cargo.toml", "assets/logo.txt", "build.rs", "src/lib.rs"]);
    assert_eq!(
        run["files"], whole_package,
        "the nested member's files are not the root package's"
    );
    assert_eq!(run["runInputs"], whole_package);
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

#[test]
fn known_cfg_flags_make_unsettable_cfgs_false() {
    let files = |args: &[&str]| {
        cli_model(&fixture("lib-bin-build"), args)["units"]["lib-bin-build/lib/libbinbuild"]
            ["files"]
            .clone()
    };
    let all = serde_json::json!([
        "src/built.rs",
        "src/docs.rs",
        "src/lib.rs",
        "src/version.rs"
    ]);
    assert_eq!(files(&[]), all, "custom cfgs unknown");
    assert_eq!(
        files(&["--cfg", ""]),
        serde_json::json!(["src/built.rs", "src/lib.rs", "src/version.rs"]),
        "no --cfg: docsrs is false; the build script may set generated_ok"
    );
    assert_eq!(files(&["--cfg", "docsrs"]), all);
    let no_script = cli_model(&fixture("cfg-features"), &["--cfg", ""]);
    let lib = files_by_unit(&no_script)["cfg-features/lib/cfg_features"].clone();
    assert!(
        !lib.contains(&"src/from_build_script.rs".to_string()),
        "no build script sets my_build_script_cfg: {lib:?}"
    );
    assert!(
        lib.contains(&"src/debug.rs".to_string()),
        "debug_assertions stays unknown"
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
        }})
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
    let cc = unit(&dev, "cc/lib/cc");
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
    assert_eq!(
        files_by_unit(&model),
        expect(&[
            ("broken-targets/bin-test/broken-targets", &["src/main.rs"]),
            ("broken-targets/bin-test/stale", &["src/bin/renamed.rs"]),
            ("broken-targets/bin/broken-targets", &["src/main.rs"]),
            ("broken-targets/bin/stale", &["src/bin/renamed.rs"]),
            ("broken-targets/example/excluded", &["examples/excluded.rs"]),
            (
                "broken-targets/lib-test/broken_targets",
                &["src/greet.rs", "src/lib.rs"]
            ),
            (
                "broken-targets/lib/broken_targets",
                &["src/greet.rs", "src/lib.rs"]
            ),
            (
                "broken-targets/test/needs-common",
                &[
                    "tests/common.rs",
                    "tests/common/mod.rs",
                    "tests/needs_common.rs"
                ],
            ),
        ])
    );
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
    // DATA_FILE is a literal (`data/value.txt`, relative to src/lib.rs); GENERATED_RS is
    // `{}/generated.rs`, computed: only files named generated.rs could be it (none here).
    assert_eq!(
        lib["files"],
        serde_json::json!(["src/data/value.txt", "src/lib.rs"])
    );
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
