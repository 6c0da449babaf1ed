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

  testSelectUnitsBySelection =
    let
      # As a scan with dependencies gives them: the library's tests only in `--all-targets`.
      withSelections = model // {
        units = builtins.mapAttrs
          (
            id: unit:
              unit
                // {
                selections = if unit.kind == "lib-test" then [ "all-targets" ] else [ "build" "all-targets" ];
              }
          )
          model.units;
      };
    in
    {
      expr = {
        build = rus.selectUnits withSelections {
          package = "app";
          selection = "build";
        };
        all = rus.selectUnits withSelections {
          package = "app";
          selection = [ "all-targets" ];
        };
        # Units without `selections` (a scan without dependencies) are in every build.
        without = rus.selectUnits model {
          package = "app";
          selection = "build";
        };
      };
      expected = {
        build = [
          "app/bin/app"
          "app/example/demo"
          "app/lib/app"
        ];
        all = [
          "app/bin/app"
          "app/example/demo"
          "app/lib-test/app"
          "app/lib/app"
        ];
        without = [
          "app/bin/app"
          "app/example/demo"
          "app/lib-test/app"
          "app/lib/app"
        ];
      };
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
