//! Small arbitrary trees of files with `mod`, `#[path]` and includes: the module walk never
//! panics, and whatever it lists lies below the root.
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
        for file in files {
            assert!(dir.path().join(file.as_str()).starts_with(dir.path()));
            assert!(!file.as_str().split('/').any(|c| c == ".." || c == "." || c.is_empty()), "{file}");
        }
    }
});
