//! `unit-sources-bench`: the benchmark of rust-unit-sources (issue 7), in one run on one machine.
//!
//! It measures, on the project's own workspace and on a real multi-crate workspace assembled
//! from crates.io at bench time ([`crates_io`]): the native scan (in-process, the library's
//! `scan`; and the `cargo-unit-sources` process), `cargo metadata` alone, the floor (reading
//! every file the scan lists and hashing it with blake3), `--mode rustc` on the same units and
//! `cargo check` from clean; the Nix plugin's cost (`nix-instantiate --eval` calling
//! `builtins.rustUnitSources` against one that does nothing) and memory; and the native scan
//! of generated workspaces of 10, 100 and 1000 packages ([`generate`]). Every measurement is
//! repeated and its median reported. It prints the tables and the ratios and writes them to
//! `docs/performance.md` ([`report`]).
//!
//! Run after `cargo build --release --workspace`: `target/release/unit-sources-bench`. The
//! built `cargo-unit-sources` and `librust_unit_sources_nix.so`, and this binary, are copied
//! from `target/release` into a scratch directory first, so a concurrent `cargo build` cannot
//! swap them mid-run. The hidden `exec` and `scan` subcommands are the workers the benchmark
//! runs itself in, so that each one's peak RSS is its own; `generate` and `crates-io` write the
//! benchmark's workspaces for profiling.

mod crates_io;
mod generate;
mod measure;
mod report;
mod revisions;

use clap::{Parser, Subcommand};
use measure::{repeat, run_scan_worker, summarize};
use report::{Machine, Plugin, Results, WorkspaceRow};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Parser)]
#[command(
    name = "unit-sources-bench",
    about = "Benchmarks the native scan against its floor, --mode rustc, cargo check and the Nix plugin"
)]
struct Cli {
    #[command(subcommand)]
    worker: Option<Worker>,
    #[command(flatten)]
    options: Options,
}

#[derive(clap::Args)]
struct Options {
    /// Runs of each fast measurement (native scan, floor, cargo metadata, plugin).
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Runs of each slow measurement (`--mode rustc`, `cargo check` from clean).
    #[arg(long, default_value_t = 3)]
    slow_runs: usize,
    /// Package counts of the generated workspaces.
    #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
    sizes: Vec<usize>,
    /// Skip the crates.io workspace (it needs crates.io or cargo's cache).
    #[arg(long)]
    skip_crates_io: bool,
    /// Skip `cargo check` from clean (the slowest measurement).
    #[arg(long)]
    skip_cargo_check: bool,
    /// Where to write the report.
    #[arg(long, value_name = "PATH", default_value_os_t = repo_root().join("docs/performance.md"))]
    output: PathBuf,
    /// Print the report only.
    #[arg(long)]
    no_write: bool,
}

#[derive(Subcommand)]
enum Worker {
    /// Worker: run a command, print its wall time and peak RSS as JSON.
    #[command(hide = true)]
    Exec {
        /// The command and its arguments.
        #[arg(trailing_var_arg = true, required = true)]
        command: Vec<String>,
    },
    /// Worker: time in-process scans, cargo metadata and the floor; print them as JSON.
    #[command(hide = true)]
    Scan {
        /// Timed runs of each.
        #[arg(long)]
        runs: usize,
        /// The workspace's Cargo.toml or directory.
        manifest: PathBuf,
    },
    /// Writes a generated workspace of the scaling measurement (to profile it, say).
    Generate {
        /// How many packages.
        #[arg(long)]
        packages: usize,
        /// An empty or missing directory.
        dir: PathBuf,
    },
    /// Assembles the crates.io workspace of the benchmark (to profile it, say).
    CratesIo {
        /// An empty or missing directory; the workspace is its `workspace/`.
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.worker {
        Some(Worker::Exec { command }) => measure::exec_worker(&command[0], &command[1..]),
        Some(Worker::Scan { runs, manifest }) => measure::scan_worker(&manifest, runs),
        Some(Worker::Generate { packages, dir }) => generate::generate(&dir, packages)
            .map(|files| eprintln!("wrote {files} files to {}", dir.display()))
            .map_err(|e| format!("{}: {e}", dir.display())),
        Some(Worker::CratesIo { dir }) => crates_io::assemble(&dir)
            .map(|ws| eprintln!("{} members in {}", ws.members, ws.workspace.display())),
        None => bench(&cli.options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository this binary was built from.
fn repo_root() -> PathBuf {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    bench
        .parent()
        .and_then(Path::parent)
        .unwrap_or(bench)
        .to_path_buf()
}

/// The built binaries the benchmark runs: copied from beside this one into the scratch
/// directory, so that a `cargo build` running meanwhile cannot swap them halfway.
struct Binaries {
    cli: PathBuf,
    plugin: PathBuf,
}

impl Binaries {
    fn copy_to(dir: &Path) -> Result<Binaries, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let built = exe.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let copy = |name: &str| -> Result<PathBuf, String> {
            let (from, to) = (built.join(name), dir.join(name));
            std::fs::copy(&from, &to).map_err(|e| {
                format!(
                    "{}: {e} (run `cargo build --release --workspace` first)",
                    from.display()
                )
            })?;
            Ok(to)
        };
        measure::set_worker(copy("unit-sources-bench")?);
        // The plugin's loader loads the real plugin from beside itself.
        copy("librust_unit_sources_nix_impl.so")?;
        Ok(Binaries {
            cli: copy("cargo-unit-sources")?,
            plugin: copy("librust_unit_sources_nix.so")?,
        })
    }
}

fn bench(options: &Options) -> Result<(), String> {
    let mut machine = Machine::describe()?;
    eprintln!("bench: {machine:?}");
    let work = tempfile::Builder::new()
        .prefix("unit-sources-bench")
        .tempdir()
        .map_err(|e| format!("cannot create a scratch directory: {e}"))?;
    let binaries = Binaries::copy_to(&work.path().join("bin"))?;
    let repo = std::fs::canonicalize(repo_root()).map_err(|e| e.to_string())?;
    // Scanned in a copy (the `edited` measurement appends to a file); `cargo check` builds the
    // repository itself, whose plugin build needs the headers in `.deps/`.
    let own = work.path().join("own");
    crates_io::copy_tree(&repo, &own, &|name, is_dir| {
        !(is_dir && (name == "target" || name.to_string_lossy().starts_with('.')))
    })?;
    // (name, workspace, where `cargo check` compiles the same packages)
    let mut real = vec![("this project's workspace".to_string(), own.clone(), repo)];
    if !options.skip_crates_io {
        eprintln!("bench: assembling the crates.io workspace (cargo vendor)");
        let ws = crates_io::assemble(&work.path().join("crates-io"))?;
        let name = format!("crates.io, {} packages", ws.members);
        real.push((name, ws.workspace, ws.seed));
    }
    let mut rows = Vec::new();
    for (name, dir, check_dir) in &real {
        rows.push(full_row(
            name,
            dir,
            check_dir,
            options,
            &binaries,
            work.path(),
        )?);
    }
    let plugin = plugin(&own, options, &binaries, work.path())?;
    for &size in &options.sizes {
        let dir = work.path().join(format!("generated-{size}"));
        eprintln!("bench: generating a workspace of {size} packages");
        generate::generate(&dir, size).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut row = scan_row(&format!("generated, {size} packages"), &dir, options)?;
        cli_scans(&mut row, &dir, options, &binaries, work.path())?;
        rows.push(row);
    }
    machine.load_after = report::load_average();
    let results = Results {
        machine,
        options: report::RunOptions {
            runs: options.runs,
            slow_runs: options.slow_runs,
        },
        rows,
        plugin,
    };
    let text = report::render(&results);
    println!("{text}");
    if !options.no_write {
        // The plugins' overhead per evaluation is another command's (scripts/plugin-overhead).
        let heading = rust_unit_sources_tests::doc_sections::PLUGIN_OVERHEAD_HEADING;
        let old = std::fs::read_to_string(&options.output).unwrap_or_default();
        let text = match rust_unit_sources_tests::doc_sections::section(&old, heading) {
            Some(kept) => rust_unit_sources_tests::doc_sections::with_section(&text, heading, kept),
            None => text,
        };
        std::fs::write(&options.output, &text)
            .map_err(|e| format!("{}: {e}", options.output.display()))?;
        eprintln!("bench: wrote {}", options.output.display());
    }
    Ok(())
}

/// The in-process measurements of one workspace.
fn scan_row(name: &str, dir: &Path, options: &Options) -> Result<WorkspaceRow, String> {
    // The caches store nothing computed from files changed in the last two seconds (they
    // could be changing still): let the workspace just written settle, or the first scans
    // would measure cargo running again and again.
    std::thread::sleep(std::time::Duration::from_secs(3));
    eprintln!("bench: {name}: native scan, cargo metadata, floor");
    Ok(WorkspaceRow {
        name: name.to_string(),
        scan: run_scan_worker(dir, options.runs)?,
        cli_native: None,
        cli_cached: None,
        rustc_mode: None,
        rustc_cached: None,
        cargo_check: None,
        failures: Vec::new(),
    })
}

/// The summary of a slow measurement, or `None` with its failure noted (a workspace others
/// edit meanwhile may stop compiling; the rest of the run still counts).
fn tolerate(
    failures: &mut Vec<String>,
    what: &str,
    costs: Result<Vec<measure::ProcessCost>, String>,
) -> Option<(f64, u64)> {
    match costs {
        Ok(costs) => Some(summarize(&costs)),
        Err(e) => {
            let first = e.lines().next().unwrap_or_default().to_string();
            eprintln!("bench: {what} failed: {e}");
            failures.push(format!("{what} failed: {first}"));
            None
        }
    }
}

/// The `cargo-unit-sources scan` process in native mode on `dir`: with `--no-cache`, and with
/// a cache directory whose fingerprint is fresh (filled by an untimed run first).
fn cli_scans(
    row: &mut WorkspaceRow,
    dir: &Path,
    options: &Options,
    binaries: &Binaries,
    work: &Path,
) -> Result<(), String> {
    eprintln!(
        "bench: {}: cargo-unit-sources scan, without and with its cache",
        row.name
    );
    let cache = work.join("cli-cache");
    let scan = |cache_flags: &[&std::ffi::OsStr]| {
        let mut command = Command::new(&binaries.cli);
        command
            .arg("scan")
            .args(cache_flags)
            .arg("--manifest-path")
            .arg(dir);
        command
    };
    let uncached = scan(&["--no-cache".as_ref()]);
    row.cli_native = Some(summarize(&repeat(options.runs, &uncached, || Ok(()))?));
    let cached = scan(&["--cache-dir".as_ref(), cache.as_os_str()]);
    measure::run_measured(&cached)?;
    row.cli_cached = Some(summarize(&repeat(options.runs, &cached, || Ok(()))?));
    Ok(())
}

/// Removes `dir` and everything in it, if it exists.
fn remove_dir(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
        _ => Ok(()),
    }
}

/// Every measurement of a real workspace: in-process, the CLI in both modes, and `cargo check`
/// in `check_dir` (the workspace, or a project building the same packages).
fn full_row(
    name: &str,
    dir: &Path,
    check_dir: &Path,
    options: &Options,
    binaries: &Binaries,
    work: &Path,
) -> Result<WorkspaceRow, String> {
    let mut row = scan_row(name, dir, options)?;
    cli_scans(&mut row, dir, options, binaries, work)?;
    eprintln!("bench: {name}: cargo-unit-sources scan --mode rustc, cold and warm cache");
    let rustc_cache = work.join("rustc-cache");
    let mut rustc = Command::new(&binaries.cli);
    rustc
        .args(["scan", "--mode", "rustc", "--cache-dir"])
        .arg(&rustc_cache)
        .arg("--manifest-path")
        .arg(dir);
    let cold = repeat(options.slow_runs, &rustc, || remove_dir(&rustc_cache));
    row.rustc_mode = tolerate(&mut row.failures, "--mode rustc", cold);
    if row.rustc_mode.is_some() {
        let warm = repeat(options.runs, &rustc, || Ok(()));
        row.rustc_cached = tolerate(&mut row.failures, "--mode rustc, warm", warm);
    }
    if !options.skip_cargo_check {
        eprintln!("bench: {name}: cargo check from clean");
        let target = work.join("check-target");
        let mut check = rust_unit_sources_seed::process::cargo();
        check
            .current_dir(check_dir)
            .args(["check", "--workspace", "--offline", "--quiet"])
            .env("CARGO_TARGET_DIR", &target);
        let clean = || remove_dir(&target);
        let checked = repeat(options.slow_runs, &check, clean);
        row.cargo_check = tolerate(&mut row.failures, "cargo check", checked);
        clean()?;
    }
    Ok(row)
}

/// `nix-instantiate --eval` with the plugin loaded: an evaluation that does nothing, one that
/// calls `builtins.rustUnitSources` on `workspace` (forced to weak head normal form, and
/// deeply; with the plugin's cache, fresh, and without it), and ten deep calls in a row for
/// memory.
fn plugin(
    workspace: &Path,
    options: &Options,
    binaries: &Binaries,
    work: &Path,
) -> Result<Plugin, String> {
    eprintln!("bench: nix-instantiate with the plugin");
    let call = format!(
        "builtins.rustUnitSources (/. + \"{}\")",
        workspace.display()
    );
    let cache = work.join("plugin-cache");
    let eval = |expr: &str, cache: &Path| {
        let mut command = Command::new("nix-instantiate");
        command
            .args(["--eval", "--option", "plugin-files"])
            .arg(&binaries.plugin)
            .args(["-E", expr])
            .env("NIX_CONFIG", "build-users-group =")
            .env("RUST_UNIT_SOURCES_CACHE_DIR", cache);
        command
    };
    let measure = |expr: &str, cache: &Path| -> Result<(f64, u64), String> {
        let command = eval(expr, cache);
        measure::run_measured(&command)?;
        Ok(summarize(&repeat(options.runs, &command, || Ok(()))?))
    };
    let deep = format!("builtins.deepSeq ({call}) null");
    Ok(Plugin {
        baseline: measure("null", &cache)?,
        call: measure(&format!("builtins.seq ({call}) null"), &cache)?,
        deep: measure(&deep, &cache)?,
        deep_uncached: measure(&deep, Path::new(""))?,
        ten_deep: measure(
            &format!(
                "builtins.foldl' (acc: i: builtins.deepSeq ({call}) acc) null (builtins.genList (i: i) 10)"
            ),
            &cache,
        )?,
    })
}
