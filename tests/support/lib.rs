//! Helpers shared by the end-to-end tests: where the fixtures and built artifacts are, and
//! how to run the CLI and Nix with the plugin loaded.
//!
//! The tests run the release artifacts that the README's test command builds first
//! (`cargo build --release --workspace`): `target/release/cargo-unit-sources` and the plugin,
//! `$RUST_UNIT_SOURCES_PLUGIN` when set (`scripts/with-nix VERSION` sets it to the plugin built
//! for that Nix), else `target/release/librust_unit_sources_nix.so`. Nix is the one on `PATH`
//! (`scripts/with-nix VERSION` puts that version's first).

pub mod doc_sections;
pub mod rebuilds;
pub mod snapshots;
pub mod sshd;
pub mod stores;
pub mod unit_graph;

use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The fixtures with units that cannot be built (they carry an `error`): only the tests of
/// per-unit errors and the differential test take them; forcing such a unit's `files` in Nix
/// is an error.
pub const FIXTURES_WITH_BROKEN_UNITS: [&str; 3] =
    ["broken-targets", "editions", "published-shapes"];

/// Every fixture workspace under `tests/fixtures/`, sorted by name, those of
/// [`FIXTURES_WITH_BROKEN_UNITS`] included.
pub fn all_fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/fixtures"))
        .expect("tests/fixtures exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Every fixture whose units can all be built, sorted by name.
pub fn fixtures() -> Vec<PathBuf> {
    all_fixtures()
        .into_iter()
        .filter(|dir| {
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            !FIXTURES_WITH_BROKEN_UNITS.contains(&name)
        })
        .collect()
}

/// The fixture workspace `name`.
pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

/// Every example workspace under `examples/`, sorted by name.
pub fn examples() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// A release artifact, failing the test with a hint when it has not been built.
fn artifact(name: &str) -> PathBuf {
    let path = repo_root().join("target/release").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --release --workspace` first",
        path.display()
    );
    path
}

/// The plugin built for the Nix on `PATH`: `$RUST_UNIT_SOURCES_PLUGIN`, else the release build's.
pub fn plugin() -> PathBuf {
    match std::env::var_os("RUST_UNIT_SOURCES_PLUGIN") {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "RUST_UNIT_SOURCES_PLUGIN={} is not a file",
                path.display()
            );
            path
        }
        None => artifact("librust_unit_sources_nix.so"),
    }
}

/// Whether the plugin under test is the C API one, `librust_unit_sources_nix_c.so`
/// (`rust/nix-plugin-c`), rather than the C++ plugin's loader.
pub fn c_plugin() -> bool {
    plugin().file_name() == Some(OsStr::new("librust_unit_sources_nix_c.so"))
}

/// The error line Nix prints when the plugin raises `message` (its own, `rustUnitSources: …`,
/// or the evaluator's, passed on): the C++ plugin raises it as it is; Nix prefixes every error
/// a C API primop raises with `Recoverable error from custom function: `.
pub fn plugin_error_line(message: &str) -> String {
    if c_plugin() {
        format!("error: Recoverable error from custom function: {message}")
    } else {
        format!("error: {message}")
    }
}

/// `cargo metadata --format-version 1 --offline --locked` of the workspace holding `dir`
/// (`$CARGO`, else `cargo` from `PATH`): it fails unless the lock file is current and every
/// package it locks, for every platform, is vendored or in cargo's registry cache.
pub fn locked_metadata(dir: &Path) -> Result<Value, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))
}

/// The absolute path of the `nix-instantiate` on `PATH` (for commands run with another `PATH`).
pub fn nix_instantiate() -> PathBuf {
    let path = std::env::var_os("PATH").expect("PATH is set");
    std::env::split_paths(&path)
        .map(|dir| dir.join("nix-instantiate"))
        .find(|candidate| candidate.is_file())
        .expect("nix-instantiate is on PATH")
}

/// The version the Nix on `PATH` states (`2.26.3`): the last word of the first line of
/// `nix-instantiate --version` (Lix prints its configuration on the lines after it).
pub fn nix_version_text() -> String {
    let output = Command::new(nix_instantiate())
        .arg("--version")
        .output()
        .expect("nix-instantiate runs");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let first = text.lines().next().unwrap_or_default();
    first
        .split_whitespace()
        .last()
        .expect("a version")
        .to_string()
}

/// Whether the Nix on `PATH` is Lix (`nix-instantiate (Lix, like Nix) 2.95.3`).
pub fn nix_is_lix() -> bool {
    let output = Command::new(nix_instantiate())
        .arg("--version")
        .output()
        .expect("nix-instantiate runs");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    text.lines().next().unwrap_or_default().contains("(Lix")
}

/// The `(major, minor)` version of the Nix on `PATH` (see [`nix_version_text`]).
pub fn nix_version() -> (u32, u32) {
    let version = nix_version_text();
    let mut parts = version.split('.').map(|p| p.parse().expect("a number"));
    (parts.next().expect("major"), parts.next().expect("minor"))
}

/// Runs `cargo-unit-sources` with `args`.
pub fn cli(args: &[&str]) -> Output {
    cli_with_env(args, &[])
}

/// Runs `cargo-unit-sources` with `args` and the environment variables `env` set.
pub fn cli_with_env(args: &[&str], env: &[(&str, &OsStr)]) -> Output {
    Command::new(artifact("cargo-unit-sources"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("cargo-unit-sources runs")
}

/// The model the CLI prints as JSON for `workspace` with extra `args`; panics on failure.
pub fn cli_model(workspace: &Path, args: &[&str]) -> Value {
    let manifest = workspace.to_str().expect("UTF-8 path");
    let mut all = vec!["scan", "--manifest-path", manifest, "--format", "json"];
    all.extend_from_slice(args);
    let output = cli(&all);
    assert!(
        output.status.success(),
        "cli failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the CLI prints JSON")
}

/// The Nix settings every test uses: no `nixbld` build-users group (this machine has none; Nix
/// would warn on stderr), unsandboxed builds, which run the machine's rustc and linker, and no
/// substituters (no binary cache is reachable: asking one costs seconds per build).
pub const NIX_CONFIG: &str = "build-users-group =\nsandbox = false\nsubstituters =";

/// Runs `nix-instantiate --eval --strict --json` on `expr` with the plugin loaded (unless
/// `with_plugin` is false), from the repository root, with [`NIX_CONFIG`].
pub fn nix_eval(expr: &str, with_plugin: bool, extra: &[&str]) -> Output {
    nix_eval_with_env(expr, with_plugin, extra, &[])
}

/// [`nix_eval`] with the environment variables `env` set too.
pub fn nix_eval_with_env(
    expr: &str,
    with_plugin: bool,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut command = Command::new("nix-instantiate");
    command.args(["--eval", "--strict", "--json"]);
    if with_plugin {
        command.arg("--option").arg("plugin-files").arg(plugin());
    }
    command
        .args(extra)
        .args(["-E", expr])
        .current_dir(repo_root())
        .env("NIX_CONFIG", NIX_CONFIG)
        .envs(env.iter().copied());
    command.output().expect("nix-instantiate runs")
}

/// The error line of a failed [`nix_eval`] (`error: <message>`), after checking it failed with
/// status 1: Nix 2.8 prints it first; newer versions print `error:` alone, the trace, then the
/// message, indented, as the last `error: ` line.
pub fn nix_error(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::trim_start)
        .rfind(|l| l.starts_with("error: "))
        .unwrap_or_default()
        .to_string()
}

/// Decodes the JSON that a successful [`nix_eval`] printed; panics with Nix's stderr otherwise.
pub fn nix_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "nix-instantiate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("nix-instantiate prints JSON")
}

/// The plugin's model of `arg` (a Nix expression), forced deeply, where the `files` of a
/// unit carrying an `error` (which raise it when forced) are what `builtins.tryEval` makes of
/// them: compare it with [`broken_files_tried`] of the CLI's model.
pub fn plugin_model_tried(arg: &str) -> Value {
    plugin_model_tried_with_env(arg, &[])
}

/// [`plugin_model_tried`] with the environment variables `env` set for Nix.
pub fn plugin_model_tried_with_env(arg: &str, env: &[(&str, &str)]) -> Value {
    nix_json(&nix_eval_with_env(
        &format!(
            "let m = builtins.rustUnitSources ({arg}); in m // {{ units = builtins.mapAttrs \
             (id: u: if u ? error then u // {{ files = builtins.tryEval u.files; }} else u) m.units; }}"
        ),
        true,
        &[],
        env,
    ))
}

/// `model` (the CLI's) with the `files` of each unit carrying an `error` as
/// [`plugin_model_tried`] has them: `builtins.tryEval` failed.
pub fn broken_files_tried(mut model: Value) -> Value {
    for unit in model["units"].as_object_mut().expect("units").values_mut() {
        if unit.get("error").is_some() {
            unit["files"] = serde_json::json!({ "success": false, "value": false });
        }
    }
    model
}

/// The strings of a JSON list of strings (a unit's `files`, `env`, a `rustcFlags` list, …);
/// panics on anything else.
pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("not a string: {v}"))
                .to_string()
        })
        .collect()
}

/// A Nix path value for an absolute path.
pub fn nix_path(path: &Path) -> String {
    format!("(/. + {})", nix_string(path))
}

/// Writes `content` to `path`, creating its parent directories.
pub fn write_file(path: &Path, content: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().expect("a file has a parent")).unwrap();
    std::fs::write(path, content).unwrap();
}

/// A tree in a fresh temporary directory holding `files` (path relative to it, content).
pub fn temp_tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        write_file(&dir.path().join(path), content);
    }
    dir
}

/// A Nix string literal for `path`.
pub fn nix_string(path: &Path) -> String {
    format!(
        "\"{}\"",
        path.display()
            .to_string()
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace("${", "\\${")
    )
}

/// Copies the directory tree `from` to `to` (created), leaving out cargo's `target`
/// directories (those holding a `CACHEDIR.TAG`; a crate's `src/target/` stays).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("readable directory") {
        let entry = entry.expect("readable entry");
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().expect("file type").is_dir() {
            if entry.file_name() != "target" || !source.join("CACHEDIR.TAG").exists() {
                copy_tree(&source, &dest);
            }
        } else {
            std::fs::copy(&source, &dest).expect("copy a file");
        }
    }
}

/// The real rustc of the machine's toolchain (not the rustup proxy): `$(rustc --print sysroot)/bin/rustc`.
pub fn real_rustc() -> PathBuf {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .expect("rustc runs");
    PathBuf::from(String::from_utf8(output.stdout).expect("UTF-8").trim()).join("bin/rustc")
}

/// The host's target triple, as `$RUSTC` (or `rustc`) names it.
pub fn host_triple() -> String {
    let output = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc runs");
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV names the host")
}
