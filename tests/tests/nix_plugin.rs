//! `builtins.rustUnitSources` under real `nix-instantiate` (Debian's Nix 2.8) with the plugin
//! loaded: the same model as the CLI, deep-equal; and bad arguments end in ordinary Nix
//! evaluation errors with a message and a position, never a crash.

use rust_unit_sources_tests::{
    cli, cli_model, examples, fixture, fixtures, nix_error, nix_eval, nix_json, nix_string,
};
use std::path::Path;

fn plugin_model(arg: &str) -> serde_json::Value {
    nix_json(&nix_eval(
        &format!("builtins.rustUnitSources ({arg})"),
        true,
        &[],
    ))
}

/// A Nix path value for an absolute path.
fn nix_path(path: &Path) -> String {
    format!("(/. + {})", nix_string(path))
}

#[test]
fn plugin_model_deep_equals_cli_json_on_every_fixture_and_example() {
    let all: Vec<_> = fixtures().into_iter().chain(examples()).collect();
    assert!(all.len() >= 6, "{all:?}");
    for workspace in all {
        let expected = cli_model(&workspace, &[]);
        assert_eq!(
            plugin_model(&nix_path(&workspace)),
            expected,
            "{}",
            workspace.display()
        );
        assert_eq!(
            plugin_model(&nix_string(&workspace)),
            expected,
            "{} as a string",
            workspace.display()
        );
    }
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
    let denied = nix_eval(
        &format!("builtins.rustUnitSources {}", nix_string(&example)),
        true,
        &["--restrict-eval"],
    );
    assert_eq!(
        nix_error(&denied),
        format!(
            "error: access to absolute path '{}' is forbidden in restricted mode",
            example.display()
        )
    );
    let allowed = nix_eval(
        &format!("builtins.rustUnitSources {}", nix_string(&example)),
        true,
        &["--restrict-eval", "-I", example.to_str().unwrap()],
    );
    assert_eq!(nix_json(&allowed), cli_model(&example, &[]));
    let pure = nix_eval(
        &format!("builtins.rustUnitSources {}", nix_string(&example)),
        true,
        &["--option", "pure-eval", "true"],
    );
    assert_eq!(
        nix_error(&pure),
        format!(
            "error: access to absolute path '{}' is forbidden in pure eval mode (use '--impure' to override)",
            example.display()
        )
    );
}
