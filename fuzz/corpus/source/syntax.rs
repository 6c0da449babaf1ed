//! From source text to the items the resolver follows: rustc's own lexer (`ra-ap-rustc_lexer`),
//! token trees, then `mod` declarations, `include!`-family invocations and `env!` names, with
//! the attributes (`cfg`, `cfg_attr`, `path`) that decide how they resolve.
//!
//! The extraction is cfg-independent, so a file is lexed once per scan however many units
//! read it; the resolver evaluates the recorded predicates per unit.

use crate::cfg::CfgPredicate;
use ra_ap_rustc_lexer::{self as lexer, FrontmatterAllowed, LiteralKind, TokenKind};
use std::collections::BTreeSet;

/// How deep token trees may nest before the file is refused (rustc itself overflows its
/// stack somewhere beyond this).
const MAX_NESTING: usize = 1000;

/// What a file contributes to module resolution, independent of any unit.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct FileSyntax {
    /// Module declarations, includes and opaque constructs, in source order; those inside
    /// inline modules are nested in [`ModDecl::body`].
    pub items: Vec<Item>,
    /// Names read with `env!` / `option_env!` (string literal arguments only).
    pub env: BTreeSet<String>,
}

#[derive(Debug, PartialEq)]
pub(crate) enum Item {
    Mod(ModDecl),
    Include(Include),
    /// A construct that may load files but cannot be resolved statically.
    Opaque {
        line: u32,
        what: String,
    },
}

/// `mod name;` or `mod name { ... }` with its attributes.
#[derive(Debug, PartialEq)]
pub(crate) struct ModDecl {
    pub name: String,
    pub line: u32,
    /// The module is compiled only where all of these hold.
    pub cfg: Vec<CfgPredicate>,
    /// `#[path]` attributes in order, each with the conditions (`cfg_attr`) under which it applies.
    pub paths: Vec<PathAttr>,
    /// The items of an inline module; `None` for `mod name;`.
    pub body: Option<Vec<Item>>,
    /// Declared inside a `macro_rules!` body: it resolves where the macro is invoked.
    pub in_macro: bool,
}

#[derive(Debug, PartialEq)]
pub(crate) struct PathAttr {
    pub value: String,
    pub when: Vec<CfgPredicate>,
}

/// An `include!`, `include_str!` or `include_bytes!` invocation.
#[derive(Debug, PartialEq)]
pub(crate) struct Include {
    pub kind: IncludeKind,
    pub arg: IncludeArg,
    pub line: u32,
    /// Written inside a `macro_rules!` body: it resolves relative to the invoking file.
    pub in_macro: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncludeKind {
    /// `include!`: the file is parsed as Rust and may itself declare modules and include files.
    Source,
    /// `include_str!` / `include_bytes!`: the file is only read.
    Data,
}

/// The statically known value of an include's argument.
#[derive(Debug, PartialEq)]
pub(crate) enum IncludeArg {
    /// A path relative to the including file's directory (or absolute).
    Relative(String),
    /// `concat!(env!("CARGO_MANIFEST_DIR"), "<rest>")`.
    ManifestDir(String),
    /// `concat!(env!("OUT_DIR"), "<rest>")`.
    OutDir(String),
    /// Anything else; the text of the argument.
    Unknown(String),
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
    };
    extractor.items(&trees, &mut syntax.items, false);
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
    let mut stack: Vec<(Delim, u32, Vec<Tree<'_>>)> = Vec::new();
    let mut current: Vec<Tree<'_>> = Vec::new();
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
        line += text.bytes().filter(|&b| b == b'\n').count() as u32;
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
                stack.push((delim, tok.line, std::mem::take(&mut current)));
            }
            TokenKind::CloseParen | TokenKind::CloseBracket | TokenKind::CloseBrace => {
                let delim = match token.kind {
                    TokenKind::CloseParen => Delim::Paren,
                    TokenKind::CloseBracket => Delim::Bracket,
                    _ => Delim::Brace,
                };
                match stack.pop() {
                    Some((open, _, outer)) if open == delim => {
                        let trees = std::mem::replace(&mut current, outer);
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

/// Collects the effect of one attribute on a module declaration; `when` are the `cfg_attr`
/// conditions it sits under.
fn apply_attr(attr: Attr, when: &[CfgPredicate], decl: &mut ModDecl) {
    match attr {
        Attr::Cfg(predicate) if when.is_empty() => decl.cfg.push(predicate),
        Attr::Cfg(predicate) => decl.cfg.push(CfgPredicate::Any(vec![
            CfgPredicate::Not(Box::new(CfgPredicate::All(when.to_vec()))),
            predicate,
        ])),
        Attr::Path(Some(value)) => decl.paths.push(PathAttr {
            value,
            when: when.to_vec(),
        }),
        Attr::Path(None) => decl.paths.push(PathAttr {
            value: String::new(),
            when: when.to_vec(),
        }),
        Attr::Conditional(predicate, inner) => {
            let mut nested = when.to_vec();
            nested.push(predicate);
            for attr in inner {
                apply_attr(attr, &nested, decl);
            }
        }
        Attr::Other => {}
    }
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
    let unknown = || {
        let mut text = String::new();
        join_text(trees, &mut text);
        IncludeArg::Unknown(text)
    };
    let [arg] = parts.as_slice() else {
        return unknown();
    };
    if let [literal] = arg {
        return string_value(literal).map_or_else(unknown, IncludeArg::Relative);
    }
    let [name, bang, group] = arg else {
        return unknown();
    };
    if name.ident() != Some("concat") || !bang.is(TokenKind::Bang) {
        return unknown();
    }
    let Some(inner) = group.any_group() else {
        return unknown();
    };
    let mut pieces = split_commas(inner).into_iter().peekable();
    let base = match pieces.peek() {
        Some([env, bang, args]) if env.ident() == Some("env") && bang.is(TokenKind::Bang) => {
            let var = args.any_group().and_then(|a| match a {
                [literal] | [literal, _] => string_value(literal),
                _ => None,
            });
            pieces.next();
            match var.as_deref() {
                Some("CARGO_MANIFEST_DIR") => IncludeArg::ManifestDir,
                Some("OUT_DIR") => IncludeArg::OutDir,
                _ => return unknown(),
            }
        }
        _ => IncludeArg::Relative,
    };
    let mut value = String::new();
    for piece in pieces {
        match piece {
            [literal] => match string_value(literal) {
                Some(text) => value.push_str(&text),
                None => return unknown(),
            },
            _ => return unknown(),
        }
    }
    base(value)
}

/// The files of `#[debugger_visualizer(natvis_file = "…")]` / `(gdb_script_file = "…")`,
/// which rustc reads (and lists in its dep-info) relative to the file holding the attribute.
fn debugger_visualizer_files(args: &[Tree<'_>], line: u32) -> Vec<Item> {
    split_commas(args)
        .into_iter()
        .filter_map(|part| match part {
            [key, eq, value]
                if matches!(key.ident(), Some("natvis_file" | "gdb_script_file"))
                    && eq.is(TokenKind::Eq) =>
            {
                let arg = string_value(value).map_or_else(
                    || IncludeArg::Unknown(value_text(value)),
                    IncludeArg::Relative,
                );
                Some(Item::Include(Include {
                    kind: IncludeKind::Data,
                    arg,
                    line,
                    in_macro: false,
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

struct Extractor<'e> {
    env: &'e mut BTreeSet<String>,
}

impl Extractor<'_> {
    /// Extracts the items of a sequence of trees; groups that are not module bodies (function
    /// bodies, macro invocations such as `cfg_if!`) are walked as part of the same module.
    fn items(&mut self, trees: &[Tree<'_>], out: &mut Vec<Item>, in_macro: bool) {
        let mut attrs: Vec<&[Tree<'_>]> = Vec::new();
        let mut i = 0;
        while i < trees.len() {
            let next = |n: usize| trees.get(i + n);
            let tree = &trees[i];
            if tree.is(TokenKind::Pound) {
                let inner = next(1).is_some_and(|t| t.is(TokenKind::Bang));
                let bracket = next(if inner { 2 } else { 1 }).and_then(|t| t.group(Delim::Bracket));
                if let Some(contents) = bracket {
                    self.items(contents, out, in_macro);
                    if !inner {
                        attrs.push(contents);
                    }
                    i += if inner { 3 } else { 2 };
                    continue;
                }
            }
            match tree.ident() {
                Some("mod") => {
                    if let Some(step) = self.module(&trees[i..], &attrs, out, in_macro) {
                        attrs.clear();
                        i += step;
                        continue;
                    }
                }
                Some("pub") => {
                    i += if next(1).and_then(|t| t.group(Delim::Paren)).is_some() {
                        2
                    } else {
                        1
                    };
                    continue;
                }
                Some("unsafe") => {
                    i += 1;
                    continue;
                }
                Some("debugger_visualizer") => {
                    if let Some(args) = next(1).and_then(|t| t.group(Delim::Paren)) {
                        out.extend(debugger_visualizer_files(args, tree.line()));
                        i += 2;
                        continue;
                    }
                }
                Some("macro_rules") => {
                    if let (Some(bang), Some(_), Some(body)) =
                        (next(1), next(2), next(3).and_then(Tree::any_group))
                    {
                        if bang.is(TokenKind::Bang) {
                            self.items(body, out, true);
                            attrs.clear();
                            i += 4;
                            continue;
                        }
                    }
                }
                Some(name) if next(1).is_some_and(|t| t.is(TokenKind::Bang)) => {
                    if let Some(args) = next(2).and_then(Tree::any_group) {
                        self.invocation(name, tree.line(), args, out, in_macro);
                        attrs.clear();
                        i += 3;
                        continue;
                    }
                }
                _ => {}
            }
            if let Some(inner) = tree.any_group() {
                self.items(inner, out, in_macro);
            }
            attrs.clear();
            i += 1;
        }
    }

    /// Handles `mod` at the start of `trees`; returns how many trees it took, or `None` when
    /// this `mod` does not start a declaration.
    fn module(
        &mut self,
        trees: &[Tree<'_>],
        attrs: &[&[Tree<'_>]],
        out: &mut Vec<Item>,
        in_macro: bool,
    ) -> Option<usize> {
        let line = trees[0].line();
        let name_tree = trees.get(1)?;
        if name_tree.is(TokenKind::Dollar) {
            out.push(Item::Opaque {
                line,
                what: "module declared with a macro fragment (`mod $…`)".into(),
            });
            return Some(2);
        }
        let name = name_tree.ident()?;
        let after = trees.get(2)?;
        let body = if after.is(TokenKind::Semi) {
            None
        } else {
            let inner = after.group(Delim::Brace)?;
            let mut items = Vec::new();
            self.items(inner, &mut items, in_macro);
            Some(items)
        };
        let mut decl = ModDecl {
            name: name.to_string(),
            line,
            cfg: Vec::new(),
            paths: Vec::new(),
            body,
            in_macro,
        };
        for attr in attrs {
            apply_attr(parse_attr(attr), &[], &mut decl);
        }
        out.push(Item::Mod(decl));
        Some(3)
    }

    /// Handles the invocation `name!(args)`.
    fn invocation(
        &mut self,
        name: &str,
        line: u32,
        args: &[Tree<'_>],
        out: &mut Vec<Item>,
        in_macro: bool,
    ) {
        if let Some(kind) = include_kind(name) {
            out.push(Item::Include(Include {
                kind,
                arg: include_arg(args),
                line,
                in_macro,
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
        self.items(args, out, in_macro);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(source: &str) -> Vec<Item> {
        parse_file(source).unwrap().items
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
            macro_rules! m { ($p:expr) => { include_bytes!($p) } }
        "#;
        let args: Vec<_> = items(source)
            .into_iter()
            .map(|i| match i {
                Item::Include(inc) => (inc.kind, inc.arg, inc.in_macro),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            args,
            [
                (
                    IncludeKind::Data,
                    IncludeArg::Relative("../README.md".into()),
                    false
                ),
                (
                    IncludeKind::Data,
                    IncludeArg::ManifestDir("/data/a.txt".into()),
                    false
                ),
                (
                    IncludeKind::Source,
                    IncludeArg::OutDir("/gen.rs".into()),
                    false
                ),
                (
                    IncludeKind::Data,
                    IncludeArg::Unknown("concat!(env!(\"W_DIR\"), \"/w.txt\")".into()),
                    false
                ),
                (IncludeKind::Data, IncludeArg::Unknown("$p".into()), true),
            ]
        );
        let env: Vec<String> = parse_file(source).unwrap().env.into_iter().collect();
        assert_eq!(env, ["CARGO_MANIFEST_DIR", "MY_VAR", "OUT_DIR", "W_DIR"]);
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
}
