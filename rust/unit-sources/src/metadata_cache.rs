//! The cache of `cargo metadata --no-deps`'s answer: cargo's freshness check applied to cargo
//! itself.
//!
//! Without dependencies, what `cargo metadata` answers is a function of the command (manifest
//! and flags), the environment cargo reads (variables named `CARGO*`, `RUST*` and `__CARGO*`,
//! `PATH`, `HOME`: the record's key) and these files, which the record observes
//! ([`Observation`]s, checked as the [`crate::fingerprint`] checks its own):
//! - cargo's configuration: `.cargo/config{,.toml}` in the manifest's directory and every
//!   ancestor, and in cargo's home (cargo gets their data-only part, [`crate::cargo_config`]);
//! - the toolchain: the resolved programs in the key ([`Toolchain`]'s choice), and the `cargo`
//!   that `$CARGO` or `PATH` names (by identity: resolved path,
//!   inode, size, modification time), and for rustup's proxies `rust-toolchain{,.toml}` in every
//!   ancestor, rustup's `settings.toml` and each installed toolchain's `cargo`;
//! - the workspace: `Cargo.toml` in every ancestor of the manifest and of every package (the
//!   workspace root search, and members claimed by another workspace), every package's
//!   manifest, and the listing of each directory a `members` or `default-members` glob expands;
//! - target auto-discovery, for every package: whether `build.rs`, `README.md`, `README.txt`,
//!   `README`, `src/lib.rs`, `src/main.rs` and each target's source path exist, the listings
//!   of `src/bin/`, `examples/`, `tests/` and `benches/` and whether each of their entries holds
//!   a `main.rs`, and for the 2015 edition (which also infers `src/<name>.rs`) the listing of
//!   `src/`.
//!
//! When every observation holds, the stored answer is cargo's answer. A workspace whose inputs
//! this list may not cover is never stored: a glob with a wildcard below its first wildcard
//! component (or `**`), a configuration that `include`s other files, a `cargo` not found on
//! `PATH`, a path that is not UTF-8. Nor is an answer any of whose inputs changed while cargo
//! ran or shortly before, since the observations, taken after cargo answered, could then show
//! a later state than cargo read. That is judged by modification times: of the path, or of its
//! directory where only its existence is observed (`src/main.rs`: editing it does not count,
//! creating or removing it does). A file observed by content that is created while cargo runs
//! (a `.cargo/config.toml`, a `Cargo.toml` above the workspace) is not caught; the
//! [`crate::fingerprint`] has the same window. With dependencies (`Cargo.lock`, vendored
//! sources, source replacement) cargo always runs.

use crate::cache_file::{self, Watched};
use crate::fingerprint::Observation;
use crate::source_cache::list_dir;
use crate::toolchain::Toolchain;
use cargo_metadata::{Edition, Metadata};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The [`cache_file`] kind of a stored answer.
const KIND: &str = "cargo metadata";

/// What a stored answer holds.
#[derive(Serialize, Deserialize)]
struct Record {
    key: [u8; 32],
    observations: Vec<(String, Observation)>,
    /// `cargo metadata`'s JSON line.
    answer: String,
}

/// The stored answer of one `cargo metadata --no-deps` command (see the module docs).
pub(crate) struct MetadataCache {
    file: PathBuf,
    key: [u8; 32],
}

impl MetadataCache {
    /// The answer stored in `dir` for `cargo <args>` (naming the absolute `manifest`) as
    /// `toolchain` runs it, in this process's environment.
    pub fn new(
        dir: &Path,
        manifest: &Path,
        args: &[OsString],
        toolchain: &Toolchain,
    ) -> MetadataCache {
        let mut key = blake3::Hasher::new();
        key.update(format!("{toolchain:?}").as_bytes());
        for arg in args {
            key.update(&[0]).update(arg.as_encoded_bytes());
        }
        let mut environment: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(name, _)| {
                let name = name.as_encoded_bytes();
                [&b"CARGO"[..], b"RUST", b"__CARGO"]
                    .iter()
                    .any(|prefix| name.starts_with(prefix))
                    || name == b"PATH"
                    || name == b"HOME"
            })
            .collect();
        environment.sort();
        for (name, value) in &environment {
            key.update(&[0]).update(name.as_encoded_bytes());
            key.update(&[1]).update(value.as_encoded_bytes());
        }
        MetadataCache {
            file: cache_file::path(dir, "metadata", &[manifest.as_os_str().as_encoded_bytes()]),
            key: key.finalize().into(),
        }
    }

    /// The stored answer, when there is one for this command and environment and every
    /// observation holds; `None` otherwise (also for a damaged or foreign file).
    pub fn answer(&self) -> Option<String> {
        let payload = cache_file::read(&self.file, KIND)?;
        let record: Record = postcard::from_bytes(&payload).ok()?;
        if record.key != self.key {
            return None;
        }
        let hold = record
            .observations
            .par_iter()
            .all(|(path, seen)| seen.now(Path::new(path)) == *seen);
        hold.then_some(record.answer)
    }

    /// Stores `answer` (cargo's JSON line, parsed as `metadata`) for the `manifest` cargo ran
    /// on, at `started`, with what it observes now; skipped silently when the inputs cannot
    /// all be observed (see the module docs) or the file cannot be written.
    pub fn save(&self, manifest: &Path, answer: &str, metadata: &Metadata, started: SystemTime) {
        let Some(paths) = inputs(manifest, metadata) else {
            return;
        };
        let observations: Option<Vec<(String, Observation)>> = paths
            .into_par_iter()
            .map(|(path, seen)| {
                let observation = seen.observe(&path);
                let watched = match seen {
                    Seen::Kind => Watched::Existence,
                    _ => Watched::Content,
                };
                cache_file::settled(&path, started, watched).then_some(())?;
                Some((path.into_os_string().into_string().ok()?, observation))
            })
            .collect();
        let Some(observations) = observations else {
            return;
        };
        let record = Record {
            key: self.key,
            observations,
            answer: answer.to_string(),
        };
        if let Ok(payload) = postcard::to_stdvec(&record) {
            let _ = cache_file::write(&self.file, KIND, &payload);
        }
    }
}

/// How a path is observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Seen {
    Content,
    Kind,
    Listing,
    Stamp,
}

impl Seen {
    fn observe(self, path: &Path) -> Observation {
        match self {
            Seen::Content => Observation::content(path),
            Seen::Kind => Observation::kind(path),
            Seen::Listing => Observation::listing_of(path),
            Seen::Stamp => Observation::stamp(path),
        }
    }
}

/// Every path cargo's answer for `manifest` depends on, as the module docs list them; `None`
/// when they cannot all be named.
fn inputs(manifest: &Path, metadata: &Metadata) -> Option<BTreeSet<(PathBuf, Seen)>> {
    let mut paths = BTreeSet::new();
    let cwd = manifest.parent()?;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let cargo_home = var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| Some(home.as_ref()?.join(".cargo")));
    let config_dirs = cwd
        .ancestors()
        .map(|dir| dir.join(".cargo"))
        .chain(cargo_home);
    for dir in config_dirs {
        for name in ["config", "config.toml"] {
            let path = dir.join(name);
            if std::fs::read(&path).is_ok_and(|text| text.windows(7).any(|w| w == b"include")) {
                return None;
            }
            paths.insert((path, Seen::Content));
        }
    }
    for dir in cwd.ancestors() {
        for name in ["rust-toolchain", "rust-toolchain.toml"] {
            paths.insert((dir.join(name), Seen::Content));
        }
    }
    let rustup_home = var("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| Some(home.as_ref()?.join(".rustup")));
    if let Some(rustup) = rustup_home {
        paths.insert((rustup.join("settings.toml"), Seen::Content));
        let toolchains = rustup.join("toolchains");
        for (name, _) in list_dir(&toolchains) {
            paths.insert((toolchains.join(name).join("bin/cargo"), Seen::Stamp));
        }
        paths.insert((toolchains, Seen::Listing));
    }
    cargo_program(cwd, &mut paths)?;

    observe_member_globs(metadata.workspace_root.as_std_path(), &mut paths)?;
    for dir in cwd.ancestors() {
        paths.insert((dir.join("Cargo.toml"), Seen::Content));
    }
    for package in &metadata.packages {
        let manifest = package.manifest_path.as_std_path();
        let dir = manifest.parent()?;
        for ancestor in dir.ancestors() {
            paths.insert((ancestor.join("Cargo.toml"), Seen::Content));
        }
        let inferred = ["build.rs", "README.md", "README.txt", "README"];
        for name in inferred.iter().chain(&["src/lib.rs", "src/main.rs"]) {
            paths.insert((dir.join(name), Seen::Kind));
        }
        if package.edition == Edition::E2015 {
            paths.insert((dir.join("src"), Seen::Listing));
        }
        for listed in ["src/bin", "examples", "tests", "benches"] {
            let listed = dir.join(listed);
            for (name, _) in list_dir(&listed) {
                paths.insert((listed.join(name).join("main.rs"), Seen::Kind));
            }
            paths.insert((listed, Seen::Listing));
        }
        for target in &package.targets {
            paths.insert((target.src_path.as_std_path().to_path_buf(), Seen::Kind));
        }
    }
    Some(paths)
}

/// Adds the `cargo` that runs (`$CARGO`, else the first on `PATH`) and, for a command name,
/// whether each `PATH` directory before it holds one; `None` when none is found.
fn cargo_program(cwd: &Path, paths: &mut BTreeSet<(PathBuf, Seen)>) -> Option<()> {
    if let Some(cargo) = std::env::var_os("CARGO") {
        paths.insert((cwd.join(cargo), Seen::Stamp));
        return Some(());
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH")?) {
        let candidate = cwd.join(dir).join("cargo");
        if candidate.is_file() {
            paths.insert((candidate, Seen::Stamp));
            return Some(());
        }
        paths.insert((candidate, Seen::Kind));
    }
    None
}

/// Adds what the `members` and `default-members` globs of the workspace at `root` expand:
/// for a glob whose only wildcard component is the `i`th, the listing of the directory its
/// first `i` components name and, for each entry `e`, the kind of `e/<rest>` and its
/// `Cargo.toml`. `None` for any other glob, or when the root manifest cannot be read.
fn observe_member_globs(root: &Path, paths: &mut BTreeSet<(PathBuf, Seen)>) -> Option<()> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let manifest: toml::Table = text.parse().ok()?;
    let Some(workspace) = manifest.get("workspace") else {
        return Some(());
    };
    let patterns = ["members", "default-members"]
        .into_iter()
        .filter_map(|key| workspace.get(key)?.as_array())
        .flatten();
    let is_glob = |part: &&str| part.contains(['*', '?', '[']);
    for pattern in patterns {
        let parts: Vec<&str> = pattern.as_str()?.split('/').collect();
        let Some(wildcard) = parts.iter().position(is_glob) else {
            continue;
        };
        if parts[wildcard].contains("**") || parts[wildcard + 1..].iter().any(is_glob) {
            return None;
        }
        let base: PathBuf = root.join(parts[..wildcard].join("/"));
        let rest = parts[wildcard + 1..].join("/");
        for (name, _) in list_dir(&base) {
            let member = match rest.as_str() {
                "" => base.join(name),
                rest => base.join(name).join(rest),
            };
            paths.insert((member.join("Cargo.toml"), Seen::Kind));
            paths.insert((member, Seen::Kind));
        }
        paths.insert((base, Seen::Listing));
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `observe_member_globs` adds for a root manifest whose members are `members`.
    fn globs(members: &str) -> Option<BTreeSet<(PathBuf, Seen)>> {
        let root = tempfile::tempdir().unwrap();
        for dir in ["crates/a/impl", "crates/b"] {
            std::fs::create_dir_all(root.path().join(dir)).unwrap();
        }
        let manifest = format!("[workspace]\nmembers = {members}\n");
        std::fs::write(root.path().join("Cargo.toml"), manifest).unwrap();
        let mut paths = BTreeSet::new();
        observe_member_globs(root.path(), &mut paths)?;
        let relative = |(path, seen): (PathBuf, Seen)| {
            (path.strip_prefix(root.path()).unwrap().to_path_buf(), seen)
        };
        Some(paths.into_iter().map(relative).collect())
    }

    #[test]
    fn member_globs_are_observed_or_refused() {
        let set = |paths: &[(&str, Seen)]| {
            Some(
                paths
                    .iter()
                    .map(|(p, s)| (PathBuf::from(p), *s))
                    .collect::<BTreeSet<_>>(),
            )
        };
        assert_eq!(globs(r#"["crates/a"]"#), set(&[]), "no wildcard");
        assert_eq!(
            globs(r#"["crates/*/impl"]"#),
            set(&[
                ("crates", Seen::Listing),
                ("crates/a/impl", Seen::Kind),
                ("crates/a/impl/Cargo.toml", Seen::Kind),
                ("crates/b/impl", Seen::Kind),
                ("crates/b/impl/Cargo.toml", Seen::Kind),
            ])
        );
        assert_eq!(globs(r#"["crates/**"]"#), None);
        assert_eq!(globs(r#"["*/*"]"#), None);
    }
}
