//! The library's helpers (selection, closures, overrides), its error lines, a broken unit's
//! error where its files are used, and its own unit tests (`nix/tests.nix`).

use crate::{
    eval_in, eval_in_store, files_below, generate, generate_ok, in_store, unit_files,
    workspace_copy,
};
use rust_unit_sources_tests::{
    examples, fixture, fixtures, nix_error, nix_eval, nix_json, nix_path, nix_string, strings,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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
            "error: rust-unit-sources: fromFile: {}: model version 2 is not supported; this library reads version 4",
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
