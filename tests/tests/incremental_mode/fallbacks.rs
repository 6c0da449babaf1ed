//! A state that cannot be trusted is discarded and the unit compiled from scratch: the build
//! never fails and never differs from the pure one. An ordinary compile error keeps it.

use crate::{ids, notes, Sides};
use rust_unit_sources_tests::fixture;
use rust_unit_sources_tests::rebuilds::{apply, make_unique, run_token, Case, Edit, NixSide};
use rust_unit_sources_tests::repo_root;
use std::path::Path;
use std::process::Command;

/// What happens to the state before an edit, and what the library's builder says about it.
struct Step {
    what: &'static str,
    damage: fn(&Sides),
    library_notes: &'static [&'static str],
}

/// The newest finished session of the library's state (`rustc/<crate>/s-…`).
fn newest_session(unit_state: &Path) -> std::path::PathBuf {
    let crate_dir = std::fs::read_dir(unit_state.join("rustc"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut sessions: Vec<_> = std::fs::read_dir(crate_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    sessions.sort();
    sessions.pop().unwrap()
}

fn library(sides: &Sides) -> std::path::PathBuf {
    sides.unit_state("app/lib/app")
}

fn truncate_an_object_file(sides: &Sides) {
    let session = newest_session(&library(sides));
    let object = std::fs::read_dir(session)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "o"))
        .unwrap();
    let length = std::fs::metadata(&object).unwrap().len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(object)
        .unwrap();
    file.set_len(length / 2).unwrap();
}

fn take_another_units_identity(sides: &Sides) {
    let binary = sides.unit_state("app/bin/app").join("identity");
    std::fs::copy(binary, library(sides).join("identity")).unwrap();
}

/// Replaces rustc's directory by a file and records the result as if a build had left it:
/// damage no check before the build can see, which makes rustc fail.
fn break_rustcs_directory_unseen(sides: &Sides) {
    let state = library(sides);
    std::fs::remove_dir_all(state.join("rustc")).unwrap();
    std::fs::write(state.join("rustc"), "not a directory\n").unwrap();
    let recorded = Command::new("sh")
        .args([
            "-c",
            r#". "$1"; state=$2; incremental_manifest > "$2/manifest""#,
            "sh",
        ])
        .arg(repo_root().join("nix/builder/incremental.sh"))
        .arg(&state)
        .status()
        .unwrap();
    assert!(recorded.success());
}

fn steps() -> Vec<Step> {
    vec![
        Step {
            what: "an object file truncated",
            damage: truncate_an_object_file,
            library_notes: &["state discarded (changed since its last build): compiling from scratch"],
        },
        Step {
            what: "another unit's identity",
            damage: take_another_units_identity,
            library_notes: &["state discarded (made for another unit, configuration or rustc): compiling from scratch"],
        },
        Step {
            what: "no identity file",
            damage: |s| std::fs::remove_file(library(s).join("identity")).unwrap(),
            library_notes: &["state discarded (no identity file: not made by rust-unit-sources): compiling from scratch"],
        },
        Step {
            what: "no manifest (an interrupted build)",
            damage: |s| std::fs::remove_file(library(s).join("manifest")).unwrap(),
            library_notes: &["state discarded (its last build did not finish): compiling from scratch"],
        },
        Step {
            what: "rustc's directory broken, unseen",
            damage: break_rustcs_directory_unseen,
            library_notes: &[
                "reusing the state of its last build",
                "rustc failed (exit status 1) with the state of an earlier build: state discarded, compiling from scratch",
            ],
        },
        Step {
            what: "the whole directory removed",
            damage: |s| std::fs::remove_dir_all(&s.state).unwrap(),
            library_notes: &["no state yet: compiling from scratch"],
        },
    ]
}

#[test]
fn a_removed_damaged_or_foreign_state_falls_back_to_a_full_compile() {
    let scratch = tempfile::tempdir().unwrap();
    let run = run_token();
    let sides = Sides::new(&fixture("script-and-macro"), scratch.path(), run);
    let rebuilt = ids(&[
        "app/bin-test/app",
        "app/bin/app",
        "app/build-script-run/build-script-build",
        "app/lib-test/app",
        "app/lib/app",
        "app/test/runs",
    ]);
    for (n, step) in steps().into_iter().enumerate() {
        (step.damage)(&sides);
        let case = Case {
            what: step.what,
            edits: vec![Edit {
                file: "app/src/lib.rs",
                from: "/// One line describing",
                to: format!("// step {n} of {run}\n/// One line describing"),
            }],
            expected: rebuilt.clone(),
        };
        let notes = sides.rebuild(&case);
        assert_eq!(notes["app/lib/app"], step.library_notes, "{}", step.what);
        let others = if step.what == "the whole directory removed" {
            let created = format!("created {}", sides.state.display());
            assert!(notes[""].iter().all(|n| *n == created), "{notes:?}");
            "no state yet: compiling from scratch"
        } else {
            assert!(!notes.contains_key(""), "{notes:?}");
            "reusing the state of its last build"
        };
        for id in [
            "app/bin/app",
            "app/bin-test/app",
            "app/lib-test/app",
            "app/test/runs",
        ] {
            assert_eq!(notes[id], [others], "{}: {id}", step.what);
        }
        sides.assert_same_behaviour(step.what);
    }
}

#[test]
fn a_compile_error_keeps_the_state() {
    let scratch = tempfile::tempdir().unwrap();
    let source = fixture("script-and-macro");
    let state = scratch.path().join("state");
    let side = NixSide::incremental(&source, &scratch.path().join("nix"), &state, "dev", "");
    let copies = [side.workspace.as_path()];
    make_unique(&copies, run_token());
    side.build();
    let edit = |what, from, to: &str| Case {
        what,
        edits: vec![Edit {
            file: "app/src/lib.rs",
            from,
            to: to.to_string(),
        }],
        expected: Default::default(),
    };
    let broken = "const BROKEN: u32 = \"not a number\";";
    let marker = "/// One line describing";
    apply(
        &copies,
        &edit("an error", marker, &format!("{broken}\n{marker}")),
    );
    let (built, log) = side.build_keep_going();
    assert!(!built);
    assert!(log.contains("error[E0308]: mismatched types"), "{log}");
    let lines = notes(&side, &log);
    assert_eq!(
        lines["app/lib/app"],
        ["reusing the state of its last build"],
        "{log}"
    );
    apply(
        &copies,
        &edit("the error fixed", broken, "const FIXED: u32 = 1;"),
    );
    let (_, log) = side.build_logged();
    assert_eq!(
        notes(&side, &log)["app/lib/app"],
        ["reusing the state of its last build"],
        "{log}"
    );
}
