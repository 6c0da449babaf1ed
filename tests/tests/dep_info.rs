//! Differential test: for every unit of every fixture and example, the scanner lists every file
//! `rustc --emit=dep-info` lists (recall 100%), and every `env!` name rustc records.
//!
//! The scan without feature flags promises a superset over every feature combination, so
//! rustc runs three times per unit: with every declared feature, with none, and with each
//! feature alone.

use rust_unit_sources::{rustc_dep_info, scan, DepInfo, ScanOptions, UnitKind, UnitSources};
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
    let rustc = rust_unit_sources_tests::real_rustc();
    let mut missed = Vec::new();
    for (id, unit) in model
        .units
        .iter()
        .filter(|(_, u)| u.kind != UnitKind::BuildScriptRun)
    {
        let mut combinations = vec![unit.features.clone(), Vec::new()];
        combinations.extend(unit.features.iter().map(|f| vec![f.clone()]));
        for features in combinations {
            let configured = UnitSources {
                features: features.clone(),
                ..unit.clone()
            };
            let rustc = rustc_dep_info(root, id.as_str(), &configured, scratch.path(), &rustc)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(!rustc.files.is_empty(), "{id}: rustc listed no file");
            let id = format!("{id} (features {features:?})");
            check(&id, unit, &rustc, &mut missed);
        }
    }
    assert!(
        missed.is_empty(),
        "{}: the scan missed what rustc read:\n{}",
        workspace.display(),
        missed.join("\n")
    );
}

/// Records in `missed` what `rustc` read that `unit` does not list.
fn check(id: &str, unit: &UnitSources, rustc: &DepInfo, missed: &mut Vec<String>) {
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
