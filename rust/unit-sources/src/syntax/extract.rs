//! The extractor: one walk over a file's token trees that records its items, each under the
//! conditions of the attributes, inner attributes and `cfg` macros around it.

use crate::cfg::CfgPredicate;
use crate::syntax::attributes::{attr_cfgs, attr_paths, item_cfgs, parse_attr, parse_cfg};
use crate::syntax::cfg_macros::{cfg_if_branches, cfg_select_branches, wrapper_cfg};
use crate::syntax::edition::Edition;
use crate::syntax::includes::{debugger_visualizer_files, include_arg, include_kind};
use crate::syntax::items::{FileSyntax, Include, Invocation, Item, MacroDef, ModDecl};
use crate::syntax::literals::string_value;
use crate::syntax::tokens::{split_commas, token_trees, Delim, SyntaxError, Tree};
use ra_ap_rustc_lexer::{self as lexer, TokenKind};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Lexes `source` (a whole file: BOM and shebang allowed) as `edition` does and extracts its
/// items.
pub(crate) fn parse_file(source: &str, edition: Edition) -> Result<FileSyntax, SyntaxError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let start = lexer::strip_shebang(source).unwrap_or(0);
    let trees = token_trees(&source[start..], edition)?;
    let mut syntax = FileSyntax::default();
    let mut extractor = Extractor {
        env: &mut syntax.env,
        cond: Vec::new(),
        test_imported: imports_test_names(&trees, false),
    };
    extractor.items(&trees, &mut syntax.items);
    Ok(syntax)
}

/// Whether `trees` (inside a `use` item when `in_use`) import a name `test` or `bench`
/// (`use tokio::test;`, `use a::{b as bench, c};`): a `#[test]` of the file may then be that
/// macro. Any `test` in a `use` counts (`use crate::test::x;` too), which only keeps more.
fn imports_test_names(trees: &[Tree<'_>], in_use: bool) -> bool {
    let mut in_use = in_use;
    for tree in trees {
        if let Some(inner) = tree.any_group() {
            if imports_test_names(inner, in_use) {
                return true;
            }
            continue;
        }
        match tree.ident() {
            Some("use") => in_use = true,
            Some("test" | "bench") if in_use => return true,
            _ if tree.is(TokenKind::Semi) => in_use = false,
            _ => {}
        }
    }
    false
}

/// Keywords that start an item whose top-level commas (in generics, a tuple type) do not end
/// it: after them, only a `;` or the body does.
const ITEM_KEYWORDS: &[&str] = &[
    "const", "enum", "extern", "fn", "impl", "let", "mod", "static", "struct", "trait", "type",
    "union", "use",
];

/// The index just past the item starting at `start`: its first top-level `;` or `{ … }`
/// group, or for what is not an item (a field, a variant, an argument, an arm) its first
/// top-level `,` if earlier. An item cut short leaves the rest of it unconditioned, which
/// only keeps more.
fn item_end(trees: &[Tree<'_>], start: usize) -> usize {
    let mut k = start;
    while let Some(qualifier) = trees.get(k).and_then(Tree::ident) {
        match qualifier {
            "pub"
                if trees
                    .get(k + 1)
                    .is_some_and(|t| t.group(Delim::Paren).is_some()) =>
            {
                k += 2
            }
            "pub" | "async" | "unsafe" | "default" | "safe" => k += 1,
            _ => break,
        }
    }
    let item = trees
        .get(k)
        .and_then(Tree::ident)
        .is_some_and(|ident| ITEM_KEYWORDS.contains(&ident));
    trees[start..]
        .iter()
        .position(|t| {
            t.is(TokenKind::Semi)
                || (!item && t.is(TokenKind::Comma))
                || t.group(Delim::Brace).is_some()
        })
        .map_or(trees.len(), |p| start + p + 1)
}

/// Built-in macros that never name a `macro_rules!` of the crate worth following.
const BUILTIN_MACROS: &[&str] = &[
    "concat",
    "env",
    "option_env",
    "stringify",
    "line",
    "column",
    "file",
    "module_path",
];

/// The state of one file's extraction: the `env!` names found so far and the conditions in
/// force at the current tree.
struct Extractor<'e> {
    env: &'e mut BTreeSet<String>,
    /// The conditions of the enclosing `#[cfg]`-attributed items, `#![cfg]` and `cfg_if!`
    /// branches: every item extracted carries them.
    cond: Vec<CfgPredicate>,
    /// Whether the file imports a name `test` or `bench` ([`imports_test_names`]).
    test_imported: bool,
}

impl Extractor<'_> {
    /// Extracts the items of a sequence of trees; groups that are not module bodies (function
    /// bodies, macro inputs) are walked as part of the same module, under the `cfg` attributes
    /// of the item holding them.
    fn items(&mut self, trees: &[Tree<'_>], out: &mut Vec<Item>) {
        let outer = self.cond.len();
        let mut i = 0;
        while i < trees.len() {
            let next = |n: usize| trees.get(i + n);
            if trees[i].is(TokenKind::Pound) && next(1).is_some_and(|t| t.is(TokenKind::Bang)) {
                if let Some(contents) = next(2).and_then(|t| t.group(Delim::Bracket)) {
                    // An inner attribute: its `cfg` holds for the rest of the enclosing group.
                    self.attribute(contents, out);
                    let mut cfgs = Vec::new();
                    attr_cfgs(&parse_attr(contents, self.test_imported), &[], &mut cfgs);
                    self.cond.extend(cfgs);
                    i += 3;
                    continue;
                }
            }
            let mut attrs: Vec<&[Tree<'_>]> = Vec::new();
            while trees.get(i).is_some_and(|t| t.is(TokenKind::Pound)) {
                let Some(contents) = trees.get(i + 1).and_then(|t| t.group(Delim::Bracket)) else {
                    break;
                };
                attrs.push(contents);
                i += 2;
            }
            if attrs.is_empty() {
                i += self.construct(trees, i, &[], out);
                continue;
            }
            // Outer attributes: their `cfg`s hold for the item they precede, attributes
            // included.
            let base = self.cond.len();
            self.cond.extend(item_cfgs(&attrs, self.test_imported));
            for attr in &attrs {
                self.attribute(attr, out);
            }
            let end = if i < trees.len() {
                item_end(trees, i)
            } else {
                i
            };
            let mut j = i;
            let mut first = true;
            while j < end {
                j += self.construct(&trees[..end], j, if first { &attrs } else { &[] }, out);
                first = false;
            }
            self.cond.truncate(base);
            i = end;
        }
        self.cond.truncate(outer);
    }

    /// The contents of one attribute: `cfg_attr(p, a, b)` walks `a` and `b` under `p`;
    /// anything else is walked for the includes it may hold (`doc = include_str!(…)`).
    fn attribute(&mut self, contents: &[Tree<'_>], out: &mut Vec<Item>) {
        if let [name, args] = contents {
            if name.ident() == Some("cfg_attr") {
                if let Some((first, rest)) = args
                    .group(Delim::Paren)
                    .map(split_commas)
                    .as_deref()
                    .and_then(<[_]>::split_first)
                {
                    self.cond.push(parse_cfg(first));
                    for attr in rest {
                        self.attribute(attr, out);
                    }
                    self.cond.pop();
                    return;
                }
            }
        }
        self.items(contents, out);
    }

    /// Handles the construct at `trees[i]` (after skipping a visibility and `unsafe`): a module
    /// declaration (`attrs` are its outer attributes), a `macro_rules!` definition, a macro
    /// invocation, or any other token (a group is walked). Returns how many trees it took.
    fn construct(
        &mut self,
        trees: &[Tree<'_>],
        start: usize,
        attrs: &[&[Tree<'_>]],
        out: &mut Vec<Item>,
    ) -> usize {
        let mut i = start;
        loop {
            match trees[i].ident() {
                Some("pub")
                    if trees
                        .get(i + 1)
                        .and_then(|t| t.group(Delim::Paren))
                        .is_some() =>
                {
                    i += 2
                }
                Some("pub" | "unsafe") => i += 1,
                _ => break,
            }
            if i >= trees.len() {
                return i - start;
            }
        }
        let next = |n: usize| trees.get(i + n);
        let tree = &trees[i];
        match tree.ident() {
            Some("mod") => {
                if let Some(step) = self.module(&trees[i..], attrs, out) {
                    return i - start + step;
                }
            }
            Some("macro_rules") => {
                if let (Some(bang), Some(name), Some(body)) =
                    (next(1), next(2), next(3).and_then(Tree::any_group))
                {
                    if bang.is(TokenKind::Bang) {
                        let cond = std::mem::take(&mut self.cond);
                        let mut items = Vec::new();
                        self.items(body, &mut items);
                        self.cond = cond;
                        out.push(Item::Macro(MacroDef {
                            name: name.ident().unwrap_or_default().to_string(),
                            line: tree.line(),
                            cfg: self.cond.clone(),
                            body: Arc::new(items),
                            wraps: wrapper_cfg(body),
                        }));
                        return i - start + 4;
                    }
                }
            }
            Some("debugger_visualizer") => {
                if let Some(args) = next(1).and_then(|t| t.group(Delim::Paren)) {
                    out.extend(debugger_visualizer_files(args, tree.line(), &self.cond));
                    return i - start + 2;
                }
            }
            Some(name) if next(1).is_some_and(|t| t.is(TokenKind::Bang)) => {
                if let Some(args) = next(2).and_then(Tree::any_group) {
                    let qualified = i >= 2
                        && trees[i - 1].is(TokenKind::Colon)
                        && trees[i - 2].is(TokenKind::Colon);
                    self.invocation(name, tree.line(), args, qualified, out);
                    return i - start + 3;
                }
            }
            _ => {}
        }
        if let Some(inner) = tree.any_group() {
            self.items(inner, out);
        }
        i - start + 1
    }

    /// Handles `mod` at the start of `trees`; returns how many trees it took, or `None` when
    /// this `mod` does not start a declaration.
    fn module(
        &mut self,
        trees: &[Tree<'_>],
        attrs: &[&[Tree<'_>]],
        out: &mut Vec<Item>,
    ) -> Option<usize> {
        let line = trees[0].line();
        let name_tree = trees.get(1)?;
        let (name, opaque_name, after) = if name_tree.is(TokenKind::Dollar) {
            match (trees.get(2).and_then(Tree::ident), trees.get(3)) {
                (Some(fragment), Some(body)) if body.group(Delim::Brace).is_some() => {
                    (format!("${fragment}"), true, 3)
                }
                _ => {
                    out.push(Item::Opaque {
                        line,
                        what: "module declared with a macro fragment (`mod $…`)".into(),
                        cfg: self.cond.clone(),
                    });
                    return Some(2);
                }
            }
        } else {
            (name_tree.ident()?.to_string(), false, 2)
        };
        let after_tree = trees.get(after)?;
        let body = if after_tree.is(TokenKind::Semi) {
            None
        } else {
            let inner = after_tree.group(Delim::Brace)?;
            let cond = std::mem::take(&mut self.cond);
            let mut items = Vec::new();
            self.items(inner, &mut items);
            self.cond = cond;
            Some(items)
        };
        let mut decl = ModDecl {
            name,
            line,
            cfg: self.cond.clone(),
            paths: Vec::new(),
            body,
            opaque_name,
        };
        for attr in attrs {
            attr_paths(&parse_attr(attr, self.test_imported), &[], &mut decl.paths);
        }
        out.push(Item::Mod(decl));
        Some(after + 1)
    }

    /// Handles the invocation `name!(args)`.
    fn invocation(
        &mut self,
        name: &str,
        line: u32,
        args: &[Tree<'_>],
        qualified: bool,
        out: &mut Vec<Item>,
    ) {
        if let Some(kind) = include_kind(name) {
            out.push(Item::Include(Include {
                kind,
                arg: include_arg(args),
                line,
                cfg: self.cond.clone(),
            }));
        }
        if matches!(name, "env" | "option_env") {
            if let Some(var) = split_commas(args).first().and_then(|a| match a {
                [literal] => string_value(literal),
                _ => None,
            }) {
                self.env.insert(var);
            }
        }
        if include_kind(name).is_some() || BUILTIN_MACROS.contains(&name) {
            self.items(args, out);
            return;
        }
        let mut items = Vec::new();
        let branches = match name {
            "cfg_if" => cfg_if_branches(args),
            "cfg_select" => cfg_select_branches(args),
            _ => None,
        };
        match branches {
            Some(branches) => {
                for (conditions, body) in branches {
                    let base = self.cond.len();
                    self.cond.extend(conditions);
                    self.items(body, &mut items);
                    self.cond.truncate(base);
                }
            }
            None => self.items(args, &mut items),
        }
        out.push(Item::Invocation(Invocation {
            name: name.to_string(),
            line,
            cfg: self.cond.clone(),
            qualified,
            args: items,
        }));
    }
}
