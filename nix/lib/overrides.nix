/**
  Handing units to other builders: crate2nix / buildRustCrate overrides (`crateOverrides`) and
  a unit's files as a nixpkgs file set (`unitFileset`, the only function needing nixpkgs'
  `lib`). Part of the library `nix/default.nix` exports.
*/
{ lib, internal, self }:
let
  inherit (builtins)
    attrNames
    isString
    listToAttrs
    ;

  inherit (internal) fail sortUnique unitOf;
in
{
  /**
    crate2nix / buildRustCrate overrides, one per package of the model: `src` is
    `packageSrc` of the package (every unit of it when `attrs.buildTests`) and
    `workspace_member` its `packageDir`. Merge into `defaultCrateOverrides`; see README.md.

    # Inputs

    `model`

    : A model.

    `root` (default `model.root`)

    : The workspace directory; prefer the path `./.`.

    # Type

    ```
    crateOverrides :: { model :: Model; root :: Root ? model.root; } -> { ${String} :: AttrSet -> { src :: StorePath; workspace_member :: String; }; }
    ```

    # Examples
    :::{.example}
    ## `crateOverrides` usage example

    ```nix
    (crateOverrides { root = ./.; inherit model; }).util { }
    => { src = "/nix/store/…-util-source"; workspace_member = "crates/util"; }
    ```

    :::
  */
  crateOverrides =
    { model
    , root ? model.root
    }:
    let
      packages = sortUnique (map (id: model.units.${id}.package) (attrNames model.units));
      dirOf' =
        package:
        self.packageDir (
          unitOf "crateOverrides" model (builtins.head (self.unitsOfPackage model package))
        );
    in
    listToAttrs (
      map
        (package: {
          name = package;
          value = attrs: {
            src = self.packageSrc {
              inherit model root package;
              tests = attrs.buildTests or false;
            };
            workspace_member = dirOf' package;
          };
        })
        packages
    );

  /**
    A nixpkgs file set (`lib.fileset`) of a unit's files and manifests, to turn into a source
    with `lib.fileset.toSource` or to combine with other file sets. Needs nixpkgs' lib (given
    to this library, or as `fileset`).

    # Inputs

    `root`

    : The workspace directory: a path (or an absolute string, turned into one).

    `unit`

    : A unit of the model.

    `fileset` (default: the `lib.fileset` given to the library)

    : nixpkgs' `lib.fileset`; only `unions` is used.

    # Type

    ```
    unitFileset :: { root :: Root; unit :: Unit; fileset :: AttrSet ? lib.fileset; } -> FileSet
    ```

    # Examples
    :::{.example}
    ## `unitFileset` usage example

    ```nix
    lib.fileset.toSource {
      root = ./.;
      fileset = unitFileset { root = ./.; unit = model.units."app/lib/app"; };
    }
    => "/nix/store/…-source"
    ```

    :::
  */
  unitFileset =
    { root
    , unit
    , fileset ? if lib != null then
        lib.fileset
      else
        fail "unitFileset" "needs nixpkgs' lib: import the library with { inherit lib; } or pass fileset = lib.fileset"
    }:
    let
      rootPath = if isString root then /. + root else root;
    in
    fileset.unions (map (file: rootPath + "/${file}") (self.unitFiles unit));
}
