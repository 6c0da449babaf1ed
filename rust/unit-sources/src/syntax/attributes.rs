//! Attributes as module resolution reads them: `cfg` predicates, `cfg_attr` conditions and
//! `#[path]` values.

use crate::cfg::CfgPredicate;
use crate::syntax::items::PathAttr;
use crate::syntax::literals::string_value;
use crate::syntax::tokens::{split_commas, Delim, Tree};
use ra_ap_rustc_lexer::TokenKind;

/// An attribute's meaning for module resolution.
pub(super) enum Attr {
    Cfg(CfgPredicate),
    Path(Option<String>),
    Conditional(CfgPredicate, Vec<Attr>),
    Other,
}

pub(super) fn parse_attr(trees: &[Tree<'_>]) -> Attr {
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

pub(super) fn parse_cfg(trees: &[Tree<'_>]) -> CfgPredicate {
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
pub(super) fn attr_cfgs(attr: &Attr, when: &[CfgPredicate], out: &mut Vec<CfgPredicate>) {
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
pub(super) fn attr_paths(attr: &Attr, when: &[CfgPredicate], out: &mut Vec<PathAttr>) {
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
pub(super) fn item_cfgs(attrs: &[&[Tree<'_>]]) -> Vec<CfgPredicate> {
    let mut cfgs = Vec::new();
    for attr in attrs {
        attr_cfgs(&parse_attr(attr), &[], &mut cfgs);
    }
    cfgs
}
