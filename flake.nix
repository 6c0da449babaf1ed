{
  description = "Per-unit sources for Rust workspaces: builtins.rustUnitSources and its Nix library";

  outputs =
    { self }:
    {
      # The Nix library (nix/default.nix).
      lib = import ./nix { };
    };
}
