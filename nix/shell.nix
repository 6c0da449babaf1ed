# The development shell (the flake's `devShells.default`, callPackage-able with the overlay
# applied): the build inputs of the package (Rust toolchain, pkg-config, Nix's headers), the
# linters `scripts/test` runs, and the Nix the plugin is built against, for the tests.
{ mkShell
, rust-unit-sources
, clippy
, rustfmt
, nix
}:
mkShell {
  inputsFrom = [ rust-unit-sources ];
  packages = [
    clippy
    rustfmt
    nix
  ];
  # rust/nix-plugin/build.rs compiles the C++ shim for this Nix.
  NIX_VERSION = nix.version;
}
