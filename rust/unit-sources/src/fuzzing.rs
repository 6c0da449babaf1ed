//! Entry points for the fuzz targets in `fuzz/` (cargo feature `fuzzing`): the lexer, the
//! item extraction and the module walk on arbitrary input, without `cargo metadata`.
//!
//! Contract under test: for any input these return (an error is fine), never panic, never
//! loop, and a successful walk lists only paths below the root.

use crate::parse_cache::ParseCache;
use crate::resolver::ModuleResolver;
use crate::source_cache::SourceCache;
use crate::syntax::parse_file;
use crate::unit::PlannedUnit;
use crate::workspace::Workspace;
use crate::{Error, RelPath, UnitId, UnitKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lexes `bytes` as a source file and extracts its items. Errors: not UTF-8, or a syntax
/// error (unbalanced delimiters, unterminated comment or literal, nesting too deep).
pub fn source(bytes: &[u8]) -> Result<(), Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::new(e.to_string()))?;
    parse_file(text)
        .map(drop)
        .map_err(|e| Error::new(format!("{}: {}", e.line, e.message)))
}

/// Walks the module tree of `root/src/lib.rs` as a library unit with no features and no
/// target, and returns its files. Errors as [`crate::scan`]'s for sources and paths.
pub fn tree(root: &Path) -> Result<Vec<RelPath>, Error> {
    let workspace = Workspace {
        root: root.to_path_buf(),
        packages: Vec::new(),
        metadata_digest: [0; 32],
    };
    let unit = PlannedUnit {
        id: UnitId::new("fuzz", UnitKind::Lib, "fuzz"),
        package: "fuzz".into(),
        version: "0.0.0".into(),
        target: "fuzz".into(),
        kind: UnitKind::Lib,
        crate_types: vec!["lib".into()],
        edition: "2021".into(),
        root_file: root.join("src/lib.rs"),
        package_dir: root.to_path_buf(),
        manifest: root.join("Cargo.toml"),
        features: BTreeSet::new(),
        features_exact: true,
        known_cfgs: None,
        build_dependencies: false,
        manifests: Vec::new(),
        deps: Vec::new(),
        externs: BTreeMap::new(),
    };
    let cache = SourceCache::new(ParseCache::disabled());
    let resolver = ModuleResolver::new(&workspace, &[], None, &cache);
    resolver.scan_unit(&unit).map(|(sources, _)| sources.files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_walks_a_small_crate() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/a")).unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "").unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "mod a;").unwrap();
        std::fs::write(
            dir.path().join("src/a/mod.rs"),
            "const X: &str = include_str!(\"x.txt\");",
        )
        .unwrap();
        std::fs::write(dir.path().join("src/a/x.txt"), "x").unwrap();
        let files: Vec<String> = tree(dir.path())
            .unwrap()
            .iter()
            .map(|f| f.to_string())
            .collect();
        assert_eq!(files, ["src/a/mod.rs", "src/a/x.txt", "src/lib.rs"]);
        assert!(source(b"fn f( {").is_err());
        assert!(source(b"\xff").is_err());
    }
}
