//! Fingerprints this build of the scanner for the persistent parse cache (`src/parse_cache.rs`):
//! the cache stores what the crate's sources extract from a file, so any change to them (or to
//! the locked dependency versions, among them rustc's lexer) must make old caches unusable.
//! It also tells the crate the triple it is built for (`RUST_UNIT_SOURCES_HOST`, the suffix
//! of rustup's toolchain names on this host).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

fn main() {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir("src")
        .expect("src is readable")
        .map(|entry| entry.expect("src entry").path())
        .collect();
    inputs.sort();
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
        "cargo:rustc-env=RUST_UNIT_SOURCES_FINGERPRINT={:016x}",
        hasher.finish()
    );
}
