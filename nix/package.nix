# rust-unit-sources for nixpkgs (callPackage-able): the Nix plugin
# ($out/lib/nix/plugins/librust_unit_sources_nix.so, adding builtins.rustUnitSources) and the
# CLI ($out/bin/cargo-unit-sources), built with nixpkgs' Rust tooling against the `nix` of the
# same package set. `nix = null` builds the CLI alone (pname cargo-unit-sources).
#
# A plugin is loaded into a running Nix, so it must be built against exactly that Nix's headers
# and libraries: use it with the `nix` it was built with. cpp/nix_compat.hh supports the Nix
# versions in `supportedNixVersions` only (others stop the C++ build with an #error), so the
# package is marked broken for any other `nix`: nixpkgs' current `nix` (2.18 and later) is not
# supported yet.
{
  lib,
  stdenv,
  rustPlatform,
  pkg-config,
  makeWrapper,
  cargo,
  rustc,
  boost,
  nlohmann_json,
  boehmgc,
  nix,
}:
let
  workspace = (builtins.fromTOML (builtins.readFile ../Cargo.toml)).workspace.package;
  withPlugin = nix != null;

  # `major.minor` versions of Nix that cpp/nix_compat.hh supports.
  supportedNixVersions = [ "2.8" ];
  nixMajorMinor =
    let
      parts = builtins.splitVersion nix.version;
    in
    "${builtins.elemAt parts 0}.${builtins.elemAt parts 1}";
  nixSupported = !withPlugin || builtins.elem nixMajorMinor supportedNixVersions;

  # What cargo needs to build the workspace's crates: the manifests, the lock file, the Rust
  # and C++ sources, and the members' manifests (the `tests` member's support library too).
  # Fixtures, examples, docs and the Nix files stay out, so editing them rebuilds nothing.
  src =
    let
      root = toString ../.;
      keep = [
        "Cargo.toml"
        "Cargo.lock"
        "rust"
        "cpp"
        "tests"
        "tests/Cargo.toml"
        "tests/support"
      ];
      isKept =
        rel:
        builtins.any (
          k: rel == k || (k != "tests" && builtins.substring 0 (builtins.stringLength k + 1) rel == k + "/")
        ) keep;
    in
    builtins.path {
      path = ../.;
      name = "rust-unit-sources-source";
      filter =
        path: type:
        let
          rel = builtins.substring (builtins.stringLength root + 1) (builtins.stringLength path) path;
        in
        isKept rel;
    };
in
rustPlatform.buildRustPackage (
  {
    pname = if withPlugin then "rust-unit-sources" else "cargo-unit-sources";
    inherit (workspace) version;
    inherit src;

    cargoLock.lockFile = ../Cargo.lock;
    cargoBuildFlags = [
      "--package"
      "cargo-unit-sources"
    ]
    ++ lib.optionals withPlugin [
      "--package"
      "rust-unit-sources-nix"
    ];

    nativeBuildInputs = [ makeWrapper ] ++ lib.optionals withPlugin [ pkg-config ];
    # Nix's headers and nix-expr.pc (rust/nix-plugin/build.rs uses `pkg-config nix-expr` when
    # .deps/nix-include is absent), and the headers they include.
    buildInputs = lib.optionals withPlugin [
      nix
      boost
      nlohmann_json
      boehmgc
    ];
    # The tests need a writable Nix store, rustc's dep-info and the fixtures, which the sandbox
    # does not have; the flake's `checks` run what can run there.
    doCheck = false;

    postInstall =
      lib.optionalString withPlugin ''
        mkdir -p $out/lib/nix/plugins
        mv $out/lib/librust_unit_sources_nix${stdenv.hostPlatform.extensions.sharedLibrary} $out/lib/nix/plugins/
      ''
      + ''
        # The CLI runs `cargo metadata` (and `rustc --print cfg` for --target); the user's own
        # cargo comes first.
        wrapProgram $out/bin/cargo-unit-sources --suffix PATH : ${
          lib.makeBinPath [
            cargo
            rustc
          ]
        }
      '';

    passthru = {
      inherit nix supportedNixVersions;
    };

    meta = {
      description = "Per-unit sources for Rust workspaces in Nix: builtins.rustUnitSources and cargo-unit-sources";
      longDescription = ''
        For each compilation unit of a Cargo workspace, the files rustc reads: as a Nix
        evaluator plugin (lib/nix/plugins/librust_unit_sources_nix.so, load it with
        `--option plugin-files` into the Nix it was built against) and as a CLI that writes a
        units.nix to check in for pure evaluation.
      '';
      license = with lib.licenses; [
        mit
        asl20
      ];
      platforms = lib.platforms.linux;
      mainProgram = "cargo-unit-sources";
      # The plugin's C++ shim (cpp/nix_compat.hh) supports only supportedNixVersions.
      broken = !nixSupported;
    };
  }
  // lib.optionalAttrs withPlugin {
    # build.rs compiles the C++ shim for this version (RUS_NIX_VERSION_MAJOR/MINOR).
    NIX_VERSION = nix.version;
  }
)
