//! Reading a workspace: `cargo metadata --offline`, run at most once per scan (not at all when
//! the [`MetadataCache`] holds its answer); `--no-deps` unless the scan covers dependencies too.

use crate::metadata_cache::MetadataCache;
use crate::{Error, FeatureSelection};
use cargo_metadata::{DependencyKind, Metadata, MetadataCommand, Package, PackageId};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A workspace as cargo describes it: its root and the packages whose sources lie below it.
pub(crate) struct Workspace {
    /// The absolute workspace root.
    pub root: PathBuf,
    /// The member packages in cargo's order, then (with dependencies) the other packages of
    /// the resolve, all of which lie below the root (path dependencies, vendored crates).
    pub packages: Vec<LocalPackage>,
    /// The blake3 digest of `cargo metadata`'s output: everything the scan takes from cargo.
    pub metadata_digest: [u8; 32],
}

/// A package whose sources lie below the workspace root.
pub(crate) struct LocalPackage {
    pub package: Package,
    /// Whether it is a workspace member (all its targets are units) rather than a dependency
    /// (only its library and build script are).
    pub member: bool,
    /// cargo's resolution for it, when the scan covers dependencies.
    pub resolved: Option<Resolved>,
}

/// What cargo's resolver decided for one package.
pub(crate) struct Resolved {
    /// The features enabled (cargo's unified resolution).
    pub features: BTreeSet<String>,
    /// Its dependencies: the name the code uses (`extern crate` name, renames applied), the
    /// package, and the kinds (normal, dev, build) under which it depends on it.
    pub deps: Vec<(String, PackageId, Vec<DependencyKind>)>,
}

impl Workspace {
    /// Reads the workspace of `manifest`, a `Cargo.toml` as [`manifest_path`] returns it.
    ///
    /// With `dependencies`, cargo also resolves the dependency graph (offline and locked: from
    /// an up-to-date `Cargo.lock`, which is never written, and the sources cargo is configured with, such as a `cargo vendor`
    /// directory) under those feature flags (the superset means `--all-features`) and, with
    /// `target`, `--filter-platform`; every package of the resolve must then lie below the
    /// root.
    ///
    /// With a `cache_dir` and without dependencies, cargo's answer is taken from the
    /// [`MetadataCache`] when its inputs are unchanged, and stored there after cargo runs.
    ///
    /// Errors carry cargo's own message, folded to one line, when `cargo metadata` fails
    /// (malformed manifest, …).
    pub fn load(
        manifest: &Path,
        dependencies: Option<&FeatureSelection>,
        target: Option<&str>,
        cache_dir: Option<&Path>,
    ) -> Result<Workspace, Error> {
        let dir = manifest.parent().unwrap_or(Path::new("/"));
        let mut command = MetadataCommand::new();
        command.manifest_path(manifest).current_dir(dir);
        let mut options = vec!["--offline".to_string()];
        match dependencies {
            None => {
                command.no_deps();
            }
            Some(selection) => {
                // --locked: never write a Cargo.lock into the source tree.
                options.push("--locked".to_string());
                options.extend(selection.cargo_flags());
                if let Some(target) = target {
                    options.extend(["--filter-platform".to_string(), target.to_string()]);
                }
            }
        }
        let cache = cache_dir
            .filter(|_| dependencies.is_none())
            .map(|dir| MetadataCache::new(dir, manifest, &options));
        if let Some(json) = cache.as_ref().and_then(MetadataCache::answer) {
            if let Ok(metadata) = MetadataCommand::parse(&json) {
                return Workspace::from_metadata(metadata, &json, manifest);
            }
        }
        let started = SystemTime::now();
        let json = run_metadata(command.other_options(options))
            .map_err(|e| metadata_error(manifest, e))?;
        let metadata = MetadataCommand::parse(&json).map_err(|e| metadata_error(manifest, e))?;
        if let Some(cache) = cache {
            cache.save(manifest, &json, &metadata, started);
        }
        Workspace::from_metadata(metadata, &json, manifest)
    }

    /// The workspace cargo's answer `json` (parsed as `metadata`) describes.
    fn from_metadata(metadata: Metadata, json: &str, manifest: &Path) -> Result<Workspace, Error> {
        let metadata_digest = blake3::hash(json.as_bytes()).into();
        let root = PathBuf::from(metadata.workspace_root.as_std_path());
        let mut resolved: BTreeMap<PackageId, Resolved> = BTreeMap::new();
        for node in metadata.resolve.iter().flat_map(|r| &r.nodes) {
            let deps = node
                .deps
                .iter()
                .map(|d| {
                    (
                        d.name.clone(),
                        d.pkg.clone(),
                        d.dep_kinds.iter().map(|k| k.kind).collect(),
                    )
                })
                .collect();
            let features = node.features.iter().map(|f| f.to_string()).collect();
            resolved.insert(node.id.clone(), Resolved { features, deps });
        }
        let (members, others): (Vec<Package>, Vec<Package>) = metadata
            .packages
            .into_iter()
            .partition(|p| metadata.workspace_members.contains(&p.id));
        let mut packages = Vec::new();
        for (package, member) in members
            .into_iter()
            .map(|p| (p, true))
            .chain(others.into_iter().map(|p| (p, false)))
        {
            if !package.manifest_path.as_std_path().starts_with(&root) {
                return Err(Error::in_file(
                    manifest,
                    format!(
                        "dependency {} {} lies outside the workspace root ({}); vendor it (cargo vendor) below the root",
                        package.name,
                        package.version,
                        package.manifest_path
                    ),
                ));
            }
            let resolved = resolved.remove(&package.id);
            packages.push(LocalPackage {
                package,
                member,
                resolved,
            });
        }
        Ok(Workspace {
            root,
            packages,
            metadata_digest,
        })
    }

    /// The member packages.
    pub fn members(&self) -> impl Iterator<Item = &Package> {
        self.packages
            .iter()
            .filter(|p| p.member)
            .map(|p| &p.package)
    }
}

/// Runs `command` as `MetadataCommand::exec` does, and returns the JSON line of its output.
fn run_metadata(command: &MetadataCommand) -> Result<String, cargo_metadata::Error> {
    let output = command.cargo_command().output()?;
    if !output.status.success() {
        return Err(cargo_metadata::Error::CargoMetadata {
            stderr: String::from_utf8(output.stderr)?,
        });
    }
    String::from_utf8(output.stdout)?
        .lines()
        .find(|line| line.starts_with('{'))
        .map(str::to_string)
        .ok_or(cargo_metadata::Error::NoJson)
}

/// The absolute `Cargo.toml` path for what the user named: a `Cargo.toml`, or a directory
/// holding one. Errors name the path when it does not exist or holds no `Cargo.toml`.
pub(crate) fn manifest_path(given: &Path) -> Result<PathBuf, Error> {
    let absolute = std::path::absolute(given).map_err(|e| Error::in_file(given, e.to_string()))?;
    let metadata = std::fs::metadata(&absolute).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::in_file(&absolute, "does not exist"),
        _ => Error::in_file(&absolute, e.to_string()),
    })?;
    if !metadata.is_dir() {
        return Ok(absolute);
    }
    let manifest = absolute.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(Error::in_file(&absolute, "no Cargo.toml in this directory"));
    }
    Ok(manifest)
}

/// Folds a failure of `cargo metadata` into one line naming the manifest.
fn metadata_error(manifest: &Path, error: cargo_metadata::Error) -> Error {
    match error {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            if let Some(located) = located_error(manifest, &stderr) {
                return located;
            }
            let lines: Vec<&str> = stderr
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && *l != "Caused by:" && !is_snippet_line(l))
                .map(|l| l.strip_prefix("error: ").unwrap_or(l))
                .collect();
            Error::in_file(
                manifest,
                format!("cargo metadata failed: {}", lines.join(": ")),
            )
        }
        cargo_metadata::Error::Io(e) => Error::new(format!(
            "cannot run `cargo metadata` for {}: {e}",
            manifest.display()
        )),
        other => Error::in_file(manifest, format!("cargo metadata failed: {other}")),
    }
}

/// cargo's `error: <message>` followed by ` --> <file>:<line>:<column>` (paths relative to the
/// manifest's directory, where cargo runs) as an error at that file and line.
fn located_error(manifest: &Path, stderr: &str) -> Option<Error> {
    let mut lines = stderr.lines();
    let message = lines.next()?.strip_prefix("error: ")?;
    let location = lines.next()?.trim().strip_prefix("--> ")?;
    let mut parts = location.rsplitn(3, ':');
    let (_column, line, file) = (parts.next()?, parts.next()?.parse().ok()?, parts.next()?);
    let dir = manifest.parent().unwrap_or(Path::new("/"));
    Some(Error::at(dir.join(file), line, message))
}

/// The source excerpt lines of cargo's TOML errors (`3 | x = `, `  |     ^`).
fn is_snippet_line(line: &str) -> bool {
    let line = line
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start();
    line.starts_with('|') || line.starts_with('^')
}
