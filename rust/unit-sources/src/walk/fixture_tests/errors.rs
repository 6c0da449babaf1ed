//! When a unit carries an `error`: only where rustc surely reads the file it cannot have (the
//! root file; a module or include every `cfg` on whose way holds, reached through no macro).
//! Anything less certain is unresolved, and the unit has no error. Each case is the shape of
//! a published crate that builds (ruzstd, objc2) or a variation of it.

use super::{check, check_unit};
use crate::walk::standalone::Standalone;
use crate::UnitKind;
use expect_test::expect;

/// `lib-test` compiled with `--test` (`harness`) or, for `harness = false`, `--cfg test`.
fn lib_test(harness: bool) -> Standalone<'static> {
    Standalone {
        kind: UnitKind::LibTest,
        harness,
        ..Standalone::lib(&[])
    }
}

/// ruzstd 0.7.3: `mod tests;` without a `cfg`, and a `#[test]` function including a file the
/// package does not ship. rustc drops `#[test]` items before expanding them unless `--test`.
const TEST_ITEMS: &str = r#"
//- /src/lib.rs
mod tests;
//- /src/tests/mod.rs
#[test]
fn incremental_read() {
    let _ = include_bytes!("../../corpus/abc.zst");
}
#[bench]
fn bench_read(b: &mut Bencher) {
    let _ = include_bytes!("../../corpus/bench.zst");
}
#[core::prelude::v1::test]
fn by_path() -> Result<(), Box<dyn std::error::Error>> {
    let _ = include_str!("../../corpus/by_path.txt");
    Ok(())
}
#[cfg_attr(not(feature = "async"), test)]
fn conditional() {
    let _ = include_bytes!("../../corpus/conditional.bin");
}
#[cfg(test)]
impl<A, B> Holder<A, B> {
    const DATA: &[u8] = include_bytes!("../../corpus/impl.bin");
}
const SHIPPED: &str = include_str!("shipped.txt");
//- /src/tests/shipped.txt
"#;

#[test]
fn test_items_are_not_walked_without_test() {
    check(
        TEST_ITEMS,
        expect![[r#"
            src/lib.rs
            src/tests/mod.rs
            src/tests/shipped.txt
        "#]],
    );
    // `harness = false`: cargo passes `--cfg test` without `--test`; `#[test]` items are
    // still dropped, `#[cfg(test)]` ones compiled.
    check_unit(
        TEST_ITEMS,
        &lib_test(false),
        expect![[r#"
            corpus/impl.bin
            src/lib.rs
            src/tests/mod.rs
            src/tests/shipped.txt
            error: $ROOT/src/tests/mod.rs:20: included file $ROOT/src/tests/../../corpus/impl.bin does not exist
        "#]],
    );
}

#[test]
fn test_items_are_walked_with_test_and_must_then_be_whole() {
    check_unit(
        TEST_ITEMS,
        &lib_test(true),
        expect![[r#"
            corpus/abc.zst
            corpus/bench.zst
            corpus/by_path.txt
            corpus/conditional.bin
            corpus/impl.bin
            src/lib.rs
            src/tests/mod.rs
            src/tests/shipped.txt
            error: $ROOT/src/tests/mod.rs:3: included file $ROOT/src/tests/../../corpus/abc.zst does not exist
        "#]],
    );
}

#[test]
fn attribute_macros_keep_their_items_walked_but_never_surely() {
    // `#[tokio::test]` is a proc-macro attribute, not the built-in one; so is a `#[test]`
    // imported under that name. What they keep is listed; what is missing is unresolved.
    check(
        r#"
//- /src/lib.rs
use tokio::test;
#[test]
async fn imported() {
    let _ = include_str!("imported.txt");
}
#[tokio::test]
async fn qualified() {
    let _ = include_str!("qualified.txt");
    let _ = include_str!("absent.txt");
}
#[my_attr]
mod rewritten;
#[rustfmt::skip]
#[derive(Debug)]
#[allow(dead_code)]
struct Inert([u8; include_bytes!("inert.bin").len()]);
//- /src/imported.txt
//- /src/qualified.txt
//- /src/inert.bin
"#,
        expect![[r#"
            src/imported.txt
            src/inert.bin
            src/lib.rs
            src/qualified.txt
            unresolved: src/lib.rs:9: included file src/absent.txt does not exist
            unresolved: src/lib.rs:12: module `rewritten`: neither rewritten.rs nor rewritten/mod.rs exists
        "#]],
    );
}

#[test]
fn modules_in_macro_bodies_and_inputs_are_not_sure_declarations() {
    // objc2: `mod test_linkable_unwind;` is a token of `generate_linking_tests!`'s input,
    // written in another macro's body; the inner macro turns it into an inline module.
    check(
        r#"
//- /src/lib.rs
mod ffi;
//- /src/ffi/mod.rs
macro_rules! generate_linking_tests {
    { extern $abi:literal { $($body:tt)* } mod $test_name:ident; } => {
        extern $abi { $($body)* }
        #[cfg(test)]
        mod $test_name {}
    };
}
macro_rules! extern_c_unwind {
    { $($body:tt)* } => {
        generate_linking_tests! {
            extern "C-unwind" { $($body)* }
            mod test_linkable_unwind;
        }
    };
}
mod class;
some_crate::declare! {
    mod from_input;
}
//- /src/ffi/class.rs
extern_c_unwind! {
    pub fn objc_getClass(name: *const u8) -> *const u8;
}
"#,
        expect![[r#"
            src/ffi/class.rs
            src/ffi/mod.rs
            src/lib.rs
            unresolved: src/ffi/mod.rs:2: module declared with a macro fragment (`mod $…`); widened to all Rust files below src/ffi/class/
            unresolved: src/ffi/mod.rs:12: module `test_linkable_unwind`: neither test_linkable_unwind.rs nor test_linkable_unwind/mod.rs exists
            unresolved: src/ffi/mod.rs:18: module `from_input`: neither from_input.rs nor from_input/mod.rs exists
        "#]],
    );
}

#[test]
fn below_a_cfg_that_may_not_hold_nothing_is_sure() {
    // `my_cfg` is unknown: a.rs may never be read, so neither what it declares nor its own
    // syntax error breaks the unit; b.rs is read for sure, its missing module does.
    check(
        r#"
//- /src/lib.rs
#[cfg(my_cfg)]
mod a;
#[cfg(my_cfg)]
mod broken;
mod b;
//- /src/a.rs
mod absent;
const DATA: &str = include_str!("absent.txt");
//- /src/broken.rs
fn unclosed( {
//- /src/b.rs
mod missing;
"#,
        expect![[r#"
            src/a.rs
            src/b.rs
            src/b/missing.rs
            src/b/missing/mod.rs
            src/broken.rs
            src/lib.rs
            unresolved: src/a.rs:1: module `absent`: neither absent.rs nor absent/mod.rs exists
            unresolved: src/a.rs:2: included file src/absent.txt does not exist
            unresolved: src/broken.rs:1: unclosed delimiter (rustc may not read it); widened to all Rust files below src/broken/
            error: $ROOT/src/b.rs:1: module `missing`: neither missing.rs nor missing/mod.rs exists
        "#]],
    );
}
