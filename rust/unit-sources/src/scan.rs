//! The entry point: workspace → units → scanned files → model.

use crate::cfg::TargetCfg;
use crate::resolver::{ModuleResolver, SourceCache};
use crate::unit::plan_units;
use crate::workspace::Workspace;
use crate::{Error, FeatureSelection, Model, MODEL_VERSION};
use rayon::prelude::*;
use std::path::PathBuf;

/// What to scan and under which assumptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// A `Cargo.toml` (of the workspace root or of a member) or a directory holding one.
    pub manifest_path: PathBuf,
    /// The features to assume (default: the superset over all features).
    pub features: FeatureSelection,
    /// A target triple: target `cfg`s are then evaluated exactly (from `rustc --print cfg`);
    /// without it, both branches of every target `cfg` are kept.
    pub target: Option<String>,
    /// Also scan the dependencies: cargo resolves the graph offline (from `Cargo.lock` and the
    /// configured sources, e.g. a `cargo vendor` directory below the root), every package of
    /// it gets its library and build-script units, features are cargo's resolution, and
    /// `externs` name registry libraries too. Every dependency must lie below the root.
    pub dependencies: bool,
}

/// Scans the workspace of `options.manifest_path`: every unit of every member package, with the
/// files rustc reads for it.
///
/// Runs `cargo metadata` once (and `rustc --print cfg` once when a target is given); reads and
/// lexes each source file once, whatever the number of units sharing it; scans units in parallel.
///
/// Errors (one line, naming the file and line at fault): the manifest is missing or malformed,
/// `cargo` cannot be run, a requested feature does not exist, a source file cannot be read or
/// lexed (invalid UTF-8, unbalanced delimiters), or a module or include path leaves the
/// workspace root.
pub fn scan(options: &ScanOptions) -> Result<Model, Error> {
    let dependencies = options.dependencies.then_some(&options.features);
    let workspace = Workspace::load(
        &options.manifest_path,
        dependencies,
        options.target.as_deref(),
    )?;
    let target_cfg = options
        .target
        .as_deref()
        .map(TargetCfg::query)
        .transpose()?;
    let units = plan_units(&workspace, &options.features)?;
    let cache = SourceCache::default();
    let resolver = ModuleResolver::new(&workspace, target_cfg.as_ref(), &cache);
    let scanned = units
        .par_iter()
        .map(|unit| {
            resolver
                .scan_unit(unit)
                .map(|sources| (unit.id.clone(), sources))
        })
        .collect::<Result<_, Error>>()?;
    Ok(Model {
        version: MODEL_VERSION,
        root: workspace.root.to_string_lossy().into_owned(),
        units: scanned,
    })
}
