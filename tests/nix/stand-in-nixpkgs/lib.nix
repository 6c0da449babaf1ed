# The stand-in's `lib`: the few functions the Nix files use; `fileset.unions` keeps the paths.
{
  optionals = c: xs: if c then xs else [ ];
  optionalString = c: s: if c then s else "";
  optionalAttrs = c: a: if c then a else { };
  filterAttrs = pred: set: builtins.listToAttrs (builtins.concatMap (name: if pred name set.${name} then [{ inherit name; value = set.${name}; }] else [ ]) (builtins.attrNames set));
  mapAttrs' = f: set: builtins.listToAttrs (map (name: f name set.${name}) (builtins.attrNames set));
  makeBinPath = ps: builtins.concatStringsSep ":" (map (p: "${p}/bin") ps);
  licenses = { mit.spdxId = "MIT"; asl20.spdxId = "Apache-2.0"; };
  platforms.linux = [ "x86_64-linux" "aarch64-linux" ];
  fileset.unions = paths: map toString paths;
}
