/**
  Unit tests of the Nix library (`nix/default.nix`), in nixpkgs' `lib.runTests` style: an
  attribute set of `{ expr; expected; }` cases named `test…`. Evaluating this file gives the
  list of failed cases, `{ name; expected; result; }` each: `[ ]` when all pass.

  ```
  nix-instantiate --eval --strict --json nix/tests.nix
  => [ ]
  ```

  Plain Nix, without nixpkgs: `lib` (nixpkgs' lib), when given, only supplies `runTests`.
  The cases use the literal model `model` and, where a source is computed (a store path, not
  written to the store in read-only evaluation), the model in `test-data/units.nix`, whose
  `root` is this directory. Errors are checked with `builtins.tryEval`, which tells that an
  expression throws but not its message: tests/tests/nix_lib.rs asserts the exact lines.
*/
{ lib ? null }:
let
  inherit (builtins)
    attrNames
    concatMap
    deepSeq
    filter
    substring
    tryEval
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

  # Whether forcing `value` deeply throws (or fails an assertion).
  throws = value: !(tryEval (deepSeq value value)).success;

  rus = import ./default.nix { };
  # The library given a `lib` whose `fileset.unions` returns the paths as strings.
  withFileset = import ./default.nix { lib.fileset.unions = map toString; };

  unit =
    { package
    , kind
    , target ? package
    , manifest ? "Cargo.toml"
    , files
    , manifests ? [ manifest ]
    , deps ? [ ]
    , ...
    }@args:
    {
      inherit
        package
        kind
        target
        manifest
        files
        manifests
        deps
        ;
    }
    // removeAttrs args [
      "package"
      "kind"
      "target"
      "manifest"
      "files"
      "manifests"
      "deps"
    ];

  # A workspace of a root package `app` (library, binary, the library's tests, an example)
  # and a member `util` with a build script and a derive macro.
  model = {
    version = 3;
    root = "/ws";
    units = {
      "app/lib/app" = unit {
        package = "app";
        kind = "lib";
        files = [
          "src/lib.rs"
          "src/cli.rs"
        ];
        deps = [ "util/lib/util" ];
      };
      "app/bin/app" = unit {
        package = "app";
        kind = "bin";
        files = [ "src/main.rs" ];
        deps = [ "app/lib/app" ];
        hash = "0123";
      };
      "app/lib-test/app" = unit {
        package = "app";
        kind = "lib-test";
        files = [
          "src/lib.rs"
          "src/cli.rs"
        ];
        deps = [ "util/lib/util" ];
      };
      "app/example/demo" = unit {
        package = "app";
        kind = "example";
        target = "demo";
        files = [ "examples/demo.rs" ];
        deps = [ "app/lib/app" ];
      };
      "util/lib/util" = unit {
        package = "util";
        kind = "lib";
        manifest = "crates/util/Cargo.toml";
        files = [
          "crates/util/src/lib.rs"
          "Cargo.toml"
        ];
        manifests = [
          "crates/util/Cargo.toml"
          "Cargo.toml"
        ];
        deps = [
          "util/build-script-run/build-script-build"
          "derive/proc-macro/derive"
        ];
        dirs = [ "crates/util/src/gen" ];
        hash = "4567";
      };
      "util/build-script-build/build-script-build" = unit {
        package = "util";
        kind = "build-script-build";
        target = "build-script-build";
        manifest = "crates/util/Cargo.toml";
        files = [ "crates/util/build.rs" ];
      };
      "util/build-script-run/build-script-build" = unit {
        package = "util";
        kind = "build-script-run";
        target = "build-script-build";
        manifest = "crates/util/Cargo.toml";
        files = [ ];
        deps = [ "util/build-script-build/build-script-build" ];
      };
      "derive/proc-macro/derive" = unit {
        package = "derive";
        kind = "proc-macro";
        manifest = "crates/derive/Cargo.toml";
        files = [ "crates/derive/src/lib.rs" ];
      };
    };
  };

  # The model on disk: root `..` (this directory), one broken unit.
  onDisk = rus.fromFile ./test-data/units.nix;
  sourceArgs = {
    model = onDisk;
    root = ./.;
  };
in
runTests {
  testModelVersion = {
    expr = rus.modelVersion;
    expected = 3;
  };

  testUnitFilesSortedAndUnique = {
    expr = rus.unitFiles model.units."util/lib/util";
    expected = [
      "Cargo.toml"
      "crates/util/Cargo.toml"
      "crates/util/src/lib.rs"
    ];
  };

  testPackageDirOfTheRootPackage = {
    expr = rus.packageDir model.units."app/bin/app";
    expected = ".";
  };

  testPackageDirOfAMember = {
    expr = rus.packageDir model.units."util/lib/util";
    expected = "crates/util";
  };

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

  testWithoutHashes = {
    expr = rus.withoutHashes model;
    expected = model // {
      units = model.units // {
        "app/bin/app" = removeAttrs model.units."app/bin/app" [ "hash" ];
        "util/lib/util" = removeAttrs model.units."util/lib/util" [ "hash" ];
      };
    };
  };

  testWithoutHashesKeepsEveryOtherField = {
    expr = attrNames (rus.withoutHashes model).units."util/lib/util";
    expected = [
      "deps"
      "dirs"
      "files"
      "kind"
      "manifest"
      "manifests"
      "package"
      "target"
    ];
  };

  testFromFileRefusesAnotherVersion = {
    expr = throws (rus.fromFile ./test-data/units-v2.nix);
    expected = true;
  };

  testFromFileRelativeRootFromAPath = {
    expr = onDisk.root;
    expected = toString ./.;
  };

  testFromFileRelativeRootFromAString = {
    expr = (rus.fromFile (toString ./test-data/units.nix)).root;
    expected = toString ./test-data + "/..";
  };

  testFromFileWithoutRootIsTheFilesDirectory = {
    expr = rus.fromFile ./test-data/units-without-root.nix;
    expected = {
      version = 3;
      root = toString ./test-data;
      units = { };
    };
  };

  testFromPluginWithoutThePluginThrows = {
    # With the plugin loaded, fromPlugin reads a workspace: nothing to test here.
    expr = builtins ? rustUnitSources || throws (rus.fromPlugin ./.);
    expected = true;
  };

  testABrokenUnitsFilesThrow = {
    expr = throws onDisk.units."data/example/broken".files;
    expected = true;
  };

  testABrokenUnitsErrorAndOtherFieldsEvaluate = {
    expr = {
      inherit (onDisk.units."data/example/broken") error deps manifests;
    };
    expected = {
      error = "test-data/units.nix:1: example `broken`: test-data/broken.nix does not exist";
      deps = [ "data/lib/data" ];
      manifests = [ "test-data/units.nix" ];
    };
  };

  testABrokenUnitsSourceThrows = {
    expr = throws (
      rus.unitSource {
        root = ./.;
        unit = onDisk.units."data/example/broken";
      }
    );
    expected = true;
  };

  testOtherUnitsOfABrokenModelAreWhole = {
    expr = onDisk.units."lib/lib-test/lib".files;
    expected = [
      "tests.nix"
      "default.nix"
    ];
  };

  testUnitSourceIsFilesSrcOfTheUnitsFiles = {
    expr = rus.unitSource {
      root = ./.;
      unit = onDisk.units."data/lib/data";
    };
    expected = rus.filesSrc {
      root = ./.;
      files = [
        "test-data/units-v2.nix"
        "test-data/units.nix"
      ];
      dirs = [ "test-data" ];
      name = "data-lib-data-source";
    };
  };

  testUnitSourceDependsOnlyOnTheFiles = {
    expr =
      rus.unitSource
        {
          root = ./.;
          unit = onDisk.units."lib/lib/lib";
          name = "s";
        } == rus.unitSource {
        root = ./.;
        unit = onDisk.units."lib/lib/lib" // {
          package = "other";
          deps = [ ];
        };
        name = "s";
      };
    expected = true;
  };

  testUnitSourcesDifferWithTheirFiles = {
    expr =
      rus.unitSource
        {
          root = ./.;
          unit = onDisk.units."lib/lib/lib";
          name = "s";
        } == rus.unitSource {
        root = ./.;
        unit = onDisk.units."lib/lib-test/lib";
        name = "s";
      };
    expected = false;
  };

  testSourcesByUnitIsUnitSourceOfEachUnit = {
    expr = rus.sourcesByUnit sourceArgs // {
      "data/example/broken" = null;
    };
    expected = builtins.mapAttrs
      (
        id: unit:
          if id == "data/example/broken" then
            null
          else
            rus.unitSource {
              root = ./.;
              inherit unit;
            }
      )
      onDisk.units;
  };

  testUnionSourceIsTheUnionOfTheFiles = {
    expr = rus.unionSource (
      sourceArgs
      // {
        ids = [
          "lib/lib/lib"
          "data/lib/data"
        ];
        extraFiles = [ "overlay.nix" ];
      }
    );
    expected = rus.filesSrc {
      root = ./.;
      files = [
        "default.nix"
        "overlay.nix"
        "test-data/units-v2.nix"
        "test-data/units.nix"
      ];
      dirs = [ "test-data" ];
    };
  };

  testUnionSourceOfAnUnknownUnitThrows = {
    expr = throws (rus.unionSource (sourceArgs // { ids = [ "nope/lib/nope" ]; }));
    expected = true;
  };

  testPackageSrcLeavesOutTestsByDefault = {
    expr = rus.packageSrc (sourceArgs // { package = "lib"; });
    expected = rus.unionSource (
      sourceArgs
      // {
        ids = [ "lib/lib/lib" ];
        name = "lib-source";
      }
    );
  };

  testPackageSrcWithTests = {
    expr = rus.packageSrc (
      sourceArgs
      // {
        package = "lib";
        tests = true;
      }
    );
    expected = rus.unionSource (
      sourceArgs
      // {
        ids = [
          "lib/lib/lib"
          "lib/lib-test/lib"
        ];
        name = "lib-source";
      }
    );
  };

  testCargoSrcOfAnUnknownUnitThrows = {
    expr = throws (rus.cargoSrc (sourceArgs // { ids = [ "nope/lib/nope" ]; }));
    expected = true;
  };

  testCrateOverrides = {
    expr = builtins.mapAttrs (_: override: (override { }).workspace_member) (
      rus.crateOverrides sourceArgs
    );
    expected = {
      data = "test-data";
      lib = ".";
    };
  };

  testCrateOverridesSrcIsPackageSrc = {
    expr = map (attrs: ((rus.crateOverrides sourceArgs).lib attrs).src) [
      { }
      { buildTests = true; }
    ];
    expected = map (tests: rus.packageSrc (sourceArgs // { package = "lib"; } // { inherit tests; })) [
      false
      true
    ];
  };

  testUnitFilesetWithLib = {
    expr = withFileset.unitFileset {
      root = "/ws";
      unit = model.units."util/lib/util";
    };
    expected = [
      "/ws/Cargo.toml"
      "/ws/crates/util/Cargo.toml"
      "/ws/crates/util/src/lib.rs"
    ];
  };

  testUnitFilesetWithFilesetGiven = {
    expr = rus.unitFileset {
      root = /ws;
      unit = model.units."app/bin/app";
      fileset.unions = map toString;
    };
    expected = [
      "/ws/Cargo.toml"
      "/ws/src/main.rs"
    ];
  };

  testUnitFilesetWithoutLibThrows = {
    expr = throws (
      rus.unitFileset {
        root = /ws;
        unit = model.units."app/bin/app";
      }
    );
    expected = true;
  };

  testDeprecatedAliases = {
    expr = [
      (rus.unitSrc {
        root = ./.;
        unit = onDisk.units."lib/lib/lib";
      })
      (removeAttrs (rus.unitSrcs sourceArgs) [ "data/example/broken" ])
      (rus.unitsSrc (sourceArgs // { ids = [ "data/lib/data" ]; }))
    ];
    expected = [
      (rus.unitSource {
        root = ./.;
        unit = onDisk.units."lib/lib/lib";
      })
      (removeAttrs (rus.sourcesByUnit sourceArgs) [ "data/example/broken" ])
      (rus.unionSource (sourceArgs // { ids = [ "data/lib/data" ]; }))
    ];
  };
}
