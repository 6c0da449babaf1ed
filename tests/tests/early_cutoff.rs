//! Early cutoff: `nix/build-units.nix` with `contentAddressed = true` (Nix's experimental
//! `ca-derivations`) stops a rebuild at a unit rebuilt to the output it had before, where cargo
//! rebuilds every dependent of a rebuilt unit. "Rebuilt" is a builder that ran (Nix's
//! "building '…'" lines), not a new derivation path.
//!
//! On `examples/cargo-like`: a comment in `build.rs` recompiles and reruns the build script,
//! and nothing else (cargo: also the root package's six units); an edit of the root library
//! rebuilds exactly what it does without content addressing (and what cargo does). On the
//! `early-cutoff` fixture (a build script generating code from `words.txt`, which it watches
//! with `rerun-if-changed`): a `build.rs` comment, a comment in `words.txt` (the script reruns,
//! the generated code is the same) and an edit of the library. On the `other-os-rerun` fixture
//! (a build script printing no `rerun-if-…` line here): a comment in the root manifest reruns
//! the script, as cargo's, and nothing after it.
//!
//! And reproducibility, which early cutoff rests on: every unit of `examples/cargo-like` and of
//! the fixtures the rebuild proof uses rebuilds byte-identical under `nix-build --check` (on
//! input-addressed derivations: Nix 2.8's `--check` compares nothing for content-addressed
//! ones).

use rust_unit_sources_tests::fixture;
use rust_unit_sources_tests::rebuilds::{
    apply, make_unique, run_token, CargoSide, Case, Edit, NixSide, ROOT_PACKAGE_COMPILED,
};
use rust_unit_sources_tests::repo_root;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// One edit, what Nix rebuilds for it with content addressing, and what cargo recompiles.
struct Cutoff {
    case: Case,
    by_cargo: BTreeSet<String>,
}

/// Builds `source` content-addressed through Nix and through cargo, then makes each edit in
/// both and compares the rebuilt sets with the expected ones.
fn prove(source: &Path, scratch: &Path, run: u128, edits: Vec<Cutoff>) -> NixSide {
    let nix = NixSide::content_addressed(source, &scratch.join("nix"));
    let cargo = CargoSide::copy(source, &scratch.join("cargo"));
    let copies = [nix.workspace.as_path(), cargo.workspace.as_path()];
    make_unique(&copies, run);
    // Every member unit is unique to this run; vendored crates may be in the store already.
    nix.build();
    assert_eq!(cargo.build(), nix.units(), "cargo compiles every unit");
    for Cutoff { case, by_cargo } in edits {
        apply(&copies, &case);
        assert_eq!(nix.build(), case.expected, "{}: rebuilt by Nix", case.what);
        assert_eq!(cargo.build(), by_cargo, "{}: rebuilt by cargo", case.what);
    }
    nix
}

/// A comment line at the top of `build.rs`'s `main`: the script compiles to another binary
/// (its lines moved), which prints what it printed before.
fn build_rs_comment(run: u128, by_nix: &[&str], by_cargo: &[&str]) -> Cutoff {
    Cutoff {
        case: Case {
            what: "comment in build.rs",
            edits: vec![Edit {
                file: "build.rs",
                from: "fn main() {",
                to: format!("fn main() {{\n    // {run}"),
            }],
            expected: ids(by_nix),
        },
        by_cargo: ids(by_cargo),
    }
}

#[test]
fn a_build_script_comment_reruns_only_the_build_script() {
    let scratch = tempfile::tempdir().unwrap();
    let run = run_token();
    let script = [
        "cargo-like/build-script-run/build-script-build",
        "cargo-like/build-script/build-script-build",
    ];
    let mut package = ROOT_PACKAGE_COMPILED.to_vec();
    package.extend(script);
    let nix = prove(
        &repo_root().join("examples/cargo-like"),
        scratch.path(),
        run,
        vec![
            build_rs_comment(run, &script, &package),
            Cutoff {
                case: Case {
                    what: "root library",
                    edits: vec![Edit {
                        file: "src/cargo/lib.rs",
                        from: "/// Runs a command.",
                        to: format!("/// Runs a command ({run})."),
                    }],
                    expected: ids(ROOT_PACKAGE_COMPILED),
                },
                by_cargo: ids(ROOT_PACKAGE_COMPILED),
            },
        ],
    );
    nix.assert_cargo_like_runs();
}

#[test]
fn a_watched_input_edit_that_generates_the_same_code_reruns_only_the_build_script() {
    let scratch = tempfile::tempdir().unwrap();
    let run = run_token();
    let package = [
        "words/bin-test/words",
        "words/bin/words",
        "words/lib-test/words",
        "words/lib/words",
    ];
    let mut rerun = package.to_vec();
    rerun.push("words/build-script-run/build-script-build");
    let mut recompiled = rerun.clone();
    recompiled.push("words/build-script/build-script-build");
    let nix = prove(
        &fixture("early-cutoff"),
        scratch.path(),
        run,
        vec![
            build_rs_comment(
                run,
                &[
                    "words/build-script-run/build-script-build",
                    "words/build-script/build-script-build",
                ],
                &recompiled,
            ),
            Cutoff {
                case: Case {
                    what: "comment in words.txt (rerun-if-changed)",
                    edits: vec![Edit {
                        file: "words.txt",
                        from: "# The words, one a line.",
                        to: format!("# The words, one a line ({run})."),
                    }],
                    expected: ids(&["words/build-script-run/build-script-build"]),
                },
                by_cargo: ids(&rerun),
            },
            Cutoff {
                case: Case {
                    what: "library",
                    edits: vec![Edit {
                        file: "src/lib.rs",
                        from: "/// The words, joined by spaces.",
                        to: format!("/// The words, joined by spaces ({run})."),
                    }],
                    expected: ids(&package),
                },
                by_cargo: ids(&package),
            },
        ],
    );
    let ran = Command::new(nix.output("words/bin/words").join("bin/words"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "alpha beta\n");
}

#[test]
fn a_build_script_rerun_on_an_unwatched_package_file_cuts_off() {
    // `other-os-rerun`'s script prints no `rerun-if-…` line on this target, so it reruns after
    // a comment in the root manifest, as cargo's; its output is the same, so nothing after it
    // rebuilds (cargo rebuilds the package's four units).
    let scratch = tempfile::tempdir().unwrap();
    let run = run_token();
    let rerun = "greeter/build-script-run/build-script-build";
    let mut by_cargo = vec![
        "greeter/bin-test/greeter",
        "greeter/bin/greeter",
        "greeter/lib-test/greeter",
        "greeter/lib/greeter",
    ];
    by_cargo.push(rerun);
    prove(
        &fixture("other-os-rerun"),
        scratch.path(),
        run,
        vec![Cutoff {
            case: Case {
                what: "comment in the root Cargo.toml (no rerun-if line printed)",
                edits: vec![Edit {
                    file: "Cargo.toml",
                    from: "[package]",
                    to: format!("# {run}\n[package]"),
                }],
                expected: ids(&[rerun]),
            },
            by_cargo: ids(&by_cargo),
        }],
    );
}

#[test]
fn every_unit_rebuilds_identically_under_check() {
    let scratch = tempfile::tempdir().unwrap();
    let run = run_token();
    let sources = [
        repo_root().join("examples/cargo-like"),
        fixture("two-versions"),
        fixture("native-links"),
        fixture("early-cutoff"),
        fixture("other-os-rerun"),
    ];
    for (i, source) in sources.iter().enumerate() {
        let nix = NixSide::of(source, &scratch.path().join(i.to_string()), false, "dev");
        make_unique(&[nix.workspace.as_path()], run);
        nix.build();
        let (identical, stderr) = nix.check();
        assert!(identical, "{}:\n{stderr}", source.display());
        let checked = stderr
            .lines()
            .filter(|l| l.starts_with("checking outputs of '"))
            .filter(|l| !l.contains("-rust-target-info-"))
            .count();
        assert_eq!(
            checked,
            nix.units().len(),
            "{}: every unit checked",
            source.display()
        );
        assert!(
            !stderr.contains("may not be deterministic"),
            "{}:\n{stderr}",
            source.display()
        );
    }
}
