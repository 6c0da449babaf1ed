/**
  Sources: store paths holding exactly some files of the workspace (`filesSrc`), those of one
  unit (`unitSource`, `sourcesByUnit`), of several (`unionSource`), of what buildRustCrate
  compiles for a package (`packageSrc`) and of one cargo invocation (`cargoSrc`); and what a
  unit's source holds (`unitFiles`) and where its package lies in it (`packageDir`). Part of
  the library `nix/default.nix` exports.
*/
{ internal, self }:
let
  inherit (builtins)
    concatMap
    dirOf
    filter
    mapAttrs
    stringLength
    substring
    ;

  inherit (internal)
    ancestors
    nameSet
    sortUnique
    unitOf
    ;
in
{
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
}
