//! Nothing machine-specific enters a derivation of `nix/build-units.nix`: for every fixture and
//! example, two copies at different paths, evaluated (through the plugin, as the builder's
//! other tests do) with different `HOME`s, `XDG_CACHE_HOME`s and scan cache directories
//! (`RUST_UNIT_SOURCES_CACHE_DIR`), give the same derivation path and output path for every
//! unit. The toolchain is the same in both (the machine's rustc, as a nixpkgs toolchain's
//! store path would be; `CARGO_HOME` and `RUSTUP_HOME` name the machine's, so that the scan
//! finds it). That is what lets a binary cache serve one checkout's units to another
//! (`binary_cache.rs`).
//!
//! Except the units the model marks broken (`error`, in `broken-targets`): their derivations
//! exist only to fail with the scan's error line, which names the file at fault by its
//! absolute path, as every error of the scan does. A failed build is never cached nor
//! substituted, so they cannot defeat sharing; the test checks that they are exactly the units
//! whose derivations differ.

use rust_unit_sources_tests::rebuilds::NixSide;
use rust_unit_sources_tests::stores::{ensure_lock_file, Store, Units};
use rust_unit_sources_tests::{all_fixtures, cli_model, examples};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where cargo and rustup keep the toolchain, as the caller's environment names them.
fn toolchain_homes() -> [(&'static str, PathBuf); 2] {
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set"));
    let or_default = |var: &str, default: &str| {
        std::env::var_os(var).map_or_else(|| home.join(default), PathBuf::from)
    };
    [
        ("CARGO_HOME", or_default("CARGO_HOME", ".cargo")),
        ("RUSTUP_HOME", or_default("RUSTUP_HOME", ".rustup")),
    ]
}

/// The units of a copy of `source` at `dir`/ws, evaluated with `home` as `HOME` (and its
/// `.cache` as `XDG_CACHE_HOME`) and `home`/scan-cache as the scan's cache directory, and the
/// ids of the units the model marks broken.
fn units_of_copy(source: &Path, dir: &Path, home: &Path) -> (Units, BTreeSet<String>) {
    let side = NixSide::of(source, dir, false, "dev");
    ensure_lock_file(&side.workspace);
    std::fs::create_dir_all(home).unwrap();
    let (xdg_cache, scan_cache) = (home.join(".cache"), home.join("scan-cache"));
    let [cargo_home, rustup_home] = toolchain_homes();
    let env = [
        ("HOME", home),
        ("XDG_CACHE_HOME", xdg_cache.as_path()),
        ("RUST_UNIT_SOURCES_CACHE_DIR", scan_cache.as_path()),
        (cargo_home.0, cargo_home.1.as_path()),
        (rustup_home.0, rustup_home.1.as_path()),
    ];
    let model = cli_model(&side.workspace, &["--dependencies", "--no-cache"]);
    let broken = model["units"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, unit)| unit.get("error").is_some())
        .map(|(id, _)| id.clone())
        .collect();
    (
        Store::Machine.units_with_env(&side.units_expr(), &env),
        broken,
    )
}

#[test]
fn every_unit_has_the_same_derivation_at_another_path_home_and_cache_directory() {
    let scratch = tempfile::tempdir().unwrap();
    let scratch = scratch.path();
    let sources: Vec<PathBuf> = all_fixtures().into_iter().chain(examples()).collect();
    for (i, source) in sources.iter().enumerate() {
        let (first, broken) = units_of_copy(
            source,
            &scratch.join(format!("one/{i}")),
            &scratch.join("home-one"),
        );
        let (second, _) = units_of_copy(
            source,
            &scratch.join(format!("second-place/deeper/{i}")),
            &scratch.join("home-two"),
        );
        assert!(!first.0.is_empty(), "{}: no units", source.display());
        assert_eq!(first.ids(), second.ids(), "{}", source.display());
        let differing: BTreeSet<String> = first
            .ids()
            .into_iter()
            .filter(|id| first.0[id] != second.0[id])
            .collect();
        assert_eq!(
            differing,
            broken,
            "{}: units whose derivations differ",
            source.display()
        );
    }
}
