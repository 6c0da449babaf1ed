//! For every compilation unit of a Cargo workspace, the sorted list of files rustc reads for it.
//!
//! The entry point is [`scan`]: it reads the workspace with `cargo metadata`, enumerates its
//! units ([`UnitKind`]: lib, bins, tests, examples, benches, build script, test harness builds), and
//! follows each unit's module tree and `include!`-family macros from its root file with a real
//! Rust lexer. The result is a [`Model`], which serialises (serde, camelCase) to the JSON the
//! CLI prints and the Nix plugin turns into a Nix value.
//!
//! Guarantees, for every unit of the returned model:
//! - `files` is a superset of what `rustc --emit=dep-info` lists for the unit (modulo features
//!   and target, see [`FeatureSelection`]); what the scanner cannot resolve statically is
//!   widened and recorded in `unresolved`, never dropped;
//! - every path is relative to the workspace root, free of `.` and `..`, `/`-separated,
//!   unique, and sorted bytewise.
//!
//! The crate holds no process-wide state and knows nothing about Nix or C++. Between calls it
//! keeps only the optional on-disk caches in [`ScanOptions::cache_dir`] (parsed files by content
//! digest, and each scan's record: cargo's answer, its file-system inputs and model, relative to
//! the workspace root), which spare work but never change a result; [`cache_info`] and
//! [`cache_gc`] show and trim the directory.

mod cache;
mod cache_info;
mod cfg;
mod error;
mod fs;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod model;
mod oracle;
mod record;
mod relpath;
mod scan;
mod syntax;
mod walk;
mod workspace;

pub use cache::dir::{
    cache_gc, default_cache_limit, parse_size, GcOutcome, Totals, CACHE_LIMIT_VAR,
    DEFAULT_CACHE_LIMIT,
};
pub use cache_info::{cache_info, CacheInfo};
pub use error::Error;
pub use model::unit_id::{UnitId, UnitKind};
pub use model::{BuildInfo, Model, ProfileInfo, Selection, Unit, Unresolved, MODEL_VERSION};

/// The old name of [`Unit`], kept for one release.
#[deprecated(note = "renamed to `Unit`: it is the whole unit record")]
pub type UnitSources = Unit;
pub use oracle::compare::{compare, UnitComparison};
pub use oracle::dep_info::{parse_dep_info, DepInfo};
pub use oracle::rustc::{rustc_dep_info, rustc_model, rustc_oracle, OracleAnswer};
pub use record::store::RecordInfo;
pub use relpath::RelPath;
pub use scan::{default_cache_dir, scan, ScanOptions};
pub use workspace::features::FeatureSelection;
