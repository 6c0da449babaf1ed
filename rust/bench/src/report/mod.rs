//! The results of one benchmark run and their rendering as `docs/performance.md`.
//!
//! [`render`] writes the document's sections in order: the targets' tables
//! ([`targets`](mod@targets)), the measurement tables ([`tables`](mod@tables)) and the method
//! ([`method`](mod@method)), from the [`Results`] of one run ([`machine`]: where it ran;
//! [`row`]: one workspace's measurements) and the cells [`format`](mod@format) writes.

mod format;
mod machine;
mod method;
mod row;
mod tables;
mod targets;

pub use machine::{load_average, Machine};
pub use row::WorkspaceRow;

use method::method;
use std::fmt::Write as _;
use tables::{floor_table, memory, plugin_table, process_table};
use targets::{flake_targets, targets};

/// The command that regenerates `docs/performance.md`.
pub const REPRODUCE: &str =
    "cargo build --release --workspace && target/release/unit-sources-bench";

/// How many times each measurement ran.
pub struct RunOptions {
    /// Runs of each fast measurement.
    pub runs: usize,
    /// Runs of `--mode rustc` and of `cargo check`.
    pub slow_runs: usize,
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
