//! `builtins.rustUnitSources` itself, shared by both Nix plugins: the C++ one
//! (`rust/nix-plugin`, through Nix's C++ API, built for one Nix) and the C one
//! (`rust/nix-plugin-c`, through Nix's C API, one file for every Nix from 2.35 on).
//!
//! A plugin gives [`call`] its argument as an [`Argument`] (the few things it can ask of a Nix
//! value) and turns the [`Answer`] into a Nix value: the model as JSON (or as a JSON value),
//! and the units whose `files` raise their error. So the decoding of the argument (which
//! attributes, which types, every message), the scan and the model are one Rust function
//! behind both plugins: the same model and the same error lines on the same input.
//!
//! The scanning itself is [`rust_unit_sources::scan`]. Nothing here unwinds out of a scan: a
//! panic in it comes back as an error line.

mod answer;
mod decode;
mod request;

pub use answer::{panic_message, scan, Answer, BrokenUnit};
pub use decode::{decode, plugin_error, Argument, Failure, Kind, ATTRIBUTES};
pub use request::Request;

/// The primop's registered name: `builtins.rustUnitSources` (the `__` keeps it out of the
/// global scope).
pub const NAME: &str = "__rustUnitSources";

/// The name of its one argument.
pub const ARG: &str = "arg";

/// The primop's documentation (`:doc builtins.rustUnitSources` in the REPL).
pub const DOC: &str = r#"
  Return, for each compilation unit (lib, bin, test, example, bench, build script) of the
  Cargo workspace at *arg*, the files rustc reads for it, as the rust-unit-sources unit
  model (the same JSON as the `cargo-unit-sources` command, as a Nix value).

  *arg* is a path or an absolute path string naming a `Cargo.toml` or a directory holding
  one, or an attribute set:

      { src; features ? null; noDefaultFeatures ? false; allFeatures ? false; target ? null;
        cfgs ? null; dependencies ? false; profile ? "dev"; }

  where `features` is null (the superset of all features, unless `noDefaultFeatures` is set)
  or a list of feature names (`name` or `package/name`), and `target` is null (both branches
  of every target `cfg`) or a target triple, `cfgs` is null (custom cfgs unknown) or the
  list of `--cfg` flags the build passes, and `dependencies` also scans the dependencies
  (vendored below the workspace root), as `cargo-unit-sources scan --dependencies`, with
  `profile` the cargo profile the build uses (`--profile`). Runs
  `cargo metadata` on *src*, so `cargo` must be on `PATH`; *src* must be readable under
  restricted and pure evaluation.
"#;

/// One call of the primop: decodes `arg` and scans the workspace it names.
pub fn call<A: Argument>(arg: A) -> Result<Answer, Failure<A::Error>> {
    let request = decode(arg)?;
    scan(&request).map_err(Failure::Plugin)
}
