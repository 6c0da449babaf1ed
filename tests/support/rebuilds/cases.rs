//! The rebuild proof's edits, each with the units cargo recompiles for it, and how they are
//! made.

use std::collections::BTreeSet;
use std::path::Path;

/// The units of the root package that link its library: what an edit of the library rebuilds.
pub const ROOT_PACKAGE_COMPILED: &[&str] = &[
    "cargo-like/bench/resolve",
    "cargo-like/bin-test/cargo-like",
    "cargo-like/bin/cargo-like",
    "cargo-like/lib-test/cargo_like",
    "cargo-like/lib/cargo_like",
    "cargo-like/test/testsuite",
];

/// An edit: in a file of the workspace, replace a text by another.
pub struct Edit {
    /// The file, relative to the workspace.
    pub file: &'static str,
    /// The text replaced.
    pub from: &'static str,
    /// Its replacement.
    pub to: String,
}

/// One case of the proof: an edit (or none) and the units cargo recompiles for it.
pub struct Case {
    /// What is edited, in words.
    pub what: &'static str,
    /// The edits, made together (none for the no-op case).
    pub edits: Vec<Edit>,
    /// The unit ids rebuilt.
    pub expected: BTreeSet<String>,
}

/// The edits of the proof, made unique by `run` (so that no earlier run's outputs are in the
/// store already), each with the units cargo recompiles for it: code edits (the root library,
/// a nested member, the build script, an integration test), then manifest and lock-file
/// edits (comments, a dependency added to one member, a feature turned on). They apply in
/// order, each to the workspace the previous ones left.
pub fn cases(run: u128) -> Vec<Case> {
    let mut cases = code_cases(run);
    cases.extend(manifest_cases(run));
    cases
}

/// The no-op case and the code edits: the root library, a nested member, the build script,
/// an integration test.
fn code_cases(run: u128) -> Vec<Case> {
    let script = [
        "cargo-like/build-script-run/build-script-build",
        "cargo-like/build-script/build-script-build",
    ];
    vec![
        case("no edit", vec![], BTreeSet::new()),
        case(
            "root library",
            vec![edit(
                "src/cargo/lib.rs",
                "/// Runs a command.",
                format!("/// Runs a command ({run})."),
            )],
            ids(ROOT_PACKAGE_COMPILED),
        ),
        case(
            "nested member",
            vec![edit(
                "crates/cargo-util/src/paths.rs",
                "/// Indents a line.",
                format!("/// Indents a line ({run})."),
            )],
            with(&[
                "cargo-util/lib-test/cargo_util",
                "cargo-util/lib/cargo_util",
            ]),
        ),
        case(
            "build script",
            vec![edit(
                "build.rs",
                "fn main() {",
                format!("fn main() {{\n    // {run}"),
            )],
            with(&script),
        ),
        case(
            "integration test",
            vec![edit(
                "tests/testsuite/run.rs",
                "fn target_is_known",
                format!("fn target_is_known_{run}"),
            )],
            ids(&["cargo-like/test/testsuite"]),
        ),
    ]
}

/// The manifest and lock-file edits: comments, a dependency added to one member, a feature
/// turned on.
fn manifest_cases(run: u128) -> Vec<Case> {
    vec![
        case(
            "comment in the root Cargo.toml",
            vec![edit(
                "Cargo.toml",
                "[package]",
                format!("# {run}\n[package]"),
            )],
            BTreeSet::new(),
        ),
        case(
            "comment in a member's Cargo.toml",
            vec![edit(
                "crates/cargo-util/Cargo.toml",
                "[dependencies]",
                format!("# {run}\n[dependencies]"),
            )],
            BTreeSet::new(),
        ),
        case(
            "comment in Cargo.lock",
            vec![edit(
                "Cargo.lock",
                "[[package]]\nname = \"cargo-util\"",
                format!("# {run}\n[[package]]\nname = \"cargo-util\""),
            )],
            BTreeSet::new(),
        ),
        case(
            "dependency added to a member",
            vec![
                edit(
                    "crates/cargo-platform/Cargo.toml",
                    "cfg-if = \"1\"",
                    "cfg-if = \"1\"\nitoa = \"1\"".to_string(),
                ),
                edit(
                    "Cargo.lock",
                    " \"cfg-if\",\n]",
                    " \"cfg-if\",\n \"itoa\",\n]".to_string(),
                ),
            ],
            with(&[
                "cargo-platform/example/matches",
                "cargo-platform/lib-test/cargo_platform",
                "cargo-platform/lib/cargo_platform",
            ]),
        ),
        case(
            "feature turned on",
            vec![edit(
                "Cargo.toml",
                "default = []",
                "default = [\"vendored\"]".to_string(),
            )],
            with(&[
                "cargo-like/build-script-run/build-script-build",
                "cargo-like/build-script/build-script-build",
                "cargo-util/lib-test/cargo_util",
                "cargo-util/lib/cargo_util",
            ]),
        ),
    ]
}

/// The unit ids `list` names.
fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter()
        .map(|s| s.to_string())
        .collect::<BTreeSet<String>>()
}

/// The units of [`ROOT_PACKAGE_COMPILED`] and `extra`.
fn with(extra: &[&'static str]) -> BTreeSet<String> {
    let mut all: Vec<&str> = ROOT_PACKAGE_COMPILED.to_vec();
    all.extend(extra);
    ids(&all)
}

/// In `file`, `from` replaced by `to`.
fn edit(file: &'static str, from: &'static str, to: String) -> Edit {
    Edit { file, from, to }
}

/// A case: `edits`, made together, and the units they rebuild.
fn case(what: &'static str, edits: Vec<Edit>, expected: BTreeSet<String>) -> Case {
    Case {
        what,
        edits,
        expected,
    }
}

/// Makes the edits of `case` in every copy.
pub fn apply(copies: &[&Path], case: &Case) {
    for edit in &case.edits {
        apply_edit(copies, edit);
    }
}

fn apply_edit(copies: &[&Path], edit: &Edit) {
    for workspace in copies {
        let path = workspace.join(edit.file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(edit.from),
            "{} lacks {:?}",
            edit.file,
            edit.from
        );
        std::fs::write(&path, text.replacen(edit.from, &edit.to, 1)).unwrap();
    }
}
