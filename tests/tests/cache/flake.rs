//! A flake at its next revision, through the plugin and real `nix-instantiate`, hits the cache.

use crate::{append, model_of, Scratch};
use rust_unit_sources_tests::{copy_tree, fixture, write_file};
use std::path::PathBuf;

#[test]
fn a_flake_at_its_next_revision_hits_the_cache() {
    // `builtins.getFlake` copies the flake to the store: `self` is `/nix/store/<hash>-source`,
    // a new path for every revision. Evaluated through the plugin with real nix-instantiate,
    // the second revision (one file edited) takes cargo's answer and the other units over.
    let scratch = Scratch::new(|ws| {
        copy_tree(&fixture("nested-members"), ws);
        write_file(
            &ws.join("flake.nix"),
            "{ outputs = { self }: { model = builtins.rustUnitSources { src = self; }; }; }\n",
        );
    });
    let cache = scratch.cache();
    let evaluate = || {
        let flake = format!("path:{}", scratch.workspace().display());
        let output = std::process::Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json"])
            .args(["--extra-experimental-features", "nix-command flakes"])
            .args(["--option", "plugin-files"])
            .arg(rust_unit_sources_tests::plugin())
            .arg("-E")
            .arg(format!("(builtins.getFlake \"{flake}\").model"))
            .env("NIX_CONFIG", rust_unit_sources_tests::NIX_CONFIG)
            .env("RUST_UNIT_SOURCES_CACHE_DIR", &cache)
            .envs(scratch.env(&[]))
            .output()
            .expect("nix-instantiate runs");
        rust_unit_sources_tests::nix_json(&output)
    };
    let uncached = |model: &serde_json::Value| {
        let root = PathBuf::from(model["root"].as_str().unwrap());
        assert!(root.starts_with("/nix/store"), "{}", root.display());
        model_of(&scratch.scan_at(&root, false, &[], &[]))
    };
    // (the model, how many times cargo ran)
    let counted = || {
        let before = scratch.runs("cargo");
        let model = evaluate();
        (model, scratch.runs("cargo") - before)
    };
    let (first, runs) = counted();
    assert_eq!(runs, 1, "cold");
    assert_eq!(first, uncached(&first));
    append(
        &scratch.workspace().join("src/cli.rs"),
        "\n// the next revision\n",
    );
    let (second, runs) = counted();
    assert_eq!(runs, 0, "cargo's answer taken over");
    assert_ne!(second["root"], first["root"], "a new store path");
    assert_eq!(second, uncached(&second));
    let root = PathBuf::from(second["root"].as_str().unwrap());
    let (units, readers) = (
        second["units"].as_object().unwrap().len() as u64,
        a_count_of_units_listing(&second, "src/cli.rs"),
    );
    assert!(readers < units, "{readers} of {units}");
    assert_eq!(
        scratch.record(&root),
        (units, readers),
        "only its readers walked"
    );
}

/// How many units of `model` list `file`.
fn a_count_of_units_listing(model: &serde_json::Value, file: &str) -> u64 {
    let units = model["units"].as_object().unwrap().values();
    units
        .filter(|u| u["files"].as_array().unwrap().iter().any(|f| f == file))
        .count() as u64
}
