/**
  The library's internal helpers, shared by its concept files (`model.nix`, `sources.nix`,
  `selection.nix`, `overrides.nix`); not exported by `nix/default.nix`: names and contracts
  may change with them.
*/
let
  inherit (builtins)
    attrNames
    dirOf
    isList
    listToAttrs
    ;
in
rec {
  # The library's errors: `rust-unit-sources: <function>: <message>`.
  fail = function: message: throw "rust-unit-sources: ${function}: ${message}";

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
}
