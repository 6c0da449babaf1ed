//! `builtins.rustUnitSources` under real `nix-instantiate` with the plugin loaded (the Nix on
//! `PATH` and the plugin built for it: `scripts/test-nix VERSION` runs this file under each
//! version): the same model as the CLI, deep-equal; bad arguments end in ordinary Nix
//! evaluation errors with a message and a position, never a crash; restricted and pure
//! evaluation deny the read as Nix's own builtins do; and a plugin built for another Nix
//! registers nothing.

use rust_unit_sources_tests::{
    all_fixtures, broken_files_tried, cli, cli_model, copy_tree, examples, fixture, fixtures,
    nix_error, nix_eval, nix_instantiate, nix_is_lix, nix_json, nix_path, nix_string, nix_version,
    nix_version_text, plugin, plugin_error_line, plugin_model_tried, plugin_model_tried_with_env,
    NIX_CONFIG,
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
    // A set with an outPath, as a flake's `self` is.
    assert_eq!(
        plugin_model("{ src = { outPath = ./examples/cargo-like; }; }"),
        expected
    );
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
        plugin_error_line("rustUnitSources: expected a path or an attribute set, got an integer")
    );
    assert_eq!(
        plugin_error("[ ]"),
        plugin_error_line("rustUnitSources: expected a path or an attribute set, got a list")
    );
    let example = nix_path(&examples()[0]);
    assert_eq!(
        plugin_error(&format!("{{ src = {example}; bogus = 1; }}")),
        plugin_error_line("rustUnitSources: unknown attribute 'bogus'; expected src, features, noDefaultFeatures, allFeatures, target, cfgs, dependencies or profile")
    );
    assert_eq!(
        plugin_error("{ features = [ ]; }"),
        plugin_error_line("rustUnitSources: attribute 'src' missing")
    );
    assert_eq!(
        plugin_error("/nonexistent/workspace"),
        plugin_error_line("rustUnitSources: /nonexistent/workspace: does not exist")
    );

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        plugin_error(&nix_path(empty.path())),
        plugin_error_line(&format!(
            "rustUnitSources: {}: no Cargo.toml in this directory",
            empty.path().display()
        ))
    );

    let malformed = tempfile::tempdir().unwrap();
    std::fs::write(malformed.path().join("Cargo.toml"), "[package\nname = 1\n").unwrap();
    assert_eq!(
        plugin_error(&nix_path(malformed.path())),
        plugin_error_line(&format!(
            "rustUnitSources: {}: unclosed table, expected `]`",
            malformed.path().join("Cargo.toml:1").display()
        ))
    );

    assert_eq!(
        plugin_error(&format!("{{ src = {example}; features = [ \"nope\" ]; }}")),
        plugin_error_line("rustUnitSources: --features: no workspace member has feature `nope`")
    );
    // The shared decoder's type errors, the same in every plugin; the evaluator's own error
    // (a thunk that throws) passed on.
    for (attrs, message) in [
        (
            "noDefaultFeatures = 1;",
            "rustUnitSources: 'noDefaultFeatures': expected a Boolean, got an integer",
        ),
        (
            "features = [ \"a\" 1 ];",
            "rustUnitSources: 'features': expected a string in the list, got an integer",
        ),
        (
            "cfgs = \"x\";",
            "rustUnitSources: 'cfgs': expected null or a list of strings, got a string",
        ),
    ] {
        assert_eq!(
            plugin_error(&format!("{{ src = {example}; {attrs} }}")),
            plugin_error_line(message),
            "{attrs}"
        );
    }
    let thrown = nix_eval(
        &format!("builtins.rustUnitSources {{ src = {example}; target = throw \"boom\"; }}"),
        true,
        &[],
    );
    assert_eq!(nix_error(&thrown), plugin_error_line("boom"));
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
        let read_dir = nix_error(&eval("builtins.readDir", mode));
        assert_eq!(
            nix_error(&eval("builtins.rustUnitSources", mode)),
            plugin_error_line(read_dir.strip_prefix("error: ").unwrap()),
            "{mode:?}"
        );
    }
    // Which path Nix names, and how: 2.8 checks the path itself; from 2.21 to 2.31 the source
    // accessor checks each directory on the way when it resolves symlinks (parents of an
    // allowed path are allowed), so the first directory is named; from 2.32 on, that walk
    // sees a denied directory as missing (FilteringSourceAccessor::maybeLstat), and the read
    // of the path itself is denied. Lix 2.95 names the path itself, in 2.8's words.
    let version = nix_version();
    let (denied, pure_mode) = if nix_is_lix() {
        (example.clone(), "pure eval mode")
    } else if version >= (2, 32) {
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
        plugin_error_line(&format!(
            "access to absolute path '{}' is forbidden in restricted mode",
            denied.display()
        ))
    );
    assert_eq!(
        nix_error(&eval("builtins.rustUnitSources", pure)),
        plugin_error_line(&format!(
            "access to absolute path '{}' is forbidden in {pure_mode} (use '--impure' to override)",
            denied.display()
        ))
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
    let running = nix_version_text();
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

/// The C plugin (`librust_unit_sources_nix_c.so`, `scripts/test-nix --c-plugin` names it in
/// `RUST_UNIT_SOURCES_PLUGIN`) in a Nix before 2.35: one line naming the version, nothing
/// registered, the evaluation going on.
#[test]
#[ignore = "needs the C plugin and a Nix before 2.35: scripts/test-nix --c-plugin runs it"]
fn c_plugin_refuses_a_nix_before_2_35() {
    assert!(
        rust_unit_sources_tests::c_plugin(),
        "{}",
        plugin().display()
    );
    assert!(nix_version() < (2, 35), "{:?}", nix_version());
    let output = nix_eval("builtins ? rustUnitSources", true, &[]);
    assert_eq!(nix_json(&output), serde_json::json!(false));
    let running = nix_version_text();
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "rust-unit-sources: not registering builtins.rustUnitSources: this is Nix {running}; \
             librust_unit_sources_nix_c.so (Nix's C API) needs Nix 2.35 or later, or Determinate \
             Nix 3.22 or later; load librust_unit_sources_nix.so, built for this Nix, instead\n"
        )
    );
}

/// The C plugin's two ways of making the model's values (`RUST_UNIT_SOURCES_NIX_VALUES`):
/// the C API's builders (its default) and `builtins.fromJSON`, deep-equal to the CLI's model,
/// broken units included.
#[test]
#[ignore = "needs the C plugin: scripts/test-nix --c-plugin runs it"]
fn c_plugin_constructions_give_the_same_model() {
    assert!(
        rust_unit_sources_tests::c_plugin(),
        "{}",
        plugin().display()
    );
    for workspace in all_fixtures().into_iter().chain(examples()) {
        let expected = broken_files_tried(cli_model(&workspace, &[]));
        for construction in ["builders", "fromJSON"] {
            let env = [("RUST_UNIT_SOURCES_NIX_VALUES", construction)];
            assert_eq!(
                plugin_model_tried_with_env(&nix_path(&workspace), &env),
                expected,
                "{} with {construction}",
                workspace.display()
            );
        }
    }
}

/// The C plugin finds Nix's C API in the process when the `nix` binary exports it (Nix's own
/// packaging builds it so, `-Dplugin-c-api=true`), and otherwise loads the running Nix's
/// `libnixexprc.so`: the suites run one way (the Nix built here exports nothing), this test
/// the other, with the library preloaded so that its symbols are in the process.
#[test]
#[ignore = "needs the C plugin and a Nix from 2.35 with shared libraries: scripts/test-nix --c-plugin runs it"]
fn c_plugin_takes_the_c_api_the_process_has() {
    assert!(
        rust_unit_sources_tests::c_plugin(),
        "{}",
        plugin().display()
    );
    // The running Nix's libraries: first on LD_LIBRARY_PATH under `scripts/with-nix PREFIX`
    // (whose nix-instantiate is a wrapper), else beside its bin/.
    let installed = nix_instantiate()
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("lib");
    let search = std::env::var_os("LD_LIBRARY_PATH").unwrap_or_default();
    let library = std::env::split_paths(&search)
        .chain([installed])
        .map(|dir| dir.join("libnixexprc.so"))
        .find(|candidate| candidate.is_file())
        .expect("libnixexprc.so on LD_LIBRARY_PATH or beside nix-instantiate's bin/");
    let expected = cli_model(&examples()[0], &[]);
    let preloaded = rust_unit_sources_tests::nix_eval_with_env(
        "builtins.rustUnitSources ./examples/cargo-like",
        true,
        &[],
        &[("LD_PRELOAD", library.to_str().unwrap())],
    );
    assert_eq!(nix_json(&preloaded), expected);
    assert_eq!(String::from_utf8_lossy(&preloaded.stderr), "");
}
