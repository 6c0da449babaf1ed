//! Workspace-relative paths: the only kind of path the model holds.

use crate::Error;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// A path relative to the workspace root: `/`-separated, never empty, free of `.` and `..`
/// components, never absolute. Ordering is bytewise, as in the model's sorted lists.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RelPath(String);

impl RelPath {
    /// The path of `path` relative to `root`, after lexical normalisation of both (`.` dropped,
    /// `a/../` folded). Both must be absolute.
    ///
    /// Errors when `path` is not below `root` or is not valid UTF-8; `origin` names the file that
    /// referred to `path` and goes into the error.
    pub fn new(
        root: &Path,
        path: &Path,
        origin: &dyn Fn(String) -> Error,
    ) -> Result<RelPath, Error> {
        let normal = normalize(path);
        let rest = normal.strip_prefix(normalize(root)).map_err(|_| {
            origin(format!(
                "{} is outside the workspace root {}",
                normal.display(),
                root.display()
            ))
        })?;
        let text = rest
            .to_str()
            .ok_or_else(|| origin(format!("{} is not valid UTF-8", normal.display())))?;
        if text.is_empty() {
            return Err(origin(format!(
                "{} is the workspace root itself, not a file",
                normal.display()
            )));
        }
        Ok(RelPath(text.replace(std::path::MAIN_SEPARATOR, "/")))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lexical normalisation: drops `.` components and folds `x/..`. A `..` at the root stays at
/// the root. Does not touch the file system, as rustc does not when it prints dep-info paths.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(root: &str, path: &str) -> Result<String, Error> {
        RelPath::new(Path::new(root), Path::new(path), &|m| Error::new(m)).map(|p| p.0)
    }

    #[test]
    fn folds_parent_and_current_components() {
        assert_eq!(rel("/w", "/w/src/../README.md").unwrap(), "README.md");
        assert_eq!(rel("/w/./", "/w/a/./b/c/../d.rs").unwrap(), "a/b/d.rs");
    }

    #[test]
    fn refuses_paths_outside_the_root() {
        assert_eq!(
            rel("/w/p", "/w/p/src/../../x.rs").unwrap_err().to_string(),
            "/w/x.rs is outside the workspace root /w/p"
        );
        assert!(rel("/w", "/w").is_err());
    }
}
