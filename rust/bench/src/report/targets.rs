//! The targets' tables: issue 7's (the native scan against its floor, `--mode rustc`, the
//! largest generated workspace, linearity, the plugin) and issue 19's (caches that serve flakes).

use super::format::{kib, ratio, time, verdict};
use super::row::CacheState;
use super::{Plugin, Results, WorkspaceRow};
use crate::measure::median;
use std::fmt::Write as _;

/// Issue 7's targets: the native scan against its floor and against `--mode rustc`, the largest
/// generated workspace, linearity in files, and the plugin's cost in an evaluation.
pub(super) fn targets(out: &mut String, results: &Results) {
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
    floor_targets(out, results);
    rustc_targets(out, results);
    let generated = generated_rows(results);
    largest_target(out, results, &generated);
    linearity_targets(out, &generated);
    plugin_target(out, &results.plugin);
}

/// A row per real workspace and cache state (but a new path's): the scan against the floor.
fn floor_targets(out: &mut String, results: &Results) {
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
}

/// A row per workspace measured with `--mode rustc`: the native scan against it.
fn rustc_targets(out: &mut String, results: &Results) {
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
}

/// The generated workspaces' rows (those without `--mode rustc`).
fn generated_rows(results: &Results) -> Vec<&WorkspaceRow> {
    results
        .rows
        .iter()
        .filter(|r| r.rustc_mode.is_none())
        .collect()
}

/// The largest generated workspace scanned in under a second.
fn largest_target(out: &mut String, results: &Results, generated: &[&WorkspaceRow]) {
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
}

/// The cost per file at two sizes of generated workspace ([`linearity_pair`]).
fn linearity_targets(out: &mut String, generated: &[&WorkspaceRow]) {
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
}

/// What a plugin call adds to an evaluation.
fn plugin_target(out: &mut String, p: &Plugin) {
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

/// Issue 19's targets: a flake's next revision (a new path with one edit) against an in-place
/// edit, what each revision adds to the cache directory, and the directory under a small limit.
pub(super) fn flake_targets(out: &mut String, results: &Results) {
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
    revision_targets(out, results);
    growth_targets(out, results);
    limit_targets(out, results);
    revision_table(out, results);
}

/// A new path + one edit against an in-place edit, on the crates.io workspace and the largest
/// generated one.
fn revision_targets(out: &mut String, results: &Results) {
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
}

/// A row per workspace: the most a revision added to the cache directory.
fn growth_targets(out: &mut String, results: &Results) {
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
}

/// A row per workspace measured under a small limit: the most the directory exceeded it by.
fn limit_targets(out: &mut String, results: &Results) {
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
}

/// The table of a revision's scan per workspace, and how the directory is measured.
fn revision_table(out: &mut String, results: &Results) {
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
    fn the_linearity_row_compares_two_different_sizes() {
        assert_eq!(linearity_pair(&[10, 100, 1000]), Some((1, 2)));
        assert_eq!(linearity_pair(&[10, 1000]), Some((0, 1)));
        assert_eq!(linearity_pair(&[1000, 100, 300]), Some((1, 0)));
        assert_eq!(linearity_pair(&[1000]), None);
        assert_eq!(linearity_pair(&[1000, 1000]), None);
        assert_eq!(linearity_pair(&[]), None);
    }
}
