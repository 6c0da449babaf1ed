//! One workspace's measurements, and the cache states its in-process scan is measured in.

use crate::measure::{median, ScanReport, Timings};

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
pub(super) enum CacheState {
    Uncached,
    Cold,
    Edited,
    Moved,
    Fresh,
}

impl CacheState {
    pub(super) const ALL: [CacheState; 5] = [
        CacheState::Fresh,
        CacheState::Edited,
        CacheState::Moved,
        CacheState::Cold,
        CacheState::Uncached,
    ];

    pub(super) fn name(self) -> &'static str {
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
    pub(super) fn runs_cargo(self) -> bool {
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

    pub(super) fn scan_secs(&self, state: CacheState) -> f64 {
        median(&self.timings(state).wall)
    }

    pub(super) fn metadata_secs(&self) -> f64 {
        median(&self.scan.metadata)
    }

    /// The scan without its `cargo metadata` run, where it runs one (never below zero).
    pub(super) fn scan_only_secs(&self, state: CacheState) -> f64 {
        match state.runs_cargo() {
            true => (self.scan_secs(state) - self.metadata_secs()).max(0.0),
            false => self.scan_secs(state),
        }
    }

    pub(super) fn floor_secs(&self) -> f64 {
        median(&self.scan.floor.wall)
    }

    pub(super) fn cpu_secs(&self, state: CacheState) -> f64 {
        median(&self.timings(state).cpu)
    }

    pub(super) fn cpu_ratio(&self, state: CacheState) -> f64 {
        self.cpu_secs(state) / median(&self.scan.floor.cpu)
    }
}
