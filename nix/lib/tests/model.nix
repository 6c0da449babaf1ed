/**
  Unit tests of `nix/lib/model.nix`: reading the model (`fromPlugin`, `fromFile`, `modelVersion`, `withoutHashes`) and broken units. Cases in nixpkgs' `lib.runTests` style, given the
  shared fixtures of `fixtures.nix`; `nix/tests.nix` runs them.
*/
{ rus, model, nixDir, onDisk, throws, ... }:
let
  inherit (builtins) attrNames;
in
{
  testModelVersion = {
    expr = rus.modelVersion;
    expected = 4;
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
    expr = throws (rus.fromFile ../../test-data/units-v2.nix);
    expected = true;
  };

  testFromFileRelativeRootFromAPath = {
    expr = onDisk.root;
    expected = toString nixDir;
  };

  testFromFileRelativeRootFromAString = {
    expr = (rus.fromFile (toString ../../test-data/units.nix)).root;
    expected = toString ../../test-data + "/..";
  };

  testFromFileWithoutRootIsTheFilesDirectory = {
    expr = rus.fromFile ../../test-data/units-without-root.nix;
    expected = {
      version = 4;
      root = toString ../../test-data;
      units = { };
    };
  };

  testFromPluginWithoutThePluginThrows = {
    # With the plugin loaded, fromPlugin reads a workspace: nothing to test here.
    expr = builtins ? rustUnitSources || throws (rus.fromPlugin nixDir);
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

  testOtherUnitsOfABrokenModelAreWhole = {
    expr = onDisk.units."lib/lib-test/lib".files;
    expected = [
      "tests.nix"
      "default.nix"
    ];
  };
}
