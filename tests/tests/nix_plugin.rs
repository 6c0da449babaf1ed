//! `builtins.rustUnitSources` under real `nix-instantiate` with the plugin loaded (the Nix on
//! `PATH` and the plugin built for it: `scripts/test-nix VERSION` runs this file under each
//! version): the same model as the CLI, deep-equal; bad arguments end in ordinary Nix
//! evaluation errors with a message and a position, never a crash; restricted and pure
//! evaluation deny the read as Nix's own builtins do; and a plugin built for another Nix
//! registers nothing.

use rust_unit_sources_tests::{
    all_fixtures, broken_files_tried, cli, cli_model, copy_tree, examples, fixture, fixtures,
    nix_error, nix_eval, nix_instantiate, nix_json, nix_path, nix_string, nix_version, plugin,
    plugin_model_tried, NIX_CONFIG,
};
use std::path::Path;
use std::process::Command;

fn plugin_model(arg: &str) -> serde_json::Value {
    nix_json(&nix_eval(
        &format!("builtins.rustUnitSources ({arg})"),
        true,
        &[],
    ))
}

#[test]
fn plugin_model_deep_equals_cli_json_on_every_fixture_and_example() {
    let all: Vec<_> = all_fixtures().into_iter().chain(examples()).collect();
    assert!(all.len() >= 6, "{all:?}");
    for workspace in all {
        let expected = broken_files_tried(cli_model(&workspace, &[]));
        assert_eq!(
            plugin_model_tried(&nix_path(&workspace)),
            expected,
            "{}",
            workspace.display()
        );
        assert_eq!(
            plugin_model_tried(&nix_string(&workspace)),
            expected,
            "{} as a string",
            workspace.display()
        );
    }
}

#[test]
fn a_unit_carrying_an_error_raises_it_only_when_its_files_are_forced() {
    // A stale [[bin]] path (its bin and bin-test units), an [[example]] the package excludes,
    // a test whose module file is missing; the library and the other bin scan as usual.
    let dir = fixture("broken-targets");
    let (m, d) = (dir.join("Cargo.toml"), &dir);
    let (m, d) = (m.display(), d.display());
    let stale = format!("{m}:11: bin `stale`: {d}/src/bin/renamed.rs does not exist");
    let excluded = format!("{m}:15: example `excluded`: {d}/examples/excluded.rs does not exist");
    let common = format!(
        "{d}/tests/needs_common.rs:2: module `common`: neither common.rs nor common/mod.rs exists"
    );
    let broken = [
        ("broken-targets/bin-test/stale", &stale),
        ("broken-targets/bin/stale", &stale),
        ("broken-targets/example/excluded", &excluded),
        ("broken-targets/test/needs-common", &common),
    ];
    let cli = cli_model(&dir, &[]);
    let model = format!("(builtins.rustUnitSources {})", nix_path(&dir));
    let eval = |expr: &str| nix_eval(&format!("{model}{expr}"), true, &[]);
    for (id, error) in broken {
        assert_eq!(cli["units"][id]["error"], error.as_str(), "{cli:#}");
        // The model comes back; the broken unit's other attributes evaluate.
        for field in ["error", "rootFile", "manifests", "hash"] {
            assert_eq!(
                nix_json(&eval(&format!(".units.\"{id}\".{field}"))),
                cli["units"][id][field],
                "{id}.{field}"
            );
        }
        // Forcing its files is an evaluation error with exactly the unit's error.
        assert_eq!(
            nix_error(&eval(&format!(".units.\"{id}\".files"))),
            format!("error: rustUnitSources: {id}: {error}")
        );
    }
    // The other units are whole: everything deep-equals the CLI's model.
    let lib = "broken-targets/lib/broken_targets";
    assert!(cli["units"][lib].get("error").is_none(), "{cli:#}");
    assert_eq!(
        nix_json(&eval(&format!(".units.\"{lib}\".files"))),
        serde_json::json!(["src/greet.rs", "src/lib.rs"])
    );
    assert_eq!(plugin_model_tried(&nix_path(&dir)), broken_files_tried(cli));
}

#[test]
fn path_literal_and_cargo_toml_path_work() {
    let expected = cli_model(&examples()[0], &[]);
    assert_eq!(plugin_model("./examples/cargo-like"), expected);
    assert_eq!(plugin_model("./examples/cargo-like/Cargo.toml"), expected);
}

#[test]
fn attribute_set_argument_means_the_cli_flags() {
    let workspace = fixture("cfg-features");
    let expected = cli_model(
        &workspace,
        &[
            "--no-default-features",
            "--features",
            "fast",
            "--target",
            "x86_64-unknown-linux-gnu",
        ],
    );
    let arg = format!(
        "{{ src = {}; features = [ \"fast\" ]; noDefaultFeatures = true; target = \"x86_64-unknown-linux-gnu\"; }}",
        nix_path(&workspace)
    );
    assert_eq!(plugin_model(&arg), expected);

    let nested = fixture("nested-members");
    let empty_list = plugin_model(&format!(
        "{{ src = {}; features = [ ]; }}",
        nix_path(&nested)
    ));
    assert_eq!(empty_list, cli_model(&nested, &["--features", ""]));
    assert_eq!(
        empty_list["units"]["app/lib/app"]["features"],
        serde_json::json!(["colors", "default"])
    );
    let build = fixture("lib-bin-build");
    let known = plugin_model(&format!("{{ src = {}; cfgs = [ ]; }}", nix_path(&build)));
    assert_eq!(known, cli_model(&build, &["--cfg", ""]));
    assert_ne!(known, cli_model(&build, &[]), "cfgs = [ ] narrows");
    let all = plugin_model(&format!(
        "{{ src = {}; allFeatures = true; features = null; }}",
        nix_path(&nested)
    ));
    assert_eq!(all, cli_model(&nested, &["--all-features"]));
}

#[test]
fn nix_format_imports_to_the_same_model() {
    for workspace in fixtures() {
        let output = cli(&[
            "scan",
            "--manifest-path",
            workspace.to_str().unwrap(),
            "--format",
            "nix",
        ]);
        assert!(output.status.success());
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &output.stdout).unwrap();
        let imported = nix_json(&nix_eval(
            &format!("import {}", nix_path(file.path())),
            false,
            &[],
        ));
        assert_eq!(
            imported,
            cli_model(&workspace, &[]),
            "{}",
            workspace.display()
        );
    }
}

#[test]
fn nix_library_and_flake_evaluate() {
    let expected = cli_model(&examples()[0], &[]);
    let via_library = nix_json(&nix_eval(
        "(import ./nix { }).fromPlugin ./examples/cargo-like",
        true,
        &[],
    ));
    assert_eq!(via_library, expected);
    let via_flake = nix_json(&nix_eval(
        "((import ./flake.nix).outputs { self = null; }).lib.unitsOfPackage (builtins.rustUnitSources ./examples/cargo-like) \"cargo-util\"",
        true,
        &[],
    ));
    assert_eq!(
        via_flake,
        serde_json::json!([
            "cargo-util/lib-test/cargo_util",
            "cargo-util/lib/cargo_util"
        ])
    );
    let without_plugin = nix_eval(
        "(import ./nix { }).fromPlugin ./examples/cargo-like",
        false,
        &[],
    );
    assert_eq!(
        nix_error(&without_plugin),
        "error: rust-unit-sources: fromPlugin: builtins.rustUnitSources is not available; load the plugin with --option plugin-files /path/to/librust_unit_sources_nix.so"
    );
}

/// Evaluates `builtins.rustUnitSources (<arg>)` and returns the first line of the error,
/// checking that Nix reports the call's position.
fn plugin_error(arg: &str) -> String {
    let output = nix_eval(&format!("builtins.rustUnitSources ({arg})"), true, &[]);
    let first = nix_error(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("at «string»:1:1:"),
        "no position in: {stderr}"
    );
    first
}

#[test]
fn bad_arguments_are_nix_errors_with_a_message() {
    assert_eq!(
        plugin_error("3"),
        "error: rustUnitSources: expected a path or an attribute set, got an integer"
    );
    assert_eq!(
        plugin_error("[ ]"),
        "error: rustUnitSources: expected a path or an attribute set, got a list"
    );
    let example = nix_path(&examples()[0]);
    assert_eq!(
        plugin_error(&format!("{{ src = {example}; bogus = 1; }}")),
        "error: rustUnitSources: unknown attribute 'bogus'; expected src, features, noDefaultFeatures, allFeatures, target, cfgs, dependencies or profile"
    );
    assert_eq!(
        plugin_error("{ features = [ ]; }"),
        "error: rustUnitSources: attribute 'src' missing"
    );
    assert_eq!(
        plugin_error("/nonexistent/workspace"),
        "error: rustUnitSources: /nonexistent/workspace: does not exist"
    );

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        plugin_error(&nix_path(empty.path())),
        format!(
            "error: rustUnitSources: {}: no Cargo.toml in this directory",
            empty.path().display()
        )
    );

    let malformed = tempfile::tempdir().unwrap();
    std::fs::write(malformed.path().join("Cargo.toml"), "[package\nname = 1\n").unwrap();
    assert_eq!(
        plugin_error(&nix_path(malformed.path())),
        format!(
            "error: rustUnitSources: {}: unclosed table, expected `]`",
            malformed.path().join("Cargo.toml:1").display()
        )
    );

    assert_eq!(
        plugin_error(&format!("{{ src = {example}; features = [ \"nope\" ]; }}")),
        "error: rustUnitSources: --features: no workspace member has feature `nope`"
    );
}

#[test]
fn restricted_and_pure_evaluation_guard_the_read() {
    let example = examples()[0].clone();
    let eval = |function: &str, extra: &[&str]| {
        nix_eval(&format!("{function} {}", nix_string(&example)), true, extra)
    };
    let restricted: &[&str] = &["--restrict-eval"];
    let pure: &[&str] = &["--option", "pure-eval", "true"];
    for mode in [restricted, pure] {
        // Nix's own error: the one builtins.readDir gives for the same path.
        assert_eq!(
            nix_error(&eval("builtins.rustUnitSources", mode)),
            nix_error(&eval("builtins.readDir", mode)),
            "{mode:?}"
        );
    }
    // Which path Nix names, and how: 2.8 checks the path itself; from 2.21 to 2.31 the source
    // accessor checks each directory on the way when it resolves symlinks (parents of an
    // allowed path are allowed), so the first directory is named; from 2.32 on, that walk
    // sees a denied directory as missing (FilteringSourceAccessor::maybeLstat), and the read
    // of the path itself is denied.
    let version = nix_version();
    let (denied, pure_mode) = if version >= (2, 32) {
        (example.clone(), "pure evaluation mode")
    } else if version >= (2, 21) {
        (
            Path::new("/").join(example.components().nth(1).unwrap()),
            "pure evaluation mode",
        )
    } else {
        (example.clone(), "pure eval mode")
    };
    assert_eq!(
        nix_error(&eval("builtins.rustUnitSources", restricted)),
        format!(
            "error: access to absolute path '{}' is forbidden in restricted mode",
            denied.display()
        )
    );
    assert_eq!(
        nix_error(&eval("builtins.rustUnitSources", pure)),
        format!(
            "error: access to absolute path '{}' is forbidden in {pure_mode} (use '--impure' to override)",
            denied.display()
        )
    );

    // Allowed: a path on the search path; a store path from the evaluation's own context.
    let allowed = eval(
        "builtins.rustUnitSources",
        &["--restrict-eval", "-I", example.to_str().unwrap()],
    );
    assert_eq!(nix_json(&allowed), cli_model(&example, &[]));
    let copied = nix_json(&nix_eval(
        &format!(
            "let src = builtins.path {{ path = {}; name = \"cargo-like\"; }}; \
             in {{ inherit src; model = builtins.rustUnitSources \"${{src}}\"; }}",
            nix_path(&example)
        ),
        true,
        &[
            "--read-write-mode",
            "--restrict-eval",
            "-I",
            example.to_str().unwrap(),
        ],
    ));
    let store_path = Path::new(copied["src"].as_str().unwrap());
    assert!(store_path.starts_with("/nix/store"), "{store_path:?}");
    assert_eq!(copied["model"], cli_model(store_path, &[]));
}

#[test]
fn a_flake_reads_its_own_source_in_pure_evaluation() {
    // A flake (a copy of examples/cargo-like, with its Cargo.lock) whose output is the plugin's model of `./.`: `nix eval`
    // evaluates it in pure mode, on the flake's copy in the store.
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    copy_tree(&examples()[0], &ws);
    std::fs::write(
        ws.join("flake.nix"),
        "{ outputs = { self }: { model = builtins.rustUnitSources ./.; }; }\n",
    )
    .unwrap();
    let output = Command::new(nix_instantiate().with_file_name("nix"))
        // Before the subcommand: `nix` loads plugins before it reads the subcommand's flags.
        .arg("--option")
        .arg("plugin-files")
        .arg(plugin())
        .args(["--extra-experimental-features", "nix-command flakes"])
        .args(["eval", "--json", "--no-write-lock-file"])
        .arg(format!("path:{}#model", ws.display()))
        .env("NIX_CONFIG", NIX_CONFIG)
        .output()
        .unwrap();
    let model = nix_json(&output);
    let root = Path::new(model["root"].as_str().unwrap());
    assert!(
        root.starts_with("/nix/store") && root.to_str().unwrap().ends_with("-source"),
        "{root:?}"
    );
    assert_eq!(model, cli_model(root, &[]));
}

/// The plugin built for the other Nix version (`scripts/test-nix` builds it and names it in
/// `RUST_UNIT_SOURCES_OTHER_PLUGIN`, its version in `RUST_UNIT_SOURCES_OTHER_NIX`).
#[test]
#[ignore = "needs the plugin built for another Nix: scripts/test-nix runs it"]
fn a_plugin_built_for_another_nix_says_so_and_registers_nothing() {
    let other = std::env::var_os("RUST_UNIT_SOURCES_OTHER_PLUGIN")
        .expect("RUST_UNIT_SOURCES_OTHER_PLUGIN names the plugin built for another Nix");
    let other_nix =
        std::env::var("RUST_UNIT_SOURCES_OTHER_NIX").expect("RUST_UNIT_SOURCES_OTHER_NIX");
    let running = String::from_utf8(
        Command::new(nix_instantiate())
            .arg("--version")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .split_whitespace()
    .last()
    .unwrap()
    .to_string();
    let built_for = if other_nix == "2.8" {
        "2.8.0"
    } else {
        other_nix.as_str()
    };
    // Loaded alone, and before the right plugin: evaluation goes on, without it or with the
    // right one.
    for (plugins, expected) in [
        (other.clone().into_string().unwrap(), false),
        (
            format!("{} {}", other.to_str().unwrap(), plugin().display()),
            true,
        ),
    ] {
        let output = Command::new(nix_instantiate())
            .args([
                "--eval",
                "--strict",
                "--json",
                "--option",
                "plugin-files",
                &plugins,
            ])
            .args(["-E", "builtins ? rustUnitSources"])
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .unwrap();
        assert_eq!(nix_json(&output), serde_json::json!(expected), "{plugins}");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!(
                "rust-unit-sources: not registering builtins.rustUnitSources: the plugin was built for Nix {built_for}, \
                 this is Nix {running} (rebuild the plugin against it)\n"
            ),
            "{plugins}"
        );
    }
}
