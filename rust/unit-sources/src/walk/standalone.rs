//! One library unit of a bare directory walked without `cargo metadata`: the entry point of
//! the fuzz targets (`src/fuzzing.rs`) and of the walk's text-fixture tests
//! (`src/walk/fixture_tests/`).
//!
//! Contract: the unit is `root/src/lib.rs`, edition 2021, crate type `lib` (or as a
//! [`Standalone`] says), with exactly `features` enabled, no target cfgs, no build script and
//! no dependencies; the answer is the one [`crate::scan`] gives for such a unit, read without
//! any cache.

use crate::cache::parse::ParseCache;
use crate::fs::source_cache::SourceCache;
use crate::model::Unit;
use crate::walk::resolver::ModuleResolver;
use crate::workspace::metadata::Workspace;
use crate::workspace::units::PlannedUnit;
use crate::{Error, UnitId, UnitKind};
use std::collections::BTreeMap;
use std::path::Path;

/// How the unit of `root/src/lib.rs` is compiled.
pub(crate) struct Standalone<'a> {
    pub features: &'a [&'a str],
    /// `lib`, or `lib-test` (with `harness`: `--test`; without: `--cfg test`).
    pub kind: UnitKind,
    pub harness: bool,
    pub edition: &'a str,
}

impl<'a> Standalone<'a> {
    /// The library, edition 2021, with exactly `features` enabled.
    pub fn lib(features: &'a [&'a str]) -> Standalone<'a> {
        Standalone {
            features,
            kind: UnitKind::Lib,
            harness: false,
            edition: "2021",
        }
    }
}

/// Walks the module tree of `root/src/lib.rs` compiled as `how` says. Errors as
/// [`crate::scan`]'s for the unit's root file; everything else is the unit's own `error`.
pub(crate) fn walk_standalone(root: &Path, how: &Standalone<'_>) -> Result<Unit, Error> {
    let workspace = Workspace {
        root: root.to_path_buf(),
        packages: Vec::new(),
        metadata_digest: [0; 32],
    };
    let unit = PlannedUnit {
        id: UnitId::new("fixture", how.kind, "fixture"),
        package: "fixture".into(),
        version: "0.0.0".into(),
        target: "fixture".into(),
        kind: how.kind,
        harness: how.harness,
        crate_types: vec!["lib".into()],
        edition: how.edition.into(),
        root_file: root.join("src/lib.rs"),
        package_dir: root.to_path_buf(),
        manifest: root.join("Cargo.toml"),
        features: how.features.iter().map(|f| f.to_string()).collect(),
        features_exact: true,
        known_cfgs: None,
        build_dependencies: false,
        manifests: Vec::new(),
        deps: Vec::new(),
        externs: BTreeMap::new(),
        immutable: false,
        build: None,
    };
    let cache = SourceCache::new(ParseCache::disabled());
    let resolver = ModuleResolver::new(&workspace, &[], None, &cache);
    resolver.scan_unit(&unit).map(|(sources, _)| sources)
}
