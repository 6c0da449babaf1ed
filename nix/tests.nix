/**
  Unit tests of the Nix library (`nix/default.nix`), in nixpkgs' `lib.runTests` style: an
  attribute set of `{ expr; expected; }` cases named `test…`. Evaluating this file gives the
  list of failed cases, `{ name; expected; result; }` each: `[ ]` when all pass.

  ```
  nix-instantiate --eval --strict --json nix/tests.nix
  => [ ]
  ```

  Plain Nix, without nixpkgs: `lib` (nixpkgs' lib), when given, only supplies `runTests`.
  The cases live beside the library's concept files, one file per concept:
  `nix/lib/tests/model.nix`, `sources.nix`, `selection.nix` and `overrides.nix`, each a
  function of the shared fixtures in `nix/lib/tests/fixtures.nix` (the literal model `model`
  and, where a source is computed, the model in `test-data/units.nix`, whose `root` is this
  directory). No two files may name the same case. Errors are checked with
  `builtins.tryEval`, which tells that an expression throws but not its message:
  tests/tests/nix_lib/ asserts the exact lines.
*/
{ lib ? null }:
let
  inherit (builtins)
    attrNames
    concatMap
    filter
    foldl'
    substring
    ;

  # nixpkgs' lib.runTests, for when nixpkgs is absent.
  runTests =
    if lib != null then
      lib.runTests
    else
      tests:
      concatMap
        (
          name:
          let
            case = tests.${name};
          in
          if case.expr == case.expected then
            [ ]
          else
            [
              {
                inherit name;
                inherit (case) expected;
                result = case.expr;
              }
            ]
        )
        (filter (name: substring 0 4 name == "test") (attrNames tests));

  fixtures = import ./lib/tests/fixtures.nix;

  # The cases of every test file, merged; a name in two files is an error, not an override.
  cases = foldl'
    (
      merged: file:
        let
          more = import file fixtures;
          twice = filter (name: merged ? ${name}) (attrNames more);
        in
        if twice == [ ] then
          merged // more
        else
          throw "nix/tests.nix: ${toString file} names `${builtins.head twice}`, which another test file names too"
    )
    { }
    [
      ./lib/tests/model.nix
      ./lib/tests/sources.nix
      ./lib/tests/selection.nix
      ./lib/tests/overrides.nix
    ];
in
runTests cases
