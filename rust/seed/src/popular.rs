//! A vendored workspace of popular crates: one root package, `popular-crates`, depending on
//! the benchmark's seed (`rust/bench/seed.toml`: serde, tokio, syn, clap, regex, …) and on
//! crates whose build scripts compile or find native code ([`NATIVE`]), with a binary that
//! calls into each native library, so that linking them is tested too.
//!
//! The lock file (`locks/popular.lock`) was made once by [`update_lock`]: the benchmark's
//! `seed.lock`, completed by cargo for the native crates.

use crate::fetch::{sha256_text, write};
use crate::{assembled, clear, complete_lock, stamp, vendor, Member, Workspace};
use std::path::Path;

/// The benchmark's seed: its dependencies are this workspace's.
const SEED_MANIFEST: &str = include_str!("../../bench/seed.toml");

/// The lock file the pinned one started from.
const SEED_LOCK: &str = include_str!("../../bench/seed.lock");

/// The pinned lock file of the assembled workspace.
const LOCK: &str = include_str!("../locks/popular.lock");

/// The path of `LOCK` (the lock file this workspace is assembled from), relative to this crate's directory.
pub const LOCK_FILE: &str = "locks/popular.lock";

/// The root package's name.
pub const PACKAGE: &str = "popular-crates";

/// Dependencies added to the seed's, each with native code behind a build script: name,
/// version requirement, features.
pub const NATIVE: &[(&str, &str, &[&str])] = &[
    ("libz-sys", "1", &[]),                   // pkg-config (system zlib), else cc
    ("openssl", "0.10", &[]), // openssl-sys: pkg-config, `links = "openssl"`, DEP_OPENSSL_*
    ("libsqlite3-sys", "0.40", &["bundled"]), // cc on the bundled SQLite
    ("zstd", "0.13", &[]),    // zstd-sys: cc on the bundled zstd
    ("ring", "0.17", &[]),    // cc on C and assembly, `links`
];

/// The binary: every native library answers, and serde's derive works.
const MAIN: &str = r#"//! Calls into every native library of the workspace, so that building it links them.

use serde::{Deserialize, Serialize};
use std::ffi::CStr;

#[derive(Serialize, Deserialize)]
struct Versions {
    zlib: String,
    openssl: String,
    sqlite: String,
    zstd: String,
    sha256: String,
}

fn main() {
    // SAFETY: both return pointers to static NUL-terminated strings.
    let (zlib, sqlite) = unsafe {
        (
            CStr::from_ptr(libz_sys::zlibVersion()),
            CStr::from_ptr(libsqlite3_sys::sqlite3_libversion()),
        )
    };
    let digest = ring::digest::digest(&ring::digest::SHA256, b"seed");
    let versions = Versions {
        zlib: zlib.to_string_lossy().into_owned(),
        openssl: openssl::version::version().to_string(),
        sqlite: sqlite.to_string_lossy().into_owned(),
        zstd: zstd::zstd_safe::version_string().to_string(),
        sha256: digest.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
    };
    println!("{}", serde_json::to_string(&versions).expect("serializable"));
}
"#;

/// Assembles the workspace in `root` (replacing what is there), or returns the one already
/// there when it was assembled from the same pins.
pub fn assemble(root: &Path) -> Result<Workspace, String> {
    let manifest = manifest()?;
    let key = format!(
        "popular crates, manifest sha256 {}, lock sha256 {}",
        sha256_text(&manifest),
        sha256_text(LOCK)
    );
    if let Some(workspace) = assembled(root, &key) {
        return Ok(workspace);
    }
    let mut workspace = place(root, &manifest)?;
    write(&root.join("Cargo.lock"), LOCK)?;
    workspace.vendored = vendor(root)?;
    stamp(&workspace, &key)?;
    Ok(workspace)
}

/// A new lock file for the workspace, assembled in `scratch` (replacing what is there): the
/// seed's lock, completed by cargo (online) for the native crates, preferring versions whose
/// `rust-version` the toolchain meets.
pub fn update_lock(scratch: &Path) -> Result<String, String> {
    place(scratch, &manifest()?)?;
    write(&scratch.join("Cargo.lock"), SEED_LOCK)?;
    complete_lock(scratch)
}

/// Writes the root package (manifest and binary) in `root`.
fn place(root: &Path, manifest: &str) -> Result<Workspace, String> {
    clear(root)?;
    write(&root.join("Cargo.toml"), manifest)?;
    write(&root.join("src/main.rs"), MAIN)?;
    Ok(Workspace {
        root: root.to_path_buf(),
        members: vec![Member {
            name: PACKAGE.into(),
            version: "0.0.0".into(),
            path: String::new(),
        }],
        dropped_members: vec![],
        vendored: 0,
    })
}

/// The root manifest: the seed's, renamed, with [`NATIVE`] added, as its own workspace.
fn manifest() -> Result<String, String> {
    let mut seed: toml::Table =
        toml::from_str(SEED_MANIFEST).map_err(|e| format!("rust/bench/seed.toml: {e}"))?;
    let package = seed
        .get_mut("package")
        .and_then(toml::Value::as_table_mut)
        .ok_or("rust/bench/seed.toml: no [package]")?;
    package.insert("name".into(), PACKAGE.into());
    let dependencies = seed
        .get_mut("dependencies")
        .and_then(toml::Value::as_table_mut)
        .ok_or("rust/bench/seed.toml: no [dependencies]")?;
    for (name, version, features) in NATIVE {
        let mut spec = toml::Table::new();
        spec.insert("version".into(), (*version).into());
        if !features.is_empty() {
            spec.insert("features".into(), features.to_vec().into());
        }
        dependencies.insert((*name).into(), spec.into());
    }
    seed.insert("workspace".into(), toml::Table::new().into());
    let body = toml::to_string(&seed).map_err(|e| e.to_string())?;
    Ok(format!(
        "# Assembled by rust/seed (`seed-workspaces`): rust/bench/seed.toml's dependencies and\n\
         # crates with native build scripts. Cargo.lock pins every version.\n{body}"
    ))
}
