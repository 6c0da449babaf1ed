# Builds a workspace one derivation per unit by calling rustc directly, as cargo would. Each
# derivation depends on what cargo's fingerprint depends on, and nothing else:
#   - its unit's `files` (a source holding exactly them; no manifest, no Cargo.lock);
#   - its configuration, as the model's `build` field gives it: rustc's flags (crate name and
#     types, edition, features, cfgs, profile settings, `-C metadata`), the variables cargo
#     sets that the unit may read (`CARGO_PKG_*` only when it reads them);
#   - the outputs of the units it links or runs after (`deps`).
# So an edit rebuilds exactly the units whose files or configuration changed, and what depends
# on them: what cargo itself rebuilds. A comment in a `Cargo.toml` or in `Cargo.lock` rebuilds
# nothing.
#
# The model must come from a scan with dependencies (plugin: `dependencies = true`; CLI:
# `scan --dependencies`), for the target (`target`) and the profile (`profile`, default `dev`)
# the build is for; its features are the build's. Registry dependencies are vendored below the
# workspace root (`cargo vendor`): each is a unit like the others.
#
# A unit carrying an `error` (a file it must read is missing, unreadable or malformed) builds
# to a derivation that fails with `rust-unit-sources: <id>: <error>`, without reading its
# `files` (forcing them is that same error): every other unit evaluates and builds, and only
# what depends on the broken unit fails with it.
#
# Returns an attribute set: unit id -> derivation.
{
  # The unit model.
  model
, # The workspace root: the directory the model's paths are relative to.
  root
, # The rustc executable (a real one, not the rustup proxy).
  rustc
, # The target triple the model was scanned for.
  target
, # The triple of the machine running build scripts (their `HOST`).
  host ? target
, # rustdoc (build scripts' `RUSTDOC`).
  rustdoc ? "${dirOf rustc}/rustdoc"
, # cargo (build scripts' and rustc's `CARGO`), or null to leave it unset.
  cargo ? null
, # The linker (`-C linker=`, build scripts' `RUSTC_LINKER`), or null for rustc's default.
  linker ? null
, # Flags for every rustc invocation (cargo's `RUSTFLAGS`; build scripts get them as
  # `CARGO_ENCODED_RUSTFLAGS`). Give the model's scan the same `--cfg`s.
  rustflags ? [ ]
, # Host tools every builder may run (a C compiler, pkg-config, …), as nixpkgs'
  # nativeBuildInputs: directories whose `bin/` goes on PATH before `path`.
  nativeBuildInputs ? [ ]
, # Libraries build scripts and links may use, as nixpkgs' buildInputs: directories whose
  # `lib/pkgconfig` and `share/pkgconfig` go on PKG_CONFIG_PATH, `include/` on CPATH and
  # `lib/` on LIBRARY_PATH.
  buildInputs ? [ ]
, # Integration tests' and benches' CARGO_TARGET_TMPDIR: a directory they may write to when
  # they run (cargo's `target/tmp`).
  targetTmpdir ? "/tmp"
, # Per package: package name -> unit -> extra environment for that package's derivations
  # (e.g. `{ openssl-sys = unit: { OPENSSL_NO_VENDOR = "1"; }; }`).
  crateOverrides ? { }
, # This project's Nix library (nix/default.nix).
  library ? import ./default.nix { }
, # A unit's source: { root, unit } -> a store path holding the files the unit reads (its
  # `files`) and its package directory. The rebuild benchmark passes the whole workspace here.
  unitSrc ? (
    { root, unit }:
      library.filesSrc {
        inherit root;
        files = unit.files;
        dirs = [ (library.packageDir unit) ] ++ unit.dirs or [ ];
        name = "${unit.package}-${unit.kind}-${unit.target}-source";
      }
  )
, # The derivation function: { name, builder script, environment } -> derivation. The default
  # uses builtins.derivation with `shell` as builder; nixpkgs users pass a wrapper around
  # stdenv.mkDerivation, which must pass `env` on as attributes (with `contentAddressed`, it
  # holds `__contentAddressed`, `outputHashMode` and `outputHashAlgo`).
  mkDerivation ? null
, # The shell running the builder scripts.
  shell ? "/bin/sh"
, # The system to build on.
  system ? builtins.currentSystem
, # PATH inside builders after nativeBuildInputs: coreutils, sed, and the C compiler rustc
  # links with (cc).
  path ? "/usr/bin:/bin"
, # Content-addressed derivations (Nix's experimental `ca-derivations`): a unit rebuilt to an
  # output identical to the last one stops the rebuild there (early cutoff): what depends on
  # it is not built again. Needs `experimental-features = ca-derivations` (nix.conf) or
  # `--extra-experimental-features ca-derivations`.
  contentAddressed ? false
, # Incremental mode, for the edit-compile loop on your own machine (never for CI artefacts or
  # binary caches): an absolute directory outside the store (a string), e.g.
  # "/var/cache/rust-unit-sources/incremental", where each unit cargo compiles incrementally
  # (`build.profile.incremental`: the `dev` profile's members) keeps rustc's `-C incremental`
  # state across builds. Its derivations, and those depending on them, are named
  # `…-incremental` and differ from the pure ones. With the sandbox on, the directory must be
  # in `extra-sandbox-paths` and writable by the build users (README, "Incremental mode").
  # null (default): every build starts from nothing.
  incremental ? null
}:
let
  units = model.units;
  lines = builtins.concatStringsSep "\n";
  modes = import ./builder/incremental.nix {
    inherit units incremental contentAddressed rustc lines;
    buildOf = id: buildOf id units.${id};
  };
  searchPath = dirs: builtins.concatStringsSep ":" dirs;

  # The attributes making a derivation content-addressed, when asked for.
  contentAddressing = modes.contentAddressing (
    if contentAddressed then
      {
        __contentAddressed = true;
        outputHashMode = "recursive";
        outputHashAlgo = "sha256";
      }
    else
      { }
  );

  derivationOf =
    { name, script, env }:
    let
      attrs = {
        inherit name script;
        env = env // contentAddressing;
      };
    in
    if mkDerivation != null then
      mkDerivation attrs
    else
      builtins.derivation (
        attrs.env
        // {
          inherit name system;
          builder = shell;
          args = [ script ];
        }
      );

  # What every builder gets: the toolchain and the host tools and libraries. A unit compiled
  # (or run) for the host (`unit.host`: build scripts, proc-macros and what they link) gets the
  # host's triple and, as with `cargo build --target`, none of `rustflags`.
  toolEnv = {
    inherit rustc;
    # rustc on PATH too: proc-macros and build scripts may run it (cargo's test macros do).
    PATH = searchPath (map (d: "${d}/bin") nativeBuildInputs ++ [ (dirOf rustc) path ]);
    PKG_CONFIG_PATH = searchPath (
      builtins.concatMap
        (d: [
          "${d}/lib/pkgconfig"
          "${d}/share/pkgconfig"
        ])
        buildInputs
    );
    CPATH = searchPath (map (d: "${d}/include") buildInputs);
    LIBRARY_PATH = searchPath (map (d: "${d}/lib") buildInputs);
    linker = if linker == null then "" else linker;
  };
  platformOf =
    host': if host' then { target = host; rustflags = ""; } else { inherit target; rustflags = lines rustflags; };
  unitPlatform = unit: platformOf (unit.host or false);

  # A derivation's name: the unit's id without a `dev` variant tag, which only tells the
  # `--all-targets` build's unit from `cargo build`'s in the model (each build holds one of
  # them): a unit whose configuration stays the same keeps its derivation when a change
  # elsewhere makes the two builds differ.
  drvName =
    id:
    let
      parts = builtins.filter builtins.isString (builtins.split "/" id);
      variant = builtins.filter (t: builtins.isString t && t != "dev") (
        builtins.split "-" (builtins.elemAt parts 3)
      );
      base = builtins.concatStringsSep "/" (
        [ (builtins.elemAt parts 0) (builtins.elemAt parts 1) (builtins.elemAt parts 2) ]
        ++ (if variant == [ ] then [ ] else [ (builtins.concatStringsSep "-" variant) ])
      );
      named = if builtins.length parts > 3 then base else id;
    in
    builtins.replaceStrings [ "/" "@" "+" ] [ "-" "-" "-" ] named;
  buildOf =
    id: unit:
      unit.build
        or (throw "rust-unit-sources: unit `${id}` has no `build` field: scan with dependencies (plugin: dependencies = true) to build it");
  overrides = unit: if crateOverrides ? ${unit.package} then crateOverrides.${unit.package} unit else { };

  ofKind = kind: unit: builtins.filter (dep: units.${dep}.kind == kind) unit.deps;

  # A platform's cfgs as build scripts' CARGO_CFG_* variables (rustc --print cfg, once per
  # platform: the target's, and the host's for build scripts run for the host).
  targetInfoOf =
    host':
    derivationOf {
      name = "rust-target-info-${(platformOf host').target}";
      script = ./builder/target-info.sh;
      env = toolEnv // platformOf host';
    };
  targetInfos = {
    target = targetInfoOf false;
    host = targetInfoOf true;
  };

  # A library unit's linkable output, for --extern (null when its crate types link nothing).
  externPath =
    dep:
    let
      file = (buildOf dep units.${dep}).externFile or null;
    in
    if file == null then null else "${built.${dep}}/lib/${file}";

  compile =
    id: unit:
    let
      build = buildOf id unit;
      runs = ofKind "build-script-run" unit;
      externs = builtins.filter (e: e.path != null) (
        builtins.attrValues (
          builtins.mapAttrs
            (name: dep: {
              inherit name dep;
              path = externPath dep;
            })
            unit.externs
        )
      );
      output =
        if unit.kind == "build-script" then
          "build-script"
        else if build ? externFile || unit.kind == "lib" || (unit.kind == "example" && unit.crateTypes != [ "bin" ]) then
          "lib"
        else
          "bin";
    in
    derivationOf {
      name = drvName id + modes.nameSuffix id;
      script = ./builder/compile.sh;
      env =
        toolEnv
        // unitPlatform unit
        // build.env
        // modes.compileEnv id (drvName id) (unitPlatform unit)
        // {
          src = unitSrc { inherit root unit; };
          packageDir = library.packageDir unit;
          inherit (unit) rootFile;
          inherit output;
          binName = unit.target;
          rustcFlags = lines build.rustcFlags;
          externs = lines (map (e: "${e.name}=${e.path}") externs);
          libDeps = lines (map (e: "${built.${e.dep}}") externs);
          buildScriptRun = if runs == [ ] then "" else "${built.${builtins.head runs}}";
          linkLibs = if build.linkLibs or false then "1" else "";
          linkArgs = lines (build.linkArgs or [ ]);
          cargo = if cargo == null then "" else cargo;
        }
        // builtins.listToAttrs (
          map
            (name: {
              name = "CARGO_BIN_EXE_${name}";
              value = "${built.${build.binExes.${name}}}/bin/${name}";
            })
            (builtins.attrNames (build.binExes or { }))
        )
        // (
          if unit.kind == "test" || unit.kind == "bench" then
            { CARGO_TARGET_TMPDIR = targetTmpdir; }
          else
            { }
        )
        // overrides unit;
    };

  run =
    id: unit:
    derivationOf {
      name = drvName id + modes.nameSuffix id;
      script = ./builder/run-build-script.sh;
      env =
        toolEnv
        // unitPlatform unit
        // (buildOf id unit).env
        // modes.runEnv id
        // {
          src = unitSrc { inherit root unit; };
          packageDir = library.packageDir unit;
          buildScript = "${built.${builtins.head (ofKind "build-script" unit)}}";
          # The runs of the dependencies with `links`, whose metadata becomes DEP_* here.
          depRuns = lines (map (dep: "${built.${dep}}") (ofKind "build-script-run" unit));
          targetInfo = if unit.host or false then targetInfos.host else targetInfos.target;
          inherit host rustdoc;
          cargo = if cargo == null then "" else cargo;
        }
        // overrides unit;
    };

  broken =
    id: unit:
    derivationOf {
      name = drvName id;
      script = ./builder/broken-unit.sh;
      env = {
        error = "rust-unit-sources: ${id}: ${unit.error}";
      };
    };

  built = builtins.mapAttrs
    (
      id: unit:
        if unit ? error then
          broken id unit
        else if unit.kind == "build-script-run" then
          run id unit
        else
          compile id unit
    )
    units;
in
built
