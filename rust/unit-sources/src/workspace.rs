//! Reading a workspace: `cargo metadata --no-deps --offline`, run once per scan.

use crate::Error;
use cargo_metadata::{Metadata, MetadataCommand, Package};
use std::path::{Path, PathBuf};

/// A workspace as cargo describes it: its root and its member packages.
pub(crate) struct Workspace {
    /// The absolute workspace root.
    pub root: PathBuf,
    /// The member packages, in cargo's order.
    pub members: Vec<Package>,
    /// `Cargo.lock` at the root, if present.
    pub lock_file: Option<PathBuf>,
}

impl Workspace {
    /// Reads the workspace of `manifest`: a `Cargo.toml`, or a directory holding one.
    ///
    /// Errors name the path when it does not exist or holds no `Cargo.toml`, and carry cargo's
    /// own message, folded to one line, when `cargo metadata` fails (malformed manifest, …).
    pub fn load(manifest: &Path) -> Result<Workspace, Error> {
        let manifest = manifest_path(manifest)?;
        let dir = manifest.parent().unwrap_or(Path::new("/"));
        let metadata = MetadataCommand::new()
            .manifest_path(&manifest)
            .current_dir(dir)
            .no_deps()
            .other_options(vec!["--offline".to_string()])
            .exec()
            .map_err(|e| metadata_error(&manifest, e))?;
        Ok(Workspace::from_metadata(metadata))
    }

    fn from_metadata(metadata: Metadata) -> Workspace {
        let root = PathBuf::from(metadata.workspace_root.as_std_path());
        let lock_file = Some(root.join("Cargo.lock")).filter(|p| p.is_file());
        let members: Vec<Package> = metadata
            .packages
            .into_iter()
            .filter(|p| metadata.workspace_members.contains(&p.id))
            .collect();
        Workspace {
            root,
            members,
            lock_file,
        }
    }
}

/// The absolute `Cargo.toml` path for what the user named.
fn manifest_path(given: &Path) -> Result<PathBuf, Error> {
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
