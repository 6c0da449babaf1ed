# The nixpkgs overlay (the flake's `overlays.default`):
#   pkgs.rust-unit-sources   the plugin (lib/nix/plugins/librust_unit_sources_nix.so) and the
#                            CLI, built against pkgs.nix (see package.nix for the supported
#                            Nix versions);
#   pkgs.rust-unit-sources-c the C API plugin (lib/nix/plugins/librust_unit_sources_nix_c.so),
#                            one file for every Nix from 2.35 on and Determinate Nix from 3.22
#                            on, whatever pkgs.nix is (package-c.nix);
#   pkgs.cargo-unit-sources  the CLI alone (no Nix headers needed);
#   pkgs.rustUnitSources     the Nix library (nix/default.nix) with nixpkgs' lib, so that
#                            `unitFileset` works.
final: prev: {
  rust-unit-sources = final.callPackage ./package.nix { };
  rust-unit-sources-c = final.callPackage ./package-c.nix { };
  cargo-unit-sources = final.rust-unit-sources.override { nix = null; };
  rustUnitSources = import ./. { inherit (final) lib; };
}
