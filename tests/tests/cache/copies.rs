//! Copies of a workspace at new paths (a flake's next revision, say) take its records over:
//! unchanged, edited, below new parent `Cargo.toml` or configuration, or naming the old place,
//! each answers exactly as a fresh scan there.

use crate::{append, backdate, model_of, Scratch};
use rust_unit_sources_tests::{copy_tree, examples, fixture, fixtures, write_file};
use std::path::Path;

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
