/**
  Reading the model (docs/schema.md): from the plugin (`fromPlugin`) or a generated
  `units.nix` (`fromFile`), checked to be the version this library reads, with each broken
  unit's `files` made to throw its error; and `withoutHashes`, which makes the two comparable.
  Part of the library `nix/default.nix` exports.
*/
{ internal, self }:
let
  inherit (builtins)
    dirOf
    isPath
    mapAttrs
    substring
    ;

  inherit (internal) fail;

  # The model with each broken unit's `files` replaced by its error, thrown when forced. This
  # line has no function name: it is the unit's error, as the plugin and build-units.nix give it.
  guardBroken =
    model:
    model
    // {
      units = mapAttrs
        (
          id: unit:
            if unit ? error then
              unit // { files = throw "rust-unit-sources: ${id}: ${unit.error}"; }
            else
              unit
        )
        model.units;
    };

  # `function` names the loader (and, for `fromFile`, the file) in the error.
  checkVersion =
    function: model:
    if (model.version or null) == self.modelVersion then
      guardBroken model
    else
      fail function "model version ${toString (model.version or "(missing)")} is not supported; this library reads version ${toString self.modelVersion}";
in
{
  /**
    The model version this library reads (the schema's `version`). `fromPlugin` and
    `fromFile` refuse any other.

    # Type

    ```
    modelVersion :: Int
    ```
  */
  modelVersion = 4;

  /**
    The model of a workspace, from `builtins.rustUnitSources` (the plugin must be loaded:
    `--option plugin-files …/librust_unit_sources_nix.so`). Not pure: the plugin reads the
    workspace when it is evaluated; in a flake, use `fromFile`.

    # Inputs

    `args`

    : The workspace directory or its `Cargo.toml` (a path), or
      `{ src; features ? null; noDefaultFeatures ? false; allFeatures ? false; target ? null;
      cfgs ? null; dependencies ? false; profile ? "dev"; }`, passed on to
      `builtins.rustUnitSources` as they are; docs/schema.md's "Features", "cfg evaluation"
      and "Building" say what each means (`cfgs`: the build's `--cfg` flags, `[ ]` for none;
      `null`, custom cfgs unknown).

    # Type

    ```
    fromPlugin :: (Path | AttrSet) -> Model
    ```

    # Examples
    :::{.example}
    ## `fromPlugin` usage example

    ```nix
    (fromPlugin ./.).units."app/bin/app".files
    => [ "src/main.rs" "src/cli.rs" ]
    fromPlugin { src = ./.; dependencies = true; }
    => { version = 4; root = "/home/me/ws"; units = { … }; }
    ```

    :::
  */
  fromPlugin =
    args:
    if builtins ? rustUnitSources then
      checkVersion "fromPlugin" (builtins.rustUnitSources args)
    else
      fail "fromPlugin" "builtins.rustUnitSources is not available; load the plugin with --option plugin-files /path/to/librust_unit_sources_nix.so";

  /**
    The model in a file written by `cargo unit-sources generate`, `import`ed, with `root`
    set to the absolute workspace directory, as the plugin's. Works in pure evaluation
    (flakes): in a flake, `fromFile ./units.nix` has `root` in the store. Same value as
    `fromPlugin` on the same tree and flags (`withoutHashes` of it unless the file was
    generated with `--hashes`).

    # Inputs

    `file`

    : The `units.nix` file: a path, or a string naming one.

    # Type

    ```
    fromFile :: (Path | String) -> Model
    ```

    # Examples
    :::{.example}
    ## `fromFile` usage example

    ```nix
    (fromFile ./units.nix).root
    => "/nix/store/…-source"   # in a flake; the workspace's directory outside one
    fromFile ./old-units.nix
    => error: rust-unit-sources: fromFile: /…/old-units.nix: model version 3 is not supported; this library reads version 4
    ```

    :::
  */
  fromFile =
    file:
    let
      model = import file;
      dir = dirOf file;
      root =
        if !(model ? root) then
          toString dir
        else if substring 0 1 model.root == "/" then
          model.root
        else if isPath file then
          toString (dir + "/${model.root}") # a path: `..` is resolved
        else
          "${dir}/${model.root}";
    in
    checkVersion "fromFile: ${toString file}" (model // { inherit root; });

  /**
    The model without the units' `hash`: what `units.nix` holds unless generated with
    `--hashes`, so `withoutHashes (fromPlugin ./.) == fromFile ./units.nix` when the file is
    current.

    # Inputs

    `model`

    : A model.

    # Type

    ```
    withoutHashes :: Model -> Model
    ```

    # Examples
    :::{.example}
    ## `withoutHashes` usage example

    ```nix
    withoutHashes { version = 4; root = "/ws"; units.a = { files = [ ]; hash = "…"; }; }
    => { version = 4; root = "/ws"; units.a = { files = [ ]; }; }
    ```

    :::
  */
  withoutHashes =
    model: model // { units = mapAttrs (_: unit: removeAttrs unit [ "hash" ]) model.units; };
}
