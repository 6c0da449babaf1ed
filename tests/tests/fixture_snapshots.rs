//! Every unit's files of the fixture workspaces, scanned in process (no cache) and checked
//! against inline snapshots (`UPDATE_EXPECT=1 cargo test -p rust-unit-sources-tests --test
//! fixture_snapshots` rewrites them). Each case is one of
//! [`rust_unit_sources_tests::snapshots::SNAPSHOT_CASES`], which `cli.rs` checks the CLI's
//! JSON against, so these lists are the CLI's too.

use expect_test::{expect, Expect};
use rust_unit_sources_tests::fixture;
use rust_unit_sources_tests::snapshots::{render_units, scan_options, SNAPSHOT_CASES};

/// Scans the workspace `name` with the CLI flags `flags` and compares the rendered units
/// with `expected`.
fn check(name: &str, flags: &[&str], expected: Expect) {
    assert!(
        SNAPSHOT_CASES.contains(&(name, flags)),
        "({name:?}, {flags:?}) is not in SNAPSHOT_CASES, so cli.rs does not check it"
    );
    let model = rust_unit_sources::scan(&scan_options(&fixture(name), flags))
        .unwrap_or_else(|e| panic!("{name} {flags:?}: {e}"));
    expected.assert_eq(&render_units(&model));
}

#[test]
fn nested_members_units_and_files() {
    // No unit of the root package `app` lists a file of the nested members under crates/.
    check(
        "nested-members",
        &[],
        expect![[r#"
        app/bench/speed
          benches/speed.rs
        app/bin-test/app
          src/cli.rs
          src/main.rs
        app/bin/app
          src/cli.rs
          src/main.rs
        app/build-script-run/build-script-build
          build.rs
        app/build-script/build-script-build
          build.rs
        app/example/demo
          examples/demo.rs
        app/lib-test/app
          src/colors.rs
          src/commands/async.rs
          src/commands/build.rs
          src/commands/mod.rs
          src/config.rs
          src/lib.rs
        app/lib/app
          src/colors.rs
          src/commands/async.rs
          src/commands/build.rs
          src/commands/mod.rs
          src/config.rs
          src/lib.rs
        app/test/e2e
          tests/e2e.rs
        derive/lib-test/derive
          crates/derive/src/lib.rs
        derive/proc-macro/derive
          crates/derive/src/lib.rs
        util/lib-test/util
          crates/util/data/greeting.txt
          crates/util/src/lib.rs
          crates/util/src/text.rs
        util/lib/util
          crates/util/data/greeting.txt
          crates/util/src/lib.rs
          crates/util/src/text.rs
    "#]],
    );
}

#[test]
fn no_default_features_drop_the_default_features_modules() {
    // src/colors.rs is behind the default feature `colors`.
    check(
        "nested-members",
        &["--no-default-features"],
        expect![[r#"
        app/bench/speed
          benches/speed.rs
        app/bin-test/app
          src/cli.rs
          src/main.rs
        app/bin/app
          src/cli.rs
          src/main.rs
        app/build-script-run/build-script-build
          build.rs
        app/build-script/build-script-build
          build.rs
        app/example/demo
          examples/demo.rs
        app/lib-test/app
          src/commands/async.rs
          src/commands/build.rs
          src/commands/mod.rs
          src/config.rs
          src/lib.rs
        app/lib/app
          src/commands/async.rs
          src/commands/build.rs
          src/commands/mod.rs
          src/config.rs
          src/lib.rs
        app/test/e2e
          tests/e2e.rs
        derive/lib-test/derive
          crates/derive/src/lib.rs
        derive/proc-macro/derive
          crates/derive/src/lib.rs
        util/lib-test/util
          crates/util/data/greeting.txt
          crates/util/src/lib.rs
          crates/util/src/text.rs
        util/lib/util
          crates/util/data/greeting.txt
          crates/util/src/lib.rs
          crates/util/src/text.rs
    "#]],
    );
}

#[test]
fn features_narrow_cfgs_like_cargo() {
    check(
        "cfg-features",
        &["--no-default-features", "--features", "fast"],
        expect![[r#"
            cfg-features/lib-test/cfg_features
              src/backend/mod.rs
              src/backend/simd.rs
              src/debug.rs
              src/fast_no_std.rs
              src/from_build_script.rs
              src/lib.rs
              src/macros/generated.rs
              src/macros/mod.rs
              src/sys/unix.rs
              src/sys/windows.rs
              src/tests.rs
              unresolved: src/macros/mod.rs:5: module declared with a macro fragment (`mod $…`); widened to all Rust files below src/macros/
            cfg-features/lib/cfg_features
              src/backend/mod.rs
              src/backend/simd.rs
              src/debug.rs
              src/fast_no_std.rs
              src/from_build_script.rs
              src/lib.rs
              src/macros/generated.rs
              src/macros/mod.rs
              src/not_test.rs
              src/sys/unix.rs
              src/sys/windows.rs
              unresolved: src/macros/mod.rs:5: module declared with a macro fragment (`mod $…`); widened to all Rust files below src/macros/
        "#]],
    );
}

#[test]
fn cfg_test_and_target_are_evaluated() {
    check(
        "cfg-features",
        &["--target", "x86_64-unknown-linux-gnu"],
        expect![[r#"
            cfg-features/lib-test/cfg_features
              src/backend/mod.rs
              src/backend/simd.rs
              src/debug.rs
              src/fast_no_std.rs
              src/from_build_script.rs
              src/lib.rs
              src/macros/generated.rs
              src/macros/mod.rs
              src/std_only.rs
              src/sys/unix.rs
              src/tests.rs
              unresolved: src/macros/mod.rs:5: module declared with a macro fragment (`mod $…`); widened to all Rust files below src/macros/
            cfg-features/lib/cfg_features
              src/backend/mod.rs
              src/backend/simd.rs
              src/debug.rs
              src/fast_no_std.rs
              src/from_build_script.rs
              src/lib.rs
              src/macros/generated.rs
              src/macros/mod.rs
              src/not_test.rs
              src/std_only.rs
              src/sys/unix.rs
              unresolved: src/macros/mod.rs:5: module declared with a macro fragment (`mod $…`); widened to all Rust files below src/macros/
        "#]],
    );
}

#[test]
fn path_attributes_resolve_as_rustc_does() {
    check(
        "path-attrs",
        &[],
        expect![[r#"
        path-attrs/lib-test/path_attrs
          src/inline/explicit.rs
          src/inline/leaf.rs
          src/inline_dir/sub.rs
          src/lib.rs
          src/nested.rs
          src/nested/deep.rs
          src/nested/deep/deeper/x.rs
          src/other/renamed.rs
          src/other/sibling.rs
          src/platform.rs
          src/platform/unix.rs
          src/platform/windows.rs
          src/precedence/mod.rs
        path-attrs/lib/path_attrs
          src/inline/explicit.rs
          src/inline/leaf.rs
          src/inline_dir/sub.rs
          src/lib.rs
          src/nested.rs
          src/nested/deep.rs
          src/nested/deep/deeper/x.rs
          src/other/renamed.rs
          src/other/sibling.rs
          src/platform.rs
          src/platform/unix.rs
          src/platform/windows.rs
          src/precedence/mod.rs
    "#]],
    );
}

#[test]
fn path_attributes_under_a_target_cfg_narrow_to_the_target() {
    check(
        "path-attrs",
        &["--target", "x86_64-unknown-linux-gnu"],
        expect![[r#"
            path-attrs/lib-test/path_attrs
              src/inline/explicit.rs
              src/inline/leaf.rs
              src/inline_dir/sub.rs
              src/lib.rs
              src/nested.rs
              src/nested/deep.rs
              src/nested/deep/deeper/x.rs
              src/other/renamed.rs
              src/other/sibling.rs
              src/platform/unix.rs
              src/precedence/mod.rs
            path-attrs/lib/path_attrs
              src/inline/explicit.rs
              src/inline/leaf.rs
              src/inline_dir/sub.rs
              src/lib.rs
              src/nested.rs
              src/nested/deep.rs
              src/nested/deep/deeper/x.rs
              src/other/renamed.rs
              src/other/sibling.rs
              src/platform/unix.rs
              src/precedence/mod.rs
        "#]],
    );
}

#[test]
fn includes_resolve_relative_to_the_including_file() {
    check(
        "includes",
        &[],
        expect![[r#"
        includes/lib-test/includes
          README.md
          assets/logo.svg
          data/bytes.bin
          data/concat.txt
          data/text.txt
          debug/includes.natvis
          debug/printers.py
          src/lib.rs
          src/parts/from_include.rs
          src/parts/generated.rs
          src/parts/nested.txt
          env: CARGO_MANIFEST_DIR
        includes/lib/includes
          README.md
          assets/logo.svg
          data/bytes.bin
          data/concat.txt
          data/text.txt
          debug/includes.natvis
          debug/printers.py
          src/lib.rs
          src/parts/from_include.rs
          src/parts/generated.rs
          src/parts/nested.txt
          env: CARGO_MANIFEST_DIR
    "#]],
    );
}

#[test]
fn includes_through_macros_widen_when_not_literal() {
    check(
        "macro-includes",
        &[],
        expect![[r#"
        macro-includes/lib-test/macro_includes
          Cargo.toml
          data/text.txt
          src/lib.rs
          outDirIncludes: unknown
          unresolved: src/lib.rs:5: include argument `$name` is not a literal path; widened to all files below ./
        macro-includes/lib/macro_includes
          Cargo.toml
          data/text.txt
          src/lib.rs
          outDirIncludes: unknown
          unresolved: src/lib.rs:5: include argument `$name` is not a literal path; widened to all files below ./
    "#]],
    );
}

#[test]
fn build_scripts_and_out_dir_includes() {
    // Custom cfgs unknown: every cfg'd module is kept.
    check(
        "lib-bin-build",
        &[],
        expect![[r#"
        lib-bin-build/bin/tool
          src/bin.rs
        lib-bin-build/build-script-run/build-script-main
          build/codegen.rs
          build/main.rs
        lib-bin-build/build-script/build-script-main
          build/codegen.rs
          build/main.rs
        lib-bin-build/lib-test/libbinbuild
          src/built.rs
          src/docs.rs
          src/lib.rs
          src/version.rs
          env: CARGO_PKG_NAME CARGO_PKG_VERSION LIB_BIN_BUILD_EXTRA OUT_DIR
          outDirIncludes: generated.rs
        lib-bin-build/lib/libbinbuild
          src/built.rs
          src/docs.rs
          src/lib.rs
          src/version.rs
          env: CARGO_PKG_NAME CARGO_PKG_VERSION LIB_BIN_BUILD_EXTRA OUT_DIR
          outDirIncludes: generated.rs
    "#]],
    );
}

#[test]
fn known_cfg_flags_make_unsettable_cfgs_false() {
    // No --cfg: docsrs is false (src/docs.rs goes); the build script may set generated_ok.
    check(
        "lib-bin-build",
        &["--cfg", ""],
        expect![[r#"
        lib-bin-build/bin/tool
          src/bin.rs
        lib-bin-build/build-script-run/build-script-main
          build/codegen.rs
          build/main.rs
        lib-bin-build/build-script/build-script-main
          build/codegen.rs
          build/main.rs
        lib-bin-build/lib-test/libbinbuild
          src/built.rs
          src/lib.rs
          src/version.rs
          env: CARGO_PKG_NAME CARGO_PKG_VERSION LIB_BIN_BUILD_EXTRA OUT_DIR
          outDirIncludes: generated.rs
        lib-bin-build/lib/libbinbuild
          src/built.rs
          src/lib.rs
          src/version.rs
          env: CARGO_PKG_NAME CARGO_PKG_VERSION LIB_BIN_BUILD_EXTRA OUT_DIR
          outDirIncludes: generated.rs
    "#]],
    );
    check(
        "lib-bin-build",
        &["--cfg", "docsrs"],
        expect![[r#"
        lib-bin-build/bin/tool
          src/bin.rs
        lib-bin-build/build-script-run/build-script-main
          build/codegen.rs
          build/main.rs
        lib-bin-build/build-script/build-script-main
          build/codegen.rs
          build/main.rs
        lib-bin-build/lib-test/libbinbuild
          src/built.rs
          src/docs.rs
          src/lib.rs
          src/version.rs
          env: CARGO_PKG_NAME CARGO_PKG_VERSION LIB_BIN_BUILD_EXTRA OUT_DIR
          outDirIncludes: generated.rs
        lib-bin-build/lib/libbinbuild
          src/built.rs
          src/docs.rs
          src/lib.rs
          src/version.rs
          env: CARGO_PKG_NAME CARGO_PKG_VERSION LIB_BIN_BUILD_EXTRA OUT_DIR
          outDirIncludes: generated.rs
    "#]],
    );
    // No build script sets my_build_script_cfg (src/from_build_script.rs goes);
    // debug_assertions stays unknown (src/debug.rs stays).
    check(
        "cfg-features",
        &["--cfg", ""],
        expect![[r#"
        cfg-features/lib-test/cfg_features
          src/backend/mod.rs
          src/backend/simd.rs
          src/debug.rs
          src/fast_no_std.rs
          src/lib.rs
          src/macros/generated.rs
          src/macros/mod.rs
          src/std_only.rs
          src/sys/unix.rs
          src/sys/windows.rs
          src/tests.rs
          unresolved: src/macros/mod.rs:5: module declared with a macro fragment (`mod $…`); widened to all Rust files below src/macros/
        cfg-features/lib/cfg_features
          src/backend/mod.rs
          src/backend/simd.rs
          src/debug.rs
          src/fast_no_std.rs
          src/lib.rs
          src/macros/generated.rs
          src/macros/mod.rs
          src/not_test.rs
          src/std_only.rs
          src/sys/unix.rs
          src/sys/windows.rs
          unresolved: src/macros/mod.rs:5: module declared with a macro fragment (`mod $…`); widened to all Rust files below src/macros/
    "#]],
    );
}

#[test]
fn build_script_default_lists_the_whole_package_but_not_the_nested_member() {
    check(
        "build-script-default",
        &[],
        expect![[r#"
        inner/lib-test/inner
          crates/inner/src/lib.rs
        inner/lib/inner
          crates/inner/src/lib.rs
        outer/build-script-run/build-script-build
          Cargo.toml
          assets/logo.txt
          build.rs
          src/lib.rs
        outer/build-script/build-script-build
          build.rs
        outer/lib-test/outer
          src/lib.rs
        outer/lib/outer
          src/lib.rs
    "#]],
    );
}

#[test]
fn includes_named_by_build_script_variables() {
    check(
        "build-script-env",
        &[],
        expect![[r#"
        build-script-env/bin-test/build-script-env
          src/main.rs
        build-script-env/bin/build-script-env
          src/main.rs
        build-script-env/build-script-run/build-script-build
          build.rs
        build-script-env/build-script/build-script-build
          build.rs
        build-script-env/lib-test/build_script_env
          src/data/value.txt
          src/lib.rs
          env: DATA_FILE GENERATED_RS
          outDirIncludes: unknown
          unresolved: src/lib.rs:3: include of `env!("GENERATED_RS")`, a path which the package's build script computes (cargo:rustc-env); widened to every file named `generated.rs` below ./
        build-script-env/lib/build_script_env
          src/data/value.txt
          src/lib.rs
          env: DATA_FILE GENERATED_RS
          outDirIncludes: unknown
          unresolved: src/lib.rs:3: include of `env!("GENERATED_RS")`, a path which the package's build script computes (cargo:rustc-env); widened to every file named `generated.rs` below ./
    "#]],
    );
}

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
