//! The incremental-rebuild proof: build `examples/cargo-like` one Nix derivation per unit
//! (`nix/build-units.nix`, real rustc, real nix-build), edit one line, rebuild, and compare the
//! derivations Nix built with the units cargo recompiled for the same edit in a copy built by
//! `cargo build --workspace --lib --bins --examples --tests --bench '*'`: every unit of the
//! model (`--all-targets` would add bench-harness builds of libraries and binaries, which share
//! the files of their test-harness units and are not units of their own). The sets must be
//! equal, and equal to the expected set written in `rebuilds::cases`, for an edit of the root
//! library, of a nested member, of `build.rs`, of an integration test, and for no edit at all.

use rust_unit_sources_tests::rebuilds::{apply, cases, make_unique, run_token, CargoSide, NixSide};
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
        14,
        "cargo compiles every unit and runs the build script"
    );

    let binary = nix
        .output("cargo-like/bin/cargo-like")
        .join("bin/cargo-like");
    let ran = Command::new(&binary).args(["a", "b"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "    compiling 2 unit(s) for unix\n"
    );

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
