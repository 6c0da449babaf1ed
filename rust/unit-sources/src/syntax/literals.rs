//! The values of string literals: `"…"` with its escapes unescaped, `r#"…"#` as written.

use crate::syntax::edition::Edition;
use crate::syntax::tokens::{Lexer, Tok, Tree};
use ra_ap_rustc_lexer::{LiteralKind, TokenKind};

/// Every string literal of `source` lexed in `edition` (`"…"` unescaped, `r#"…"#`), with its
/// 1-based line, in source order. Comments and other literals are skipped by the lexer; syntax
/// the edition reserves is read on as rustc's earlier editions read it.
pub(crate) fn string_literals(source: &str, edition: Edition) -> Vec<(u32, String)> {
    Lexer::new(source, edition)
        .filter_map(|(tok, _)| Some((tok.line, string_value(&Tree::Tok(tok))?)))
        .collect()
}

/// The value of a string literal token (`"…"` with escapes, or `r#"…"#`), if it is one.
pub(super) fn string_value(tree: &Tree<'_>) -> Option<String> {
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
