//! The flags `scan` and `generate` share: what to scan and under which assumptions.

use rust_unit_sources::{default_cache_dir, parse_size, FeatureSelection, Model, ScanOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// What to scan, as command-line flags (see `ScanOptions` for their meaning).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ScanFlags {
    /// Path to Cargo.toml (or a directory holding one).
    #[arg(long, value_name = "PATH", default_value = "Cargo.toml")]
    pub manifest_path: PathBuf,
    /// Features to assume (comma or space separated; `package/feature` for one member).
    /// Without any feature flag, any combination of the declared features (the superset).
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub features: Option<Vec<String>>,
    /// Assume every feature of every member.
    #[arg(long)]
    pub all_features: bool,
    /// Do not assume the `default` feature.
    #[arg(long)]
    pub no_default_features: bool,
    /// Evaluate target cfgs exactly for this target triple.
    #[arg(long, value_name = "TRIPLE")]
    pub target: Option<String>,
    /// A `--cfg` the build passes (`RUSTFLAGS`), `name` or `name="value"`; repeat for several,
    /// `--cfg ''` for none. Given at least once, any other custom cfg that no build script can
    /// set is false.
    #[arg(long = "cfg", value_name = "CFG")]
    pub cfgs: Option<Vec<String>>,
    /// Also scan the dependencies (cargo resolves offline; every dependency must lie below
    /// the workspace root, e.g. vendored with `cargo vendor`): their library and build-script
    /// units, cargo's resolved features, and `externs` naming them.
    #[arg(long)]
    pub dependencies: bool,
    /// With --dependencies: the cargo profile the build uses (`dev`, `release`, or one the
    /// root manifest defines), which decides each unit's `build` flags.
    #[arg(long, value_name = "NAME", requires = "dependencies")]
    pub profile: Option<String>,
    /// Keep the caches (cargo metadata's answer, the scan's fingerprint, the parse cache,
    /// rustc's dep-info for --mode rustc/check) in DIR (default: `$RUST_UNIT_SOURCES_CACHE_DIR`,
    /// else `$XDG_CACHE_HOME/rust-unit-sources`, else `~/.cache/rust-unit-sources`).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// The size limit of the cache directory (bytes, or with K, M, G or T: 500M, 2G): a scan
    /// that wrote to it removes the least recently used files beyond it (default:
    /// `$RUST_UNIT_SOURCES_CACHE_LIMIT`, else 1G).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, conflicts_with = "no_cache")]
    pub cache_limit: Option<u64>,
    /// Use no cache: run cargo (and rustc for --mode rustc/check) and lex every file (the
    /// answer is the same).
    #[arg(long)]
    pub no_cache: bool,
    /// Run cargo as the workspace configures it: the toolchain rustup picks for it (a
    /// `rust-toolchain.toml` `path` included) and its cargo configuration (wrappers, `[env]`,
    /// …). Only for workspaces you trust: without it, only your own cargo and rustc run.
    #[arg(long)]
    pub trust_workspace: bool,
    /// Exit with status 2 when a unit cannot be built (one of its files is missing,
    /// unreadable or malformed): `error:` lines instead of `warning:` ones. The model is
    /// printed (or written) either way, the broken units carrying their `error`.
    #[arg(long)]
    pub strict: bool,
}

impl ScanFlags {
    /// Prints one line per unit of `model` that carries an error, `warning: <id>: <error>` on
    /// stderr (`error:` with `--strict`); returns the exit status `--strict` asks for then
    /// (2), or `success`.
    pub fn report_broken_units(&self, model: &Model, success: ExitCode) -> ExitCode {
        let level = if self.strict { "error" } else { "warning" };
        let mut broken = false;
        for (id, unit) in &model.units {
            if let Some(error) = &unit.error {
                eprintln!("{level}: {id}: {error}");
                broken = true;
            }
        }
        if broken && self.strict {
            ExitCode::from(2)
        } else {
            success
        }
    }

    /// The library's options for these flags.
    pub fn options(&self) -> ScanOptions {
        ScanOptions {
            manifest_path: self.manifest_path.clone(),
            features: FeatureSelection {
                features: self.features.clone(),
                all_features: self.all_features,
                no_default_features: self.no_default_features,
            },
            target: self.target.clone(),
            cfgs: self.cfgs.clone(),
            dependencies: self.dependencies,
            profile: self.profile.clone(),
            cache_dir: match self.no_cache {
                true => None,
                false => self.cache_dir.clone().or_else(default_cache_dir),
            },
            cache_limit: self.cache_limit,
            trust_workspace: self.trust_workspace,
        }
    }
}
