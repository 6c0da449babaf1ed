//! The items a file contributes to module resolution, as the parse cache stores them
//! (serde): declarations, includes, macro definitions and invocations, each with the `cfg`
//! conditions under which it is compiled.

use crate::cfg::CfgPredicate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;

/// What a file contributes to module resolution, independent of any unit.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileSyntax {
    /// Module declarations, includes and opaque constructs, in source order; those inside
    /// inline modules are nested in [`ModDecl::body`].
    pub items: Vec<Item>,
    /// Names read with `env!` / `option_env!` (string literal arguments only).
    pub env: BTreeSet<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum Item {
    Mod(ModDecl),
    Include(Include),
    /// A construct that may load files but cannot be resolved statically.
    Opaque {
        line: u32,
        what: String,
        /// It is compiled only where all of these hold.
        cfg: Vec<CfgPredicate>,
    },
    /// A `macro_rules!` definition: what its body declares or includes is resolved where the
    /// macro is invoked.
    Macro(MacroDef),
    /// An invocation `name!(…)` of a macro other than the built-in ones.
    Invocation(Invocation),
}

/// `mod name;` or `mod name { ... }` with its attributes.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct ModDecl {
    pub name: String,
    pub line: u32,
    /// The module is compiled only where all of these hold.
    pub cfg: Vec<CfgPredicate>,
    /// `#[path]` attributes in order, each with the conditions (`cfg_attr`) under which it applies.
    pub paths: Vec<PathAttr>,
    /// The items of an inline module; `None` for `mod name;`.
    pub body: Option<Vec<Item>>,
    /// The name is a macro fragment (`mod $name { ... }`, inline): the module's directory,
    /// where its own `mod x;` declarations would look, is not known.
    pub opaque_name: bool,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct PathAttr {
    pub value: String,
    pub when: Vec<CfgPredicate>,
}

/// An `include!`, `include_str!` or `include_bytes!` invocation, or a file named by
/// `#[debugger_visualizer]`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Include {
    pub kind: IncludeKind,
    pub arg: IncludeArg,
    pub line: u32,
    /// It is expanded only where all of these hold.
    pub cfg: Vec<CfgPredicate>,
}

/// `macro_rules! name { ... }`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct MacroDef {
    pub name: String,
    pub line: u32,
    /// The macro exists only where all of these hold.
    pub cfg: Vec<CfgPredicate>,
    /// The items of its rules (matchers and transcribers), resolved at each invocation: `mod`
    /// relative to the invoking module, includes relative to the invoking file.
    pub body: Arc<Vec<Item>>,
    /// When every rule expands to its input items, each under `#[cfg]` attributes
    /// (`$( #[cfg(p)] $item )*`, as `cfg_feature! { … }` helpers do): the condition under
    /// which the items given to the macro are compiled.
    pub wraps: Option<CfgPredicate>,
}

/// `name!(…)`, `path::name!{…}`: an invocation of a macro that may be a `macro_rules!` of the
/// crate.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Invocation {
    pub name: String,
    pub line: u32,
    /// It is expanded only where all of these hold.
    pub cfg: Vec<CfgPredicate>,
    /// Written with a path (`crate::name!`, `$crate::name!`): not resolved by textual scope.
    pub qualified: bool,
    /// The items of its input, read as if written around the invocation (`cfg_if!` branches
    /// carry their conditions).
    pub args: Vec<Item>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum IncludeKind {
    /// `include!`: the file is parsed as Rust and may itself declare modules and include files.
    Source,
    /// `include_str!` / `include_bytes!`: the file is only read.
    Data,
}

/// The statically known value of an include's argument.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) enum IncludeArg {
    /// A path relative to the including file's directory (or absolute).
    Relative(String),
    /// `concat!(env!("CARGO_MANIFEST_DIR"), "<rest>")`.
    ManifestDir(String),
    /// `concat!(env!("OUT_DIR"), "<rest>")`.
    OutDir(String),
    /// `env!("<name>")` or `concat!(env!("<name>"), "<rest>")` for any other variable: a path
    /// the build's environment (or the package's build script, `cargo:rustc-env`) gives.
    Env { name: String, rest: String },
    /// Anything else: the text of the argument, and the literal text it is known to end with
    /// (the string literals of a `concat!` after its last other piece; may be empty).
    Unknown { text: String, suffix: String },
}
