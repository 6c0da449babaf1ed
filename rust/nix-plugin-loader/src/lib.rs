//! The file Nix loads as the rust-unit-sources plugin (`librust_unit_sources_nix.so`).
//!
//! A C++ plugin binds to the exact Nix build it was compiled against, and nothing in Nix checks
//! that: the real plugin, `librust_unit_sources_nix_impl.so` (crate `rust-unit-sources-nix`),
//! loaded into another Nix would fail to load (its symbols, the C++ library it was built with)
//! or crash. So Nix loads this small C file instead (`src/loader.c`, run as an ELF constructor
//! at `dlopen`), which
//!
//! 1. reads the running Nix's version, `nix::nixVersion`, with `dlsym`;
//! 2. finds the real plugin next to itself, or two directories up (a package's
//!    `lib/nix/plugins/` holds the loader, its `lib/` the real plugin), and reads the version it
//!    was built for from the marker string the real plugin carries (`rust-unit-sources-nix: built
//!    for Nix <version>`), without loading it;
//! 3. when the two versions are equal, `dlopen`s the real plugin, whose static initialiser
//!    registers `builtins.rustUnitSources`; otherwise it prints one line naming both versions
//!    and registers nothing, and the evaluation goes on without the primop.
//!
//! Any failure (no version, no real plugin, a failed `dlopen`) is one line on stderr too, never
//! an abort. This crate has no Rust code.
