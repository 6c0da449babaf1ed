//! Module resolution as rustc does it, per unit, over the scan's [`SourceCache`]: the walk's
//! entry point.

use crate::cfg::TargetCfg;
use crate::fs::source_cache::{SourceCache, Touched, UnitReads};
use crate::walk::scope::WalkScope;
use crate::walk::unit_walk::walk_unit;
use crate::workspace::metadata::Workspace;
use crate::workspace::units::PlannedUnit;
use crate::{Error, Unit};

/// Follows a unit's module tree and includes from its root file.
pub(crate) struct ModuleResolver<'w> {
    scope: WalkScope<'w>,
}

impl<'w> ModuleResolver<'w> {
    /// A resolver for the `units` of `workspace`, sharing `cache` across units and threads.
    pub fn new(
        workspace: &'w Workspace,
        units: &[PlannedUnit],
        target: Option<&'w TargetCfg>,
        cache: &'w SourceCache,
    ) -> Self {
        ModuleResolver {
            scope: WalkScope::new(workspace, units, target, cache),
        }
    }

    /// The scan's source cache.
    pub fn cache(&self) -> &'w SourceCache {
        self.scope.cache
    }

    /// Scans one unit: its files, manifests, env names, `OUT_DIR` includes, unresolved
    /// constructs and hash; and every path the walk asked the cache about (its result depends
    /// on nothing else read from the file system).
    ///
    /// A file the unit must read that is missing, unreadable or malformed, or a path leaving
    /// the workspace root, does not stop the walk: the unit's `error` names the first one met
    /// (a missing root file: the manifest's entry for the target), its `files` are every file
    /// the walk resolved, the failing path included.
    ///
    /// Errors only for a root file or manifest outside the workspace root.
    pub fn scan_unit(&self, unit: &PlannedUnit) -> Result<(Unit, Touched), Error> {
        let reads = UnitReads::new(self.scope.cache);
        let sources = walk_unit(&self.scope, unit, &reads)?;
        Ok((sources, reads.into_touched()))
    }
}
