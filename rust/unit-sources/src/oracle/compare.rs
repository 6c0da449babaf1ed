//! A native scan against the oracle's answer, unit by unit: what the scan missed (a broken
//! promise) and what it listed beyond rustc (imprecision).

use crate::{Model, RelPath, UnitId};

/// How a native scan of one unit compares with rustc's dep-info for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitComparison {
    /// The unit.
    pub id: UnitId,
    /// Files, `OUT_DIR` files (prefixed `$OUT_DIR/`) and env names (prefixed `$`) rustc read
    /// that the native scan did not list: each one breaks the superset promise.
    pub missed: Vec<String>,
    /// Files the native scan listed that rustc did not read (imprecision, not an error).
    pub extra: Vec<RelPath>,
    /// How many files rustc read.
    pub rustc_files: usize,
}

/// Compares the units of `native` with the same units of `rustc` (see [`crate::rustc_model`]).
pub fn compare(native: &Model, rustc: &Model) -> Vec<UnitComparison> {
    native
        .units
        .iter()
        .filter_map(|(id, mine)| {
            let theirs = rustc.units.get(id)?;
            let missed_files = theirs
                .files
                .iter()
                .filter(|f| !mine.files.contains(f))
                .map(|f| f.to_string());
            // Unknown (`None`) on the native side includes anything.
            let missed_out_dir = theirs
                .out_dir_includes
                .iter()
                .flatten()
                .filter(|f| {
                    mine.out_dir_includes
                        .as_ref()
                        .is_some_and(|mine| !mine.contains(f))
                })
                .map(|f| format!("$OUT_DIR/{f}"));
            let missed_env = theirs
                .env
                .iter()
                .filter(|e| !mine.env.contains(e))
                .map(|e| format!("${e}"));
            Some(UnitComparison {
                id: id.clone(),
                missed: missed_files
                    .chain(missed_out_dir)
                    .chain(missed_env)
                    .collect(),
                extra: mine
                    .files
                    .iter()
                    .filter(|f| !theirs.files.contains(f))
                    .cloned()
                    .collect(),
                rustc_files: theirs.files.len(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, Unit, UnitKind};
    use std::collections::BTreeMap;
    use std::path::Path;

    fn unit(files: &[&str], env: &[&str]) -> Unit {
        let rel = |p: &&str| {
            RelPath::new(Path::new("/w"), &Path::new("/w").join(p), &|m| {
                Error::new(m)
            })
            .unwrap()
        };
        Unit {
            package: "p".into(),
            version: "0.1.0".into(),
            target: "p".into(),
            kind: UnitKind::Lib,
            crate_types: vec!["lib".into()],
            edition: "2021".into(),
            root_file: rel(&"src/lib.rs"),
            manifest: rel(&"Cargo.toml"),
            features: Vec::new(),
            files: files.iter().map(rel).collect(),
            manifests: Vec::new(),
            deps: Vec::new(),
            externs: BTreeMap::new(),
            env: env.iter().map(|e| e.to_string()).collect(),
            out_dir_includes: Some(Vec::new()),
            unresolved: Vec::new(),
            run_inputs: None,
            run_env: None,
            run_inputs_exact: None,
            dirs: Vec::new(),
            host: None,
            selections: None,
            build: None,
            hash: String::new(),
            error: None,
        }
    }

    #[test]
    fn compare_reports_missed_and_extra() {
        let id = UnitId::new("p", UnitKind::Lib, "p");
        let model = |u: Unit| Model {
            version: 1,
            root: "/w".into(),
            units: [(id.clone(), u)].into(),
        };
        let native = model(unit(&["src/a.rs", "src/lib.rs"], &[]));
        let rustc = model(unit(&["src/b.rs", "src/lib.rs"], &["HOME"]));
        let [only] = compare(&native, &rustc).try_into().unwrap();
        assert_eq!(only.missed, ["src/b.rs", "$HOME"]);
        assert_eq!(
            only.extra.iter().map(RelPath::as_str).collect::<Vec<_>>(),
            ["src/a.rs"]
        );
        assert_eq!(only.rustc_files, 2);
    }
}
