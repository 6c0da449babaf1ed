//! One unit's walk: from its root file through `mod` declarations, `include!`-family macros
//! and `macro_rules!` expansions, collecting every file rustc may read for it. How module
//! files are found is in [`crate::walk::module_files`], how includes are in
//! [`crate::walk::includes`]; this module holds the walk's state and its traversal of items.

use crate::cfg::{CfgContext, CfgPredicate, Truth};
use crate::fs::observation::FileKind;
use crate::fs::source_cache::UnitReads;
use crate::syntax::{Edition, Invocation, Item, MacroDef};
use crate::walk::findings::UnitFindings;
use crate::walk::macro_table::{KnownMacro, MacroSite, MacroTable};
use crate::walk::module_dir::{parent, ModuleDir};
use crate::walk::scope::WalkScope;
use crate::walk::script_run::script_run;
use crate::walk::unit_errors::missing_root;
use crate::walk::unresolved::UnresolvedConstruct;
use crate::workspace::units::PlannedUnit;
use crate::{Error, Unit, UnitKind};
use std::collections::{BTreeSet, HashMap, HashSet};
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
        harness: unit.harness,
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
            edition: unit.lexing_edition(),
            visited: HashMap::new(),
            env: BTreeSet::new(),
            out_dir: Some(BTreeSet::new()),
            unresolved: Vec::new(),
            macros: MacroTable::new(&no_narrowing),
            error: None,
        };
        match reads.kind(&unit.root_file) {
            FileKind::File => {
                let root_dir = ModuleDir::owning(parent(&unit.root_file));
                walk.visit_source(&unit.root_file, &root_dir, &unit.root_file, Reach::ROOT);
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

/// How the walk reached the items it visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reach {
    /// How many `include!`s deep they are.
    pub depth: usize,
    /// Whether rustc surely compiles them: every `cfg` on the way from the root file holds for
    /// the unit, and no macro expansion, macro input or ambiguous `#[path]` lies on the way.
    /// Only then is a file they need that cannot be read the unit's error; otherwise the
    /// construct is unresolved (rustc may never look for the file).
    pub certain: bool,
}

impl Reach {
    /// The unit's root file.
    pub const ROOT: Reach = Reach {
        depth: 0,
        certain: true,
    };

    /// The same, with rustc no longer sure to compile what follows: a macro's expansion or
    /// input, a file that is one of several a module may be loaded from.
    pub fn unsure(self) -> Reach {
        Reach {
            certain: false,
            ..self
        }
    }

    /// The same, below a construct whose `cfg` conditions evaluate to `truth`.
    pub fn under(self, truth: Truth) -> Reach {
        Reach {
            certain: self.certain && truth == Truth::True,
            ..self
        }
    }

    /// The same, one `include!` deeper.
    pub fn included(self) -> Reach {
        Reach {
            depth: self.depth + 1,
            ..self
        }
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
    /// The edition its Rust files are lexed in.
    pub edition: Edition,
    /// Rust files already walked, with the module directory they were walked for, and whether
    /// that walk was certain ([`Reach::certain`]): an unsure walk is repeated when the file is
    /// reached for sure, so that what it cannot read becomes the unit's error.
    visited: HashMap<(PathBuf, ModuleDir), bool>,
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

    /// Records that the construct at `file`:`line` is unresolved, for `reason` (the paths
    /// below the root it names shown relative to it).
    pub fn note_unresolved(&mut self, file: &Path, line: u32, reason: String) {
        self.unresolved.push(UnresolvedConstruct {
            file: file.to_path_buf(),
            line,
            reason: self.scope.shown_text(&reason),
        });
    }

    /// `error`, about a file the unit reads, is the unit's when rustc surely reads that file
    /// (`certain`); otherwise the construct is unresolved, at the error's file and line.
    pub fn fail_if(&mut self, certain: bool, error: Error) {
        if certain {
            return self.fail(error);
        }
        let file = error.file().map_or_else(PathBuf::new, Path::to_path_buf);
        let reason = format!("{} (rustc may not read it)", error.message());
        self.note_unresolved(&file, error.line().unwrap_or(0), reason);
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
    /// `origin` names what referred to it. A file rustc may not read (`reach`) that cannot be
    /// lexed widens to the Rust files below the module's directory.
    pub fn visit_source(&mut self, path: &Path, module: &ModuleDir, origin: &Path, reach: Reach) {
        let key = (path.to_path_buf(), module.clone());
        match self.visited.get(&key) {
            Some(&certain) if certain || !reach.certain => return,
            _ => self.visited.insert(key, reach.certain),
        };
        if let Err(e) = self.scope.rel(path, origin, 0) {
            return self.fail(Error::in_file(origin, e.message()));
        }
        self.files.insert(path.to_path_buf());
        let source = match self.reads.source(path, self.edition) {
            Ok(source) => source,
            Err(e) if reach.certain => return self.fail(e),
            Err(e) => return self.widen_unreadable(&e, path, &module.children()),
        };
        let syntax = source.syntax.as_ref().expect("sources are lexed");
        self.env.extend(syntax.env.iter().cloned());
        self.visit_items(&syntax.items, module, path, path, reach)
    }

    /// Visits `items` of the module `module`, reached as `reach` says. `file` is what relative
    /// includes resolve against (the file holding them, or for a macro expansion the file of
    /// the invocation); `origin` is the file holding them, named in errors and `unresolved`.
    pub fn visit_items(
        &mut self,
        items: &[Item],
        module: &ModuleDir,
        file: &Path,
        origin: &Path,
        reach: Reach,
    ) {
        for item in items {
            match item {
                Item::Mod(decl) => self.visit_mod(decl, module, file, origin, reach),
                Item::Include(include) => self.visit_include(include, file, origin, reach),
                Item::Opaque { line, what, cfg } => {
                    if self.holds(cfg).may_hold() {
                        let dir = module.children();
                        self.widen(origin, *line, what, &dir, true);
                    }
                }
                Item::Macro(def) => self.visit_macro_definition(def, origin, reach),
                Item::Invocation(invocation) => {
                    self.visit_invocation(invocation, module, file, origin, reach)
                }
            }
        }
    }

    /// A `macro_rules!` definition in `origin`: expanded at every invocation met so far.
    fn visit_macro_definition(&mut self, def: &MacroDef, origin: &Path, reach: Reach) {
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
            self.expand(&known, &site, reach);
        }
    }

    /// An invocation in the module `module` (see [`Self::visit_items`] for `file` and
    /// `origin`): every definition of its name met so far is expanded there, and its input
    /// is visited unless the definitions' wrapper conditions compile it out. The input is
    /// unsure (the macro may drop or rewrite it), but for `cfg_if!` and `cfg_select!`, whose
    /// branches carry their conditions.
    fn visit_invocation(
        &mut self,
        invocation: &Invocation,
        module: &ModuleDir,
        file: &Path,
        origin: &Path,
        reach: Reach,
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
            self.expand(def, &site, reach);
        }
        if !self
            .macros
            .drops_input(name, invocation.qualified, &defs, &self.cfg)
        {
            let input = match name.as_str() {
                "cfg_if" | "cfg_select" => reach,
                _ => reach.unsure(),
            };
            self.visit_items(&invocation.args, module, file, origin, input);
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

    /// Resolves the body of the macro `def` as expanded at `site`, once per definition and
    /// site. Unsure: which rules apply, and what they make of their fragments, is not known.
    fn expand(&mut self, def: &KnownMacro, site: &MacroSite, reach: Reach) {
        if def.body.is_empty() || !self.macros.first_expansion(def, site) {
            return;
        }
        let reach = reach.unsure();
        self.visit_items(&def.body, &site.module, &site.file, &def.origin, reach)
    }

    /// The Rust file `path`, which rustc may not read, cannot be (`error`): unresolved, and
    /// widened to the Rust files below `dir`, where its modules would be.
    pub fn widen_unreadable(&mut self, error: &Error, path: &Path, dir: &Path) {
        let file = error.file().unwrap_or(path).to_path_buf();
        let what = format!("{} (rustc may not read it)", error.message());
        self.widen(&file, error.line().unwrap_or(0), &what, dir, true)
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
