//! Timing and memory: medians of repeated runs, external commands measured through this
//! binary's `exec` worker (wall time and peak RSS of the command and everything it waited for),
//! and the in-process native scan measured by the `scan` worker.

use crate::revisions::{cache_files, Growth, Limited, Revisions};
use nix::sys::resource::{getrusage, UsageWho};
use rayon::prelude::*;
use rust_unit_sources::{scan, FeatureSelection, Model, ScanOptions};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

/// The binary that runs the workers: a private copy of this one (see [`set_worker`]).
static WORKER: OnceLock<PathBuf> = OnceLock::new();

/// Runs the workers from `path`, a copy of this binary that a concurrent `cargo build` cannot
/// replace halfway through a run.
pub fn set_worker(path: PathBuf) {
    let _ = WORKER.set(path);
}

/// The binary to run workers from: the copy given to [`set_worker`], or this binary.
fn worker() -> Result<PathBuf, String> {
    match WORKER.get() {
        Some(path) => Ok(path.clone()),
        None => std::env::current_exe().map_err(|e| e.to_string()),
    }
}

/// The median of `samples` (seconds); 0 when there are none.
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// What one run of an external command cost, as the `exec` worker reports it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ProcessCost {
    /// Wall-clock seconds from spawn to exit.
    pub secs: f64,
    /// Peak resident set size in KiB of the command or of any process it waited for
    /// (`getrusage(RUSAGE_CHILDREN)` of the worker, which spawns nothing else).
    pub max_rss_kb: u64,
}

/// The `exec` worker's answer: the cost, or why the command failed.
#[derive(Debug, Serialize, Deserialize)]
struct ExecReport {
    cost: ProcessCost,
    /// `None` on success; otherwise the exit status and the end of the command's stderr.
    failure: Option<String>,
}

/// The `exec` worker: runs `program args`, stdout discarded, and prints an [`ExecReport`] as
/// one JSON line. Runs in a process of its own so that `RUSAGE_CHILDREN` covers this command
/// only.
pub fn exec_worker(program: &str, args: &[String]) -> Result<(), String> {
    let start = Instant::now();
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).map_err(|e| e.to_string())?;
    let failure = (!output.status.success()).then(|| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("{}: {}", output.status, tail.join("\n"))
    });
    let report = ExecReport {
        cost: ProcessCost {
            secs,
            max_rss_kb: u64::try_from(usage.max_rss()).unwrap_or(0),
        },
        failure,
    };
    println!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// Runs `command` (program, arguments, environment and directory as set on it) once through
/// the `exec` worker and returns its cost; an error when it fails.
pub fn run_measured(command: &Command) -> Result<ProcessCost, String> {
    let mut wrapper = Command::new(worker()?);
    wrapper
        .arg("exec")
        .arg("--")
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapper.env(key, value),
            None => wrapper.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        wrapper.current_dir(dir);
    }
    let output = wrapper
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the exec worker: {e}"))?;
    let report: ExecReport = serde_json::from_slice(&output.stdout).map_err(|e| {
        format!(
            "exec worker for {:?} answered {:?}: {e}",
            command.get_program(),
            String::from_utf8_lossy(&output.stdout)
        )
    })?;
    match report.failure {
        None => Ok(report.cost),
        Some(failure) => Err(format!(
            "{:?} {:?} failed: {failure}",
            command.get_program(),
            command.get_args().collect::<Vec<_>>()
        )),
    }
}

/// Runs `command` `runs` times (after `setup` before each run) and returns every cost.
pub fn repeat(
    runs: usize,
    command: &Command,
    mut setup: impl FnMut() -> Result<(), String>,
) -> Result<Vec<ProcessCost>, String> {
    (0..runs)
        .map(|_| {
            setup()?;
            run_measured(command)
        })
        .collect()
}

/// Median seconds and largest peak RSS (KiB) of `costs`.
pub fn summarize(costs: &[ProcessCost]) -> (f64, u64) {
    let secs: Vec<f64> = costs.iter().map(|c| c.secs).collect();
    let rss = costs.iter().map(|c| c.max_rss_kb).max().unwrap_or(0);
    (median(&secs), rss)
}

/// Wall and CPU seconds of each timed run of one measurement.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Timings {
    /// Wall-clock seconds of each run.
    pub wall: Vec<f64>,
    /// CPU seconds (user + system, all threads of the worker) of each run: unlike wall time,
    /// it does not grow when other processes compete for the cores. Child processes (`cargo
    /// metadata`) are not included.
    pub cpu: Vec<f64>,
}

impl Timings {
    /// Times `runs` runs of `run`, calling `prepare` (untimed) before each.
    fn measure<T>(
        runs: usize,
        mut prepare: impl FnMut() -> Result<(), String>,
        mut run: impl FnMut() -> Result<T, String>,
    ) -> Result<Timings, String> {
        let mut timings = Timings::default();
        for _ in 0..runs {
            prepare()?;
            timings.time(&mut run)?;
        }
        Ok(timings)
    }

    /// Times one run of `run`.
    fn time<T>(&mut self, run: impl FnOnce() -> Result<T, String>) -> Result<(), String> {
        let cpu = cpu_secs()?;
        let start = Instant::now();
        drop(std::hint::black_box(run()?));
        self.wall.push(start.elapsed().as_secs_f64());
        self.cpu.push(cpu_secs()? - cpu);
        Ok(())
    }
}

/// What the `scan` worker measured in its own process, every time in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanReport {
    /// Packages with at least one unit.
    pub packages: usize,
    /// Units in the model.
    pub units: usize,
    /// Distinct files the model lists (every unit's `files` and `manifests`).
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The library's `scan` (`cargo metadata` included) without a cache directory: every
    /// file lexed, every unit walked.
    pub uncached: Timings,
    /// With an empty cache directory: an uncached scan that also writes both caches (the first
    /// evaluation of a workspace).
    pub cold: Timings,
    /// After one file was edited since the previous (cached) scan: a comment appended to a
    /// library's root file before each run (restored afterwards). The units reading it are
    /// walked again (only that file lexed), the others taken over from the fingerprint.
    pub edited: Timings,
    /// The file edited for [`ScanReport::edited`], relative to the workspace root.
    pub edited_file: String,
    /// With a fresh fingerprint (every evaluation of an unchanged workspace): `cargo metadata`,
    /// then every recorded file re-read and re-hashed and every probed path re-`stat`ed.
    pub fresh: Timings,
    /// A new path plus one edit (a flake's next revision, [`Revisions`]): the previous
    /// revision copied to a new path with one more comment appended to the edited file before
    /// each run, scanned with the cache the previous revisions filled. cargo's answer and the
    /// units not reading the file are taken over.
    pub moved: Timings,
    /// What each timed [`ScanReport::moved`] scan added to the cache directory.
    pub growth: Vec<Growth>,
    /// Further revisions scanned with a small cache size limit.
    pub limited: Limited,
    /// Each timed run of `cargo metadata --no-deps --offline`, the command `scan` runs once.
    pub metadata: Vec<f64>,
    /// The floor: read every listed file and blake3 it, on rayon's pool.
    pub floor: Timings,
    /// Peak RSS (KiB) of the worker after all scans (before the floor runs).
    pub peak_rss_kb: u64,
    /// Current RSS (KiB) after the warm-up scan, its model dropped.
    pub rss_after_first_kb: u64,
    /// Current RSS (KiB) after each timed uncached scan, its model dropped: flat once the
    /// allocator's arenas have grown, unless something leaks.
    pub rss_after_kb: Vec<u64>,
}

/// The `scan` worker: times `runs` in-process native scans of `manifest` in each cache state
/// (after a warm-up that also fills the page cache), `cargo metadata` and the floor over the
/// files the model lists, and prints a [`ScanReport`] as one JSON line.
pub fn scan_worker(manifest: &Path, runs: usize) -> Result<(), String> {
    let cache = tempfile::tempdir().map_err(|e| format!("cache directory: {e}"))?;
    let uncached = ScanOptions {
        manifest_path: manifest.to_path_buf(),
        features: FeatureSelection::default(),
        ..ScanOptions::default()
    };
    let cached = ScanOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..uncached.clone()
    };
    let run = |options: &ScanOptions| scan(options).map_err(|e| e.to_string());
    let model = run(&uncached)?;
    let files = listed_files(&model);
    let units = model.units.len();
    let packages = model
        .units
        .values()
        .map(|u| u.package.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    drop(model);
    let rss_after_first_kb = current_rss_kb();
    let mut rss_after_kb = Vec::with_capacity(runs);
    let uncached_timings = Timings::measure(
        runs,
        || Ok(()),
        || {
            let model = run(&uncached)?;
            drop(model);
            rss_after_kb.push(current_rss_kb());
            Ok(())
        },
    )?;
    let empty_cache = || {
        std::fs::remove_dir_all(cache.path())
            .and_then(|()| std::fs::create_dir(cache.path()))
            .map_err(|e| format!("emptying the cache: {e}"))
    };
    let cold = Timings::measure(runs, empty_cache, || run(&cached))?;
    let root = model_root(manifest)?;
    let edited_file = edited_file(&root, &files)?;
    run(&cached)?;
    let edited = time_edits(&edited_file, runs, || run(&cached))?;
    run(&cached)?;
    let fresh = Timings::measure(runs, || Ok(()), || run(&cached))?;
    let relative_edit = edited_file.strip_prefix(&root).unwrap_or(&edited_file);
    let (moved, growth, limited) = revisions(&root, relative_edit, &cached, runs)?;
    let peak_rss_kb = getrusage(UsageWho::RUSAGE_SELF)
        .map(|u| u64::try_from(u.max_rss()).unwrap_or(0))
        .map_err(|e| e.to_string())?;
    let metadata = time_cargo_metadata(manifest, runs)?;
    let (floor, bytes) = time_floor(&files, runs)?;
    let report = ScanReport {
        packages,
        units,
        files: files.len(),
        bytes,
        uncached: uncached_timings,
        cold,
        edited,
        edited_file: relative_edit.display().to_string(),
        fresh,
        moved,
        growth,
        limited,
        metadata,
        floor,
        peak_rss_kb,
        rss_after_first_kb,
        rss_after_kb,
    };
    println!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// `runs` timed runs of `scan`, each after one more comment is appended to `file`; the file is
/// restored afterwards, also when a scan fails.
fn time_edits<T>(
    file: &Path,
    runs: usize,
    mut scan: impl FnMut() -> Result<T, String>,
) -> Result<Timings, String> {
    let original = std::fs::read(file).map_err(|e| e.to_string())?;
    let mut edits = 0;
    let edit = || {
        edits += 1;
        let mut content = original.clone();
        content.extend_from_slice(format!("\n// edit {edits}\n").as_bytes());
        std::fs::write(file, content).map_err(|e| e.to_string())
    };
    let edited = Timings::measure(runs, edit, &mut scan);
    std::fs::write(file, &original).map_err(|e| e.to_string())?;
    edited
}

/// `runs` timed runs of the floor over `files` (see [`read_and_hash`]), and their total size.
fn time_floor(files: &[PathBuf], runs: usize) -> Result<(Timings, u64), String> {
    let mut bytes = 0;
    let floor = Timings::measure(
        runs,
        || Ok(()),
        || {
            bytes = read_and_hash(files)?;
            Ok(())
        },
    )?;
    Ok((floor, bytes))
}

/// The wall time of each of `runs` runs of `cargo metadata --no-deps --offline` (`$CARGO`,
/// else `cargo`) on `manifest` (a `Cargo.toml` or its directory).
fn time_cargo_metadata(manifest: &Path, runs: usize) -> Result<Vec<f64>, String> {
    let manifest = if manifest.is_dir() {
        manifest.join("Cargo.toml")
    } else {
        manifest.to_path_buf()
    };
    let mut metadata = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ])
            .arg("--manifest-path")
            .arg(&manifest)
            .stderr(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
        metadata.push(start.elapsed().as_secs_f64());
        if !output.status.success() {
            return Err(format!("cargo metadata failed for {}", manifest.display()));
        }
    }
    Ok(metadata)
}

/// The revisions of the workspace at `root` (see [`Revisions`]), each editing `edited`: `runs`
/// timed scans of a new revision with the cache of `cached` (after an untimed one), with what
/// each added to the cache; then a cold scan of one more in a second cache directory, and
/// `runs` revisions under a limit of what that holds plus two records.
fn revisions(
    root: &Path,
    edited: &Path,
    cached: &ScanOptions,
    runs: usize,
) -> Result<(Timings, Vec<Growth>, Limited), String> {
    let mut revisions = Revisions::new(root, edited)?;
    let at = |root: PathBuf, options: &ScanOptions| ScanOptions {
        manifest_path: root,
        ..options.clone()
    };
    let run = |options: &ScanOptions| scan(options).map_err(|e| e.to_string());
    let cache = cached.cache_dir.clone().ok_or("no cache directory")?;
    run(&at(revisions.next()?, cached))?;
    let mut moved = Timings::default();
    let mut growth = Vec::with_capacity(runs);
    for _ in 0..runs {
        let options = at(revisions.next()?, cached);
        let before = cache_files(&cache);
        moved.time(|| run(&options))?;
        growth.push(Growth::between(&before, &cache_files(&cache)));
    }
    let small = tempfile::tempdir().map_err(|e| format!("cache directory: {e}"))?;
    let first = ScanOptions {
        cache_dir: Some(small.path().to_path_buf()),
        ..at(revisions.next()?, cached)
    };
    run(&first)?;
    let filled = cache_files(small.path());
    let record = filled
        .iter()
        .filter(|(name, _)| name.starts_with("scan-"))
        .map(|(_, size)| *size)
        .max()
        .unwrap_or(0);
    let mut limited = Limited {
        limit: filled.values().sum::<u64>() + 2 * record,
        ..Limited::default()
    };
    for _ in 0..runs {
        let options = ScanOptions {
            cache_limit: Some(limited.limit),
            ..at(revisions.next()?, &first)
        };
        let before = cache_files(small.path());
        let start = Instant::now();
        drop(std::hint::black_box(run(&options)?));
        limited.wall.push(start.elapsed().as_secs_f64());
        let after = cache_files(small.path());
        limited.revisions += 1;
        limited.evicting += usize::from(before.keys().any(|n| !after.contains_key(n)));
        limited.observe(&after);
    }
    Ok((moved, growth, limited))
}

/// Runs the `scan` worker on `manifest` in a process of its own and returns its report.
pub fn run_scan_worker(manifest: &Path, runs: usize) -> Result<ScanReport, String> {
    let output = Command::new(worker()?)
        .arg("scan")
        .arg("--runs")
        .arg(runs.to_string())
        .arg(manifest)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the scan worker: {e}"))?;
    if !output.status.success() {
        return Err(format!("the scan worker failed on {}", manifest.display()));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("scan worker answer: {e}"))
}

/// The workspace root of `manifest` (a `Cargo.toml` or its directory), absolute.
fn model_root(manifest: &Path) -> Result<PathBuf, String> {
    let dir = if manifest.is_dir() {
        manifest
    } else {
        manifest.parent().unwrap_or(Path::new("."))
    };
    std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

/// The file the `edited` measurement appends to: the middle one, in path order, of the listed
/// files named `lib.rs` directly in a `src/` directory below `root`.
fn edited_file(root: &Path, files: &[PathBuf]) -> Result<PathBuf, String> {
    let libs: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.starts_with(root) && f.ends_with("src/lib.rs"))
        .collect();
    libs.get(libs.len() / 2)
        .map(|f| f.to_path_buf())
        .ok_or_else(|| format!("no src/lib.rs listed below {}", root.display()))
}

/// Every distinct file a model lists (all units' `files` and `manifests`), absolute.
fn listed_files(model: &Model) -> Vec<PathBuf> {
    let root = Path::new(&model.root);
    let relative: BTreeSet<&str> = model
        .units
        .values()
        .flat_map(|u| u.files.iter().chain(&u.manifests))
        .map(|p| p.as_str())
        .collect();
    relative.into_iter().map(|p| root.join(p)).collect()
}

/// The floor: reads every file and hashes it with blake3, in parallel; returns the bytes read.
/// A listed path that does not exist (a unit with an `error` lists the places rustc looks for a
/// missing module) costs the failed open only, as it does the scan.
fn read_and_hash(files: &[PathBuf]) -> Result<u64, String> {
    let (bytes, digest) = files
        .par_iter()
        .map(|path| {
            let content = match std::fs::read(path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                read => read.map_err(|e| format!("{}: {e}", path.display()))?,
            };
            let digest = blake3::hash(&content);
            Ok::<_, String>((content.len() as u64, digest.as_bytes()[0]))
        })
        .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 ^ b.1)))?;
    std::hint::black_box(digest);
    Ok(bytes)
}

/// CPU seconds (user + system) this process has used so far, all threads.
fn cpu_secs() -> Result<f64, String> {
    let usage = getrusage(UsageWho::RUSAGE_SELF).map_err(|e| e.to_string())?;
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok(secs(usage.user_time()) + secs(usage.system_time()))
}

/// This process's current resident set size in KiB (`VmRSS` of `/proc/self/status`).
fn current_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
