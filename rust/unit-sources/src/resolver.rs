//! Module resolution as rustc does it, per unit, over the scan's [`SourceCache`].

use crate::build_script;
use crate::cfg::{CfgContext, CfgPredicate, TargetCfg, Truth};
use crate::model::unit_hash;
use crate::source_cache::{FileKind, SourceCache, Touched, UnitReads};
use crate::syntax::{Include, IncludeArg, IncludeKind, Item, ModDecl};
use crate::unit::PlannedUnit;
use crate::workspace::Workspace;
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
}

impl<'w> ModuleResolver<'w> {
    /// A resolver for the units of `workspace`, sharing `cache` across units and threads.
    pub fn new(
        workspace: &'w Workspace,
        target: Option<&'w TargetCfg>,
        cache: &'w SourceCache,
    ) -> Self {
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
        }
    }

    /// The scan's source cache.
    pub fn cache(&self) -> &'w SourceCache {
        self.cache
    }

    /// Scans one unit: its files, manifests, env names, `OUT_DIR` includes, unresolved
    /// constructs and hash; and every path the walk asked the cache about (its result depends
    /// on nothing else read from the file system).
    pub fn scan_unit(&self, unit: &PlannedUnit) -> Result<(UnitSources, Touched), Error> {
        let cfg = CfgContext {
            features: &unit.features,
            features_exact: unit.features_exact,
            test: unit.kind.is_test_harness(),
            target: self.target,
            known: unit.known_cfgs.as_deref(),
        };
        let mut no_narrowing = HashSet::new();
        let reads = UnitReads::new(self.cache);
        loop {
            let mut walk = UnitWalk {
                resolver: self,
                reads: &reads,
                unit,
                cfg: CfgContext { ..cfg },
                files: BTreeSet::new(),
                visited: HashSet::new(),
                env: BTreeSet::new(),
                out_dir: BTreeSet::new(),
                unresolved: Vec::new(),
                macros: HashMap::new(),
                invocations: HashMap::new(),
                expanded: HashSet::new(),
                narrowed: HashMap::new(),
                no_narrowing: &no_narrowing,
            };
            let root_dir = ModuleDir {
                dir: parent(&unit.root_file),
                relative: None,
                opaque: false,
            };
            walk.visit_source(&unit.root_file, &root_dir, &unit.root_file, 0)?;
            walk.widen_unexpanded_macros();
            let stale = walk.stale_narrowing();
            if stale.is_empty() {
                let sources = walk.finish()?;
                return Ok((sources, reads.into_touched()));
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
        Item::Mod(decl) => decl.body.as_deref().map_or(true, reads_files),
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
    out_dir: BTreeSet<String>,
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
}

impl UnitWalk<'_, '_> {
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
    fn visit_source(
        &mut self,
        path: &Path,
        module: &ModuleDir,
        origin: &Path,
        depth: usize,
    ) -> Result<(), Error> {
        if !self.visited.insert((path.to_path_buf(), module.clone())) {
            return Ok(());
        }
        self.resolver
            .rel(path, origin, 0)
            .map_err(|e| Error::in_file(origin, e.message()))?;
        self.files.insert(path.to_path_buf());
        let source = self.reads.source(path)?;
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
    ) -> Result<(), Error> {
        for item in items {
            match item {
                Item::Mod(decl) => self.visit_mod(decl, module, file, origin, depth)?,
                Item::Include(include) => self.visit_include(include, file, origin, depth)?,
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
                        self.expand(&known, &site, depth)?;
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
                        self.expand(def, &site, depth)?;
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
                        self.visit_items(&invocation.args, module, file, origin, depth)?;
                    }
                }
            }
        }
        Ok(())
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
    fn expand(&mut self, def: &KnownMacro, site: &MacroSite, depth: usize) -> Result<(), Error> {
        if def.body.is_empty()
            || !self
                .expanded
                .insert((def.origin.clone(), def.line, site.clone()))
        {
            return Ok(());
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
    ) -> Result<(), Error> {
        if !self.holds(&decl.cfg).may_hold() {
            return Ok(());
        }
        if module.opaque && decl.body.is_none() {
            let reason = format!(
                "module `{}` declared in a module named by a macro fragment; its directory is unknown",
                decl.name
            );
            self.widen(origin, decl.line, &reason, &module.dir.clone(), true);
            return Ok(());
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
                    self.visit_items(body, &inner, file, origin, depth)?;
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
                    self.visit_items(body, &inner, file, origin, depth)?;
                }
            }
            None => {
                let explicit = paths.clone().next().is_some();
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
                    )?;
                }
                if default {
                    self.visit_default_module_file(decl, module, origin, explicit)?;
                }
            }
        }
        Ok(())
    }

    /// `name.rs` or `name/mod.rs` in the module's directory, as rustc's `default_submod_path`.
    /// When neither exists, the declaration is noted unless some `#[path]` (`explicit`) may
    /// apply instead.
    fn visit_default_module_file(
        &mut self,
        decl: &ModDecl,
        module: &ModuleDir,
        file: &Path,
        explicit: bool,
    ) -> Result<(), Error> {
        let children = module.children();
        let flat = children.join(format!("{}.rs", decl.name));
        let nested = children.join(&decl.name).join("mod.rs");
        let cache = self.reads;
        for candidate in [&flat, &nested] {
            if cache.kind(candidate) == FileKind::Broken {
                return Err(broken_link(
                    file,
                    decl.line,
                    &format!("module `{}`", decl.name),
                    candidate,
                ));
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
                    )?;
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
            ),
            (false, false) if explicit => Ok(()),
            (false, false) => {
                let reason = format!(
                    "module `{}`: neither {}.rs nor {}/mod.rs exists",
                    decl.name, decl.name, decl.name
                );
                self.unresolved
                    .push((file.to_path_buf(), decl.line, reason));
                Ok(())
            }
        }
    }

    fn visit_module_file(
        &mut self,
        path: &Path,
        module: ModuleDir,
        decl: &ModDecl,
        file: &Path,
    ) -> Result<(), Error> {
        self.resolver.rel(path, file, decl.line)?;
        let kind = self.reads.kind(path);
        if kind == FileKind::Dir {
            return Err(Error::at(
                file,
                decl.line,
                format!("module `{}`: {} is a directory", decl.name, path.display()),
            ));
        }
        if kind == FileKind::Broken {
            return Err(broken_link(
                file,
                decl.line,
                &format!("module `{}`", decl.name),
                path,
            ));
        }
        if kind == FileKind::Missing {
            let reason = format!("module `{}`: {} does not exist", decl.name, path.display());
            self.unresolved
                .push((file.to_path_buf(), decl.line, reason));
            return Ok(());
        }
        self.visit_source(path, &module, file, 0)
    }

    /// An include in `origin`, resolved against `file` (see [`Self::visit_items`]).
    fn visit_include(
        &mut self,
        include: &Include,
        file: &Path,
        origin: &Path,
        depth: usize,
    ) -> Result<(), Error> {
        if !self.holds(&include.cfg).may_hold() {
            return Ok(());
        }
        let target = match &include.arg {
            IncludeArg::Relative(path) => self.reads.join_literal(&parent(file), path),
            IncludeArg::ManifestDir(rest) => self
                .reads
                .join_literal(&self.unit.package_dir, rest.trim_start_matches('/')),
            IncludeArg::OutDir(rest) => {
                self.out_dir
                    .insert(rest.trim_start_matches('/').to_string());
                return Ok(());
            }
            IncludeArg::Unknown { text, suffix } => {
                let reason = format!("include argument `{text}` is not a literal path");
                let dir = self.unit.package_dir.clone();
                match suffix.rsplit_once('/') {
                    // The path ends with `…/name`: only files called `name` can be it.
                    Some((_, name)) if !matches!(name, "" | "." | "..") => {
                        let reason = format!("{reason}; widened to every file named `{name}`");
                        self.widen_matching(origin, include.line, &reason, &dir, |f| f == name);
                    }
                    // The path ends with `suffix`: so does its file name.
                    None if !suffix.is_empty() => {
                        let reason = format!(
                            "{reason}; widened to every file whose name ends with `{suffix}`"
                        );
                        self.widen_matching(origin, include.line, &reason, &dir, |f| {
                            f.ends_with(suffix.as_str())
                        });
                    }
                    _ => self.widen(origin, include.line, &reason, &dir, false),
                }
                return Ok(());
            }
        };
        self.resolver.rel(&target, origin, include.line)?;
        let kind = self.reads.kind(&target);
        if kind == FileKind::Dir {
            return Err(Error::at(
                origin,
                include.line,
                format!("include of a directory: {}", target.display()),
            ));
        }
        if kind == FileKind::Broken {
            return Err(broken_link(origin, include.line, "include", &target));
        }
        if kind == FileKind::Missing {
            let reason = format!("included file {} does not exist", target.display());
            self.unresolved
                .push((origin.to_path_buf(), include.line, reason));
            return Ok(());
        }
        match include.kind {
            IncludeKind::Data => {
                self.files.insert(target);
                Ok(())
            }
            IncludeKind::Source if depth >= MAX_INCLUDE_DEPTH => Err(Error::at(
                origin,
                include.line,
                format!("include! nested more than {MAX_INCLUDE_DEPTH} deep (a cycle?)"),
            )),
            IncludeKind::Source => {
                // As rustc's `expand_include`: `mod x;` in an included file resolves relative
                // to that file's own directory, as if it were a `mod.rs`.
                self.files.insert(target.clone());
                let source = self.reads.source(&target)?;
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
    fn take_run_inputs(&mut self) -> Result<(Vec<RelPath>, Vec<String>, bool), Error> {
        let analysis = build_script::analyse(&self.files, &self.unit.package_dir, self.reads);
        let script = self.unit.root_file.clone();
        self.files.clear();
        self.env.clear();
        self.out_dir.clear();
        self.unresolved = analysis.widened;
        let mut inputs = BTreeSet::new();
        if analysis.inputs.is_empty() {
            self.resolver
                .files_below(self.reads, &self.unit.package_dir, false, &mut self.files);
            for file in &self.files {
                inputs.insert(self.resolver.rel(file, &script, 0)?);
            }
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
        Ok((
            inputs.into_iter().collect(),
            analysis.env.into_iter().collect(),
            analysis.exact,
        ))
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

    fn finish(mut self) -> Result<UnitSources, Error> {
        let run = match self.unit.kind {
            UnitKind::BuildScriptRun => Some(self.take_run_inputs()?),
            _ => None,
        };
        let unit = self.unit;
        let resolver = self.resolver;
        let rel = |path: &Path| {
            resolver
                .rel(path, &unit.root_file, 0)
                .map_err(|e| Error::in_file(&unit.root_file, e.message()))
        };
        let files: BTreeSet<RelPath> = self
            .files
            .iter()
            .map(|p| rel(p))
            .collect::<Result<_, _>>()?;
        let manifests: BTreeSet<RelPath> = unit
            .manifests
            .iter()
            .map(|p| rel(p))
            .collect::<Result<_, _>>()?;
        let reads = self.reads;
        let hash = unit_hash(&files, &manifests, |path| {
            reads.digest(&resolver.workspace.root.join(path.as_str()))
        })?;
        let mut unresolved = self
            .unresolved
            .iter()
            .map(|(file, line, reason)| {
                Ok(Unresolved {
                    file: rel(file)?,
                    line: *line,
                    reason: reason.clone(),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        unresolved.sort();
        unresolved.dedup();
        Ok(UnitSources {
            package: unit.package.clone(),
            version: unit.version.clone(),
            target: unit.target.clone(),
            kind: unit.kind,
            crate_types: unit.crate_types.clone(),
            edition: unit.edition.clone(),
            root_file: rel(&unit.root_file)?,
            manifest: rel(&unit.manifest)?,
            features: unit.features.iter().cloned().collect(),
            files: files.into_iter().collect(),
            manifests: manifests.into_iter().collect(),
            deps: unit.deps.clone(),
            externs: unit.externs.clone(),
            env: self.env.into_iter().collect(),
            out_dir_includes: self.out_dir.into_iter().collect(),
            unresolved,
            run_inputs: run.as_ref().map(|r| r.0.clone()),
            run_env: run.as_ref().map(|r| r.1.clone()),
            run_inputs_exact: run.map(|r| r.2),
            hash,
        })
    }
}
