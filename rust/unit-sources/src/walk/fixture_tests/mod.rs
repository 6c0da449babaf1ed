//! Text-fixture tests of the module walk, in process and without cargo: each fixture is a
//! tree written as `//- /path` headers followed by the file's text, walked as the library
//! unit `src/lib.rs` (see [`crate::walk::standalone`]), and the unit's answer is rendered as text
//! and checked against an inline snapshot (`UPDATE_EXPECT=1 cargo test` rewrites them).
//!
//! The rendering lists `files`, then `env`, `outDirIncludes`, `unresolved` (`file:line:
//! reason`) and `error` when they are not empty.

use crate::walk::standalone::{walk_standalone, Standalone};
use expect_test::{expect, Expect};
use std::fmt::Write;

mod editions;
mod errors;
mod syntax;

/// Writes `fixture` into a fresh directory (a bare `Cargo.toml` is added when the fixture has
/// none), walks it with `features` and compares the rendered answer with `expected`.
fn check_with_features(fixture: &str, features: &[&str], expected: Expect) {
    check_unit(fixture, &Standalone::lib(features), expected);
}

/// Writes `fixture` into a fresh directory (a bare `Cargo.toml` is added when the fixture has
/// none), walks it as `how` says and compares the rendered answer with `expected`.
fn check_unit(fixture: &str, how: &Standalone<'_>, expected: Expect) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut files = Vec::new();
    for block in fixture.split("//- /").skip(1) {
        let (path, text) = block.split_once('\n').unwrap_or((block, ""));
        files.push((path.trim().to_string(), text.to_string()));
    }
    assert!(!files.is_empty(), "a fixture names at least one file");
    if !files.iter().any(|(path, _)| path == "Cargo.toml") {
        files.push(("Cargo.toml".into(), String::new()));
    }
    for (path, text) in &files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create");
        std::fs::write(path, text).expect("write");
    }
    let rendered = match walk_standalone(dir.path(), how) {
        Ok(sources) => {
            let mut out = String::new();
            for file in &sources.files {
                writeln!(out, "{file}").unwrap();
            }
            if !sources.env.is_empty() {
                writeln!(out, "env: {}", sources.env.join(" ")).unwrap();
            }
            match &sources.out_dir_includes {
                None => writeln!(out, "outDirIncludes: unknown").unwrap(),
                Some(includes) if !includes.is_empty() => {
                    writeln!(out, "outDirIncludes: {}", includes.join(" ")).unwrap()
                }
                Some(_) => {}
            }
            for unresolved in &sources.unresolved {
                let (file, line, reason) = (&unresolved.file, unresolved.line, &unresolved.reason);
                writeln!(out, "unresolved: {file}:{line}: {reason}").unwrap();
            }
            if let Some(error) = &sources.error {
                let root = dir.path().display().to_string();
                writeln!(out, "error: {}", error.replace(&root, "$ROOT")).unwrap();
            }
            out
        }
        Err(error) => format!("scan error: {error}\n"),
    };
    expected.assert_eq(&rendered);
}

fn check(fixture: &str, expected: Expect) {
    check_with_features(fixture, &[], expected);
}

#[test]
fn file_modules_beside_the_root_and_in_directories() {
    check(
        r#"
//- /src/lib.rs
mod a;
mod b;
//- /src/a.rs
mod inner;
//- /src/a/inner.rs
//- /src/b/mod.rs
pub fn f() {}
//- /src/unused.rs
"#,
        expect![[r#"
            src/a.rs
            src/a/inner.rs
            src/b/mod.rs
            src/lib.rs
        "#]],
    );
}

#[test]
fn path_attributes_on_file_and_inline_modules() {
    check(
        r#"
//- /src/lib.rs
#[path = "other/renamed.rs"]
mod renamed;
mod inline {
    mod leaf;
    #[path = "explicit.rs"]
    mod explicit;
}
#[path = "inline_dir"]
mod with_path {
    mod sub;
}
//- /src/other/renamed.rs
mod sibling;
//- /src/other/sibling.rs
//- /src/inline/leaf.rs
//- /src/inline/explicit.rs
//- /src/inline_dir/sub.rs
"#,
        expect![[r#"
            src/inline/explicit.rs
            src/inline/leaf.rs
            src/inline_dir/sub.rs
            src/lib.rs
            src/other/renamed.rs
            src/other/sibling.rs
        "#]],
    );
}

#[test]
fn include_macros_resolve_relative_to_the_including_file() {
    check(
        r#"
//- /src/lib.rs
mod parts;
const TEXT: &str = include_str!("../data/text.txt");
const BYTES: &[u8] = include_bytes!(concat!("../data/", "bytes.bin"));
include!("parts/generated.rs");
//- /src/parts/mod.rs
const NESTED: &str = include_str!("nested.txt");
//- /src/parts/nested.txt
//- /src/parts/generated.rs
//- /data/text.txt
//- /data/bytes.bin
//- /data/unused.txt
"#,
        expect![[r#"
            data/bytes.bin
            data/text.txt
            src/lib.rs
            src/parts/generated.rs
            src/parts/mod.rs
            src/parts/nested.txt
        "#]],
    );
}

#[test]
fn features_select_cfg_gated_modules() {
    let fixture = r#"
//- /src/lib.rs
#[cfg(feature = "fast")]
mod fast;
#[cfg(not(feature = "fast"))]
mod slow;
//- /src/fast.rs
//- /src/slow.rs
"#;
    check_with_features(
        fixture,
        &[],
        expect![[r#"
            src/lib.rs
            src/slow.rs
        "#]],
    );
    check_with_features(
        fixture,
        &["fast"],
        expect![[r#"
            src/fast.rs
            src/lib.rs
        "#]],
    );
}

#[test]
fn env_reads_and_out_dir_includes_are_recorded() {
    check(
        r#"
//- /src/lib.rs
const NAME: &str = env!("CARGO_PKG_NAME");
const HOME: Option<&str> = option_env!("HOME");
include!(concat!(env!("OUT_DIR"), "/generated.rs"));
"#,
        expect![[r#"
            src/lib.rs
            env: CARGO_PKG_NAME HOME OUT_DIR
            outDirIncludes: generated.rs
        "#]],
    );
}

#[test]
fn a_missing_module_is_the_units_error_naming_file_and_line() {
    check(
        r#"
//- /src/lib.rs
mod present;

mod absent;
//- /src/present.rs
"#,
        expect![[r#"
            src/absent.rs
            src/absent/mod.rs
            src/lib.rs
            src/present.rs
            error: $ROOT/src/lib.rs:3: module `absent`: neither absent.rs nor absent/mod.rs exists
        "#]],
    );
}

#[test]
fn a_missing_root_file_is_the_units_error_naming_its_manifest() {
    check(
        r#"
//- /README.md
"#,
        expect![[r#"
            src/lib.rs
            error: $ROOT/Cargo.toml: lib `fixture`: $ROOT/src/lib.rs does not exist
        "#]],
    );
}

#[test]
fn cfg_if_branches_and_cfg_attr_paths_without_a_target_take_every_candidate() {
    check(
        r#"
//- /src/lib.rs
cfg_if::cfg_if! {
    if #[cfg(unix)] {
        mod unix;
    } else {
        mod other;
    }
}
#[cfg_attr(unix, path = "platform/unix.rs")]
#[cfg_attr(windows, path = "platform/windows.rs")]
mod platform;
//- /src/unix.rs
//- /src/other.rs
//- /src/platform.rs
//- /src/platform/unix.rs
//- /src/platform/windows.rs
"#,
        expect![[r#"
            src/lib.rs
            src/other.rs
            src/platform.rs
            src/platform/unix.rs
            src/platform/windows.rs
            src/unix.rs
        "#]],
    );
}

#[test]
fn an_include_whose_path_is_not_static_widens_to_its_directory_and_says_why() {
    check(
        r#"
//- /src/lib.rs
macro_rules! asset { ($name:literal) => { include_str!(concat!("assets/", $name)) } }
const LOGO: &str = include_str!(some_path!());
//- /src/assets/logo.svg
//- /src/other.txt
"#,
        expect![[r#"
            Cargo.toml
            src/assets/logo.svg
            src/lib.rs
            src/other.txt
            outDirIncludes: unknown
            unresolved: src/lib.rs:1: macro `asset` declares modules or includes but no invocation by that name was found (an alias or a generated name may invoke it); widened to all files below src/
            unresolved: src/lib.rs:2: include argument `some_path!()` is not a literal path; widened to all files below ./
        "#]],
    );
}
