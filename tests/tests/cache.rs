//! The persistent caches (`--cache-dir`: cargo's answer, the parse cache and the scan
//! fingerprint) never change an answer. A warm scan answers exactly as `--no-cache` does, from
//! the stored records (cargo does not run, the fingerprint file is not rewritten); after each
//! kind of change a scan can depend on (a file's content, a path appearing or vanishing, a
//! directory's entries, cargo's inputs, a dangling link) the cached scan still answers exactly
//! as `--no-cache` does (same stdout, stderr and exit code), and runs cargo exactly when one of
//! cargo's inputs changed.

use rust_unit_sources_tests::{cli_with_env, copy_tree, examples, fixture, fixtures, write_file};
use std::collections::BTreeSet;
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
            write_file(
                &counter,
                format!(
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
        self.scan_at(&self.workspace(), cached, flags, extra)
    }

    /// [`Scratch::scan_in`] of the workspace in `dir` (a copy, say).
    fn scan_at(
        &self,
        dir: &Path,
        cached: bool,
        flags: &[&str],
        extra: &[(&str, &OsStr)],
    ) -> Answer {
        let cache = cached.then(|| self.cache());
        scan_with(dir, cache.as_deref(), flags, &self.env(extra))
    }

    /// The environment of the scans: the counting `cargo` and `rustc`, and `extra`.
    fn env<'a>(&'a self, extra: &[(&'a str, &'a OsStr)]) -> Vec<(&'a str, &'a OsStr)> {
        // `cargo test` sets CARGO, which the scanner (as cargo_metadata) runs.
        let mut env = vec![
            ("PATH", self.path.as_os_str()),
            ("CARGO", self.cargo.as_os_str()),
            ("RUSTC", self.rustc.as_os_str()),
        ];
        env.extend_from_slice(extra);
        env
    }

    /// How many times `tool` (`cargo` or `rustc`) ran so far.
    fn runs(&self, tool: &str) -> usize {
        std::fs::read_to_string(self.dir.path().join(format!("runs-{tool}")))
            .map(|runs| runs.lines().count())
            .unwrap_or(0)
    }

    /// [`Scratch::scan`] with the cache, and whether it ran cargo.
    fn cached_scan(&self, flags: &[&str]) -> (Answer, bool) {
        self.cached_scan_at(&self.workspace(), flags)
    }

    /// [`Scratch::cached_scan`] of the workspace in `dir`.
    fn cached_scan_at(&self, dir: &Path, flags: &[&str]) -> (Answer, bool) {
        let before = self.runs("cargo");
        let answer = self.scan_at(dir, true, flags, &[]);
        (answer, self.runs("cargo") > before)
    }

    /// A copy of the workspace in `<scratch>/<parent>/<name>`, not backdated: a new path.
    fn copy(&self, parent: &str, name: &str) -> PathBuf {
        let copy = self.dir.path().join(parent).join(name);
        copy_tree(&self.workspace(), &copy);
        copy
    }

    /// `cargo unit-sources cache info --json` of the cache directory.
    fn info(&self) -> serde_json::Value {
        let cache = self.cache();
        let args = [
            "cache",
            "info",
            "--json",
            "--cache-dir",
            cache.to_str().unwrap(),
        ];
        let output = cli_with_env(&args, &[]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("JSON")
    }

    /// The record `cache info` lists for the workspace root `root`: (units, units walked).
    fn record(&self, root: &Path) -> (u64, u64) {
        let info = self.info();
        let records = info["record_list"].as_array().unwrap();
        let record = records
            .iter()
            .find(|r| r["root"] == root.to_str().unwrap())
            .unwrap_or_else(|| panic!("no record for {}: {info:#}", root.display()));
        (
            record["units"].as_u64().unwrap(),
            record["walked"].as_u64().unwrap(),
        )
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

/// A virtual workspace whose members are `crates/*`: `alpha` (2021 edition) and `old` (no
/// edition: 2015).
fn member_globs(ws: &Path) {
    write_file(
        &ws.join("Cargo.toml"),
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n",
    );
    for (name, edition) in [("alpha", "edition = \"2021\"\n"), ("old", "")] {
        write_file(
            &ws.join(format!("crates/{name}/Cargo.toml")),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n{edition}"),
        );
        write_file(
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
                    write_file(&ws.join("crates/alpha/src/m.rs"), "\n");
                    append(&ws.join("crates/alpha/src/lib.rs"), "mod m;\n");
                },
                true,
                false,
            ),
            change(
                "a file added to a 2015-edition package's src/ (cargo infers src/<name>.rs)",
                |ws| write_file(&ws.join("crates/old/src/notes.txt"), "\n"),
                false,
                true,
            ),
            change(
                "a member directory matching the glob",
                |ws| {
                    write_file(
                        &ws.join("crates/gamma/Cargo.toml"),
                        "[package]\nname = \"gamma\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                    );
                    write_file(&ws.join("crates/gamma/src/lib.rs"), "\n");
                },
                true,
                true,
            ),
            change(
                "a directory matching the glob without a manifest (cargo fails)",
                |ws| write_file(&ws.join("crates/delta/src/lib.rs"), "\n"),
                true,
                true,
            ),
            change(
                "its manifest",
                |ws| {
                    write_file(
                        &ws.join("crates/delta/Cargo.toml"),
                        "[package]\nname = \"delta\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                    )
                },
                true,
                true,
            ),
            change(
                "a binary in src/bin",
                |ws| write_file(&ws.join("crates/alpha/src/bin/tool.rs"), "fn main() {}\n"),
                true,
                true,
            ),
            change(
                "a directory in examples/ without main.rs",
                |ws| write_file(&ws.join("crates/alpha/examples/demo/util.rs"), "\n"),
                false,
                true,
            ),
            change(
                "its main.rs",
                |ws| {
                    write_file(
                        &ws.join("crates/alpha/examples/demo/main.rs"),
                        "mod util;\nfn main() {}\n",
                    )
                },
                true,
                true,
            ),
            change(
                "a README (cargo infers the package's readme)",
                |ws| write_file(&ws.join("crates/alpha/README.md"), "# alpha\n"),
                false,
                true,
            ),
            change(
                "a build script",
                |ws| write_file(&ws.join("crates/alpha/build.rs"), "fn main() {}\n"),
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
                    write_file(
                        &ws.join(".cargo/config.toml"),
                        "[build]\ntarget-dir = \"elsewhere\"\n",
                    )
                },
                false,
                true,
            ),
            change(
                "a workspace manifest between the root and the members",
                |ws| write_file(&ws.join("crates/Cargo.toml"), "[workspace]\n"),
                false,
                true,
            ),
            change(
                "a file outside every package's discovered paths",
                |ws| write_file(&ws.join("notes.txt"), "\n"),
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
        write_file(
            &ws.join("Cargo.toml"),
            "[package]\nname = \"oracle\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        write_file(
            &ws.join("src/lib.rs"),
            "mod a;\npub const V: Option<&str> = option_env!(\"UNIT_SOURCES_ORACLE_VAR\");\n",
        );
        write_file(&ws.join("src/a.rs"), "pub fn f() {}\n");
        write_file(&ws.join("src/main.rs"), "fn main() {}\n");
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
    write_file(&scratch.workspace().join("notes.txt"), "\n");
    assert_eq!(step("an unrelated file"), (first.clone(), 0));
    append(&scratch.workspace().join("src/a.rs"), "// edited\n");
    let (edited, runs) = step("a module of the library edited");
    assert_ne!(edited, first, "the library's hashes change");
    assert_eq!(runs, 2, "the library and its test harness");
    write_file(&scratch.workspace().join("src/b.rs"), "\n");
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
    write_file(&not_a_dir, "a file where the cache directory would be\n");
    assert_eq!(scan(&workspace, Some(&not_a_dir.join("cache"))), expected);
    let damaged = scratch.path().join("damaged");
    assert_eq!(scan(&workspace, Some(&damaged)), expected);
    let files: Vec<PathBuf> = std::fs::read_dir(&damaged)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    let kinds: BTreeSet<&str> = files
        .iter()
        .filter_map(|path| path.file_name()?.to_str()?.split('-').next())
        .collect();
    assert!(
        ["lineage", "parse", "scan"]
            .iter()
            .all(|kind| kinds.contains(kind)),
        "the scan wrote every kind of cache file to damage: {kinds:?}"
    );
    for path in files {
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

/// The model of a successful scan's answer.
fn model_of(answer: &Answer) -> serde_json::Value {
    assert_eq!(answer.0, Some(0), "{}", answer.2);
    serde_json::from_str(&answer.1).expect("JSON")
}

/// A Rust file of the model (a library's root file when there is one), and how many units list
/// it.
fn a_listed_source(model: &serde_json::Value) -> (String, u64) {
    let units = model["units"].as_object().unwrap();
    let first = units
        .values()
        .find(|u| u["kind"] == "lib")
        .or_else(|| units.values().next())
        .unwrap();
    let file = first["rootFile"].as_str().unwrap().to_string();
    let listing = units
        .values()
        .filter(|u| u["files"].as_array().unwrap().iter().any(|f| *f == *file))
        .count();
    (file, listing as u64)
}

#[test]
fn copies_at_new_paths_take_the_records_over() {
    // A flake's next revision is the same tree at a new store path with an edit: each copy here
    // answers exactly as `--no-cache` does there (its root included), cargo runs only when one
    // of its inputs differs, and only the units reading the edited file are walked.
    let lib_bin_build = fixture("lib-bin-build");
    let with_flags = [
        (fixture("cfg-features"), &["--cfg", ""][..]),
        (lib_bin_build.clone(), &["--cfg", ""][..]),
        (examples()[0].clone(), &["--dependencies"][..]),
    ];
    let plain = fixtures()
        .into_iter()
        .chain(examples())
        .map(|w| (w, &[][..]));
    for (workspace, flags) in plain.chain(with_flags) {
        let name = format!("{} {flags:?}", workspace.display());
        let scratch = Scratch::new(|copy| copy_tree(&workspace, copy));
        let (first, ran) = scratch.cached_scan(flags);
        assert!(ran, "{name}: cold");
        let cargo_always_runs = flags.contains(&"--dependencies");
        let check = |dir: &Path, what: &str, runs_cargo: bool| {
            let (cached, ran) = scratch.cached_scan_at(dir, flags);
            let uncached = scratch.scan_at(dir, false, flags, &[]);
            assert_eq!(cached, uncached, "{name}: {what}");
            assert_eq!(
                ran,
                runs_cargo || cargo_always_runs,
                "{name}: {what}: cargo ran?"
            );
            model_of(&cached)
        };
        let copy = scratch.copy("a", "ws");
        let model = check(&copy, "an unchanged copy", false);
        assert_eq!(model["root"], copy.to_str().unwrap(), "{name}");
        let units = model["units"].as_object().unwrap().len() as u64;
        assert_eq!(scratch.record(&copy), (units, 0), "{name}: nothing walked");

        let (file, readers) = a_listed_source(&model_of(&first));
        let edited = scratch.copy("b", "other-name");
        append(&edited.join(&file), "\n// edited\n");
        check(&edited, "a copy with one edit", false);
        assert_eq!(
            scratch.record(&edited),
            (units, readers),
            "{name}: the units reading {file} walked"
        );

        let manifest = scratch.copy("c", "ws");
        append(
            &manifest.join("Cargo.toml"),
            "\n[workspace.metadata.edited]\nx = 1\n",
        );
        check(&manifest, "a copy with its manifest edited", true);
        assert_eq!(
            scratch.record(&manifest),
            (units, units),
            "{name}: a new answer of cargo's: every unit walked"
        );

        // The original, and each copy, still answer from their own records.
        for dir in [scratch.workspace(), copy, edited] {
            check(&dir, "again", false);
        }
    }
}

#[test]
fn records_serve_only_scans_with_the_same_options() {
    // The fingerprint's key holds what cargo answered, not the scan's options: a record is
    // found, at its location or for the workspace's identity, only by scans with the same
    // options. Each scan here, in place and in a copy, answers as `--no-cache` does.
    let scratch = Scratch::new(|copy| copy_tree(&fixture("cfg-features"), copy));
    let options: [&[&str]; 4] = [
        &[],
        &["--features", "fast", "--no-default-features"],
        &["--cfg", ""],
        &["--all-features"],
    ];
    let superset = scratch.scan(false, &[]);
    let fast = scratch.scan(false, options[1]);
    assert_ne!(superset, fast, "the options change the answer");
    for (i, flags) in options.iter().enumerate() {
        let (cached, _) = scratch.cached_scan(flags);
        assert_eq!(cached, scratch.scan(false, flags), "in place: {flags:?}");
        let copy = scratch.copy(&format!("options-{i}"), "ws");
        let (cached, _) = scratch.cached_scan_at(&copy, flags);
        assert_eq!(
            cached,
            scratch.scan_at(&copy, false, flags, &[]),
            "a copy: {flags:?}"
        );
    }
    // Each set of options has its own record in place, and its own lineage.
    for (i, flags) in options.iter().enumerate().rev() {
        assert!(!scratch.cached_scan(flags).1, "{flags:?}: stored");
        let copy = scratch.copy(&format!("again-{i}"), "ws");
        let (cached, ran) = scratch.cached_scan_at(&copy, flags);
        assert_eq!(
            cached,
            scratch.scan_at(&copy, false, flags, &[]),
            "{flags:?}"
        );
        assert!(!ran, "{flags:?}: cargo's answer taken over");
    }
}

#[test]
fn copies_below_new_ancestors_answer_as_a_fresh_scan_there() {
    // A package that is a workspace of its own until a parent directory's Cargo.toml claims it.
    let scratch = Scratch::new(|ws| {
        write_file(
            &ws.join("Cargo.toml"),
            "[package]\nname = \"lone\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        write_file(&ws.join("src/lib.rs"), "pub fn f() {}\n");
    });
    assert!(scratch.cached_scan(&[]).1, "cold");
    let below = |parent: &str, file: &str, text: &str| {
        let copy = scratch.copy(parent, "ws");
        write_file(&copy.parent().unwrap().join(file), text);
        let (cached, ran) = scratch.cached_scan_at(&copy, &[]);
        assert_eq!(cached, scratch.scan_at(&copy, false, &[], &[]), "{parent}");
        // A malformed configuration stops the scan before cargo runs.
        let malformed = text.starts_with("[source\n");
        assert_eq!(
            ran, !malformed,
            "{parent}: cargo ran (an ancestor's {file} appeared)"
        );
        cached
    };
    let member = below("claimed", "Cargo.toml", "[workspace]\nmembers = [\"ws\"]\n");
    let root = scratch.dir.path().join("claimed");
    assert_eq!(model_of(&member)["root"], root.to_str().unwrap());
    let refused = below("unlisted", "Cargo.toml", "[workspace]\n");
    assert_eq!(
        refused.0,
        Some(2),
        "cargo: believes it is in a workspace when it is not"
    );
    let malformed = below("malformed", ".cargo/config.toml", "[source\n");
    assert_eq!(malformed.0, Some(2), "{}", malformed.2);
    assert!(malformed.2.contains("config.toml"), "{}", malformed.2);
    let irrelevant = below("configured", ".cargo/config.toml", "[net]\nretry = 1\n");
    assert_eq!(
        model_of(&irrelevant)["units"],
        model_of(&scratch.scan(false, &[]))["units"]
    );
    // A record stored below such an ancestor is not taken over by a copy without it.
    let claimed = scratch.dir.path().join("claimed/ws");
    assert!(
        scratch.cached_scan_at(&claimed, &[]).1,
        "not yet stored: just written"
    );
    backdate(scratch.dir.path());
    assert!(scratch.cached_scan_at(&claimed, &[]).1, "stored now");
    assert!(!scratch.cached_scan_at(&claimed, &[]).1, "and used");
    let copy = scratch.dir.path().join("free/ws");
    copy_tree(&claimed, &copy);
    let (cached, ran) = scratch.cached_scan_at(&copy, &[]);
    assert_eq!(cached, scratch.scan_at(&copy, false, &[], &[]));
    assert!(ran);
}

#[test]
fn a_workspace_above_both_places_that_excludes_only_the_original() {
    // The same `Cargo.toml` lies above the original and the copy: its workspace excludes the
    // original's directory, not the copy's, so cargo answers otherwise in the copy.
    let scratch = Scratch::new(|ws| {
        write_file(
            &ws.join("Cargo.toml"),
            "[package]\nname = \"lone\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        write_file(&ws.join("src/lib.rs"), "pub fn f() {}\n");
    });
    let above = scratch.dir.path().join("above");
    write_file(
        &above.join("Cargo.toml"),
        "[workspace]\nexclude = [\"excluded\"]\n",
    );
    let original = above.join("excluded/ws");
    copy_tree(&scratch.workspace(), &original);
    backdate(&above);
    let (first, _) = scratch.cached_scan_at(&original, &[]);
    assert_eq!(first.0, Some(0), "{}", first.2);
    assert!(!scratch.cached_scan_at(&original, &[]).1, "stored");
    let copy = above.join("included/ws");
    copy_tree(&original, &copy);
    let (cached, _) = scratch.cached_scan_at(&copy, &[]);
    let fresh = scratch.scan_at(&copy, false, &[], &[]);
    assert_eq!(cached, fresh);
    assert_eq!(
        fresh.0,
        Some(2),
        "cargo: believes it is in a workspace when it is not"
    );
}

/// A workspace's `src/lib.rs`, written for the workspace's root.
type LibFor = fn(&Path) -> String;

#[test]
fn paths_naming_the_old_place_are_not_taken_over_elsewhere() {
    // Sources and manifests that name the tree's own location (an absolute path, or a relative
    // one leaving the tree and coming back) mean something else in a copy: there a fresh scan
    // fails, and so must the cached one.
    let workspaces: [(&str, LibFor); 4] = [
        ("an absolute #[path]", |ws| {
            format!(
                "#[path = \"{}\"]\nmod real;\n",
                ws.join("src/real.rs").display()
            )
        }),
        ("an include climbing out and back", |_| {
            "pub const D: &str = include_str!(\"../../ws/src/real.rs\");\n".to_string()
        }),
        ("an absolute path dependency", |_| {
            "pub fn f() {}\n".to_string()
        }),
        ("a build script's absolute rerun-if-changed", |_| {
            "pub fn f() {}\n".to_string()
        }),
    ];
    for (what, lib) in workspaces {
        let scratch = Scratch::new(|ws| {
            let mut manifest =
                "[package]\nname = \"here\"\nversion = \"0.1.0\"\nedition = \"2021\"\n".to_string();
            match what {
                "an absolute path dependency" => {
                    manifest += &format!(
                        "[dependencies]\ndep = {{ path = \"{}\" }}\n[workspace]\nmembers = [\"dep\"]\n",
                        ws.join("dep").display()
                    );
                    write_file(
                        &ws.join("dep/Cargo.toml"),
                        "[package]\nname = \"dep\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                    );
                    write_file(&ws.join("dep/src/lib.rs"), "\n");
                }
                "a build script's absolute rerun-if-changed" => {
                    write_file(
                        &ws.join("build.rs"),
                        format!(
                            "fn main() {{ println!(\"cargo:rerun-if-changed={}\"); }}\n",
                            ws.join("src/real.rs").display()
                        ),
                    );
                }
                _ => {}
            }
            write_file(&ws.join("Cargo.toml"), &manifest);
            write_file(&ws.join("src/lib.rs"), lib(ws));
            write_file(&ws.join("src/real.rs"), "pub fn real() {}\n");
        });
        let (here, _) = scratch.cached_scan(&[]);
        assert_eq!(here, scratch.scan(false, &[]), "{what}");
        assert_eq!(here.0, Some(0), "{what}: {}", here.2);
        assert!(!scratch.cached_scan(&[]).1, "{what}: stored");
        let copy = scratch.copy("elsewhere", "copy");
        let cached = scratch.scan_at(&copy, true, &[], &[]);
        let fresh = scratch.scan_at(&copy, false, &[], &[]);
        assert_eq!(cached, fresh, "{what}");
    }
}

#[test]
fn eviction_under_a_small_limit_with_concurrent_scans() {
    // Four workspaces edited and scanned at once with one cache directory whose limit holds a
    // few records, while `cache gc` trims it too: every answer is the uncached one, and at rest
    // the directory exceeds its limit by at most one record.
    let limit = 96 * 1024;
    let scratch = Scratch::new(|ws| {
        for (i, name) in ["nested-members", "macro-mods", "includes", "path-attrs"]
            .iter()
            .enumerate()
        {
            copy_tree(&fixture(name), &ws.join(i.to_string()));
        }
    });
    let limit_flag = limit.to_string();
    let flags = ["--cache-limit", limit_flag.as_str()];
    std::thread::scope(|s| {
        for i in 0..4 {
            let (scratch, flags) = (&scratch, &flags);
            s.spawn(move || {
                let ws = scratch.workspace().join(i.to_string());
                for round in 0..6 {
                    if round > 0 {
                        let lib = std::fs::read_dir(ws.join("src"))
                            .unwrap()
                            .map(|e| e.unwrap().path())
                            .find(|p| p.extension().is_some_and(|e| e == "rs"))
                            .unwrap();
                        append(&lib, &format!("\n// round {round}\n"));
                    }
                    let cached = scratch.scan_at(&ws, true, flags, &[]);
                    let uncached = scratch.scan_at(&ws, false, &[], &[]);
                    assert_eq!(cached, uncached, "workspace {i}, round {round}");
                    assert_eq!(cached.0, Some(0), "{}", cached.2);
                }
            });
        }
        let (scratch, limit_flag) = (&scratch, &limit_flag);
        s.spawn(move || {
            let cache = scratch.cache();
            for _ in 0..10 {
                let args = ["cache", "gc", "--cache-dir", cache.to_str().unwrap()];
                let output =
                    cli_with_env(&[&args[..], &["--cache-limit", limit_flag]].concat(), &[]);
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        });
    });
    let info = scratch.info();
    let largest_record = std::fs::read_dir(scratch.cache())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with("scan-"))
        .map(|e| {
            use std::os::unix::fs::MetadataExt;
            e.metadata().unwrap().blocks() * 512
        })
        .max()
        .unwrap_or(0);
    let total = info["total"]["bytes"].as_u64().unwrap();
    assert!(
        total <= limit + largest_record,
        "{total} bytes in the cache, limit {limit}, largest record {largest_record}: {info:#}"
    );
    assert!(
        info["record_list"].as_array().unwrap().len() < 4 * 6,
        "evicted"
    );
    // What is left still answers as an uncached scan; `gc` to 0 empties the directory.
    for i in 0..4 {
        let ws = scratch.workspace().join(i.to_string());
        assert_eq!(
            scratch.scan_at(&ws, true, &flags, &[]),
            scratch.scan_at(&ws, false, &[], &[])
        );
    }
    let cache = scratch.cache();
    let gc = [
        "cache",
        "gc",
        "--cache-limit",
        "0",
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    assert!(cli_with_env(&gc, &[]).status.success());
    assert_eq!(scratch.info()["total"]["files"], 0);
}

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
