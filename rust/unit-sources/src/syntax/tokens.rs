//! Token trees: rustc's tokens (comments and whitespace dropped), each with its line, nested
//! by their delimiters, and the few questions the extraction asks of them.

use crate::syntax::edition::Edition;
use ra_ap_rustc_lexer::{self as lexer, FrontmatterAllowed, LiteralKind, TokenKind};

/// How deep token trees may nest before the file is refused (rustc itself overflows its
/// stack somewhere beyond this).
const MAX_NESTING: usize = 1000;

/// Why a file could not be turned into items: a line and a message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: u32,
    pub message: String,
}

/// A group's delimiters: `( … )`, `[ … ]` or `{ … }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delim {
    Paren,
    Bracket,
    Brace,
}

/// One token: its kind, its source text, and the 1-based line it starts on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tok<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub line: u32,
}

/// A token, or a delimited group of trees.
#[derive(Debug)]
pub(super) enum Tree<'a> {
    Tok(Tok<'a>),
    Group { delim: Delim, trees: Vec<Tree<'a>> },
}

impl<'a> Tree<'a> {
    pub fn ident(&self) -> Option<&'a str> {
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

    pub fn is(&self, kind: TokenKind) -> bool {
        matches!(self, Tree::Tok(t) if t.kind == kind)
    }

    pub fn group(&self, want: Delim) -> Option<&[Tree<'a>]> {
        match self {
            Tree::Group { delim, trees } if *delim == want => Some(trees),
            _ => None,
        }
    }

    pub fn any_group(&self) -> Option<&[Tree<'a>]> {
        match self {
            Tree::Group { trees, .. } => Some(trees),
            _ => None,
        }
    }

    pub fn line(&self) -> u32 {
        match self {
            Tree::Tok(t) => t.line,
            Tree::Group { trees, .. } => trees.first().map_or(0, Tree::line),
        }
    }

    pub fn text(&self, out: &mut String) {
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
pub(super) fn join_text(trees: &[Tree<'_>], out: &mut String) {
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

/// `source`'s tokens as rustc lexes them in one edition ([`Edition::cook`]), comments and
/// whitespace included, each with its line and, when the edition reserves it, rustc's error.
pub(super) struct Lexer<'a> {
    source: &'a str,
    edition: Edition,
    cursor: lexer::Cursor<'a>,
    offset: usize,
    line: u32,
}

impl<'a> Lexer<'a> {
    pub fn new(source: &'a str, edition: Edition) -> Lexer<'a> {
        Lexer {
            source,
            edition,
            cursor: lexer::Cursor::new(source, FrontmatterAllowed::No),
            offset: 0,
            line: 1,
        }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = (Tok<'a>, Option<String>);

    fn next(&mut self) -> Option<Self::Item> {
        // `advance_token` directly: `tokenize`'s end test is an out-of-line `PartialEq` call.
        let token = self.cursor.advance_token();
        if let TokenKind::Eof = token.kind {
            return None;
        }
        let rest = &self.source[self.offset..];
        let cooked = self.edition.cook(token.kind, token.len as usize, rest);
        if cooked.len != token.len as usize {
            // rustc split the token: what follows its first part is lexed anew.
            self.cursor = lexer::Cursor::new(&rest[cooked.len..], FrontmatterAllowed::No);
        }
        let text = &rest[..cooked.len];
        self.offset += cooked.len;
        let tok = Tok {
            kind: cooked.kind,
            text,
            line: self.line,
        };
        if matches!(
            cooked.kind,
            TokenKind::Whitespace
                | TokenKind::BlockComment { .. }
                | TokenKind::Literal { .. }
                | TokenKind::Frontmatter { .. }
        ) {
            // The only tokens that may span lines.
            self.line += text.bytes().filter(|&b| b == b'\n').count() as u32;
        }
        Some((tok, cooked.reserved))
    }
}

/// The token trees of `source` lexed in `edition` (comments and whitespace dropped), or the
/// first lexical error: an unterminated comment or literal, syntax the edition reserves, a
/// closing delimiter that does not match, an unclosed one, or nesting deeper than
/// [`MAX_NESTING`].
pub(super) fn token_trees(source: &str, edition: Edition) -> Result<Vec<Tree<'_>>, SyntaxError> {
    let mut groups = OpenGroups::default();
    for (tok, reserved) in Lexer::new(source, edition) {
        let text = tok.text;
        let step = match tok.kind {
            _ if reserved.is_some() => Err(reserved.expect("reserved")),
            TokenKind::Whitespace
            | TokenKind::LineComment { .. }
            | TokenKind::Frontmatter { .. } => Ok(()),
            TokenKind::BlockComment {
                terminated: false, ..
            } => Err("unterminated block comment".to_string()),
            TokenKind::BlockComment { .. } => Ok(()),
            TokenKind::Literal { kind, .. } if !literal_terminated(kind) => {
                Err("unterminated literal".to_string())
            }
            TokenKind::OpenParen => groups.open(Delim::Paren, tok.line),
            TokenKind::OpenBracket => groups.open(Delim::Bracket, tok.line),
            TokenKind::OpenBrace => groups.open(Delim::Brace, tok.line),
            TokenKind::CloseParen => groups.close(Delim::Paren, text),
            TokenKind::CloseBracket => groups.close(Delim::Bracket, text),
            TokenKind::CloseBrace => groups.close(Delim::Brace, text),
            _ => {
                groups.trees.push(Tree::Tok(tok));
                Ok(())
            }
        };
        step.map_err(|message| SyntaxError {
            line: tok.line,
            message,
        })?;
    }
    groups.finish()
}

/// The trees of a file being built: those of the top level and of every group still open.
#[derive(Default)]
struct OpenGroups<'a> {
    /// The trees of every open group, outermost first: a group's trees move into a vector of
    /// their exact size when it closes, instead of each group growing a vector of its own.
    trees: Vec<Tree<'a>>,
    /// Each open group: its delimiter, line, and where its trees start in `trees`.
    stack: Vec<(Delim, u32, usize)>,
}

impl<'a> OpenGroups<'a> {
    /// Opens a group at `line`; an error message when that nests too deep.
    fn open(&mut self, delim: Delim, line: u32) -> Result<(), String> {
        if self.stack.len() >= MAX_NESTING {
            return Err(format!(
                "delimiters nested more than {MAX_NESTING} levels deep"
            ));
        }
        self.stack.push((delim, line, self.trees.len()));
        Ok(())
    }

    /// Closes the innermost group with the delimiter `text` closes; an error message when no
    /// group is open or the innermost one was opened with another delimiter.
    fn close(&mut self, delim: Delim, text: &str) -> Result<(), String> {
        match self.stack.pop() {
            Some((open, _, start)) if open == delim => {
                let trees = self.trees.split_off(start);
                self.trees.push(Tree::Group { delim, trees });
                Ok(())
            }
            Some((_, open_line, _)) => Err(format!(
                "unexpected closing `{text}` (delimiter opened at line {open_line})"
            )),
            None => Err(format!("unexpected closing `{text}`")),
        }
    }

    /// The file's top-level trees, or an error at the line of a group left open.
    fn finish(mut self) -> Result<Vec<Tree<'a>>, SyntaxError> {
        match self.stack.pop() {
            Some((_, open_line, _)) => Err(SyntaxError {
                line: open_line,
                message: "unclosed delimiter".into(),
            }),
            None => Ok(self.trees),
        }
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

/// Splits a group's trees at top-level commas, dropping a trailing empty part.
pub(super) fn split_commas<'t, 'a>(trees: &'t [Tree<'a>]) -> Vec<&'t [Tree<'a>]> {
    let mut parts: Vec<&[Tree<'a>]> = trees.split(|t| t.is(TokenKind::Comma)).collect();
    if parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}
