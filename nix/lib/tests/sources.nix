/**
  Unit tests of `nix/lib/sources.nix`: sources (`filesSrc`, `unitSource`, `sourcesByUnit`, `unionSource`, `packageSrc`, `cargoSrc`, `unitFiles`, `packageDir`) and the deprecated aliases of `nix/default.nix`. Cases in nixpkgs' `lib.runTests` style, given the
  shared fixtures of `fixtures.nix`; `nix/tests.nix` runs them.
*/
{ rus, model, nixDir, onDisk, sourceArgs, throws, ... }:
{
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

  testABrokenUnitsSourceThrows = {
    expr = throws (
      rus.unitSource {
        root = nixDir;
        unit = onDisk.units."data/example/broken";
      }
    );
    expected = true;
  };

  testUnitSourceIsFilesSrcOfTheUnitsFiles = {
    expr = rus.unitSource {
      root = nixDir;
      unit = onDisk.units."data/lib/data";
    };
    expected = rus.filesSrc {
      root = nixDir;
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
          root = nixDir;
          unit = onDisk.units."lib/lib/lib";
          name = "s";
        } == rus.unitSource {
        root = nixDir;
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
          root = nixDir;
          unit = onDisk.units."lib/lib/lib";
          name = "s";
        } == rus.unitSource {
        root = nixDir;
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
              root = nixDir;
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
      root = nixDir;
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

  testDeprecatedAliases = {
    expr = [
      (rus.unitSrc {
        root = nixDir;
        unit = onDisk.units."lib/lib/lib";
      })
      (removeAttrs (rus.unitSrcs sourceArgs) [ "data/example/broken" ])
      (rus.unitsSrc (sourceArgs // { ids = [ "data/lib/data" ]; }))
    ];
    expected = [
      (rus.unitSource {
        root = nixDir;
        unit = onDisk.units."lib/lib/lib";
      })
      (removeAttrs (rus.sourcesByUnit sourceArgs) [ "data/example/broken" ])
      (rus.unionSource (sourceArgs // { ids = [ "data/lib/data" ]; }))
    ];
  };
}
