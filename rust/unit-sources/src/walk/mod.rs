//! The module walk: for one unit, every file rustc reads compiling it, found by following its
//! module tree and `include!`-family macros from its root file, as rustc resolves them.
//!
//! Contract, for every unit's answer ([`crate::Unit`]):
//! - `files` is a superset of what `rustc --emit=dep-info` lists for the unit, for its
//!   features and target. What the walk cannot resolve statically (an include of a computed
//!   path, a `#[path]` that is not a literal, a macro it cannot expand, a module whose
//!   declaration may be compiled out) is widened to every file that can be it and recorded in
//!   `unresolved` with the reason; it is never dropped.
//! - A file the unit must read that is missing or unreadable does not stop the walk: the
//!   unit's `error` names the first one, at the file and line that refer to it.
//! - The answer depends only on the paths the walk asked the scan's source cache about (the
//!   [`crate::fs::source_cache::Touched`] set returned with it).
//!
//! Boundary: the walk reads the file system only through [`crate::fs::source_cache`], and
//! source text only through [`crate::syntax`]'s items; it takes the units to walk from
//! [`crate::workspace`] and knows nothing of cargo's invocation, the on-disk caches, the
//! oracle or how the model is serialised.
//!
//! Map: [`resolver`] is the entry point; [`unit_walk`] holds one unit's walk and its traversal
//! of items, [`module_files`] finds the files of `mod` declarations, [`includes`] resolves the
//! `include!` family, [`macro_table`] tracks `macro_rules!` definitions and invocations;
//! [`build_script`] reads a build script's `cargo:` directives, [`script_run`] turns them into
//! a `build-script-run` unit's inputs, and [`findings`] turns what a walk found into the
//! unit's answer.

pub(crate) mod build_script;
mod findings;
#[cfg(test)]
mod fixture_tests;
mod includes;
mod macro_table;
mod module_dir;
mod module_files;
mod package_files;
pub(crate) mod resolver;
mod scope;
mod script_run;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod standalone;
mod unit_errors;
mod unit_walk;
mod unresolved;
