{
  description = "Per-unit sources for Rust workspaces: builtins.rustUnitSources, units.nix and their Nix library";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self
    , # Optional so that `lib` and `overlays` evaluate without nixpkgs (`outputs { self = …; }`).
      nixpkgs ? null
    , ...
    }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      pkgsFor =
        system:
        import nixpkgs {
          inherit system;
          overlays = [ self.overlays.default ];
        };
      eachSystem =
        f:
        builtins.listToAttrs (
          map
            (system: {
              name = system;
              value = f (pkgsFor system);
            })
            systems
        );
    in
    {
      # The Nix library (nix/default.nix): fromPlugin, fromFile, unitSource, unitFileset, …
      lib = import ./nix { lib = if nixpkgs == null then null else nixpkgs.lib; };

      # pkgs.rust-unit-sources (plugin + CLI), pkgs.rust-unit-sources-c (the C API plugin),
      # pkgs.cargo-unit-sources (CLI), pkgs.rustUnitSources (the library with nixpkgs' lib).
      overlays.default = import ./nix/overlay.nix;

      # The plugin: lib/nix/plugins/librust_unit_sources_nix.so (and bin/cargo-unit-sources);
      # rust-unit-sources-c: lib/nix/plugins/librust_unit_sources_nix_c.so (Nix 2.35 on).
      packages = eachSystem (pkgs: {
        default = pkgs.rust-unit-sources;
        inherit (pkgs) rust-unit-sources rust-unit-sources-c cargo-unit-sources;
      });

      devShells = eachSystem (pkgs: {
        default = pkgs.callPackage ./nix/shell.nix { };
      });

      # nix/checks.nix: the CLI, units.nix, the library, and the plugin with pkgs.nix,
      # nixVersions.nix_2_28 and nixVersions.latest (plugin-<name>: its suite with that Nix).
      # Not callPackage: it would add `override`, which `nix flake check` takes for a check.
      checks = eachSystem (
        pkgs:
        let
          checks = import ./nix/checks.nix;
        in
        checks (builtins.intersectAttrs (builtins.functionArgs checks) pkgs)
      );
    };
}
