//! The persistent caches (`--cache-dir`: the parse cache and the scan fingerprint) never
//! change an answer. A warm scan answers exactly as `--no-cache` does, from the stored record
//! (the fingerprint file is not rewritten); after each kind of change a scan can depend on
//! (a file's content, a path appearing or vanishing, a directory's entries, cargo's answer,
//! a dangling link) the cached scan still answers exactly as `--no-cache` does: same stdout,
//! stderr and exit code.

use rust_unit_sources_tests::{cli, copy_tree, examples, fixture, fixtures};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::SystemTime;

/// What a scan answered: exit code, stdout, stderr.
type Answer = (Option<i32>, String, String);

fn scan(workspace: &Path, cache: Option<&Path>) -> Answer {
    scan_with(workspace, cache, &[])
}

fn scan_with(workspace: &Path, cache: Option<&Path>, flags: &[&str]) -> Answer {
    let manifest = workspace.to_str().expect("UTF-8 path");
    let mut args = vec!["scan", "--manifest-path", manifest];
    args.extend_from_slice(flags);
    match cache {
        Some(dir) => args.extend(["--cache-dir", dir.to_str().expect("UTF-8 path")]),
        None => args.push("--no-cache"),
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cli(&args);
    (
        status.code(),
        String::from_utf8(stdout).expect("UTF-8 stdout"),
        String::from_utf8(stderr).expect("UTF-8 stderr"),
    )
}

/// The one fingerprint file in `cache`, and when it was last written.
fn fingerprint(cache: &Path) -> (PathBuf, SystemTime) {
    let files: Vec<PathBuf> = std::fs::read_dir(cache)
        .expect("the cache directory exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("scan-")
        })
        .collect();
    assert_eq!(files.len(), 1, "one fingerprint in {}", cache.display());
    let modified = std::fs::metadata(&files[0]).unwrap().modified().unwrap();
    (files[0].clone(), modified)
}

#[test]
fn warm_scans_answer_from_the_record_as_uncached_scans_do() {
    for workspace in fixtures().into_iter().chain(examples()) {
        let scratch = tempfile::tempdir().unwrap();
        let (copy, cache) = (scratch.path().join("ws"), scratch.path().join("cache"));
        copy_tree(&workspace, &copy);
        let expected = scan(&copy, None);
        assert_eq!(
            expected.0,
            Some(0),
            "{}: {}",
            workspace.display(),
            expected.2
        );
        assert_eq!(
            scan(&copy, Some(&cache)),
            expected,
            "{}: cold",
            workspace.display()
        );
        let written = fingerprint(&cache);
        assert_eq!(
            scan(&copy, Some(&cache)),
            expected,
            "{}: warm",
            workspace.display()
        );
        assert_eq!(
            fingerprint(&cache),
            written,
            "{}: a warm scan rewrote its fingerprint (it did not answer from it)",
            workspace.display()
        );
    }
}

/// One change to a workspace copy, and whether it changes the answer.
struct Change {
    what: &'static str,
    apply: fn(&Path),
    changes_answer: bool,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn append(path: &Path, text: &str) {
    let old = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, old + text).unwrap();
}

/// Applies each change in turn to a copy of `fixture`, comparing the cached scan with an
/// uncached one after each, and checking that the fingerprint was rewritten exactly when the
/// answer changed (a failed scan writes nothing).
fn check_changes(fixture_name: &str, changes: &[Change]) {
    check_changes_with(fixture_name, &[], changes)
}

/// [`check_changes`], every scan with `flags`.
fn check_changes_with(fixture_name: &str, flags: &[&str], changes: &[Change]) {
    let scratch = tempfile::tempdir().unwrap();
    let (copy, cache) = (scratch.path().join("ws"), scratch.path().join("cache"));
    copy_tree(&fixture(fixture_name), &copy);
    let scan = |cache: Option<&Path>| scan_with(&copy, cache, flags);
    let mut previous = scan(Some(&cache));
    assert_eq!(previous, scan(None), "{fixture_name}: before any change");
    for change in changes {
        let before = std::fs::read_dir(&cache).map(|_| fingerprint(&cache)).ok();
        std::thread::sleep(std::time::Duration::from_millis(10));
        (change.apply)(&copy);
        let cached = scan(Some(&cache));
        let uncached = scan(None);
        assert_eq!(cached, uncached, "{fixture_name}: {}", change.what);
        assert_eq!(
            cached != previous,
            change.changes_answer,
            "{fixture_name}: {}: answer changed? {}",
            change.what,
            uncached.2
        );
        if cached.0 == Some(0) {
            assert_eq!(
                Some(fingerprint(&cache)) != before,
                change.changes_answer,
                "{fixture_name}: {}: the fingerprint was rewritten?",
                change.what
            );
        }
        previous = cached;
    }
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
            },
            Change {
                what: "a module declared and created",
                apply: |ws| {
                    write(&ws.join("src/extra.rs"), "pub fn f() {}\n");
                    append(&ws.join("src/lib.rs"), "\npub mod extra;\n");
                },
                changes_answer: true,
            },
            Change {
                what: "the other candidate file of a module created",
                apply: |ws| write(&ws.join("src/extra/mod.rs"), "pub fn g() {}\n"),
                changes_answer: true,
            },
            Change {
                what: "both candidates removed",
                apply: |ws| {
                    std::fs::remove_file(ws.join("src/extra.rs")).unwrap();
                    std::fs::remove_dir_all(ws.join("src/extra")).unwrap();
                },
                changes_answer: true,
            },
            Change {
                what: "a dangling link where the module file was",
                apply: |ws| {
                    std::os::unix::fs::symlink("nowhere.rs", ws.join("src/extra.rs")).unwrap()
                },
                changes_answer: true,
            },
            Change {
                what: "the link replaced by a file",
                apply: |ws| {
                    std::fs::remove_file(ws.join("src/extra.rs")).unwrap();
                    write(&ws.join("src/extra.rs"), "pub fn f() {}\n");
                },
                changes_answer: true,
            },
            Change {
                what: "a data file included by two units, spelled two ways",
                apply: |ws| {
                    write(&ws.join("src/shared.txt"), "one\n");
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
            },
            Change {
                what: "that data file edited (both units' hashes change)",
                apply: |ws| write(&ws.join("src/shared.txt"), "two\n"),
                changes_answer: true,
            },
            Change {
                what: "a new binary (cargo's answer changes)",
                apply: |ws| write(&ws.join("src/bin/tool.rs"), "fn main() {}\n"),
                changes_answer: true,
            },
            Change {
                what: "a Cargo.lock appears",
                apply: |ws| write(&ws.join("Cargo.lock"), "version = 4\n"),
                changes_answer: true,
            },
            Change {
                what: "an unrelated file outside every unit",
                apply: |ws| write(&ws.join("notes.txt"), "nothing\n"),
                changes_answer: false,
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
            apply: |ws| write(&ws.join("data/z.txt"), "z\n"),
            changes_answer: true,
        }],
    );
    check_changes(
        "build-script-default",
        &[
            Change {
                what: "a file appears in a package whose build script declares no inputs",
                apply: |ws| write(&ws.join("assets/new/deeper.txt"), "new\n"),
                changes_answer: true,
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
                apply: |ws| write(&ws.join("build.rs"), "fn main() {}\n"),
                changes_answer: true,
            },
            Change {
                what: "the build script now sets the cfg of a module",
                apply: |ws| {
                    write(
                        &ws.join("build.rs"),
                        "fn main() { println!(\"cargo:rustc-cfg=my_build_script_cfg\"); }\n",
                    )
                },
                changes_answer: true,
            },
        ],
    );
}

#[test]
fn an_unusable_cache_directory_is_skipped() {
    let workspace = fixture("nested-members");
    let expected = scan(&workspace, None);
    let scratch = tempfile::tempdir().unwrap();
    let not_a_dir = scratch.path().join("file");
    write(&not_a_dir, "a file where the cache directory would be\n");
    assert_eq!(scan(&workspace, Some(&not_a_dir.join("cache"))), expected);
    let damaged = scratch.path().join("damaged");
    assert_eq!(scan(&workspace, Some(&damaged)), expected);
    for entry in std::fs::read_dir(&damaged).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
    }
    assert_eq!(
        scan(&workspace, Some(&damaged)),
        expected,
        "damaged cache files"
    );
}
