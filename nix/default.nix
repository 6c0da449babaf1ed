# The Nix-language side of rust-unit-sources. It consumes the unit model (docs/schema.md); it
# never computes it: the plugin (or, later, a generated units.nix) does.
{ }:
{
  # The model of the workspace `args` names: a path, or
  # { src; features ? null; noDefaultFeatures ? false; allFeatures ? false; target ? null; }.
  # Needs the plugin loaded (`--option plugin-files …/librust_unit_sources_nix.so`).
  fromPlugin =
    args:
    if builtins ? rustUnitSources then
      builtins.rustUnitSources args
    else
      throw "rust-unit-sources: builtins.rustUnitSources is not available; load the plugin with --option plugin-files /path/to/librust_unit_sources_nix.so";

  # The ids of a model's units of package `package`.
  unitsOfPackage = model: package: builtins.filter (id: model.units.${id}.package == package) (builtins.attrNames model.units);
}
