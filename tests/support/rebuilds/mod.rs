//! Building `examples/cargo-like` through Nix one derivation per unit and through cargo, and
//! naming what each rebuilt: shared by the rebuild proof (`tests/tests/incremental.rs`) and
//! the rebuild benchmark (`rebuild-bench`).
//!
//! The edits and what cargo recompiles for each are in `cases.rs`, the Nix side in
//! `nix_side.rs`, the cargo side in `cargo_side.rs`.

mod cargo_side;
mod cases;
mod nix_side;

pub use cargo_side::CargoSide;
pub use cases::{apply, cases, Case, Edit, ROOT_PACKAGE_COMPILED};
pub use nix_side::NixSide;

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The build the rebuild proof compares: the model's units of this selection, built by Nix,
/// and `cargo build` with [`CARGO_BUILD`] and `--target` the host (as the builder always has
/// one).
pub const SELECTION: &str = "all-targets";

/// `cargo build`'s arguments for the units of [`SELECTION`].
pub const CARGO_BUILD: [&str; 3] = ["build", "--workspace", "--all-targets"];

/// Makes every Rust file of the workspace copies (but vendored crates) unique to `run`, so
/// that the first build of a run finds no earlier run's outputs of the members in the store:
/// every later rebuild is then this run's own.
pub fn make_unique(copies: &[&Path], run: u128) {
    fn visit(dir: &Path, run: u128) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "vendor" && name != "target" && !name.starts_with('.') {
                    visit(&path, run);
                }
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::write(&path, format!("{text}\n// run {run}\n")).unwrap();
            }
        }
    }
    for copy in copies {
        visit(copy, run);
    }
}

/// A number unique to this run.
pub fn run_token() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos()
}

/// The inode numbers of the object files in the newest finished session of rustc's state in
/// `unit_state` (`rustc/<crate>/s-<time>-<random>-<hash>/`; none when it has none): those still
/// there after the next build are object files rustc reused (it hard-links what it keeps into
/// the new session).
pub fn session_objects(unit_state: &Path) -> BTreeSet<u64> {
    let listing = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default()
    };
    let mut sessions: Vec<PathBuf> = listing(&unit_state.join("rustc"))
        .iter()
        .flat_map(|c| listing(c))
        .filter(|s| s.is_dir() && !s.to_string_lossy().ends_with("-working"))
        .collect();
    sessions.sort();
    let Some(newest) = sessions.last() else {
        return BTreeSet::new();
    };
    listing(newest)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "o"))
        .filter_map(|f| Some(std::fs::metadata(f).ok()?.ino()))
        .collect()
}
