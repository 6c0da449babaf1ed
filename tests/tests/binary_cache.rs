//! Per-unit outputs shared through a binary cache, end to end. Store A (the machine's store)
//! builds every unit of `examples/cargo-like` and of `tests/fixtures/nested-members` (a build
//! script and a proc-macro) with `nix/build-units.nix`, and `nix copy` pushes them, signed with
//! a key made for the test, to a `file://` cache. Store B starts empty, in a private mount
//! namespace with its own `/nix` (real `/nix/store` paths, so the same derivations), with that
//! cache as its only substituter and the key trusted; it evaluates copies of the workspaces at
//! other paths:
//! - the derivations are A's, and every unit is substituted, none built (`--dry-run` lists
//!   every unit's output as "will be fetched"; the build's log copies each from the cache and
//!   builds nothing); the substituted binary runs;
//! - with another key trusted instead, the cache serves nothing: a unit is built, and Nix
//!   warns that the substitute is not signed by a trusted key;
//! - after an edit of a line in the root library, a store as empty as B builds exactly the
//!   units cargo recompiles for the same edit (`cargo build --message-format json`, `fresh:
//!   false`) and substitutes every other unit.
//!
//! Runs with the Nix on `PATH`: Nix 2.8 under `cargo test`, Nix 2.26.3 under `scripts/test-nix
//! 2.26.3`.

use rust_unit_sources_tests::fixture;
use rust_unit_sources_tests::rebuilds::{
    apply, CargoSide, Case, Edit, NixSide, ROOT_PACKAGE_COMPILED,
};
use rust_unit_sources_tests::stores::{ensure_lock_file, BinaryCache, Store, Units, NO_OPTIONS};
use rust_unit_sources_tests::{nix_version, repo_root};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// A copy of `source` at `dir`/ws, built per unit.
struct Copy {
    side: NixSide,
    /// The Nix expression of its attribute set of units.
    expr: String,
}

impl Copy {
    fn of(source: &Path, dir: &Path) -> Copy {
        let side = NixSide::of(source, dir, false, "dev");
        ensure_lock_file(&side.workspace);
        let expr = side.units_expr();
        Copy { side, expr }
    }
}

/// Store A builds every unit of each copy and pushes the outputs to `cache`; returns the units.
fn build_and_push(copies: &[Copy], cache: &BinaryCache) -> Vec<Units> {
    let machine = Store::Machine;
    copies
        .iter()
        .map(|copy| {
            machine.build(&copy.expr, NO_OPTIONS);
            let units = machine.units(&copy.expr);
            cache.push(&machine, &units.outs(&units.ids()));
            units
        })
        .collect()
}

/// Checks that `store`, with `cache` as its substituter, would fetch every unit of `expr` and
/// build none, then builds them: each output copied from the cache, nothing built.
fn assert_every_unit_substituted(store: &Store, cache: &BinaryCache, expr: &str, units: &Units) {
    let options = cache.substituter_options();
    let dry_run = store.dry_run(expr, &options);
    assert_eq!(dry_run.built, BTreeSet::new(), "{expr}: nothing to build");
    let every_output = units.outs(&units.ids());
    assert_eq!(dry_run.fetched, every_output, "{expr}: every unit fetched");
    let log = store.build(expr, &options);
    assert_eq!(log.built, BTreeSet::new(), "{}", log.log);
    assert_eq!(log.copied_from(&cache.url()), every_output, "{}", log.log);
    assert_eq!(log.copied_from.len(), every_output.len(), "{}", log.log);
}

/// With another key trusted than the one `cache` signs with, a store substitutes nothing: the
/// leaf unit `leaf` of `copy` is built, and Nix warns about the substitute it ignored.
fn assert_untrusted_cache_ignored(scratch: &Path, cache: &BinaryCache, copy: &Copy, leaf: &str) {
    let other = BinaryCache::new(&scratch.join("other"), "rust-unit-sources-test-other");
    let untrusted = Store::private(&scratch.join("store-untrusted"));
    let mut options = cache.substituter_options();
    *options.last_mut().unwrap() = other.public_key.clone();
    let one = format!("{{ leaf = ({}).\"{leaf}\"; }}", copy.expr);
    let units = untrusted.units(&one);
    let log = untrusted.build(&one, &options);
    assert_eq!(log.built, units.drvs(&units.ids()), "{}", log.log);
    assert!(log.copied_from.is_empty(), "{}", log.log);
    let (out, url) = (&units.0["leaf"].1, cache.url());
    // Nix 2.8's wording, then 2.26.3's.
    let warning = match nix_version() {
        (2, 8) => format!(
            "warning: the substitute for '{out}' from '{url}' is not signed by any of the keys in 'trusted-public-keys'"
        ),
        _ => format!(
            "warning: ignoring substitute for '{out}' from '{url}', as it's not signed by any of the keys in 'trusted-public-keys'"
        ),
    };
    assert!(log.log.lines().any(|line| line == warning), "{}", log.log);
}

/// Edits a line of the root library in `copy` (of `examples/cargo-like`) and in a copy cargo
/// builds; returns the units cargo recompiled for it.
fn edit_root_library(
    scratch: &Path,
    copy: &Copy,
    every_unit: &BTreeSet<String>,
) -> BTreeSet<String> {
    let cargo = CargoSide::copy(
        &repo_root().join("examples/cargo-like"),
        &scratch.join("cargo"),
    );
    assert_eq!(&cargo.build(), every_unit, "cargo compiles every unit");
    let edit = Case {
        what: "root library",
        edits: vec![Edit {
            file: "src/cargo/lib.rs",
            from: "/// Runs a command.",
            to: "/// Runs a command (edited in store B's copy).".to_string(),
        }],
        expected: ROOT_PACKAGE_COMPILED
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    apply(
        &[copy.side.workspace.as_path(), cargo.workspace.as_path()],
        &edit,
    );
    let by_cargo = cargo.build();
    assert_eq!(by_cargo, edit.expected, "recompiled by cargo");
    by_cargo
}

/// An empty `store` builds the edited `copy`: exactly the units `by_cargo`, each other unit
/// (whose derivation is A's, in `before`) substituted from `cache`.
fn assert_edit_builds(
    store: &Store,
    cache: &BinaryCache,
    copy: &Copy,
    before: &Units,
    by_cargo: &BTreeSet<String>,
) {
    let edited = store.units(&copy.expr);
    let rest: BTreeSet<String> = edited.ids().difference(by_cargo).cloned().collect();
    assert_eq!(
        edited.drvs(&rest),
        before.drvs(&rest),
        "the other units are A's"
    );
    let options = cache.substituter_options();
    let dry_run = store.dry_run(&copy.expr, &options);
    assert_eq!(dry_run.built, edited.drvs(by_cargo), "will be built");
    assert_eq!(dry_run.fetched, edited.outs(&rest), "will be fetched");
    let log = store.build(&copy.expr, &options);
    assert_eq!(&edited.named(&log.built), by_cargo, "{}", log.log);
    assert_eq!(
        log.copied_from(&cache.url()),
        edited.outs(&rest),
        "{}",
        log.log
    );
    assert_eq!(log.copied_from.len(), rest.len(), "{}", log.log);
}

#[test]
fn a_binary_cache_serves_every_unit_to_an_empty_store_and_an_edit_builds_cargos_set() {
    let scratch = tempfile::tempdir().unwrap();
    let scratch = scratch.path();
    let sources = [
        repo_root().join("examples/cargo-like"),
        fixture("nested-members"),
    ];
    let cache = BinaryCache::new(scratch, "rust-unit-sources-test-1");
    let in_a: Vec<Copy> = (0..sources.len())
        .map(|i| Copy::of(&sources[i], &scratch.join(format!("a/{i}"))))
        .collect();
    let units_in_a = build_and_push(&in_a, &cache);

    // Store B: empty, the cache its only substituter; copies at other paths.
    let store_b = Store::private(&scratch.join("store-b"));
    let in_b: Vec<Copy> = (0..sources.len())
        .map(|i| Copy::of(&sources[i], &scratch.join(format!("b/elsewhere/copy-{i}"))))
        .collect();
    for (i, copy) in in_b.iter().enumerate() {
        let units = store_b.units(&copy.expr);
        let what = sources[i].display();
        assert_eq!(
            units, units_in_a[i],
            "{what}: the same derivations at another path"
        );
        assert_every_unit_substituted(&store_b, &cache, &copy.expr, &units);
    }
    let binary = store_b
        .real_path(Path::new(&units_in_a[0].0["cargo-like/bin/cargo-like"].1))
        .join("bin/cargo-like");
    let ran = Command::new(binary).args(["a", "b"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "    compiling 2 unit(s) for unix\n",
        "the substituted binary runs"
    );

    assert_untrusted_cache_ignored(scratch, &cache, &in_b[0], "cfg-if/lib/cfg_if");

    // The edit in B's copy; then a store as empty as B was builds it.
    let by_cargo = edit_root_library(scratch, &in_b[0], &units_in_a[0].ids());
    let store_c = Store::private(&scratch.join("store-c"));
    assert_edit_builds(&store_c, &cache, &in_b[0], &units_in_a[0], &by_cargo);
}
