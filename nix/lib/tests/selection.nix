/**
  Unit tests of `nix/lib/selection.nix`: selecting units (`unitsOfPackage`, `unitsOfKind`, `selectUnits`, `depClosure`). Cases in nixpkgs' `lib.runTests` style, given the
  shared fixtures of `fixtures.nix`; `nix/tests.nix` runs them.
*/
{ rus, model, throws, ... }:
let
  inherit (builtins) attrNames;
in
{
  testUnitsOfPackage = {
    expr = rus.unitsOfPackage model "util";
    expected = [
      "util/build-script-build/build-script-build"
      "util/build-script-run/build-script-build"
      "util/lib/util"
    ];
  };

  testUnitsOfPackageUnknown = {
    expr = rus.unitsOfPackage model "nope";
    expected = [ ];
  };

  testUnitsOfKindOne = {
    expr = rus.unitsOfKind model "lib";
    expected = [
      "app/lib/app"
      "util/lib/util"
    ];
  };

  testUnitsOfKindList = {
    expr = rus.unitsOfKind model [
      "bin"
      "proc-macro"
    ];
    expected = [
      "app/bin/app"
      "derive/proc-macro/derive"
    ];
  };

  testSelectUnitsWithoutCriteriaIsEveryUnit = {
    expr = rus.selectUnits model { };
    expected = attrNames model.units;
  };

  testSelectUnitsEveryCriterion = {
    expr = rus.selectUnits model {
      package = [
        "app"
        "util"
      ];
      kind = [
        "lib"
        "example"
      ];
      target = "app";
    };
    expected = [ "app/lib/app" ];
  };

  testSelectUnitsByTarget = {
    expr = rus.selectUnits model { target = "build-script-build"; };
    expected = [
      "util/build-script-build/build-script-build"
      "util/build-script-run/build-script-build"
    ];
  };

  testDepClosureTransitive = {
    expr = rus.depClosure model "app/bin/app";
    expected = [
      "app/bin/app"
      "app/lib/app"
      "derive/proc-macro/derive"
      "util/build-script-build/build-script-build"
      "util/build-script-run/build-script-build"
      "util/lib/util"
    ];
  };

  testDepClosureOfALeaf = {
    expr = rus.depClosure model "derive/proc-macro/derive";
    expected = [ "derive/proc-macro/derive" ];
  };

  testDepClosureOfAList = {
    expr = rus.depClosure model [
      "derive/proc-macro/derive"
      "util/build-script-run/build-script-build"
    ];
    expected = [
      "derive/proc-macro/derive"
      "util/build-script-build/build-script-build"
      "util/build-script-run/build-script-build"
    ];
  };

  testDepClosureOfAnUnknownUnitThrows = {
    expr = throws (rus.depClosure model "app/lib/nope");
    expected = true;
  };

  testDepClosureThroughAnUnknownDepThrows = {
    expr = throws (
      rus.depClosure
        (
          model
          // {
            units = model.units // {
              "app/bin/app" = model.units."app/bin/app" // {
                deps = [ "gone/lib/gone" ];
              };
            };
          }
        ) "app/bin/app"
    );
    expected = true;
  };
}
