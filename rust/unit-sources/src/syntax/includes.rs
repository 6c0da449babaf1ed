//! The files a file names for rustc to read: `include!`-family arguments (literal, `concat!`,
//! `env!` pieces) and `#[debugger_visualizer]` files.

use crate::cfg::CfgPredicate;
use crate::syntax::items::{Include, IncludeArg, IncludeKind, Item};
use crate::syntax::literals::string_value;
use crate::syntax::tokens::{join_text, split_commas, Tree};
use ra_ap_rustc_lexer::TokenKind;

/// The kind of include the built-in macro `name` is, if it is one.
pub(super) fn include_kind(name: &str) -> Option<IncludeKind> {
    match name {
        "include" => Some(IncludeKind::Source),
        "include_str" | "include_bytes" => Some(IncludeKind::Data),
        _ => None,
    }
}

/// The value of an include's argument tokens.
pub(super) fn include_arg(trees: &[Tree<'_>]) -> IncludeArg {
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
pub(super) fn debugger_visualizer_files(
    args: &[Tree<'_>],
    line: u32,
    cfg: &[CfgPredicate],
) -> Vec<Item> {
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

/// The source text of one tree.
fn value_text(tree: &Tree<'_>) -> String {
    let mut text = String::new();
    tree.text(&mut text);
    text
}
