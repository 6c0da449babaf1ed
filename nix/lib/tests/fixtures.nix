/**
  What the library's unit tests (`nix/lib/tests/*.nix`, run by `nix/tests.nix`) share: the
  library (`rus`, and `withFileset`, given a stand-in for nixpkgs' `lib.fileset`), the literal
  model `model`, the model on disk `onDisk` (`nix/test-data/units.nix`, for the cases that
  compute a source: a store path, not written to the store in read-only evaluation) and
  `throws`. Each test file is a function of this set, returning its cases.
*/
let
  inherit (builtins)
    deepSeq
    tryEval
    ;

  # Whether forcing `value` deeply throws (or fails an assertion).
  throws = value: !(tryEval (deepSeq value value)).success;

  rus = import ../../default.nix { };
  # The library given a `lib` whose `fileset.unions` returns the paths as strings.
  withFileset = import ../../default.nix { lib.fileset.unions = map toString; };

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
    version = 4;
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

  # The directory `nix/`: the root of the model on disk, whose files it holds.
  nixDir = ../..;

  # The model on disk (`nix/test-data/units.nix`): root `..` (`nixDir`), one broken unit.
  onDisk = rus.fromFile ../../test-data/units.nix;
  sourceArgs = {
    model = onDisk;
    root = nixDir;
  };
in
{
  inherit
    throws
    rus
    withFileset
    model
    nixDir
    onDisk
    sourceArgs
    ;
}
