//! What one unit's walk found, and its conversion into the unit's answer ([`Unit`]):
//! paths made relative to the workspace root, the directories rustc must traverse, the
//! unit's hash, and the unresolved constructs sorted.

use crate::fs::source_cache::UnitReads;
use crate::model::unit_hash;
use crate::walk::scope::WalkScope;
use crate::walk::script_run::RunInputs;
use crate::walk::unresolved::UnresolvedConstruct;
use crate::workspace::units::PlannedUnit;
use crate::{Error, RelPath, Unit, Unresolved};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The outcome of walking one unit, in absolute paths.
pub(crate) struct UnitFindings {
    /// Every file the unit reads, each checked to lie below the workspace root.
    pub files: BTreeSet<PathBuf>,
    /// Names read with `env!` / `option_env!`.
    pub env: BTreeSet<String>,
    /// What the unit includes from `OUT_DIR`; `None` when an include's path is unknown.
    pub out_dir_includes: Option<BTreeSet<String>>,
    pub unresolved: Vec<UnresolvedConstruct>,
    /// The first file the unit must read that could not be.
    pub error: Option<Error>,
    /// For a `build-script-run` unit, what the run depends on.
    pub run: Option<RunInputs>,
}

impl UnitFindings {
    /// The answer for `unit`. Errors only for a root file or manifest outside the workspace
    /// root, which the model cannot name (the whole scan fails); anything else wrong is the
    /// unit's `error`, a file whose digest cannot be read included.
    pub fn into_unit_sources(
        self,
        unit: &PlannedUnit,
        scope: &WalkScope<'_>,
        reads: &UnitReads<'_>,
    ) -> Result<Unit, Error> {
        let rel = |path: &Path| {
            scope
                .rel(path, &unit.root_file, 0)
                .map_err(|e| Error::in_file(&unit.root_file, e.message()))
        };
        let root_file = rel(&unit.root_file)?;
        let manifests: BTreeSet<RelPath> = unit
            .manifests
            .iter()
            .map(|p| rel(p))
            .collect::<Result<_, _>>()?;
        // Every walked path was checked to lie below the root before it was added.
        let files: BTreeSet<RelPath> = self.files.iter().filter_map(|p| rel(p).ok()).collect();
        let dirs: BTreeSet<RelPath> = self
            .files
            .iter()
            .flat_map(|p| traversed_dirs(p))
            .filter_map(|p| rel(&p).ok())
            .collect();
        let mut unreadable = None;
        let hash = unit_hash(&files, &manifests, |path| {
            let digest = reads.digest(&scope.workspace.root.join(path.as_str()));
            Ok(digest.unwrap_or_else(|e| {
                unreadable.get_or_insert(e);
                [0; 32]
            }))
        })?;
        let error = self.error.or(unreadable);
        let unresolved = relative_unresolved(&self.unresolved, rel);
        Ok(Unit {
            package: unit.package.clone(),
            version: unit.version.clone(),
            target: unit.target.clone(),
            kind: unit.kind,
            crate_types: unit.crate_types.clone(),
            edition: unit.edition.clone(),
            root_file,
            manifest: rel(&unit.manifest)?,
            features: unit.features.iter().cloned().collect(),
            files: files.into_iter().collect(),
            manifests: manifests.into_iter().collect(),
            deps: unit.deps.clone(),
            externs: unit.externs.clone(),
            env: self.env.into_iter().collect(),
            out_dir_includes: self
                .out_dir_includes
                .map(|includes| includes.into_iter().collect()),
            unresolved,
            run_inputs: self.run.as_ref().map(|run| run.inputs.clone()),
            run_env: self.run.as_ref().map(|run| run.env.clone()),
            run_inputs_exact: self.run.map(|run| run.exact),
            dirs: dirs.into_iter().collect(),
            host: unit.build.as_ref().map(|b| b.host),
            selections: unit.build.as_ref().map(|b| b.selections.clone()),
            build: None,
            hash,
            error: error.map(|e| e.to_string()),
        })
    }
}

/// `unresolved` with paths relative to the root (`rel`; those outside it dropped), sorted and
/// without duplicates.
fn relative_unresolved(
    unresolved: &[UnresolvedConstruct],
    rel: impl Fn(&Path) -> Result<RelPath, Error>,
) -> Vec<Unresolved> {
    let mut relative: Vec<Unresolved> = unresolved
        .iter()
        .filter_map(|construct| {
            Some(Unresolved {
                file: rel(&construct.file).ok()?,
                line: construct.line,
                reason: construct.reason.clone(),
            })
        })
        .collect();
    relative.sort();
    relative.dedup();
    relative
}

/// The directories the kernel walks through before a `..` of `path` (`a/b/../c.rs`: `a/b`),
/// which must exist for rustc to open it, though they may hold no file it reads.
fn traversed_dirs(path: &Path) -> Vec<PathBuf> {
    let mut walked = PathBuf::new();
    let mut dirs = Vec::new();
    for component in path.components() {
        if component == std::path::Component::ParentDir {
            dirs.push(crate::relpath::normalize(&walked));
        }
        walked.push(component);
    }
    dirs
}
