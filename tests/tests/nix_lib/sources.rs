//! The library's sources (`unitSource`, `sourcesByUnit`, `packageSrc`, `cargoSrc`,
//! `unionSource`): each holds exactly its units' files, and an edit changes exactly the
//! sources that hold the edited file.

use crate::{
    ancestors, dirs_below, eval_in, files_below, generate_ok, in_store, unit_files, workspace_copy,
};
use rust_unit_sources_tests::{examples, fixture, fixtures, nix_eval, nix_json, nix_path, strings};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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
