//! What the edition changes in lexing. `ra-ap-rustc_lexer` lexes every edition alike; rustc's
//! parser then splits or rejects some tokens by the edition of the crate, and so does
//! [`Edition::cook`]:
//! - `#"…"#` and `##` (guarded strings, RFC 3598): reserved in 2024; before, `#` and what
//!   follows is lexed anew (`#"a"` is `#` then the string `"a"`);
//! - an identifier directly followed by `#`, `"` or `'` (`foo"x"`, `rb"x"`, `'foo#`, `k#x`):
//!   reserved from 2021; before, the identifier (or lifetime) is a token of its own;
//! - `c"…"` and `cr#"…"#`: C string literals from 2021; before, `c` or `cr` is an identifier
//!   and the rest is lexed anew;
//! - `'r#a` (raw lifetimes): from 2021; before, the lifetime `'r`, then `#` and `a`.
//!
//! Raw identifiers (`r#a`) are lexed alike in every edition.

use ra_ap_rustc_lexer::{LiteralKind, TokenKind};
use serde::{Deserialize, Serialize};

/// The edition a crate is compiled with, as far as lexing tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum Edition {
    E2015,
    E2018,
    E2021,
    E2024,
}

/// One token as rustc sees it in an edition: its kind, its length (shorter than the lexer's
/// when rustc splits it; the rest is lexed anew), and the error rustc gives when the edition
/// reserves it.
pub(super) struct Cooked {
    pub kind: TokenKind,
    pub len: usize,
    pub reserved: Option<String>,
}

impl Edition {
    /// Every edition, oldest first.
    pub const ALL: [Edition; 4] = [
        Edition::E2015,
        Edition::E2018,
        Edition::E2021,
        Edition::E2024,
    ];

    /// The edition cargo names (`"2015"`, …, as in `cargo metadata`); a later year than this
    /// build knows lexes as the latest it knows, and anything that is not a year as 2015
    /// (rustc's default).
    pub fn from_cargo(name: &str) -> Edition {
        match name.parse::<u32>() {
            Ok(year) if year >= 2024 => Edition::E2024,
            Ok(year) if year >= 2021 => Edition::E2021,
            Ok(year) if year >= 2018 => Edition::E2018,
            _ => Edition::E2015,
        }
    }

    /// The edition's year, as cargo writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Edition::E2015 => "2015",
            Edition::E2018 => "2018",
            Edition::E2021 => "2021",
            Edition::E2024 => "2024",
        }
    }

    /// The token the lexer found as `kind` with length `len` at the start of `rest`, as rustc
    /// takes it in this edition (see the module docs).
    pub(super) fn cook(self, kind: TokenKind, len: usize, rest: &str) -> Cooked {
        let since_2021 = self >= Edition::E2021;
        let keep = |reserved: Option<String>| Cooked {
            kind,
            len,
            reserved,
        };
        let split = |kind: TokenKind, len: usize| Cooked {
            kind,
            len,
            reserved: None,
        };
        let unknown_prefix =
            |prefix: &str| format!("prefix `{prefix}` is unknown (reserved since edition 2021)");
        match kind {
            TokenKind::GuardedStrPrefix => Cooked {
                kind: TokenKind::Pound,
                len: 1,
                reserved: (self >= Edition::E2024).then(|| guarded_message(rest)),
            },
            TokenKind::UnknownPrefix if since_2021 => keep(Some(unknown_prefix(&rest[..len]))),
            TokenKind::UnknownPrefix => split(TokenKind::Ident, len),
            TokenKind::UnknownPrefixLifetime if since_2021 => {
                keep(Some(unknown_prefix(&rest[..len])))
            }
            TokenKind::UnknownPrefixLifetime => split(
                TokenKind::Lifetime {
                    starts_with_number: false,
                },
                len,
            ),
            TokenKind::ForcedKeywordIdent if since_2021 => keep(Some(unknown_prefix("k"))),
            TokenKind::ForcedKeywordIdent => split(TokenKind::Ident, 1),
            TokenKind::RawLifetime if !since_2021 => split(
                TokenKind::Lifetime {
                    starts_with_number: false,
                },
                2,
            ),
            TokenKind::Literal {
                kind: LiteralKind::CStr { .. },
                ..
            } if !since_2021 => split(TokenKind::Ident, 1),
            TokenKind::Literal {
                kind: LiteralKind::RawCStr { .. },
                ..
            } if !since_2021 => split(TokenKind::Ident, 2),
            _ => keep(None),
        }
    }
}

/// rustc's error for the guarded string or `##` at the start of `rest` (edition 2024).
fn guarded_message(rest: &str) -> String {
    match rest.trim_start_matches('#').starts_with('"') {
        true => "reserved guarded string literal `#\"…\"#` (edition 2024)".into(),
        false => "reserved multi-hash token `##` (edition 2024)".into(),
    }
}
