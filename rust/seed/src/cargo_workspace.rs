//! cargo 0.96.0's own workspace, rebuilt from crates.io alone.
//!
//! The published `cargo` package keeps its original manifest, `[workspace]` table included, as
//! `Cargo.toml.orig`, and the packages of its workspace are published too. The assembly:
//!
//! 1. unpacks `cargo` 0.96.0 at the root and restores its original manifest;
//! 2. for every dependency of an original manifest that has both a `path` and a `version`
//!    (directly or through `workspace = true`), unpacks that package at its path, with its own
//!    original manifest, and does the same for its dependencies (the packages' own
//!    `.cargo_vcs_info.json` must agree on the path);
//! 3. drops from `workspace.members` the explicit entries no published package fills
//!    (`benches/benchsuite` and `benches/capture`, which are not published); the globs
//!    (`crates/*`, `credential/*`) match what was placed;
//! 4. writes the pinned lock file (`locks/cargo-0.96.0.lock`) as `Cargo.lock` and vendors
//!    the rest (`cargo vendor --locked vendor` and the `.cargo/config.toml` it prints).
//!
//! The versions of the placed packages are the pinned lock's path packages; their checksums
//! come from the `Cargo.lock` published inside `cargo` 0.96.0, whose own checksum is pinned
//! here. The pinned lock was made once by [`update_lock`]: the published lock, which pins
//! `cargo`'s dependencies and dev-dependencies, completed by cargo for what the other members
//! need (newest versions whose `rust-version` the members accept).

use crate::fetch::{sha256_text, write};
use crate::lock::{self, Locked};
use crate::{assembled, clear, complete_lock, stamp, vendor, Cache, Member, Workspace};
use semver::{Version, VersionReq};
use std::collections::VecDeque;
use std::path::{Component, Path};

/// The version of cargo whose workspace is assembled.
pub const VERSION: &str = "0.96.0";

/// The sha256 of `cargo-0.96.0.crate`, as crates.io's index gives it.
const CHECKSUM: &str = "4653299848aaa3c7c34a06a9c1f9248e1340f8d23aa2bd1681a131a070c1cd06";

/// The pinned lock file of the assembled workspace.
const LOCK: &str = include_str!("../locks/cargo-0.96.0.lock");

/// The path of `LOCK` (the lock file this workspace is assembled from), relative to this crate's directory.
pub const LOCK_FILE: &str = "locks/cargo-0.96.0.lock";

/// Assembles the workspace in `root` (replacing what is there), or returns the one already
/// there when it was assembled from the same pins.
pub fn assemble(root: &Path, cache: &Cache) -> Result<Workspace, String> {
    let key = format!("cargo {VERSION}, lock sha256 {}", sha256_text(LOCK));
    if let Some(workspace) = assembled(root, &key) {
        return Ok(workspace);
    }
    let pinned = lock::packages(LOCK, LOCK_FILE)?;
    let mut workspace = place(root, cache, Some(&pinned))?;
    write(&root.join("Cargo.lock"), LOCK)?;
    workspace.vendored = vendor(root)?;
    stamp(&workspace, &key)?;
    Ok(workspace)
}

/// A new lock file for the workspace, assembled in `scratch` (replacing what is there): the
/// lock published with cargo, completed by cargo (online) for the packages the other members
/// need, preferring versions whose `rust-version` the members accept.
pub fn update_lock(scratch: &Path, cache: &Cache) -> Result<String, String> {
    place(scratch, cache, None)?;
    complete_lock(scratch)
}

/// Steps 1 to 3 of the assembly in `root`, with the versions of the placed packages from
/// `pinned` (its path packages), or from cargo's published lock without it.
fn place(root: &Path, cache: &Cache, pinned: Option<&[Locked]>) -> Result<Workspace, String> {
    clear(root)?;
    cache.unpack("cargo", VERSION, CHECKSUM, root)?;
    let published_path = root.join("Cargo.lock");
    let published = std::fs::read_to_string(&published_path)
        .map_err(|e| format!("{}: {e}", published_path.display()))?;
    let published = lock::packages(&published, "cargo's published Cargo.lock")?;
    let versions = pinned.unwrap_or(&published);
    restore_manifest(root)?;
    let workspace_dependencies = read_manifest(root)?
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    let mut members = vec![Member {
        name: "cargo".into(),
        version: VERSION.into(),
        path: String::new(),
    }];
    let mut queue = VecDeque::from([String::new()]);
    while let Some(dir) = queue.pop_front() {
        let manifest = read_manifest(&root.join(&dir))?;
        for dependency in dependencies(&manifest, &workspace_dependencies) {
            let Some((path, requirement)) = dependency.published_path() else {
                continue;
            };
            let base = if dependency.inherited {
                ""
            } else {
                dir.as_str()
            };
            let path = normalize(base, path).ok_or_else(|| {
                format!("{}: path {path:?} leaves the workspace", dependency.name)
            })?;
            if members.iter().any(|m| m.path == path) {
                continue;
            }
            let package = dependency.package();
            let version = version_of(versions, package, requirement)?;
            let checksum = lock::checksum(&published, package, &version).ok_or_else(|| {
                format!("cargo's published Cargo.lock has no checksum for {package} {version}")
            })?;
            let dest = root.join(&path);
            cache.unpack(package, &version, checksum, &dest)?;
            check_published_path(&dest, &path, package)?;
            restore_manifest(&dest)?;
            members.push(Member {
                name: package.to_string(),
                version,
                path: path.clone(),
            });
            queue.push_back(path);
        }
    }
    let dropped_members = drop_missing_members(root)?;
    Ok(Workspace {
        root: root.to_path_buf(),
        members,
        dropped_members,
        vendored: 0,
    })
}

/// One dependency of a manifest, in any dependency table.
struct Dependency<'a> {
    /// The name it has in the manifest.
    name: &'a str,
    /// Its specification, the workspace's when inherited.
    spec: Option<&'a toml::Table>,
    /// Whether it is `workspace = true` (its path is then relative to the root).
    inherited: bool,
}

impl Dependency<'_> {
    /// Its `path` and version requirement, when it has both (what `cargo publish` turns into a
    /// registry dependency).
    fn published_path(&self) -> Option<(&str, &str)> {
        let spec = self.spec?;
        Some((spec.get("path")?.as_str()?, spec.get("version")?.as_str()?))
    }

    /// The package it names.
    fn package(&self) -> &str {
        self.spec
            .and_then(|s| s.get("package"))
            .and_then(toml::Value::as_str)
            .unwrap_or(self.name)
    }
}

/// Every dependency of `manifest` (all kinds, also per target), with `workspace = true`
/// resolved in `workspace_dependencies`.
fn dependencies<'a>(
    manifest: &'a toml::Table,
    workspace_dependencies: &'a toml::Table,
) -> Vec<Dependency<'a>> {
    let mut tables = vec![manifest];
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        tables.extend(targets.values().filter_map(toml::Value::as_table));
    }
    let mut found = vec![];
    for table in tables {
        for key in [
            "dependencies",
            "dev-dependencies",
            "dev_dependencies",
            "build-dependencies",
            "build_dependencies",
        ] {
            let Some(deps) = table.get(key).and_then(toml::Value::as_table) else {
                continue;
            };
            for (name, spec) in deps {
                let spec = spec.as_table();
                let inherited = spec
                    .and_then(|s| s.get("workspace"))
                    .and_then(toml::Value::as_bool)
                    == Some(true);
                let spec = if inherited {
                    workspace_dependencies
                        .get(name)
                        .and_then(toml::Value::as_table)
                } else {
                    spec
                };
                found.push(Dependency {
                    name,
                    spec,
                    inherited,
                });
            }
        }
    }
    found
}

/// The version of `package` to place: the path package of that name in `versions` when it has
/// one (a pinned lock), else its one registry version meeting `requirement`.
fn version_of(versions: &[Locked], package: &str, requirement: &str) -> Result<String, String> {
    let requirement =
        VersionReq::parse(requirement).map_err(|e| format!("{package} {requirement:?}: {e}"))?;
    let named: Vec<&Locked> = versions.iter().filter(|p| p.name == package).collect();
    let path_packages: Vec<&Locked> = named
        .iter()
        .copied()
        .filter(|p| p.source.is_none())
        .collect();
    let candidates = if path_packages.is_empty() {
        named
    } else {
        path_packages
    };
    let meeting: Vec<&Locked> = candidates
        .into_iter()
        .filter(|p| Version::parse(&p.version).is_ok_and(|v| requirement.matches(&v)))
        .collect();
    match meeting.as_slice() {
        [one] => Ok(one.version.clone()),
        [] => Err(format!(
            "the lock file pins no version of {package} meeting {requirement}"
        )),
        _ => Err(format!(
            "the lock file pins several versions of {package} meeting {requirement}"
        )),
    }
}

/// Joins the relative `path` to `base` (both relative to the root, `/`-separated) without `.`
/// or `..` components; `None` when it leaves the root.
fn normalize(base: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// Checks that the package unpacked in `dir` was published from `path` of its repository.
fn check_published_path(dir: &Path, path: &str, package: &str) -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")) else {
        return Ok(());
    };
    let info: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{package}: .cargo_vcs_info.json: {e}"))?;
    match info["path_in_vcs"].as_str() {
        Some(published) if published != path => Err(format!(
            "{package} was published from {published:?}, but cargo's manifests place it at {path:?}"
        )),
        _ => Ok(()),
    }
}

/// Restores the original manifest of the package unpacked in `dir` (`Cargo.toml.orig` becomes
/// `Cargo.toml`).
fn restore_manifest(dir: &Path) -> Result<(), String> {
    let original = dir.join("Cargo.toml.orig");
    std::fs::rename(&original, dir.join("Cargo.toml"))
        .map_err(|e| format!("{}: {e}", original.display()))
}

fn read_manifest(dir: &Path) -> Result<toml::Table, String> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Removes from the root manifest's `workspace.members` every entry without glob characters
/// whose directory has no `Cargo.toml` (its line, so that the rest of the manifest stays as
/// published); returns them.
fn drop_missing_members(root: &Path) -> Result<Vec<String>, String> {
    let path = root.join("Cargo.toml");
    let members = |manifest: &toml::Table| -> Vec<String> {
        let list = manifest
            .get("workspace")
            .and_then(|w| w.get("members"))
            .and_then(toml::Value::as_array);
        list.into_iter()
            .flatten()
            .filter_map(toml::Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let before = members(&read_manifest(root)?);
    let missing: Vec<String> = before
        .iter()
        .filter(|m| !m.contains(['*', '?', '[']) && !root.join(m).join("Cargo.toml").is_file())
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(missing);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    for member in &missing {
        let quoted = format!("\"{member}\"");
        let at = lines
            .iter()
            .position(|l| matches!(l.trim().strip_prefix(&quoted), Some("" | ",")))
            .ok_or_else(|| {
                format!(
                    "{}: member {quoted} is not on a line of its own",
                    path.display()
                )
            })?;
        lines.remove(at);
    }
    let text = lines.concat();
    write(&path, &text)?;
    let after = members(&read_manifest(root)?);
    let expected: Vec<String> = before
        .into_iter()
        .filter(|m| !missing.contains(m))
        .collect();
    if after != expected {
        return Err(format!(
            "{}: dropping {missing:?} left members {after:?}",
            path.display()
        ));
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_without_dots_and_stay_inside() {
        assert_eq!(
            normalize("", "crates/cargo-util").as_deref(),
            Some("crates/cargo-util")
        );
        assert_eq!(
            normalize("credential/a", "../b").as_deref(),
            Some("credential/b")
        );
        assert_eq!(
            normalize("crates/x", "./y/../z").as_deref(),
            Some("crates/x/z")
        );
        assert_eq!(normalize("crates", "../.."), None);
        assert_eq!(normalize("", "/abs"), None);
    }

    #[test]
    fn versions_come_from_path_packages_first() {
        let locked = |name: &str, version: &str, source: Option<&str>| Locked {
            name: name.into(),
            version: version.into(),
            source: source.map(str::to_string),
            checksum: None,
        };
        let registry = Some("registry+https://github.com/rust-lang/crates.io-index");
        let versions = [
            locked("a", "0.2.9", registry),
            locked("a", "0.3.1", None),
            locked("b", "1.0.1", registry),
            locked("b", "2.0.0", registry),
        ];
        assert_eq!(version_of(&versions, "a", "0.3.0").unwrap(), "0.3.1");
        assert_eq!(version_of(&versions, "b", "1").unwrap(), "1.0.1");
        assert_eq!(
            version_of(&versions, "a", "0.2").unwrap_err(),
            "the lock file pins no version of a meeting ^0.2"
        );
        assert_eq!(
            version_of(&versions, "b", ">=1").unwrap_err(),
            "the lock file pins several versions of b meeting >=1"
        );
    }

    #[test]
    fn missing_explicit_members_are_dropped_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = "[workspace]\nmembers = [\n  \"crates/*\",\n  \"benches/gone\",\n  \"tools/here\",\n]\n# kept\n";
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        std::fs::create_dir_all(dir.path().join("tools/here")).unwrap();
        std::fs::write(dir.path().join("tools/here/Cargo.toml"), "").unwrap();
        assert_eq!(drop_missing_members(dir.path()).unwrap(), ["benches/gone"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap(),
            "[workspace]\nmembers = [\n  \"crates/*\",\n  \"tools/here\",\n]\n# kept\n"
        );
    }

    #[test]
    fn inherited_dependencies_take_the_workspace_specification() {
        let manifest: toml::Table = toml::from_str(
            "[dependencies]\nu = { workspace = true, features = [\"x\"] }\nplain = \"1\"\n\
             [target.'cfg(unix)'.dev-dependencies]\nown = { path = \"../own\", version = \"0.1\", package = \"own-pkg\" }\n",
        )
        .unwrap();
        let workspace: toml::Table =
            toml::from_str("u = { path = \"crates/u\", version = \"0.2\" }\n").unwrap();
        let dependencies = dependencies(&manifest, &workspace);
        let found: Vec<String> = dependencies
            .iter()
            .map(|d| {
                format!(
                    "{} {:?} {} {}",
                    d.name,
                    d.published_path(),
                    d.inherited,
                    d.package()
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                "plain None false plain",
                "u Some((\"crates/u\", \"0.2\")) true u",
                "own Some((\"../own\", \"0.1\")) false own-pkg",
            ]
        );
    }
}
