//! The results of one benchmark run and their rendering as `docs/performance.md`.

use crate::generate::{DEPTH, FANOUT};
use crate::measure::{median, ScanReport, Timings};
use std::fmt::Write as _;
use std::process::Command;

/// The command that regenerates `docs/performance.md`.
pub const REPRODUCE: &str =
    "cargo build --release --workspace && target/release/unit-sources-bench";

/// The machine and toolchain a run was measured on.
#[derive(Debug)]
pub struct Machine {
    /// Threads available (rayon's pool size).
    pub cpus: usize,
    /// `model name` of `/proc/cpuinfo`.
    pub cpu: String,
    /// `MemTotal` of `/proc/meminfo`, in GiB.
    pub memory_gib: f64,
    /// `rustc -V`, `cargo -V`, `nix-instantiate --version`.
    pub tools: Vec<String>,
    /// The date of the run (UTC).
    pub date: String,
    /// `/proc/loadavg` when the run started.
    pub load_before: String,
    /// `/proc/loadavg` when the measurements ended (set by the caller).
    pub load_after: String,
}

impl Machine {
    /// Describes this machine.
    pub fn describe() -> Result<Machine, String> {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        let output = |program: &str, arg: &str| -> String {
            Command::new(program)
                .arg(arg)
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_else(|| format!("{program}: not found"))
        };
        Ok(Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            memory_gib: memory_kib / 1024.0 / 1024.0,
            tools: vec![
                output("rustc", "-V"),
                output("cargo", "-V"),
                output("nix-instantiate", "--version"),
            ],
            date: output("date", "-u")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            load_before: load_average(),
            load_after: String::new(),
        })
    }
}

/// The first three fields of `/proc/loadavg` (1, 5 and 15 minute load averages).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many times each measurement ran.
pub struct RunOptions {
    /// Runs of each fast measurement.
    pub runs: usize,
    /// Runs of `--mode rustc` and of `cargo check`.
    pub slow_runs: usize,
}

/// Everything measured on one workspace; process-level entries are (median seconds, peak RSS
/// KiB) and absent when not measured.
pub struct WorkspaceRow {
    /// What the workspace is.
    pub name: String,
    /// The in-process measurements.
    pub scan: ScanReport,
    /// `cargo-unit-sources scan --no-cache` (native mode), JSON to /dev/null.
    pub cli_native: Option<(f64, u64)>,
    /// `cargo-unit-sources scan --cache-dir D` with a fresh fingerprint in `D`.
    pub cli_cached: Option<(f64, u64)>,
    /// `cargo-unit-sources scan --mode rustc` with an empty cache directory.
    pub rustc_mode: Option<(f64, u64)>,
    /// The same with the cache its previous run left (the workspace unchanged).
    pub rustc_cached: Option<(f64, u64)>,
    /// `cargo check --workspace` into an empty target directory.
    pub cargo_check: Option<(f64, u64)>,
    /// Slow measurements that failed, and why (their cells show `–`).
    pub failures: Vec<String>,
}

/// The cache states the in-process scan is measured in (see [`ScanReport`]).
#[derive(Clone, Copy)]
enum CacheState {
    Uncached,
    Cold,
    Edited,
    Moved,
    Fresh,
}

impl CacheState {
    const ALL: [CacheState; 5] = [
        CacheState::Fresh,
        CacheState::Edited,
        CacheState::Moved,
        CacheState::Cold,
        CacheState::Uncached,
    ];

    fn name(self) -> &'static str {
        match self {
            CacheState::Uncached => "no cache",
            CacheState::Cold => "cold cache",
            CacheState::Edited => "after an edit",
            CacheState::Moved => "new path + one edit",
            CacheState::Fresh => "unchanged",
        }
    }

    /// Whether the scan runs `cargo metadata` (otherwise its answer comes from the cache: the
    /// edit changes no input of cargo's, and at a new path the stored answer is moved).
    fn runs_cargo(self) -> bool {
        matches!(self, CacheState::Uncached | CacheState::Cold)
    }
}

impl WorkspaceRow {
    fn timings(&self, state: CacheState) -> &Timings {
        match state {
            CacheState::Uncached => &self.scan.uncached,
            CacheState::Cold => &self.scan.cold,
            CacheState::Edited => &self.scan.edited,
            CacheState::Moved => &self.scan.moved,
            CacheState::Fresh => &self.scan.fresh,
        }
    }

    fn scan_secs(&self, state: CacheState) -> f64 {
        median(&self.timings(state).wall)
    }

    fn metadata_secs(&self) -> f64 {
        median(&self.scan.metadata)
    }

    /// The scan without its `cargo metadata` run, where it runs one (never below zero).
    fn scan_only_secs(&self, state: CacheState) -> f64 {
        match state.runs_cargo() {
            true => (self.scan_secs(state) - self.metadata_secs()).max(0.0),
            false => self.scan_secs(state),
        }
    }

    fn floor_secs(&self) -> f64 {
        median(&self.scan.floor.wall)
    }

    fn cpu_secs(&self, state: CacheState) -> f64 {
        median(&self.timings(state).cpu)
    }

    fn cpu_ratio(&self, state: CacheState) -> f64 {
        self.cpu_secs(state) / median(&self.scan.floor.cpu)
    }
}

/// `nix-instantiate --eval` with the plugin loaded: (median seconds, peak RSS KiB) of each;
/// with the plugin's cache (fresh) unless said otherwise.
pub struct Plugin {
    /// `null`: an evaluation that does nothing.
    pub baseline: (f64, u64),
    /// `builtins.seq (builtins.rustUnitSources <own workspace>) null`.
    pub call: (f64, u64),
    /// `builtins.deepSeq (…) null`: every value of the model forced.
    pub deep: (f64, u64),
    /// The same without the plugin's cache (`RUST_UNIT_SOURCES_CACHE_DIR=`).
    pub deep_uncached: (f64, u64),
    /// Ten deep calls in a row, each result garbage after the next starts.
    pub ten_deep: (f64, u64),
}

/// One benchmark run.
pub struct Results {
    /// Where it ran.
    pub machine: Machine,
    /// How often each measurement ran.
    pub options: RunOptions,
    /// The measured workspaces: real ones first, then the generated ones.
    pub rows: Vec<WorkspaceRow>,
    /// The plugin's cost on this project's workspace.
    pub plugin: Plugin,
}

fn time(secs: f64) -> String {
    if secs < 1.0 {
        format!("{:.1} ms", secs * 1000.0)
    } else {
        format!("{secs:.2} s")
    }
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.1}×", a / b)
    } else {
        "–".into()
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "**met**"
    } else {
        "**missed**"
    }
}

/// `docs/performance.md` for `results`.
pub fn render(results: &Results) -> String {
    let mut out = String::new();
    let m = &results.machine;
    let _ = writeln!(
        out,
        "# Performance\n\n\
         Written by the benchmark `unit-sources-bench` (`rust/bench`), every number from one run \
         on one machine. To reproduce:\n\n```sh\n{REPRODUCE}\n```\n\n\
         - Machine: {} × {} (`nproc` = {}), {:.0} GiB of memory; {}.\n\
         - Date: {}.\n\
         - Each figure is the median of {} runs ({} for `--mode rustc` and `cargo check`), page \
         cache warm (an untimed scan precedes the timed ones).\n\
         - Load average (1, 5, 15 min) at the start: {}; at the end: {}. Wall times grow with \
         whatever else runs on the machine; the CPU-time ratio does much less.\n",
        m.cpus,
        m.cpu,
        m.cpus,
        m.memory_gib,
        m.tools.join(", "),
        m.date,
        results.options.runs,
        results.options.slow_runs,
        m.load_before,
        m.load_after,
    );
    targets(&mut out, results);
    flake_targets(&mut out, results);
    floor_table(&mut out, results);
    process_table(&mut out, results);
    plugin_table(&mut out, &results.plugin);
    memory(&mut out, results);
    method(&mut out);
    out
}

fn targets(out: &mut String, results: &Results) {
    let _ = writeln!(
        out,
        "## Targets (issue 7)\n\n\
         The scan runs in every evaluation; in most of them the workspace is unchanged since the \
         last one (*unchanged*: cargo's stored answer and the fingerprint hold, cargo does not \
         run), after an edit one file differs (*after an edit*: cargo's answer still holds; the \
         units reading the file are walked again, the others taken over from the fingerprint). \
         *Cold cache* is the first scan of a workspace (it runs cargo and writes the caches), \
         *no cache* the scan's whole work without them (`--no-cache`).\n\n\
         | target | measured | |\n|---|---|---|"
    );
    for row in results.rows.iter().filter(|r| r.rustc_mode.is_some()) {
        // A new path is issue 19's state: its target is below.
        let issue_7 = CacheState::ALL
            .into_iter()
            .filter(|s| !matches!(s, CacheState::Moved));
        for state in issue_7 {
            let with = row.scan_secs(state) / row.floor_secs();
            let cpu = row.cpu_ratio(state);
            let label = format!(
                "native scan ≤ 2× the read+hash floor, {}, {}",
                row.name,
                state.name()
            );
            if !state.runs_cargo() {
                let _ = writeln!(
                    out,
                    "| {label} | wall: {with:.1}× (cargo does not run: its answer is in the \
                     cache); CPU time: {cpu:.1}× | {} in wall time, {} in CPU time |",
                    verdict(with <= 2.0),
                    verdict(cpu <= 2.0)
                );
                continue;
            }
            let without = row.scan_only_secs(state) / row.floor_secs();
            // The scan's own share disappears in the noise when `cargo metadata` is nearly all
            // of it (timed apart, it may take longer than the scan that runs it).
            let (without_text, without_verdict) = if row.scan_only_secs(state) > 0.0 {
                (format!("{without:.1}×"), verdict(without <= 2.0))
            } else {
                (
                    "≈ 0 (within the noise of `cargo metadata`)".to_string(),
                    "–",
                )
            };
            let _ = writeln!(
                out,
                "| {label} | wall: {with:.1}× with `cargo metadata`, {without_text} without; CPU \
                 time: {cpu:.1}× | {} with, {} without, {} in CPU time |",
                verdict(with <= 2.0),
                without_verdict,
                verdict(cpu <= 2.0)
            );
        }
    }
    for row in &results.rows {
        if let (Some(native), Some(cached), Some(rustc)) =
            (row.cli_native, row.cli_cached, row.rustc_mode)
        {
            let _ = writeln!(
                out,
                "| native ≥ 100× faster than `--mode rustc`, {} | unchanged: {:.0}× ({} vs {}); \
                 no cache: {:.0}× ({}) | {} unchanged, {} no cache |",
                row.name,
                rustc.0 / cached.0,
                time(cached.0),
                time(rustc.0),
                rustc.0 / native.0,
                time(native.0),
                verdict(rustc.0 / cached.0 >= 100.0),
                verdict(rustc.0 / native.0 >= 100.0)
            );
        }
    }
    let generated: Vec<&WorkspaceRow> = results
        .rows
        .iter()
        .filter(|r| r.rustc_mode.is_none())
        .collect();
    if let Some(largest) = generated.iter().max_by_key(|r| r.scan.packages) {
        let states: Vec<String> = CacheState::ALL
            .iter()
            .map(|&s| format!("{} {}", s.name(), time(largest.scan_secs(s))))
            .collect();
        let _ = writeln!(
            out,
            "| {} scanned in < 1 s on {} cores ({} units, {} files) | in-process: {}; the \
             `cargo-unit-sources` process: unchanged {}, no cache {} | {} unchanged, {} after \
             an edit, {} no cache |",
            largest.name,
            results.machine.cpus,
            largest.scan.units,
            largest.scan.files,
            states.join(", "),
            largest.cli_cached.map_or("–".into(), |c| time(c.0)),
            largest.cli_native.map_or("–".into(), |c| time(c.0)),
            verdict(largest.scan_secs(CacheState::Fresh) < 1.0),
            verdict(largest.scan_secs(CacheState::Edited) < 1.0),
            verdict(largest.scan_secs(CacheState::Uncached) < 1.0)
        );
    }
    let sizes: Vec<usize> = generated.iter().map(|r| r.scan.packages).collect();
    if let Some((small, large)) = linearity_pair(&sizes).map(|(s, l)| (generated[s], generated[l]))
    {
        for state in [CacheState::Fresh, CacheState::Uncached] {
            let per_file = |r: &WorkspaceRow| r.scan_only_secs(state) / r.scan.files as f64;
            let growth = per_file(large) / per_file(small);
            let _ = writeln!(
                out,
                "| cost linear in files, {} | per file (scan − metadata) {:.1} µs at {} files, \
                 {:.1} µs at {} files: ×{growth:.2} | {} |",
                state.name(),
                per_file(small) * 1e6,
                small.scan.files,
                per_file(large) * 1e6,
                large.scan.files,
                verdict(growth <= 1.5)
            );
        }
    }
    let p = &results.plugin;
    let added = p.call.0 - p.baseline.0;
    let added_deep = p.deep.0 - p.baseline.0;
    let added_uncached = p.deep_uncached.0 - p.baseline.0;
    let _ = writeln!(
        out,
        "| plugin call on this project's workspace adds < 100 ms to an evaluation | unchanged: \
         {} (forced to WHNF), {} (`deepSeq`); no cache: {} (`deepSeq`) | {} unchanged, {} no \
         cache |\n",
        time(added),
        time(added_deep),
        time(added_uncached),
        verdict(added_deep < 0.1),
        verdict(added_uncached < 0.1)
    );
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Issue 19's targets: a flake's next revision (a new path with one edit) against an in-place
/// edit, what each revision adds to the cache directory, and the directory under a small limit.
fn flake_targets(out: &mut String, results: &Results) {
    let _ = writeln!(
        out,
        "## Targets (issue 19): caches that serve flakes\n\n\
         In a flake, `self` is a new store path for every revision. The scan of a new path \
         finds the previous revision's record by what identifies the workspace, checks every \
         observation in it at the new root, and takes over cargo's answer and the units that do \
         not read the edited file (*new path + one edit*: each revision is the previous one \
         copied to a new sibling directory with one more comment appended to the edited file, \
         scanned with the cache the previous revisions filled). Before issue 19 a new path \
         missed every cache (the crates.io workspace: 0.66 s against 0.14 s for an in-place \
         edit, no cache 0.60 s) and wrote 4.7 MB of cache files each time.\n\n\
         | target | measured | |\n|---|---|---|"
    );
    let largest = results
        .rows
        .iter()
        .filter(|r| r.rustc_mode.is_none())
        .max_by_key(|r| r.scan.packages);
    let targeted = results
        .rows
        .iter()
        .filter(|r| r.name.starts_with("crates.io") || largest.is_some_and(|l| l.name == r.name));
    for row in targeted {
        let (moved, edited) = (
            row.scan_secs(CacheState::Moved),
            row.scan_secs(CacheState::Edited),
        );
        let (wall, cpu) = (
            moved / edited,
            row.cpu_secs(CacheState::Moved) / row.cpu_secs(CacheState::Edited),
        );
        let _ = writeln!(
            out,
            "| new path + one edit ≤ 1.5× an in-place edit, {} | wall: {wall:.2}× ({} vs {}); \
             CPU time: {cpu:.2}× | {} in wall time, {} in CPU time |",
            row.name,
            time(moved),
            time(edited),
            verdict(wall <= 1.5),
            verdict(cpu <= 1.5)
        );
    }
    for row in &results.rows {
        let growth = &row.scan.growth;
        let Some(worst) = growth.iter().max_by_key(|g| g.bytes) else {
            continue;
        };
        let (records, record_bytes) = worst.added("scan");
        let (entries, entry_bytes) = worst.added("parse");
        let others: u64 = worst
            .added
            .iter()
            .filter(|(kind, _)| !matches!(kind.as_str(), "scan" | "parse"))
            .map(|(_, (files, _))| files)
            .sum();
        let _ = writeln!(
            out,
            "| a new revision grows the cache by at most the changed files' entries + one \
             record, {} | largest of {} revisions (1 file changed in each): {records} record \
             ({}) + {entries} parse entr{} ({}), {others} other new files; {} in all | {} |",
            row.name,
            growth.len(),
            kib(record_bytes),
            if entries == 1 { "y" } else { "ies" },
            kib(entry_bytes),
            kib(worst.bytes.max(0) as u64),
            verdict(growth.iter().all(|g| g.within_bound(1)))
        );
    }
    for row in &results.rows {
        let l = &row.scan.limited;
        if l.revisions == 0 {
            continue;
        }
        let _ = writeln!(
            out,
            "| the cache never exceeds its limit by more than one record, {} | limit {} (what \
             one revision's scan left, plus two records); after each of {} revisions ({} of them \
             evicting): at most {} over it, the largest record {} | {} |",
            row.name,
            kib(l.limit),
            l.revisions,
            l.evicting,
            kib(l.largest_excess.max(0) as u64),
            kib(l.largest_record),
            verdict(l.within_limit())
        );
    }
    let _ = writeln!(
        out,
        "\nPer workspace: the medians of the new path + one edit and of the in-place edit (both \
         also in the tables below), the scan of a new revision under the small limit, and the \
         largest total the directory held after such a scan:\n\n\
         | workspace | in-place edit | new path + one edit | ratio | under the small limit | \
         limit | largest total after a scan |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for row in &results.rows {
        let l = &row.scan.limited;
        let (moved, edited) = (
            row.scan_secs(CacheState::Moved),
            row.scan_secs(CacheState::Edited),
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.name,
            time(edited),
            time(moved),
            ratio(moved, edited),
            time(median(&l.wall)),
            kib(l.limit),
            kib(l.largest_total)
        );
    }
    let _ = writeln!(
        out,
        "\nThe directory is measured after each scan, as `cargo unit-sources cache info` counts \
         it (every file's allocated blocks; `usage` and temporary files of writes in progress \
         aside). While a scan runs, before it evicts, it holds in addition what that scan wrote \
         (one record and the entries of the files it lexed).\n"
    );
}

fn floor_table(out: &mut String, results: &Results) {
    let states = CacheState::ALL;
    let names: Vec<&str> = states.iter().map(|s| s.name()).collect();
    let _ = writeln!(
        out,
        "## Native scan against its floor\n\n\
         In-process `rust_unit_sources::scan` (every unit, default superset of features, no \
         target) against the floor: reading every file the model lists (all units' `files` and \
         `manifests`, each once) and hashing it with blake3, on rayon's pool. `cargo metadata` \
         is the `cargo metadata --no-deps --offline` process a scan runs when the cache holds no \
         valid answer of cargo's (cold cache, no cache), timed alone. \
         The scan in five cache states: *{}* (the fingerprint of the previous scan holds), *{}* \
         (a comment appended to one library's `src/lib.rs` before each run, the file listed \
         below: the units reading it are walked again, the others taken over), *{}* (the \
         previous revision copied to a new path with one more comment appended to that file: \
         cargo's answer and the other units taken over from the previous revision's record), \
         *{}* (empty cache directory before each run: the scan also writes its record and the \
         parse cache) and *{}* (no cache directory).\n\n\
         Wall time:\n\n\
         | workspace | packages | units | files | MiB | `cargo metadata` | floor | {} | \
         (scan − metadata) / floor: {} |\n|---|{}",
        names[0],
        names[1],
        names[2],
        names[3],
        names[4],
        names.join(" | "),
        names.join(" | "),
        "---:|".repeat(6 + 2 * states.len()),
    );
    for row in &results.rows {
        let s = &row.scan;
        let scans: Vec<String> = states.iter().map(|&st| time(row.scan_secs(st))).collect();
        let ratios: Vec<String> = states
            .iter()
            .map(|&st| ratio(row.scan_only_secs(st), row.floor_secs()))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.1} | {} | {} | {} | {} |",
            row.name,
            s.packages,
            s.units,
            s.files,
            s.bytes as f64 / 1024.0 / 1024.0,
            time(row.metadata_secs()),
            time(row.floor_secs()),
            scans.join(" | "),
            ratios.join(" | "),
        );
    }
    let edited: Vec<String> = results
        .rows
        .iter()
        .map(|r| format!("{}: `{}`", r.name, r.scan.edited_file))
        .collect();
    let _ = writeln!(out, "\nEdited files: {}.", edited.join("; "));
    let _ = writeln!(
        out,
        "\nCPU time (user + system of all threads; `cargo metadata`, a child process, not \
         included), and µs of wall time per listed file:\n\n\
         | workspace | floor | {} | scan / floor: {} | µs per file (scan − metadata): {} \
         | peak RSS |\n|---|{}",
        names.join(" | "),
        names.join(" | "),
        names.join(" | "),
        "---:|".repeat(2 + 3 * states.len()),
    );
    for row in &results.rows {
        let s = &row.scan;
        let cpu: Vec<String> = states.iter().map(|&st| time(row.cpu_secs(st))).collect();
        let ratios: Vec<String> = states
            .iter()
            .map(|&st| format!("{:.1}×", row.cpu_ratio(st)))
            .collect();
        let per_file: Vec<String> = states
            .iter()
            .map(|&st| format!("{:.1}", row.scan_only_secs(st) / s.files as f64 * 1e6))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            row.name,
            time(median(&s.floor.cpu)),
            cpu.join(" | "),
            ratios.join(" | "),
            per_file.join(" | "),
            mib(s.peak_rss_kb),
        );
    }
    let _ = writeln!(
        out,
        "\nGenerated workspaces: each package a library whose module tree is {DEPTH} levels \
         deep with {FANOUT} submodules per module (`x.rs` + `x/` and `x/mod.rs` layouts, one \
         `cfg(feature)` module per level, inline `cfg(test)` modules), an `include_str!`, an \
         `env!`, an integration test and a path dependency on the previous package: 3 units \
         (lib, lib-test, test) per package.\n"
    );
}

fn process_table(out: &mut String, results: &Results) {
    let _ = writeln!(
        out,
        "## Against `--mode rustc` and `cargo check`\n\n\
         Whole processes: `cargo-unit-sources scan` (JSON to /dev/null) in native mode, with \
         `--no-cache` and with a fresh fingerprint in its `--cache-dir`; with `--mode rustc` \
         (the native scan, then `rustc --emit=dep-info` for every unit, on rayon's pool) with an \
         empty `--cache-dir` (*cold*) and with the one its previous run left (*warm*: every \
         unit's dep-info from the cache, rustc runs only `-vV`); and `cargo check --workspace \
         --offline` into an empty target directory. Peak RSS is the largest of the process and \
         any process it waited for.\n\n\
         | workspace | native, unchanged | native, no cache | `--mode rustc`, cold | `--mode \
         rustc`, warm | `cargo check` from clean | rustc / native unchanged | rustc / native no \
         cache | check / native no cache | peak RSS native | peak RSS rustc | peak RSS check |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for row in &results.rows {
        let Some(native) = row.cli_native else {
            continue;
        };
        let show = |entry: Option<(f64, u64)>| entry.map_or("–".into(), |e| time(e.0));
        let show_rss = |entry: Option<(f64, u64)>| entry.map_or("–".into(), |e| mib(e.1));
        let relative = |entry: Option<(f64, u64)>, to: f64| {
            entry.map_or("–".into(), |e| format!("{:.0}×", e.0 / to))
        };
        let cached = row.cli_cached.map_or(native.0, |c| c.0);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.name,
            show(row.cli_cached),
            time(native.0),
            show(row.rustc_mode),
            show(row.rustc_cached),
            show(row.cargo_check),
            relative(row.rustc_mode, cached),
            relative(row.rustc_mode, native.0),
            relative(row.cargo_check, native.0),
            mib(native.1),
            show_rss(row.rustc_mode),
            show_rss(row.cargo_check),
        );
    }
    out.push('\n');
    for row in &results.rows {
        for failure in &row.failures {
            let _ = writeln!(out, "- {}: {failure}", row.name);
        }
    }
    out.push('\n');
}

fn plugin_table(out: &mut String, p: &Plugin) {
    let _ = writeln!(
        out,
        "## Nix plugin\n\n\
         `nix-instantiate --eval --option plugin-files target/release/librust_unit_sources_nix.so \
         -E <expression>` on this project's workspace (`W`), with the plugin's cache directory \
         (`RUST_UNIT_SOURCES_CACHE_DIR`) filled by an untimed run first unless said \
         otherwise:\n\n\
         | expression | time | added | peak RSS |\n|---|---:|---:|---:|"
    );
    let rows = [
        ("`null`", p.baseline),
        ("`builtins.seq (builtins.rustUnitSources W) null`", p.call),
        (
            "`builtins.deepSeq (builtins.rustUnitSources W) null`",
            p.deep,
        ),
        (
            "the same, no cache (`RUST_UNIT_SOURCES_CACHE_DIR=`)",
            p.deep_uncached,
        ),
        ("ten `deepSeq` calls in a row (`foldl'`)", p.ten_deep),
    ];
    for (expr, (secs, rss)) in rows {
        let _ = writeln!(
            out,
            "| {expr} | {} | {} | {} |",
            time(secs),
            time(secs - p.baseline.0),
            mib(rss)
        );
    }
    let _ = writeln!(
        out,
        "\nPeak RSS grows by {:.1} MiB per further call (ten calls against one).\n",
        (p.ten_deep.1 as f64 - p.deep.1 as f64) / 9.0 / 1024.0
    );
}

fn memory(out: &mut String, results: &Results) {
    let runs = results.options.runs;
    let half = runs.div_ceil(2);
    let _ = writeln!(
        out,
        "## Memory across calls\n\n\
         The library allocates everything per call and frees it on return (the plugin calls it \
         once per `builtins.rustUnitSources` and drops the model after serialising it). Resident \
         memory of the in-process benchmark after its first scan, then after {half} and {runs} \
         more (each model dropped): it levels off once the allocator's per-thread arenas have \
         grown, where a leak would keep growing with every call.\n\n\
         | workspace | after 1 scan | after {half} more | after {runs} more | peak |\n\
         |---|---:|---:|---:|---:|"
    );
    for row in &results.rows {
        let s = &row.scan;
        let after = |n: usize| {
            s.rss_after_kb
                .get(n.wrapping_sub(1))
                .map_or("–".into(), |&k| mib(k))
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            row.name,
            mib(s.rss_after_first_kb),
            after(half),
            after(runs),
            mib(s.peak_rss_kb)
        );
    }
    out.push('\n');
}

fn method(out: &mut String) {
    out.push_str(
        "## Method\n\n\
         - **The crates.io workspace** is assembled at bench time (`rust/bench/src/crates_io.rs`): \
         a seed project (`rust/bench/seed.toml`, versions pinned by `rust/bench/seed.lock`) \
         depends on about thirty popular crates; `cargo vendor` fetches its whole graph; every \
         package cargo compiles for the seed on the host (the newest version of each) is copied \
         unchanged into `crates/<name>` and becomes a member; dependencies between members \
         become path dependencies (where the member's version meets the requirement), so the \
         members depend on each other inside the workspace. The scan and `--mode rustc` never \
         resolve dependencies, so the workspace needs no lock file (the members' \
         dev-dependencies were never vendored). `cargo check` from clean runs on the seed \
         project, offline from the vendored sources: the same packages, with the features cargo \
         resolves for them, libraries and build scripts (the scan also covers the members' \
         tests, benches and examples, which cargo does not check there).\n\
         - **This project's workspace** is scanned in a copy (without `target/` and hidden \
         directories), since the edit measurement appends to a file; `cargo check --workspace` \
         from clean builds the repository itself and compiles its crates.io dependencies too \
         (into an empty target directory, offline).\n\
         - **Cache states** are measured in the worker's own cache directory; the \
         `cargo-unit-sources` and plugin processes get theirs (`--cache-dir`, \
         `RUST_UNIT_SOURCES_CACHE_DIR`), filled by an untimed run first; `--no-cache` and an \
         empty `RUST_UNIT_SOURCES_CACHE_DIR` turn them off.\n\
         - **The floor** is what any tool listing and hashing the same files must do at least: \
         one `read` and one blake3 per file, in parallel. The scan does that too (every file's \
         digest goes into the unit hashes) and in addition lexes Rust files, resolves modules \
         (`stat`s for `x.rs` / `x/mod.rs`), plans units from `cargo metadata`, and builds the \
         model.\n\
         - **`cargo metadata`** is one process spawn in the scans that run it (cold cache, no \
         cache); its cost is that of cargo loading every manifest and does not depend on the \
         scanner. It is timed alone and subtracted in those states' \"scan − metadata\" \
         columns. With a cache whose answer of cargo's holds (unchanged, after an edit) cargo \
         does not run and nothing is subtracted.\n\
         - **Peak RSS** of processes comes from `getrusage(RUSAGE_CHILDREN)` in a worker process \
         that runs only the measured command; the in-process scan's from `RUSAGE_SELF` in a \
         worker that only scans.\n\
         - The benchmark is a binary, not a test: `cargo test` never runs it. \
         `unit-sources-bench generate --packages N DIR` and `unit-sources-bench crates-io DIR` \
         write the generated and the crates.io workspaces for profiling.\n\n\
         ## Where the time goes\n\n\
         - **Unchanged** (every evaluation of a workspace nobody edited): the check of cargo's \
         stored answer (every manifest read and hashed, a `stat` per path target \
         auto-discovery looks at, the configuration files and the `cargo` binary's identity), \
         then the fingerprint check, which reads and hashes every recorded file (the floor's \
         work; it streams each file through blake3 without allocating, so it can come in under \
         the floor) and `lstat`s every probed path (on the generated workspaces, every module's \
         missing alternative: `x/mod.rs` beside `x.rs`), then decodes the stored model. Before \
         cargo's answer was cached, `cargo metadata` (one process, single-threaded) was the \
         largest part on every workspace here and nearly the whole cost on small ones.\n\
         - **After an edit**: the checks as above, then planning, walking the few units that \
         read the edited file (lexing only it), and writing the fingerprint and parse cache \
         again.\n\
         - **No cache**: instruction counts (callgrind, one thread, `cargo-unit-sources scan` \
         on the crates.io workspace, measured while working on issue 7): rustc's lexer \
         (`ra-ap-rustc_lexer`) is about 30% of the scan's instructions; building token trees \
         and extracting items about 40%, a third of that `malloc`/`free` of the trees' vectors; \
         blake3 3%; module resolution, paths and hash maps the rest. The lexer alone costs \
         three to four times the floor's CPU time, so a scan that lexes everything cannot come \
         within 2× of the floor: hence the caches.\n\n\
         Optimisations made for issue 7:\n\n\
         - `cargo metadata`'s answer cached (`rust/unit-sources/src/workspace/metadata_cache.rs`) with \
         observations of every input cargo reads for it: on this project's workspace cargo was \
         41 of the 44 ms of an unchanged scan, on 1000 generated packages 0.88 of 1.20 s \
         (the previous run of this benchmark). Checking while cargo runs, tried before, \
         gained nothing: on two cores both are CPU-bound and slowed each other down.\n\
         - The scan fingerprint (`rust/unit-sources/src/record/inputs.rs`): cargo's freshness \
         check applied to the model, per unit. `cargo-unit-sources scan` on the crates.io \
         workspace, measured while developing it: 626 ms without → 181 ms with a fresh \
         fingerprint (of which `cargo metadata` about 90 ms); after editing one file, about \
         290 ms.\n\
         - The parse cache (`parse_cache.rs`): items by content digest, indexed on load and \
         decoded on lookup. Without a fingerprint, the crates.io workspace: 881 → 356 ms.\n\
         - Each candidate path is `stat`ed once per scan (a workspace-wide cache): the walk \
         used to `stat` a module file three times per unit that reads it and its missing \
         alternative once per unit; `statx` calls for the 1000-package workspace, `cargo \
         metadata` included: 297,035 → 144,035. A missing path costs one `lstat`, not `stat` \
         + `lstat`.\n\
         - Token trees: one shared stack of trees, a group's trees moved once into a vector of \
         their exact size when it closes; newlines counted only in tokens that can span lines; \
         the lexer's cursor driven directly. Instructions for the crates.io workspace: 7.24 G \
         → 6.51 G (−10%), same model.\n\
         - Already in place: one `SourceCache` per scan shared by all units and threads (each \
         file read, hashed with blake3 and lexed once, however many units read it), units \
         scanned on rayon's pool, one `cargo metadata` per scan, no process per unit.\n\n\
         - `--mode rustc` keeps each unit's dep-info in the cache (`dep_info_cache.rs`), keyed by \
         `rustc -vV` and the unit's configuration and checked by the digests of the files it \
         lists: a warm run reruns rustc only for units whose inputs changed.\n\n\
         Left out: caching cargo's answer with `--dependencies` (its inputs then include \
         `Cargo.lock`, vendored sources and source replacement: cargo always runs), and a flat \
         token representation that would make the uncached scan cheaper (a rewrite of the \
         extractor).\n",
    );
}

/// Which two of the generated workspaces (by package count, `sizes`) the "cost linear in
/// files" row compares: the largest, and the smallest with at least 100 packages that is
/// smaller still (below 100, fixed costs dominate), else the largest smaller one. `None` when
/// no two sizes differ: a row comparing a size with itself would say nothing.
fn linearity_pair(sizes: &[usize]) -> Option<(usize, usize)> {
    let large = (0..sizes.len()).max_by_key(|&i| sizes[i])?;
    let smaller = || (0..sizes.len()).filter(|&i| sizes[i] < sizes[large]);
    let small = smaller()
        .filter(|&i| sizes[i] >= 100)
        .min_by_key(|&i| sizes[i])
        .or_else(|| smaller().max_by_key(|&i| sizes[i]))?;
    Some((small, large))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_ratios_read_well() {
        assert_eq!(time(0.0123), "12.3 ms");
        assert_eq!(time(12.345), "12.35 s");
        assert_eq!(ratio(3.0, 2.0), "1.5×");
        assert_eq!(ratio(3.0, 0.0), "–");
        assert_eq!(mib(2048), "2 MiB");
    }

    #[test]
    fn the_linearity_row_compares_two_different_sizes() {
        assert_eq!(linearity_pair(&[10, 100, 1000]), Some((1, 2)));
        assert_eq!(linearity_pair(&[10, 1000]), Some((0, 1)));
        assert_eq!(linearity_pair(&[1000, 100, 300]), Some((1, 0)));
        assert_eq!(linearity_pair(&[1000]), None);
        assert_eq!(linearity_pair(&[1000, 1000]), None);
        assert_eq!(linearity_pair(&[]), None);
    }
}
