//! The incremental-rebuild proof: build `examples/cargo-like` one Nix derivation per unit
//! (`nix/build-units.nix`, real rustc, real nix-build), edit one line, rebuild, and compare the
//! derivations Nix built with the units cargo recompiled for the same edit in a copy built by
//! `cargo build --workspace --lib --bins --examples --tests --bench '*'`: every unit of the
//! model (`--all-targets` would add bench-harness builds of libraries and binaries, which share
//! the files of their test-harness units and are not units of their own). The sets must be
//! equal, and equal to the expected set written in `rebuilds::cases`, for an edit of the root
//! library, of a nested member, of `build.rs`, of an integration test, for no edit at all, for
//! comments in the root and a member `Cargo.toml` and in `Cargo.lock` (nothing), for a
//! dependency added to one member and for a feature turned on.
//!
//! Two fixtures are built the same way: `two-versions` (two versions of itoa, one renamed,
//! linked into one binary; a proc-macro; an rlib + cdylib library; a lint level edited in
//! `[lints]` and a lock-file comment rebuild exactly cargo's set) and `native-links` (build
//! scripts compiling C with the vendored `cc` crate and passing `links` metadata to a
//! dependent's build script; an edit of the C source rebuilds exactly cargo's set; the release
//! profile with a workspace override).
//!
//! Units the model marks broken (`error`) build to derivations failing with that line, and
//! only they and what depends on them fail: an `error` put on `two-versions`' library, and
//! the `broken-targets` fixture (whose missing target files make cargo refuse to build any
//! of its units: "can't find bin `stale` at path …").

use rust_unit_sources_tests::fixture;
use rust_unit_sources_tests::rebuilds::{
    apply, cases, make_unique, run_token, CargoSide, Case, Edit, NixSide,
};
use std::collections::BTreeSet;
use std::process::Command;

#[test]
fn an_edit_rebuilds_exactly_what_cargo_rebuilds() {
    let scratch = tempfile::tempdir().unwrap();
    let nix = NixSide::new(&scratch.path().join("nix"), false);
    let cargo = CargoSide::new(&scratch.path().join("cargo"));

    // The first builds: cargo compiles everything; Nix builds what its store lacks (every
    // member unit, made unique to this run; vendored crates only on a fresh store).
    let run = run_token();
    let copies = [nix.workspace.as_path(), cargo.workspace.as_path()];
    make_unique(&copies, run);
    nix.build();
    assert_eq!(
        cargo.build().len(),
        15,
        "cargo compiles every unit and runs the build script"
    );

    nix.assert_cargo_like_runs();

    for case in cases(run) {
        apply(&copies, &case);
        let by_nix = nix.build();
        let by_cargo = cargo.build();
        assert_eq!(
            by_nix, by_cargo,
            "{}: Nix rebuilt what cargo did not, or the reverse",
            case.what
        );
        assert_eq!(by_nix, case.expected, "{}", case.what);
    }
}

/// Runs a built binary and returns its standard output.
fn run(binary: &std::path::Path) -> String {
    let ran = Command::new(binary).output().unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    String::from_utf8(ran.stdout).unwrap()
}

#[test]
fn two_versions_of_one_crate_link_into_one_binary() {
    let scratch = tempfile::tempdir().unwrap();
    let fixture = fixture("two-versions");
    let nix = NixSide::of(&fixture, &scratch.path().join("nix"), false, "dev");
    let cargo = CargoSide::copy(&fixture, &scratch.path().join("cargo"));
    make_unique(
        &[nix.workspace.as_path(), cargo.workspace.as_path()],
        run_token(),
    );
    let units = nix.units();
    assert!(
        units.contains("itoa@0.4.8/lib/itoa") && units.contains("itoa@1.0.19/lib/itoa"),
        "{units:?}"
    );
    assert_eq!(
        cargo.build(),
        units,
        "the model's units are what cargo compiles"
    );
    nix.build();
    assert_eq!(
        run(&nix.output("app/bin/app").join("bin/app")),
        "itoa 1: 1234, itoa 0.4: 5678, legacy: 9012, app 0.1.0, panic unwind, debug-assertions true\n"
    );
    let legacy = nix.output("legacy/lib/legacy").join("lib");
    let mut kinds: Vec<String> = std::fs::read_dir(&legacy)
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.rsplit('.').next().unwrap().to_string()
        })
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["rlib", "so"], "crate-type = [\"rlib\", \"cdylib\"]");

    // A lint level in a member's `[lints]`: part of cargo's fingerprint, so the member and what
    // links it rebuild; a comment in the lock file rebuilds nothing.
    let copies = [nix.workspace.as_path(), cargo.workspace.as_path()];
    let edits = [
        Case {
            what: "lint level in legacy's [lints]",
            edits: vec![Edit {
                file: "legacy/Cargo.toml",
                from: "non_snake_case = \"forbid\"",
                to: "non_snake_case = \"deny\"".to_string(),
            }],
            expected: [
                "app/bin-test/app",
                "app/bin/app",
                "legacy/lib-test/legacy",
                "legacy/lib/legacy",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
        },
        Case {
            what: "comment in Cargo.lock",
            edits: vec![Edit {
                file: "Cargo.lock",
                from: "[[package]]\nname = \"legacy\"",
                to: "# a comment\n[[package]]\nname = \"legacy\"".to_string(),
            }],
            expected: BTreeSet::new(),
        },
    ];
    for case in edits {
        apply(&copies, &case);
        let (by_nix, by_cargo) = (nix.build(), cargo.build());
        assert_eq!(
            by_nix, by_cargo,
            "{}: Nix rebuilt what cargo did not, or the reverse",
            case.what
        );
        assert_eq!(by_nix, case.expected, "{}", case.what);
    }
}

#[test]
fn native_build_scripts_pass_links_metadata_and_compile_c() {
    let scratch = tempfile::tempdir().unwrap();
    let fixture = fixture("native-links");
    let nix = NixSide::of(&fixture, &scratch.path().join("nix"), false, "dev");
    let cargo = CargoSide::copy(&fixture, &scratch.path().join("cargo"));
    let token = run_token();
    let copies = [nix.workspace.as_path(), cargo.workspace.as_path()];
    make_unique(&copies, token);
    assert_eq!(
        cargo.build(),
        nix.units(),
        "the model's units are what cargo compiles"
    );
    nix.build();
    let binary = |side: &NixSide| {
        side.output("native-user/bin/native-user")
            .join("bin/native-user")
    };
    assert_eq!(
        run(&binary(&nix)),
        "sum 5 scaled 57 version 7 profile debug debug-assertions true overflow-checks true link-arg true\n"
    );

    // The C source of the -sys crate: its build script reruns (rerun-if-changed=csrc), and so
    // does the dependent's, which reads its `links` metadata; then what links either.
    let edit = Case {
        what: "C source of native-sys",
        edits: vec![Edit {
            file: "native-sys/csrc/native.c",
            from: "int native_add",
            to: format!("/* {token} */\nint native_add"),
        }],
        expected: [
            "native-sys/build-script-run/build-script-build",
            "native-sys/lib-test/native_sys",
            "native-sys/lib/native_sys",
            "native-user/bin-test/native-user",
            "native-user/bin/native-user",
            "native-user/build-script-run/build-script-build",
            "native-user/lib-test/native_user",
            "native-user/lib/native_user",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
    };
    apply(&copies, &edit);
    let (by_nix, by_cargo) = (nix.build(), cargo.build());
    assert_eq!(
        by_nix, by_cargo,
        "{}: Nix rebuilt what cargo did not, or the reverse",
        edit.what
    );
    assert_eq!(by_nix, edit.expected, "{}", edit.what);

    // The release profile, with the workspace's override (overflow-checks = true).
    let release = NixSide::of(&fixture, &scratch.path().join("release"), false, "release");
    make_unique(&[release.workspace.as_path()], token);
    release.build();
    assert_eq!(
        run(&binary(&release)),
        "sum 5 scaled 57 version 7 profile release debug-assertions false overflow-checks true link-arg true\n"
    );
}

#[test]
fn a_broken_unit_fails_with_its_error_and_the_others_build() {
    // A unit the scan could not read a file of: `error` says why, and forcing its `files` is
    // an evaluation error (as the plugin and `fromFile` give it).
    let error = "legacy/src/lib.rs: cannot read: No such file or directory (os error 2)";
    let transform = format!(
        r#"model: model // {{ units = model.units // {{
  "legacy/lib/legacy" = model.units."legacy/lib/legacy" // {{
    error = "{error}";
    files = throw "rust-unit-sources: legacy/lib/legacy: {error}";
  }};
}}; }}"#
    );
    let scratch = tempfile::tempdir().unwrap();
    let nix = NixSide::with_model(
        &fixture("two-versions"),
        &scratch.path().join("nix"),
        false,
        "dev",
        &transform,
    );
    make_unique(&[nix.workspace.as_path()], run_token());
    let (built_all, stderr) = nix.build_keep_going();
    assert!(!built_all, "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == format!("rust-unit-sources: legacy/lib/legacy: {error}")),
        "{stderr}"
    );
    // Everything builds but the broken library and what links it.
    let mut expected = nix.units();
    for id in ["legacy/lib/legacy", "app/bin/app", "app/bin-test/app"] {
        assert!(expected.remove(id), "{id}");
    }
    assert_eq!(nix.units_in_store(), expected);
}

#[test]
fn broken_targets_fixture_builds_all_but_its_broken_units() {
    // A stale `[[bin]]` path, an excluded example, a test missing a module file: each broken
    // unit's derivation fails with its model `error`; the library and the other binary build.
    let scratch = tempfile::tempdir().unwrap();
    let nix = NixSide::of(
        &fixture("broken-targets"),
        &scratch.path().join("nix"),
        false,
        "dev",
    );
    // A scan with dependencies reads the lock file (`--locked`); the fixture has none.
    let locked = Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(&nix.workspace)
        .status()
        .unwrap();
    assert!(locked.success());
    make_unique(&[nix.workspace.as_path()], run_token());
    let (built_all, stderr) = nix.build_keep_going();
    assert!(!built_all, "{stderr}");
    let ws = nix.workspace.display();
    let stale = format!("{ws}/Cargo.toml:11: bin `stale`: {ws}/src/bin/renamed.rs does not exist");
    let broken = [
        ("broken-targets/bin-test/stale", stale.clone()),
        ("broken-targets/bin/stale", stale),
        (
            "broken-targets/example/excluded",
            format!(
                "{ws}/Cargo.toml:15: example `excluded`: {ws}/examples/excluded.rs does not exist"
            ),
        ),
        (
            "broken-targets/test/needs-common",
            format!(
                "{ws}/tests/needs_common.rs:2: module `common`: neither common.rs nor common/mod.rs exists"
            ),
        ),
    ];
    let printed: BTreeSet<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("rust-unit-sources: "))
        .collect();
    let expected_lines: Vec<String> = broken
        .iter()
        .map(|(id, error)| format!("rust-unit-sources: {id}: {error}"))
        .collect();
    assert_eq!(
        printed,
        expected_lines.iter().map(String::as_str).collect(),
        "{stderr}"
    );
    let mut expected = nix.units();
    for (id, _) in &broken {
        assert!(expected.remove(*id), "{id}");
    }
    assert_eq!(
        nix.units_in_store(),
        expected,
        "everything but the broken units"
    );
    assert_eq!(
        run(&nix
            .output("broken-targets/bin/broken-targets")
            .join("bin/broken-targets")),
        "hello\n"
    );
}

#[test]
fn a_build_script_watching_a_file_only_on_windows_reruns_as_cargo_does() {
    // `other-os-rerun`'s build script prints `rerun-if-changed` only for a Windows target and
    // reads `greeting.txt`: here it prints none, so cargo reruns it after any change in the
    // package (not in the nested member `helper`), and rebuilds what follows it.
    let scratch = tempfile::tempdir().unwrap();
    let fixture = fixture("other-os-rerun");
    let nix = NixSide::of(&fixture, &scratch.path().join("nix"), false, "dev");
    let cargo = CargoSide::copy(&fixture, &scratch.path().join("cargo"));
    let token = run_token();
    let copies = [nix.workspace.as_path(), cargo.workspace.as_path()];
    make_unique(&copies, token);
    nix.build();
    assert_eq!(cargo.build(), nix.units(), "cargo compiles every unit");
    let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let rerun = [
        "greeter/bin-test/greeter",
        "greeter/bin/greeter",
        "greeter/build-script-run/build-script-build",
        "greeter/lib-test/greeter",
        "greeter/lib/greeter",
    ];
    let edit = |file, from, to: String| Edit { file, from, to };
    let case = |what, edits, expected| Case {
        what,
        edits,
        expected,
    };
    let mut helper = rerun[..].to_vec();
    helper.retain(|id| !id.contains("build-script"));
    helper.extend(["helper/lib-test/helper", "helper/lib/helper"]);
    let mut script = rerun.to_vec();
    script.push("greeter/build-script/build-script-build");
    let cases = [
        case(
            "the file the script reads",
            vec![edit("greeting.txt", "hello", "hi".to_string())],
            ids(&rerun),
        ),
        case(
            "comment in the root Cargo.toml",
            vec![edit(
                "Cargo.toml",
                "[package]",
                format!("# {token}\n[package]"),
            )],
            ids(&rerun),
        ),
        case(
            "comment in Cargo.lock",
            vec![edit(
                "Cargo.lock",
                "[[package]]",
                format!("# {token}\n[[package]]"),
            )],
            ids(&rerun),
        ),
        case(
            "root library",
            vec![edit(
                "src/lib.rs",
                "/// The greeting",
                format!("/// The greeting ({token})"),
            )],
            ids(&rerun),
        ),
        case(
            "the file only Windows watches",
            vec![edit(
                "windows/app.manifest",
                "<assembly",
                format!("<!-- {token} -->\n<assembly"),
            )],
            ids(&rerun),
        ),
        case(
            "nested member",
            vec![edit(
                "crates/helper/src/lib.rs",
                "/// `name`",
                format!("/// `name` ({token})"),
            )],
            ids(&helper),
        ),
        case(
            "comment in the nested member's Cargo.toml",
            vec![edit(
                "crates/helper/Cargo.toml",
                "[package]",
                format!("# {token}\n[package]"),
            )],
            BTreeSet::new(),
        ),
        case(
            "build script",
            vec![edit(
                "build.rs",
                "fn main() {",
                format!("fn main() {{\n    // {token}"),
            )],
            ids(&script),
        ),
    ];
    for case in cases {
        apply(&copies, &case);
        let by_nix = nix.build();
        let by_cargo = cargo.build();
        assert_eq!(
            by_nix, by_cargo,
            "{}: Nix rebuilt what cargo did not, or the reverse",
            case.what
        );
        assert_eq!(by_nix, case.expected, "{}", case.what);
    }
    // Not stale: the greeting read after the first edit.
    let greeter = nix.output("greeter/bin/greeter").join("bin/greeter");
    assert_eq!(run(&greeter), "hi, WORLD\n");
}
