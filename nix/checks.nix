# The flake's `checks` (a function of attributes of a package set with the overlay applied),
# on examples/cargo-like and its checked-in units.nix:
#   cli                 the CLI builds;
#   units-nix           units.nix is current (`cargo-unit-sources generate --check`);
#   unit-srcs           pure evaluation of units.nix (`fromFile`, as in a flake): each unit's
#                       `unitSource` holds exactly the unit's files and manifests;
#   plugin, plugin-round-trip
#                       only when the package supports pkgs.nix (see package.nix): the plugin
#                       builds, and `builtins.rustUnitSources` gives the model units.nix holds.
{
  lib,
  runCommand,
  rust-unit-sources,
  cargo-unit-sources,
  rustUnitSources,
  cargo,
  rustc,
  nix,
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
        export NIX_STATE_DIR=$TMPDIR/nix-state NIX_LOG_DIR=$TMPDIR/nix-log NIX_CONF_DIR=$TMPDIR
        result=$(nix-instantiate --eval --strict --store dummy:// \
          --option plugin-files ${rust-unit-sources}/lib/nix/plugins/librust_unit_sources_nix.so \
          -E "let l = import $PWD/lib { }; in l.withoutHashes (l.fromPlugin $PWD/ws) == l.fromFile $PWD/ws/units.nix")
        [ "$result" = true ]
        touch $out
      '';
}
