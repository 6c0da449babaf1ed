//! The model: what the CLI prints as JSON and the plugin returns as a Nix value.

pub(crate) mod unit_id;

use crate::model::unit_id::{UnitId, UnitKind};
use crate::{Error, RelPath};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The schema version of [`Model`]; bumped on any incompatible change (see `docs/schema.md`).
pub const MODEL_VERSION: u32 = 4;

/// The answer for one workspace: every unit and the files rustc reads for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// Always [`MODEL_VERSION`].
    pub version: u32,
    /// The absolute workspace root; every path in the model is relative to it.
    pub root: String,
    /// The units, by id (sorted).
    pub units: BTreeMap<UnitId, Unit>,
}

/// One unit of the model: what cargo compiles it from (kind, root file, features, deps) and
/// every file rustc reads for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unit {
    /// The package name.
    pub package: String,
    /// The package version.
    pub version: String,
    /// The target name (`build-script-build` for build scripts).
    pub target: String,
    /// What the unit compiles.
    pub kind: UnitKind,
    /// The crate types rustc is asked for (`bin` for test harnesses and build scripts).
    pub crate_types: Vec<String>,
    /// The Rust edition (`2015`, `2018`, `2021`, `2024`).
    pub edition: String,
    /// The unit's crate root file.
    pub root_file: RelPath,
    /// The package's own `Cargo.toml` (its directory is `CARGO_MANIFEST_DIR`).
    pub manifest: RelPath,
    /// The features the scan assumed enabled for the package (sorted).
    pub features: Vec<String>,
    /// Every file rustc reads for the unit: sorted bytewise, unique, a superset of its dep-info.
    pub files: Vec<RelPath>,
    /// The manifests the unit's build depends on: the package's `Cargo.toml`, the workspace
    /// root's when the package inherits from it, and `Cargo.lock` when present. Sorted.
    pub manifests: Vec<RelPath>,
    /// Ids of the workspace units this unit needs built first (see `docs/schema.md`). Sorted.
    pub deps: Vec<UnitId>,
    /// The libraries the unit links (`--extern name=…`): the name its code uses (renames
    /// applied, `-` as `_`) → the lib or proc-macro unit. A subset of `deps`.
    pub externs: BTreeMap<String, UnitId>,
    /// Names read with `env!` / `option_env!` in the unit's files (sorted, unique).
    pub env: Vec<String>,
    /// Files included from `OUT_DIR` (the part after `OUT_DIR`, without leading `/`). Sorted.
    /// `None` (JSON `null`) when an include's path cannot be known statically (it may name a
    /// file in `OUT_DIR`): never an empty list then.
    pub out_dir_includes: Option<Vec<String>>,
    /// What the scanner could not resolve statically, and how it widened `files` for it.
    pub unresolved: Vec<Unresolved>,
    /// `build-script-run` units only: the paths (files or directories) the run is known to
    /// depend on, as its `rerun-if-changed` lines declare them (see `docs/schema.md`);
    /// when the script declares none, every file of the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_inputs: Option<Vec<RelPath>>,
    /// `build-script-run` units only: the `rerun-if-env-changed` names (sorted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_env: Option<Vec<String>>,
    /// `build-script-run` units only: whether `run_inputs` is exactly what cargo tracks
    /// (every `rerun-if-changed` literal), rather than a widened superset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_inputs_exact: Option<bool>,
    /// Directories a path rustc opens goes through before a `..` (`#[path = "../x.rs"]` in
    /// `a/b/mod.rs` goes through `a/b`): they must exist for it to open the file, though they
    /// may hold none of `files`. Sorted; omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dirs: Vec<RelPath>,
    /// With dependencies only: whether cargo compiles (or runs) the unit for the host, as a
    /// build script, a proc-macro or what they link, with the host's features and the
    /// `build-override` profile, rather than for the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<bool>,
    /// With dependencies only: the builds whose unit graph holds the unit (sorted): `cargo
    /// build --workspace`'s, `cargo build --workspace --all-targets`' or both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selections: Option<Vec<Selection>>,
    /// With dependencies only: what building the unit needs beyond its files, as cargo
    /// decides it (see `docs/schema.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildInfo>,
    /// blake3 (hex) over `files` and `manifests`: for each path of their sorted union, the path's
    /// bytes, a NUL byte and the 32-byte blake3 of the file's content (32 zero bytes for a file
    /// that cannot be read, in a unit with an `error`).
    pub hash: String,
    /// Why the unit cannot be built, when one of the files it must read is missing, unreadable
    /// or malformed (one line naming the file and line at fault; for a missing root file, the
    /// manifest's entry). `files` then lists what the walk resolved, the failing path
    /// included, and is not complete. Absent for every unit that can be built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A build whose units the model holds (scans with dependencies): each has its own unit graph,
/// and units whose configuration differs between them are two units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Selection {
    /// `cargo build --workspace`: the members' libraries and binaries and what they need.
    Build,
    /// `cargo build --workspace --all-targets`: also examples, tests, benches and test
    /// harnesses, with the features dev-dependencies turn on.
    AllTargets,
}

impl Selection {
    /// Both, in the model's order.
    pub const ALL: [Selection; 2] = [Selection::Build, Selection::AllTargets];

    /// The selection's name in the model.
    pub fn as_str(self) -> &'static str {
        match self {
            Selection::Build => "build",
            Selection::AllTargets => "all-targets",
        }
    }
}

/// A unit's resolved cargo profile, as cargo's unit graph states one (`build.profile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileInfo {
    /// The profile's name (`dev`, `release`, or one the root manifest defines).
    pub name: String,
    /// `opt-level` (`0`…`3`, `s`, `z`).
    pub opt_level: String,
    /// `debug`: `0`, `1`, `2`, `line-tables-only` or `line-directives-only`.
    pub debuginfo: String,
    /// `debug-assertions`.
    pub debug_assertions: bool,
    /// `overflow-checks`.
    pub overflow_checks: bool,
    /// `codegen-units`, when set.
    pub codegen_units: Option<u32>,
    /// `unwind`, `abort` or `immediate-abort`.
    pub panic: String,
    /// `false`, `true`, `off`, `thin` or `fat`.
    pub lto: String,
    /// `strip`, when set or decided (`debuginfo` when nothing has debug information).
    pub strip: Option<String>,
    /// `rpath`.
    pub rpath: bool,
    /// `split-debuginfo`, when set.
    pub split_debuginfo: Option<String>,
    /// Whether cargo compiles the unit incrementally (`-C incremental`): the profile's
    /// `incremental` (`dev`: on, `release`: off), for packages from a path source only (the
    /// members and path dependencies, never registry or vendored crates). What
    /// `nix/build-units.nix`'s `incremental` mode follows.
    pub incremental: bool,
}

/// What building a unit needs beyond its files (scans with dependencies): for a compiled unit,
/// rustc's flags but for paths and the variables cargo sets for it; for a `build-script-run`
/// unit, the build script's environment but for paths and machine-dependent values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    /// Compiled units: the crate name rustc gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crate_name: Option<String>,
    /// Compiled units: the `-C metadata` value (also `-C extra-filename=-<metadata>` of
    /// libraries), unique to the unit within the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    /// Compiled units: rustc's arguments but for the source file, `--extern`, `-L`,
    /// `--target`, the output location and what the package's build script adds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rustc_flags: Vec<String>,
    /// The environment cargo sets that is not a path: for compiled units the `CARGO_PKG_*`,
    /// `CARGO_CRATE_NAME` and `CARGO_BIN_NAME` variables the unit may read; for a
    /// `build-script-run` unit the build script's (`CARGO_PKG_*`, `CARGO_FEATURE_*`,
    /// `CARGO_MANIFEST_LINKS`, `PROFILE`, `OPT_LEVEL`, `DEBUG`, …).
    pub env: BTreeMap<String, String>,
    /// Libraries and proc-macros others can link: the file name dependents pass to `--extern`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extern_file: Option<String>,
    /// Compiled units: whether the package's `rustc-link-lib` lines apply (its library, or
    /// every unit when it has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_libs: Option<bool>,
    /// Compiled units: which of the package's `rustc-link-arg*` lines apply: `all`, `bins`,
    /// `bin=<name>`, `tests`, `benches`, `examples`, `cdylib`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link_args: Vec<String>,
    /// Integration tests and benches: the package's binaries, by name (cargo builds them
    /// first and sets `CARGO_BIN_EXE_<name>` to their paths).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bin_exes: BTreeMap<String, UnitId>,
    /// The unit's cargo profile, resolved (for a `build-script-run` unit, that of the unit it
    /// runs for, as cargo's).
    pub profile: ProfileInfo,
}

/// A construct the scanner could not resolve statically.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unresolved {
    /// The file holding the construct.
    pub file: RelPath,
    /// Its 1-based line.
    pub line: u32,
    /// What it is and how `files` was widened for it.
    pub reason: String,
}

/// A unit's `hash`: blake3 over the sorted union of `files` and `manifests`, each path's bytes
/// followed by a NUL byte and the 32-byte blake3 digest of its content, which `digest` gives.
pub(crate) fn unit_hash(
    files: &BTreeSet<RelPath>,
    manifests: &BTreeSet<RelPath>,
    mut digest: impl FnMut(&RelPath) -> Result<[u8; 32], Error>,
) -> Result<String, Error> {
    let mut hasher = blake3::Hasher::new();
    for path in files.union(manifests) {
        hasher.update(path.as_str().as_bytes());
        hasher.update(&[0]);
        hasher.update(&digest(path)?);
    }
    Ok(hasher.finalize().to_hex().to_string())
}
