//! One unit's walk: from its root file through `mod` declarations, `include!`-family macros
//! and `macro_rules!` expansions, collecting every file rustc may read for it. How module
//! files are found is in [`crate::walk::module_files`], how includes are in
//! [`crate::walk::includes`]; this module holds the walk's state and its traversal of items.

use crate::cfg::{CfgContext, CfgPredicate, Truth};
use crate::fs::observation::FileKind;
use crate::fs::source_cache::UnitReads;
use crate::syntax::{Invocation, Item, MacroDef};
use crate::walk::findings::UnitFindings;
use crate::walk::macro_table::{KnownMacro, MacroSite, MacroTable};
use crate::walk::module_dir::{parent, ModuleDir};
use crate::walk::scope::WalkScope;
use crate::walk::script_run::script_run;
use crate::walk::unit_errors::missing_root;
use crate::walk::unresolved::UnresolvedConstruct;
use crate::workspace::units::PlannedUnit;
use crate::{Error, Unit, UnitKind};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// Walks `unit` within `scope`, reading through `reads` (see
/// [`crate::walk::resolver::ModuleResolver::scan_unit`] for what the answer holds).
///
/// A macro's wrapper condition used to drop an invocation's input before another definition
/// of the same name was met makes the walk start again without it, until no such use is left.
pub(crate) fn walk_unit(
    scope: &WalkScope<'_>,
    unit: &PlannedUnit,
    reads: &UnitReads<'_>,
) -> Result<Unit, Error> {
    let cfg = CfgContext {
        features: &unit.features,
        features_exact: unit.features_exact,
        test: unit.kind.is_test_harness(),
        target: scope.target,
        known: unit.known_cfgs.as_deref(),
    };
    let mut no_narrowing = HashSet::new();
    loop {
        let mut walk = UnitWalk {
            scope,
            reads,
            unit,
            cfg: CfgContext { ..cfg },
            files: BTreeSet::new(),
            visited: HashSet::new(),
            env: BTreeSet::new(),
            out_dir: Some(BTreeSet::new()),
            unresolved: Vec::new(),
            macros: MacroTable::new(&no_narrowing),
            error: None,
        };
        match reads.kind(&unit.root_file) {
            FileKind::File => {
                let root_dir = ModuleDir::owning(parent(&unit.root_file));
                walk.visit_source(&unit.root_file, &root_dir, &unit.root_file, 0);
                walk.widen_unexpanded_macros();
            }
            kind => {
                walk.files.insert(unit.root_file.clone());
                walk.fail(missing_root(unit, kind, reads));
            }
        }
        let stale = walk.macros.stale_narrowing();
        if stale.is_empty() {
            return walk.finish();
        }
        // A macro's wrapper condition was used before another definition of the same
        // name was met: walk again without it.
        drop(walk);
        no_narrowing.extend(stale);
    }
}

/// The state of scanning one unit.
pub(crate) struct UnitWalk<'r, 'w> {
    pub scope: &'r WalkScope<'w>,
    /// Every file-system read of the walk goes through it.
    pub reads: &'r UnitReads<'w>,
    pub unit: &'r PlannedUnit,
    cfg: CfgContext<'r>,
    /// Absolute paths of every file the unit reads.
    pub files: BTreeSet<PathBuf>,
    /// Rust files already walked, with the module directory they were walked for.
    visited: HashSet<(PathBuf, ModuleDir)>,
    /// Names read with `env!` / `option_env!`.
    pub env: BTreeSet<String>,
    /// What the unit includes from `OUT_DIR`; `None` once an include's path is unknown.
    pub out_dir: Option<BTreeSet<String>>,
    /// Constructs resolved by widening.
    unresolved: Vec<UnresolvedConstruct>,
    macros: MacroTable<'r>,
    /// The first file the unit must read that could not be (see
    /// [`crate::walk::resolver::ModuleResolver::scan_unit`]).
    error: Option<Error>,
}

impl UnitWalk<'_, '_> {
    /// Records `error` as the unit's, unless an earlier one was; the walk goes on.
    pub fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// Records that the construct at `file`:`line` is unresolved, for `reason`.
    pub fn note_unresolved(&mut self, file: &Path, line: u32, reason: String) {
        self.unresolved.push(UnresolvedConstruct {
            file: file.to_path_buf(),
            line,
            reason,
        });
    }

    /// A file referred to at `file`:`line` does not exist (`reason`): the unit's error, with
    /// the `paths` it may be at among its files, when rustc surely reads it (`certain`);
    /// otherwise an unresolved construct (the reference may be compiled out).
    pub fn missing<const N: usize>(
        &mut self,
        certain: bool,
        file: &Path,
        line: u32,
        reason: String,
        paths: [PathBuf; N],
    ) {
        if certain {
            self.files.extend(paths);
            self.fail(Error::at(file, line, reason));
        } else {
            self.note_unresolved(file, line, reason);
        }
    }

    /// Whether all of `all` hold for the unit.
    pub fn holds(&self, all: &[CfgPredicate]) -> Truth {
        self.cfg.eval(&CfgPredicate::All(all.to_vec()))
    }

    /// Reads the Rust file `path` as the source of a module whose submodules live in `module`;
    /// `origin`/`line` name what referred to it. `depth` counts nested `include!`s.
    pub fn visit_source(&mut self, path: &Path, module: &ModuleDir, origin: &Path, depth: usize) {
        if !self.visited.insert((path.to_path_buf(), module.clone())) {
            return;
        }
        if let Err(e) = self.scope.rel(path, origin, 0) {
            return self.fail(Error::in_file(origin, e.message()));
        }
        self.files.insert(path.to_path_buf());
        let source = match self.reads.source(path) {
            Ok(source) => source,
            Err(e) => return self.fail(e),
        };
        let syntax = source.syntax.as_ref().expect("sources are lexed");
        self.env.extend(syntax.env.iter().cloned());
        self.visit_items(&syntax.items, module, path, path, depth)
    }

    /// Visits `items` of the module `module`. `file` is what relative includes resolve
    /// against (the file holding them, or for a macro expansion the file of the invocation);
    /// `origin` is the file holding them, named in errors and `unresolved`.
    pub fn visit_items(
        &mut self,
        items: &[Item],
        module: &ModuleDir,
        file: &Path,
        origin: &Path,
        depth: usize,
    ) {
        for item in items {
            match item {
                Item::Mod(decl) => self.visit_mod(decl, module, file, origin, depth),
                Item::Include(include) => self.visit_include(include, file, origin, depth),
                Item::Opaque { line, what, cfg } => {
                    if self.holds(cfg).may_hold() {
                        let dir = module.children();
                        self.widen(origin, *line, what, &dir, true);
                    }
                }
                Item::Macro(def) => self.visit_macro_definition(def, origin, depth),
                Item::Invocation(invocation) => {
                    self.visit_invocation(invocation, module, file, origin, depth)
                }
            }
        }
    }

    /// A `macro_rules!` definition in `origin`: expanded at every invocation met so far.
    fn visit_macro_definition(&mut self, def: &MacroDef, origin: &Path, depth: usize) {
        if !self.holds(&def.cfg).may_hold() {
            return;
        }
        let known = KnownMacro {
            origin: origin.to_path_buf(),
            line: def.line,
            body: def.body.clone(),
            wraps: def.wraps.clone(),
        };
        for site in self.macros.define(&def.name, known.clone()) {
            self.expand(&known, &site, depth);
        }
    }

    /// An invocation in the module `module` (see [`Self::visit_items`] for `file` and
    /// `origin`): every definition of its name met so far is expanded there, and its input
    /// is visited unless the definitions' wrapper conditions compile it out.
    fn visit_invocation(
        &mut self,
        invocation: &Invocation,
        module: &ModuleDir,
        file: &Path,
        origin: &Path,
        depth: usize,
    ) {
        if !self.holds(&invocation.cfg).may_hold() {
            return;
        }
        let site = MacroSite {
            module: module.clone(),
            file: file.to_path_buf(),
        };
        let name = &invocation.name;
        let defs = self.macros.invoke(name, &site);
        for def in &defs {
            self.expand(def, &site, depth);
        }
        if !self
            .macros
            .drops_input(name, invocation.qualified, &defs, &self.cfg)
        {
            self.visit_items(&invocation.args, module, file, origin, depth);
        }
    }

    /// A `macro_rules!` whose body declares modules or includes but which no invocation by its
    /// name reached may still be invoked under another name (`use m as n;`, a generated name):
    /// its files are widened to the defining file's directory rather than dropped.
    fn widen_unexpanded_macros(&mut self) {
        for (name, def) in self.macros.unexpanded_reading_files() {
            let what = format!(
                "macro `{name}` declares modules or includes but no invocation by that name was found (an alias or a generated name may invoke it)"
            );
            self.widen(&def.origin, def.line, &what, &parent(&def.origin), false);
        }
    }

    /// Resolves the body of the macro `def` as expanded at `site`, once per definition and site.
    fn expand(&mut self, def: &KnownMacro, site: &MacroSite, depth: usize) {
        if def.body.is_empty() || !self.macros.first_expansion(def, site) {
            return;
        }
        self.visit_items(&def.body, &site.module, &site.file, &def.origin, depth)
    }

    /// Records an unresolved construct and adds every file below `dir` (only Rust files when
    /// `rust_only`), so that the unit still lists every file rustc could read for it.
    pub fn widen(&mut self, file: &Path, line: u32, what: &str, dir: &Path, rust_only: bool) {
        let scope = if rust_only { "Rust files" } else { "files" };
        let shown = self.scope.shown_dir(dir);
        let reason = format!("{what}; widened to all {scope} below {shown}/");
        self.note_unresolved(file, line, reason);
        self.scope
            .files_below(self.reads, dir, rust_only, &mut self.files);
    }

    /// Records an unresolved construct (`reason` says how it was widened) and adds every file
    /// below `dir` whose file name satisfies `keep`.
    pub fn widen_matching(
        &mut self,
        file: &Path,
        line: u32,
        reason: &str,
        dir: &Path,
        keep: impl Fn(&str) -> bool,
    ) {
        let shown = self.scope.shown_dir(dir);
        self.note_unresolved(file, line, format!("{reason} below {shown}/"));
        let mut below = BTreeSet::new();
        self.scope.files_below(self.reads, dir, false, &mut below);
        self.files.extend(
            below
                .into_iter()
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep)),
        );
    }

    /// The unit's answer (see [`UnitFindings::into_unit_sources`]). For a `build-script-run`
    /// unit, what the walk found (the script's sources) is replaced by what running it reads.
    fn finish(self) -> Result<Unit, Error> {
        let mut findings = UnitFindings {
            files: self.files,
            env: self.env,
            out_dir_includes: self.out_dir,
            unresolved: self.unresolved,
            error: self.error,
            run: None,
        };
        if self.unit.kind == UnitKind::BuildScriptRun {
            let run = script_run(self.scope, self.unit, self.reads, &findings.files);
            findings.files = run.files;
            findings.env.clear();
            findings.out_dir_includes = Some(BTreeSet::new());
            findings.unresolved = run.unresolved;
            findings.run = Some(run.run);
        }
        findings.into_unit_sources(self.unit, self.scope, self.reads)
    }
}
