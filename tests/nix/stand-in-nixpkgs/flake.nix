# The stand-in as a flake (for `nix eval` of a flake that uses this repository's).
{ outputs = { self }: { lib = import ./lib.nix; }; }
