//! The predicate trees the extraction records, exactly: the walk observes them only through
//! what they evaluate to (the walk's text fixtures, `walk/fixture_tests/syntax.rs`, cover
//! the rest of the syntax layer).

use crate::cfg::CfgPredicate;
use crate::syntax::edition::Edition;
use crate::syntax::extract::parse_file;
use crate::syntax::items::{Item, PathAttr};

fn items(source: &str) -> Vec<Item> {
    parse_file(source, Edition::E2021).unwrap().items
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
fn macro_definitions_record_their_body_and_the_condition_they_wrap_items_in() {
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
