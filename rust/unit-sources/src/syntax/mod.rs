//! From source text to the items the resolver follows: rustc's own lexer (`ra-ap-rustc_lexer`),
//! token trees, then `mod` declarations, `include!`-family invocations and `env!` names, with
//! the attributes (`cfg`, `cfg_attr`, `path`) that decide how they resolve.
//!
//! Contract: [`parse_file`] is a function of a file's text alone. The extraction is
//! cfg-independent, so a file is lexed once per scan however many units read it; the resolver
//! evaluates the recorded predicates per unit. What cannot be known from the text (a path built
//! by a macro, a `mod` named by a fragment) is recorded as such, never dropped. The layer knows
//! nothing of files, units or cargo: it depends only on [`crate::cfg`] (the predicates it
//! records).
//!
//! The concepts, from the bottom up: [`tokens`] (token trees), [`literals`] (string literal
//! values), [`attributes`] (`cfg`, `cfg_attr`, `path`), [`cfg_macros`] (`cfg_if!`,
//! `cfg_select!`, `cfg`-wrapping `macro_rules!`), [`includes`] (include arguments), and
//! [`extract`] (the walk over a file's trees), which produces the [`items`]; beside them,
//! [`entry_flow`]: the macro invocations a program's `fn main` surely executes.

mod attributes;
mod cfg_macros;
mod edition;
mod entry_flow;
mod extract;
mod includes;
mod items;
mod literals;
#[cfg(test)]
mod tests;
mod tokens;

pub(crate) use edition::Edition;
pub(crate) use entry_flow::sure_invocations;
pub(crate) use extract::parse_file;
pub(crate) use items::{
    FileSyntax, Include, IncludeArg, IncludeKind, Invocation, Item, MacroDef, ModDecl,
};
pub(crate) use literals::string_literals;
