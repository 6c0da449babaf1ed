//! The house rules of length, checked from the source text of the whole repository
//! (docs/ARCHITECTURE.md, "Code map"):
//! - every source file of every crate under [`MAX_FILE_LINES`] lines: the workspace's members
//!   (`rust/*`, `tests/`) and the fuzz crate (`fuzz/`, a workspace of its own), their Rust
//!   files and the plugin's C and C++;
//! - every Rust function of them under [`MAX_FN_LINES`] lines;
//! - every Nix file of ours under [`MAX_FILE_LINES`] lines: the Nix library and what builds
//!   on it (`nix/`), `flake.nix`, and the tests' stand-in for nixpkgs (`tests/nix/`);
//!
//! unless a comment right above the function, or in the first lines of the file, says why,
//! with the words "long because". `#[test]` functions and the module walk's text fixtures
//! (`*/fixture_tests/*`) are exempt from the function rule: a test is as long as its story, a
//! fixture as long as its tree. What lies inside a crate's directory but is not its code is
//! not read: the workspaces the root manifest excludes (`tests/fixtures`, `tests/real-world`,
//! `examples`), build output (`target/`) and cargo-fuzz's inputs and findings (`corpus/`,
//! `artifacts/`, `coverage/`). The core's import-cycle rules are its own test:
//! `rust/unit-sources/tests/layout.rs`.

use rust_unit_sources_tests::repo_root;
use std::path::{Path, PathBuf};

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;

/// The extensions of the crates' source files: Rust, and the plugin's C and C++.
const SOURCE_EXTENSIONS: [&str; 5] = ["rs", "c", "h", "cc", "hh"];

/// Directory names never entered below a crate: build output, and cargo-fuzz's data.
const NOT_CODE: [&str; 4] = ["target", "corpus", "artifacts", "coverage"];

/// The root manifest's `[workspace]` table.
fn workspace() -> toml::Table {
    let text = std::fs::read_to_string(repo_root().join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = text.parse().expect("Cargo.toml is TOML");
    manifest["workspace"].as_table().unwrap().clone()
}

/// The paths (relative to the root) of a `[workspace]` array: `members` or `exclude`.
fn workspace_paths(workspace: &toml::Table, key: &str) -> Vec<String> {
    workspace[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|path| path.as_str().unwrap().to_string())
        .collect()
}

/// The crates' directories: the workspace's members and the fuzz crate.
fn crate_dirs() -> Vec<PathBuf> {
    let members = workspace_paths(&workspace(), "members");
    assert!(members.len() >= 7, "{members:?}");
    let mut dirs: Vec<PathBuf> = members.iter().map(|m| repo_root().join(m)).collect();
    dirs.push(repo_root().join("fuzz"));
    dirs
}

/// Every file below `dir` whose extension is one of `extensions`, never entering a hidden
/// directory, one named in [`NOT_CODE`] or one of `skip`.
fn files_below(dir: &Path, extensions: &[&str], skip: &[PathBuf], out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let not_code = name.starts_with('.') || NOT_CODE.contains(&name.as_str());
            if !not_code && !skip.contains(&path) {
                files_below(&path, extensions, skip, out);
            }
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            out.push(path);
        }
    }
}

/// The crates' source files, sorted.
fn crate_sources() -> Vec<PathBuf> {
    let excluded: Vec<PathBuf> = workspace_paths(&workspace(), "exclude")
        .iter()
        .map(|path| repo_root().join(path))
        .collect();
    let mut files = Vec::new();
    for dir in crate_dirs() {
        files_below(&dir, &SOURCE_EXTENSIONS, &excluded, &mut files);
    }
    files.sort();
    files
}

/// Our Nix files, sorted.
fn nix_files() -> Vec<PathBuf> {
    let mut files = vec![repo_root().join("flake.nix")];
    for dir in ["nix", "tests/nix"] {
        files_below(&repo_root().join(dir), &["nix"], &[], &mut files);
    }
    files.sort();
    files
}

/// Whether the comment lines right above line `at` of `lines` say why what follows is long
/// (comments start with `//`, or `#` in Nix; attributes `#[…]` may come between).
fn explained(lines: &[&str], at: usize) -> bool {
    lines[..at]
        .iter()
        .rev()
        .take_while(|line| {
            let line = line.trim_start();
            line.starts_with("//") || line.starts_with('#')
        })
        .any(|line| line.contains("long because"))
}

/// Whether `line` starts a function: `fn`, after a visibility and qualifiers (`const`, `async`,
/// `unsafe`, `extern "C"`).
fn starts_fn(line: &str) -> bool {
    let mut rest = line.trim_start();
    if let Some(after) = rest.strip_prefix("pub") {
        rest = match after.strip_prefix('(') {
            Some(scope) => scope.split_once(')').map_or("", |(_, r)| r),
            None => after,
        }
        .trim_start();
    }
    loop {
        let qualifier = ["const ", "async ", "unsafe ", "extern "]
            .iter()
            .find_map(|q| rest.strip_prefix(q));
        let Some(after) = qualifier else { break };
        rest = after.trim_start();
        if let Some(abi) = rest.strip_prefix('"') {
            rest = abi.split_once('"').map_or("", |(_, r)| r).trim_start();
        }
    }
    rest.starts_with("fn ")
}

/// The functions of a Rust file that are longer than [`MAX_FN_LINES`] with no comment saying
/// why: `(line, length, the line that starts it)`.
fn long_functions(lines: &[&str]) -> Vec<(usize, usize, String)> {
    let mut long = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        if !starts_fn(line) {
            continue;
        }
        // The signature ends at the first line ending in `{` (a body) or `;` (a declaration).
        let Some(open) = lines[at..]
            .iter()
            .position(|l| l.trim_end().ends_with('{') || l.trim_end().ends_with(';'))
            .map(|n| at + n)
        else {
            continue;
        };
        if lines[open].trim_end().ends_with(';') || line.trim_end().ends_with('}') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let end = lines[open..]
            .iter()
            .position(|l| {
                l.len() > indent && l[..indent].trim().is_empty() && l[indent..].starts_with('}')
            })
            .map_or(lines.len(), |n| open + n);
        let attributes = lines[..at]
            .iter()
            .rev()
            .take_while(|l| l.trim_start().starts_with("#["));
        let is_test = attributes.clone().any(|l| l.trim() == "#[test]");
        let length = end - at + 1;
        if length > MAX_FN_LINES && !is_test && !explained(lines, at) {
            long.push((at + 1, length, line.trim_start().to_string()));
        }
    }
    long
}

/// `path` relative to the repository, for messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// `"<file>: <n> lines"` unless the file is short enough or says why in its first lines.
fn long_file(path: &Path, lines: &[&str]) -> Option<String> {
    let too_long = lines.len() > MAX_FILE_LINES && !explained(lines, lines.len().min(3));
    too_long.then(|| format!("{}: {} lines", shown(path), lines.len()))
}

#[test]
fn crate_files_and_functions_are_short_or_say_why() {
    let files = crate_sources();
    let shown_files: Vec<String> = files.iter().map(|f| shown(f)).collect();
    for expected in [
        "rust/unit-sources/src/lib.rs",
        "rust/cli/src/main.rs",
        "rust/nix-plugin/src/primop.cc",
        "rust/nix-plugin-loader/src/loader.c",
        "rust/bench/src/report/mod.rs",
        "rust/seed/src/main.rs",
        "tests/support/lib.rs",
        "tests/tests/cache/main.rs",
        "fuzz/fuzz_targets/source.rs",
    ] {
        assert!(
            shown_files.iter().any(|f| f == expected),
            "{expected} not read"
        );
    }
    for not_code in [
        "tests/fixtures/",
        "tests/real-world/",
        "fuzz/corpus/",
        "/target/",
    ] {
        assert!(
            !shown_files.iter().any(|f| f.contains(not_code)),
            "{not_code} read"
        );
    }
    let mut long = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        long.extend(long_file(file, &lines));
        let rust = file.extension().is_some_and(|e| e == "rs");
        if rust && !shown(file).contains("/fixture_tests/") {
            long.extend(
                long_functions(&lines)
                    .into_iter()
                    .map(|(line, n, start)| format!("{}:{line}: {n} lines: {start}", shown(file))),
            );
        }
    }
    assert!(
        long.is_empty(),
        "longer than allowed, with no comment saying why:\n{}",
        long.join("\n")
    );
}

#[test]
fn nix_files_are_short_or_say_why() {
    let files = nix_files();
    let shown_files: Vec<String> = files.iter().map(|f| shown(f)).collect();
    for expected in [
        "flake.nix",
        "nix/default.nix",
        "nix/lib/sources.nix",
        "nix/lib/tests/fixtures.nix",
        "nix/build-units.nix",
        "tests/nix/stand-in-nixpkgs/default.nix",
    ] {
        assert!(
            shown_files.iter().any(|f| f == expected),
            "{expected} not read"
        );
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            long_file(file, &text.lines().collect::<Vec<_>>())
        })
        .collect();
    assert!(
        long.is_empty(),
        "longer than allowed, with no comment saying why:\n{}",
        long.join("\n")
    );
}

#[test]
fn functions_are_found_and_measured() {
    fn body(n: usize) -> Vec<&'static str> {
        vec!["    x();"; n]
    }
    fn function(start: &str, n: usize) -> Vec<&str> {
        let mut lines = vec![start];
        lines.extend(body(n));
        lines.push("}");
        lines
    }
    for start in [
        "fn f() {",
        "pub fn f() {",
        "pub(crate) fn f() {",
        "pub(in crate::a) fn f() {",
        "const fn f() {",
        "pub const unsafe fn f() {",
        "async fn f() {",
        "pub unsafe extern \"C\" fn f() {",
    ] {
        let lines = function(start, MAX_FN_LINES - 1);
        assert_eq!(
            long_functions(&lines),
            vec![(1, MAX_FN_LINES + 1, start.to_string())],
            "{start}"
        );
        assert_eq!(long_functions(&function(start, MAX_FN_LINES - 2)), vec![]);
    }
    // A signature over several lines counts from its first line.
    let mut lines = vec!["fn f(", "    a: u8,", ") -> u8 {"];
    lines.extend(body(MAX_FN_LINES - 3));
    lines.push("}");
    assert_eq!(long_functions(&lines).len(), 1);
    // Exempt: a test, a function saying why, a declaration, a one-line function.
    for head in [
        &["#[test]"][..],
        &["#[test]", "#[ignore]"],
        &["// long because: x"],
    ] {
        let mut lines = head.to_vec();
        lines.extend(function("fn f() {", MAX_FN_LINES));
        assert_eq!(long_functions(&lines), vec![], "{head:?}");
    }
    let mut lines = vec!["trait T {", "    fn f(", "        a: u8,", "    );"];
    lines.extend(body(MAX_FN_LINES));
    lines.push("}");
    assert_eq!(long_functions(&lines), vec![]);
    assert_eq!(long_functions(&["fn f() {}"]), vec![]);
    assert!(!starts_fn("let fn_name = 1;"));
    assert!(!starts_fn("// fn f() {"));
}
