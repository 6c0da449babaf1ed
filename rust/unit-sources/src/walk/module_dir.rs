//! Where a module's `mod x;` declarations look for their files.

use std::path::{Path, PathBuf};

/// Where `mod x;` declarations of a module look for their files (rustc's `ModuleData::dir_path`
/// and `DirOwnership`): `dir`, and for a module loaded from a non-`mod.rs` file `name.rs`, the
/// `relative` prefix `name/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ModuleDir {
    pub dir: PathBuf,
    pub relative: Option<String>,
    /// Inside an inline module named by a macro fragment (`mod $name { … }`): `dir` is its
    /// parent's directory, and where its own `mod x;` would look is unknown.
    pub opaque: bool,
}

impl ModuleDir {
    /// A module whose submodule files live in `dir` itself: a crate root, a `mod.rs`, a file
    /// named by `#[path]`, an included file, or an inline module's directory.
    pub fn owning(dir: PathBuf) -> ModuleDir {
        ModuleDir {
            dir,
            relative: None,
            opaque: false,
        }
    }

    /// The directory holding the module's submodule files.
    pub fn children(&self) -> PathBuf {
        match &self.relative {
            Some(name) => self.dir.join(name),
            None => self.dir.clone(),
        }
    }
}

/// The directory holding `path` (`/` for a path without a parent).
pub(crate) fn parent(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf)
}
