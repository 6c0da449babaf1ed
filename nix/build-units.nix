# Builds a workspace one derivation per unit by calling rustc directly: each derivation gets
# only its unit's files (unitSrc) and the outputs of the units it depends on, so an edit
# rebuilds exactly the units whose files changed and the units that depend on them: what
# cargo itself rebuilds.
#
# The model must come from a scan with dependencies (plugin: `dependencies = true`; CLI:
# `scan --dependencies`) and the target the build is for; its features are the build's.
# Registry dependencies are vendored below the workspace root (`cargo vendor`): each is a
# unit like the others.
#
# Returns an attribute set: unit id -> derivation.
{
  # The unit model.
  model,
  # The workspace root: the directory the model's paths are relative to.
  root,
  # The rustc executable (a real one, not the rustup proxy).
  rustc,
  # The target triple the model was scanned for.
  target,
  # This project's Nix library (nix/default.nix).
  library ? import ./default.nix { },
  # A unit's source: { root, unit } -> a store path holding exactly the unit's files and
  # manifests (default: the library's unitSrc).
  unitSrc ? library.unitSrc,
  # The derivation function: { name, builder script, environment } -> derivation. The default
  # uses builtins.derivation with `shell` as builder; nixpkgs users pass a wrapper around
  # stdenv.mkDerivation.
  mkDerivation ? null,
  # The shell running the builder scripts.
  shell ? "/bin/sh",
  # The system to build on.
  system ? builtins.currentSystem,
  # PATH inside builders: coreutils, sed, and the linker rustc calls (cc).
  path ? "/usr/bin:/bin",
}:
let
  units = model.units;

  derivationOf =
    if mkDerivation != null then
      mkDerivation
    else
      { name, script, env }:
      builtins.derivation (
        env
        // {
          inherit name system;
          builder = shell;
          args = [ script ];
          PATH = path;
        }
      );

  crateName = unit: builtins.replaceStrings [ "-" ] [ "_" ] unit.target;
  drvName = id: builtins.replaceStrings [ "/" "@" "+" ] [ "-" "-" "-" ] id;
  libFile =
    unit: if unit.kind == "proc-macro" then "lib${crateName unit}.so" else "lib${crateName unit}.rlib";
  lines = builtins.concatStringsSep "\n";

  ofKind = kind: unit: builtins.filter (dep: units.${dep}.kind == kind) unit.deps;

  common = id: unit: {
    inherit rustc target;
    src = unitSrc { inherit root unit; };
    packageDir = library.packageDir unit;
    pkgName = unit.package;
    pkgVersion = unit.version;
    features = lines unit.features;
  };

  compile =
    id: unit:
    let
      runs = ofKind "build-script-run" unit;
    in
    derivationOf {
      name = drvName id;
      script = ./builder/compile.sh;
      env = common id unit // {
        inherit (unit) kind edition rootFile;
        crateName = crateName unit;
        binName = unit.target;
        metadata = builtins.substring 0 16 (builtins.hashString "sha256" id);
        externs = lines (
          builtins.attrValues (
            builtins.mapAttrs (name: dep: "${name}=${built.${dep}}/${libFile units.${dep}}") unit.externs
          )
        );
        libDeps = lines (map (dep: "${built.${dep}}") (builtins.attrValues unit.externs));
        buildScriptRun = if runs == [ ] then "" else "${built.${builtins.head runs}}";
      };
    };

  run =
    id: unit:
    derivationOf {
      name = drvName id;
      script = ./builder/run-build-script.sh;
      env = common id unit // {
        buildScript = "${built.${builtins.head (ofKind "build-script" unit)}}";
      };
    };

  built = builtins.mapAttrs (id: unit: if unit.kind == "build-script-run" then run id unit else compile id unit) units;
in
built
