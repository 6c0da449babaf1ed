//! Every unit's files of the fixture workspaces, scanned in process (no cache) and checked
//! against inline snapshots (`UPDATE_EXPECT=1 cargo test -p rust-unit-sources-tests --test
//! fixture_snapshots` rewrites them). Each case is one of
//! [`rust_unit_sources_tests::snapshots::SNAPSHOT_CASES`], which `cli.rs` checks the CLI's
//! JSON against, so these lists are the CLI's too. The fixtures of units that cannot be built
//! (and of those that only look so) are in `broken_units.rs`.

mod broken_units;

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
