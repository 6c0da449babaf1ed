//! Small arbitrary trees of files with `mod`, `#[path]` and includes: the module walk never
//! panics, and a successful walk lists the root file and only paths below the root, sorted
//! and without duplicates.
//!
//! The input is split at NUL bytes into at most `FILES.len()` parts, written to these paths.
#![no_main]

use libfuzzer_sys::fuzz_target;

const FILES: [&str; 8] =
    ["src/lib.rs", "src/a.rs", "src/a/mod.rs", "src/a/b.rs", "src/b/mod.rs", "src/c.txt", "data/d.rs", "src/a/b/c.rs"];

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("Cargo.toml"), "").expect("write");
    for (part, name) in data.split(|&b| b == 0).zip(FILES) {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create");
        std::fs::write(path, part).expect("write");
    }
    if let Ok(files) = rust_unit_sources::fuzzing::tree(dir.path()) {
        assert!(files.windows(2).all(|pair| pair[0].as_str() < pair[1].as_str()), "not sorted and unique: {files:?}");
        assert!(files.iter().any(|file| file.as_str() == "src/lib.rs"), "the root file is missing: {files:?}");
        for file in files {
            assert!(!file.as_str().split('/').any(|c| c == ".." || c == "." || c.is_empty()), "{file}");
        }
    }
});
