//! Module-file resolution as rustc does it: which file a `mod name;` loads (`#[path]`, possibly
//! under `cfg_attr`; `name.rs` or `name/mod.rs`), and where the declared module's own `mod`
//! declarations look next. A declaration rustc surely compiles whose file is missing is the
//! unit's error; one that may be compiled out is recorded as unresolved.

use crate::cfg::Truth;
use crate::fs::observation::FileKind;
use crate::syntax::ModDecl;
use crate::walk::module_dir::{parent, ModuleDir};
use crate::walk::unit_errors::broken_link;
use crate::walk::unit_walk::{Reach, UnitWalk};
use crate::Error;
use std::path::Path;

/// The `#[path]` values that may apply to a module declaration, and whether the default
/// location may apply too.
struct ModulePaths<'d> {
    /// The values, in order, of the `#[path]` attributes that may apply: up to and including
    /// the first that surely does. An empty value is not a string literal.
    explicit: Vec<&'d str>,
    /// Whether no `#[path]` surely applies, so `name.rs` / `name/mod.rs` (or, inline, the
    /// module's own directory) may be where rustc looks.
    default: bool,
}

impl UnitWalk<'_, '_> {
    /// The `#[path]` values that may apply to `decl`, and whether the default location may too.
    fn module_paths<'d>(&self, decl: &'d ModDecl) -> ModulePaths<'d> {
        let mut explicit = Vec::new();
        for attr in &decl.paths {
            match self.holds(&attr.when) {
                Truth::False => {}
                Truth::True => {
                    explicit.push(attr.value.as_str());
                    return ModulePaths {
                        explicit,
                        default: false,
                    };
                }
                Truth::Unknown => explicit.push(attr.value.as_str()),
            }
        }
        ModulePaths {
            explicit,
            default: true,
        }
    }

    /// The declaration `decl` in the module `module` (see [`Self::visit_items`] for `file`
    /// and `origin`), reached as `reach` says.
    pub fn visit_mod(
        &mut self,
        decl: &ModDecl,
        module: &ModuleDir,
        file: &Path,
        origin: &Path,
        reach: Reach,
    ) {
        let holds = self.holds(&decl.cfg);
        if !holds.may_hold() {
            return;
        }
        let reach = reach.under(holds);
        if module.opaque && decl.body.is_none() {
            let reason = format!(
                "module `{}` declared in a module named by a macro fragment; its directory is unknown",
                decl.name
            );
            self.widen(origin, decl.line, &reason, &module.dir.clone(), true);
            return;
        }
        let mut paths = self.module_paths(decl);
        if paths.explicit.iter().any(|p| p.is_empty()) {
            let reason = format!(
                "module `{}` has a #[path] that is not a string literal",
                decl.name
            );
            self.widen(origin, decl.line, &reason, &module.children(), true);
        }
        paths.explicit.retain(|p| !p.is_empty());
        match &decl.body {
            Some(body) => {
                for inner in self.inline_module_dirs(decl, &paths, module) {
                    self.visit_items(body, &inner, file, origin, reach);
                }
            }
            None => self.visit_mod_files(decl, &paths, module, origin, reach),
        }
    }

    /// The directories the submodules of the inline module `decl`, declared in `module`, may
    /// live in: one for each `#[path]` that may apply, then the default one when it may.
    fn inline_module_dirs(
        &self,
        decl: &ModDecl,
        paths: &ModulePaths<'_>,
        module: &ModuleDir,
    ) -> Vec<ModuleDir> {
        let mut dirs: Vec<ModuleDir> = paths
            .explicit
            .iter()
            .map(|path| ModuleDir {
                dir: self.reads.join_literal(&module.dir, path),
                relative: None,
                opaque: module.opaque,
            })
            .collect();
        if paths.default {
            dirs.push(if decl.opaque_name || module.opaque {
                ModuleDir {
                    dir: module.children(),
                    relative: None,
                    opaque: true,
                }
            } else {
                ModuleDir::owning(module.children().join(&decl.name))
            });
        }
        dirs
    }

    /// The out-of-line module `decl` declared in `origin`, reached as `reach` says (its own
    /// `cfg` included): each file it may be loaded from.
    fn visit_mod_files(
        &mut self,
        decl: &ModDecl,
        paths: &ModulePaths<'_>,
        module: &ModuleDir,
        origin: &Path,
        reach: Reach,
    ) {
        let explicit = paths.explicit.len();
        // rustc compiles the declaration for sure, from that one file: a missing
        // file then breaks the unit rather than leaving a construct unresolved.
        let only = |one: bool| if one { reach } else { reach.unsure() };
        for path in &paths.explicit {
            let target = self.reads.join_literal(&module.dir, path);
            let dir = ModuleDir::owning(parent(&target));
            let reach = only(explicit == 1 && !paths.default);
            self.visit_module_file(&target, dir, decl, origin, reach);
        }
        if paths.default {
            let reach = only(explicit == 0);
            self.visit_default_module_file(decl, module, origin, explicit > 0, reach);
        }
    }

    /// `name.rs` or `name/mod.rs` in the module's directory, as rustc's `default_submod_path`.
    /// When neither exists, the declaration is noted unless some `#[path]` (`explicit`) may
    /// apply instead; it is the unit's error when rustc surely compiles it (`reach`).
    fn visit_default_module_file(
        &mut self,
        decl: &ModDecl,
        module: &ModuleDir,
        file: &Path,
        explicit: bool,
        reach: Reach,
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
                return self.fail_if(reach.certain, error);
            }
        }
        let nested_dir = ModuleDir::owning(children.join(&decl.name));
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
                    self.note_unresolved(file, decl.line, reason);
                    let reach = reach.unsure();
                    self.visit_module_file(&nested, nested_dir, decl, file, reach);
                }
                let flat_dir = ModuleDir {
                    dir: children,
                    relative: Some(decl.name.clone()),
                    opaque: false,
                };
                self.visit_module_file(&flat, flat_dir, decl, file, reach)
            }
            (false, true) => self.visit_module_file(&nested, nested_dir, decl, file, reach),
            (false, false) if explicit => {}
            (false, false) => {
                let reason = format!(
                    "module `{}`: neither {}.rs nor {}/mod.rs exists",
                    decl.name, decl.name, decl.name
                );
                self.missing(reach.certain, file, decl.line, reason, [flat, nested]);
            }
        }
    }

    /// The file `path` of the module `decl` declared in `file`, whose submodules live in
    /// `module`: walked when it is a file; otherwise the unit's error when rustc surely
    /// compiles the declaration from it (`reach`), else an unresolved construct.
    fn visit_module_file(
        &mut self,
        path: &Path,
        module: ModuleDir,
        decl: &ModDecl,
        file: &Path,
        reach: Reach,
    ) {
        if let Err(e) = self.scope.rel(path, file, decl.line) {
            return self.fail(e);
        }
        let kind = self.reads.kind(path);
        if kind == FileKind::Dir {
            let message = format!("module `{}`: {} is a directory", decl.name, path.display());
            return self.fail_if(reach.certain, Error::at(file, decl.line, message));
        }
        if kind == FileKind::Broken {
            let what = format!("module `{}`", decl.name);
            return self.fail_if(reach.certain, broken_link(file, decl.line, &what, path));
        }
        if kind == FileKind::Missing {
            let reason = format!("module `{}`: {} does not exist", decl.name, path.display());
            return self.missing(reach.certain, file, decl.line, reason, [path.to_path_buf()]);
        }
        let reach = Reach { depth: 0, ..reach };
        self.visit_source(path, &module, file, reach)
    }
}
