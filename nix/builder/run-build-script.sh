# Runs one compiled build script (builtins.derivation builder, run by /bin/sh).
# Inputs (environment, set by nix/build-units.nix):
#   rustc target src packageDir pkgName pkgVersion features buildScript
# Output: $out/out (OUT_DIR), $out/output (what the script printed), and what the package's
# compiled units take from it: $out/env (OUT_DIR, cargo:rustc-env) and $out/args (rustc
# arguments from cargo:rustc-cfg, rustc-check-cfg, rustc-link-lib, rustc-link-search,
# rustc-flags), one per line.
set -eu
mkdir -p "$out/out"
pkg="$src/$packageDir"
export CARGO_MANIFEST_DIR="$pkg" CARGO_MANIFEST_PATH="$pkg/Cargo.toml"
export CARGO_PKG_NAME="$pkgName" CARGO_PKG_VERSION="$pkgVersion"
export OUT_DIR="$out/out" TARGET="$target" HOST="$target" NUM_JOBS=1 OPT_LEVEL=0 DEBUG=true
export PROFILE=debug RUSTC="$rustc" CARGO_ENCODED_RUSTFLAGS=
for feature in $features; do
  name=$(printf '%s' "$feature" | tr 'a-z-' 'A-Z_')
  export "CARGO_FEATURE_$name=1"
done
"$rustc" --print cfg --target "$target" > cfg
while IFS= read -r line; do
  key=${line%%=*}
  case "$line" in *=*) value=${line#*=}; value=${value#\"}; value=${value%\"} ;; *) value= ;; esac
  var="CARGO_CFG_$(printf '%s' "$key" | tr 'a-z' 'A-Z')"
  previous=$(printenv "$var" || true)
  if [ -n "$previous" ]; then value="$previous,$value"; fi
  export "$var=$value"
done < cfg

cd "$pkg"
"$buildScript/build-script" > "$out/output"

quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
printf 'export OUT_DIR=%s\n' "$(quote "$out/out")" > "$out/env"
: > "$out/args"
while IFS= read -r line; do
  case "$line" in
    cargo::*) directive=${line#cargo::} ;;
    cargo:*) directive=${line#cargo:} ;;
    *) continue ;;
  esac
  value=${directive#*=}
  case "$directive" in
    rustc-cfg=*) printf -- '--cfg\n%s\n' "$value" >> "$out/args" ;;
    rustc-check-cfg=*) printf -- '--check-cfg\n%s\n' "$value" >> "$out/args" ;;
    rustc-link-lib=*) printf -- '-l\n%s\n' "$value" >> "$out/args" ;;
    rustc-link-search=*) printf -- '-L\n%s\n' "$value" >> "$out/args" ;;
    rustc-flags=*) for flag in $value; do printf '%s\n' "$flag" >> "$out/args"; done ;;
    rustc-env=*) printf 'export %s=%s\n' "${value%%=*}" "$(quote "${value#*=}")" >> "$out/env" ;;
  esac
done < "$out/output"
