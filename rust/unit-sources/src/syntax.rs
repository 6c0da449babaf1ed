//! From source text to the items the resolver follows: rustc's own lexer (`ra-ap-rustc_lexer`),
//! token trees, then `mod` declarations, `include!`-family invocations and `env!` names, with
//! the attributes (`cfg`, `cfg_attr`, `path`) that decide how they resolve.
//!
//! The extraction is cfg-independent, so a file is lexed once per scan however many units
//! read it; the resolver evaluates the recorded predicates per unit.

use crate::cfg::CfgPredicate;
use ra_ap_rustc_lexer::{self as lexer, FrontmatterAllowed, LiteralKind, TokenKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How deep token trees may nest before the file is refused (rustc itself overflows its
/// stack somewhere beyond this).
const MAX_NESTING: usize = 1000;

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

/// Why a file could not be turned into items: a line and a message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: u32,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delim {
    Paren,
    Bracket,
    Brace,
}

#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    kind: TokenKind,
    text: &'a str,
    line: u32,
}

#[derive(Debug)]
enum Tree<'a> {
    Tok(Tok<'a>),
    Group { delim: Delim, trees: Vec<Tree<'a>> },
}

impl<'a> Tree<'a> {
    fn ident(&self) -> Option<&'a str> {
        match self {
            Tree::Tok(Tok {
                kind: TokenKind::Ident,
                text,
                ..
            }) => Some(text),
            Tree::Tok(Tok {
                kind: TokenKind::RawIdent,
                text,
                ..
            }) => Some(&text[2..]),
            _ => None,
        }
    }

    fn is(&self, kind: TokenKind) -> bool {
        matches!(self, Tree::Tok(t) if t.kind == kind)
    }

    fn group(&self, want: Delim) -> Option<&[Tree<'a>]> {
        match self {
            Tree::Group { delim, trees } if *delim == want => Some(trees),
            _ => None,
        }
    }

    fn any_group(&self) -> Option<&[Tree<'a>]> {
        match self {
            Tree::Group { trees, .. } => Some(trees),
            _ => None,
        }
    }

    fn line(&self) -> u32 {
        match self {
            Tree::Tok(t) => t.line,
            Tree::Group { trees, .. } => trees.first().map_or(0, Tree::line),
        }
    }

    fn text(&self, out: &mut String) {
        match self {
            Tree::Tok(t) => out.push_str(t.text),
            Tree::Group { delim, trees } => {
                let (open, close) = match delim {
                    Delim::Paren => ('(', ')'),
                    Delim::Bracket => ('[', ']'),
                    Delim::Brace => ('{', '}'),
                };
                out.push(open);
                join_text(trees, out);
                out.push(close);
            }
        }
    }
}

/// Appends the source text of `trees`, one space between tokens except around `!`, before `,`
/// and after `$`.
fn join_text(trees: &[Tree<'_>], out: &mut String) {
    for (i, tree) in trees.iter().enumerate() {
        let tight = tree.is(TokenKind::Comma) || tree.is(TokenKind::Bang);
        if i > 0
            && !tight
            && !trees[i - 1].is(TokenKind::Dollar)
            && !trees[i - 1].is(TokenKind::Bang)
        {
            out.push(' ');
        }
        tree.text(out);
    }
}

/// Lexes `source` (a whole file: BOM and shebang allowed) and extracts its items.
pub(crate) fn parse_file(source: &str) -> Result<FileSyntax, SyntaxError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let start = lexer::strip_shebang(source).unwrap_or(0);
    let trees = token_trees(&source[start..])?;
    let mut syntax = FileSyntax::default();
    let mut extractor = Extractor {
        env: &mut syntax.env,
        cond: Vec::new(),
    };
    extractor.items(&trees, &mut syntax.items);
    Ok(syntax)
}

/// Every string literal of `source` (`"…"` unescaped, `r#"…"#`), with its 1-based line, in
/// source order. Comments and other literals are skipped by the lexer.
pub(crate) fn string_literals(source: &str) -> Vec<(u32, String)> {
    let mut literals = Vec::new();
    let mut offset = 0usize;
    let mut line = 1u32;
    for token in lexer::tokenize(source, FrontmatterAllowed::No) {
        let text = &source[offset..offset + token.len as usize];
        offset += token.len as usize;
        let tok = Tok {
            kind: token.kind,
            text,
            line,
        };
        if let Some(value) = string_value(&Tree::Tok(tok)) {
            literals.push((line, value));
        }
        line += text.bytes().filter(|&b| b == b'\n').count() as u32;
    }
    literals
}

fn token_trees(source: &str) -> Result<Vec<Tree<'_>>, SyntaxError> {
    // The trees of every open group, outermost first: a group's trees move into a vector of
    // their exact size when it closes, instead of each group growing a vector of its own.
    let mut current: Vec<Tree<'_>> = Vec::new();
    // Each open group: its delimiter, line, and where its trees start in `current`.
    let mut stack: Vec<(Delim, u32, usize)> = Vec::new();
    let mut offset = 0usize;
    let mut line = 1u32;
    let mut cursor = lexer::Cursor::new(source, FrontmatterAllowed::No);
    loop {
        // `advance_token` directly: `tokenize`'s end test is an out-of-line `PartialEq` call.
        let token = cursor.advance_token();
        if let TokenKind::Eof = token.kind {
            break;
        }
        let text = &source[offset..offset + token.len as usize];
        offset += token.len as usize;
        let tok = Tok {
            kind: token.kind,
            text,
            line,
        };
        if matches!(
            token.kind,
            TokenKind::Whitespace
                | TokenKind::BlockComment { .. }
                | TokenKind::Literal { .. }
                | TokenKind::Frontmatter { .. }
        ) {
            // The only tokens that may span lines.
            line += text.bytes().filter(|&b| b == b'\n').count() as u32;
        }
        let error = |message: &str| {
            Err(SyntaxError {
                line: tok.line,
                message: message.to_string(),
            })
        };
        match token.kind {
            TokenKind::Whitespace
            | TokenKind::LineComment { .. }
            | TokenKind::Frontmatter { .. } => {}
            TokenKind::BlockComment {
                terminated: false, ..
            } => return error("unterminated block comment"),
            TokenKind::BlockComment { .. } => {}
            TokenKind::Literal { kind, .. } if !literal_terminated(kind) => {
                return error("unterminated literal");
            }
            TokenKind::OpenParen | TokenKind::OpenBracket | TokenKind::OpenBrace => {
                if stack.len() >= MAX_NESTING {
                    return error(&format!(
                        "delimiters nested more than {MAX_NESTING} levels deep"
                    ));
                }
                let delim = match token.kind {
                    TokenKind::OpenParen => Delim::Paren,
                    TokenKind::OpenBracket => Delim::Bracket,
                    _ => Delim::Brace,
                };
                stack.push((delim, tok.line, current.len()));
            }
            TokenKind::CloseParen | TokenKind::CloseBracket | TokenKind::CloseBrace => {
                let delim = match token.kind {
                    TokenKind::CloseParen => Delim::Paren,
                    TokenKind::CloseBracket => Delim::Bracket,
                    _ => Delim::Brace,
                };
                match stack.pop() {
                    Some((open, _, start)) if open == delim => {
                        let trees = current.split_off(start);
                        current.push(Tree::Group { delim, trees });
                    }
                    Some((_, open_line, _)) => {
                        return error(&format!(
                            "unexpected closing `{text}` (delimiter opened at line {open_line})"
                        ));
                    }
                    None => return error(&format!("unexpected closing `{text}`")),
                }
            }
            _ => current.push(Tree::Tok(tok)),
        }
    }
    match stack.pop() {
        Some((_, open_line, _)) => Err(SyntaxError {
            line: open_line,
            message: "unclosed delimiter".into(),
        }),
        None => Ok(current),
    }
}

fn literal_terminated(kind: LiteralKind) -> bool {
    match kind {
        LiteralKind::Char { terminated }
        | LiteralKind::Byte { terminated }
        | LiteralKind::Str { terminated }
        | LiteralKind::ByteStr { terminated }
        | LiteralKind::CStr { terminated } => terminated,
        LiteralKind::RawStr { n_hashes }
        | LiteralKind::RawByteStr { n_hashes }
        | LiteralKind::RawCStr { n_hashes } => n_hashes.is_some(),
        LiteralKind::Int { .. } | LiteralKind::Float { .. } => true,
    }
}

/// The value of a string literal token (`"…"` with escapes, or `r#"…"#`), if it is one.
fn string_value(tree: &Tree<'_>) -> Option<String> {
    let Tree::Tok(Tok {
        kind: TokenKind::Literal { kind, suffix_start },
        text,
        ..
    }) = tree
    else {
        return None;
    };
    let body = &text[..*suffix_start as usize];
    if body.len() != text.len() {
        return None;
    }
    match kind {
        LiteralKind::Str { .. } => unescape(&body[1..body.len() - 1]),
        LiteralKind::RawStr { n_hashes: Some(n) } => {
            let n = *n as usize;
            Some(body[2 + n..body.len() - 1 - n].to_string())
        }
        _ => None,
    }
}

/// Unescapes the inside of a `"…"` literal; `None` for an invalid escape.
fn unescape(inner: &str) -> Option<String> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from(
                    u8::from_str_radix(&hex, 16).ok().filter(|b| *b < 0x80)?,
                ));
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars
                    .by_ref()
                    .take_while(|&c| c != '}')
                    .filter(|&c| c != '_')
                    .collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            '\n' | '\r' => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Splits a group's trees at top-level commas, dropping a trailing empty part.
fn split_commas<'t, 'a>(trees: &'t [Tree<'a>]) -> Vec<&'t [Tree<'a>]> {
    let mut parts: Vec<&[Tree<'a>]> = trees.split(|t| t.is(TokenKind::Comma)).collect();
    if parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// An attribute's meaning for module resolution.
enum Attr {
    Cfg(CfgPredicate),
    Path(Option<String>),
    Conditional(CfgPredicate, Vec<Attr>),
    Other,
}

fn parse_attr(trees: &[Tree<'_>]) -> Attr {
    match trees {
        [name, args] if name.ident() == Some("cfg") => match args.group(Delim::Paren) {
            Some(inner) => Attr::Cfg(single_cfg(inner)),
            None => Attr::Other,
        },
        [name, eq, value] if name.ident() == Some("path") && eq.is(TokenKind::Eq) => {
            Attr::Path(string_value(value))
        }
        [name, ..] if name.ident() == Some("path") => Attr::Path(None),
        [name, args] if name.ident() == Some("cfg_attr") => {
            match args.group(Delim::Paren).map(split_commas) {
                Some(parts) if !parts.is_empty() => Attr::Conditional(
                    parse_cfg(parts[0]),
                    parts[1..].iter().map(|p| parse_attr(p)).collect(),
                ),
                _ => Attr::Other,
            }
        }
        _ => Attr::Other,
    }
}

fn single_cfg(trees: &[Tree<'_>]) -> CfgPredicate {
    match split_commas(trees).as_slice() {
        [one] => parse_cfg(one),
        _ => CfgPredicate::Opaque,
    }
}

fn parse_cfg(trees: &[Tree<'_>]) -> CfgPredicate {
    match trees {
        [name] => name.ident().map_or(CfgPredicate::Opaque, |n| {
            CfgPredicate::Option(n.to_string(), None)
        }),
        [name, eq, value] if eq.is(TokenKind::Eq) => match (name.ident(), string_value(value)) {
            (Some(n), Some(v)) => CfgPredicate::Option(n.to_string(), Some(v)),
            _ => CfgPredicate::Opaque,
        },
        [name, args] => {
            let Some(inner) = args.group(Delim::Paren) else {
                return CfgPredicate::Opaque;
            };
            let list = || split_commas(inner).into_iter().map(parse_cfg).collect();
            match name.ident() {
                Some("any") => CfgPredicate::Any(list()),
                Some("all") => CfgPredicate::All(list()),
                Some("not") => CfgPredicate::Not(Box::new(single_cfg(inner))),
                _ => CfgPredicate::Opaque,
            }
        }
        _ => CfgPredicate::Opaque,
    }
}

/// The `cfg` predicates one attribute puts on its item; `when` are the `cfg_attr` conditions
/// it sits under (`#[cfg_attr(a, cfg(b))]` is `any(not(a), b)`).
fn attr_cfgs(attr: &Attr, when: &[CfgPredicate], out: &mut Vec<CfgPredicate>) {
    match attr {
        Attr::Cfg(predicate) if when.is_empty() => out.push(predicate.clone()),
        Attr::Cfg(predicate) => out.push(CfgPredicate::Any(vec![
            CfgPredicate::Not(Box::new(CfgPredicate::All(when.to_vec()))),
            predicate.clone(),
        ])),
        Attr::Conditional(predicate, inner) => {
            let mut nested = when.to_vec();
            nested.push(predicate.clone());
            for attr in inner {
                attr_cfgs(attr, &nested, out);
            }
        }
        Attr::Path(_) | Attr::Other => {}
    }
}

/// The `#[path]` values one attribute gives a module declaration, each with the `cfg_attr`
/// conditions (`when`) under which it applies; an empty value for a non-literal path.
fn attr_paths(attr: &Attr, when: &[CfgPredicate], out: &mut Vec<PathAttr>) {
    match attr {
        Attr::Path(value) => out.push(PathAttr {
            value: value.clone().unwrap_or_default(),
            when: when.to_vec(),
        }),
        Attr::Conditional(predicate, inner) => {
            let mut nested = when.to_vec();
            nested.push(predicate.clone());
            for attr in inner {
                attr_paths(attr, &nested, out);
            }
        }
        Attr::Cfg(_) | Attr::Other => {}
    }
}

/// The `cfg` predicates of a list of outer attributes.
fn item_cfgs(attrs: &[&[Tree<'_>]]) -> Vec<CfgPredicate> {
    let mut cfgs = Vec::new();
    for attr in attrs {
        attr_cfgs(&parse_attr(attr), &[], &mut cfgs);
    }
    cfgs
}

/// The index just past the item starting at `start`: its first top-level `;` or `,`, or its
/// first `{ … }` group. An item cut short leaves the rest of it unconditioned, which only
/// keeps more.
fn item_end(trees: &[Tree<'_>], start: usize) -> usize {
    trees[start..]
        .iter()
        .position(|t| {
            t.is(TokenKind::Semi) || t.is(TokenKind::Comma) || t.group(Delim::Brace).is_some()
        })
        .map_or(trees.len(), |p| start + p + 1)
}

/// The branches of `cfg_if! { if #[cfg(a)] { … } else if #[cfg(b)] { … } else { … } }`, each
/// with the conditions under which it is compiled; `None` when the input has another shape.
fn cfg_if_branches<'t, 'a>(
    trees: &'t [Tree<'a>],
) -> Option<Vec<(Vec<CfgPredicate>, &'t [Tree<'a>])>> {
    let mut branches = Vec::new();
    let mut earlier: Vec<CfgPredicate> = Vec::new();
    let mut k = 0;
    while k < trees.len() {
        let is_else = trees[k].ident() == Some("else");
        if is_else {
            if earlier.is_empty() {
                return None;
            }
            k += 1;
        } else {
            earlier.clear();
        }
        if trees.get(k)?.ident() == Some("if") {
            if !trees.get(k + 1)?.is(TokenKind::Pound) {
                return None;
            }
            let Attr::Cfg(predicate) = parse_attr(trees.get(k + 2)?.group(Delim::Bracket)?) else {
                return None;
            };
            let body = trees.get(k + 3)?.group(Delim::Brace)?;
            let mut conditions = earlier.clone();
            conditions.push(predicate.clone());
            branches.push((conditions, body));
            earlier.push(CfgPredicate::Not(Box::new(predicate)));
            k += 4;
        } else if is_else {
            branches.push((
                std::mem::take(&mut earlier),
                trees.get(k)?.group(Delim::Brace)?,
            ));
            k += 1;
        } else {
            return None;
        }
    }
    Some(branches)
}

/// The branches of `cfg_select! { a => { … } b => { … } _ => { … } }` (the first branch whose
/// predicate holds is compiled), each with the conditions under which it is compiled; `None`
/// when the input has another shape.
fn cfg_select_branches<'t, 'a>(
    trees: &'t [Tree<'a>],
) -> Option<Vec<(Vec<CfgPredicate>, &'t [Tree<'a>])>> {
    let mut branches = Vec::new();
    let mut earlier: Vec<CfgPredicate> = Vec::new();
    let mut k = 0;
    while k < trees.len() {
        let arrow = (k..trees.len().saturating_sub(1))
            .find(|&j| trees[j].is(TokenKind::Eq) && trees[j + 1].is(TokenKind::Gt))?;
        let body = trees.get(arrow + 2)?.group(Delim::Brace)?;
        let predicate = &trees[k..arrow];
        let mut conditions = earlier.clone();
        if let [wildcard] = predicate {
            if wildcard.ident() == Some("_") {
                branches.push((conditions, body));
                k = arrow + 3;
                continue;
            }
        }
        let predicate = parse_cfg(predicate);
        conditions.push(predicate.clone());
        branches.push((conditions, body));
        earlier.push(CfgPredicate::Not(Box::new(predicate)));
        k = arrow + 3;
        if trees.get(k).is_some_and(|t| t.is(TokenKind::Comma)) {
            k += 1;
        }
    }
    Some(branches)
}

/// The condition `macro_rules!` rules put on their input items when every rule's transcriber
/// is `$( #[attr] … $item )*`: any of the rules' `cfg` attributes (all of one rule's).
fn wrapper_cfg(rules: &[Tree<'_>]) -> Option<CfgPredicate> {
    let mut any = Vec::new();
    let mut k = 0;
    while k < rules.len() {
        let (matcher, eq, gt, transcriber) = (
            rules.get(k)?,
            rules.get(k + 1)?,
            rules.get(k + 2)?,
            rules.get(k + 3)?.any_group()?,
        );
        if matcher.any_group().is_none() || !eq.is(TokenKind::Eq) || !gt.is(TokenKind::Gt) {
            return None;
        }
        let [dollar, repeated, star] = transcriber else {
            return None;
        };
        if !dollar.is(TokenKind::Dollar) || !star.is(TokenKind::Star) {
            return None;
        }
        let repeated = repeated.group(Delim::Paren)?;
        let (fragment, attrs) = repeated.split_last_chunk::<2>().map(|(a, f)| (f, a))?;
        if !fragment[0].is(TokenKind::Dollar) || fragment[1].ident().is_none() {
            return None;
        }
        let mut cfgs = Vec::new();
        for pair in attrs.chunks(2) {
            match pair {
                [pound, attr] if pound.is(TokenKind::Pound) => {
                    attr_cfgs(&parse_attr(attr.group(Delim::Bracket)?), &[], &mut cfgs);
                }
                _ => return None,
            }
        }
        if cfgs.is_empty() {
            // This rule passes its items through unconditioned.
            return None;
        }
        any.push(CfgPredicate::All(cfgs));
        k += 4;
        if rules.get(k).is_some_and(|t| t.is(TokenKind::Semi)) {
            k += 1;
        }
    }
    (!any.is_empty()).then_some(CfgPredicate::Any(any))
}

fn include_kind(name: &str) -> Option<IncludeKind> {
    match name {
        "include" => Some(IncludeKind::Source),
        "include_str" | "include_bytes" => Some(IncludeKind::Data),
        _ => None,
    }
}

/// The value of an include's argument tokens.
fn include_arg(trees: &[Tree<'_>]) -> IncludeArg {
    let parts = split_commas(trees);
    let unknown = |suffix: String| {
        let mut text = String::new();
        join_text(trees, &mut text);
        IncludeArg::Unknown { text, suffix }
    };
    let [arg] = parts.as_slice() else {
        return unknown(String::new());
    };
    if let [literal] = arg {
        return string_value(literal).map_or_else(|| unknown(String::new()), IncludeArg::Relative);
    }
    let [name, bang, group] = arg else {
        return unknown(String::new());
    };
    if !bang.is(TokenKind::Bang) {
        return unknown(String::new());
    }
    if name.ident() == Some("env") {
        return match env_name(group).as_deref() {
            Some("CARGO_MANIFEST_DIR") => IncludeArg::ManifestDir(String::new()),
            Some("OUT_DIR") => IncludeArg::OutDir(String::new()),
            Some(var) => IncludeArg::Env {
                name: var.to_string(),
                rest: String::new(),
            },
            None => unknown(String::new()),
        };
    }
    if name.ident() != Some("concat") {
        return unknown(String::new());
    }
    let Some(inner) = group.any_group() else {
        return unknown(String::new());
    };
    let all = split_commas(inner);
    let tail = literal_tail(&all);
    let mut pieces = all.into_iter().peekable();
    let base = match pieces.peek() {
        Some([env, bang, args]) if env.ident() == Some("env") && bang.is(TokenKind::Bang) => {
            let var = env_name(args);
            pieces.next();
            match var {
                Some(var) => Some(var),
                None => return unknown(tail),
            }
        }
        _ => None,
    };
    let mut value = String::new();
    for piece in pieces {
        match piece {
            [literal] => match string_value(literal) {
                Some(text) => value.push_str(&text),
                None => return unknown(tail),
            },
            _ => return unknown(tail),
        }
    }
    match base.as_deref() {
        None => IncludeArg::Relative(value),
        Some("CARGO_MANIFEST_DIR") => IncludeArg::ManifestDir(value),
        Some("OUT_DIR") => IncludeArg::OutDir(value),
        Some(name) => IncludeArg::Env {
            name: name.to_string(),
            rest: value,
        },
    }
}

/// The variable an `env!(…)` invocation's argument group names (`env!("NAME")`,
/// `env!("NAME", "message")`).
fn env_name(group: &Tree<'_>) -> Option<String> {
    group.any_group().and_then(|args| match args {
        [literal] | [literal, _] => string_value(literal),
        [literal, comma, _] if comma.is(TokenKind::Comma) => string_value(literal),
        _ => None,
    })
}

/// The text of the string literals that end a `concat!`'s pieces, after its last other piece.
fn literal_tail(pieces: &[&[Tree<'_>]]) -> String {
    let mut tail = String::new();
    for piece in pieces {
        match piece {
            [literal] if string_value(literal).is_some() => {
                tail.push_str(&string_value(literal).unwrap_or_default());
            }
            _ => tail.clear(),
        }
    }
    tail
}

/// The files of `#[debugger_visualizer(natvis_file = "…")]` / `(gdb_script_file = "…")`,
/// which rustc reads (and lists in its dep-info) relative to the file holding the attribute.
fn debugger_visualizer_files(args: &[Tree<'_>], line: u32, cfg: &[CfgPredicate]) -> Vec<Item> {
    split_commas(args)
        .into_iter()
        .filter_map(|part| match part {
            [key, eq, value]
                if matches!(key.ident(), Some("natvis_file" | "gdb_script_file"))
                    && eq.is(TokenKind::Eq) =>
            {
                let arg = string_value(value).map_or_else(
                    || IncludeArg::Unknown {
                        text: value_text(value),
                        suffix: String::new(),
                    },
                    IncludeArg::Relative,
                );
                Some(Item::Include(Include {
                    kind: IncludeKind::Data,
                    arg,
                    line,
                    cfg: cfg.to_vec(),
                }))
            }
            _ => None,
        })
        .collect()
}

fn value_text(tree: &Tree<'_>) -> String {
    let mut text = String::new();
    tree.text(&mut text);
    text
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

struct Extractor<'e> {
    env: &'e mut BTreeSet<String>,
    /// The conditions of the enclosing `#[cfg]`-attributed items, `#![cfg]` and `cfg_if!`
    /// branches: every item extracted carries them.
    cond: Vec<CfgPredicate>,
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
                    attr_cfgs(&parse_attr(contents), &[], &mut cfgs);
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
            self.cond.extend(item_cfgs(&attrs));
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
            attr_paths(&parse_attr(attr), &[], &mut decl.paths);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn items(source: &str) -> Vec<Item> {
        parse_file(source).unwrap().items
    }

    /// The includes of `items` (those of macro bodies and inputs too), with whether they sit
    /// in a `macro_rules!` body.
    fn includes(items: &[Item], in_macro: bool) -> Vec<(IncludeKind, &IncludeArg, bool)> {
        let mut out = Vec::new();
        for item in items {
            match item {
                Item::Include(inc) => out.push((inc.kind, &inc.arg, in_macro)),
                Item::Macro(def) => out.extend(includes(&def.body, true)),
                Item::Invocation(inv) => out.extend(includes(&inv.args, in_macro)),
                Item::Mod(_) | Item::Opaque { .. } => {}
            }
        }
        out
    }

    fn include_cfgs(items: &[Item]) -> Vec<Vec<CfgPredicate>> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Include(inc) => Some(inc.cfg.clone()),
                _ => None,
            })
            .collect()
    }

    fn opt(name: &str, value: Option<&str>) -> CfgPredicate {
        CfgPredicate::Option(name.into(), value.map(Into::into))
    }

    fn not(p: CfgPredicate) -> CfgPredicate {
        CfgPredicate::Not(Box::new(p))
    }

    fn mods(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Mod(m) => Some(m.name.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn comments_strings_and_lifetimes_do_not_declare_modules() {
        let source = r####"
            // mod a;
            /* mod b; /* nested */ mod c; */
            const S: &str = "mod d;";
            const R: &str = r#"mod e; include!("x.rs")"#;
            const B: &[u8] = b"mod f;";
            fn g<'mod_like>(x: &'mod_like u8) {}
            mod real;
            pub(crate) mod r#async;
        "####;
        assert_eq!(mods(&items(source)), ["real", "async"]);
    }

    #[test]
    fn attributes_cfg_attr_and_path() {
        let source = r#"
            #[cfg(feature = "x")]
            #[cfg_attr(unix, path = "u.rs")]
            #[path = "p\x2ers"]
            pub mod m;
        "#;
        let Some(Item::Mod(m)) = items(source).pop() else {
            panic!()
        };
        assert_eq!(
            m.cfg,
            [CfgPredicate::Option("feature".into(), Some("x".into()))]
        );
        assert_eq!(
            m.paths,
            [
                PathAttr {
                    value: "u.rs".into(),
                    when: vec![CfgPredicate::Option("unix".into(), None)]
                },
                PathAttr {
                    value: "p.rs".into(),
                    when: vec![]
                },
            ]
        );
    }

    #[test]
    fn includes_and_env() {
        let source = r#"
            #![doc = include_str!("../README.md")]
            const A: &str = std::include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/a.txt"));
            include!(concat!(env!("OUT_DIR"), "/gen.rs"));
            const V: Option<&str> = option_env!("MY_VAR");
            const W: &str = include_str!(concat!(env!("W_DIR"), "/w.txt"));
            include!(env!("GENERATED"));
            include!(env!("OUT_DIR", "set by cargo"));
            macro_rules! m { ($p:expr) => { include_bytes!($p) } }
        "#;
        let all = items(source);
        let args = includes(&all, false);
        assert_eq!(
            args,
            [
                (
                    IncludeKind::Data,
                    &IncludeArg::Relative("../README.md".into()),
                    false
                ),
                (
                    IncludeKind::Data,
                    &IncludeArg::ManifestDir("/data/a.txt".into()),
                    false
                ),
                (
                    IncludeKind::Source,
                    &IncludeArg::OutDir("/gen.rs".into()),
                    false
                ),
                (
                    IncludeKind::Data,
                    &IncludeArg::Env {
                        name: "W_DIR".into(),
                        rest: "/w.txt".into()
                    },
                    false
                ),
                (
                    IncludeKind::Source,
                    &IncludeArg::Env {
                        name: "GENERATED".into(),
                        rest: String::new()
                    },
                    false
                ),
                (
                    IncludeKind::Source,
                    &IncludeArg::OutDir(String::new()),
                    false
                ),
                (
                    IncludeKind::Data,
                    &IncludeArg::Unknown {
                        text: "$p".into(),
                        suffix: String::new()
                    },
                    true
                ),
            ]
        );
        let env: Vec<String> = parse_file(source).unwrap().env.into_iter().collect();
        assert_eq!(
            env,
            [
                "CARGO_MANIFEST_DIR",
                "GENERATED",
                "MY_VAR",
                "OUT_DIR",
                "W_DIR"
            ]
        );
    }

    #[test]
    fn inline_modules_nest() {
        let Some(Item::Mod(outer)) =
            items("#[cfg(test)] mod a { mod b; fn f() { mod c { mod d; } } }").pop()
        else {
            panic!()
        };
        assert_eq!(outer.cfg, [CfgPredicate::Option("test".into(), None)]);
        let body = outer.body.unwrap();
        assert_eq!(mods(&body), ["b", "c"]);
    }

    #[test]
    fn shebang_bom_and_crlf() {
        assert_eq!(
            mods(&items("\u{feff}#!/usr/bin/env run\r\nmod a;\r\nmod b;")),
            ["a", "b"]
        );
        assert_eq!(mods(&items("#![allow(x)]\nmod a;")), ["a"]);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse_file("fn f() {\n\n").unwrap_err(),
            SyntaxError {
                line: 1,
                message: "unclosed delimiter".into()
            }
        );
        assert_eq!(parse_file("\n/* open").unwrap_err().line, 2);
        assert_eq!(
            parse_file("\n\n)").unwrap_err().message,
            "unexpected closing `)`"
        );
        let deep = "(".repeat(2000);
        assert!(parse_file(&deep)
            .unwrap_err()
            .message
            .contains("nested more than"));
    }

    #[test]
    fn cfg_if_branches_carry_their_conditions() {
        let source = r#"
            cfg_if::cfg_if! {
                if #[cfg(unix)] {
                    mod a;
                } else if #[cfg(feature = "x")] {
                    mod b;
                    const B: &str = include_str!("b.txt");
                } else {
                    mod c;
                }
            }
        "#;
        let all = items(source);
        let [Item::Invocation(inv)] = all.as_slice() else {
            panic!()
        };
        let cfgs: Vec<_> = inv
            .args
            .iter()
            .filter_map(|i| match i {
                Item::Mod(m) => Some((m.name.as_str(), m.cfg.clone())),
                _ => None,
            })
            .collect();
        let unix = opt("unix", None);
        let x = opt("feature", Some("x"));
        assert_eq!(
            cfgs,
            [
                ("a", vec![unix.clone()]),
                ("b", vec![not(unix.clone()), x.clone()]),
                ("c", vec![not(unix.clone()), not(x.clone())]),
            ]
        );
        assert_eq!(include_cfgs(&inv.args), [vec![not(unix), x]]);
    }

    #[test]
    fn attributes_condition_the_includes_of_their_item() {
        let source = r#"
            #![cfg_attr(feature = "viz", debugger_visualizer(natvis_file = "../v.natvis"))]
            #[cfg(feature = "a")]
            const A: &str = include_str!("a.txt");
            #[cfg_attr(feature = "b", doc = include_str!("b.md"))]
            pub struct B;
            #[doc = include_str!("../README.md")]
            #[cfg(doctest)]
            pub struct ReadmeDoctests;
            #[cfg(feature = "f")]
            fn f<T>() {}
            const C: &str = include_str!("c.txt");
        "#;
        assert_eq!(
            include_cfgs(&items(source)),
            [
                vec![opt("feature", Some("viz"))],
                vec![opt("feature", Some("a"))],
                vec![opt("feature", Some("b"))],
                vec![opt("doctest", None)],
                vec![],
            ]
        );
        let inner = items("#![cfg(feature = \"z\")]\nmod m;");
        let [Item::Mod(m)] = inner.as_slice() else {
            panic!()
        };
        assert_eq!(m.cfg, [opt("feature", Some("z"))]);
    }

    #[test]
    fn macros_keep_their_body_for_the_invocation_sites() {
        let source = r#"
            macro_rules! prelude { () => { mod types; include!("x.rs"); } }
            macro_rules! cfg_a {
                ($($item:item)*) => {
                    $(
                        #[cfg(feature = "a")]
                        #[cfg_attr(docsrs, doc(cfg(feature = "a")))]
                        $item
                    )*
                }
            }
            macro_rules! other { ($($item:item)*) => { $($item)* } }
            macro_rules! named { ($m:ident) => { mod $m { fn f() {} } } }
            prelude!();
            crate::cfg_a! { mod wrapped; }
        "#;
        let all = items(source);
        let defs: Vec<_> = all
            .iter()
            .filter_map(|i| match i {
                Item::Macro(d) => Some((d.name.as_str(), mods(&d.body), d.wraps.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            defs,
            [
                ("prelude", vec!["types".to_string()], None),
                (
                    "cfg_a",
                    vec![],
                    Some(CfgPredicate::Any(vec![CfgPredicate::All(vec![opt(
                        "feature",
                        Some("a")
                    )])]))
                ),
                ("other", vec![], None),
                ("named", vec!["$m".to_string()], None),
            ]
        );
        let Item::Macro(named) = &all[3] else {
            panic!()
        };
        assert!(matches!(&named.body[0], Item::Mod(m) if m.opaque_name));
        let calls: Vec<_> = all
            .iter()
            .filter_map(|i| match i {
                Item::Invocation(c) => Some((c.name.as_str(), c.qualified, mods(&c.args))),
                _ => None,
            })
            .collect();
        assert_eq!(
            calls,
            [
                ("prelude", false, vec![]),
                ("cfg_a", true, vec!["wrapped".to_string()])
            ]
        );
    }

    #[test]
    fn cfg_select_branches_carry_their_conditions() {
        let source = r#"
            cfg_select! {
                all(target_feature = "sse2", target_arch = "x86_64") => { mod sse2; }
                unix => { mod neon; },
                _ => { mod generic; }
            }
        "#;
        let all = items(source);
        let [Item::Invocation(inv)] = all.as_slice() else {
            panic!()
        };
        let cfgs: Vec<_> = inv
            .args
            .iter()
            .filter_map(|i| match i {
                Item::Mod(m) => Some((m.name.as_str(), m.cfg.len())),
                _ => None,
            })
            .collect();
        assert_eq!(cfgs, [("sse2", 1), ("neon", 2), ("generic", 2)]);
        let Item::Mod(generic) = &inv.args[2] else {
            panic!()
        };
        assert_eq!(generic.cfg[1], not(opt("unix", None)));
    }
}
