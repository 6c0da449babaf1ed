//! [`Request`]: one call of `builtins.rustUnitSources`, decoded, and what it means to the scan.

use rust_unit_sources::{default_cache_dir, FeatureSelection, ScanOptions};
use std::path::PathBuf;

/// One call of `builtins.rustUnitSources`, decoded from its Nix argument ([`crate::decode`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// Absolute path of a `Cargo.toml` or of a directory holding one, already checked by
    /// the evaluator's access control (restricted and pure evaluation).
    pub src: String,
    /// The `features` list; `None` when the attribute is null or absent.
    pub features: Option<Vec<String>>,
    /// The `noDefaultFeatures` attribute (cargo's `--no-default-features`).
    pub no_default_features: bool,
    /// The `allFeatures` attribute (cargo's `--all-features`).
    pub all_features: bool,
    /// A target triple; `None` for none (both branches of every target `cfg` kept).
    pub target: Option<String>,
    /// The `dependencies` attribute: also scan the (vendored) dependencies.
    pub dependencies: bool,
    /// The `cfgs` list: the `--cfg` flags the build passes; `None` when null or absent.
    pub cfgs: Option<Vec<String>>,
    /// The `profile` attribute (with `dependencies`); `None` for `dev`.
    pub profile: Option<String>,
}

impl Request {
    /// The core library's options for this request: `features = None` with
    /// `noDefaultFeatures = false` is the superset of all features; a list, even empty, means
    /// what `--features` means to cargo. The parse cache is the CLI's default one
    /// (`RUST_UNIT_SOURCES_CACHE_DIR=` in the evaluator's environment turns it off); the
    /// workspace is never trusted.
    pub fn scan_options(&self) -> ScanOptions {
        ScanOptions {
            manifest_path: PathBuf::from(&self.src),
            features: FeatureSelection {
                features: self.features.clone(),
                all_features: self.all_features,
                no_default_features: self.no_default_features,
            },
            target: self.target.clone(),
            cfgs: self.cfgs.clone(),
            dependencies: self.dependencies,
            profile: self.profile.clone(),
            cache_dir: default_cache_dir(),
            cache_limit: None,
            trust_workspace: false,
        }
    }
}
