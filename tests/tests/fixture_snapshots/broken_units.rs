//! Units that cannot be built carry their error, and only they: broken targets, syntax an
//! edition reserves, and shapes of published crates that cargo builds (issue 26).

use super::check;
use expect_test::expect;

#[test]
fn broken_targets_carry_their_errors_and_leave_the_others_alone() {
    check(
        "broken-targets",
        &[],
        expect![[r#"
        broken-targets/bin-test/broken-targets
          src/main.rs
        broken-targets/bin-test/stale
          src/bin/renamed.rs
          error: $ROOT/Cargo.toml:11: bin `stale`: $ROOT/src/bin/renamed.rs does not exist
        broken-targets/bin/broken-targets
          src/main.rs
        broken-targets/bin/stale
          src/bin/renamed.rs
          error: $ROOT/Cargo.toml:11: bin `stale`: $ROOT/src/bin/renamed.rs does not exist
        broken-targets/example/excluded
          examples/excluded.rs
          error: $ROOT/Cargo.toml:15: example `excluded`: $ROOT/examples/excluded.rs does not exist
        broken-targets/lib-test/broken_targets
          src/greet.rs
          src/lib.rs
        broken-targets/lib/broken_targets
          src/greet.rs
          src/lib.rs
        broken-targets/test/needs-common
          tests/common.rs
          tests/common/mod.rs
          tests/needs_common.rs
          error: $ROOT/tests/needs_common.rs:2: module `common`: neither common.rs nor common/mod.rs exists
    "#]],
    );
}

#[test]
fn each_edition_lexes_the_shared_files_as_rustc_does() {
    // The same four files in three editions: each breaks the units of the editions that
    // reserve its syntax, and `'r#mod` or `k#mod` show tokens of a `mod` item before 2021.
    check(
        "editions",
        &[],
        expect![[r##"
        e2018/example/guarded
          shared/data/guarded.txt
          shared/guarded.rs
        e2018/example/prefixes
          shared/data/prefixes.txt
          shared/prefixes.rs
          unresolved: shared/prefixes.rs:6: module `declared`: neither declared.rs nor declared/mod.rs exists
        e2018/example/raw_c_string
          shared/raw_c_string.rs
          error: $ROOT/e2018/../shared/raw_c_string.rs:7: unterminated literal
        e2018/example/raw_lifetime
          shared/data/raw_lifetime.txt
          shared/lifetime_declared.rs
          shared/raw_lifetime.rs
        e2018/lib-test/e2018
          e2018/src/lib.rs
        e2018/lib/e2018
          e2018/src/lib.rs
        e2021/example/guarded
          shared/data/guarded.txt
          shared/guarded.rs
        e2021/example/prefixes
          shared/prefixes.rs
          error: $ROOT/e2021/../shared/prefixes.rs:6: prefix `foo` is unknown (reserved since edition 2021)
        e2021/example/raw_c_string
          shared/data/raw_c_string.txt
          shared/raw_c_string.rs
        e2021/example/raw_lifetime
          shared/data/raw_lifetime.txt
          shared/raw_lifetime.rs
        e2021/lib-test/e2021
          e2021/src/lib.rs
        e2021/lib/e2021
          e2021/src/lib.rs
        e2024/example/guarded
          shared/guarded.rs
          error: $ROOT/e2024/../shared/guarded.rs:7: reserved guarded string literal `#"…"#` (edition 2024)
        e2024/example/prefixes
          shared/prefixes.rs
          error: $ROOT/e2024/../shared/prefixes.rs:6: prefix `foo` is unknown (reserved since edition 2021)
        e2024/example/raw_c_string
          shared/data/raw_c_string.txt
          shared/raw_c_string.rs
        e2024/example/raw_lifetime
          shared/data/raw_lifetime.txt
          shared/raw_lifetime.rs
        e2024/lib-test/e2024
          e2024/src/lib.rs
        e2024/lib/e2024
          e2024/src/lib.rs
    "##]],
    );
}

#[test]
fn published_shapes_break_only_what_rustc_cannot_build() {
    // ruzstd: the `#[test]` item's include breaks the test harness, not the library. objc2:
    // `mod test_linkable_unwind;` in a macro's input is unresolved. security-framework-sys:
    // `#"OSX_10_13"` lexes in edition 2021.
    check(
        "published-shapes",
        &[],
        expect![[r#"
        macro-bodies/lib-test/macro_bodies
          macro-bodies/src/ffi/class.rs
          macro-bodies/src/ffi/mod.rs
          macro-bodies/src/lib.rs
          unresolved: macro-bodies/src/ffi/mod.rs:9: module declared with a macro fragment (`mod $…`); widened to all Rust files below macro-bodies/src/ffi/class/
          unresolved: macro-bodies/src/ffi/mod.rs:41: module `test_linkable_unwind`: neither test_linkable_unwind.rs nor test_linkable_unwind/mod.rs exists
        macro-bodies/lib/macro_bodies
          macro-bodies/src/ffi/class.rs
          macro-bodies/src/ffi/mod.rs
          macro-bodies/src/lib.rs
          unresolved: macro-bodies/src/ffi/mod.rs:9: module declared with a macro fragment (`mod $…`); widened to all Rust files below macro-bodies/src/ffi/class/
          unresolved: macro-bodies/src/ffi/mod.rs:41: module `test_linkable_unwind`: neither test_linkable_unwind.rs nor test_linkable_unwind/mod.rs exists
        pound-strings/lib-test/pound_strings
          pound-strings/src/lib.rs
          pound-strings/src/notes.txt
        pound-strings/lib/pound_strings
          pound-strings/src/lib.rs
          pound-strings/src/notes.txt
        test-items/lib-test/test_items
          test-items/decodecorpus_files/abc.txt.zst
          test-items/src/frame.rs
          test-items/src/lib.rs
          test-items/src/tests/mod.rs
          test-items/src/tests/shipped.txt
          error: $ROOT/test-items/src/tests/mod.rs:6: included file $ROOT/test-items/src/tests/../../decodecorpus_files/abc.txt.zst does not exist
        test-items/lib/test_items
          test-items/src/frame.rs
          test-items/src/lib.rs
          test-items/src/tests/mod.rs
    "#]],
    );
}
