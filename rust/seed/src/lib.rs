//! Real workspaces assembled from crates.io alone, for the per-unit builder
//! (`nix/build-units.nix`) and the seed proof (`scripts/seed-proof`):
//!
//! - [`cargo_workspace`]: cargo 0.96.0's own repository, rebuilt from its published packages
//!   (a root package with nested members and about 460 vendored crates);
//! - [`popular`]: a root package depending on popular crates (the benchmark's seed) and on
//!   crates with native build scripts, vendored.
//!
//! Every version is pinned by a lock file checked in beside this crate (`locks/`), so an
//! assembly gives the same tree every time. Downloads are cached outside the clone
//! ([`Cache`]; cargo's own registry cache for the vendored crates): after the first fetch an
//! assembly runs offline.

pub mod cargo_workspace;
mod fetch;
mod lock;
pub mod popular;
pub mod process;

pub use fetch::Cache;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// An assembled workspace.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Workspace {
    /// The workspace root.
    pub root: PathBuf,
    /// Its packages that are not vendored (the root package first), in placing order.
    pub members: Vec<Member>,
    /// Entries of the root manifest's `workspace.members` left out because no published
    /// package fills them.
    pub dropped_members: Vec<String>,
    /// How many packages `vendor/` holds.
    pub vendored: usize,
}

/// A package of the workspace that is not vendored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its directory, relative to the root (`""` for the root package).
    pub path: String,
}

/// Copies the workspace at `from` to `to` (created; symbolic links stay links), leaving out
/// its build directory `from/target` only: vendored crates have directories named `target`
/// too (`cc/src/target/`).
pub fn copy_workspace(from: &Path, to: &Path) -> Result<(), String> {
    copy_dir(from, to, &from.join("target"))
}

fn copy_dir(from: &Path, to: &Path, skip: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", source.display()))?;
        let copied = if kind.is_symlink() {
            std::fs::read_link(&source).and_then(|link| std::os::unix::fs::symlink(link, &dest))
        } else if kind.is_dir() {
            if source != skip {
                copy_dir(&source, &dest, skip)?;
            }
            Ok(())
        } else {
            std::fs::copy(&source, &dest).map(|_| ())
        };
        copied.map_err(|e| format!("{}: {e}", source.display()))?;
    }
    Ok(())
}

/// The file in an assembled workspace recording what it was assembled from.
const STAMP: &str = ".seed-workspace.json";

/// What [`STAMP`] holds.
#[derive(Serialize, Deserialize)]
struct Stamp {
    key: String,
    workspace: Workspace,
}

/// The workspace an assembly recorded in `root`, if any.
pub fn recorded(root: &Path) -> Option<Workspace> {
    Some(read_stamp(root)?.workspace)
}

fn read_stamp(root: &Path) -> Option<Stamp> {
    let text = std::fs::read_to_string(root.join(STAMP)).ok()?;
    serde_json::from_str(&text).ok()
}

/// The workspace recorded in `root`, when it was assembled there from `key`.
fn assembled(root: &Path, key: &str) -> Option<Workspace> {
    let stamp = read_stamp(root)?;
    (stamp.key == key && stamp.workspace.root == root).then_some(stamp.workspace)
}

/// Makes the next assembly in `root` start over, even when it holds an assembled workspace.
pub fn forget(root: &Path) -> Result<(), String> {
    match std::fs::remove_file(root.join(STAMP)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("{}: {e}", root.display()))
        }
        _ => Ok(()),
    }
}

/// Records that `workspace` was assembled from `key`: the last step of an assembly.
fn stamp(workspace: &Workspace, key: &str) -> Result<(), String> {
    let stamp = Stamp {
        key: key.to_string(),
        workspace: workspace.clone(),
    };
    let text = serde_json::to_string_pretty(&stamp).map_err(|e| e.to_string())?;
    fetch::write(&workspace.root.join(STAMP), &text)
}

/// Removes `root`, if it exists, for a new assembly.
fn clear(root: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(root) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("{}: {e}", root.display()))
        }
        _ => Ok(()),
    }
}

/// Completes the `Cargo.lock` of the workspace at `root` (online) for what its manifests need
/// and the lock does not pin, keeping what it pins where it can and preferring versions whose
/// `rust-version` the packages accept; returns the lock.
fn complete_lock(root: &Path) -> Result<String, String> {
    process::run(
        process::cargo()
            .current_dir(root)
            .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback")
            .args(["metadata", "--format-version", "1"]),
    )?;
    let path = root.join("Cargo.lock");
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Vendors the dependencies of the workspace at `root` as its `Cargo.lock` pins them
/// (`cargo vendor --locked vendor`, offline when cargo's cache has everything) and writes the
/// `.cargo/config.toml` cargo prints for it; returns how many packages `vendor/` holds.
fn vendor(root: &Path) -> Result<usize, String> {
    let vendor = |offline: bool| {
        let mut command = process::cargo();
        command.current_dir(root).args(["vendor", "--locked"]);
        if offline {
            command.arg("--offline");
        }
        process::run(command.arg("vendor"))
    };
    let config = vendor(true).or_else(|_| vendor(false)).map_err(|e| {
        format!("{e}\n(a stale lock file? `seed-workspaces update-locks` regenerates them)")
    })?;
    fetch::write(
        &root.join(".cargo/config.toml"),
        &String::from_utf8_lossy(&config),
    )?;
    let entries = std::fs::read_dir(root.join("vendor")).map_err(|e| format!("vendor/: {e}"))?;
    Ok(entries.filter_map(Result::ok).count())
}
