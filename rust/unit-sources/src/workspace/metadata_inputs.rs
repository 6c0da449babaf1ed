//! The inputs of `cargo metadata --no-deps`: every path cargo's answer depends on, and how a
//! [`crate::workspace::metadata_cache`] observes each to tell whether the answer still holds:
//! - cargo's configuration: `.cargo/config{,.toml}` in the manifest's directory and every
//!   ancestor, and in cargo's home (cargo gets their data-only part, [`crate::workspace::cargo_config`]);
//! - the toolchain: the `cargo` that `$CARGO` or `PATH` names (by identity: resolved path,
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
//! Contract: when the inputs may not all be named, there are none: a glob with a wildcard
//! below its first wildcard component (or `**`), a configuration that `include`s other files,
//! a `cargo` not found on `PATH`. The module reads the environment and the file system; it
//! knows nothing of how answers are stored or moved to another root.

use crate::fs::observation::{list_dir, Observation};
use cargo_metadata::{Edition, Metadata};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The files cargo (and rustup, for its proxies) looks for in every ancestor of the manifest.
pub(crate) const ANCESTOR_FILES: [&str; 5] = [
    ".cargo/config",
    ".cargo/config.toml",
    "rust-toolchain",
    "rust-toolchain.toml",
    "Cargo.toml",
];

/// The [`ANCESTOR_FILES`] in the strict ancestors of `root` that exist, other than the `fixed`
/// inputs, with their content; `None` when one is not UTF-8.
pub(crate) fn present_ancestors(
    root: &Path,
    fixed: &BTreeSet<&str>,
) -> Option<Vec<(String, Observation)>> {
    let mut present = Vec::new();
    for dir in root.ancestors().skip(1) {
        for name in ANCESTOR_FILES {
            let path = dir.join(name);
            let text = path.to_str()?;
            if fixed.contains(text) {
                continue;
            }
            if let seen @ Observation::Content(Some(_)) = Observation::content(&path) {
                present.push((text.to_string(), seen));
            }
        }
    }
    present.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Some(present)
}

/// Where an input lies: below the root (or in the manifest's ancestors), or in a place that
/// does not depend on where the workspace lies (cargo's home, rustup, the `cargo` program); the root's ancestors' files are not listed as
/// inputs but found by [`present_ancestors`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Place {
    /// Below the root, or elsewhere in the manifest's ancestors.
    Tree,
    /// Independent of where the workspace lies.
    Fixed,
}

/// How a path is observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Seen {
    /// By content ([`Observation::content`]).
    Content,
    /// By kind: whether it is a file, a directory or missing ([`Observation::kind`]).
    Kind,
    /// By the listing of a directory ([`Observation::listing_of`]).
    Listing,
    /// By identity: resolved path, inode, size, modification time ([`Observation::stamp`]).
    Stamp,
}

impl Seen {
    /// The observation of `path` this way.
    pub fn observe(self, path: &Path) -> Observation {
        match self {
            Seen::Content => Observation::content(path),
            Seen::Kind => Observation::kind(path),
            Seen::Listing => Observation::listing_of(path),
            Seen::Stamp => Observation::stamp(path),
        }
    }
}

/// One path cargo's answer depends on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Input {
    pub path: PathBuf,
    pub seen: Seen,
    pub place: Place,
}

/// Every path cargo's answer for `manifest` depends on, as the module docs list them, except
/// the files in the root's ancestors ([`present_ancestors`]); `None` when they cannot all be
/// named.
pub(crate) fn inputs(manifest: &Path, metadata: &Metadata) -> Option<BTreeSet<Input>> {
    let mut inputs = Inputs {
        root: metadata.workspace_root.as_std_path(),
        found: BTreeSet::new(),
    };
    let cwd = manifest.parent()?;
    inputs.configuration(cwd)?;
    inputs.toolchain(cwd)?;
    inputs.workspace(cwd)?;
    for package in &metadata.packages {
        inputs.package(package)?;
    }
    Some(inputs.found)
}

/// The inputs found so far, for the workspace at `root`.
struct Inputs<'r> {
    root: &'r Path,
    found: BTreeSet<Input>,
}

impl Inputs<'_> {
    /// Adds `path`, an input that lies in the tree, unless it is one of the files in the
    /// root's ancestors, which [`present_ancestors`] finds.
    fn tree(&mut self, path: PathBuf, seen: Seen) {
        let root = self.root;
        let in_ancestors = !path.starts_with(root)
            && root
                .ancestors()
                .skip(1)
                .any(|dir| ANCESTOR_FILES.iter().any(|name| dir.join(name) == path));
        if !in_ancestors {
            self.found.insert(Input {
                path,
                seen,
                place: Place::Tree,
            });
        }
    }

    fn fixed(&mut self, path: PathBuf, seen: Seen) {
        self.found.insert(Input {
            path,
            seen,
            place: Place::Fixed,
        });
    }

    /// cargo's configuration files, in every ancestor of `cwd` and in cargo's home; `None`
    /// when one of them may `include` another.
    fn configuration(&mut self, cwd: &Path) -> Option<()> {
        let includes = |path: &Path| {
            std::fs::read(path).is_ok_and(|text| text.windows(7).any(|w| w == b"include"))
        };
        for dir in cwd.ancestors().map(|dir| dir.join(".cargo")) {
            for name in ["config", "config.toml"] {
                let path = dir.join(name);
                if includes(&path) {
                    return None;
                }
                self.tree(path, Seen::Content);
            }
        }
        if let Some(dir) = home_dir("CARGO_HOME", ".cargo") {
            for name in ["config", "config.toml"] {
                let path = dir.join(name);
                if includes(&path) {
                    return None;
                }
                self.fixed(path, Seen::Content);
            }
        }
        Some(())
    }

    /// The toolchain files of every ancestor of `cwd`, rustup's settings and toolchains, and
    /// the `cargo` that runs; `None` when no `cargo` is found.
    fn toolchain(&mut self, cwd: &Path) -> Option<()> {
        for dir in cwd.ancestors() {
            for name in ["rust-toolchain", "rust-toolchain.toml"] {
                self.tree(dir.join(name), Seen::Content);
            }
        }
        if let Some(rustup) = home_dir("RUSTUP_HOME", ".rustup") {
            self.fixed(rustup.join("settings.toml"), Seen::Content);
            let toolchains = rustup.join("toolchains");
            for (name, _) in list_dir(&toolchains) {
                self.fixed(toolchains.join(name).join("bin/cargo"), Seen::Stamp);
            }
            self.fixed(toolchains, Seen::Listing);
        }
        self.cargo_program(cwd)
    }

    /// Adds the `cargo` that runs (`$CARGO`, else the first on `PATH`) and, for a command
    /// name, whether each `PATH` directory before it holds one; `None` when none is found.
    fn cargo_program(&mut self, cwd: &Path) -> Option<()> {
        if let Some(cargo) = std::env::var_os("CARGO") {
            self.fixed(cwd.join(cargo), Seen::Stamp);
            return Some(());
        }
        for dir in std::env::split_paths(&std::env::var_os("PATH")?) {
            let candidate = cwd.join(dir).join("cargo");
            if candidate.is_file() {
                self.fixed(candidate, Seen::Stamp);
                return Some(());
            }
            self.fixed(candidate, Seen::Kind);
        }
        None
    }

    /// What the root's member globs expand, and the `Cargo.toml` of every ancestor of `cwd`;
    /// `None` for a glob whose expansion is not observed.
    fn workspace(&mut self, cwd: &Path) -> Option<()> {
        let mut globs = BTreeSet::new();
        observe_member_globs(self.root, &mut globs)?;
        for (path, seen) in globs {
            self.tree(path, seen);
        }
        for dir in cwd.ancestors() {
            self.tree(dir.join("Cargo.toml"), Seen::Content);
        }
        Some(())
    }

    /// The `Cargo.toml` of every ancestor of the package's directory, and what cargo's target
    /// auto-discovery looks at there; `None` when the manifest has no directory.
    fn package(&mut self, package: &cargo_metadata::Package) -> Option<()> {
        let dir = package.manifest_path.as_std_path().parent()?;
        for ancestor in dir.ancestors() {
            self.tree(ancestor.join("Cargo.toml"), Seen::Content);
        }
        let inferred = ["build.rs", "README.md", "README.txt", "README"];
        for name in inferred.iter().chain(&["src/lib.rs", "src/main.rs"]) {
            self.tree(dir.join(name), Seen::Kind);
        }
        if package.edition == Edition::E2015 {
            self.tree(dir.join("src"), Seen::Listing);
        }
        for listed in ["src/bin", "examples", "tests", "benches"] {
            let listed = dir.join(listed);
            for (name, _) in list_dir(&listed) {
                self.tree(listed.join(name).join("main.rs"), Seen::Kind);
            }
            self.tree(listed, Seen::Listing);
        }
        for target in &package.targets {
            self.tree(target.src_path.as_std_path().to_path_buf(), Seen::Kind);
        }
        Some(())
    }
}

/// The directory `$<variable>` names when set and not empty, else `$HOME/<below_home>`.
fn home_dir(variable: &str, below_home: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from(std::env::var_os("HOME")?).join(below_home)))
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
