//! Lexing follows the unit's edition: each fixture lexes differently in the editions around
//! the change it shows (`tests/fixtures/editions` holds the same files, checked against
//! `rustc --emit=dep-info` in each edition by the differential test).

use super::check_unit;
use crate::walk::standalone::Standalone;
use expect_test::{expect, Expect};

/// Walks `fixture` as the library in each of `editions` and compares with its expectation.
fn check_editions(fixture: &str, editions: Vec<(&str, Expect)>) {
    for (edition, expected) in editions {
        let how = Standalone {
            edition,
            ..Standalone::lib(&[])
        };
        check_unit(fixture, &how, expected);
    }
}

#[test]
fn guarded_strings_are_reserved_in_2024_only() {
    // security-framework-sys 2.15 (edition 2021): `#"OSX_10_13" Name => …` in a macro's
    // input is `#` and a string before 2024.
    check_editions(
        r#"
//- /src/lib.rs
macro_rules! skip { ($($t:tt)*) => {} }
skip! {
    #"OSX_10_13" Cofactor => kSecCofactor,
    #"OSX_10_13" Standard => kSecStandard,
}
const DATA: &str = include_str!("data.txt");
//- /src/data.txt
"#,
        vec![
            (
                "2021",
                expect![[r#"
                    src/data.txt
                    src/lib.rs
                "#]],
            ),
            (
                "2024",
                expect![[r##"
                    src/lib.rs
                    error: $ROOT/src/lib.rs:3: reserved guarded string literal `#"…"#` (edition 2024)
                "##]],
            ),
        ],
    );
}

#[test]
fn c_strings_are_literals_from_2021() {
    // Before 2021, `cr` is an identifier and `#"a " b "#` is `#`, a string, `b`, then a string
    // that runs on (here, unterminated).
    check_editions(
        r##"
//- /src/lib.rs
macro_rules! skip { ($($t:tt)*) => {} }
skip! { c"plain" cr#"a " b "# }
const DATA: &str = include_str!("data.txt");
//- /src/data.txt
"##,
        vec![
            (
                "2018",
                expect![[r#"
                    src/lib.rs
                    error: $ROOT/src/lib.rs:3: unterminated literal
                "#]],
            ),
            (
                "2021",
                expect![[r#"
                    src/data.txt
                    src/lib.rs
                "#]],
            ),
        ],
    );
}

#[test]
fn prefixes_are_reserved_from_2021() {
    // Before 2021, `foo"bar"` is `foo` and a string, `k#mod` is `k`, `#` and `mod`.
    check_editions(
        r#"
//- /src/lib.rs
macro_rules! skip { ($($t:tt)*) => {} }
skip! { foo"bar" k#mod declared; }
const DATA: &str = include_str!("data.txt");
//- /src/data.txt
"#,
        vec![
            (
                "2015",
                expect![[r#"
                    src/data.txt
                    src/lib.rs
                    unresolved: src/lib.rs:2: module `declared`: neither declared.rs nor declared/mod.rs exists
                "#]],
            ),
            (
                "2021",
                expect![[r#"
                    src/lib.rs
                    error: $ROOT/src/lib.rs:2: prefix `foo` is unknown (reserved since edition 2021)
                "#]],
            ),
        ],
    );
}

#[test]
fn raw_lifetimes_are_one_token_from_2021() {
    // Before 2021, `'r#mod` is the lifetime `'r`, `#` and `mod`: the tokens of a `mod` item.
    check_editions(
        r#"
//- /src/lib.rs
macro_rules! skip { ($($t:tt)*) => {} }
skip! { 'r#mod declared; }
//- /src/declared.rs
"#,
        vec![
            (
                "2018",
                expect![[r#"
                    src/declared.rs
                    src/lib.rs
                "#]],
            ),
            (
                "2021",
                expect![[r#"
                    src/lib.rs
                "#]],
            ),
        ],
    );
}
