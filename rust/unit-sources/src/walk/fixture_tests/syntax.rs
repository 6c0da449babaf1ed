//! The syntax layer seen through the walk: what each parsing rule makes the unit read. Every
//! fixture holds the files a wrong parse would pull in (a module named in a comment, a path
//! left escaped, a branch taken under the wrong condition), so a mis-parse changes the list.

use super::{check, check_with_features};
use expect_test::expect;

#[test]
fn comments_strings_and_lifetimes_do_not_declare_modules() {
    check(
        r####"
//- /src/lib.rs
// mod a;
/* mod b; /* nested */ mod c; */
const S: &str = "mod d;";
const R: &str = r#"mod e; include!("x.rs")"#;
const B: &[u8] = b"mod f;";
fn g<'mod_like>(x: &'mod_like u8) {}
mod real;
pub(crate) mod r#async;
//- /src/a.rs
//- /src/b.rs
//- /src/c.rs
//- /src/d.rs
//- /src/e.rs
//- /src/f.rs
//- /src/x.rs
//- /src/mod_like.rs
//- /src/real.rs
//- /src/async.rs
"####,
        expect![[r#"
            src/async.rs
            src/lib.rs
            src/real.rs
        "#]],
    );
}

#[test]
fn cfg_cfg_attr_and_escaped_path_attributes_choose_the_module_file() {
    let fixture = r#"
//- /src/lib.rs
#[cfg(feature = "x")]
#[cfg_attr(feature = "u", path = "u.rs")]
#[path = "p\x2ers"]
pub mod m;
//- /src/m.rs
//- /src/u.rs
//- /src/p.rs
//- /src/p\x2ers
"#;
    check_with_features(
        fixture,
        &[],
        expect![[r#"
        src/lib.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["x"],
        expect![[r#"
        src/lib.rs
        src/p.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["x", "u"],
        expect![[r#"
        src/lib.rs
        src/u.rs
    "#]],
    );
}

#[test]
fn include_arguments_name_files_relative_to_the_file_or_the_package() {
    check(
        r#"
//- /src/lib.rs
#![doc = include_str!("../README.md")]
const A: &str = std::include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/a.txt"));
include!(concat!(env!("OUT_DIR"), "/gen.rs"));
const V: Option<&str> = option_env!("MY_VAR");
include!("source.rs");
const D: &str = include_str!("data.rs");
//- /README.md
//- /src/README.md
//- /data/a.txt
//- /src/data/a.txt
//- /src/source.rs
mod from_source;
//- /src/from_source.rs
//- /src/data.rs
mod from_data;
//- /src/from_data.rs
"#,
        expect![[r#"
            README.md
            data/a.txt
            src/data.rs
            src/from_source.rs
            src/lib.rs
            src/source.rs
            env: CARGO_MANIFEST_DIR MY_VAR OUT_DIR
            outDirIncludes: gen.rs
        "#]],
    );
}

#[test]
fn include_arguments_the_scan_cannot_know_are_named_in_the_widening() {
    check(
        r#"
//- /src/lib.rs
const W: &str = include_str!(concat!(env!("W_DIR"), "/w.txt"));
include!(env!("GENERATED"));
include!(env!("OUT_DIR", "set by cargo"));
macro_rules! m { ($p:expr) => { include_bytes!($p) } }
"#,
        expect![[r#"
            Cargo.toml
            src/lib.rs
            env: GENERATED OUT_DIR W_DIR
            outDirIncludes: unknown
            unresolved: src/lib.rs:1: include of `env!("W_DIR")/w.txt`, a path which the build's environment gives; widened to every file named `w.txt` below ./
            unresolved: src/lib.rs:2: include of `env!("GENERATED")`, a path which the build's environment gives; widened to all files below ./
            unresolved: src/lib.rs:4: macro `m` declares modules or includes but no invocation by that name was found (an alias or a generated name may invoke it); widened to all files below src/
        "#]],
    );
}

#[test]
fn inline_modules_nest_and_function_bodies_belong_to_their_module() {
    check(
        r#"
//- /src/lib.rs
#[cfg(test)]
mod t { mod b; }
mod a { mod b; fn f() { mod c { mod d; } } }
//- /src/t/b.rs
//- /src/a/b.rs
//- /src/a/c/d.rs
//- /src/a/f/c/d.rs
//- /src/c/d.rs
//- /src/b.rs
"#,
        expect![[r#"
            src/a/b.rs
            src/a/c/d.rs
            src/lib.rs
        "#]],
    );
}

#[test]
fn a_byte_order_mark_a_shebang_and_crlf_line_ends_are_skipped() {
    // A shebang line is not Rust: lexed, its `(` and `"` would make the file unreadable.
    check(
        "
//- /src/lib.rs
\u{feff}#!/usr/bin/env run (unbalanced \"quote\r\nmod a;\r\nmod b;
//- /src/a.rs
#![allow(x)]
mod inner;
//- /src/b.rs
//- /src/a/inner.rs
",
        expect![[r#"
            src/a.rs
            src/a/inner.rs
            src/b.rs
            src/lib.rs
        "#]],
    );
}

#[test]
fn a_file_that_does_not_lex_is_an_error_naming_its_line() {
    check(
        "//- /src/lib.rs\nfn f() {\n\n",
        expect![[r#"
        src/lib.rs
        error: $ROOT/src/lib.rs:1: unclosed delimiter
    "#]],
    );
    check(
        "//- /src/lib.rs\n\n/* open",
        expect![[r#"
        src/lib.rs
        error: $ROOT/src/lib.rs:2: unterminated block comment
    "#]],
    );
    check(
        "//- /src/lib.rs\n\n\n)",
        expect![[r#"
        src/lib.rs
        error: $ROOT/src/lib.rs:3: unexpected closing `)`
    "#]],
    );
    let deep = format!("//- /src/lib.rs\n{}", "(".repeat(2000));
    check(
        &deep,
        expect![[r#"
        src/lib.rs
        error: $ROOT/src/lib.rs:1: delimiters nested more than 1000 levels deep
    "#]],
    );
}

#[test]
fn cfg_if_branches_are_taken_under_their_conditions() {
    let fixture = r#"
//- /src/lib.rs
cfg_if::cfg_if! {
    if #[cfg(feature = "u")] {
        mod a;
    } else if #[cfg(feature = "x")] {
        mod b;
        const B: &str = include_str!("b.txt");
    } else {
        mod c;
    }
}
//- /src/a.rs
//- /src/b.rs
//- /src/b.txt
//- /src/c.rs
"#;
    check_with_features(
        fixture,
        &[],
        expect![[r#"
        src/c.rs
        src/lib.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["u"],
        expect![[r#"
        src/a.rs
        src/lib.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["x"],
        expect![[r#"
        src/b.rs
        src/b.txt
        src/lib.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["u", "x"],
        expect![[r#"
        src/a.rs
        src/lib.rs
    "#]],
    );
}

#[test]
fn cfg_select_takes_the_first_branch_that_holds() {
    let fixture = r#"
//- /src/lib.rs
cfg_select! {
    all(feature = "sse2", feature = "x86_64") => { mod sse2; }
    feature = "neon" => { mod neon; },
    _ => { mod generic; }
}
//- /src/sse2.rs
//- /src/neon.rs
//- /src/generic.rs
"#;
    check_with_features(
        fixture,
        &[],
        expect![[r#"
        src/generic.rs
        src/lib.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["sse2"],
        expect![[r#"
        src/generic.rs
        src/lib.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["sse2", "x86_64", "neon"],
        expect![[r#"
        src/lib.rs
        src/sse2.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["neon"],
        expect![[r#"
        src/lib.rs
        src/neon.rs
    "#]],
    );
}

#[test]
fn attributes_condition_the_includes_of_their_item() {
    let fixture = r#"
//- /src/lib.rs
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
mod z;
//- /src/z.rs
#![cfg(feature = "z")]
mod m;
//- /src/z/m.rs
//- /v.natvis
//- /src/a.txt
//- /src/b.md
//- /README.md
//- /src/c.txt
"#;
    check_with_features(
        fixture,
        &[],
        expect![[r#"
        src/c.txt
        src/lib.rs
        src/z.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["viz", "a", "b", "z"],
        expect![[r#"
        src/a.txt
        src/b.md
        src/c.txt
        src/lib.rs
        src/z.rs
        src/z/m.rs
        v.natvis
    "#]],
    );
}

#[test]
fn macro_bodies_are_read_where_the_macro_is_invoked() {
    let fixture = r#"
//- /src/lib.rs
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
prelude!();
cfg_a! { mod wrapped; }
crate::cfg_a! { mod qualified; }
other! { mod passed; }
//- /src/types.rs
//- /src/x.rs
//- /src/wrapped.rs
//- /src/qualified.rs
//- /src/passed.rs
"#;
    check_with_features(
        fixture,
        &[],
        expect![[r#"
        src/lib.rs
        src/passed.rs
        src/qualified.rs
        src/types.rs
        src/x.rs
    "#]],
    );
    check_with_features(
        fixture,
        &["a"],
        expect![[r#"
        src/lib.rs
        src/passed.rs
        src/qualified.rs
        src/types.rs
        src/wrapped.rs
        src/x.rs
    "#]],
    );
}

#[test]
fn a_module_named_by_a_macro_fragment_widens_its_own_modules() {
    check(
        r#"
//- /src/lib.rs
macro_rules! named { ($m:ident) => { mod $m { mod leaf; } } }
named!(generated);
//- /src/generated/leaf.rs
//- /src/m/leaf.rs
//- /data.txt
"#,
        expect![[r#"
            src/generated/leaf.rs
            src/lib.rs
            src/m/leaf.rs
            unresolved: src/lib.rs:1: module `leaf` declared in a module named by a macro fragment; its directory is unknown; widened to all Rust files below src/
        "#]],
    );
}
