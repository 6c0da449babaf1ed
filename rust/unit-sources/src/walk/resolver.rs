//! Module resolution as rustc does it, per unit, over the scan's [`SourceCache`].

use crate::cfg::{CfgContext, CfgPredicate, TargetCfg, Truth};
use crate::fs::observation::FileKind;
use crate::fs::source_cache::{SourceCache, Touched, UnitReads};
use crate::model::unit_hash;
use crate::syntax::{Include, IncludeArg, IncludeKind, Item, ModDecl};
use crate::walk::build_script::{self, EnvValue};
use crate::workspace::metadata::Workspace;
use crate::workspace::units::PlannedUnit;
use crate::{Error, RelPath, UnitKind, UnitSources, Unresolved};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The error for a path that is a [`FileKind::Broken`] link, at `file`:`line`.
fn broken_link(file: &Path, line: u32, what: &str, path: &Path) -> Error {
    let cause = std::fs::metadata(path)
        .err()
        .map_or_else(|| "unreadable".to_string(), |e| e.to_string());
    Error::at(file, line, format!("{what}: {}: {cause}", path.display()))
}

/// The error for a unit whose root file is not a readable file (`kind`): at the manifest's
/// entry for the target when one names it (`[[example]]`, `[[bin]]`, … with its `name` or
/// `path`; `build = …`), else at the manifest.
fn missing_root(unit: &PlannedUnit, kind: FileKind, reads: &UnitReads<'_>) -> Error {
    let what = match kind {
        FileKind::Missing => "does not exist",
        FileKind::Dir => "is a directory",
        FileKind::Broken => "is a broken symbolic link",
        FileKind::File | FileKind::Other => "is not a regular file",
    };
    let message = format!(
        "{} `{}`: {} {what}",
        unit.kind.target_kind(),
        unit.target,
        unit.root_file.display()
    );
    let relative = unit
        .root_file
        .strip_prefix(&unit.package_dir)
        .ok()
        .and_then(Path::to_str)
        .unwrap_or_default();
    let line = reads.text(&unit.manifest).and_then(|text| {
        manifest_entry_line(&text, unit.kind.target_kind(), &unit.target, relative)
    });
    match line {
        Some(line) => Error::at(&unit.manifest, line, message),
        None => Error::in_file(&unit.manifest, message),
    }
}

/// The 1-based line of the manifest entry declaring the `kind` target `name` at `path`
/// (relative to the package): the `[lib]`/`[[kind]]` header of the table whose `name` or
/// `path` matches, or for a build script the `build = …` line; `None` when no entry names it
/// (the target was discovered).
fn manifest_entry_line(text: &str, kind: &str, name: &str, path: &str) -> Option<u32> {
    let unquote = |value: &str| {
        value
            .trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .to_string()
    };
    let mut table: Option<(u32, &str)> = None;
    for (number, line) in (1u32..).zip(text.lines()) {
        let line = line.trim();
        if line.starts_with('[') {
            table = Some((number, line.trim_matches(|c| c == '[' || c == ']').trim()));
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), unquote(value));
        match table {
            Some((_, "package")) if kind == "build script" && key == "build" && value == path => {
                return Some(number)
            }
            Some((header, table))
                if table == kind
                    && ((key == "name" && value == name) || (key == "path" && value == path)) =>
            {
                return Some(header);
            }
            _ => {}
        }
    }
    None
}

/// Where `mod x;` declarations of a module look for their files (rustc's `ModuleData::dir_path`
/// and `DirOwnership`): `dir`, and for a module loaded from a non-`mod.rs` file `name.rs`, the
/// `relative` prefix `name/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ModuleDir {
    dir: PathBuf,
    relative: Option<String>,
    /// Inside an inline module named by a macro fragment (`mod $name { … }`): `dir` is its
    /// parent's directory, and where its own `mod x;` would look is unknown.
    opaque: bool,
}

impl ModuleDir {
    /// The directory holding the module's submodule files.
    fn children(&self) -> PathBuf {
        match &self.relative {
            Some(name) => self.dir.join(name),
            None => self.dir.clone(),
        }
    }
}

/// Follows a unit's module tree and includes from its root file.
pub(crate) struct ModuleResolver<'w> {
    workspace: &'w Workspace,
    target: Option<&'w TargetCfg>,
    cache: &'w SourceCache,
    /// Directories of member packages: widening never enters another member's directory.
    package_dirs: HashSet<PathBuf>,
    /// The build-script unit of each package that has one, by package directory: what its
    /// `cargo:rustc-env` lines set is read when a unit includes `env!("NAME")`.
    scripts: HashMap<PathBuf, PlannedUnit>,
}

impl<'w> ModuleResolver<'w> {
    /// A resolver for the `units` of `workspace`, sharing `cache` across units and threads.
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
        ModuleResolver {
            workspace,
            target,
            cache,
            package_dirs,
            scripts,
        }
    }

    /// The scan's source cache.
    pub fn cache(&self) -> &'w SourceCache {
        self.cache
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
    pub fn scan_unit(&self, unit: &PlannedUnit) -> Result<(UnitSources, Touched), Error> {
        let reads = UnitReads::new(self.cache);
        let sources = self.walk(unit, &reads)?;
        Ok((sources, reads.into_touched()))
    }

    /// [`Self::scan_unit`]'s walk, reading through `reads`.
    fn walk(&self, unit: &PlannedUnit, reads: &UnitReads<'w>) -> Result<UnitSources, Error> {
        let cfg = CfgContext {
            features: &unit.features,
            features_exact: unit.features_exact,
            test: unit.kind.is_test_harness(),
            target: self.target,
            known: unit.known_cfgs.as_deref(),
        };
        let mut no_narrowing = HashSet::new();
        loop {
            let mut walk = UnitWalk {
                resolver: self,
                reads,
                unit,
                cfg: CfgContext { ..cfg },
                files: BTreeSet::new(),
                visited: HashSet::new(),
                env: BTreeSet::new(),
                out_dir: Some(BTreeSet::new()),
                unresolved: Vec::new(),
                macros: HashMap::new(),
                invocations: HashMap::new(),
                expanded: HashSet::new(),
                narrowed: HashMap::new(),
                no_narrowing: &no_narrowing,
                error: None,
            };
            let root_dir = ModuleDir {
                dir: parent(&unit.root_file),
                relative: None,
                opaque: false,
            };
            match reads.kind(&unit.root_file) {
                FileKind::File => {
                    walk.visit_source(&unit.root_file, &root_dir, &unit.root_file, 0);
                    walk.widen_unexpanded_macros();
                }
                kind => {
                    walk.files.insert(unit.root_file.clone());
                    walk.fail(missing_root(unit, kind, reads));
                }
            }
            let stale = walk.stale_narrowing();
            if stale.is_empty() {
                return walk.finish();
            }
            // A macro's wrapper condition was used before another definition of the same
            // name was met: walk again without it.
            drop(walk);
            no_narrowing.extend(stale);
        }
    }

    fn rel(&self, path: &Path, origin: &Path, line: u32) -> Result<RelPath, Error> {
        RelPath::new(&self.workspace.root, path, &|message| {
            Error::at(origin, line, message)
        })
    }

    /// Every file below `dir` (only `.rs` files when `rust_only`), not entering hidden
    /// directories, `target` directories or other member packages' directories.
    fn files_below(
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

fn parent(path: &Path) -> PathBuf {
    path.parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf)
}

/// How deep `include!` may nest (rustc's default recursion limit).
const MAX_INCLUDE_DEPTH: usize = 128;

/// A `macro_rules!` definition met during a unit's walk.
#[derive(Clone)]
struct KnownMacro {
    /// The file holding the definition (unresolved constructs of its body are reported there).
    origin: PathBuf,
    line: u32,
    body: Arc<Vec<Item>>,
    wraps: Option<CfgPredicate>,
}

/// Whether `items` declare an out-of-line module or include a file (directly, or in inline
/// modules, invocation inputs and nested macro bodies): what a macro body needs resolved.
fn reads_files(items: &[Item]) -> bool {
    items.iter().any(|item| match item {
        Item::Mod(decl) => decl.body.as_deref().is_none_or(reads_files),
        Item::Include(_) | Item::Opaque { .. } => true,
        Item::Macro(def) => reads_files(&def.body),
        Item::Invocation(invocation) => reads_files(&invocation.args),
    })
}

/// Where a macro is invoked: the invoking module and the file of the outermost invocation,
/// against which rustc resolves `mod` and include paths of the expansion.
#[derive(Clone, PartialEq, Eq, Hash)]
struct MacroSite {
    module: ModuleDir,
    file: PathBuf,
}

/// The state of scanning one unit.
struct UnitWalk<'r, 'w> {
    resolver: &'r ModuleResolver<'w>,
    /// Every file-system read of the walk goes through it.
    reads: &'r UnitReads<'w>,
    unit: &'r PlannedUnit,
    cfg: CfgContext<'r>,
    /// Absolute paths of every file the unit reads.
    files: BTreeSet<PathBuf>,
    /// Rust files already walked, with the module directory they were walked for.
    visited: HashSet<(PathBuf, ModuleDir)>,
    env: BTreeSet<String>,
    /// What the unit includes from `OUT_DIR`; `None` once an include's path is unknown.
    out_dir: Option<BTreeSet<String>>,
    /// (file, line, reason) of constructs resolved by widening.
    unresolved: Vec<(PathBuf, u32, String)>,
    /// `macro_rules!` definitions met so far, by name.
    macros: HashMap<String, Vec<KnownMacro>>,
    /// Invocations met so far, by macro name.
    invocations: HashMap<String, Vec<MacroSite>>,
    /// (definition file, line, site) pairs already expanded.
    expanded: HashSet<(PathBuf, u32, MacroSite)>,
    /// Macro names whose wrapper condition dropped an invocation's input, with how many
    /// definitions of the name were known then.
    narrowed: HashMap<String, usize>,
    /// Macro names whose wrapper condition must not be used (a definition appeared after it
    /// was: a rerun of the walk without it).
    no_narrowing: &'r HashSet<String>,
    /// The first file the unit must read that could not be (see [`ModuleResolver::scan_unit`]).
    error: Option<Error>,
}

impl UnitWalk<'_, '_> {
    /// Records `error` as the unit's, unless an earlier one was; the walk goes on.
    fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// A file referred to at `file`:`line` does not exist (`reason`): the unit's error, with
    /// the `paths` it may be at among its files, when rustc surely reads it (`certain`);
    /// otherwise an unresolved construct (the reference may be compiled out).
    fn missing<const N: usize>(
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
            self.unresolved.push((file.to_path_buf(), line, reason));
        }
    }

    fn holds(&self, all: &[CfgPredicate]) -> Truth {
        self.cfg.eval(&CfgPredicate::All(all.to_vec()))
    }

    /// Names whose wrapper condition was used before another definition of the name was met.
    fn stale_narrowing(&self) -> Vec<String> {
        self.narrowed
            .iter()
            .filter(|(name, known)| self.macros.get(*name).map_or(0, Vec::len) != **known)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Reads the Rust file `path` as the source of a module whose submodules live in `module`;
    /// `origin`/`line` name what referred to it. `depth` counts nested `include!`s.
    fn visit_source(&mut self, path: &Path, module: &ModuleDir, origin: &Path, depth: usize) {
        if !self.visited.insert((path.to_path_buf(), module.clone())) {
            return;
        }
        if let Err(e) = self.resolver.rel(path, origin, 0) {
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
    fn visit_items(
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
                Item::Macro(def) => {
                    if !self.holds(&def.cfg).may_hold() {
                        continue;
                    }
                    let known = KnownMacro {
                        origin: origin.to_path_buf(),
                        line: def.line,
                        body: def.body.clone(),
                        wraps: def.wraps.clone(),
                    };
                    self.macros
                        .entry(def.name.clone())
                        .or_default()
                        .push(known.clone());
                    let sites = self.invocations.get(&def.name).cloned();
                    for site in sites.unwrap_or_default() {
                        self.expand(&known, &site, depth);
                    }
                }
                Item::Invocation(invocation) => {
                    if !self.holds(&invocation.cfg).may_hold() {
                        continue;
                    }
                    let site = MacroSite {
                        module: module.clone(),
                        file: file.to_path_buf(),
                    };
                    let name = &invocation.name;
                    self.invocations
                        .entry(name.clone())
                        .or_default()
                        .push(site.clone());
                    let defs = self.macros.get(name).cloned().unwrap_or_default();
                    for def in &defs {
                        self.expand(def, &site, depth);
                    }
                    let wraps: Option<Vec<CfgPredicate>> =
                        defs.iter().map(|d| d.wraps.clone()).collect();
                    let dropped = match wraps {
                        Some(any)
                            if !any.is_empty()
                                && !invocation.qualified
                                && !self.no_narrowing.contains(name) =>
                        {
                            !self.cfg.eval(&CfgPredicate::Any(any)).may_hold()
                        }
                        _ => false,
                    };
                    if dropped {
                        self.narrowed.entry(name.clone()).or_insert(defs.len());
                    } else {
                        self.visit_items(&invocation.args, module, file, origin, depth);
                    }
                }
            }
        }
    }

    /// A `macro_rules!` whose body declares modules or includes but which no invocation by its
    /// name reached may still be invoked under another name (`use m as n;`, a generated name):
    /// its files are widened to the defining file's directory rather than dropped.
    fn widen_unexpanded_macros(&mut self) {
        let unexpanded: Vec<(PathBuf, u32, String)> = self
            .macros
            .iter()
            .flat_map(|(name, defs)| defs.iter().map(move |d| (name, d)))
            .filter(|(_, def)| reads_files(&def.body))
            .filter(|(_, def)| {
                !self
                    .expanded
                    .iter()
                    .any(|(origin, line, _)| *origin == def.origin && *line == def.line)
            })
            .map(|(name, def)| (def.origin.clone(), def.line, name.clone()))
            .collect();
        for (origin, line, name) in unexpanded {
            let what = format!(
                "macro `{name}` declares modules or includes but no invocation by that name was found (an alias or a generated name may invoke it)"
            );
            self.widen(&origin, line, &what, &parent(&origin), false);
        }
    }

    /// Resolves the body of the macro `def` as expanded at `site`, once per definition and site.
    fn expand(&mut self, def: &KnownMacro, site: &MacroSite, depth: usize) {
        if def.body.is_empty()
            || !self
                .expanded
                .insert((def.origin.clone(), def.line, site.clone()))
        {
            return;
        }
        self.visit_items(&def.body, &site.module, &site.file, &def.origin, depth)
    }

    /// The `#[path]` values that may apply to `decl`, and whether the default location may too.
    fn path_candidates<'d>(&self, decl: &'d ModDecl) -> (Vec<&'d str>, bool) {
        let mut candidates = Vec::new();
        for attr in &decl.paths {
            match self.holds(&attr.when) {
                Truth::False => {}
                Truth::True => {
                    candidates.push(attr.value.as_str());
                    return (candidates, false);
                }
                Truth::Unknown => candidates.push(attr.value.as_str()),
            }
        }
        (candidates, true)
    }

    fn visit_mod(
        &mut self,
        decl: &ModDecl,
        module: &ModuleDir,
        file: &Path,
        origin: &Path,
        depth: usize,
    ) {
        if !self.holds(&decl.cfg).may_hold() {
            return;
        }
        if module.opaque && decl.body.is_none() {
            let reason = format!(
                "module `{}` declared in a module named by a macro fragment; its directory is unknown",
                decl.name
            );
            self.widen(origin, decl.line, &reason, &module.dir.clone(), true);
            return;
        }
        let (paths, default) = self.path_candidates(decl);
        if paths.iter().any(|p| p.is_empty()) {
            let reason = format!(
                "module `{}` has a #[path] that is not a string literal",
                decl.name
            );
            self.widen(origin, decl.line, &reason, &module.children(), true);
        }
        let paths = paths.into_iter().filter(|p| !p.is_empty());
        match &decl.body {
            Some(body) => {
                for path in paths {
                    let inner = ModuleDir {
                        dir: self.reads.join_literal(&module.dir, path),
                        relative: None,
                        opaque: module.opaque,
                    };
                    self.visit_items(body, &inner, file, origin, depth);
                }
                if default {
                    let inner = if decl.opaque_name || module.opaque {
                        ModuleDir {
                            dir: module.children(),
                            relative: None,
                            opaque: true,
                        }
                    } else {
                        ModuleDir {
                            dir: module.children().join(&decl.name),
                            relative: None,
                            opaque: false,
                        }
                    };
                    self.visit_items(body, &inner, file, origin, depth);
                }
            }
            None => {
                let explicit = paths.clone().count();
                // rustc compiles the declaration for sure, from that one file: a missing
                // file then breaks the unit rather than leaving a construct unresolved.
                let certain = self.holds(&decl.cfg) == Truth::True;
                for path in paths {
                    let target = self.reads.join_literal(&module.dir, path);
                    self.visit_module_file(
                        &target,
                        ModuleDir {
                            dir: parent(&target),
                            relative: None,
                            opaque: false,
                        },
                        decl,
                        origin,
                        certain && explicit == 1 && !default,
                    );
                }
                if default {
                    let certain = certain && explicit == 0;
                    self.visit_default_module_file(decl, module, origin, explicit > 0, certain);
                }
            }
        }
    }

    /// `name.rs` or `name/mod.rs` in the module's directory, as rustc's `default_submod_path`.
    /// When neither exists, the declaration is noted unless some `#[path]` (`explicit`) may
    /// apply instead; it is the unit's error when rustc surely compiles it (`certain`).
    fn visit_default_module_file(
        &mut self,
        decl: &ModDecl,
        module: &ModuleDir,
        file: &Path,
        explicit: bool,
        certain: bool,
    ) {
        let children = module.children();
        let flat = children.join(format!("{}.rs", decl.name));
        let nested = children.join(&decl.name).join("mod.rs");
        let cache = self.reads;
        for candidate in [&flat, &nested] {
            if cache.kind(candidate) == FileKind::Broken {
                let error = broken_link(
                    file,
                    decl.line,
                    &format!("module `{}`", decl.name),
                    candidate,
                );
                return self.fail(error);
            }
        }
        match (
            cache.kind(&flat) == FileKind::File,
            cache.kind(&nested) == FileKind::File,
        ) {
            (true, nested_exists) => {
                if nested_exists {
                    let reason = format!(
                        "both {}.rs and {}/mod.rs exist (rustc rejects this); both listed",
                        decl.name, decl.name
                    );
                    self.unresolved
                        .push((file.to_path_buf(), decl.line, reason));
                    self.visit_module_file(
                        &nested,
                        ModuleDir {
                            dir: children.join(&decl.name),
                            relative: None,
                            opaque: false,
                        },
                        decl,
                        file,
                        false,
                    );
                }
                self.visit_module_file(
                    &flat,
                    ModuleDir {
                        dir: children,
                        relative: Some(decl.name.clone()),
                        opaque: false,
                    },
                    decl,
                    file,
                    false,
                )
            }
            (false, true) => self.visit_module_file(
                &nested,
                ModuleDir {
                    dir: children.join(&decl.name),
                    relative: None,
                    opaque: false,
                },
                decl,
                file,
                false,
            ),
            (false, false) if explicit => {}
            (false, false) => {
                let reason = format!(
                    "module `{}`: neither {}.rs nor {}/mod.rs exists",
                    decl.name, decl.name, decl.name
                );
                self.missing(certain, file, decl.line, reason, [flat, nested]);
            }
        }
    }

    fn visit_module_file(
        &mut self,
        path: &Path,
        module: ModuleDir,
        decl: &ModDecl,
        file: &Path,
        certain: bool,
    ) {
        if let Err(e) = self.resolver.rel(path, file, decl.line) {
            return self.fail(e);
        }
        let kind = self.reads.kind(path);
        if kind == FileKind::Dir {
            let message = format!("module `{}`: {} is a directory", decl.name, path.display());
            return self.fail(Error::at(file, decl.line, message));
        }
        if kind == FileKind::Broken {
            let what = format!("module `{}`", decl.name);
            return self.fail(broken_link(file, decl.line, &what, path));
        }
        if kind == FileKind::Missing {
            let reason = format!("module `{}`: {} does not exist", decl.name, path.display());
            return self.missing(certain, file, decl.line, reason, [path.to_path_buf()]);
        }
        self.visit_source(path, &module, file, 0)
    }

    /// An include in `origin`, resolved against `file` (see [`Self::visit_items`]).
    fn visit_include(&mut self, include: &Include, file: &Path, origin: &Path, depth: usize) {
        if !self.holds(&include.cfg).may_hold() {
            return;
        }
        let target = match &include.arg {
            IncludeArg::Relative(path) => self.reads.join_literal(&parent(file), path),
            IncludeArg::ManifestDir(rest) => self
                .reads
                .join_literal(&self.unit.package_dir, rest.trim_start_matches('/')),
            IncludeArg::OutDir(rest) => {
                if let Some(out_dir) = &mut self.out_dir {
                    out_dir.insert(rest.trim_start_matches('/').to_string());
                }
                return;
            }
            IncludeArg::Env { name, rest } => {
                return self.visit_env_include(include, name, rest, file, origin, depth)
            }
            IncludeArg::Unknown { text, suffix } => {
                let reason = format!("include argument `{text}` is not a literal path");
                return self.widen_unknown_include(origin, include.line, reason, suffix);
            }
        };
        self.visit_include_target(include, target, origin, depth)
    }

    /// An include of `env!("<name>")` followed by `rest`, in `origin`, resolved against
    /// `file`: the value the package's build script gives `name` (`cargo:rustc-env`) when it
    /// is a literal, else a path the scan cannot know (widened; `OUT_DIR` includes unknown).
    fn visit_env_include(
        &mut self,
        include: &Include,
        name: &str,
        rest: &str,
        file: &Path,
        origin: &Path,
        depth: usize,
    ) {
        let values = self.script_env_values(name);
        let source = match values.as_ref().is_none_or(|values| !values.is_empty()) {
            true => "which the package's build script computes (cargo:rustc-env)",
            false => "which the build's environment gives",
        };
        let all_literal = values.as_ref().is_some_and(|values| {
            !values.is_empty() && values.iter().all(|v| matches!(v, EnvValue::Literal(_)))
        });
        if all_literal {
            for value in values.into_iter().flatten() {
                if let EnvValue::Literal(value) = value {
                    let target = parent(file).join(format!("{value}{rest}"));
                    self.visit_include_target(include, target, origin, depth);
                }
            }
            return;
        }
        let text = format!("env!(\"{name}\"){rest}");
        let tails: Vec<String> = match values {
            Some(values) if !values.is_empty() => values
                .into_iter()
                .map(|value| match value {
                    EnvValue::Literal(value) => format!("{value}{rest}"),
                    EnvValue::Computed { tail } => format!("{tail}{rest}"),
                })
                .collect(),
            _ => vec![rest.to_string()],
        };
        for tail in tails {
            let reason = format!("include of `{text}`, a path {source}");
            self.widen_unknown_include(origin, include.line, reason, &tail);
        }
    }

    /// The values the unit's package's build script may give `name` with `cargo:rustc-env`
    /// (see [`build_script::rustc_env_values`]); empty for a package without one, and for the
    /// build script itself (its directives apply to the package's other units). The script's
    /// walk and reads count as this unit's.
    fn script_env_values(&self, name: &str) -> Option<BTreeSet<EnvValue>> {
        if matches!(
            self.unit.kind,
            UnitKind::BuildScript | UnitKind::BuildScriptRun
        ) {
            return Some(BTreeSet::new());
        }
        let Some(script) = self.resolver.scripts.get(&self.unit.package_dir) else {
            return Some(BTreeSet::new());
        };
        let sources = self.resolver.walk(script, self.reads).ok()?;
        if sources.error.is_some() {
            return None;
        }
        let root = &self.resolver.workspace.root;
        let files = sources
            .files
            .iter()
            .map(|f| root.join(f.as_str()))
            .collect();
        build_script::rustc_env_values(&files, name, self.reads)
    }

    /// An include whose path is unknown, known only to end with `suffix` (may be empty), at
    /// `origin`:`line`: widened to the package's files that can be it; what the unit includes
    /// from `OUT_DIR` is then unknown too.
    fn widen_unknown_include(&mut self, origin: &Path, line: u32, reason: String, suffix: &str) {
        self.out_dir = None;
        let dir = self.unit.package_dir.clone();
        match suffix.rsplit_once('/') {
            // The path ends with `…/name`: only files called `name` can be it.
            Some((_, name)) if !matches!(name, "" | "." | "..") => {
                let reason = format!("{reason}; widened to every file named `{name}`");
                self.widen_matching(origin, line, &reason, &dir, |f| f == name);
            }
            // The path ends with `suffix`: so does its file name.
            None if !suffix.is_empty() => {
                let reason =
                    format!("{reason}; widened to every file whose name ends with `{suffix}`");
                self.widen_matching(origin, line, &reason, &dir, |f| f.ends_with(suffix));
            }
            _ => self.widen(origin, line, &reason, &dir, false),
        }
    }

    /// An include in `origin` of the file `target` (known).
    fn visit_include_target(
        &mut self,
        include: &Include,
        target: PathBuf,
        origin: &Path,
        depth: usize,
    ) {
        if let Err(e) = self.resolver.rel(&target, origin, include.line) {
            return self.fail(e);
        }
        let kind = self.reads.kind(&target);
        if kind == FileKind::Dir {
            let message = format!("include of a directory: {}", target.display());
            return self.fail(Error::at(origin, include.line, message));
        }
        if kind == FileKind::Broken {
            return self.fail(broken_link(origin, include.line, "include", &target));
        }
        if kind == FileKind::Missing {
            let reason = format!("included file {} does not exist", target.display());
            let certain = self.holds(&include.cfg) == Truth::True;
            return self.missing(certain, origin, include.line, reason, [target]);
        }
        match include.kind {
            IncludeKind::Data => {
                self.files.insert(target);
            }
            IncludeKind::Source if depth >= MAX_INCLUDE_DEPTH => {
                let message =
                    format!("include! nested more than {MAX_INCLUDE_DEPTH} deep (a cycle?)");
                self.fail(Error::at(origin, include.line, message));
            }
            IncludeKind::Source => {
                // As rustc's `expand_include`: `mod x;` in an included file resolves relative
                // to that file's own directory, as if it were a `mod.rs`.
                self.files.insert(target.clone());
                let source = match self.reads.source(&target) {
                    Ok(source) => source,
                    Err(e) => return self.fail(e),
                };
                let syntax = source.syntax.as_ref().expect("sources are lexed");
                self.env.extend(syntax.env.iter().cloned());
                let included = ModuleDir {
                    dir: parent(&target),
                    relative: None,
                    opaque: false,
                };
                self.visit_items(&syntax.items, &included, &target, &target, depth + 1)
            }
        }
    }

    /// Records an unresolved construct and adds every file below `dir` (only Rust files when
    /// `rust_only`), so that the unit still lists every file rustc could read for it.
    fn widen(&mut self, file: &Path, line: u32, what: &str, dir: &Path, rust_only: bool) {
        let scope = if rust_only { "Rust files" } else { "files" };
        let shown = match dir.strip_prefix(&self.resolver.workspace.root) {
            Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
            Ok(relative) => relative.display().to_string(),
            Err(_) => dir.display().to_string(),
        };
        let reason = format!("{what}; widened to all {scope} below {shown}/");
        self.unresolved.push((file.to_path_buf(), line, reason));
        self.resolver
            .files_below(self.reads, dir, rust_only, &mut self.files);
    }

    /// For a `build-script-run` unit: replaces what the walk found (the script's sources)
    /// with what running it reads, and returns the `runInputs`, `runEnv` and
    /// `runInputsExact` fields.
    fn take_run_inputs(&mut self) -> (Vec<RelPath>, Vec<String>, bool) {
        let analysis = build_script::analyse(&self.files, &self.unit.package_dir, self.reads);
        let script = self.unit.root_file.clone();
        self.files.clear();
        self.env.clear();
        self.out_dir = Some(BTreeSet::new());
        self.unresolved = analysis.widened;
        let mut inputs = BTreeSet::new();
        if self.unit.immutable {
            // A registry or git package never changes (cargo tracks its version), and its
            // script may read any of its files.
            self.resolver
                .files_below(self.reads, &self.unit.package_dir, false, &mut self.files);
        }
        if analysis.inputs.is_empty() {
            self.resolver
                .files_below(self.reads, &self.unit.package_dir, false, &mut self.files);
            // Below the package's directory, hence the root: `rel` cannot fail.
            inputs.extend(
                self.files
                    .iter()
                    .filter_map(|file| self.resolver.rel(file, &script, 0).ok()),
            );
        }
        for input in &analysis.inputs {
            match self.resolver.rel(input, &script, 0) {
                Ok(rel) => {
                    inputs.insert(rel);
                }
                Err(_) => {
                    let reason = format!(
                        "rerun-if-changed path {} is outside the workspace; not tracked",
                        input.display()
                    );
                    self.unresolved.push((script.clone(), 0, reason));
                    continue;
                }
            }
            match self.reads.kind(input) {
                FileKind::Dir => {
                    self.resolver
                        .files_below(self.reads, input, false, &mut self.files)
                }
                FileKind::File => {
                    self.files.insert(input.clone());
                }
                _ => {}
            }
        }
        (
            inputs.into_iter().collect(),
            analysis.env.into_iter().collect(),
            analysis.exact,
        )
    }

    /// Records an unresolved construct (`reason` says how it was widened) and adds every file
    /// below `dir` whose file name satisfies `keep`.
    fn widen_matching(
        &mut self,
        file: &Path,
        line: u32,
        reason: &str,
        dir: &Path,
        keep: impl Fn(&str) -> bool,
    ) {
        let shown = match dir.strip_prefix(&self.resolver.workspace.root) {
            Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
            Ok(relative) => relative.display().to_string(),
            Err(_) => dir.display().to_string(),
        };
        self.unresolved
            .push((file.to_path_buf(), line, format!("{reason} below {shown}/")));
        let mut below = BTreeSet::new();
        self.resolver
            .files_below(self.reads, dir, false, &mut below);
        self.files.extend(
            below
                .into_iter()
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep)),
        );
    }

    /// The unit's record. Errors only for a root file or manifest outside the workspace root,
    /// which the model cannot name (the whole scan fails); anything else wrong is the unit's
    /// `error`.
    fn finish(mut self) -> Result<UnitSources, Error> {
        let run = match self.unit.kind {
            UnitKind::BuildScriptRun => Some(self.take_run_inputs()),
            _ => None,
        };
        let unit = self.unit;
        let resolver = self.resolver;
        let rel = |path: &Path| {
            resolver
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
        let reads = self.reads;
        let mut unreadable = None;
        let hash = unit_hash(&files, &manifests, |path| {
            let digest = reads.digest(&resolver.workspace.root.join(path.as_str()));
            Ok(digest.unwrap_or_else(|e| {
                unreadable.get_or_insert(e);
                [0; 32]
            }))
        })?;
        if let Some(e) = unreadable {
            self.fail(e);
        }
        let mut unresolved: Vec<Unresolved> = self
            .unresolved
            .iter()
            .filter_map(|(file, line, reason)| {
                Some(Unresolved {
                    file: rel(file).ok()?,
                    line: *line,
                    reason: reason.clone(),
                })
            })
            .collect();
        unresolved.sort();
        unresolved.dedup();
        Ok(UnitSources {
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
            out_dir_includes: self.out_dir.map(|includes| includes.into_iter().collect()),
            unresolved,
            run_inputs: run.as_ref().map(|r| r.0.clone()),
            run_env: run.as_ref().map(|r| r.1.clone()),
            run_inputs_exact: run.map(|r| r.2),
            dirs: dirs.into_iter().collect(),
            build: None,
            hash,
            error: self.error.map(|e| e.to_string()),
        })
    }
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
