//! The persistent caches (`--cache-dir`: cargo's answer, the parse cache and the scan
//! fingerprint) never change an answer. A warm scan answers exactly as `--no-cache` does, from
//! the stored records (cargo does not run, the fingerprint file is not rewritten); after each
//! kind of change a scan can depend on (a file's content, a path appearing or vanishing, a
//! directory's entries, cargo's inputs, a dangling link) the cached scan still answers exactly
//! as `--no-cache` does (same stdout, stderr and exit code), and runs cargo exactly when one of
//! cargo's inputs changed.

use rust_unit_sources_tests::{cli_with_env, copy_tree, examples, fixture, fixtures};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

/// What a scan answered: exit code, stdout, stderr.
type Answer = (Option<i32>, String, String);

fn scan(workspace: &Path, cache: Option<&Path>) -> Answer {
    scan_with(workspace, cache, &[], &[])
}

fn scan_with(
    workspace: &Path,
    cache: Option<&Path>,
    flags: &[&str],
    env: &[(&str, &OsStr)],
) -> Answer {
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
    } = cli_with_env(&args, env);
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

/// Sets the modification time of every file and directory below `path` an hour back: cargo's
/// answer is stored only when none of its inputs changed in the seconds before cargo ran.
fn backdate(path: &Path) {
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    if path.is_symlink() {
        return;
    }
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            backdate(&entry.unwrap().path());
        }
    }
    std::fs::File::open(path)
        .and_then(|file| file.set_modified(hour_ago))
        .unwrap_or_else(|e| panic!("backdate {}: {e}", path.display()));
}

/// A workspace copy (`ws`) and a cache directory in a scratch directory, scanned with a
/// `cargo` and a `rustc` first on `PATH` (and as `$CARGO` and `$RUSTC`) that count their runs
/// (`rustc -vV` aside) before running the real ones.
struct Scratch {
    dir: tempfile::TempDir,
    path: OsString,
    cargo: PathBuf,
    rustc: PathBuf,
}

impl Scratch {
    /// A scratch directory whose workspace `create` writes, all of it backdated.
    fn new(create: impl FnOnce(&Path)) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        create(&dir.path().join("ws"));
        let path = std::env::var_os("PATH").expect("PATH is set");
        let bin = dir.path().join("bin");
        let counter = |tool: &str| {
            let real = std::env::split_paths(&path)
                .map(|d| d.join(tool))
                .find(|c| c.is_file())
                .unwrap_or_else(|| panic!("{tool} on PATH"));
            let counter = bin.join(tool);
            write(
                &counter,
                &format!(
                    "#!/bin/sh\n[ \"$1\" = -vV ] || echo run >> '{}'\nexec '{}' \"$@\"\n",
                    dir.path().join(format!("runs-{tool}")).display(),
                    real.display()
                ),
            );
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&counter, std::fs::Permissions::from_mode(0o755)).unwrap();
            counter
        };
        let (cargo, rustc) = (counter("cargo"), counter("rustc"));
        let path =
            std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path))).unwrap();
        backdate(dir.path());
        Scratch {
            dir,
            path,
            cargo,
            rustc,
        }
    }

    fn workspace(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// Scans the workspace with `flags`, with the cache or `--no-cache`.
    fn scan(&self, cached: bool, flags: &[&str]) -> Answer {
        self.scan_in(cached, flags, &[])
    }

    /// [`Scratch::scan`] with the variables `extra` set too.
    fn scan_in(&self, cached: bool, flags: &[&str], extra: &[(&str, &OsStr)]) -> Answer {
        let cache = cached.then(|| self.cache());
        // `cargo test` sets CARGO, which the scanner (as cargo_metadata) runs.
        let mut env = vec![
            ("PATH", self.path.as_os_str()),
            ("CARGO", self.cargo.as_os_str()),
            ("RUSTC", self.rustc.as_os_str()),
        ];
        env.extend_from_slice(extra);
        scan_with(&self.workspace(), cache.as_deref(), flags, &env)
    }

    /// How many times `tool` (`cargo` or `rustc`) ran so far.
    fn runs(&self, tool: &str) -> usize {
        std::fs::read_to_string(self.dir.path().join(format!("runs-{tool}")))
            .map(|runs| runs.lines().count())
            .unwrap_or(0)
    }

    /// [`Scratch::scan`] with the cache, and whether it ran cargo.
    fn cached_scan(&self, flags: &[&str]) -> (Answer, bool) {
        let before = self.runs("cargo");
        let answer = self.scan(true, flags);
        (answer, self.runs("cargo") > before)
    }
}

#[test]
fn warm_scans_answer_from_the_record_as_uncached_scans_do() {
    for workspace in fixtures().into_iter().chain(examples()) {
        let scratch = Scratch::new(|copy| copy_tree(&workspace, copy));
        let expected = scratch.scan(false, &[]);
        assert_eq!(
            expected.0,
            Some(0),
            "{}: {}",
            workspace.display(),
            expected.2
        );
        assert_eq!(
            scratch.cached_scan(&[]),
            (expected.clone(), true),
            "{}: cold",
            workspace.display()
        );
        let written = fingerprint(&scratch.cache());
        assert_eq!(
            scratch.cached_scan(&[]),
            (expected, false),
            "{}: warm (and cargo did not run)",
            workspace.display()
        );
        assert_eq!(
            fingerprint(&scratch.cache()),
            written,
            "{}: a warm scan rewrote its fingerprint (it did not answer from it)",
            workspace.display()
        );
    }
}

/// One change to a workspace copy, whether it changes the answer, and whether it changes an
/// input of cargo's answer.
struct Change {
    what: &'static str,
    apply: fn(&Path),
    changes_answer: bool,
    runs_cargo: bool,
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
fn check_changes_in(name: &str, scratch: &Scratch, flags: &[&str], changes: &[Change]) {
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
                    write(
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
                apply: |ws| write(&ws.join("examples/excluded.rs"), "fn main() {}\n"),
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
                    write(&ws.join("src/extra.rs"), "pub fn f() {}\n");
                    append(&ws.join("src/lib.rs"), "\npub mod extra;\n");
                },
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "the other candidate file of a module created",
                apply: |ws| write(&ws.join("src/extra/mod.rs"), "pub fn g() {}\n"),
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
                    write(&ws.join("src/extra.rs"), "pub fn f() {}\n");
                },
                changes_answer: true,
                runs_cargo: false,
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
                runs_cargo: false,
            },
            Change {
                what: "that data file edited (both units' hashes change)",
                apply: |ws| write(&ws.join("src/shared.txt"), "two\n"),
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "a new binary (cargo's answer changes)",
                apply: |ws| write(&ws.join("src/bin/tool.rs"), "fn main() {}\n"),
                changes_answer: true,
                runs_cargo: true,
            },
            Change {
                what: "a Cargo.lock appears",
                apply: |ws| write(&ws.join("Cargo.lock"), "version = 4\n"),
                changes_answer: true,
                runs_cargo: false,
            },
            Change {
                what: "an unrelated file outside every unit",
                apply: |ws| write(&ws.join("notes.txt"), "nothing\n"),
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
            apply: |ws| write(&ws.join("data/z.txt"), "z\n"),
            changes_answer: true,
            runs_cargo: false,
        }],
    );
    check_changes(
        "build-script-default",
        &[
            Change {
                what: "a file appears in a package whose build script declares no inputs",
                apply: |ws| write(&ws.join("assets/new/deeper.txt"), "new\n"),
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
                apply: |ws| write(&ws.join("build.rs"), "fn main() {}\n"),
                changes_answer: true,
                runs_cargo: true,
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
                runs_cargo: false,
            },
        ],
    );
}

/// A virtual workspace whose members are `crates/*`: `alpha` (2021 edition) and `old` (no
/// edition: 2015).
fn member_globs(ws: &Path) {
    write(
        &ws.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    for (name, edition) in [("alpha", "edition = \"2021\"\n"), ("old", "")] {
        write(
            &ws.join(format!("crates/{name}/Cargo.toml")),
            &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n{edition}"),
        );
        write(
            &ws.join(format!("crates/{name}/src/lib.rs")),
            "pub fn f() {}\n",
        );
    }
}

#[test]
fn cargo_runs_exactly_when_its_inputs_change() {
    let scratch = Scratch::new(member_globs);
    let change = |what, apply, changes_answer, runs_cargo| Change {
        what,
        apply,
        changes_answer,
        runs_cargo,
    };
    check_changes_in(
        "member globs",
        &scratch,
        &[],
        &[
            change(
                "a source file edited",
                |ws| append(&ws.join("crates/alpha/src/lib.rs"), "// edited\n"),
                true,
                false,
            ),
            change(
                "a module file added to a 2021-edition package's src/",
                |ws| {
                    write(&ws.join("crates/alpha/src/m.rs"), "\n");
                    append(&ws.join("crates/alpha/src/lib.rs"), "mod m;\n");
                },
                true,
                false,
            ),
            change(
                "a file added to a 2015-edition package's src/ (cargo infers src/<name>.rs)",
                |ws| write(&ws.join("crates/old/src/notes.txt"), "\n"),
                false,
                true,
            ),
            change(
                "a member directory matching the glob",
                |ws| {
                    write(
                        &ws.join("crates/gamma/Cargo.toml"),
                        "[package]\nname = \"gamma\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                    );
                    write(&ws.join("crates/gamma/src/lib.rs"), "\n");
                },
                true,
                true,
            ),
            change(
                "a directory matching the glob without a manifest (cargo fails)",
                |ws| write(&ws.join("crates/delta/src/lib.rs"), "\n"),
                true,
                true,
            ),
            change(
                "its manifest",
                |ws| {
                    write(
                        &ws.join("crates/delta/Cargo.toml"),
                        "[package]\nname = \"delta\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                    )
                },
                true,
                true,
            ),
            change(
                "a binary in src/bin",
                |ws| write(&ws.join("crates/alpha/src/bin/tool.rs"), "fn main() {}\n"),
                true,
                true,
            ),
            change(
                "a directory in examples/ without main.rs",
                |ws| write(&ws.join("crates/alpha/examples/demo/util.rs"), "\n"),
                false,
                true,
            ),
            change(
                "its main.rs",
                |ws| {
                    write(
                        &ws.join("crates/alpha/examples/demo/main.rs"),
                        "mod util;\nfn main() {}\n",
                    )
                },
                true,
                true,
            ),
            change(
                "a README (cargo infers the package's readme)",
                |ws| write(&ws.join("crates/alpha/README.md"), "# alpha\n"),
                false,
                true,
            ),
            change(
                "a build script",
                |ws| write(&ws.join("crates/alpha/build.rs"), "fn main() {}\n"),
                true,
                true,
            ),
            change(
                "a manifest edited",
                |ws| append(&ws.join("crates/alpha/Cargo.toml"), "[features]\nx = []\n"),
                true,
                true,
            ),
            change(
                "cargo's configuration",
                |ws| {
                    write(
                        &ws.join(".cargo/config.toml"),
                        "[build]\ntarget-dir = \"elsewhere\"\n",
                    )
                },
                false,
                true,
            ),
            change(
                "a workspace manifest between the root and the members",
                |ws| write(&ws.join("crates/Cargo.toml"), "[workspace]\n"),
                false,
                true,
            ),
            change(
                "a file outside every package's discovered paths",
                |ws| write(&ws.join("notes.txt"), "\n"),
                false,
                false,
            ),
        ],
    );
}

#[test]
fn cargo_answers_from_inputs_changed_while_it_ran_are_not_stored() {
    let scratch = Scratch::new(member_globs);
    assert!(scratch.cached_scan(&[]).1, "cold");
    assert!(!scratch.cached_scan(&[]).1, "stored");
    append(
        &scratch.workspace().join("crates/alpha/Cargo.toml"),
        "[features]\nx = []\n",
    );
    let expected = scratch.scan(false, &[]);
    for attempt in ["edited", "edited a moment ago: not stored"] {
        assert_eq!(
            scratch.cached_scan(&[]),
            (expected.clone(), true),
            "{attempt}"
        );
    }
    backdate(&scratch.workspace());
    assert_eq!(
        scratch.cached_scan(&[]),
        (expected.clone(), true),
        "settled"
    );
    assert_eq!(scratch.cached_scan(&[]), (expected, false), "stored");
    // Only the existence of src/lib.rs is cargo's input: editing it in place a moment before
    // cargo runs (for another change) does not keep the answer from being stored.
    append(
        &scratch.workspace().join("crates/alpha/Cargo.toml"),
        "y = []\n",
    );
    backdate(&scratch.workspace());
    append(
        &scratch.workspace().join("crates/alpha/src/lib.rs"),
        "// edited\n",
    );
    let expected = scratch.scan(false, &[]);
    assert_eq!(
        scratch.cached_scan(&[]),
        (expected.clone(), true),
        "manifest"
    );
    assert_eq!(
        scratch.cached_scan(&[]),
        (expected, false),
        "stored after all"
    );
}

#[test]
fn the_oracle_reruns_rustc_exactly_for_units_whose_inputs_changed() {
    let scratch = Scratch::new(|ws| {
        write(
            &ws.join("Cargo.toml"),
            "[package]\nname = \"oracle\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        write(
            &ws.join("src/lib.rs"),
            "mod a;\npub const V: Option<&str> = option_env!(\"UNIT_SOURCES_ORACLE_VAR\");\n",
        );
        write(&ws.join("src/a.rs"), "pub fn f() {}\n");
        write(&ws.join("src/main.rs"), "fn main() {}\n");
    });
    let rustc = ["--mode", "rustc"];
    // (the uncached answer, how many rustc runs the cached scan made)
    let step_in = |what: &str, env: &[(&str, &OsStr)]| {
        backdate(&scratch.workspace());
        let before = scratch.runs("rustc");
        let cached = scratch.scan_in(true, &rustc, env);
        let runs = scratch.runs("rustc") - before;
        let uncached = scratch.scan_in(false, &rustc, env);
        assert_eq!(uncached.0, Some(0), "{what}: {}", uncached.2);
        assert_eq!(cached, uncached, "{what}");
        (cached, runs)
    };
    let step = |what: &str| step_in(what, &[]);
    // lib, lib-test, bin, bin-test.
    let (first, runs) = step("cold");
    assert_eq!(runs, 4, "cold: every unit");
    assert_eq!(step("warm"), (first.clone(), 0), "warm: no unit");
    write(&scratch.workspace().join("notes.txt"), "\n");
    assert_eq!(step("an unrelated file"), (first.clone(), 0));
    append(&scratch.workspace().join("src/a.rs"), "// edited\n");
    let (edited, runs) = step("a module of the library edited");
    assert_ne!(edited, first, "the library's hashes change");
    assert_eq!(runs, 2, "the library and its test harness");
    write(&scratch.workspace().join("src/b.rs"), "\n");
    append(&scratch.workspace().join("src/main.rs"), "mod b;\n");
    let (added, runs) = step("a module declared in the binary");
    assert!(added.1.contains("\"src/b.rs\""), "{}", added.1);
    assert_eq!(runs, 2, "the binary and its test harness");
    let set = [("UNIT_SOURCES_ORACLE_VAR", OsStr::new("set"))];
    let (_, runs) = step_in("a variable the library reads is set", &set);
    assert_eq!(runs, 2, "the library and its test harness");
    assert_eq!(step_in("and unchanged", &set).1, 0);
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
