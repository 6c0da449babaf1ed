//! The Nix side without the plugin's help: `cargo-unit-sources generate` (`units.nix`), the Nix
//! library in `nix/` (`fromFile`, `unitSource`, …) and the flake, under real Nix 2.8 and without
//! nixpkgs (a small stand-in plays nixpkgs where the flake needs it).
//!
//! Workspaces are copied to temporary directories before anything is edited or generated.
//! Store paths are computed by `nix-instantiate --eval` in read-only mode (nothing is written
//! to the store); where a test looks inside sources or builds, it uses a private store
//! (`--store <tmp>`), never the machine's `/nix/store`.

use rust_unit_sources_tests::{
    cli, cli_model, copy_tree, examples, fixture, fixtures, nix_error, nix_eval, nix_json,
    nix_path, nix_string, plugin, repo_root, strings, NIX_CONFIG,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `let l = <the library>; ws = <ws>; in <body>`, evaluated; with the plugin when `plugin`.
fn eval_in(ws: &Path, body: &str, plugin: bool) -> Value {
    nix_json(&nix_eval(
        &format!(
            "let l = import ./nix {{ }}; ws = {}; m = l.fromFile (ws + \"/units.nix\"); in {body}",
            nix_path(ws)
        ),
        plugin,
        &[],
    ))
}

/// [`eval_in`] with the sources it names copied into the local store `store` (a chroot
/// store below a temporary directory), so that their contents can be listed.
fn eval_in_store(ws: &Path, body: &str, store: &Path) -> Value {
    nix_json(&nix_eval(
        &format!(
            "let l = import ./nix {{ }}; ws = {}; m = l.fromFile (ws + \"/units.nix\"); in {body}",
            nix_path(ws)
        ),
        false,
        &["--store", store.to_str().unwrap(), "--read-write-mode"],
    ))
}

/// A copy of `source` in a new temporary directory, at `<tmp>/ws`, without any `units.nix`.
fn workspace_copy(source: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    copy_tree(source, &ws);
    let _ = std::fs::remove_file(ws.join("units.nix"));
    (tmp, ws)
}

/// `cargo-unit-sources generate --manifest-path <ws> <args>`.
fn generate(ws: &Path, args: &[&str]) -> Output {
    let mut all = vec!["generate", "--manifest-path", ws.to_str().unwrap()];
    all.extend_from_slice(args);
    cli(&all)
}

/// [`generate`], which must succeed silently.
fn generate_ok(ws: &Path, args: &[&str]) {
    let output = generate(ws, args);
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "generate {args:?} on {}: {output:?}",
        ws.display()
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The model without the units' `hash` (the library's `withoutHashes`).
fn without_hashes(model: &Value) -> Value {
    let mut model = model.clone();
    for unit in model["units"].as_object_mut().unwrap().values_mut() {
        unit.as_object_mut().unwrap().remove("hash");
    }
    model
}

/// A unit's files and manifests, sorted and unique (the library's `unitFiles`).
fn unit_files(unit: &Value) -> BTreeSet<String> {
    strings(&unit["files"])
        .into_iter()
        .chain(strings(&unit["manifests"]))
        .collect()
}

/// Every regular file below `dir`, relative and `/`-separated.
fn files_below(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                found.insert(rel.to_str().unwrap().to_string());
            }
        }
    }
    found
}

/// Every directory below `dir` (not `dir` itself), relative.
fn dirs_below(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                found.insert(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_string(),
                );
                stack.push(path);
            }
        }
    }
    found
}

/// The directories leading to `files` (the library's `ancestors`).
fn ancestors(files: &BTreeSet<String>) -> BTreeSet<String> {
    let mut dirs = BTreeSet::new();
    for file in files {
        let mut path = Path::new(file);
        while let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            dirs.insert(parent.to_str().unwrap().to_string());
            path = parent;
        }
    }
    dirs
}

/// Where a store path of a private store (`--store <store>`) is on disk.
fn in_store(store: &Path, store_path: &Value) -> PathBuf {
    store.join(store_path.as_str().unwrap().trim_start_matches('/'))
}

#[test]
fn units_nix_round_trips_with_the_plugin_on_every_fixture_and_example() {
    let all: Vec<PathBuf> = fixtures().into_iter().chain(examples()).collect();
    assert!(all.len() >= 6, "{all:?}");
    for source in all {
        let (tmp, ws) = workspace_copy(&source);
        generate_ok(&ws, &[]);
        // With hashes, outside the workspace: `root` is then relative ("../ws").
        let elsewhere = tmp.path().join("elsewhere/units.nix");
        std::fs::create_dir(elsewhere.parent().unwrap()).unwrap();
        generate_ok(&ws, &["--hashes", "-o", elsewhere.to_str().unwrap()]);
        assert!(read(&elsewhere).contains("\n  root = \"../ws\";\n"));

        let v = eval_in(
            &ws,
            &format!(
                "{{ plugin = l.fromPlugin ws; file = m; imported = import (ws + \"/units.nix\"); \
                 hashed = l.fromFile {elsewhere}; \
                 nixEqual = l.withoutHashes (l.fromPlugin ws) == m && l.fromPlugin ws == l.fromFile {elsewhere}; }}",
                elsewhere = nix_path(&elsewhere)
            ),
            true,
        );
        let what = source.display();
        let plugin = &v["plugin"];
        assert_eq!(plugin["root"], ws.to_str().unwrap(), "{what}");
        assert_eq!(*plugin, cli_model(&ws, &[]), "{what}: plugin vs CLI");
        // units.nix with --hashes: the plugin's value exactly, `root` included.
        assert_eq!(v["hashed"], *plugin, "{what}: fromFile (--hashes)");
        // units.nix: the plugin's value without `hash`; plain `import` has no `root` either.
        assert_eq!(v["file"], without_hashes(plugin), "{what}: fromFile");
        let mut imported = without_hashes(plugin);
        imported.as_object_mut().unwrap().remove("root");
        assert_eq!(v["imported"], imported, "{what}: import");
        assert_eq!(v["nixEqual"], true, "{what}: Nix's own ==");
    }
}

#[test]
fn checked_in_example_units_nix_is_current() {
    let example = repo_root().join("examples/cargo-like");
    let output = generate(&example, &["--check"]);
    assert!(
        output.status.success(),
        "examples/cargo-like/units.nix is stale; regenerate it with \
         `target/release/cargo-unit-sources generate --manifest-path examples/cargo-like`:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn generated_file_is_deterministic_relative_and_names_its_command() {
    let flags = [
        "--no-default-features",
        "--features",
        "fast",
        "--target",
        "x86_64-unknown-linux-gnu",
    ];
    let (_a, first) = workspace_copy(&fixture("cfg-features"));
    let (_b, second) = workspace_copy(&fixture("cfg-features"));
    generate_ok(&first, &flags);
    generate_ok(&second, &flags);
    let text = read(&first.join("units.nix"));
    assert_eq!(text, read(&second.join("units.nix")));
    assert!(!text.contains(first.to_str().unwrap()) && !text.contains("/tmp"));
    let command = "cargo unit-sources generate --features fast --no-default-features --target x86_64-unknown-linux-gnu";
    let head: Vec<&str> = text.lines().take(9).collect();
    assert_eq!(
        head,
        [
            "# Generated by `cargo unit-sources generate`; do not edit. For each unit of this Cargo",
            "# workspace, the files rustc reads (rust-unit-sources' unit model, docs/schema.md).",
            "# Nix: `rust-unit-sources.lib.fromFile ./units.nix` (sets `root`), or `import ./units.nix`.",
            &format!("# Regenerate, in the workspace root: {command}"),
            &format!("# Check it is current (CI, hooks):  {command} --check"),
            "# Paths are relative to this file's directory; units omit `hash` (add --hashes for it).",
            "{",
            "  version = 3;",
            "  units = {",
        ]
    );
    assert!(text.ends_with("\n  };\n}\n"));
    // The header's command, run in the workspace root, writes the same bytes.
    std::fs::remove_file(first.join("units.nix")).unwrap();
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    let output = Command::new(repo_root().join("target/release/cargo-unit-sources"))
        .args(&words)
        .current_dir(&first)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(read(&first.join("units.nix")), text);
    // The same flags through the plugin give the same model.
    let v = eval_in(
        &first,
        "l.withoutHashes (l.fromPlugin { src = ws; features = [ \"fast\" ]; noDefaultFeatures = true; \
         target = \"x86_64-unknown-linux-gnu\"; }) == m",
        true,
    );
    assert_eq!(v, true);

    // `-o` in a subdirectory: `root` relative to it, and the command names the file.
    std::fs::create_dir(first.join("nix")).unwrap();
    let output = Command::new(repo_root().join("target/release/cargo-unit-sources"))
        .args(["generate", "-o", "nix/units.nix"])
        .current_dir(&first)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let nested = read(&first.join("nix/units.nix"));
    assert!(nested.contains(
        "\n# Regenerate, in the workspace root: cargo unit-sources generate -o nix/units.nix\n"
    ));
    assert!(nested.contains("\n  version = 3;\n  root = \"..\";\n  units = {\n"));
    let v = eval_in(
        &first,
        "let n = l.fromFile (ws + \"/nix/units.nix\"); in [ n.root (l.withoutHashes (l.fromPlugin ws) == n) ]",
        true,
    );
    assert_eq!(v, json!([first.to_str().unwrap(), true]));
}

#[test]
fn check_passes_when_current_and_catches_a_module_added() {
    let (_tmp, ws) = workspace_copy(&fixture("nested-members"));
    let missing = generate(&ws, &["--check"]);
    assert_eq!(missing.status.code(), Some(1));
    let stdout = String::from_utf8(missing.stdout).unwrap();
    assert!(
        stdout.starts_with("--- /dev/null\n+++ b/units.nix\n@@ -0,0 +1,"),
        "{stdout}"
    );
    assert!(!ws.join("units.nix").exists(), "--check wrote the file");

    generate_ok(&ws, &[]);
    generate_ok(&ws, &["--check"]);
    let current = read(&ws.join("units.nix"));

    // An edit that keeps every unit's file list: still current (units.nix has no hashes).
    let lib_rs = ws.join("src/lib.rs");
    let original = read(&lib_rs);
    std::fs::write(&lib_rs, format!("{original}\n// edited\n")).unwrap();
    generate_ok(&ws, &["--check"]);

    // A new module: stale, with a diff that adds it to exactly the units that now read it.
    std::fs::write(&lib_rs, format!("{original}\npub mod extra;\n")).unwrap();
    std::fs::write(ws.join("src/extra.rs"), "pub fn extra() {}\n").unwrap();
    let stale = generate(&ws, &["--check"]);
    assert_eq!(stale.status.code(), Some(1), "{stale:?}");
    assert_eq!(
        String::from_utf8_lossy(&stale.stderr),
        "units.nix: stale; regenerate it, in the workspace root, with: cargo unit-sources generate\n"
    );
    assert_eq!(
        read(&ws.join("units.nix")),
        current,
        "--check wrote the file"
    );
    let diff = String::from_utf8(stale.stdout).unwrap();
    assert!(
        diff.starts_with("--- a/units.nix\n+++ b/units.nix\n@@ "),
        "{diff}"
    );
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    let readers = cli_model(&ws, &[])["units"]
        .as_object()
        .unwrap()
        .values()
        .filter(|u| strings(&u["files"]).contains(&"src/extra.rs".to_string()))
        .count();
    assert!(
        readers >= 2,
        "the library and its test harness read src/extra.rs"
    );
    assert_eq!(
        changed,
        vec!["+        \"src/extra.rs\""; readers],
        "{diff}"
    );
    // The diff applies (`patch -p1` in the workspace root) and makes the file current.
    let patch = Command::new("patch")
        .args(["-p1", "--batch", "--silent", "-i", "-"])
        .current_dir(&ws)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(diff.as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(patch.success());
    generate_ok(&ws, &["--check"]);

    // With --hashes, any content edit makes the file stale.
    generate_ok(&ws, &["--hashes"]);
    generate_ok(&ws, &["--hashes", "--check"]);
    std::fs::write(ws.join("src/extra.rs"), "pub fn extra() { }\n").unwrap();
    assert_eq!(
        generate(&ws, &["--hashes", "--check"]).status.code(),
        Some(1)
    );

    let to_stdout = generate(&ws, &["--check", "-o", "-"]);
    assert_eq!(to_stdout.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&to_stdout.stderr),
        "error: --check needs a file to compare with, not `-o -`\n"
    );
}

#[test]
fn a_units_nix_inside_a_widened_directory_lists_itself() {
    // macro-includes widens a unit to every file below the root, units.nix included.
    let (_tmp, ws) = workspace_copy(&fixture("macro-includes"));
    generate_ok(&ws, &[]);
    generate_ok(&ws, &["--check"]);
    let model = eval_in(&ws, "m", false);
    let listing: Vec<&String> = model["units"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, u)| strings(&u["files"]).contains(&"units.nix".to_string()))
        .map(|(id, _)| id)
        .collect();
    assert!(!listing.is_empty(), "no unit lists units.nix");
    let hashes = generate(&ws, &["--hashes"]);
    assert_eq!(hashes.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&hashes.stderr),
        format!(
            "error: units.nix: the file is itself among the files of unit {} (widened), so its \
             `hash` can never be current: drop --hashes or write the file elsewhere\n",
            listing[0]
        )
    );
}

/// `sourcesByUnit` of the workspace's units.nix: id → store path (computed, not copied).
fn unit_source_paths(ws: &Path) -> BTreeMap<String, String> {
    let v = eval_in(ws, "l.sourcesByUnit { root = ws; model = m; }", false);
    v.as_object()
        .unwrap()
        .iter()
        .map(|(id, p)| (id.clone(), p.as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn editing_a_file_changes_exactly_the_unit_sources_that_hold_it() {
    let (_tmp, ws) = workspace_copy(&fixture("nested-members"));
    generate_ok(&ws, &[]);
    let model = eval_in(&ws, "m", false);
    let units = model["units"].as_object().unwrap();
    let baseline = unit_source_paths(&ws);
    assert_eq!(
        baseline.keys().collect::<Vec<_>>(),
        units.keys().collect::<Vec<_>>()
    );
    let distinct: BTreeSet<&String> = baseline.values().collect();
    assert_eq!(distinct.len(), baseline.len(), "two units share a source");

    let mut touched: BTreeSet<String> = BTreeSet::new();
    let files = files_below(&ws);
    assert!(files.len() >= 19, "{files:?}");
    for file in &files {
        let path = ws.join(file);
        let original = std::fs::read(&path).unwrap();
        let mut edited = original.clone();
        edited.extend_from_slice(b"\n# edited\n");
        std::fs::write(&path, &edited).unwrap();
        let after = unit_source_paths(&ws);
        std::fs::write(&path, &original).unwrap();

        let changed: BTreeSet<String> = baseline
            .iter()
            .filter(|(id, p)| after[*id] != **p)
            .map(|(id, _)| id.clone())
            .collect();
        let holders: BTreeSet<String> = units
            .iter()
            .filter(|(_, u)| unit_files(u).contains(file))
            .map(|(id, _)| id.clone())
            .collect();
        assert_eq!(changed, holders, "editing {file}");
        touched.extend(changed);
    }
    assert_eq!(
        touched,
        units.keys().cloned().collect::<BTreeSet<_>>(),
        "some unit's source never changed"
    );
    assert_eq!(
        unit_source_paths(&ws),
        baseline,
        "restored files, same sources"
    );
}

#[test]
fn sources_hold_exactly_their_files_on_every_fixture_and_example() {
    let all: Vec<PathBuf> = fixtures().into_iter().chain(examples()).collect();
    for source in all {
        let (tmp, ws) = workspace_copy(&source);
        generate_ok(&ws, &[]);
        let store = tmp.path().join("store");
        let store_arg = store.to_str().unwrap();
        let v = nix_json(&nix_eval(
            &format!(
                "let l = import ./nix {{ }}; ws = {}; m = l.fromFile (ws + \"/units.nix\"); in {{ \
                 model = m; srcs = l.sourcesByUnit {{ root = ws; model = m; }}; \
                 byString = l.sourcesByUnit {{ model = m; }}; }}",
                nix_path(&ws)
            ),
            false,
            &["--store", store_arg, "--read-write-mode"],
        ));
        let what = source.display();
        assert_eq!(
            v["byString"], v["srcs"],
            "{what}: root as the model's string"
        );
        for (id, unit) in v["model"]["units"].as_object().unwrap() {
            let expected = unit_files(unit);
            for file in &expected {
                assert!(ws.join(file).is_file(), "{what}: {id} lists missing {file}");
            }
            let src = &v["srcs"][id];
            assert!(
                src.as_str().unwrap().ends_with(&format!(
                    "-{}-{}-{}-source",
                    unit["package"].as_str().unwrap(),
                    unit["kind"].as_str().unwrap(),
                    unit["target"].as_str().unwrap()
                )),
                "{what}: {src}"
            );
            let copied = in_store(&store, src);
            assert_eq!(files_below(&copied), expected, "{what}: {id}");
            assert_eq!(
                dirs_below(&copied),
                ancestors(&expected),
                "{what}: {id} dirs"
            );
        }
    }
}

#[test]
fn package_and_cargo_sources_hold_their_units_files() {
    let (tmp, ws) = workspace_copy(&fixture("nested-members"));
    generate_ok(&ws, &[]);
    let store = tmp.path().join("store");
    let v = nix_json(&nix_eval(
        &format!(
            "let l = import ./nix {{ }}; ws = {}; m = l.fromFile (ws + \"/units.nix\"); in {{ \
             model = m; closure = l.depClosure m \"app/bin/app\"; \
             cargo = l.cargoSrc {{ root = ws; model = m; ids = l.depClosure m \"app/bin/app\"; }}; \
             app = l.packageSrc {{ root = ws; model = m; package = \"app\"; }}; \
             appTests = l.packageSrc {{ root = ws; model = m; package = \"app\"; tests = true; }}; \
             union = l.unionSource {{ root = ws; model = m; ids = [ \"util/lib/util\" \"derive/proc-macro/derive\" ]; extraFiles = [ \"build.rs\" ]; }}; }}",
            nix_path(&ws)
        ),
        false,
        &["--store", store.to_str().unwrap(), "--read-write-mode"],
    ));
    let units = v["model"]["units"].as_object().unwrap();
    let files_of = |ids: &mut dyn Iterator<Item = &String>| -> BTreeSet<String> {
        ids.flat_map(|id| unit_files(&units[id])).collect()
    };
    let closure = strings(&v["closure"]);
    let mut cargo_expected: BTreeSet<String> = closure
        .iter()
        .flat_map(|id| strings(&units[id]["files"]))
        .chain(units.values().flat_map(|u| strings(&u["manifests"])))
        .chain(
            units
                .values()
                .map(|u| u["manifest"].as_str().unwrap().to_string()),
        )
        .collect();
    cargo_expected.insert("Cargo.toml".to_string());
    assert_eq!(files_below(&in_store(&store, &v["cargo"])), cargo_expected);

    let test_kinds = ["test", "bench", "example", "lib-test", "bin-test"];
    let app: Vec<&String> = units
        .iter()
        .filter(|(_, u)| u["package"] == "app")
        .map(|(id, _)| id)
        .collect();
    let app_built = files_of(
        &mut app
            .iter()
            .copied()
            .filter(|id| !test_kinds.contains(&units[*id]["kind"].as_str().unwrap())),
    );
    assert_eq!(files_below(&in_store(&store, &v["app"])), app_built);
    assert_eq!(
        files_below(&in_store(&store, &v["appTests"])),
        files_of(&mut app.iter().copied())
    );
    assert!(app_built.len() < files_of(&mut app.iter().copied()).len());
    let mut union = files_of(
        &mut [
            "util/lib/util".to_string(),
            "derive/proc-macro/derive".to_string(),
        ]
        .iter(),
    );
    union.insert("build.rs".to_string());
    assert_eq!(files_below(&in_store(&store, &v["union"])), union);
}

/// `ids` and every unit reachable through `deps`, by breadth-first search (sorted).
fn closure_of(units: &serde_json::Map<String, Value>, ids: &[&str]) -> Vec<String> {
    let mut seen: BTreeSet<String> = ids.iter().map(|s| s.to_string()).collect();
    let mut queue: Vec<String> = seen.iter().cloned().collect();
    while let Some(id) = queue.pop() {
        for dep in strings(&units[&id]["deps"]) {
            if seen.insert(dep.clone()) {
                queue.push(dep);
            }
        }
    }
    seen.into_iter().collect()
}

#[test]
fn selection_closure_and_override_helpers() {
    for source in fixtures().into_iter().chain(examples()) {
        let (tmp, ws) = workspace_copy(&source);
        generate_ok(&ws, &[]);
        let store = tmp.path().join("store");
        let v = eval_in_store(
            &ws,
            "let ids = builtins.attrNames m.units; in { \
             model = m; \
             closures = builtins.listToAttrs (map (id: { name = id; value = l.depClosure m id; }) ids); \
             pairClosure = l.depClosure m [ (builtins.head ids) (builtins.elemAt ids 1) ]; \
             libs = l.unitsOfKind m \"lib\"; \
             binsAndLibs = l.unitsOfKind m [ \"bin\" \"lib\" ]; \
             firstPackage = l.selectUnits m { package = (builtins.head (builtins.attrValues m.units)).package; kind = [ \"bin\" \"lib\" \"proc-macro\" ]; }; \
             byTarget = l.selectUnits m { target = (builtins.head (builtins.attrValues m.units)).target; }; \
             all = l.selectUnits m { }; \
             packageDirs = builtins.mapAttrs (_: u: l.packageDir u) m.units; \
             overrides = builtins.mapAttrs (package: f: let plain = f { }; tests = f { buildTests = true; }; in { \
               inherit (plain) workspace_member; \
               src = \"${plain.src}\"; testSrc = \"${tests.src}\"; \
               member = tests.workspace_member == plain.workspace_member; }) (l.crateOverrides { model = m; }); \
             fileset = builtins.mapAttrs (_: unit: l.unitFileset { root = ws; inherit unit; fileset = { unions = map toString; }; }) m.units; \
             filesetViaLib = builtins.mapAttrs (_: unit: (import ./nix { lib = { fileset = { unions = map toString; }; }; }).unitFileset { root = toString ws; inherit unit; }) m.units; \
             }",
            &store,
        );
        let what = source.display();
        let units = v["model"]["units"].as_object().unwrap();
        let ids: Vec<&String> = units.keys().collect();
        let select = |pred: &dyn Fn(&Value) -> bool| -> Value {
            json!(units
                .iter()
                .filter(|(_, u)| pred(u))
                .map(|(id, _)| id)
                .collect::<Vec<_>>())
        };
        for id in &ids {
            assert_eq!(
                strings(&v["closures"][id.as_str()]),
                closure_of(units, &[id.as_str()]),
                "{what}: {id}"
            );
        }
        assert_eq!(
            strings(&v["pairClosure"]),
            closure_of(units, &[ids[0].as_str(), ids[1].as_str()])
        );
        assert_eq!(v["libs"], select(&|u| u["kind"] == "lib"), "{what}");
        assert_eq!(
            v["binsAndLibs"],
            select(&|u| u["kind"] == "lib" || u["kind"] == "bin"),
            "{what}"
        );
        let first = &units[ids[0]];
        assert_eq!(
            v["firstPackage"],
            select(&|u| u["package"] == first["package"]
                && ["bin", "lib", "proc-macro"].contains(&u["kind"].as_str().unwrap())),
            "{what}"
        );
        assert_eq!(v["byTarget"], select(&|u| u["target"] == first["target"]));
        assert_eq!(v["all"], json!(ids));

        let mut dirs = BTreeMap::new();
        for (id, unit) in units {
            let manifest = unit["manifest"].as_str().unwrap();
            let dir = Path::new(manifest).parent().unwrap().to_str().unwrap();
            let dir = if dir.is_empty() { "." } else { dir };
            assert_eq!(v["packageDirs"][id], dir, "{what}: {id}");
            dirs.insert(
                unit["package"].as_str().unwrap().to_string(),
                dir.to_string(),
            );
            let expected: Vec<String> = unit_files(unit)
                .iter()
                .map(|f| format!("{}/{f}", ws.display()))
                .collect();
            assert_eq!(strings(&v["fileset"][id]), expected, "{what}: {id}");
            assert_eq!(strings(&v["filesetViaLib"][id]), expected, "{what}: {id}");
        }
        // What crate2nix's buildRustCrate gets as `src` for a package: the files and manifests
        // of its library, binaries and build script, or of every unit with `buildTests`.
        let test_kinds = ["test", "bench", "example", "lib-test", "bin-test"];
        let package_files = |package: &str, tests: bool| -> BTreeSet<String> {
            units
                .values()
                .filter(|u| u["package"] == package)
                .filter(|u| tests || !test_kinds.contains(&u["kind"].as_str().unwrap()))
                .flat_map(unit_files)
                .collect()
        };
        for (package, dir) in dirs {
            let o = &v["overrides"][&package];
            assert_eq!(o["workspace_member"], dir.as_str(), "{what}: {package}");
            assert_eq!(o["member"], true, "{what}: {package}");
            for (field, tests) in [("src", false), ("testSrc", true)] {
                assert_eq!(
                    files_below(&in_store(&store, &o[field])),
                    package_files(&package, tests),
                    "{what}: {package}: {field}"
                );
            }
        }
        assert_eq!(
            v["overrides"].as_object().unwrap().len(),
            units
                .values()
                .map(|u| u["package"].as_str().unwrap())
                .collect::<BTreeSet<_>>()
                .len(),
            "{what}"
        );
    }
}

#[test]
fn library_errors_name_what_is_wrong() {
    let (tmp, ws) = workspace_copy(&fixture("nested-members"));
    generate_ok(&ws, &[]);
    let other = tmp.path().join("other-version.nix");
    std::fs::write(&other, "{ version = 2; units = { }; }\n").unwrap();
    let error = |expr: &str| {
        nix_error(&nix_eval(
            &format!(
                "let l = import ./nix {{ }}; ws = {}; in {expr}",
                nix_path(&ws)
            ),
            false,
            &[],
        ))
    };
    assert_eq!(
        error(&format!("l.fromFile {}", nix_path(&other))),
        format!(
            "error: rust-unit-sources: fromFile: {}: model version 2 is not supported; this library reads version 3",
            other.display()
        )
    );
    assert_eq!(
        error("l.depClosure (l.fromFile (ws + \"/units.nix\")) \"app/lib/nope\""),
        format!(
            "error: rust-unit-sources: depClosure: no unit `app/lib/nope` in the model of {}",
            ws.display()
        )
    );
    assert_eq!(
        error("let m = l.fromFile (ws + \"/units.nix\"); in l.unitFileset { root = ws; unit = m.units.\"util/lib/util\"; }"),
        "error: rust-unit-sources: unitFileset: needs nixpkgs' lib: import the library with { inherit lib; } or pass fileset = lib.fileset"
    );
    for function in ["unionSource", "cargoSrc"] {
        assert_eq!(
            error(&format!(
                "l.{function} {{ model = l.fromFile (ws + \"/units.nix\"); ids = [ \"app/lib/nope\" ]; }}"
            )),
            format!(
                "error: rust-unit-sources: {function}: no unit `app/lib/nope` in the model of {}",
                ws.display()
            )
        );
    }
    // A string naming the file works as the path does.
    let v = eval_in(
        &ws,
        &format!("l.fromFile {} == m", nix_string(&ws.join("units.nix"))),
        false,
    );
    assert_eq!(v, true);
}

#[test]
fn the_librarys_nix_unit_tests_pass() {
    // nix/tests.nix: `lib.runTests`-style cases on a literal model; it evaluates to the failed
    // cases. Given a `lib` whose `runTests` lists the cases, it shows that there are some.
    let failures = nix_json(&nix_eval("import ./nix/tests.nix { }", false, &[]));
    assert_eq!(failures, json!([]));
    let cases = strings(&nix_json(&nix_eval(
        "import ./nix/tests.nix { lib.runTests = builtins.attrNames; }",
        false,
        &[],
    )));
    assert!(cases.len() >= 40, "{cases:?}");
    assert!(cases.iter().all(|c| c.starts_with("test")), "{cases:?}");
}

// ---------------------------------------------------------------------------------------------
// The README's table of the library's functions.

/// The heading of README.md's section on the Nix library, which holds the table.
const LIBRARY_HEADING: &str = "## The Nix library (`nix/default.nix`, the flake's `lib`)";

/// The `` `…` `` spans of `text`, in order.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The rows of the table in README.md's [`LIBRARY_HEADING`] section: for each, the names its
/// first column gives (the first word of each code span: `` `depClosure model id` `` gives
/// `depClosure`) and its second column.
fn readme_library_rows() -> Vec<(Vec<String>, String)> {
    let readme = read(&repo_root().join("README.md"));
    let section = rust_unit_sources_tests::doc_sections::section(&readme, LIBRARY_HEADING)
        .expect("README.md has the library's section");
    let rows: Vec<(Vec<String>, String)> = section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 2, "a row of two cells: {line}");
            let names = code_spans(cells[0])
                .iter()
                .map(|span| span.split(' ').next().unwrap().to_string())
                .collect();
            (names, cells[1].trim().to_string())
        })
        .collect();
    assert!(rows.len() >= 10, "{section}");
    rows
}

/// The aliases `nix/default.nix` defines (a line `old = self.new;`): old name → new name.
fn library_aliases() -> BTreeMap<String, String> {
    let identifier = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric());
    read(&repo_root().join("nix/default.nix"))
        .lines()
        .filter_map(|line| {
            let (name, value) = line.trim().split_once(" = self.")?;
            let target = value.strip_suffix(';')?;
            (identifier(name) && identifier(target)).then(|| (name.to_string(), target.to_string()))
        })
        .collect()
}

#[test]
fn readme_table_names_every_exported_name_once_and_marks_the_aliases() {
    // What the library, the flake's `lib` and the overlay's `pkgs.rustUnitSources` export.
    let tmp = tempfile::tempdir().unwrap();
    stand_in(tmp.path(), "2.8.0");
    let exported = nix_json(&nix_eval(
        &flake_expr(
            tmp.path(),
            "{ library = builtins.attrNames (import ./nix { }); \
             flake = builtins.attrNames outputs.lib; \
             overlay = builtins.attrNames (import nixpkgs { overlays = [ outputs.overlays.default ]; }).rustUnitSources; }",
        ),
        false,
        &[],
    ));
    let library: BTreeSet<String> = strings(&exported["library"]).into_iter().collect();
    assert_eq!(exported["flake"], exported["library"]);
    assert_eq!(exported["overlay"], exported["library"]);

    let rows = readme_library_rows();
    let listed: Vec<String> = rows.iter().flat_map(|(names, _)| names.clone()).collect();
    let listed_set: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(
        listed.len(),
        listed_set.len(),
        "a name in two rows: {listed:?}"
    );
    assert_eq!(
        library.difference(&listed_set).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "exported by nix/default.nix, without a row in README.md's table"
    );
    assert_eq!(
        listed_set.difference(&library).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "in README.md's table, not exported by nix/default.nix"
    );

    // The aliases' rows: "deprecated aliases of `new`, …", the old names in the same order.
    let marked: BTreeMap<String, String> = rows
        .iter()
        .filter(|(_, result)| result.contains("alias"))
        .flat_map(|(names, result)| {
            assert!(result.starts_with("deprecated alias"), "{result}");
            let targets = code_spans(result);
            assert_eq!(names.len(), targets.len(), "{names:?} → {targets:?}");
            names
                .iter()
                .cloned()
                .zip(targets.into_iter().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect();
    let aliases = library_aliases();
    for (old, new) in &aliases {
        assert!(
            library.contains(old) && library.contains(new),
            "{old} = self.{new}"
        );
    }
    assert_eq!(marked, aliases);
}

// ---------------------------------------------------------------------------------------------
// The flake, with a stand-in for nixpkgs.

/// The directory of this machine's Rust toolchain.
fn sysroot() -> PathBuf {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
}

/// A copy of the stand-in nixpkgs (tests/nix/stand-in-nixpkgs) in `dir`, with the `paths.nix`
/// it reads: this machine's artifacts, and `nix_version` as its `nix`'s version.
fn stand_in(dir: &Path, nix_version: &str) {
    let release = repo_root().join("target/release");
    let nix_instantiate = std::fs::canonicalize("/usr/bin/nix-instantiate").unwrap();
    let paths = format!(
        "{{ cli = {}; plugin = {}; pluginImpl = {}; sysroot = {}; nixInstantiate = {}; nixVersion = \"{nix_version}\"; }}\n",
        nix_string(&release.join("cargo-unit-sources")),
        nix_string(&plugin()),
        nix_string(&plugin().with_file_name("librust_unit_sources_nix_impl.so")),
        nix_string(&sysroot()),
        nix_string(&nix_instantiate),
    );
    copy_tree(&repo_root().join("tests/nix/stand-in-nixpkgs"), dir);
    std::fs::write(dir.join("paths.nix"), paths).unwrap();
}

/// `let outputs = <flake.nix's outputs, with the stand-in as nixpkgs>; in <body>`.
fn flake_expr(stand_in_dir: &Path, body: &str) -> String {
    format!(
        "let flake = import ./flake.nix; \
         nixpkgs = {{ outPath = {dir}; lib = import ({dir} + \"/lib.nix\"); }}; \
         outputs = flake.outputs {{ self = outputs; inherit nixpkgs; }}; \
         system = \"x86_64-linux\"; in {body}",
        dir = nix_path(stand_in_dir)
    )
}

#[test]
fn flake_parses_and_every_file_it_imports_evaluates() {
    for file in [
        "flake.nix",
        "nix/default.nix",
        "nix/overlay.nix",
        "nix/package.nix",
        "nix/shell.nix",
        "nix/checks.nix",
        "nix/tests.nix",
        "nix/lib/internal.nix",
        "nix/lib/model.nix",
        "nix/lib/sources.nix",
        "nix/lib/selection.nix",
        "nix/lib/overrides.nix",
        "nix/lib/tests/fixtures.nix",
        "nix/lib/tests/model.nix",
        "nix/lib/tests/sources.nix",
        "nix/lib/tests/selection.nix",
        "nix/lib/tests/overrides.nix",
    ] {
        let output = Command::new("nix-instantiate")
            .args(["--parse", file])
            .current_dir(repo_root())
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .unwrap();
        assert!(output.status.success(), "{file}: {output:?}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let supported = tmp.path().join("nixpkgs-2.8");
    let unsupported = tmp.path().join("nixpkgs-2.18");
    stand_in(&supported, "2.8.0");
    stand_in(&unsupported, "2.18.1");
    let cargo_toml = read(&repo_root().join("Cargo.toml"));
    let version = cargo_toml
        .lines()
        .skip_while(|l| *l != "[workspace.package]")
        .find_map(|l| l.strip_prefix("version = "))
        .unwrap()
        .trim_matches('"')
        .to_string();

    let v = nix_json(&nix_eval(
        &flake_expr(
            &supported,
            "let p = outputs.packages.${system}; d = p.default; cli = p.cargo-unit-sources; \
             shell = outputs.devShells.${system}.default; in { \
             inherit (d) pname version cargoBuildFlags NIX_VERSION postInstall meta doCheck; \
             sameAsNamed = d.drvPath == p.rust-unit-sources.drvPath; \
             cli = { inherit (cli) pname version cargoBuildFlags postInstall; hasNixVersion = cli ? NIX_VERSION; broken = cli.meta.broken; }; \
             lockFile = toString d.cargoLock.lockFile; \
             shell = { inputsFrom = map (p: p.pname) shell.inputsFrom; packages = map (p: p.pname or p.name) shell.packages; inherit (shell) NIX_VERSION; }; \
             checks = builtins.attrNames outputs.checks.${system}; \
             checkDrvs = builtins.mapAttrs (_: c: c.drvPath) outputs.checks.${system}; \
             systems = builtins.attrNames outputs.packages; \
             libFromFlake = let m = outputs.lib.fromFile ./examples/cargo-like/units.nix; unit = m.units.\"cargo-util/lib/cargo_util\"; in { \
               got = outputs.lib.unitFileset { root = ./examples/cargo-like; inherit unit; }; \
               want = map (f: m.root + \"/\" + f) (outputs.lib.unitFiles unit); }; \
             overlayLib = (import nixpkgs { overlays = [ outputs.overlays.default ]; }).rustUnitSources.unitFiles { files = [ \"b\" \"a\" ]; manifests = [ \"a\" ]; }; \
             }",
        ),
        false,
        &[],
    ));
    assert_eq!(v["pname"], "rust-unit-sources");
    assert_eq!(v["version"], version.as_str());
    assert_eq!(v["sameAsNamed"], true);
    assert_eq!(
        v["cargoBuildFlags"],
        json!([
            "--package",
            "cargo-unit-sources",
            "--package",
            "rust-unit-sources-nix",
            "--package",
            "rust-unit-sources-nix-loader"
        ])
    );
    assert_eq!(v["NIX_VERSION"], "2.8.0");
    assert_eq!(v["doCheck"], false);
    let post_install = v["postInstall"].as_str().unwrap();
    assert!(
        post_install.contains(
            "mkdir -p $out/lib/nix/plugins\nmv $out/lib/librust_unit_sources_nix.so $out/lib/nix/plugins/\n"
        ),
        "{post_install}"
    );
    assert_eq!(v["meta"]["broken"], false);
    assert_eq!(v["meta"]["mainProgram"], "cargo-unit-sources");
    assert_eq!(
        v["meta"]["platforms"],
        json!(["x86_64-linux", "aarch64-linux"])
    );
    assert_eq!(
        v["meta"]["license"],
        json!([{ "spdxId": "MIT" }, { "spdxId": "Apache-2.0" }])
    );
    assert!(v["meta"]["description"].as_str().unwrap().len() > 20);
    assert_eq!(v["cli"]["pname"], "cargo-unit-sources");
    assert_eq!(v["cli"]["version"], version.as_str());
    assert_eq!(
        v["cli"]["cargoBuildFlags"],
        json!(["--package", "cargo-unit-sources"])
    );
    assert_eq!(v["cli"]["hasNixVersion"], false);
    assert_eq!(v["cli"]["broken"], false);
    assert!(!v["cli"]["postInstall"]
        .as_str()
        .unwrap()
        .contains("plugins"));
    assert_eq!(
        v["lockFile"],
        repo_root().join("Cargo.lock").to_str().unwrap()
    );
    assert_eq!(
        v["shell"],
        json!({ "inputsFrom": ["rust-unit-sources"], "packages": ["clippy", "rustfmt", "nix-2.8.0"], "NIX_VERSION": "2.8.0" })
    );
    assert_eq!(
        v["checks"],
        json!([
            "cli",
            "plugin",
            "plugin-latest",
            "plugin-nix_2_28",
            "plugin-round-trip",
            "unit-srcs",
            "units-nix"
        ])
    );
    assert_eq!(v["systems"], json!(["aarch64-linux", "x86_64-linux"]));
    assert_eq!(v["libFromFlake"]["got"], v["libFromFlake"]["want"]);
    assert!(strings(&v["libFromFlake"]["got"]).len() >= 3);
    assert_eq!(v["overlayLib"], json!(["a", "b"]));

    // The package's source: the workspace's manifests, lock file, Rust and C++ sources.
    let store = tmp.path().join("store");
    let src = nix_json(&nix_eval(
        &flake_expr(&supported, "outputs.packages.${system}.default.src"),
        false,
        &["--store", store.to_str().unwrap(), "--read-write-mode"],
    ));
    let root = repo_root();
    let mut expected: BTreeSet<String> = ["Cargo.toml", "Cargo.lock", "tests/Cargo.toml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for dir in ["rust", "tests/support"] {
        expected.extend(
            files_below(&root.join(dir))
                .into_iter()
                .map(|f| format!("{dir}/{f}")),
        );
    }
    assert_eq!(files_below(&in_store(&store, &src)), expected);

    // Nix versions the plugin does not support: broken, and no plugin checks.
    let v = nix_json(&nix_eval(
        &flake_expr(
            &unsupported,
            "{ broken = outputs.packages.${system}.default.meta.broken; \
             cli = outputs.packages.${system}.cargo-unit-sources.meta.broken; \
             checks = builtins.attrNames outputs.checks.${system}; }",
        ),
        false,
        &[],
    ));
    assert_eq!(
        v,
        json!({ "broken": true, "cli": false, "checks": ["cli", "unit-srcs", "units-nix"] })
    );
}

/// Builds the flake's checks of the repository copy `repo` with the stand-in, in the private
/// store `store`; returns whether it succeeded, the built paths and the names of the failed
/// derivations.
fn build_checks(
    repo: &Path,
    nixpkgs: &Path,
    store: &Path,
) -> (bool, Vec<String>, BTreeSet<String>) {
    let release = repo_root().join("target/release");
    let sandbox_paths = format!(
        "/bin /usr /lib /lib64 /etc {} {}",
        release.display(),
        sysroot().display()
    );
    let output = Command::new("nix-build")
        .args(["--no-out-link", "--keep-going", "--store"])
        .arg(store)
        .args(["--option", "substituters", ""])
        .args([
            "--option",
            "sandbox",
            "true",
            "--option",
            "sandbox-paths",
            &sandbox_paths,
        ])
        .args(["-E", &flake_expr(nixpkgs, "outputs.checks.${system}")])
        .current_dir(repo)
        .env("NIX_CONFIG", NIX_CONFIG)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failed = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: builder for '/nix/store/"))
        .map(|l| l[33..].split(".drv'").next().unwrap().to_string())
        .collect();
    let built = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l[44..].to_string())
        .collect();
    (output.status.success(), built, failed)
}

#[test]
fn flake_checks_build_and_catch_a_stale_units_nix() {
    // A copy of what the flake reads, so that its units.nix can be made stale.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    copy_tree(&repo_root().join("nix"), &repo.join("nix"));
    copy_tree(
        &repo_root().join("examples/cargo-like"),
        &repo.join("examples/cargo-like"),
    );
    for file in ["flake.nix", "Cargo.toml", "Cargo.lock"] {
        std::fs::copy(repo_root().join(file), repo.join(file)).unwrap();
    }
    let nixpkgs = tmp.path().join("nixpkgs");
    stand_in(&nixpkgs, "2.8.0");

    let (ok, built, failed) = build_checks(&repo, &nixpkgs, &tmp.path().join("store"));
    assert!(ok && failed.is_empty(), "{failed:?}");
    assert_eq!(
        built,
        [
            "cargo-unit-sources-0.1.0",
            "rust-unit-sources-0.1.0",
            "rust-unit-sources-plugin-latest-check",
            "rust-unit-sources-plugin-nix_2_28-check",
            "rust-unit-sources-plugin-round-trip-check",
            "rust-unit-sources-unit-srcs-check",
            "rust-unit-sources-units-nix-check",
        ]
    );

    // Drop one file of one unit from units.nix: the file is stale and no longer the plugin's
    // model; the sources still hold what it lists.
    let units_nix = repo.join("examples/cargo-like/units.nix");
    let text = read(&units_nix);
    let line = "\n        \"crates/cargo-util/src/paths.rs\"";
    assert!(text.contains(line));
    std::fs::write(&units_nix, text.replacen(line, "", 1)).unwrap();
    let (ok, _, failed) = build_checks(&repo, &nixpkgs, &tmp.path().join("store"));
    assert!(!ok);
    assert_eq!(
        failed,
        BTreeSet::from([
            "rust-unit-sources-plugin-latest-check".to_string(),
            "rust-unit-sources-plugin-nix_2_28-check".to_string(),
            "rust-unit-sources-plugin-round-trip-check".to_string(),
            "rust-unit-sources-units-nix-check".to_string()
        ])
    );
}

#[test]
fn pure_flake_evaluation_reads_units_nix() {
    // A flake of the user's (a copy of nested-members with its units.nix) takes this
    // repository's flake as an input, and nixpkgs (the stand-in) as a path input too; `nix
    // eval` evaluates it in pure mode, without the plugin.
    let tmp = tempfile::tempdir().unwrap();
    let rus = tmp.path().join("rust-unit-sources");
    std::fs::create_dir(&rus).unwrap();
    std::fs::copy(repo_root().join("flake.nix"), rus.join("flake.nix")).unwrap();
    copy_tree(&repo_root().join("nix"), &rus.join("nix"));
    let nixpkgs = tmp.path().join("nixpkgs");
    stand_in(&nixpkgs, "2.8.0");
    let ws = tmp.path().join("ws");
    copy_tree(&fixture("nested-members"), &ws);
    generate_ok(&ws, &[]);
    std::fs::write(
        ws.join("flake.nix"),
        format!(
            "{{\n  inputs.nixpkgs.url = \"path:{}\";\n  inputs.rust-unit-sources.url = \"path:{}\";\n  \
             inputs.rust-unit-sources.inputs.nixpkgs.follows = \"nixpkgs\";\n  \
             outputs = {{ self, nixpkgs, rust-unit-sources }}:\n    let\n      \
             rus = rust-unit-sources.lib;\n      model = rus.fromFile ./units.nix;\n    in {{\n      \
             srcs = rus.sourcesByUnit {{ root = ./.; inherit model; }};\n      \
             model = model;\n    }};\n}}\n",
            nixpkgs.display(),
            rus.display()
        ),
    )
    .unwrap();
    let store = tmp.path().join("store");
    let nix_flake = |attr: &str| {
        let output = Command::new("nix")
            .args([
                "--extra-experimental-features",
                "nix-command flakes",
                "--store",
            ])
            .arg(&store)
            .args(["eval", "--json", "--no-write-lock-file"])
            .arg(format!("path:{}#{attr}", ws.display()))
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .unwrap();
        nix_json(&output)
    };
    let pure_srcs = nix_flake("srcs");
    let pure_model = nix_flake("model");
    std::fs::remove_file(ws.join("flake.nix")).unwrap();
    let impure = eval_in(
        &ws,
        "{ srcs = l.sourcesByUnit { root = ws; model = m; }; model = m; }",
        false,
    );
    // Same sources as outside the flake: the store path depends on the unit's files only.
    assert_eq!(pure_srcs, impure["srcs"]);
    // Same model, but `root` is the flake's copy in the store.
    let root = pure_model["root"].as_str().unwrap().to_string();
    assert!(root.ends_with("-source"), "{root}");
    let mut expected = impure["model"].clone();
    expected["root"] = json!(root);
    assert_eq!(pure_model, expected);
}

#[test]
fn a_broken_unit_throws_its_error_where_its_files_are_used() {
    let (_tmp, ws) = workspace_copy(&fixture("broken-targets"));
    let generated = generate(&ws, &[]);
    assert!(generated.status.success());
    let example = "broken-targets/example/excluded";
    let message = format!(
        "{}:15: example `excluded`: {}/examples/excluded.rs does not exist",
        ws.join("Cargo.toml").display(),
        ws.display()
    );
    assert_eq!(
        String::from_utf8(generated.stderr).unwrap().lines().nth(2),
        Some(format!("warning: {example}: {message}").as_str())
    );
    // units.nix records the error; `import` gives the data as written.
    let model = eval_in(&ws, "import (ws + \"/units.nix\")", false);
    assert_eq!(model["units"][example]["error"], message.as_str());
    assert_eq!(
        model["units"][example]["files"],
        json!(["examples/excluded.rs"])
    );
    // fromFile: every other unit is whole, its sources build; the error evaluates.
    let lib = "m.units.\"broken-targets/lib/broken_targets\"";
    let v = eval_in(
        &ws,
        &format!(
            "{{ files = {lib}.files; src = l.unitSource {{ root = ws; unit = {lib}; }}; \
             error = m.units.\"{example}\".error; }}"
        ),
        false,
    );
    assert_eq!(v["files"], json!(["src/greet.rs", "src/lib.rs"]));
    assert!(v["src"].as_str().unwrap().starts_with("/nix/store/"));
    assert_eq!(v["error"], message.as_str());
    // … but the broken unit's files, and what is built from them, throw its error.
    for body in [
        format!("m.units.\"{example}\".files"),
        format!("l.unitSource {{ root = ws; unit = m.units.\"{example}\"; }}"),
    ] {
        let output = nix_eval(
            &format!(
                "let l = import ./nix {{ }}; ws = {}; m = l.fromFile (ws + \"/units.nix\"); in {body}",
                nix_path(&ws)
            ),
            false,
            &[],
        );
        assert_eq!(
            nix_error(&output),
            format!("error: rust-unit-sources: {example}: {message}"),
            "{body}"
        );
    }
}
