# The C API plugin for nixpkgs (callPackage-able): $out/lib/nix/plugins/librust_unit_sources_nix_c.so,
# adding builtins.rustUnitSources to every Nix from 2.35 on and Determinate Nix from 3.22 on
# (rust/nix-plugin-c). Unlike the C++ plugin (package.nix), it does not bind to the Nix it is
# built with: bindgen reads that Nix's C API headers (nix-expr-c.pc), whose functions have the
# same signatures in every Nix since 2.26, and every function is looked up in the running Nix
# when the plugin loads. Loaded into an older Nix, it prints one line and registers nothing.
# `nix` only provides the headers: any Nix from 2.26 on (Lix has no C API).
{ lib
, rustPlatform
, pkg-config
, nix
}:
let
  workspace = (builtins.fromTOML (builtins.readFile ../Cargo.toml)).workspace.package;
  headersSupported =
    (nix.pname or "nix") != "lix" && builtins.compareVersions nix.version "2.26" >= 0;
in
rustPlatform.buildRustPackage {
  pname = "rust-unit-sources-c";
  inherit (workspace) version;
  # The same source as the C++ plugin's package: the workspace's manifests and Rust sources.
  src = import ./source.nix;

  cargoLock.lockFile = ../Cargo.lock;
  cargoBuildFlags = [
    "--package"
    "rust-unit-sources-nix-c"
  ];

  # bindgenHook: libclang for bindgen; pkg-config finds nix-expr-c.pc (rust/nix-plugin-c/build.rs).
  nativeBuildInputs = [
    pkg-config
    rustPlatform.bindgenHook
  ];
  buildInputs = [ nix ];
  # The plugin's suites need a real Nix 2.35 to load it (scripts/test-nix --c-plugin).
  doCheck = false;

  # The plugin alone in lib/nix/plugins, so that the directory can be named in plugin-files.
  postInstall = ''
    mkdir -p $out/lib/nix/plugins
    mv $out/lib/librust_unit_sources_nix_c.so $out/lib/nix/plugins/
  '';

  meta = {
    description = "builtins.rustUnitSources for every Nix from 2.35 on, through Nix's C API";
    longDescription = ''
      The rust-unit-sources Nix evaluator plugin, built once for every Nix from 2.35 on and
      Determinate Nix from 3.22 on: load lib/nix/plugins/librust_unit_sources_nix_c.so with
      `--option plugin-files`. In an older Nix it prints one line and registers nothing.
    '';
    license = with lib.licenses; [
      mit
      asl20
    ];
    platforms = lib.platforms.linux;
    # Headers of a Nix without the C API functions the plugin calls.
    broken = !headersSupported;
  };
}
