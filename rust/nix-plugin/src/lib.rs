//! Nix evaluator plugin adding `builtins.rustUnitSources`.
//!
//! The C++ side (`src/primop.cc`, with every Nix-version-specific detail in
//! `include/nix_compat.hh`) registers the primop, decodes its Nix argument into a
//! [`ffi::Request`], calls [`scan_json`], and turns the JSON it returns into a Nix value with
//! Nix's own JSON parser. Nix loads this library (`librust_unit_sources_nix_impl.so`) through
//! the loader (`rust/nix-plugin-loader`, `librust_unit_sources_nix.so`), which loads it only
//! into the Nix it was built against. This crate holds
//! the Rust half of that bridge and nothing else: the scanning itself is
//! [`rust_unit_sources::scan`].
//!
//! Contract of the boundary: [`scan_json`] never unwinds into C++ and never aborts the Nix
//! process. Every failure, a panic included, comes back as a `rust::Error` on the C++ side,
//! whose message the primop reports as a Nix evaluation error.

use rust_unit_sources::{default_cache_dir, FeatureSelection, ScanOptions};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;

/// The items shared between Rust and the C++ primop (namespace `rust_unit_sources`).
///
/// The FFI glue that `cxx` generates here is the workspace's only unsafe code.
#[allow(unsafe_code)]
#[cxx::bridge(namespace = "rust_unit_sources")]
pub mod ffi {
    /// One call of `builtins.rustUnitSources`, decoded from its Nix argument by the primop.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Request {
        /// Absolute path of a `Cargo.toml` or of a directory holding one, already checked by
        /// the evaluator's access control (restricted and pure evaluation).
        pub src: String,
        /// The `features` list; meaningful only when `features_given`.
        pub features: Vec<String>,
        /// Whether the Nix `features` attribute was a list (rather than null or absent).
        pub features_given: bool,
        /// The Nix `noDefaultFeatures` attribute (cargo's `--no-default-features`).
        pub no_default_features: bool,
        /// The Nix `allFeatures` attribute (cargo's `--all-features`).
        pub all_features: bool,
        /// A target triple, or empty for none (both branches of every target `cfg` kept).
        pub target: String,
        /// The Nix `dependencies` attribute: also scan the (vendored) dependencies.
        pub dependencies: bool,
        /// The `cfgs` list: the `--cfg` flags the build passes; meaningful only when
        /// `cfgs_given`.
        pub cfgs: Vec<String>,
        /// Whether the Nix `cfgs` attribute was a list (rather than null or absent).
        pub cfgs_given: bool,
        /// The Nix `profile` attribute (with `dependencies`): the cargo profile, or empty
        /// for `dev`.
        pub profile: String,
    }

    extern "Rust" {
        /// Scans the workspace of `request.src` and returns the unit model as JSON
        /// (`serde_json::to_string` of [`rust_unit_sources::Model`]).
        ///
        /// Errors (thrown as `rust::Error` in C++): the scan's own error, one line naming the
        /// file and line at fault; or `internal error (panic): <payload>` when the scan panics.
        fn scan_json(request: &Request) -> Result<String>;
    }
}

pub use ffi::Request;

/// Scans the workspace that `request` names and returns the unit model as a JSON string.
///
/// This is the function the C++ primop calls through the bridge. It never unwinds: a panic
/// anywhere below it is caught and returned as `Err("internal error (panic): <payload>")`.
/// Any other error is the scan's error message (one line, naming file and line).
pub fn scan_json(request: &Request) -> Result<String, String> {
    match panic::catch_unwind(AssertUnwindSafe(|| scan_json_inner(request))) {
        Ok(result) => result,
        Err(payload) => Err(format!(
            "internal error (panic): {}",
            panic_message(payload.as_ref())
        )),
    }
}

/// The scan proper, free to panic: [`scan_json`] catches it.
fn scan_json_inner(request: &Request) -> Result<String, String> {
    let options = scan_options(request);
    let model = rust_unit_sources::scan(&options).map_err(|e| e.to_string())?;
    serde_json::to_string(&model).map_err(|e| format!("cannot serialise the unit model: {e}"))
}

/// Translates the primop's request into the core library's options: `features = null` (or
/// absent) is "not given", so with `noDefaultFeatures = false` the core assumes the superset
/// of all features; a list, even empty, means what `--features` means to cargo. The parse cache
/// is the CLI's default one (`RUST_UNIT_SOURCES_CACHE_DIR=` in the evaluator's environment
/// turns it off).
fn scan_options(request: &Request) -> ScanOptions {
    ScanOptions {
        manifest_path: PathBuf::from(&request.src),
        features: FeatureSelection {
            features: request.features_given.then(|| request.features.clone()),
            all_features: request.all_features,
            no_default_features: request.no_default_features,
        },
        target: (!request.target.is_empty()).then(|| request.target.clone()),
        cfgs: request.cfgs_given.then(|| request.cfgs.clone()),
        dependencies: request.dependencies,
        profile: (!request.profile.is_empty()).then(|| request.profile.clone()),
        cache_dir: default_cache_dir(),
        cache_limit: None,
        trust_workspace: false,
    }
}

/// The text of a panic payload: the `&str` or `String` given to `panic!`, else a placeholder.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}
