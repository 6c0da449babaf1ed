/**
  The Nix-language side of rust-unit-sources: turns the unit model (docs/schema.md) into
  per-unit sources whose store paths depend only on each unit's files. It consumes the model;
  it never computes it: the plugin (`fromPlugin`) or a generated `units.nix` (`fromFile`) does.

  Plain Nix: works on Nix 2.8 without nixpkgs. `lib` (nixpkgs' lib) is only used by
  `unitFileset`: `import ./nix { inherit lib; }` (the overlay's `pkgs.rustUnitSources` does).

  The types the functions' `# Type` sections name:

  - `Model`: what both loaders return, the schema's attribute set
  `{ version = 4; root; units; }`, with `root` the workspace directory as an absolute
    *string* (what the plugin returns; for `fromFile`, the directory `units.nix` names,
  resolved against the file's own directory). Units from `units.nix` have no `hash` unless
  it was generated with `--hashes`.
  - `Id`: a unit's id, `"<package>/<kind>/<target>"` (`"<name>@<version>/…"` for a package
  sharing its name with another; see the schema).
  - `Unit`: one value of `model.units`: `{ package; kind; target; manifest; files;
  manifests; deps; dirs ? [ ]; error ? …; … }`.
  - `Root`: the workspace directory, a path (`./.`, preferred: in a flake it is the flake's
  copy in the store) or an absolute string (`model.root`).

  A unit that cannot be built carries an `error` (a file it must read is missing or
  malformed): forcing its `files` is then the evaluation error
  `rust-unit-sources: <id>: <error>` (the line the plugin and `nix/build-units.nix` give too),
  and so is building anything from its files (`unitSource`, its derivation); every other unit
  is unaffected. The library's own errors start with `rust-unit-sources: <function>: `.

  Functions taking a model take it first.

  This file is the library's public entry point: it takes the library's arguments and
  assembles its functions, which live in `nix/lib/` by concept, each with its doc comment:
  `model.nix` (reading the model: `fromPlugin`, `fromFile`, `modelVersion`, `withoutHashes`),
  `sources.nix` (`filesSrc`, `unitSource`, `sourcesByUnit`, `unionSource`, `packageSrc`,
  `cargoSrc`, `unitFiles`, `packageDir`), `selection.nix` (`unitsOfPackage`, `unitsOfKind`,
  `selectUnits`, `depClosure`) and `overrides.nix` (`crateOverrides`, `unitFileset`), with
  their shared helpers in `internal.nix` (not exported). The deprecated aliases are defined
  here. `nix/tests.nix` runs the library's unit tests, which live in `nix/lib/tests/`.
*/
{ lib ? null }:
let
  internal = import ./lib/internal.nix;

  # Each concept file gets the assembled library as `self`, so that a function calls another
  # through its public name, whichever file defines it.
  self =
    import ./lib/model.nix { inherit internal self; }
    // import ./lib/sources.nix { inherit internal self; }
    // import ./lib/selection.nix { inherit internal self; }
    // import ./lib/overrides.nix { inherit lib internal self; }
    // {
      /**
        Deprecated alias of `unitSource` (its old name), kept for one release.

        # Type

        ```
        unitSrc :: { root :: Root; unit :: Unit; name :: String ? …; } -> StorePath
        ```
      */
      unitSrc = self.unitSource;

      /**
        Deprecated alias of `sourcesByUnit` (its old name), kept for one release.

        # Type

        ```
        unitSrcs :: { model :: Model; root :: Root ? model.root; } -> { ${Id} :: StorePath; }
        ```
      */
      unitSrcs = self.sourcesByUnit;

      /**
        Deprecated alias of `unionSource` (its old name), kept for one release.

        # Type

        ```
        unitsSrc :: { model :: Model; ids :: [Id]; … } -> StorePath
        ```
      */
      unitsSrc = self.unionSource;
    };
in
self
