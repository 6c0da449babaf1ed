//! The `macro_rules!` bookkeeping of one unit's walk: the definitions and invocations met so
//! far, which (definition, site) pairs were expanded, and the wrapper conditions
//! (`cfg_feature! { … }`-style helpers) used to drop an invocation's input.
//!
//! A definition is expanded at every invocation by its name, whichever is met first; the walk
//! itself (reading the files an expansion declares or includes) is the caller's.

use crate::cfg::{CfgContext, CfgPredicate};
use crate::syntax::Item;
use crate::walk::module_dir::ModuleDir;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// A `macro_rules!` definition met during a unit's walk.
#[derive(Clone)]
pub(crate) struct KnownMacro {
    /// The file holding the definition (unresolved constructs of its body are reported there).
    pub origin: PathBuf,
    pub line: u32,
    pub body: Arc<Vec<Item>>,
    pub wraps: Option<CfgPredicate>,
}

/// Where a macro is invoked: the invoking module and the file of the outermost invocation,
/// against which rustc resolves `mod` and include paths of the expansion.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct MacroSite {
    pub module: ModuleDir,
    pub file: PathBuf,
}

/// One expansion of a definition (named by its file and line) at a site.
#[derive(PartialEq, Eq, Hash)]
struct Expansion {
    origin: PathBuf,
    line: u32,
    site: MacroSite,
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

/// The macros of one walk of a unit.
pub(crate) struct MacroTable<'r> {
    /// `macro_rules!` definitions met so far, by name.
    definitions: HashMap<String, Vec<KnownMacro>>,
    /// Invocations met so far, by macro name.
    invocations: HashMap<String, Vec<MacroSite>>,
    expanded: HashSet<Expansion>,
    /// Macro names whose wrapper condition dropped an invocation's input, with how many
    /// definitions of the name were known then.
    narrowed: HashMap<String, usize>,
    /// Macro names whose wrapper condition must not be used (a definition appeared after it
    /// was: a rerun of the walk without it).
    no_narrowing: &'r HashSet<String>,
}

impl<'r> MacroTable<'r> {
    /// An empty table, never narrowing by the wrapper conditions of `no_narrowing`'s names.
    pub fn new(no_narrowing: &'r HashSet<String>) -> MacroTable<'r> {
        MacroTable {
            definitions: HashMap::new(),
            invocations: HashMap::new(),
            expanded: HashSet::new(),
            narrowed: HashMap::new(),
            no_narrowing,
        }
    }

    /// Records the definition `def` of `name`; returns the sites of the invocations by that
    /// name met so far, where it must be expanded.
    pub fn define(&mut self, name: &str, def: KnownMacro) -> Vec<MacroSite> {
        self.definitions
            .entry(name.to_string())
            .or_default()
            .push(def);
        self.invocations.get(name).cloned().unwrap_or_default()
    }

    /// Records an invocation of `name` at `site`; returns the definitions of that name met so
    /// far, which must be expanded there.
    pub fn invoke(&mut self, name: &str, site: &MacroSite) -> Vec<KnownMacro> {
        self.invocations
            .entry(name.to_string())
            .or_default()
            .push(site.clone());
        self.definitions.get(name).cloned().unwrap_or_default()
    }

    /// Whether `def` is yet to be expanded at `site`; it counts as expanded from now on.
    pub fn first_expansion(&mut self, def: &KnownMacro, site: &MacroSite) -> bool {
        self.expanded.insert(Expansion {
            origin: def.origin.clone(),
            line: def.line,
            site: site.clone(),
        })
    }

    /// Whether the input of an invocation of `name` (with a path when `qualified`), whose
    /// known definitions are `defs`, is compiled out under `cfg`: every definition wraps its
    /// input in a condition and none of them may hold. Such a use is remembered, so that
    /// [`Self::stale_narrowing`] can tell when a later definition made it wrong.
    pub fn drops_input(
        &mut self,
        name: &str,
        qualified: bool,
        defs: &[KnownMacro],
        cfg: &CfgContext<'_>,
    ) -> bool {
        let wraps: Option<Vec<CfgPredicate>> = defs.iter().map(|d| d.wraps.clone()).collect();
        let dropped = match wraps {
            Some(any) if !any.is_empty() && !qualified && !self.no_narrowing.contains(name) => {
                !cfg.eval(&CfgPredicate::Any(any)).may_hold()
            }
            _ => false,
        };
        if dropped {
            self.narrowed.entry(name.to_string()).or_insert(defs.len());
        }
        dropped
    }

    /// Names whose wrapper condition was used before another definition of the name was met.
    pub fn stale_narrowing(&self) -> Vec<String> {
        self.narrowed
            .iter()
            .filter(|(name, known)| self.definitions.get(*name).map_or(0, Vec::len) != **known)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The definitions, with their names, whose body declares modules or includes files but
    /// which were expanded nowhere.
    pub fn unexpanded_reading_files(&self) -> Vec<(String, KnownMacro)> {
        self.definitions
            .iter()
            .flat_map(|(name, defs)| defs.iter().map(move |d| (name, d)))
            .filter(|(_, def)| reads_files(&def.body))
            .filter(|(_, def)| {
                !self
                    .expanded
                    .iter()
                    .any(|expansion| expansion.origin == def.origin && expansion.line == def.line)
            })
            .map(|(name, def)| (name.clone(), def.clone()))
            .collect()
    }
}
