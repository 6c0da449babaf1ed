# rust-unit-sources for nixpkgs (callPackage-able): the Nix plugin
# ($out/lib/nix/plugins/librust_unit_sources_nix.so, adding builtins.rustUnitSources: the loader,
# which loads $out/lib/librust_unit_sources_nix_impl.so when the running Nix is `nix`) and the
# CLI ($out/bin/cargo-unit-sources), built with nixpkgs' Rust tooling against the `nix` of the
# same package set. `nix = null` builds the CLI alone (pname cargo-unit-sources).
#
# A plugin is loaded into a running Nix, so it must be built against exactly that Nix's headers
# and libraries: use it with the `nix` it was built with (loaded into another Nix, it prints one
# line and registers nothing). The C++ shim (rust/nix-plugin/include/nix_compat.hh) has a branch
# per API generation, `nixGenerations` (and Lix's, `lixGenerations`); for a `nix` outside them
# (2.9-2.20, after 2.35, Lix before or after 2.95) the build would stop, so the package is
# marked broken. 2.8 and 2.21-2.27 are tested by this repository's CI; 2.28-2.35, Determinate
# Nix 3.22 and Lix 2.95 were built and tested by hand (README says which build ran what).
{ lib
, stdenv
, rustPlatform
, pkg-config
, makeWrapper
, cargo
, rustc
, boost
, nlohmann_json
, boehmgc
, nix
}:
let
  workspace = (builtins.fromTOML (builtins.readFile ../Cargo.toml)).workspace.package;
  withPlugin = nix != null;

  # The API generations of rust/nix-plugin/build.rs: first and last `major.minor`, inclusive.
  nixGenerations = [
    { first = "2.8"; last = "2.8"; }
    { first = "2.21"; last = "2.27"; }
    { first = "2.28"; last = "2.33"; }
    { first = "2.34"; last = "2.35"; }
  ];
  majorMinor =
    version:
    let
      parts = builtins.splitVersion version;
    in
    "${builtins.elemAt parts 0}.${builtins.elemAt parts 1}";
  # Determinate Nix (pname "determinate-nix") carries its own version; its headers, its
  # nix-expr.pc and its nixVersion say the upstream release it is based on. Only the
  # Determinate releases whose base is known here are supported: 3.22 is based on 2.35.
  isDeterminate = (nix.pname or "nix") == "determinate-nix";
  determinateBases = {
    "3.22" = "2.35";
  };
  nixMajorMinor =
    if isDeterminate then
      determinateBases.${majorMinor nix.version} or "unknown"
    else
      majorMinor nix.version;
  inGeneration =
    g:
    builtins.compareVersions nixMajorMinor g.first >= 0
    && builtins.compareVersions nixMajorMinor g.last <= 0;
  # Lix (pname "lix") has its own API and versions: the shim's Lix branch covers 2.95.
  isLix = (nix.pname or "nix") == "lix";
  lixGenerations = [
    { first = "2.95"; last = "2.95"; }
  ];
  nixSupported =
    !withPlugin
    || (
      if isLix then
        builtins.any inGeneration lixGenerations
      else
        nixMajorMinor != "unknown" && builtins.any inGeneration nixGenerations
    );

  src = import ./source.nix;
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
      "--package"
      "rust-unit-sources-nix-loader"
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
      # The loader in lib/nix/plugins (the file to load, alone there so that the directory can
      # be named in plugin-files too); the real plugin, which it loads, two directories up in
      # lib/.
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
      inherit nix nixGenerations;
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
      # The plugin's C++ shim has no branch for this Nix (see nixGenerations).
      broken = !nixSupported;
    };
  }
    // lib.optionalAttrs (withPlugin && !isDeterminate) {
    # build.rs compiles the C++ shim for this version; the plugin compares it with the running
    # Nix's at load. (For Determinate Nix, build.rs takes the upstream version from its
    # nix-expr.pc, which is what its nixVersion says.)
    NIX_VERSION = nix.version;
  }
)
