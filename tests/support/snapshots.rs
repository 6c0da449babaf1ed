//! The scan's answer as text, for the inline snapshots of `tests/tests/fixture_snapshots/`,
//! and the scan cases those snapshots cover, which `tests/tests/cli.rs` checks the CLI against.

use rust_unit_sources::{Model, ScanOptions};
use std::fmt::Write;
use std::path::Path;

/// Every `(workspace, scan flags)` case that the `fixture_snapshots` suite renders: the
/// workspace is a directory of `tests/fixtures/` ([`crate::fixture`]), the flags are the
/// CLI's (see [`scan_options`]). `cli.rs` checks that the CLI's JSON for each is the library's
/// model, so the snapshots speak for the CLI too.
pub const SNAPSHOT_CASES: &[(&str, &[&str])] = &[
    ("broken-targets", &[]),
    ("build-script-default", &[]),
    ("build-script-env", &[]),
    ("cfg-features", &["--cfg", ""]),
    (
        "cfg-features",
        &["--no-default-features", "--features", "fast"],
    ),
    ("cfg-features", &["--target", "x86_64-unknown-linux-gnu"]),
    ("editions", &[]),
    ("includes", &[]),
    ("lib-bin-build", &[]),
    ("lib-bin-build", &["--cfg", ""]),
    ("lib-bin-build", &["--cfg", "docsrs"]),
    ("macro-includes", &[]),
    ("nested-members", &[]),
    ("nested-members", &["--no-default-features"]),
    ("path-attrs", &[]),
    ("path-attrs", &["--target", "x86_64-unknown-linux-gnu"]),
    ("published-shapes", &[]),
];

/// The library's options for the CLI's `scan --manifest-path <workspace> <flags>`, without a
/// cache. Knows the flags [`SNAPSHOT_CASES`] use (`--features`, `--all-features`,
/// `--no-default-features`, `--target`, `--cfg`, `--dependencies`); panics on any other.
pub fn scan_options(workspace: &Path, flags: &[&str]) -> ScanOptions {
    let mut options = ScanOptions {
        manifest_path: workspace.to_path_buf(),
        ..ScanOptions::default()
    };
    let mut flags = flags.iter();
    while let Some(&flag) = flags.next() {
        let mut value = || {
            flags
                .next()
                .unwrap_or_else(|| panic!("{flag} takes a value"))
        };
        match flag {
            "--features" => options
                .features
                .features
                .get_or_insert_with(Vec::new)
                .push(value().to_string()),
            "--all-features" => options.features.all_features = true,
            "--no-default-features" => options.features.no_default_features = true,
            "--target" => options.target = Some(value().to_string()),
            "--cfg" => options
                .cfgs
                .get_or_insert_with(Vec::new)
                .push(value().to_string()),
            "--dependencies" => options.dependencies = true,
            other => panic!("scan_options does not know the flag {other}"),
        }
    }
    options
}

/// `model` as text: per unit (sorted by id), the id, then each of its `files` indented, then,
/// when not empty, `env: …`, `outDirIncludes: …` (`unknown` when it is), one `unresolved:
/// file:line: reason` line each and `error: …`, with the workspace root written `$ROOT`.
pub fn render_units(model: &Model) -> String {
    let mut out = String::new();
    for (id, unit) in &model.units {
        writeln!(out, "{id}").unwrap();
        for file in &unit.files {
            writeln!(out, "  {file}").unwrap();
        }
        if !unit.env.is_empty() {
            writeln!(out, "  env: {}", unit.env.join(" ")).unwrap();
        }
        match &unit.out_dir_includes {
            None => writeln!(out, "  outDirIncludes: unknown").unwrap(),
            Some(includes) if !includes.is_empty() => {
                writeln!(out, "  outDirIncludes: {}", includes.join(" ")).unwrap()
            }
            Some(_) => {}
        }
        for unresolved in &unit.unresolved {
            let (file, line, reason) = (&unresolved.file, unresolved.line, &unresolved.reason);
            writeln!(out, "  unresolved: {file}:{line}: {reason}").unwrap();
        }
        if let Some(error) = &unit.error {
            writeln!(out, "  error: {}", error.replace(&model.root, "$ROOT")).unwrap();
        }
    }
    out
}
