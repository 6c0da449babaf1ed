//! cargo and rustc run exactly when one of their inputs changed: cargo's answer is stored with
//! its inputs (not when they changed while it ran), and `--mode rustc` reruns rustc only for
//! the units whose inputs changed.

use crate::changes::{check_changes_in, Change};
use crate::{append, backdate, Scratch};
use rust_unit_sources_tests::write_file;
use std::ffi::OsStr;
use std::path::Path;

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
