//! After each kind of change a scan can depend on (a file's content, a path appearing or
//! vanishing, a dangling link, a directory's entries, what a build script may set), the cached
//! scan answers as an uncached one, runs cargo exactly when one of cargo's inputs changed and
//! rewrites its fingerprint exactly when the answer changed.

use crate::{append, backdate, fingerprint, Scratch};
use rust_unit_sources_tests::{copy_tree, fixture, write_file};
use std::path::Path;

/// One change to a workspace copy, whether it changes the answer, and whether it changes an
/// input of cargo's answer.
pub(crate) struct Change {
    pub(crate) what: &'static str,
    pub(crate) apply: fn(&Path),
    pub(crate) changes_answer: bool,
    pub(crate) runs_cargo: bool,
}

/// Applies each change in turn to a copy of `fixture`, comparing the cached scan with an
/// uncached one after each, and checking that cargo ran exactly when its inputs changed and
/// that the fingerprint was rewritten exactly when the answer changed (a failed scan writes
/// nothing; a new answer from cargo rewrites it too).
fn check_changes(fixture_name: &str, changes: &[Change]) {
    check_changes_with(fixture_name, &[], changes)
}

/// [`check_changes`], every scan with `flags`.
fn check_changes_with(fixture_name: &str, flags: &[&str], changes: &[Change]) {
    let scratch = Scratch::new(|copy| copy_tree(&fixture(fixture_name), copy));
    check_changes_in(fixture_name, &scratch, flags, changes);
}

/// [`check_changes_with`] on the workspace of `scratch`.
pub(crate) fn check_changes_in(name: &str, scratch: &Scratch, flags: &[&str], changes: &[Change]) {
    let (mut previous, _) = scratch.cached_scan(flags);
    assert_eq!(
        previous,
        scratch.scan(false, flags),
        "{name}: before any change"
    );
    assert!(
        !scratch.cached_scan(flags).1,
        "{name}: cargo's answer was stored"
    );
    let cache = scratch.cache();
    for change in changes {
        let before = std::fs::read_dir(&cache).map(|_| fingerprint(&cache)).ok();
        std::thread::sleep(std::time::Duration::from_millis(10));
        (change.apply)(&scratch.workspace());
        backdate(&scratch.workspace());
        let (cached, ran) = scratch.cached_scan(flags);
        let uncached = scratch.scan(false, flags);
        assert_eq!(cached, uncached, "{name}: {}", change.what);
        assert_eq!(
            cached != previous,
            change.changes_answer,
            "{name}: {}: answer changed? {}",
            change.what,
            uncached.2
        );
        assert_eq!(
            ran, change.runs_cargo,
            "{name}: {}: cargo ran?",
            change.what
        );
        // A change of cargo's answer (its key) rewrites the fingerprint even when the model
        // stays the same (a README, a target directory).
        if cached.0 == Some(0) && (change.changes_answer || !change.runs_cargo) {
            assert_eq!(
                Some(fingerprint(&cache)) != before,
                change.changes_answer,
                "{name}: {}: the fingerprint was rewritten?",
                change.what
            );
        }
        previous = cached;
    }
}

#[test]
fn broken_units_are_fixed_and_broken_as_uncached_scans_say() {
    check_changes(
        "broken-targets",
        &[
            Change {
                what: "the missing module of a test created",
                apply: |ws| {
                    write_file(
                        &ws.join("tests/common/mod.rs"),
                        "pub const EXPECTED: &str = \"hello\";\n",
                    )
                },
                changes_answer: true,
                runs_cargo: true, // tests/ is listed for auto-discovered targets
            },
            Change {
                what: "the module made a dangling link",
                apply: |ws| {
                    std::fs::remove_dir_all(ws.join("tests/common")).unwrap();
                    std::os::unix::fs::symlink("nowhere.rs", ws.join("tests/common.rs")).unwrap();
                },
                changes_answer: true,
                runs_cargo: true, // tests/ is listed for auto-discovered targets
            },
            Change {
                what: "the excluded example's file created",
                apply: |ws| write_file(&ws.join("examples/excluded.rs"), "fn main() {}\n"),
                changes_answer: true,
                runs_cargo: true,
            },
            Change {
                what: "the example's file a directory",
                apply: |ws| {
                    std::fs::remove_file(ws.join("examples/excluded.rs")).unwrap();
                    std::fs::create_dir(ws.join("examples/excluded.rs")).unwrap();
                },
                changes_answer: true,
                runs_cargo: true,
            },
            Change {
                what: "a file of the broken example's package edited",
                apply: |ws| append(&ws.join("src/greet.rs"), "\n// comment\n"),
                changes_answer: true,
                runs_cargo: false,
            },
        ],
    );
}

#[test]
fn module_tree_changes_are_seen() {
    check_changes(
        "nested-members",
        &[
            Change {
                what: "a comment added to a module file",
                apply: |ws| append(&ws.join("src/cli.rs"), "\n// comment\n"),
                changes_answer: true, // the unit hashes change
                runs_cargo: false,
            },
            Change {
                what: "a module declared and created",
                apply: |ws| {
                    write_file(&ws.join("src/extra.rs"), "pub fn f() {}\n");
                    append(&ws.join("src/lib.rs"), "\npub mod extra;\n");
                },
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "the other candidate file of a module created",
                apply: |ws| write_file(&ws.join("src/extra/mod.rs"), "pub fn g() {}\n"),
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "both candidates removed",
                apply: |ws| {
                    std::fs::remove_file(ws.join("src/extra.rs")).unwrap();
                    std::fs::remove_dir_all(ws.join("src/extra")).unwrap();
                },
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "a dangling link where the module file was",
                apply: |ws| {
                    std::os::unix::fs::symlink("nowhere.rs", ws.join("src/extra.rs")).unwrap()
                },
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "the link replaced by a file",
                apply: |ws| {
                    std::fs::remove_file(ws.join("src/extra.rs")).unwrap();
                    write_file(&ws.join("src/extra.rs"), "pub fn f() {}\n");
                },
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "a data file included by two units, spelled two ways",
                apply: |ws| {
                    write_file(&ws.join("src/shared.txt"), "one\n");
                    append(
                        &ws.join("src/lib.rs"),
                        "\npub const SHARED: &str = include_str!(\"shared.txt\");\n",
                    );
                    append(
                        &ws.join("src/main.rs"),
                        "\nconst _SHARED: &str = include_str!(\"./shared.txt\");\n",
                    );
                },
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "that data file edited (both units' hashes change)",
                apply: |ws| write_file(&ws.join("src/shared.txt"), "two\n"),
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "a new binary (cargo's answer changes)",
                apply: |ws| write_file(&ws.join("src/bin/tool.rs"), "fn main() {}\n"),
                changes_answer: true,
                runs_cargo: true,
            },
            Change {
                what: "a Cargo.lock appears",
                apply: |ws| write_file(&ws.join("Cargo.lock"), "version = 4\n"),
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "an unrelated file outside every unit",
                apply: |ws| write_file(&ws.join("notes.txt"), "nothing\n"),
                changes_answer: false,
                runs_cargo: false,
            },
        ],
    );
}

#[test]
fn widened_directories_and_build_script_inputs_are_seen() {
    check_changes(
        "macro-mods",
        &[Change {
            what: "a file matching a widened include appears",
            apply: |ws| write_file(&ws.join("data/z.txt"), "z\n"),
            changes_answer: true,
            runs_cargo: false,
        }],
    );
    check_changes(
        "build-script-default",
        &[
            Change {
                what: "a file appears in a package whose build script declares no inputs",
                apply: |ws| write_file(&ws.join("assets/new/deeper.txt"), "new\n"),
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "the build script declares an input",
                apply: |ws| {
                    append(
                        &ws.join("build.rs"),
                        "fn declared() { println!(\"cargo:rerun-if-changed=assets/logo.txt\"); }\n",
                    )
                },
                changes_answer: true,
                runs_cargo: false,
            },
        ],
    );
}

#[test]
fn build_scripts_decide_other_units_cfgs() {
    // With the build's --cfg flags known, a custom cfg is false unless the package's build
    // script may set it: editing the script changes the library's files, which the library's
    // own walk never read.
    check_changes_with(
        "cfg-features",
        &["--cfg", ""],
        &[
            Change {
                what: "a build script that sets no cfg",
                apply: |ws| write_file(&ws.join("build.rs"), "fn main() {}\n"),
                changes_answer: true,
                runs_cargo: true,
            },
            Change {
                what: "the build script now sets the cfg of a module",
                apply: |ws| {
                    write_file(
                        &ws.join("build.rs"),
                        "fn main() { println!(\"cargo:rustc-cfg=my_build_script_cfg\"); }\n",
                    )
                },
                changes_answer: true,
                runs_cargo: false,
            },
        ],
    );
}
