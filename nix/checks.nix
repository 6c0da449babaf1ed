# The flake's `checks` (a function of attributes of a package set with the overlay applied),
# on examples/cargo-like and its checked-in units.nix:
#   cli                 the CLI builds;
#   units-nix           units.nix is current (`cargo-unit-sources generate --check`);
#   unit-srcs           pure evaluation of units.nix (`fromFile`, as in a flake): each unit's
#                       `unitSource` holds exactly the unit's files and manifests;
#   plugin, plugin-round-trip
#                       only when the package supports pkgs.nix (see package.nix): the plugin
#                       builds, and `builtins.rustUnitSources` gives the model units.nix holds;
#   plugin-nix_2_28, plugin-latest
#                       the plugin built against nixVersions.nix_2_28 and nixVersions.latest
#                       (when the package set has them and the shim supports them), and its
#                       suite run with that Nix: the model equals the CLI's JSON, units.nix
#                       round-trips, restricted evaluation denies the read, and the plugin built
#                       for pkgs.nix (another Nix) registers nothing there.
{ lib
, runCommand
, rust-unit-sources
, cargo-unit-sources
, rustUnitSources
, cargo
, rustc
, nix
, nixVersions ? { }
}:
let
  example = ../examples/cargo-like;
  model = rustUnitSources.fromFile ../examples/cargo-like/units.nix;
  srcs = rustUnitSources.sourcesByUnit {
    root = example;
    inherit model;
  };
  quote = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] s + "'";
  quoteAll = xs: builtins.concatStringsSep " " (map quote xs);

  checkUnit = id: ''
    echo ${quote id}
    printf '%s\n' ${quoteAll (rustUnitSources.unitFiles model.units.${id})} > want
    (cd ${srcs.${id}} && find . ! -type d | cut -c3- | LC_ALL=C sort) > got
    diff want got
  '';

  # A writable copy of the example (cargo metadata and Nix want a writable home).
  setUp = ''
    export HOME=$TMPDIR
    cp -r ${example} ws
    chmod -R u+w ws
  '';

  # Nix without a store daemon or a real store: evaluation only.
  nixEnv = ''
    export NIX_STATE_DIR=$TMPDIR/nix-state NIX_LOG_DIR=$TMPDIR/nix-log NIX_CONF_DIR=$TMPDIR
  '';
  pluginFile = package: "${package}/lib/nix/plugins/librust_unit_sources_nix.so";

  # The plugin's suite with `theNix` and the plugin built against it.
  pluginSuite =
    name: theNix:
    let
      package = rust-unit-sources.override { nix = theNix; };
      eval = "nix-instantiate --eval --strict --store dummy:// --option plugin-files ${pluginFile package}";
      # The plugin built for pkgs.nix, loaded into theNix: one line, nothing registered,
      # evaluation goes on (when they differ).
      otherPlugin = lib.optionalString (nix.version != theNix.version && !rust-unit-sources.meta.broken) ''
        result=$(nix-instantiate --eval --store dummy:// --option plugin-files ${pluginFile rust-unit-sources} \
          -E "builtins ? rustUnitSources" 2> other)
        [ "$result" = false ]
        grep -q "^rust-unit-sources: not registering builtins.rustUnitSources: the plugin was built for Nix ${nix.version}, this is Nix ${theNix.version}" other
      '';
    in
    runCommand "rust-unit-sources-plugin-${name}-check"
      {
        nativeBuildInputs = [
          theNix
          cargo-unit-sources
          cargo
          rustc
        ];
      }
      ''
        ${setUp}
        cp -r ${./.} lib
        ${nixEnv}
        cargo-unit-sources scan --manifest-path ws/Cargo.toml --format json > cli.json
        # The model, deep-equal to the CLI's; the units.nix round trip.
        result=$(${eval} -E "let l = import $PWD/lib { }; m = builtins.rustUnitSources $PWD/ws; in
          m == builtins.fromJSON (builtins.readFile $PWD/cli.json) && l.withoutHashes m == l.fromFile $PWD/ws/units.nix")
        [ "$result" = true ]
        # Restricted evaluation: Nix's own error.
        if ${eval} --restrict-eval -E "builtins.rustUnitSources \"$PWD/ws\"" 2> denied; then exit 1; fi
        grep -q "is forbidden in restricted mode" denied
        ${otherPlugin}
        touch $out
      '';
  nixVersionsToTest = lib.filterAttrs
    (
      _: theNix: !(rust-unit-sources.override { nix = theNix; }).meta.broken
    )
    (builtins.intersectAttrs { nix_2_28 = null; latest = null; } nixVersions);
in
{
  cli = cargo-unit-sources;

  units-nix =
    runCommand "rust-unit-sources-units-nix-check"
      {
        nativeBuildInputs = [
          cargo-unit-sources
          cargo
          rustc
        ];
      }
      ''
        ${setUp}
        cargo-unit-sources generate --check --manifest-path ws/Cargo.toml
        touch $out
      '';

  unit-srcs = runCommand "rust-unit-sources-unit-srcs-check" { } ''
    ${builtins.concatStringsSep "" (map checkUnit (builtins.attrNames model.units))}
    touch $out
  '';
}
// lib.optionalAttrs (!rust-unit-sources.meta.broken) {
  plugin = rust-unit-sources;

  plugin-round-trip =
    runCommand "rust-unit-sources-plugin-round-trip-check"
      {
        nativeBuildInputs = [
          nix
          cargo
          rustc
        ];
      }
      ''
        ${setUp}
        cp -r ${./.} lib
        ${nixEnv}
        result=$(nix-instantiate --eval --strict --store dummy:// \
          --option plugin-files ${pluginFile rust-unit-sources} \
          -E "let l = import $PWD/lib { }; in l.withoutHashes (l.fromPlugin $PWD/ws) == l.fromFile $PWD/ws/units.nix")
        [ "$result" = true ]
        touch $out
      '';
}
  // lib.mapAttrs'
  (name: theNix: {
    name = "plugin-${name}";
    value = pluginSuite name theNix;
  })
  nixVersionsToTest
