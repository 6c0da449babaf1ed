//! The extraction's unit tests, on the items of small sources.

use crate::cfg::CfgPredicate;
use crate::syntax::extract::parse_file;
use crate::syntax::items::{IncludeArg, IncludeKind, Item, PathAttr};
use crate::syntax::tokens::SyntaxError;

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
