# The incremental mode of nix/build-units.nix (its `incremental` argument): which units keep
# rustc's `-C incremental` state in a directory outside the store, the key of each unit's state,
# and what their derivations get. It consumes the model only: `build.profile.incremental` says
# which units cargo compiles incrementally (the profile's `incremental`, path packages only).
#
# Returns { nameSuffix, compileEnv, runEnv }, each taking a unit id, and `contentAddressing`;
# with `incremental = null` they add nothing, so the pure derivations are unchanged.
{
  # The model's units, by id.
  units
, # build-units.nix's `incremental`: null, or the state directory.
  incremental
, # build-units.nix's `contentAddressed` (the two do not combine).
  contentAddressed
, # The rustc executable (part of every state's identity).
  rustc
, # Joins strings with newlines.
  lines
, # A unit id -> its `build` field.
  buildOf
}:
let
  storeDir = builtins.storeDir;
  # The state directory, checked: absolute, outside the store.
  dir =
    let
      path = toString incremental;
      inStore = path == storeDir || builtins.substring 0 (builtins.stringLength storeDir + 1) path == storeDir + "/";
    in
    if builtins.substring 0 1 path != "/" then
      throw "rust-unit-sources: build-units.nix: `incremental` must be an absolute directory, not `${path}`"
    else if inStore then
      throw "rust-unit-sources: build-units.nix: `incremental` must lie outside the Nix store, not `${path}`"
    else
      path;
  on = incremental != null;

  # Whether a unit compiles with state: a compiled unit cargo compiles incrementally.
  stateful =
    id:
    let
      unit = units.${id};
    in
    on
    && !(unit ? error)
    && unit.kind != "build-script-run"
    && (buildOf id).profile.incremental
      or (throw "rust-unit-sources: unit `${id}` has no build.profile.incremental: scan it with this version of rust-unit-sources");

  # Whether a unit's derivation is built this way: it has state, or something it depends on is
  # built this way. Such a derivation never shares a store path with a pure one (its inputs
  # differ), and its name says so.
  tainted = builtins.mapAttrs (id: unit: stateful id || builtins.any (dep: tainted.${dep}) unit.deps) units;
  marks =
    id:
    if on && tainted.${id} then
      {
        # The state lies on this machine: never build elsewhere, never look in a cache.
        preferLocalBuild = true;
        allowSubstitutes = false;
      }
    else
      { };

  # What the state is for, one item per line: its identity. Whatever changes with the unit's
  # identity or configuration is in it, nothing a source edit changes. The builder adds
  # `rustc -vV` and discards a state whose identity differs.
  identityOf =
    id: name: platform:
    let
      build = buildOf id;
    in
    lines (
      [
        "rust-unit-sources incremental state, format 1"
        "unit ${name}"
        "crate ${build.crateName or ""}"
        "metadata ${build.metadata or ""}"
        "target ${platform.target}"
        "profile ${build.profile.name}"
        "rustc ${rustc}"
        "rustc flags:"
      ]
      ++ build.rustcFlags
      ++ [
        "rustflags:"
        platform.rustflags
      ]
    );
in
{
  # build-units.nix's attributes of content addressing, refused with the incremental mode.
  contentAddressing =
    attrs:
    if on && contentAddressed then
      throw "rust-unit-sources: build-units.nix: `incremental` and `contentAddressed` cannot be combined: an incremental output is not reproducible"
    else
      attrs;

  # "-incremental" for a unit built this way.
  nameSuffix = id: if on && tainted.${id} then "-incremental" else "";

  # A compiled unit's extra environment: with state, the directory, the unit's key (a
  # directory name: the derivation's name and a digest of its identity) and identity, and the
  # builder's part (nix/builder/incremental.sh). `name`: the derivation's name without the
  # suffix; `platform`: { target, rustflags } as the unit is compiled.
  compileEnv =
    id: name: platform:
    marks id
    // (
      if stateful id then
        let
          identity = identityOf id name platform;
        in
        {
          incremental = dir;
          incrementalKey = "${name}-${builtins.substring 0 16 (builtins.hashString "sha256" identity)}";
          incrementalIdentity = identity;
          incrementalScript = ./incremental.sh;
        }
      else
        { }
    );

  # A build-script run's extra environment.
  runEnv = marks;
}
