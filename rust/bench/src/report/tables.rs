//! The measurement tables: the native scan against its floor, whole processes against
//! `--mode rustc` and `cargo check`, the Nix plugin, and memory across calls.

use super::format::{mib, ratio, time};
use super::row::CacheState;
use super::{Plugin, Results};
use crate::generate::{DEPTH, FANOUT};
use crate::measure::median;
use std::fmt::Write as _;

/// The native scan against its floor: wall time, then CPU time, per workspace and cache state.
pub(super) fn floor_table(out: &mut String, results: &Results) {
    floor_wall_time(out, results);
    floor_cpu_time(out, results);
    let _ = writeln!(
        out,
        "\nGenerated workspaces: each package a library whose module tree is {DEPTH} levels \
         deep with {FANOUT} submodules per module (`x.rs` + `x/` and `x/mod.rs` layouts, one \
         `cfg(feature)` module per level, inline `cfg(test)` modules), an `include_str!`, an \
         `env!`, an integration test and a path dependency on the previous package: 3 units \
         (lib, lib-test, test) per package.\n"
    );
}

/// The table of wall times, and the file each workspace's edit touches.
fn floor_wall_time(out: &mut String, results: &Results) {
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
}

/// The table of CPU times, scan / floor ratios, µs per file and peak RSS.
fn floor_cpu_time(out: &mut String, results: &Results) {
    let states = CacheState::ALL;
    let names: Vec<&str> = states.iter().map(|s| s.name()).collect();
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
}

pub(super) fn process_table(out: &mut String, results: &Results) {
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

pub(super) fn plugin_table(out: &mut String, p: &Plugin) {
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

pub(super) fn memory(out: &mut String, results: &Results) {
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
