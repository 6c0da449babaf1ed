//! The build identity of this scanner (`RUST_UNIT_SOURCES_BUILD_ID`), which every cache file's
//! frame carries (`src/cache/frame.rs`) and the parse cache's names include (`src/cache/parse.rs`):
//! the cache stores what the crate's sources extract from a file, so any change to them (or to
//! the locked dependency versions, among them rustc's lexer) must make old caches unusable.
//! Every file under `src/` counts, in subdirectories too.
//! It also tells the crate the triple it is built for (`RUST_UNIT_SOURCES_HOST`, the suffix
//! of rustup's toolchain names on this host).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Every file under `dir`, recursively, sorted, so that the build identity covers submodules too
/// and does not depend on the directory's listing order.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("src entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn main() {
    let mut inputs = files_under(Path::new("src"));
    println!("cargo:rerun-if-changed=src");
    let lock_file = PathBuf::from("../../Cargo.lock");
    if lock_file.is_file() {
        println!("cargo:rerun-if-changed={}", lock_file.display());
        inputs.push(lock_file);
    }
    let mut hasher = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    for input in &inputs {
        input.hash(&mut hasher);
        std::fs::read(input)
            .expect("input is readable")
            .hash(&mut hasher);
    }
    let host = std::env::var("TARGET").expect("cargo sets TARGET");
    println!("cargo:rustc-env=RUST_UNIT_SOURCES_HOST={host}");
    println!(
        "cargo:rustc-env=RUST_UNIT_SOURCES_BUILD_ID={:016x}",
        hasher.finish()
    );
}
