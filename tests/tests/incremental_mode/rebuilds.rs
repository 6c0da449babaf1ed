//! With the incremental mode on, the rebuild proof's edits rebuild exactly cargo's units, the
//! built programs behave as the pure build's, rustc reuses the state, and the mode's
//! derivations never share a store path with pure ones.

use crate::{ids, keys, Sides};
use rust_unit_sources_tests::fixture;
use rust_unit_sources_tests::rebuilds::{cases, run_token, session_objects, Case, Edit, NixSide};
use rust_unit_sources_tests::repo_root;
use std::collections::{BTreeMap, BTreeSet};

/// The code edits, after which every rebuilt unit with state reuses it.
const CODE_EDITS: [&str; 4] = [
    "root library",
    "nested member",
    "build script",
    "integration test",
];

#[test]
fn cargo_like_rebuilds_cargos_units_and_behaves_as_the_pure_build() {
    let scratch = tempfile::tempdir().unwrap();
    let run = run_token();
    let source = repo_root().join("examples/cargo-like");
    let sides = Sides::new(&source, scratch.path(), run);
    assert_store_paths(&sides, &["cfg-if/lib/cfg_if", "itoa/lib/itoa"]);
    sides.assert_same_behaviour("first build");
    let stateful = keys(&sides.incremental);
    let watched = ["cargo-like/lib/cargo_like", "cargo-like/bin/cargo-like"];
    for case in cases(run) {
        let before = objects(&sides, &watched);
        let notes = sides.rebuild(&case);
        sides.assert_same_behaviour(case.what);
        if CODE_EDITS.contains(&case.what) {
            assert_reused(&notes, &case, &stateful);
        }
        if case.what == "root library" {
            assert_objects_kept(&sides, before);
        }
    }
}

/// The object files of the newest session of each unit's state.
fn objects(sides: &Sides, units: &[&str]) -> BTreeMap<String, BTreeSet<u64>> {
    units
        .iter()
        .map(|id| (id.to_string(), session_objects(&sides.unit_state(id))))
        .collect()
}

/// rustc kept object files of each unit's last session (`before`) in its new one: it reused
/// the state (an executable too, though the libraries it loads moved to new store paths).
fn assert_objects_kept(sides: &Sides, before: BTreeMap<String, BTreeSet<u64>>) {
    for (id, old) in before {
        let kept = old
            .intersection(&session_objects(&sides.unit_state(&id)))
            .count();
        assert!(
            kept > 0,
            "{id}: rustc reused none of {} object files",
            old.len()
        );
    }
}

/// Every unit `case` rebuilt that keeps state (`stateful`) reused the state of its last build.
fn assert_reused(
    notes: &BTreeMap<String, Vec<String>>,
    case: &Case,
    stateful: &BTreeMap<String, String>,
) {
    let expected: BTreeMap<String, Vec<String>> = case
        .expected
        .iter()
        .filter(|id| stateful.contains_key(*id))
        .map(|id| {
            (
                id.clone(),
                vec!["reusing the state of its last build".into()],
            )
        })
        .collect();
    assert_eq!(notes, &expected, "{}", case.what);
}

/// The mode's derivations: every unit with state or depending on one is named `…-incremental`
/// and has another output path than the pure side's; the others (`pure`, vendored crates
/// compiled without state) are the pure side's own derivations.
fn assert_store_paths(sides: &Sides, pure: &[&str]) {
    let pure_paths = sides.pure.out_paths();
    let paths = sides.incremental.out_paths();
    let shared: BTreeSet<String> = paths
        .iter()
        .filter(|(id, path)| pure_paths[*id] == **path)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(
        shared,
        ids(pure),
        "the units built the same way in both modes"
    );
    for (id, path) in &paths {
        let name = path.to_string_lossy();
        assert_eq!(
            name.ends_with("-incremental"),
            !shared.contains(id),
            "{name}"
        );
    }
}

/// The edits of `script-and-macro`, with what cargo rebuilds for each.
fn script_and_macro_cases(run: u128) -> Vec<Case> {
    let app = [
        "app/bin-test/app",
        "app/bin/app",
        "app/lib-test/app",
        "app/lib/app",
        "app/test/runs",
    ];
    let with = |extra: &[&str]| ids(&[&app[..], extra].concat());
    vec![
        Case {
            what: "app's library (its build script reruns)",
            edits: vec![Edit {
                file: "app/src/lib.rs",
                from: "/// One line describing",
                to: format!("// {run}\n/// One line describing"),
            }],
            expected: with(&["app/build-script-run/build-script-build"]),
        },
        Case {
            what: "the proc-macro",
            edits: vec![Edit {
                file: "greet-macro/src/lib.rs",
                from: "hello from greet-macro {}",
                to: "hello from greet-macro {}, again".to_string(),
            }],
            expected: with(&[
                "greet-macro/lib-test/greet_macro",
                "greet-macro/proc-macro/greet_macro",
            ]),
        },
        Case {
            what: "the build script",
            edits: vec![Edit {
                file: "app/build.rs",
                from: "\"gamma\"]",
                to: "\"gamma\", \"delta\"]".to_string(),
            }],
            expected: with(&[
                "app/build-script-run/build-script-build",
                "app/build-script/build-script-build",
            ]),
        },
    ]
}

#[test]
fn a_build_script_and_a_proc_macro_rebuild_cargos_units_and_behave_as_the_pure_build() {
    let scratch = tempfile::tempdir().unwrap();
    let run = run_token();
    let sides = Sides::new(&fixture("script-and-macro"), scratch.path(), run);
    assert_store_paths(&sides, &[]);
    sides.assert_same_behaviour("first build");
    let stateful = keys(&sides.incremental);
    for case in script_and_macro_cases(run) {
        let before = objects(&sides, &["app/lib/app", "app/bin/app"]);
        let notes = sides.rebuild(&case);
        sides.assert_same_behaviour(case.what);
        assert_reused(&notes, &case, &stateful);
        // The build script's OUT_DIR and the library moved to new store paths: rustc still
        // sees them at the same places and reuses the library's and the binary's object files.
        if case.what.starts_with("app's library") {
            assert_objects_kept(&sides, before);
        }
    }
    let describe = sides.incremental.output("app/bin/app").join("bin/app");
    let printed = std::process::Command::new(describe)
        .output()
        .unwrap()
        .stdout;
    assert_eq!(
        String::from_utf8_lossy(&printed),
        "hello from greet-macro 0.1.0, again; 4 words at /rust-unit-sources/out-dir/generated.rs; \
         extra 42 at /rust-unit-sources/out-dir/extra.rs; generated cfg true; lib at app/src/lib.rs\n"
    );
}

#[test]
fn the_release_profile_keeps_no_state() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let state = dir.join("state");
    let source = fixture("script-and-macro");
    let release = NixSide::incremental(&source, &dir.join("release"), &state, "release", "");
    assert_eq!(
        keys(&release),
        BTreeMap::new(),
        "cargo's release profile: incremental = false"
    );
    let pure = NixSide::of(&source, &dir.join("pure"), false, "release");
    let names = "builtins.mapAttrs (id: unit: unit.drvPath)";
    assert_eq!(
        release.eval_on_units(names),
        pure.eval_on_units(names),
        "the pure derivations"
    );
}
