/**
  The Nix-language side of rust-unit-sources: turns the unit model (docs/schema.md) into
  per-unit sources whose store paths depend only on each unit's files. It consumes the model;
  it never computes it: the plugin (`fromPlugin`) or a generated `units.nix` (`fromFile`) does.

  Plain Nix: works on Nix 2.8 without nixpkgs. `lib` (nixpkgs' lib) is only used by
  `unitFileset`: `import ./nix { inherit lib; }` (the overlay's `pkgs.rustUnitSources` does).

  The types the functions' `# Type` sections name:

  - `Model`: what both loaders return, the schema's attribute set
  `{ version = 3; root; units; }`, with `root` the workspace directory as an absolute
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

  Functions taking a model take it first. `nix/tests.nix` holds the library's unit tests.
*/
{ lib ? null }:
let
  inherit (builtins)
    attrNames
    concatMap
    dirOf
    filter
    genericClosure
    isList
    isPath
    isString
    listToAttrs
    mapAttrs
    stringLength
    substring
    ;

  # The library's errors: `rust-unit-sources: <function>: <message>`.
  fail = function: message: throw "rust-unit-sources: ${function}: ${message}";

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

  # Sorted, without duplicates (bytewise, like the model's own lists).
  sortUnique =
    xs:
    attrNames (
      listToAttrs (
        map
          (x: {
            name = x;
            value = null;
          })
          xs
      )
    );

  # `"a/b/c.rs"` → `[ "a/b" "a" ]`: the directories leading to a relative path.
  ancestors =
    path:
    let
      dir = dirOf path;
    in
    if dir == "." || dir == "/" || dir == path then [ ] else [ dir ] ++ ancestors dir;

  # A set with the given names, for `?` lookups.
  nameSet =
    names:
    listToAttrs (
      map
        (name: {
          inherit name;
          value = true;
        })
        names
    );

  # null matches anything, a string itself, a list any of its elements.
  matches =
    criterion: value:
    criterion == null
    || (if isList criterion then builtins.elem value criterion else criterion == value);

  # The unit `id` of `model`; `function` (the public function looking it up) names the error.
  unitOf =
    function: model: id:
      model.units.${id} or (fail function "no unit `${id}` in the model of ${model.root or "?"}");

  self = {
    /**
      The model version this library reads (the schema's `version`). `fromPlugin` and
      `fromFile` refuse any other.

      # Type

      ```
      modelVersion :: Int
      ```
    */
    modelVersion = 3;

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
      => { version = 3; root = "/home/me/ws"; units = { … }; }
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
      => error: rust-unit-sources: fromFile: /…/old-units.nix: model version 2 is not supported; this library reads version 3
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
      withoutHashes { version = 3; root = "/ws"; units.a = { files = [ ]; hash = "…"; }; }
      => { version = 3; root = "/ws"; units.a = { files = [ ]; }; }
      ```

      :::
    */
    withoutHashes =
      model: model // { units = mapAttrs (_: unit: removeAttrs unit [ "hash" ]) model.units; };

    /**
      A unit's files and manifests: everything its source must hold, relative to the root.

      # Inputs

      `unit`

      : A unit (`model.units.<id>`); only `files` and `manifests` are read.

      # Type

      ```
      unitFiles :: Unit -> [String]
      ```

      # Examples
      :::{.example}
      ## `unitFiles` usage example

      ```nix
      unitFiles { files = [ "src/lib.rs" "Cargo.toml" ]; manifests = [ "Cargo.toml" ]; }
      => [ "Cargo.toml" "src/lib.rs" ]   # sorted, unique
      ```

      :::
    */
    unitFiles = unit: sortUnique (unit.files ++ unit.manifests);

    /**
      The directory of the unit's package, relative to the root (`"."` for the root package):
      where cargo runs rustc (`CARGO_MANIFEST_DIR`); `workspace_member` for buildRustCrate.

      # Inputs

      `unit`

      : A unit; only `manifest` is read.

      # Type

      ```
      packageDir :: Unit -> String
      ```

      # Examples
      :::{.example}
      ## `packageDir` usage example

      ```nix
      packageDir { manifest = "crates/util/Cargo.toml"; }
      => "crates/util"
      packageDir { manifest = "Cargo.toml"; }
      => "."
      ```

      :::
    */
    packageDir = unit: dirOf unit.manifest;

    /**
      A source holding exactly `files`, the directories `dirs` (empty unless they hold some of
      the files) and the directories leading to them: `builtins.path` with a filter, so the
      store path depends only on those files' names, contents and executable bits (and
      `name`). Files that do not exist are skipped.

      # Inputs

      `root`

      : The directory the paths are relative to: a path (`./.`) or an absolute string.

      `files`

      : Paths of files relative to `root`.

      `dirs` (default `[ ]`)

      : Paths of directories relative to `root` to keep (with the directories leading to them).

      `name` (default `"source"`)

      : The store path's name.

      # Type

      ```
      filesSrc :: { root :: Root; files :: [String]; dirs :: [String] ? [ ]; name :: String ? "source"; } -> StorePath
      ```

      # Examples
      :::{.example}
      ## `filesSrc` usage example

      ```nix
      filesSrc { root = ./.; files = [ "Cargo.toml" "src/lib.rs" ]; }
      => "/nix/store/…-source"   # holding Cargo.toml, src/ and src/lib.rs
      ```

      :::
    */
    filesSrc =
      { root
      , files
      , dirs ? [ ]
      , name ? "source"
      }:
      let
        rootString = toString root;
        prefix = if rootString == "/" then "/" else rootString + "/";
        prefixLength = stringLength prefix;
        keepFiles = nameSet files;
        keepDirs = nameSet (concatMap ancestors files ++ concatMap (d: [ d ] ++ ancestors d) dirs);
      in
      builtins.path {
        path = root;
        inherit name;
        filter =
          path: type:
          let
            rel = substring prefixLength (stringLength path) path;
          in
          if type == "directory" then keepDirs ? ${rel} else keepFiles ? ${rel};
      };

    /**
      The source of one unit: its `files` and `manifests` (see `filesSrc`) and the directories
      its paths go through (`dirs`), laid out as in the workspace (the crate is at
      `packageDir unit` inside it). Its store path changes when one of those files changes,
      and only then.

      # Inputs

      `root`

      : The workspace directory (a path, preferred, or `model.root`).

      `unit`

      : A unit of the model.

      `name` (default `"<package>-<kind>-<target>-source"`)

      : The store path's name.

      # Type

      ```
      unitSource :: { root :: Root; unit :: Unit; name :: String ? …; } -> StorePath
      ```

      # Examples
      :::{.example}
      ## `unitSource` usage example

      ```nix
      unitSource { root = ./.; unit = model.units."util/lib/util"; }
      => "/nix/store/…-util-lib-util-source"
      ```

      :::
    */
    unitSource =
      { root
      , unit
      , name ? "${unit.package}-${unit.kind}-${unit.target}-source"
      }:
      self.filesSrc {
        inherit root name;
        files = self.unitFiles unit;
        dirs = unit.dirs or [ ];
      };

    /**
      Every unit's source (`unitSource`), by unit id.

      # Inputs

      `model`

      : A model.

      `root` (default `model.root`)

      : The workspace directory; prefer the path `./.`.

      # Type

      ```
      sourcesByUnit :: { model :: Model; root :: Root ? model.root; } -> { ${Id} :: StorePath; }
      ```

      # Examples
      :::{.example}
      ## `sourcesByUnit` usage example

      ```nix
      (sourcesByUnit { root = ./.; inherit model; })."app/bin/app"
      => "/nix/store/…-app-bin-app-source"
      ```

      :::
    */
    sourcesByUnit =
      { model
      , root ? model.root
      }:
      mapAttrs (_: unit: self.unitSource { inherit root unit; }) model.units;

    /**
      One source for several units: the union of their files and manifests (and `dirs`), plus
      `extraFiles`.

      # Inputs

      `model`

      : A model.

      `ids`

      : The units' ids (e.g. `depClosure model id`).

      `root` (default `model.root`)

      : The workspace directory; prefer the path `./.`.

      `name` (default `"source"`)

      : The store path's name.

      `extraFiles` (default `[ ]`)

      : More files to hold, relative to `root`.

      # Type

      ```
      unionSource :: { model :: Model; ids :: [Id]; root :: Root ? model.root; name :: String ? "source"; extraFiles :: [String] ? [ ]; } -> StorePath
      ```

      # Examples
      :::{.example}
      ## `unionSource` usage example

      ```nix
      unionSource { root = ./.; inherit model; ids = depClosure model "app/bin/app"; }
      => "/nix/store/…-source"
      unionSource { inherit model; ids = [ "app/lib/nope" ]; }
      => error: rust-unit-sources: unionSource: no unit `app/lib/nope` in the model of /…
      ```

      :::
    */
    unionSource =
      { model
      , ids
      , root ? model.root
      , name ? "source"
      , extraFiles ? [ ]
      }:
      let
        byId = unitOf "unionSource" model;
      in
      self.filesSrc {
        inherit root name;
        files = concatMap (id: self.unitFiles (byId id)) ids ++ extraFiles;
        dirs = concatMap (id: (byId id).dirs or [ ]) ids;
      };

    /**
      The source of what buildRustCrate (crate2nix) compiles for a package: its units of
      `kinds`; by default every kind but tests, benches and examples (the library, binaries
      and build script), or every unit of the package with `tests = true`.

      # Inputs

      `model`

      : A model.

      `package`

      : The package's name (the units' `package`).

      `root` (default `model.root`)

      : The workspace directory; prefer the path `./.`.

      `tests` (default `false`)

      : Whether to include the package's test, bench and example units.

      `kinds` (default `null`)

      : When not null, the unit kinds to include (overrides `tests`).

      # Type

      ```
      packageSrc :: { model :: Model; package :: String; root :: Root ? model.root; tests :: Bool ? false; kinds :: [String] ? null; } -> StorePath
      ```

      # Examples
      :::{.example}
      ## `packageSrc` usage example

      ```nix
      packageSrc { root = ./.; inherit model; package = "util"; }
      => "/nix/store/…-util-source"
      ```

      :::
    */
    packageSrc =
      { model
      , package
      , root ? model.root
      , tests ? false
      , kinds ? null
      }:
      let
        testKinds = [
          "test"
          "bench"
          "example"
          "lib-test"
          "bin-test"
        ];
        wanted =
          unit:
          if kinds != null then
            builtins.elem unit.kind kinds
          else
            tests || !(builtins.elem unit.kind testKinds);
      in
      self.unionSource {
        inherit model root;
        name = "${package}-source";
        ids = filter (id: wanted model.units.${id}) (self.unitsOfPackage model package);
      };

    /**
      A source for one cargo invocation (crane, buildRustPackage) building some units: their
      files, every unit's manifests (cargo reads every member's `Cargo.toml`), the root
      `Cargo.toml` and `Cargo.lock`, and `extraFiles`.

      # Inputs

      `model`

      : A model.

      `ids`

      : The ids of the units cargo compiles (e.g. `depClosure model "app/bin/app"`).

      `root` (default `model.root`)

      : The workspace directory; prefer the path `./.`.

      `name` (default `"source"`)

      : The store path's name.

      `extraFiles` (default `[ ]`)

      : More files cargo reads, relative to `root` (e.g. `.cargo/config.toml`).

      # Type

      ```
      cargoSrc :: { model :: Model; ids :: [Id]; root :: Root ? model.root; name :: String ? "source"; extraFiles :: [String] ? [ ]; } -> StorePath
      ```

      # Examples
      :::{.example}
      ## `cargoSrc` usage example

      ```nix
      craneLib.buildPackage {
        src = cargoSrc { root = ./.; inherit model; ids = depClosure model "app/bin/app"; };
        cargoExtraArgs = "-p app --bin app";
      }
      ```

      :::
    */
    cargoSrc =
      { model
      , ids
      , root ? model.root
      , name ? "source"
      , extraFiles ? [ ]
      }:
      let
        byId = unitOf "cargoSrc" model;
      in
      self.filesSrc {
        inherit root name;
        files =
          concatMap (id: (byId id).files) ids
          ++ concatMap
            (
              unit: unit.manifests ++ (if unit ? manifest then [ unit.manifest ] else [ ])
            )
            (builtins.attrValues model.units)
          ++ [
            "Cargo.toml"
            "Cargo.lock"
          ]
          ++ extraFiles;
        dirs = concatMap (id: (byId id).dirs or [ ]) ids;
      };

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

      : `{ package ? null; kind ? null; target ? null; }`, compared with the units' fields.

      # Type

      ```
      selectUnits :: Model -> { package :: String | [String] ? null; kind :: String | [String] ? null; target :: String | [String] ? null; } -> [Id]
      ```

      # Examples
      :::{.example}
      ## `selectUnits` usage example

      ```nix
      selectUnits model { package = "app"; kind = [ "bin" "lib" ]; }
      => [ "app/bin/app" "app/lib/app" ]
      ```

      :::
    */
    selectUnits =
      model:
      { package ? null
      , kind ? null
      , target ? null
      }:
      filter
        (
          id:
          let
            unit = model.units.${id};
          in
          matches package unit.package && matches kind unit.kind && matches target unit.target
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
