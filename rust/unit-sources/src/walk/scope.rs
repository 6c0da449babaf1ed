//! What every unit's walk of one scan shares: the workspace root paths are checked against,
//! the target's cfg, the scan's [`SourceCache`], the member packages' directories that
//! widening stays out of, and the build-script units whose `cargo:rustc-env` lines an
//! `include!(env!("NAME"))` may depend on.

use crate::cfg::TargetCfg;
use crate::fs::source_cache::{SourceCache, UnitReads};
use crate::workspace::metadata::Workspace;
use crate::workspace::units::PlannedUnit;
use crate::{Error, RelPath, UnitKind};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The scan-wide facts a unit's walk reads; shared across units and threads.
pub(crate) struct WalkScope<'w> {
    pub workspace: &'w Workspace,
    pub target: Option<&'w TargetCfg>,
    pub cache: &'w SourceCache,
    /// Directories of member packages: widening never enters another member's directory.
    package_dirs: HashSet<PathBuf>,
    /// The build-script unit of each package that has one, by package directory: what its
    /// `cargo:rustc-env` lines set is read when a unit includes `env!("NAME")`.
    scripts: HashMap<PathBuf, PlannedUnit>,
}

impl<'w> WalkScope<'w> {
    /// The scope of walking the `units` of `workspace` for `target`, reading through `cache`.
    pub fn new(
        workspace: &'w Workspace,
        units: &[PlannedUnit],
        target: Option<&'w TargetCfg>,
        cache: &'w SourceCache,
    ) -> Self {
        let scripts = units
            .iter()
            .filter(|unit| unit.kind == UnitKind::BuildScript)
            .map(|unit| (unit.package_dir.clone(), unit.clone()))
            .collect();
        let package_dirs = workspace
            .packages
            .iter()
            .filter_map(|p| {
                p.package
                    .manifest_path
                    .parent()
                    .map(|d| d.as_std_path().to_path_buf())
            })
            .collect();
        WalkScope {
            workspace,
            target,
            cache,
            package_dirs,
            scripts,
        }
    }

    /// `path` relative to the workspace root; errors at `origin`:`line` when it leaves it.
    pub fn rel(&self, path: &Path, origin: &Path, line: u32) -> Result<RelPath, Error> {
        RelPath::new(&self.workspace.root, path, &|message| {
            Error::at(origin, line, message)
        })
    }

    /// `dir` as `unresolved` reasons show it: relative to the workspace root (`.` for the root
    /// itself), else absolute.
    pub fn shown_dir(&self, dir: &Path) -> String {
        match dir.strip_prefix(&self.workspace.root) {
            Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
            Ok(relative) => relative.display().to_string(),
            Err(_) => dir.display().to_string(),
        }
    }

    /// `text` as `unresolved` reasons show it: the paths below the workspace root it names
    /// relative to it, as the model names every file.
    pub fn shown_text(&self, text: &str) -> String {
        text.replace(&format!("{}/", self.workspace.root.display()), "")
    }

    /// The build-script unit of the package in `package_dir`, if it has one.
    pub fn build_script(&self, package_dir: &Path) -> Option<&PlannedUnit> {
        self.scripts.get(package_dir)
    }

    /// Every file below `dir` (only `.rs` files when `rust_only`), not entering hidden
    /// directories, `target` directories or other member packages' directories.
    pub fn files_below(
        &self,
        reads: &UnitReads<'_>,
        dir: &Path,
        rust_only: bool,
        out: &mut BTreeSet<PathBuf>,
    ) {
        for (name, is_dir) in reads.listing(dir).iter() {
            let path = dir.join(name);
            if *is_dir {
                let hidden = name.to_string_lossy().starts_with('.');
                if !hidden && name != "target" && !self.package_dirs.contains(&path) {
                    self.files_below(reads, &path, rust_only, out);
                }
            } else if !rust_only || path.extension().is_some_and(|e| e == "rs") {
                out.insert(path);
            }
        }
    }
}
