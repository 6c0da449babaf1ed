# The target's cfgs as cargo hands them to build scripts (builtins.derivation builder, run by
# /bin/sh): `rustc --print cfg` for the target with the build's flags, as
# `export CARGO_CFG_<NAME>='<values, comma-separated>'` lines in $out/cfg-env. Left out:
# `feature` and `debug_assertions`, which depend on the unit (the model's `build.env`).
# Inputs (environment, set by nix/build-units.nix): rustc target rustflags (one per line).
set -eu
mkdir -p "$out"
set --
while IFS= read -r flag; do
  [ -n "$flag" ] && set -- "$@" "$flag"
done <<FLAGS
$rustflags
FLAGS
"$rustc" --print cfg --target "$target" "$@" > "$out/cfg"
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
# Names in first-seen order, values joined by commas as cargo does.
names=$(sed 's/=.*//' "$out/cfg" | awk '!seen[$0]++')
: > "$out/cfg-env"
for name in $names; do
  case "$name" in feature | debug_assertions) continue ;; esac
  values=$(awk -v name="$name" '
    { key = $0; sub(/=.*/, "", key) }
    key == name && index($0, "=") { v = substr($0, index($0, "=") + 1); gsub(/^"|"$/, "", v); out = out (n++ ? "," : "") v }
    END { printf "%s", out }' "$out/cfg")
  var="CARGO_CFG_$(printf '%s' "$name" | tr 'a-z' 'A-Z')"
  printf 'export %s=%s\n' "$var" "$(quote "$values")" >> "$out/cfg-env"
done
