//! Published packages from crates.io, downloaded once and checked against their checksum.

use crate::process;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where downloaded packages are kept, outside any clone: `$RUST_UNIT_SOURCES_SEED_CACHE`,
/// else `$XDG_CACHE_HOME/rust-unit-sources-seed`, else `~/.cache/rust-unit-sources-seed`.
/// Deleting it at any time is safe: what is missing is downloaded again.
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    /// The cache the environment names (see [`Cache`]).
    pub fn from_env() -> Result<Cache, String> {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        let dir = var("RUST_UNIT_SOURCES_SEED_CACHE")
            .map(PathBuf::from)
            .or_else(|| {
                var("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("rust-unit-sources-seed"))
            })
            .or_else(|| var("HOME").map(|d| PathBuf::from(d).join(".cache/rust-unit-sources-seed")))
            .ok_or("no cache directory: set RUST_UNIT_SOURCES_SEED_CACHE or HOME")?;
        Ok(Cache::new(dir))
    }

    /// The cache's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The `.crate` file of `name` `version`, downloaded from static.crates.io unless the
    /// cache has it; its sha256 must be `checksum` (hex).
    pub fn package(&self, name: &str, version: &str, checksum: &str) -> Result<PathBuf, String> {
        let path = self
            .dir
            .join("crates")
            .join(format!("{name}-{version}.crate"));
        if path.is_file() && sha256(&path)? == checksum {
            return Ok(path);
        }
        let partial = path.with_extension("crate.part");
        create_parent(&partial)?;
        let url = format!("https://static.crates.io/crates/{name}/{name}-{version}.crate");
        process::run(
            Command::new("curl")
                .args([
                    "--silent",
                    "--show-error",
                    "--fail",
                    "--location",
                    "--retry",
                    "3",
                ])
                .arg("--output")
                .arg(&partial)
                .arg(&url),
        )?;
        let found = sha256(&partial)?;
        if found != checksum {
            return Err(format!("{url}: sha256 {found}, expected {checksum}"));
        }
        std::fs::rename(&partial, &path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    /// Unpacks the package `name` `version` (see [`Cache::package`]) into `dir`, which must
    /// not exist: `dir` gets the package's files (`Cargo.toml`, `Cargo.toml.orig`, …).
    pub fn unpack(
        &self,
        name: &str,
        version: &str,
        checksum: &str,
        dir: &Path,
    ) -> Result<(), String> {
        let package = self.package(name, version, checksum)?;
        if dir.exists() {
            return Err(format!(
                "{}: already exists; cannot unpack {name} {version} there",
                dir.display()
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        process::run(
            Command::new("tar")
                .arg("--extract")
                .arg("--gzip")
                .arg("--strip-components=1")
                .arg("--file")
                .arg(&package)
                .arg("--directory")
                .arg(dir),
        )?;
        Ok(())
    }
}

/// The sha256 of the file at `path`, in lowercase hex.
fn sha256(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(hex(&Sha256::digest(bytes)))
}

/// The sha256 of `text`, in lowercase hex.
pub fn sha256_text(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn create_parent(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(parent) => {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))
        }
        None => Ok(()),
    }
}

/// Writes `text` to `path`, creating its directory.
pub fn write(path: &Path, text: &str) -> Result<(), String> {
    create_parent(path)?;
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
