# A small model for tests.nix: its `root` (relative: the `nix/` directory) holds the files its
# units list, so that sources can be computed from it. `broken` has an error.
{
  version = 4;
  root = "..";
  units = {
    "lib/lib/lib" = {
      package = "lib";
      kind = "lib";
      target = "lib";
      manifest = "default.nix";
      files = [ "default.nix" ];
      manifests = [ "default.nix" ];
      deps = [ ];
    };
    "lib/lib-test/lib" = {
      package = "lib";
      kind = "lib-test";
      target = "lib";
      manifest = "default.nix";
      files = [
        "tests.nix"
        "default.nix"
      ];
      manifests = [ "default.nix" ];
      deps = [ "lib/lib/lib" ];
    };
    "data/lib/data" = {
      package = "data";
      kind = "lib";
      target = "data";
      manifest = "test-data/units.nix";
      files = [ "test-data/units-v2.nix" ];
      manifests = [ "test-data/units.nix" ];
      deps = [ "lib/lib/lib" ];
      dirs = [ "test-data" ];
    };
    "data/example/broken" = {
      package = "data";
      kind = "example";
      target = "broken";
      manifest = "test-data/units.nix";
      files = [ "test-data/broken.nix" ];
      manifests = [ "test-data/units.nix" ];
      deps = [ "data/lib/data" ];
      error = "test-data/units.nix:1: example `broken`: test-data/broken.nix does not exist";
    };
  };
}
