//! The `include!` family (`include!`, `include_str!`, `include_bytes!`, and files named by
//! `#[debugger_visualizer]`): the included file when its path is a literal (relative to the
//! including file, or to `CARGO_MANIFEST_DIR`), or a value the package's build script gives
//! with `cargo:rustc-env`; `OUT_DIR` includes recorded by name; any other path widened to the
//! package's files that can be it, which makes the unit's `OUT_DIR` includes unknown.

use crate::fs::observation::FileKind;
use crate::syntax::{Include, IncludeArg, IncludeKind};
use crate::walk::build_script::{self, EnvValue};
use crate::walk::module_dir::{parent, ModuleDir};
use crate::walk::unit_errors::broken_link;
use crate::walk::unit_walk::{walk_unit, Reach, UnitWalk};
use crate::{Error, UnitKind};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// How deep `include!` may nest (rustc's default recursion limit).
const MAX_INCLUDE_DEPTH: usize = 128;

impl UnitWalk<'_, '_> {
    /// An include in `origin`, resolved against `file` (see [`Self::visit_items`]), reached
    /// as `reach` says.
    pub fn visit_include(&mut self, include: &Include, file: &Path, origin: &Path, reach: Reach) {
        let holds = self.holds(&include.cfg);
        if !holds.may_hold() {
            return;
        }
        let reach = reach.under(holds);
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
                return self.visit_env_include(include, name, rest, file, origin, reach)
            }
            IncludeArg::Unknown { text, suffix } => {
                let reason = format!("include argument `{text}` is not a literal path");
                return self.widen_unknown_include(origin, include.line, reason, suffix);
            }
        };
        self.visit_include_target(include, target, origin, reach)
    }

    /// An include of `env!("<name>")` followed by `rest`, in `origin`, resolved against
    /// `file`: the value the package's build script gives `name` (`cargo:rustc-env`) when it
    /// is a literal (unsure: the script may set another at run time), else a path the scan
    /// cannot know (widened; `OUT_DIR` includes unknown).
    fn visit_env_include(
        &mut self,
        include: &Include,
        name: &str,
        rest: &str,
        file: &Path,
        origin: &Path,
        reach: Reach,
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
                    self.visit_include_target(include, target, origin, reach.unsure());
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
        let Some(script) = self.scope.build_script(&self.unit.package_dir) else {
            return Some(BTreeSet::new());
        };
        let sources = walk_unit(self.scope, script, self.reads).ok()?;
        if sources.error.is_some() {
            return None;
        }
        let root = &self.scope.workspace.root;
        let files = sources
            .files
            .iter()
            .map(|f| root.join(f.as_str()))
            .collect();
        build_script::rustc_env_values(&files, name, script.lexing_edition(), self.reads)
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

    /// An include in `origin` of the file `target` (known), reached as `reach` says (the
    /// include's own `cfg` included).
    fn visit_include_target(
        &mut self,
        include: &Include,
        target: PathBuf,
        origin: &Path,
        reach: Reach,
    ) {
        if let Err(e) = self.scope.rel(&target, origin, include.line) {
            return self.fail(e);
        }
        let kind = self.reads.kind(&target);
        if kind == FileKind::Dir {
            let message = format!("include of a directory: {}", target.display());
            return self.fail_if(reach.certain, Error::at(origin, include.line, message));
        }
        if kind == FileKind::Broken {
            let error = broken_link(origin, include.line, "include", &target);
            return self.fail_if(reach.certain, error);
        }
        if kind == FileKind::Missing {
            let reason = format!("included file {} does not exist", target.display());
            return self.missing(reach.certain, origin, include.line, reason, [target]);
        }
        match include.kind {
            IncludeKind::Data => {
                self.files.insert(target);
            }
            IncludeKind::Source if reach.depth >= MAX_INCLUDE_DEPTH => {
                let message =
                    format!("include! nested more than {MAX_INCLUDE_DEPTH} deep (a cycle?)");
                self.fail_if(reach.certain, Error::at(origin, include.line, message));
            }
            IncludeKind::Source => {
                // As rustc's `expand_include`: `mod x;` in an included file resolves relative
                // to that file's own directory, as if it were a `mod.rs`.
                self.files.insert(target.clone());
                let included = ModuleDir::owning(parent(&target));
                let source = match self.reads.source(&target, self.edition) {
                    Ok(source) => source,
                    Err(e) if reach.certain => return self.fail(e),
                    Err(e) => return self.widen_unreadable(&e, &target, &included.dir),
                };
                let syntax = source.syntax.as_ref().expect("sources are lexed");
                self.env.extend(syntax.env.iter().cloned());
                let reach = reach.included();
                self.visit_items(&syntax.items, &included, &target, &target, reach)
            }
        }
    }
}
