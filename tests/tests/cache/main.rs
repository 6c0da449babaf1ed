//! The persistent caches (`--cache-dir`: cargo's answer, the parse cache and the scan
//! fingerprint) never change an answer. A warm scan answers exactly as `--no-cache` does, from
//! the stored records (cargo does not run, the fingerprint file is not rewritten); after each
//! kind of change a scan can depend on (a file's content, a path appearing or vanishing, a
//! directory's entries, cargo's inputs, a dangling link) the cached scan still answers exactly
//! as `--no-cache` does (same stdout, stderr and exit code), and runs cargo exactly when one of
//! cargo's inputs changed.
//!
//! `main.rs` holds what the modules share: a scan's answer, the scratch directory whose
//! `cargo` and `rustc` count their runs, the fingerprint file and backdating.

mod answers;
mod changes;
mod copies;
mod eviction;
mod flake;
mod tool_runs;

use rust_unit_sources_tests::{cli_with_env, copy_tree, write_file};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

/// What a scan answered: exit code, stdout, stderr.
type Answer = (Option<i32>, String, String);

fn scan(workspace: &Path, cache: Option<&Path>) -> Answer {
    scan_with(workspace, cache, &[], &[])
}

fn scan_with(
    workspace: &Path,
    cache: Option<&Path>,
    flags: &[&str],
    env: &[(&str, &OsStr)],
) -> Answer {
    let manifest = workspace.to_str().expect("UTF-8 path");
    let mut args = vec!["scan", "--manifest-path", manifest];
    args.extend_from_slice(flags);
    match cache {
        Some(dir) => args.extend(["--cache-dir", dir.to_str().expect("UTF-8 path")]),
        None => args.push("--no-cache"),
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cli_with_env(&args, env);
    (
        status.code(),
        String::from_utf8(stdout).expect("UTF-8 stdout"),
        String::from_utf8(stderr).expect("UTF-8 stderr"),
    )
}

/// The one fingerprint file in `cache`, and when it was last written.
fn fingerprint(cache: &Path) -> (PathBuf, SystemTime) {
    let files: Vec<PathBuf> = std::fs::read_dir(cache)
        .expect("the cache directory exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("scan-")
        })
        .collect();
    assert_eq!(files.len(), 1, "one fingerprint in {}", cache.display());
    let modified = std::fs::metadata(&files[0]).unwrap().modified().unwrap();
    (files[0].clone(), modified)
}

/// Sets the modification time of every file and directory below `path` an hour back: cargo's
/// answer is stored only when none of its inputs changed in the seconds before cargo ran.
fn backdate(path: &Path) {
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    if path.is_symlink() {
        return;
    }
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            backdate(&entry.unwrap().path());
        }
    }
    std::fs::File::open(path)
        .and_then(|file| file.set_modified(hour_ago))
        .unwrap_or_else(|e| panic!("backdate {}: {e}", path.display()));
}

/// A workspace copy (`ws`) and a cache directory in a scratch directory, scanned with a
/// `cargo` and a `rustc` first on `PATH` (and as `$CARGO` and `$RUSTC`) that count their runs
/// (`rustc -vV` aside) before running the real ones.
struct Scratch {
    dir: tempfile::TempDir,
    path: OsString,
    cargo: PathBuf,
    rustc: PathBuf,
}

impl Scratch {
    /// A scratch directory whose workspace `create` writes, all of it backdated.
    fn new(create: impl FnOnce(&Path)) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        create(&dir.path().join("ws"));
        let path = std::env::var_os("PATH").expect("PATH is set");
        let bin = dir.path().join("bin");
        let counter = |tool: &str| {
            let real = std::env::split_paths(&path)
                .map(|d| d.join(tool))
                .find(|c| c.is_file())
                .unwrap_or_else(|| panic!("{tool} on PATH"));
            let counter = bin.join(tool);
            write_file(
                &counter,
                format!(
                    "#!/bin/sh\n[ \"$1\" = -vV ] || echo run >> '{}'\nexec '{}' \"$@\"\n",
                    dir.path().join(format!("runs-{tool}")).display(),
                    real.display()
                ),
            );
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&counter, std::fs::Permissions::from_mode(0o755)).unwrap();
            counter
        };
        let (cargo, rustc) = (counter("cargo"), counter("rustc"));
        let path =
            std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path))).unwrap();
        backdate(dir.path());
        Scratch {
            dir,
            path,
            cargo,
            rustc,
        }
    }

    fn workspace(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// Scans the workspace with `flags`, with the cache or `--no-cache`.
    fn scan(&self, cached: bool, flags: &[&str]) -> Answer {
        self.scan_in(cached, flags, &[])
    }

    /// [`Scratch::scan`] with the variables `extra` set too.
    fn scan_in(&self, cached: bool, flags: &[&str], extra: &[(&str, &OsStr)]) -> Answer {
        self.scan_at(&self.workspace(), cached, flags, extra)
    }

    /// [`Scratch::scan_in`] of the workspace in `dir` (a copy, say).
    fn scan_at(
        &self,
        dir: &Path,
        cached: bool,
        flags: &[&str],
        extra: &[(&str, &OsStr)],
    ) -> Answer {
        let cache = cached.then(|| self.cache());
        scan_with(dir, cache.as_deref(), flags, &self.env(extra))
    }

    /// The environment of the scans: the counting `cargo` and `rustc`, and `extra`.
    fn env<'a>(&'a self, extra: &[(&'a str, &'a OsStr)]) -> Vec<(&'a str, &'a OsStr)> {
        // `cargo test` sets CARGO, which the scanner (as cargo_metadata) runs.
        let mut env = vec![
            ("PATH", self.path.as_os_str()),
            ("CARGO", self.cargo.as_os_str()),
            ("RUSTC", self.rustc.as_os_str()),
        ];
        env.extend_from_slice(extra);
        env
    }

    /// How many times `tool` (`cargo` or `rustc`) ran so far.
    fn runs(&self, tool: &str) -> usize {
        std::fs::read_to_string(self.dir.path().join(format!("runs-{tool}")))
            .map(|runs| runs.lines().count())
            .unwrap_or(0)
    }

    /// [`Scratch::scan`] with the cache, and whether it ran cargo.
    fn cached_scan(&self, flags: &[&str]) -> (Answer, bool) {
        self.cached_scan_at(&self.workspace(), flags)
    }

    /// [`Scratch::cached_scan`] of the workspace in `dir`.
    fn cached_scan_at(&self, dir: &Path, flags: &[&str]) -> (Answer, bool) {
        let before = self.runs("cargo");
        let answer = self.scan_at(dir, true, flags, &[]);
        (answer, self.runs("cargo") > before)
    }

    /// A copy of the workspace in `<scratch>/<parent>/<name>`, not backdated: a new path.
    fn copy(&self, parent: &str, name: &str) -> PathBuf {
        let copy = self.dir.path().join(parent).join(name);
        copy_tree(&self.workspace(), &copy);
        copy
    }

    /// `cargo unit-sources cache info --json` of the cache directory.
    fn info(&self) -> serde_json::Value {
        let cache = self.cache();
        let args = [
            "cache",
            "info",
            "--json",
            "--cache-dir",
            cache.to_str().unwrap(),
        ];
        let output = cli_with_env(&args, &[]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("JSON")
    }

    /// The record `cache info` lists for the workspace root `root`: (units, units walked).
    fn record(&self, root: &Path) -> (u64, u64) {
        let info = self.info();
        let records = info["record_list"].as_array().unwrap();
        let record = records
            .iter()
            .find(|r| r["root"] == root.to_str().unwrap())
            .unwrap_or_else(|| panic!("no record for {}: {info:#}", root.display()));
        (
            record["units"].as_u64().unwrap(),
            record["walked"].as_u64().unwrap(),
        )
    }
}

fn append(path: &Path, text: &str) {
    let old = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, old + text).unwrap();
}

/// The model of a successful scan's answer.
fn model_of(answer: &Answer) -> serde_json::Value {
    assert_eq!(answer.0, Some(0), "{}", answer.2);
    serde_json::from_str(&answer.1).expect("JSON")
}
