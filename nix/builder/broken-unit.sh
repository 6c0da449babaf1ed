# The derivation of a unit the model marks broken (its `error`: a file it must read is missing,
# unreadable or malformed): fails with that error, as cargo fails when it compiles the unit
# (builtins.derivation builder, run by /bin/sh). Inputs (environment, set by
# nix/build-units.nix): error, the line to print.
printf '%s\n' "$error" >&2
exit 1
