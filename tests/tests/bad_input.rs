//! Bad input through both front ends. What concerns the workspace (no manifest, a malformed
//! one, cargo failing): the CLI prints one line `error: <file>:<line>: …` and exits 2; the
//! plugin ends the evaluation with the same message as a Nix error (exit 1, never a signal).
//! What concerns the units reading a file (missing, unreadable, malformed, leaving the root):
//! every unit still appears, the broken ones carrying that line as their `error`; the CLI warns
//! once per broken unit (`--strict`: errors, exit 2), the plugin's model equals the CLI's, a
//! broken unit's `files` raising its error when forced.
//! Inputs that are odd but legal (NUL bytes, duplicate modules, huge trees) scan.

use rust_unit_sources_tests::{
    broken_files_tried, cli, nix_error, nix_eval, nix_json, nix_string, plugin_model_tried,
    temp_tree,
};
use std::path::Path;
use std::process::Command;

const MANIFEST: &[u8] = b"[package]\nname = \"bad\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";

/// The CLI's error line for `dir` (exit 2, nothing on stdout), checked to be the plugin's too.
fn error_of(dir: &Path) -> String {
    let output = cli(&["scan", "--manifest-path", dir.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let message = stderr
        .trim_end()
        .strip_prefix("error: ")
        .expect("an error line")
        .to_string();
    let evaluated = nix_eval(
        &format!("builtins.rustUnitSources (/. + {})", nix_string(dir)),
        true,
        &[],
    );
    assert_eq!(
        nix_error(&evaluated),
        format!("error: rustUnitSources: {message}")
    );
    message
}

/// The error line of the broken units of `dir`, which must be the lib and its test harness
/// (`bad/lib/bad`, `bad/lib-test/bad`): the CLI prints the model (exit 0) with one warning
/// per broken unit, and with `--strict` the same lines as errors (exit 2); the plugin's model
/// deep-equals the CLI's, but forcing a broken unit's `files` raises
/// `rustUnitSources: <unit id>: <error>`.
fn unit_error_of(dir: &Path) -> String {
    let manifest = dir.to_str().unwrap();
    let output = cli(&["scan", "--manifest-path", manifest]);
    assert_eq!(output.status.code(), Some(0));
    let model: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let message = model["units"]["bad/lib/bad"]["error"]
        .as_str()
        .expect("the lib carries an error")
        .to_string();
    assert_eq!(
        model["units"]["bad/lib-test/bad"]["error"].as_str(),
        Some(&*message)
    );
    let lines = |level: &str| {
        format!("{level}: bad/lib-test/bad: {message}\n{level}: bad/lib/bad: {message}\n")
    };
    assert_eq!(String::from_utf8(output.stderr).unwrap(), lines("warning"));
    let strict = cli(&["scan", "--manifest-path", manifest, "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    assert_eq!(strict.stdout, output.stdout);
    assert_eq!(String::from_utf8(strict.stderr).unwrap(), lines("error"));
    let arg = format!("/. + {}", nix_string(dir));
    assert_eq!(plugin_model_tried(&arg), broken_files_tried(model));
    for unit in ["bad/lib/bad", "bad/lib-test/bad"] {
        let forced = nix_eval(
            &format!("(builtins.rustUnitSources ({arg})).units.\"{unit}\".files"),
            true,
            &[],
        );
        assert_eq!(
            nix_error(&forced),
            format!("error: rustUnitSources: {unit}: {message}")
        );
    }
    message
}

/// The files of the lib unit, by the CLI and, deep-equal, by the plugin.
fn lib_files(dir: &Path) -> serde_json::Value {
    let output = cli(&["scan", "--manifest-path", dir.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let model: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let evaluated = nix_json(&nix_eval(
        &format!("builtins.rustUnitSources (/. + {})", nix_string(dir)),
        true,
        &[],
    ));
    assert_eq!(evaluated, model);
    model["units"]["bad/lib/bad"]["files"].clone()
}

fn at(dir: &Path, file_line: &str) -> String {
    dir.join(file_line).display().to_string()
}

#[test]
fn missing_workspaces_and_unknown_features() {
    assert_eq!(
        error_of(Path::new("/nonexistent/workspace")),
        "/nonexistent/workspace: does not exist"
    );
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        error_of(empty.path()),
        format!(
            "{}: no Cargo.toml in this directory",
            empty.path().display()
        )
    );
    let dir = temp_tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", b"")]);
    let cli = cli(&[
        "scan",
        "--manifest-path",
        dir.path().to_str().unwrap(),
        "--features",
        "nope",
    ]);
    assert_eq!(cli.status.code(), Some(2));
    let expected = "--features: no workspace member has feature `nope`";
    assert_eq!(
        String::from_utf8(cli.stderr).unwrap(),
        format!("error: {expected}\n")
    );
    let call = format!(
        "builtins.rustUnitSources {{ src = /. + {}; features = [ \"nope\" ]; }}",
        nix_string(dir.path())
    );
    assert_eq!(
        nix_error(&nix_eval(&call, true, &[])),
        format!("error: rustUnitSources: {expected}")
    );
}

#[test]
fn malformed_manifests() {
    let not_utf8 = temp_tree(&[("Cargo.toml", b"[package]\nname = \"x\xff\"\n")]);
    assert_eq!(
        error_of(not_utf8.path()),
        format!(
            "{}: cargo metadata failed: path at `{}` was not valid utf-8",
            at(not_utf8.path(), "Cargo.toml"),
            at(not_utf8.path(), "Cargo.toml")
        )
    );
    let unclosed = temp_tree(&[("Cargo.toml", b"[package\nname = 1\n")]);
    assert_eq!(
        error_of(unclosed.path()),
        format!(
            "{}: unclosed table, expected `]`",
            at(unclosed.path(), "Cargo.toml:1")
        )
    );
    let mistyped = temp_tree(&[("Cargo.toml", b"[package]\nname = 1\n")]);
    assert_eq!(
        error_of(mistyped.path()),
        format!(
            "{}: invalid type: integer `1`, expected a string",
            at(mistyped.path(), "Cargo.toml:2")
        )
    );
    let no_name = temp_tree(&[("Cargo.toml", b"[package]\nversion = \"0.1.0\"\n")]);
    let manifest = at(no_name.path(), "Cargo.toml");
    assert_eq!(
        error_of(no_name.path()),
        format!("{manifest}: cargo metadata failed: failed to parse manifest at `{manifest}`: missing field `package.name`")
    );
}

#[test]
fn cargo_missing_from_path() {
    let dir = temp_tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", b"")]);
    // PATH names only an empty directory: /usr/bin may hold a cargo (Debian's, in a root).
    let empty = temp_tree(&[]);
    let path = empty.path().to_str().expect("UTF-8 path");
    let manifest = at(dir.path(), "Cargo.toml");
    let cli = Command::new(
        rust_unit_sources_tests::repo_root().join("target/release/cargo-unit-sources"),
    )
    .args(["scan", "--manifest-path", dir.path().to_str().unwrap()])
    .env("PATH", path)
    .env_remove("CARGO")
    .output()
    .unwrap();
    assert_eq!(cli.status.code(), Some(2));
    let expected = format!(
        "cannot run `cargo metadata` for {manifest}: No such file or directory (os error 2)"
    );
    assert_eq!(
        String::from_utf8(cli.stderr).unwrap(),
        format!("error: {expected}\n")
    );
    let nix = Command::new(rust_unit_sources_tests::nix_instantiate())
        .args(["--eval", "--strict", "--json", "--option", "plugin-files"])
        .arg(rust_unit_sources_tests::plugin())
        .arg("-E")
        .arg(format!(
            "builtins.rustUnitSources (/. + {})",
            nix_string(dir.path())
        ))
        .env("PATH", path)
        .env_remove("CARGO")
        .env("NIX_CONFIG", rust_unit_sources_tests::NIX_CONFIG)
        .output()
        .unwrap();
    assert_eq!(
        nix_error(&nix),
        format!("error: rustUnitSources: {expected}")
    );
}

#[test]
fn malformed_sources_name_file_and_line() {
    let cases: [(&[u8], &str); 5] = [
        (
            b"mod a;\n// \xff\n",
            "src/lib.rs:2: source file is not valid UTF-8",
        ),
        (
            b"fn f() {}\n/* never closed\n",
            "src/lib.rs:2: unterminated block comment",
        ),
        (
            b"\n\nconst S: &str = \"never closed;\n",
            "src/lib.rs:3: unterminated literal",
        ),
        (
            b"fn f() {\n    )\n}\n",
            "src/lib.rs:2: unexpected closing `)` (delimiter opened at line 1)",
        ),
        (b"\nmod a {\n", "src/lib.rs:2: unclosed delimiter"),
    ];
    for (source, expected) in cases {
        let dir = temp_tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", source)]);
        assert_eq!(unit_error_of(dir.path()), at(dir.path(), expected));
    }
    let deep = format!("fn f() {}{}", "{".repeat(10_000), "}".repeat(10_000));
    let dir = temp_tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", deep.as_bytes())]);
    assert_eq!(
        unit_error_of(dir.path()),
        at(
            dir.path(),
            "src/lib.rs:1: delimiters nested more than 1000 levels deep"
        )
    );
}

#[test]
fn paths_leaving_the_root_or_naming_directories() {
    let outside = temp_tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"#[path = \"../../x.rs\"]\nmod x;\n"),
    ]);
    let root = outside.path();
    assert_eq!(
        unit_error_of(root),
        format!(
            "{}: {} is outside the workspace root {}",
            at(root, "src/lib.rs:2"),
            root.parent().unwrap().join("x.rs").display(),
            root.display()
        )
    );
    let absolute = temp_tree(&[
        ("Cargo.toml", MANIFEST),
        (
            "src/lib.rs",
            b"\nconst P: &str = include_str!(\"/etc/hostname\");\n",
        ),
    ]);
    let root = absolute.path();
    assert_eq!(
        unit_error_of(root),
        format!(
            "{}: /etc/hostname is outside the workspace root {}",
            at(root, "src/lib.rs:2"),
            root.display()
        )
    );
    let directory = temp_tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"#[path = \"d\"]\nmod x;\n"),
        ("src/d/f.rs", b""),
    ]);
    let root = directory.path();
    assert_eq!(
        unit_error_of(root),
        format!(
            "{}: module `x`: {} is a directory",
            at(root, "src/lib.rs:2"),
            at(root, "src/d")
        )
    );
    let include_dir = temp_tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"const D: &str = include_str!(\"d\");\n"),
        ("src/d/f", b""),
    ]);
    let root = include_dir.path();
    assert_eq!(
        unit_error_of(root),
        format!(
            "{}: include of a directory: {}",
            at(root, "src/lib.rs:1"),
            at(root, "src/d")
        )
    );
}

#[test]
fn include_cycles_end_with_an_error() {
    let dir = temp_tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"include!(\"a.rs\");\n"),
        ("src/a.rs", b"\ninclude!(\"b.rs\");\n"),
        ("src/b.rs", b"include!(\"a.rs\");\n"),
    ]);
    let message = unit_error_of(dir.path());
    assert!(
        message.ends_with(": include! nested more than 128 deep (a cycle?)"),
        "{message}"
    );
    assert!(
        message.starts_with(&at(dir.path(), "src/a.rs:2"))
            || message.starts_with(&at(dir.path(), "src/b.rs:1")),
        "{message}"
    );
}

#[test]
fn symlink_loops() {
    let dir = temp_tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", b"mod a;\n")]);
    std::os::unix::fs::symlink("a.rs", dir.path().join("src/a.rs")).unwrap();
    assert_eq!(
        unit_error_of(dir.path()),
        format!(
            "{}: module `a`: {}: Too many levels of symbolic links (os error 40)",
            at(dir.path(), "src/lib.rs:1"),
            at(dir.path(), "src/a.rs")
        )
    );
    let dangling = temp_tree(&[
        ("Cargo.toml", MANIFEST),
        (
            "src/lib.rs",
            b"\nconst T: &str = include_str!(\"t.txt\");\n",
        ),
    ]);
    std::os::unix::fs::symlink("nowhere.txt", dangling.path().join("src/t.txt")).unwrap();
    assert_eq!(
        unit_error_of(dangling.path()),
        format!(
            "{}: include: {}: No such file or directory (os error 2)",
            at(dangling.path(), "src/lib.rs:2"),
            at(dangling.path(), "src/t.txt")
        )
    );

    let widened = temp_tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"mod m;\n"),
        (
            "src/m/mod.rs",
            b"macro_rules! d { ($n:ident) => { mod $n; } }\nd!(x);\n",
        ),
        ("src/m/x.rs", b""),
    ]);
    std::os::unix::fs::symlink("..", widened.path().join("src/m/up")).unwrap();
    assert_eq!(
        lib_files(widened.path()),
        serde_json::json!(["src/lib.rs", "src/m/mod.rs", "src/m/x.rs"])
    );
}

#[test]
fn odd_but_legal_sources_scan() {
    let dir = temp_tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"const N: &str = \"\0\";\nmod a;\nmod a;\n"),
        ("src/a.rs", b"// \0 in a comment\n"),
    ]);
    assert_eq!(
        lib_files(dir.path()),
        serde_json::json!(["src/a.rs", "src/lib.rs"])
    );
}

#[test]
fn a_hundred_thousand_files() {
    let dir = temp_tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", b"mod m;\n"),
        (
            "src/m/mod.rs",
            b"macro_rules! d { ($n:ident) => { mod $n; } }\nd!(x);\n",
        ),
    ]);
    for i in 0..100_000 {
        let sub = dir.path().join(format!("src/m/d{}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        std::fs::write(sub.join(format!("f{i}.rs")), b"").unwrap();
    }
    let files = lib_files(dir.path());
    assert_eq!(files.as_array().unwrap().len(), 100_002);
}

#[test]
fn a_hundred_megabyte_source() {
    let line = "const A: u8 = 1; // padding to make the file large\n";
    let source = line.repeat(100 * 1024 * 1024 / line.len());
    let dir = temp_tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", source.as_bytes())]);
    let output = cli(&["scan", "--manifest-path", dir.path().to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let model: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        model["units"]["bad/lib/bad"]["files"],
        serde_json::json!(["src/lib.rs"])
    );
}

#[test]
fn a_missing_target_file_breaks_only_its_unit() {
    let manifest = [
        MANIFEST,
        b"\n[[example]]\nname = \"x\"\npath = \"examples/x.rs\"\n",
    ]
    .concat();
    let dir = temp_tree(&[
        ("Cargo.toml", &manifest),
        ("src/lib.rs", b"pub fn f() {}\n"),
    ]);
    let output = cli(&["scan", "--manifest-path", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let message = format!(
        "{}: example `x`: {} does not exist",
        at(dir.path(), "Cargo.toml:6"),
        at(dir.path(), "examples/x.rs")
    );
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        format!("warning: bad/example/x: {message}\n")
    );
    let model: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(model["units"]["bad/example/x"]["error"], message.as_str());
    assert_eq!(model["units"]["bad/lib/bad"].get("error"), None);
    assert_eq!(
        model["units"]["bad/lib/bad"]["files"],
        serde_json::json!(["src/lib.rs"])
    );
    let evaluated = nix_json(&nix_eval(
        &format!(
            "(builtins.rustUnitSources (/. + {})).units.\"bad/lib/bad\"",
            nix_string(dir.path())
        ),
        true,
        &[],
    ));
    assert_eq!(evaluated, model["units"]["bad/lib/bad"]);
}

#[test]
fn an_include_named_by_a_computed_build_script_variable_is_unknown() {
    let manifest = [MANIFEST, b"build = \"build.rs\"\n"].concat();
    let dir = temp_tree(&[
        ("Cargo.toml", &manifest),
        (
            "build.rs",
            b"fn main() { println!(\"cargo:rustc-env=GEN={}/gen.rs\", std::env::var(\"OUT_DIR\").unwrap()); }\n",
        ),
        ("src/lib.rs", b"include!(env!(\"GEN\"));\n"),
    ]);
    let output = cli(&[
        "scan",
        "--manifest-path",
        dir.path().to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(output.status.code(), Some(0), "a successful scan");
    let model: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let lib = &model["units"]["bad/lib/bad"];
    assert_eq!(lib["outDirIncludes"], serde_json::Value::Null);
    assert_eq!(lib["files"], serde_json::json!(["src/lib.rs"]));
    let evaluated = nix_json(&nix_eval(
        &format!("builtins.rustUnitSources (/. + {})", nix_string(dir.path())),
        true,
        &[],
    ));
    assert_eq!(evaluated, model);
}
