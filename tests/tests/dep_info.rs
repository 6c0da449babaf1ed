//! Differential test: for every unit of every fixture and example, the scanner lists every file
//! `rustc --emit=dep-info` lists (recall 100%), and every `env!` name rustc records.

use rust_unit_sources::{rustc_dep_info, scan, ScanOptions, UnitKind};
use rust_unit_sources_tests::{examples, fixtures};
use std::path::Path;

fn assert_superset_of_rustc(workspace: &Path) {
    let model = scan(&ScanOptions {
        manifest_path: workspace.to_path_buf(),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{}: {e}", workspace.display()));
    let root = Path::new(&model.root);
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut missed = Vec::new();
    for (id, unit) in model
        .units
        .iter()
        .filter(|(_, u)| u.kind != UnitKind::BuildScriptRun)
    {
        let rustc = rustc_dep_info(root, id.as_str(), unit, scratch.path())
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!rustc.files.is_empty(), "{id}: rustc listed no file");
        for file in &rustc.files {
            if !unit.files.contains(file) {
                missed.push(format!("{id}: file {file}"));
            }
        }
        for generated in &rustc.out_dir_files {
            if !unit.out_dir_includes.contains(generated) {
                missed.push(format!("{id}: OUT_DIR file {generated}"));
            }
        }
        for name in &rustc.env {
            if !unit.env.contains(name) {
                missed.push(format!("{id}: env {name}"));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "{}: the scan missed what rustc read:\n{}",
        workspace.display(),
        missed.join("\n")
    );
}

#[test]
fn fixtures_list_every_file_rustc_reads() {
    let all = fixtures();
    assert!(all.len() >= 4, "fixtures found: {all:?}");
    for workspace in all {
        assert_superset_of_rustc(&workspace);
    }
}

#[test]
fn examples_list_every_file_rustc_reads() {
    for workspace in examples() {
        assert_superset_of_rustc(&workspace);
    }
}
