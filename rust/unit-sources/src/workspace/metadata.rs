//! Reading a workspace: `cargo metadata --offline`, run at most once per scan (not at all when
//! the [`MetadataCache`] holds its answer); `--no-deps` unless the scan covers dependencies too.

use crate::fs::relocation;
use crate::workspace::metadata_cache::MetadataCache;
use crate::workspace::toolchain::{CargoFailure, Toolchain};
use crate::{Error, FeatureSelection};
use cargo_metadata::{Metadata, MetadataCommand, Package};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A workspace as cargo describes it: its root and the packages whose sources lie below it.
pub(crate) struct Workspace {
    /// The absolute workspace root.
    pub root: PathBuf,
    /// The member packages in cargo's order, then (with dependencies) the other packages of
    /// the resolve, all of which lie below the root (path dependencies, vendored crates).
    pub packages: Vec<LocalPackage>,
    /// The blake3 digest of `cargo metadata`'s output with the root left out (a
    /// [`relocation::template`], when the root is plain): everything the scan takes from cargo,
    /// given the root.
    pub metadata_digest: [u8; 32],
}

/// A package whose sources lie below the workspace root.
pub(crate) struct LocalPackage {
    pub package: Package,
    /// Whether it is a workspace member (all its targets are units) rather than a dependency
    /// (only its library and build script are).
    pub member: bool,
}

impl Workspace {
    /// Reads the workspace of `manifest`, a `Cargo.toml` as [`manifest_path`] returns it, with
    /// `cargo <args> --manifest-path <manifest>` (`args` from [`metadata_args`]).
    ///
    /// With a `cache` (never with dependencies: see [`metadata_args`]), cargo's answer is taken
    /// from it when its inputs are unchanged, and kept in it after cargo runs.
    ///
    /// cargo runs as `toolchain` runs it: the caller's cargo, never one the workspace selects,
    /// with the data-only part of the configuration ([`crate::workspace::toolchain`]).
    ///
    /// Errors carry cargo's own message, folded to one line, when `cargo metadata` fails
    /// (malformed manifest, …), or name the configuration file that cannot be read.
    pub fn load(
        manifest: &Path,
        args: &[OsString],
        cache: Option<&mut MetadataCache>,
        toolchain: &Toolchain,
    ) -> Result<Workspace, Error> {
        let dir = manifest.parent().unwrap_or(Path::new("/"));
        let mut args = args.to_vec();
        args.extend(["--manifest-path".into(), manifest.into()]);
        let mut cache = cache;
        if let Some(json) = cache.as_deref_mut().and_then(MetadataCache::answer) {
            if let Ok(metadata) = MetadataCommand::parse(&json) {
                return Workspace::from_metadata(metadata, &json, manifest);
            }
        }
        let started = SystemTime::now();
        let json = run_metadata(toolchain, dir, &args).map_err(|e| match e {
            MetadataFailure::Config(e) => e,
            MetadataFailure::Cargo(e) => {
                cargo_error(manifest, toolchain.cargo_dir(dir), e, "cargo metadata")
            }
        })?;
        let metadata = MetadataCommand::parse(&json)
            .map_err(|e| cargo_error(manifest, toolchain.cargo_dir(dir), e, "cargo metadata"))?;
        if let Some(cache) = cache {
            cache.save(&json, &metadata, started);
        }
        Workspace::from_metadata(metadata, &json, manifest)
    }

    /// The workspace cargo's answer `json` (parsed as `metadata`) describes.
    fn from_metadata(metadata: Metadata, json: &str, manifest: &Path) -> Result<Workspace, Error> {
        let root = PathBuf::from(metadata.workspace_root.as_std_path());
        let metadata_digest = match relocation::template(json, &root) {
            Some(template) => blake3::hash(template.as_bytes()).into(),
            None => blake3::hash(json.as_bytes()).into(),
        };
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
            packages.push(LocalPackage { package, member });
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

/// The arguments of `cargo metadata` for a scan, but the manifest: `--no-deps`, or, with
/// `dependencies`, the whole resolve offline and locked (from an up-to-date `Cargo.lock`, which
/// is never written, and the sources cargo is configured with, such as a `cargo vendor`
/// directory) under those feature flags (the superset means `--all-features`) and, with
/// `target`, `--filter-platform`; every package of the resolve must then lie below the root.
pub(crate) fn metadata_args(
    dependencies: Option<&FeatureSelection>,
    target: Option<&str>,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["metadata", "--format-version", "1", "--offline"]
        .map(OsString::from)
        .to_vec();
    match dependencies {
        None => args.push("--no-deps".into()),
        Some(selection) => {
            // --locked: never write a Cargo.lock into the source tree.
            args.push("--locked".into());
            args.extend(selection.cargo_flags().into_iter().map(OsString::from));
            if let Some(target) = target {
                args.extend(["--filter-platform".into(), target.into()]);
            }
        }
    }
    args
}

/// Why `cargo metadata` gave no answer.
enum MetadataFailure {
    /// A configuration file cargo would read is unreadable or malformed.
    Config(Error),
    /// cargo could not be run, failed, or printed no JSON.
    Cargo(cargo_metadata::Error),
}

/// Runs `cargo <args>` for the manifest in `dir` as the `toolchain` runs cargo, and returns
/// the JSON line of its output.
fn run_metadata(
    toolchain: &Toolchain,
    dir: &Path,
    args: &[OsString],
) -> Result<String, MetadataFailure> {
    let cargo_error = |e: cargo_metadata::Error| MetadataFailure::Cargo(e);
    let output = toolchain.run_cargo(dir, args).map_err(|e| match e {
        CargoFailure::Spawn(e) => cargo_error(e.into()),
        CargoFailure::Config(e) => MetadataFailure::Config(e),
    })?;
    if !output.status.success() {
        return Err(cargo_error(cargo_metadata::Error::CargoMetadata {
            stderr: String::from_utf8(output.stderr).map_err(|e| cargo_error(e.into()))?,
        }));
    }
    String::from_utf8(output.stdout)
        .map_err(|e| cargo_error(e.into()))?
        .lines()
        .find(|line| line.starts_with('{'))
        .map(str::to_string)
        .ok_or(cargo_error(cargo_metadata::Error::NoJson))
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

/// Folds a failure of cargo's `command` (`cargo metadata`, …), run in `cwd`, into one line
/// naming the manifest.
pub(crate) fn cargo_error(
    manifest: &Path,
    cwd: &Path,
    error: cargo_metadata::Error,
    command: &str,
) -> Error {
    match error {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            if let Some(located) = located_error(cwd, &stderr) {
                return located;
            }
            let lines: Vec<&str> = stderr
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && *l != "Caused by:" && !is_snippet_line(l))
                .map(|l| l.strip_prefix("error: ").unwrap_or(l))
                .collect();
            Error::in_file(manifest, format!("{command} failed: {}", lines.join(": ")))
        }
        cargo_metadata::Error::Io(e) => Error::new(format!(
            "cannot run `{command}` for {}: {e}",
            manifest.display()
        )),
        other => Error::in_file(manifest, format!("{command} failed: {other}")),
    }
}

/// cargo's `error: <message>` followed by ` --> <file>:<line>:<column>` (paths relative to
/// `cwd`, where cargo ran) as an error at that file and line.
fn located_error(cwd: &Path, stderr: &str) -> Option<Error> {
    let mut lines = stderr.lines();
    let message = lines.next()?.strip_prefix("error: ")?;
    let location = lines.next()?.trim().strip_prefix("--> ")?;
    let mut parts = location.rsplitn(3, ':');
    let (_column, line, file) = (parts.next()?, parts.next()?.parse().ok()?, parts.next()?);
    Some(Error::at(cwd.join(file), line, message))
}

/// The source excerpt lines of cargo's TOML errors (`3 | x = `, `  |     ^`).
fn is_snippet_line(line: &str) -> bool {
    let line = line
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start();
    line.starts_with('|') || line.starts_with('^')
}
