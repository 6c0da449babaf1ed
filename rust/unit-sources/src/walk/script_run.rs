//! What a `build-script-run` unit's answer lists: the files running the script reads (not
//! the script's own sources, which its `build-script-build` unit lists), and the model's
//! `runInputs`, `runEnv` and `runInputsExact`, from the static analysis of the script's
//! `cargo:rerun-if-…` lines ([`build_script::analyse`]).

use crate::fs::observation::FileKind;
use crate::fs::source_cache::UnitReads;
use crate::walk::build_script;
use crate::walk::package_files::package_files;
use crate::walk::scope::WalkScope;
use crate::walk::unresolved::UnresolvedConstruct;
use crate::workspace::units::PlannedUnit;
use crate::RelPath;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A build-script run's inputs as the model states them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunInputs {
    /// `runInputs`: the paths (files or directories) the run is known to depend on, sorted;
    /// when the script may print no `rerun-if-…` line, every file of the package too (as
    /// cargo lists them: [`package_files`]).
    pub inputs: Vec<RelPath>,
    /// `runEnv`: the `rerun-if-env-changed` names, sorted.
    pub env: Vec<String>,
    /// `runInputsExact`: whether `inputs` is exactly what cargo tracks (every
    /// `rerun-if-changed` a literal) rather than a widened superset.
    pub exact: bool,
}

/// What running a build script reads.
pub(crate) struct ScriptRun {
    /// Absolute paths of the files the run reads: the declared inputs (directories' files
    /// listed), and every file of the package when none is declared or the package is
    /// immutable (a registry or git package).
    pub files: BTreeSet<PathBuf>,
    /// Inputs the analysis bounded rather than read, and declared paths outside the
    /// workspace (not tracked).
    pub unresolved: Vec<UnresolvedConstruct>,
    pub run: RunInputs,
}

/// What running the build script of the `build-script-run` unit `unit`, whose source files
/// are `sources`, reads.
pub(crate) fn script_run(
    scope: &WalkScope<'_>,
    unit: &PlannedUnit,
    reads: &UnitReads<'_>,
    sources: &BTreeSet<PathBuf>,
) -> ScriptRun {
    let script = &unit.root_file;
    let analysis = build_script::analyse(
        sources,
        script,
        &unit.package_dir,
        unit.lexing_edition(),
        reads,
    );
    let mut files = BTreeSet::new();
    let mut unresolved = analysis.widened;
    let mut inputs = BTreeSet::new();
    if analysis.whole_package {
        let root_manifest = scope.workspace.root.join("Cargo.toml");
        package_files(
            reads,
            &unit.package_dir,
            &unit.manifest,
            &root_manifest,
            &mut files,
        );
        // Below the package's directory, hence the root: `rel` cannot fail.
        inputs.extend(
            files
                .iter()
                .filter_map(|file| scope.rel(file, script, 0).ok()),
        );
    }
    if unit.immutable {
        // A registry or git package never changes (cargo tracks its version), and its
        // script may read any of its files.
        scope.files_below(reads, &unit.package_dir, false, &mut files);
    }
    for input in &analysis.inputs {
        match scope.rel(input, script, 0) {
            Ok(rel) => {
                inputs.insert(rel);
            }
            Err(_) => {
                let reason = format!(
                    "rerun-if-changed path {} is outside the workspace; not tracked",
                    input.display()
                );
                unresolved.push(UnresolvedConstruct {
                    file: script.clone(),
                    line: 0,
                    reason,
                });
                continue;
            }
        }
        match reads.kind(input) {
            FileKind::Dir => scope.files_below(reads, input, false, &mut files),
            FileKind::File => {
                files.insert(input.clone());
            }
            _ => {}
        }
    }
    ScriptRun {
        files,
        unresolved,
        run: RunInputs {
            inputs: inputs.into_iter().collect(),
            env: analysis.env.into_iter().collect(),
            exact: analysis.exact,
        },
    }
}
