//! The README's table of the library's functions, against what the library, the flake's `lib`
//! and the overlay export.

use crate::flake::{flake_expr, stand_in};
use crate::read;
use rust_unit_sources_tests::{nix_eval, nix_json, repo_root, strings};
use std::collections::{BTreeMap, BTreeSet};

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
