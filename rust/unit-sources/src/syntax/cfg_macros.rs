//! Macros whose input is compiled under conditions the scan can read: `cfg_if!` and
//! `cfg_select!` branches, and `macro_rules!` wrappers that put `#[cfg]` attributes on each
//! item they are given.

use crate::cfg::CfgPredicate;
use crate::syntax::attributes::{attr_cfgs, parse_attr, parse_cfg, Attr};
use crate::syntax::tokens::{Delim, Tree};
use ra_ap_rustc_lexer::TokenKind;

/// The branches of `cfg_if! { if #[cfg(a)] { … } else if #[cfg(b)] { … } else { … } }`, each
/// with the conditions under which it is compiled; `None` when the input has another shape.
pub(super) fn cfg_if_branches<'t, 'a>(
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
            let condition = trees.get(k + 2)?.group(Delim::Bracket)?;
            let Attr::Cfg(predicate) = parse_attr(condition, false) else {
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
pub(super) fn cfg_select_branches<'t, 'a>(
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
pub(super) fn wrapper_cfg(rules: &[Tree<'_>]) -> Option<CfgPredicate> {
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
                    attr_cfgs(
                        &parse_attr(attr.group(Delim::Bracket)?, false),
                        &[],
                        &mut cfgs,
                    );
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
