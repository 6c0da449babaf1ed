# The workspace's source for the packages (package.nix, package-c.nix): what cargo needs to
# build the workspace's crates: the manifests, the lock file, the Rust and C++ sources, and the
# members' manifests (the `tests` member's support library too). Fixtures, examples, docs and
# the Nix files stay out, so editing them rebuilds nothing.
let
  root = toString ../.;
  keep = [
    "Cargo.toml"
    "Cargo.lock"
    "rust"
    "tests"
    "tests/Cargo.toml"
    "tests/support"
  ];
  isKept =
    rel:
    builtins.any
      (
        k: rel == k || (k != "tests" && builtins.substring 0 (builtins.stringLength k + 1) rel == k + "/")
      )
      keep;
in
builtins.path {
  path = ../.;
  name = "rust-unit-sources-source";
  filter =
    path: type:
    let
      rel = builtins.substring (builtins.stringLength root + 1) (builtins.stringLength path) path;
    in
    isKept rel;
}
