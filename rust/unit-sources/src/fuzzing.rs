//! Entry points for the fuzz targets in `fuzz/` (cargo feature `fuzzing`): the lexer, the
//! item extraction and the module walk on arbitrary input, without `cargo metadata`.
//!
//! Contract under test: for any input these return (an error is fine), never panic, never
//! loop, and a successful walk lists only paths below the root.

use crate::syntax::{parse_file, Edition};
use crate::{Error, RelPath};
use std::path::Path;

/// Lexes `bytes` as a source file in every edition and extracts its items. Errors: not UTF-8,
/// or the first edition's syntax error (unbalanced delimiters, unterminated comment or
/// literal, syntax the edition reserves, nesting too deep).
pub fn source(bytes: &[u8]) -> Result<(), Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::new(e.to_string()))?;
    let results = Edition::ALL.map(|edition| (edition, parse_file(text, edition)));
    for (edition, result) in results {
        result.map_err(|e| {
            let edition = edition.as_str();
            Error::new(format!("edition {edition}: {}: {}", e.line, e.message))
        })?;
    }
    Ok(())
}

/// Walks the module tree of `root/src/lib.rs` as a library unit with no features and no
/// target, and returns its files. Errors as [`crate::scan`]'s for sources and paths.
pub fn tree(root: &Path) -> Result<Vec<RelPath>, Error> {
    use crate::walk::standalone::{walk_standalone, Standalone};
    walk_standalone(root, &Standalone::lib(&[])).map(|sources| sources.files)
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
