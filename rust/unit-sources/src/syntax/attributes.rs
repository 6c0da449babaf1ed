//! Attributes as module resolution reads them: `cfg` predicates, `cfg_attr` conditions,
//! `#[path]` values, `#[test]`/`#[bench]` (items compiled only with `--test`), and attributes
//! that may be attribute macros (which may rewrite or drop their item).

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
    /// The built-in `#[test]` or `#[bench]`: rustc drops the item, before expanding anything
    /// in it, unless it compiles with `--test`.
    Test,
    /// Neither one of rustc's built-in attributes nor a tool's (`rustfmt::skip`): it may be an
    /// attribute macro (`#[tokio::test]`, `#[async_trait]`, a derive's helper), whose output
    /// the scan cannot know.
    Macro,
    Other,
}

/// rustc's built-in attributes that leave their item as it is written (besides `cfg`,
/// `cfg_attr`, `path`, `test` and `bench`, read on their own): `derive` adds items, never
/// removes its input. Every `rustc_*` name is built in too.
const INERT_ATTRIBUTES: &[&str] = &[
    "allow",
    "automatically_derived",
    "cold",
    "collapse_debuginfo",
    "compiler_builtins",
    "coverage",
    "crate_name",
    "crate_type",
    "debugger_visualizer",
    "default_lib_allocator",
    "deny",
    "deprecated",
    "derive",
    "doc",
    "expect",
    "export_name",
    "feature",
    "ffi_const",
    "ffi_pure",
    "forbid",
    "fundamental",
    "global_allocator",
    "ignore",
    "inline",
    "instruction_set",
    "lang",
    "link",
    "link_name",
    "link_ordinal",
    "link_section",
    "linkage",
    "macro_export",
    "macro_use",
    "marker",
    "may_dangle",
    "must_use",
    "naked",
    "needs_allocator",
    "no_builtins",
    "no_core",
    "no_implicit_prelude",
    "no_link",
    "no_main",
    "no_mangle",
    "no_std",
    "non_exhaustive",
    "omit_gdb_pretty_printer_section",
    "optimize",
    "panic_handler",
    "patchable_function_entry",
    "proc_macro",
    "proc_macro_attribute",
    "proc_macro_derive",
    "profiler_runtime",
    "recursion_limit",
    "register_tool",
    "repr",
    "sanitize",
    "should_panic",
    "stable",
    "target_feature",
    "test_runner",
    "thread_local",
    "track_caller",
    "type_length_limit",
    "unsafe",
    "unstable",
    "used",
    "warn",
    "windows_subsystem",
];

/// The tools whose attributes (`#[rustfmt::skip]`, `#[diagnostic::on_unimplemented]`) are
/// inert.
const TOOLS: &[&str] = &[
    "clippy",
    "diagnostic",
    "miri",
    "rust_analyzer",
    "rustdoc",
    "rustfmt",
];

/// The segments of the path an attribute starts with (`::` left out), and the trees after it.
fn attr_path<'t, 'a>(trees: &'t [Tree<'a>]) -> (Vec<&'a str>, &'t [Tree<'a>]) {
    let colons = |k: usize| {
        trees.get(k).is_some_and(|t| t.is(TokenKind::Colon))
            && trees.get(k + 1).is_some_and(|t| t.is(TokenKind::Colon))
    };
    let mut k = if colons(0) { 2 } else { 0 };
    let mut segments = Vec::new();
    while let Some(segment) = trees.get(k).and_then(Tree::ident) {
        segments.push(segment);
        k += 1;
        if !colons(k) {
            break;
        }
        k += 2;
    }
    (segments, &trees[k.min(trees.len())..])
}

/// What an attribute other than `cfg`, `cfg_attr` and `path` is; `#[test]` and `#[bench]`
/// written without a path are the built-in ones unless `test_imported` (the file imports
/// something by that name).
fn classify(trees: &[Tree<'_>], test_imported: bool) -> Attr {
    let (path, _) = attr_path(trees);
    match path.as_slice() {
        ["test" | "bench"] if !test_imported => Attr::Test,
        [name] if INERT_ATTRIBUTES.contains(name) || name.starts_with("rustc_") => Attr::Other,
        ["core" | "std", "prelude", edition, "test" | "bench"]
            if *edition == "v1" || edition.starts_with("rust_20") =>
        {
            Attr::Test
        }
        [tool, _, ..] if TOOLS.contains(tool) => Attr::Other,
        _ => Attr::Macro,
    }
}

/// The attribute whose contents (between `#[` and `]`) are `trees`; `test_imported` as for
/// [`classify`].
pub(super) fn parse_attr(trees: &[Tree<'_>], test_imported: bool) -> Attr {
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
                    parts[1..]
                        .iter()
                        .map(|p| parse_attr(p, test_imported))
                        .collect(),
                ),
                _ => Attr::Other,
            }
        }
        _ => classify(trees, test_imported),
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
/// it sits under (`#[cfg_attr(a, cfg(b))]` is `any(not(a), b)`). `#[test]` and `#[bench]`
/// put [`CfgPredicate::TestHarness`], a possible attribute macro [`CfgPredicate::Opaque`]:
/// the item may be compiled, never surely.
pub(super) fn attr_cfgs(attr: &Attr, when: &[CfgPredicate], out: &mut Vec<CfgPredicate>) {
    let predicate = match attr {
        Attr::Cfg(predicate) => predicate.clone(),
        Attr::Test => CfgPredicate::TestHarness,
        Attr::Macro => CfgPredicate::Opaque,
        Attr::Conditional(predicate, inner) => {
            let mut nested = when.to_vec();
            nested.push(predicate.clone());
            for attr in inner {
                attr_cfgs(attr, &nested, out);
            }
            return;
        }
        Attr::Path(_) | Attr::Other => return,
    };
    if when.is_empty() {
        return out.push(predicate);
    }
    out.push(CfgPredicate::Any(vec![
        CfgPredicate::Not(Box::new(CfgPredicate::All(when.to_vec()))),
        predicate,
    ]));
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
        Attr::Cfg(_) | Attr::Test | Attr::Macro | Attr::Other => {}
    }
}

/// The `cfg` predicates of a list of outer attributes (`test_imported` as for [`classify`]).
pub(super) fn item_cfgs(attrs: &[&[Tree<'_>]], test_imported: bool) -> Vec<CfgPredicate> {
    let mut cfgs = Vec::new();
    for attr in attrs {
        attr_cfgs(&parse_attr(attr, test_imported), &[], &mut cfgs);
    }
    cfgs
}
