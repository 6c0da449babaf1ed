# A stand-in for nixpkgs (tests/tests/nix_lib/): just what flake.nix and nix/*.nix use.
# Packages are real derivations built from this machine's artifacts (the CLI and plugin built
# by `cargo build --release`, rustc's sysroot, Debian's nix-instantiate), which the tests
# name in `paths.nix`, written beside a copy of this directory; so the checks can really be
# built, in a private store whose sandbox sees those paths. `rustPlatform.buildRustPackage`
# returns its arguments with the derivation's attributes, so tests can read them.
{ system ? builtins.currentSystem, overlays ? [ ], ... }:
let
  lib = import ./lib.nix;
  paths = import ./paths.nix;
  # Every script ends with a shell builtin: when bash execs an external last command, Nix 2.8
  # here sometimes reports the builder as killed by signal 9.
  bash = text: [ "-eu" "-o" "pipefail" "-c" (text + "\ntrue\n") ];
  script = name: text: derivation {
    inherit name system;
    builder = "/bin/bash";
    args = bash text;
    PATH = "/usr/bin:/bin";
  };
  binaries = name: links:
    script name ("mkdir -p $out/bin\n" + builtins.concatStringsSep "" (map (l: "ln -s ${l} $out/bin/\n") links));
  dummy = pname: { inherit pname; outPath = "/stand-in/${pname}"; };
  base = final: {
    inherit lib;
    stdenv.hostPlatform.extensions.sharedLibrary = ".so";
    callPackage = fn: args:
      let
        f = if builtins.isFunction fn then fn else import fn;
        result = f (builtins.intersectAttrs (builtins.functionArgs f) final // args);
      in
      result // { override = more: final.callPackage fn (args // more); };
    rustPlatform.buildRustPackage = args:
      let
        drv = script "${args.pname}-${args.version}" (''
          mkdir -p $out/bin
          cp ${paths.cli} $out/bin/cargo-unit-sources
        '' + lib.optionalString (args.pname == "rust-unit-sources") ''
          mkdir -p $out/lib/nix/plugins
          cp ${paths.plugin} $out/lib/nix/plugins/
          cp ${paths.pluginImpl} $out/lib/
        '');
      in
      args // { inherit (drv) name type outPath drvPath outputName; };
    runCommand = name: env: text:
      derivation (removeAttrs env [ "nativeBuildInputs" ] // {
        inherit name system;
        builder = "/bin/bash";
        args = bash text;
        PATH = builtins.concatStringsSep ":" (map (p: "${p}/bin") (env.nativeBuildInputs or [ ]) ++ [ "/usr/bin" "/bin" ]);
      });
    mkShell = args: args // { shell = true; };
    cargo = binaries "cargo" [ "${paths.sysroot}/bin/cargo" ];
    rustc = binaries "rustc" [ "${paths.sysroot}/bin/rustc" ];
    nix = binaries "nix-${paths.nixVersion}" [ paths.nixInstantiate ] // { version = paths.nixVersion; };
    # The checks' other Nix versions: the same Nix here (a real nixpkgs builds each).
    nixVersions = { nix_2_28 = final.nix; latest = final.nix; };
    pkg-config = dummy "pkg-config";
    makeWrapper = dummy "make-wrapper";
    boost = dummy "boost";
    nlohmann_json = dummy "nlohmann_json";
    boehmgc = dummy "boehmgc";
    clippy = dummy "clippy";
    rustfmt = dummy "rustfmt";
  };
  fix = f: let x = f x; in x;
in
fix (final: builtins.foldl' (prev: overlay: prev // overlay final prev) (base final) overlays)
