/**
  Selecting units: the sorted ids of a model's units by package, kind, target and build
  (`unitsOfPackage`, `unitsOfKind`, `selectUnits`), and the units a unit needs built first
  (`depClosure`). Part of the library `nix/default.nix` exports.
*/
{ internal, self }:
let
  inherit (builtins)
    any
    attrNames
    filter
    genericClosure
    isList
    ;

  inherit (internal) matches sortUnique unitOf;
in
{
  /**
    The ids of a model's units of one package, sorted.

    # Inputs

    `model`

    : A model.

    `package`

    : The package's name.

    # Type

    ```
    unitsOfPackage :: Model -> String -> [Id]
    ```

    # Examples
    :::{.example}
    ## `unitsOfPackage` usage example

    ```nix
    unitsOfPackage model "util"
    => [ "util/lib-test/util" "util/lib/util" ]
    ```

    :::
  */
  unitsOfPackage =
    model: package: filter (id: model.units.${id}.package == package) (attrNames model.units);

  /**
    The ids of a model's units of some kinds, sorted: `selectUnits model { inherit kind; }`.

    # Inputs

    `model`

    : A model.

    `kind`

    : A unit kind (`"lib"`, `"bin"`, `"build-script"`, …) or a list of them.

    # Type

    ```
    unitsOfKind :: Model -> (String | [String]) -> [Id]
    ```

    # Examples
    :::{.example}
    ## `unitsOfKind` usage example

    ```nix
    unitsOfKind model [ "bin" "lib" ]
    => [ "app/bin/app" "util/lib/util" ]
    ```

    :::
  */
  unitsOfKind = model: kind: self.selectUnits model { inherit kind; };

  /**
    The ids of the units matching every given criterion, sorted. A criterion is `null`
    (any value), a value, or a list of accepted values.

    # Inputs

    `model`

    : A model.

    `criteria`

    : `{ package ? null; kind ? null; target ? null; selection ? null; }`, compared with the
      units' fields; `selection` (`"build"`: what `cargo build --workspace` builds,
      `"all-targets"`: what `cargo build --workspace --all-targets` builds) with their
      `selections`, which only a scan with dependencies gives (a unit without them matches
      any).

    # Type

    ```
    selectUnits :: Model -> { package :: String | [String] ? null; kind :: String | [String] ? null; target :: String | [String] ? null; selection :: String | [String] ? null; } -> [Id]
    ```

    # Examples
    :::{.example}
    ## `selectUnits` usage example

    ```nix
    selectUnits model { package = "app"; kind = [ "bin" "lib" ]; }
    => [ "app/bin/app" "app/lib/app" ]
    selectUnits model { package = "app"; selection = "build"; }
    => [ "app/bin/app" "app/lib/app" ]
    ```

    :::
  */
  selectUnits =
    model:
    { package ? null
    , kind ? null
    , target ? null
    , selection ? null
    }:
    filter
      (
        id:
        let
          unit = model.units.${id};
        in
        matches package unit.package
        && matches kind unit.kind
        && matches target unit.target
        && (!(unit ? selections) || any (matches selection) unit.selections || selection == null)
      )
      (attrNames model.units);

  /**
    Units and every unit they need built first, through `deps`, transitively: sorted ids.

    # Inputs

    `model`

    : A model.

    `ids`

    : A unit's id, or a list of ids.

    # Type

    ```
    depClosure :: Model -> (Id | [Id]) -> [Id]
    ```

    # Examples
    :::{.example}
    ## `depClosure` usage example

    ```nix
    depClosure model "app/bin/app"
    => [ "app/bin/app" "app/lib/app" "util/lib/util" ]
    depClosure model "app/lib/nope"
    => error: rust-unit-sources: depClosure: no unit `app/lib/nope` in the model of /…
    ```

    :::
  */
  depClosure =
    model: ids:
    sortUnique (
      map (item: item.key) (genericClosure {
        startSet = map (id: { key = id; }) (if isList ids then ids else [ ids ]);
        operator = item: map (id: { key = id; }) (unitOf "depClosure" model item.key).deps;
      })
    );
}
