/**
  Unit tests of `nix/lib/overrides.nix`: handing units to other builders (`crateOverrides`, `unitFileset`). Cases in nixpkgs' `lib.runTests` style, given the
  shared fixtures of `fixtures.nix`; `nix/tests.nix` runs them.
*/
{ rus, withFileset, model, sourceArgs, throws, ... }:
{
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
}
