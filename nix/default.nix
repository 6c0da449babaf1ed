# The Nix-language side of rust-unit-sources: turns the unit model (docs/schema.md) into
# per-unit sources whose store paths depend only on each unit's files. It consumes the model;
# it never computes it: the plugin (`fromPlugin`) or a generated `units.nix` (`fromFile`) does.
#
# Plain Nix: works on Nix 2.8 without nixpkgs. `lib` (nixpkgs' lib) is only used by
# `unitFileset`: `import ./nix { inherit lib; }` (the overlay's `pkgs.rustUnitSources` does).
#
# The model both loaders return: the schema's attribute set `{ version = 2; root; units; }`,
# with `root` the workspace directory as an absolute *string* (what the plugin returns; for
# `fromFile`, the directory `units.nix` names, resolved against the file's own directory).
# Units from `units.nix` have no `hash` unless it was generated with `--hashes`. A unit that
# cannot be built carries an `error` (a file it must read is missing or malformed): forcing
# its `files` is then an evaluation error naming the unit and that line, and so is building
# anything from its files (`unitSrc`, its derivation); every other unit is unaffected.
#
# Ids are `"<package>/<kind>/<target>"`; functions taking a model take it first.
{
  lib ? null,
}:
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

  # The model version this library reads.
  modelVersion = 2;

  # The model with each broken unit's `files` replaced by its error, thrown when forced.
  guardBroken =
    what: model:
    model
    // {
      units = mapAttrs (
        id: unit: if unit ? error then unit // { files = throw "${what}: ${id}: ${unit.error}"; } else unit
      ) model.units;
    };

  checkVersion =
    what: model:
    if (model.version or null) == modelVersion then
      guardBroken "rust-unit-sources" model
    else
      throw "rust-unit-sources: ${what}: model version ${
        toString (model.version or "(missing)")
      } is not supported; this library reads version ${toString modelVersion}";

  # Sorted, without duplicates (bytewise, like the model's own lists).
  sortUnique = xs: attrNames (listToAttrs (map (x: { name = x; value = null; }) xs));

  # `"a/b/c.rs"` → `[ "a/b" "a" ]`: the directories leading to a relative path.
  ancestors =
    path:
    let
      dir = dirOf path;
    in
    if dir == "." || dir == "/" || dir == path then [ ] else [ dir ] ++ ancestors dir;

  # A set with the given names, for `?` lookups.
  nameSet = names: listToAttrs (map (name: { inherit name; value = true; }) names);

  # null matches anything, a string itself, a list any of its elements.
  matches =
    criterion: value:
    criterion == null
    || (if isList criterion then builtins.elem value criterion else criterion == value);

  unitOf =
    model: id:
    model.units.${id}
      or (throw "rust-unit-sources: no unit `${id}` in the model of ${model.root or "?"}");

  self = {
    inherit modelVersion;

    # The model of the workspace `args` names, from `builtins.rustUnitSources` (the plugin must
    # be loaded: `--option plugin-files …/librust_unit_sources_nix.so`). `args`: a path (the
    # workspace directory or a Cargo.toml), or
    # { src; features ? null; noDefaultFeatures ? false; allFeatures ? false; target ? null;
    # dependencies ? false; }.
    fromPlugin =
      args:
      if builtins ? rustUnitSources then
        checkVersion "builtins.rustUnitSources" (builtins.rustUnitSources args)
      else
        throw "rust-unit-sources: builtins.rustUnitSources is not available; load the plugin with --option plugin-files /path/to/librust_unit_sources_nix.so";

    # The model in a file written by `cargo unit-sources generate` (a path, or a string naming
    # one): `import`ed, with `root` set to the absolute workspace directory, as the plugin's.
    # Works in pure evaluation (flakes): in a flake, `fromFile ./units.nix` has `root` in the
    # store. Same value as `fromPlugin` on the same tree and flags (`withoutHashes` of it
    # unless the file was generated with `--hashes`).
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
      checkVersion (toString file) (model // { inherit root; });

    # The model without the units' `hash` (what `units.nix` holds unless generated with
    # `--hashes`): `withoutHashes (fromPlugin ./.) == fromFile ./units.nix` when it is current.
    withoutHashes =
      model: model // { units = mapAttrs (_: unit: removeAttrs unit [ "hash" ]) model.units; };

    # A unit's files and manifests: everything its source must hold. Sorted, unique.
    unitFiles = unit: sortUnique (unit.files ++ unit.manifests);

    # The directory of the unit's package, relative to the root (`"."` for the root package):
    # where cargo runs rustc (CARGO_MANIFEST_DIR); `workspace_member` for buildRustCrate.
    packageDir = unit: dirOf unit.manifest;

    # A source holding exactly `files` (relative to `root`) and the directories leading to
    # them: `builtins.path` with a filter, so the store path depends only on those files'
    # names, contents and executable bits (and `name`). `root`: a path (`./.`) or an absolute
    # string. Files that do not exist are skipped.
    filesSrc =
      {
        root,
        files,
        name ? "source",
      }:
      let
        rootString = toString root;
        prefix = if rootString == "/" then "/" else rootString + "/";
        prefixLength = stringLength prefix;
        keepFiles = nameSet files;
        keepDirs = nameSet (concatMap ancestors files);
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

    # The source of one unit: its `files` and `manifests` (see `filesSrc`), laid out as in the
    # workspace (the crate is at `packageDir unit` inside it). Its store path changes when one
    # of those files changes, and only then.
    unitSrc =
      {
        root,
        unit,
        name ? "${unit.package}-${unit.kind}-${unit.target}-source",
      }:
      self.filesSrc {
        inherit root name;
        files = self.unitFiles unit;
      };

    # Every unit's source: id → `unitSrc`. `root` defaults to the model's (prefer `./.`).
    unitSrcs =
      {
        model,
        root ? model.root,
      }:
      mapAttrs (_: unit: self.unitSrc { inherit root unit; }) model.units;

    # One source for several units (e.g. `depClosure model id`): the union of their files and
    # manifests, plus `extraFiles`.
    unitsSrc =
      {
        model,
        ids,
        root ? model.root,
        name ? "source",
        extraFiles ? [ ],
      }:
      self.filesSrc {
        inherit root name;
        files = concatMap (id: self.unitFiles (unitOf model id)) ids ++ extraFiles;
      };

    # The source of what buildRustCrate (crate2nix) compiles for `package`: its units of
    # `kinds` (default: every kind but tests, benches and examples: the library, binaries and
    # build script). With `tests = true`, every unit of the package.
    packageSrc =
      {
        model,
        package,
        root ? model.root,
        tests ? false,
        kinds ? null,
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
      self.unitsSrc {
        inherit model root;
        name = "${package}-source";
        ids = filter (id: wanted model.units.${id}) (self.unitsOfPackage model package);
      };

    # A source for a cargo invocation (crane, buildRustPackage) building the units `ids`
    # (e.g. `depClosure model "app/bin/app"`): their files, every unit's manifests (cargo
    # reads every member's Cargo.toml), the root `Cargo.toml` and `Cargo.lock`, and
    # `extraFiles` (e.g. `.cargo/config.toml`).
    cargoSrc =
      {
        model,
        ids,
        root ? model.root,
        name ? "source",
        extraFiles ? [ ],
      }:
      self.filesSrc {
        inherit root name;
        files =
          concatMap (id: (unitOf model id).files) ids
          ++ concatMap (
            unit: unit.manifests ++ (if unit ? manifest then [ unit.manifest ] else [ ])
          ) (builtins.attrValues model.units)
          ++ [
            "Cargo.toml"
            "Cargo.lock"
          ]
          ++ extraFiles;
      };

    # crate2nix / buildRustCrate overrides: package name → (attrs → { src; workspace_member; })
    # with `src = packageSrc …` (every unit of the package when `attrs.buildTests`). Merge into
    # `defaultCrateOverrides`; see README.md.
    crateOverrides =
      {
        model,
        root ? model.root,
      }:
      let
        packages = sortUnique (map (id: model.units.${id}.package) (attrNames model.units));
        dirOf' =
          package: self.packageDir (unitOf model (builtins.head (self.unitsOfPackage model package)));
      in
      listToAttrs (
        map (package: {
          name = package;
          value = attrs: {
            src = self.packageSrc {
              inherit model root package;
              tests = attrs.buildTests or false;
            };
            workspace_member = dirOf' package;
          };
        }) packages
      );

    # A nixpkgs file set (`lib.fileset`) of a unit's files and manifests, for
    # `lib.fileset.toSource { root = ./.; fileset = unitFileset { root = ./.; inherit unit; }; }`
    # or to combine with other file sets. `root` must be a path. Needs nixpkgs' lib (given to
    # this library, or as `fileset = lib.fileset`).
    unitFileset =
      {
        root,
        unit,
        fileset ?
          if lib != null then
            lib.fileset
          else
            throw "rust-unit-sources: unitFileset needs nixpkgs' lib: import the library with { inherit lib; } or pass fileset = lib.fileset",
      }:
      let
        rootPath = if isString root then /. + root else root;
      in
      fileset.unions (map (file: rootPath + "/${file}") (self.unitFiles unit));

    # The ids of a model's units of package `package` (sorted).
    unitsOfPackage =
      model: package: filter (id: model.units.${id}.package == package) (attrNames model.units);

    # The ids of a model's units of kind `kind` (a string or a list of them; sorted).
    unitsOfKind = model: kind: self.selectUnits model { inherit kind; };

    # The ids of the units matching every given criterion (null: any; a string; or a list of
    # accepted values), sorted: `selectUnits model { package = "app"; kind = [ "bin" "lib" ]; }`.
    selectUnits =
      model:
      {
        package ? null,
        kind ? null,
        target ? null,
      }:
      filter (
        id:
        let
          unit = model.units.${id};
        in
        matches package unit.package && matches kind unit.kind && matches target unit.target
      ) (attrNames model.units);

    # The unit `id` (or each of a list of ids) and every unit it needs built first, through
    # `deps`, transitively: sorted ids.
    depClosure =
      model: ids:
      sortUnique (
        map (item: item.key) (genericClosure {
          startSet = map (id: { key = id; }) (if isList ids then ids else [ ids ]);
          operator = item: map (id: { key = id; }) (unitOf model item.key).deps;
        })
      );
  };
in
self
