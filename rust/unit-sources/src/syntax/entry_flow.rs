//! Which macro invocations a program surely executes: those `fn main` reaches on every run,
//! before anything that may leave it early. A build script's `cargo:rerun-if-…` lines change
//! what cargo tracks only when the script prints one (the walk asks this of its sources).
//!
//! Sure, from the text alone: an invocation among the top-level statements of `main`'s body
//! (or of an `unsafe` block there), and, through a call statement `f(…)` to a free function
//! defined once in the sources, among that function's top-level statements, until the first
//! statement that may return early (`return`, `?`) in the function the invocation sits in.
//! Not sure: everything under `if`, `match`, loops, `#[cfg]`, in closures, in methods, and
//! after a possible early return. Invariant: the answer only ever leaves out an invocation it
//! cannot prove runs, never claims one that may not.

use crate::syntax::edition::Edition;
use crate::syntax::literals::string_value;
use crate::syntax::tokens::{token_trees, Delim, Tree};
use ra_ap_rustc_lexer::{self as lexer, TokenKind};
use std::collections::HashMap;

/// How deep calls are followed.
const MAX_CALL_DEPTH: usize = 16;

/// A macro invocation surely executed: the macro's name and the value of the first string
/// literal among its arguments, if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SureInvocation {
    pub name: String,
    pub literal: Option<String>,
}

/// The macro invocations `fn main` of `root` (a file's text) surely executes, in order,
/// following calls to the free functions defined in `root` and `others`, every file lexed in
/// `edition`. Empty when a file cannot be lexed or there is no `fn main`.
pub(crate) fn sure_invocations(
    root: &str,
    others: &[&str],
    edition: Edition,
) -> Vec<SureInvocation> {
    let Some(root_trees) = trees_of(root, edition) else {
        return Vec::new();
    };
    let other_trees: Vec<Vec<Tree>> = others.iter().filter_map(|s| trees_of(s, edition)).collect();
    let mut functions: HashMap<&str, Option<&[Tree]>> = HashMap::new();
    for trees in std::iter::once(&root_trees).chain(&other_trees) {
        for (name, body) in free_functions(trees) {
            // A name defined twice (in two modules) is not followed.
            functions
                .entry(name)
                .and_modify(|b| *b = None)
                .or_insert(Some(body));
        }
    }
    let Some(main) = free_functions(&root_trees)
        .into_iter()
        .find(|(name, _)| *name == "main")
        .map(|(_, body)| body)
    else {
        return Vec::new();
    };
    let mut flow = Flow {
        functions,
        stack: vec!["main"],
        found: Vec::new(),
    };
    flow.block(main);
    flow.found
}

/// The token trees of a whole file (BOM and shebang allowed), lexed in `edition`.
fn trees_of(source: &str, edition: Edition) -> Option<Vec<Tree<'_>>> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let start = lexer::strip_shebang(source).unwrap_or(0);
    token_trees(&source[start..], edition).ok()
}

/// The free functions among `trees` (a file's top level): name and body.
fn free_functions<'t, 'a>(trees: &'t [Tree<'a>]) -> Vec<(&'a str, &'t [Tree<'a>])> {
    let mut found = Vec::new();
    for (i, tree) in trees.iter().enumerate() {
        if tree.ident() != Some("fn") {
            continue;
        }
        let Some(name) = trees.get(i + 1).and_then(Tree::ident) else {
            continue;
        };
        let body = trees[i + 2..]
            .iter()
            .take_while(|t| !t.is(TokenKind::Semi))
            .find_map(|t| t.group(Delim::Brace));
        if let Some(body) = body {
            found.push((name, body));
        }
    }
    found
}

/// Whether a block's walk went on to its end or met what may leave the function early.
#[derive(PartialEq, Eq)]
enum Reached {
    End,
    MayReturn,
}

struct Flow<'t, 'a> {
    functions: HashMap<&'a str, Option<&'t [Tree<'a>]>>,
    /// The functions being walked (a recursive call is not followed again).
    stack: Vec<&'a str>,
    found: Vec<SureInvocation>,
}

impl<'t, 'a> Flow<'t, 'a> {
    /// Walks the top-level statements of a block, recording the invocations met before the
    /// first that may return early.
    fn block(&mut self, trees: &'t [Tree<'a>]) -> Reached {
        let mut i = 0;
        while i < trees.len() {
            match self.step(trees, i) {
                Ok(next) => i = next,
                Err(Reached::MayReturn) => return Reached::MayReturn,
                Err(Reached::End) => return Reached::End,
            }
        }
        Reached::End
    }

    /// Handles the tree at `i` of a block; the index of the next tree to look at, or why the
    /// walk stops.
    fn step(&mut self, trees: &'t [Tree<'a>], i: usize) -> Result<usize, Reached> {
        let tree = &trees[i];
        let next = |k: usize| trees.get(i + k);
        if tree.is(TokenKind::Pound) && next(1).and_then(|t| t.group(Delim::Bracket)).is_some() {
            // An attribute: a `#[cfg]` one makes its statement conditional.
            let conditional = next(1)
                .and_then(|t| t.group(Delim::Bracket))
                .and_then(|g| g.first()?.ident())
                .is_some_and(|name| name == "cfg");
            let after = i + 2;
            return match conditional {
                true => skip_statement(trees, after),
                false => Ok(after),
            };
        }
        if tree.is(TokenKind::Question) || tree.ident() == Some("return") {
            return Err(Reached::MayReturn);
        }
        match tree.ident() {
            Some("if" | "match" | "while" | "for" | "loop" | "else") => {
                return skip_branch(trees, i)
            }
            Some("unsafe") if next(1).and_then(|t| t.group(Delim::Brace)).is_some() => {
                let body = next(1).and_then(|t| t.group(Delim::Brace)).unwrap_or(&[]);
                return match self.block(body) {
                    Reached::End => Ok(i + 2),
                    Reached::MayReturn => Err(Reached::MayReturn),
                };
            }
            Some("fn" | "impl" | "mod" | "struct" | "enum" | "trait" | "union") => {
                return Ok(item_end(trees, i));
            }
            Some(name) if next(1).is_some_and(|t| t.is(TokenKind::Bang)) => {
                if let Some(args) = next(2).and_then(Tree::any_group) {
                    if may_return(args) {
                        return Err(Reached::MayReturn);
                    }
                    let literal = args.iter().find_map(string_value);
                    self.found.push(SureInvocation {
                        name: name.to_string(),
                        literal,
                    });
                    return Ok(i + 3);
                }
            }
            Some(name) if next(1).and_then(|t| t.group(Delim::Paren)).is_some() => {
                let args = next(1).and_then(|t| t.group(Delim::Paren)).unwrap_or(&[]);
                if may_return(args) {
                    return Err(Reached::MayReturn);
                }
                if is_plain_call(trees, i) {
                    self.call(name);
                }
                return Ok(i + 2);
            }
            _ => {}
        }
        if tree.any_group().is_some_and(may_return) {
            return Err(Reached::MayReturn);
        }
        Ok(i + 1)
    }

    /// Follows a call of the free function `name`, when it is defined once and not being
    /// walked already: its early returns end it, not its caller.
    fn call(&mut self, name: &'a str) {
        let Some(Some(body)) = self.functions.get(name).copied() else {
            return;
        };
        if self.stack.contains(&name) || self.stack.len() > MAX_CALL_DEPTH {
            return;
        }
        self.stack.push(name);
        self.block(body);
        self.stack.pop();
    }
}

/// Whether the call whose name is at `i` names a free function: unqualified, or through
/// `crate::`, `self::` or `super::`; not a method (`.name(…)`) or an associated function.
fn is_plain_call(trees: &[Tree], i: usize) -> bool {
    let colon = |k: usize| k < i && trees[k].is(TokenKind::Colon);
    if i >= 1 && trees[i - 1].is(TokenKind::Dot) {
        return false;
    }
    if i >= 2 && colon(i - 1) && colon(i - 2) {
        return i >= 3
            && matches!(trees[i - 3].ident(), Some("crate" | "self" | "super"))
            && !(i >= 5 && colon(i - 4) && colon(i - 5));
    }
    true
}

/// Skips a statement under a condition (after a `#[cfg]`): to its `;`, or past its block.
/// A possible early return inside it makes what follows unsure.
fn skip_statement(trees: &[Tree], start: usize) -> Result<usize, Reached> {
    let mut i = start;
    while i < trees.len() {
        let tree = &trees[i];
        if may_return(std::slice::from_ref(tree)) {
            return Err(Reached::MayReturn);
        }
        i += 1;
        if tree.is(TokenKind::Semi) || tree.group(Delim::Brace).is_some() {
            break;
        }
    }
    Ok(i)
}

/// Skips a conditional construct starting at `start` (`if` with its `else` chain, `match`, a
/// loop): to just past its last block. A possible early return inside it makes what follows
/// unsure.
fn skip_branch(trees: &[Tree], start: usize) -> Result<usize, Reached> {
    let mut i = start;
    loop {
        while i < trees.len() && trees[i].group(Delim::Brace).is_none() {
            if may_return(std::slice::from_ref(&trees[i])) {
                return Err(Reached::MayReturn);
            }
            i += 1;
        }
        if let Some(block) = trees.get(i).and_then(|t| t.group(Delim::Brace)) {
            if may_return(block) {
                return Err(Reached::MayReturn);
            }
            i += 1;
        }
        if trees.get(i).and_then(Tree::ident) != Some("else") {
            return Ok(i);
        }
    }
}

/// The index past the nested item (a `fn`, `impl`, …) starting at `start`: past its block, or
/// its `;`.
fn item_end(trees: &[Tree], start: usize) -> usize {
    let mut i = start + 1;
    while i < trees.len() {
        let done = trees[i].is(TokenKind::Semi) || trees[i].group(Delim::Brace).is_some();
        i += 1;
        if done {
            break;
        }
    }
    i
}

/// Whether anything in `trees` may return from the function early: a `return` or a `?`
/// (wherever it sits, closures included: only ever too careful).
fn may_return(trees: &[Tree]) -> bool {
    trees.iter().any(|tree| match tree {
        Tree::Group { trees, .. } => may_return(trees),
        tok => tok.is(TokenKind::Question) || tok.ident() == Some("return"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sure(root: &str, others: &[&str]) -> Vec<(String, Option<String>)> {
        sure_invocations(root, others, Edition::E2021)
            .into_iter()
            .map(|s| (s.name, s.literal))
            .collect()
    }

    fn print(literal: &str) -> (String, Option<String>) {
        ("println".to_string(), Some(literal.to_string()))
    }

    #[test]
    fn top_level_statements_and_called_functions_are_sure() {
        let root = r#"
            fn main() {
                first();
                println!("a");
                unsafe { println!("b") }
                let x = helper::other();
                crate::second();
            }
            fn first() { println!("in first"); return; }
            fn second() { eprintln!("in second") }
        "#;
        assert_eq!(
            sure(root, &[]),
            [
                print("in first"),
                print("a"),
                print("b"),
                ("eprintln".to_string(), Some("in second".to_string()))
            ]
        );
    }

    #[test]
    fn branches_closures_cfg_and_what_follows_an_early_return_are_not() {
        let root = r#"
            fn main() {
                if cfg!(windows) { println!("if"); } else { println!("else"); }
                match x { _ => println!("match") }
                for f in files { println!("loop"); }
                let add = |p| { println!("closure {}", p); };
                #[cfg(windows)]
                println!("cfg");
                helper().unwrap();
                x.method();
                println!("reached");
                let v = read()?;
                println!("after ?");
            }
            fn helper() -> Option<()> { println!("helper"); None }
            fn method() { println!("not a method"); }
        "#;
        assert_eq!(sure(root, &[]), [print("helper"), print("reached")]);
    }

    #[test]
    fn an_early_return_in_a_branch_ends_what_is_sure() {
        let root = r#"
            fn main() {
                if std::env::var("X").is_ok() { return; }
                println!("maybe");
            }
        "#;
        assert_eq!(sure(root, &[]), []);
    }

    #[test]
    fn functions_of_other_files_are_followed_unless_defined_twice() {
        let root = "mod a; mod b; fn main() { once(); twice(); }";
        let a = r#"pub fn once() { println!("once") } pub fn twice() { println!("a") }"#;
        let b = r#"pub fn twice() { println!("b") }"#;
        assert_eq!(sure(root, &[a, b]), [print("once")]);
        assert_eq!(
            sure(
                "fn main() { recurse() } fn recurse() { recurse(); println!(\"r\") }",
                &[]
            ),
            [print("r")]
        );
        assert_eq!(sure("fn not_main() { println!(\"x\") }", &[]), []);
    }
}
