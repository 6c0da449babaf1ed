# Compiles one unit with rustc (builtins.derivation builder, run by /bin/sh).
# Inputs (environment, set by nix/build-units.nix):
#   rustc kind crateName binName edition src packageDir rootFile metadata target
#   pkgName pkgVersion
#   features      newline-separated feature names
#   externs       newline-separated "name=/nix/store/…/libcrate.rlib"
#   libDeps       newline-separated output paths of the libraries linked (for -L dependency=)
#   buildScriptRun  output of the package's build-script-run unit, or empty
# Output: $out/lib<crate>.rlib | $out/lib<crate>.so | $out/bin/<target name> | $out/build-script,
# and $out/deps: the directories holding this library and everything it links.
set -eu
mkdir -p "$out"
pkg="$src/$packageDir"
version_core=${pkgVersion%%-*}
export CARGO_MANIFEST_DIR="$pkg" CARGO_MANIFEST_PATH="$pkg/Cargo.toml"
export CARGO_PKG_NAME="$pkgName" CARGO_PKG_VERSION="$pkgVersion" CARGO_CRATE_NAME="$crateName"
export CARGO_PKG_VERSION_MAJOR="${version_core%%.*}"
rest=${version_core#*.}
export CARGO_PKG_VERSION_MINOR="${rest%%.*}" CARGO_PKG_VERSION_PATCH="${rest#*.}"
case "$pkgVersion" in *-*) export CARGO_PKG_VERSION_PRE="${pkgVersion#*-}" ;; *) export CARGO_PKG_VERSION_PRE= ;; esac
export CARGO_PKG_AUTHORS= CARGO_PKG_DESCRIPTION= CARGO_PKG_HOMEPAGE= CARGO_PKG_REPOSITORY=
export CARGO_PKG_LICENSE= CARGO_PKG_LICENSE_FILE= CARGO_PKG_RUST_VERSION= CARGO_PKG_README=

set --
if [ -n "$buildScriptRun" ]; then
  . "$buildScriptRun/env"
  while IFS= read -r arg; do set -- "$@" "$arg"; done < "$buildScriptRun/args"
fi
printf '%s\n' "$out" > "$out/deps"
for dep in $libDeps; do
  cat "$dep/deps" >> "$out/deps"
done
sort -u -o "$out/deps" "$out/deps"
while IFS= read -r dir; do set -- "$@" -L "dependency=$dir"; done < "$out/deps"
for feature in $features; do set -- "$@" --cfg "feature=\"$feature\""; done
for extern in $externs; do set -- "$@" --extern "$extern"; done

case "$kind" in
  lib) set -- "$@" --crate-type rlib -o "$out/lib$crateName.rlib" ;;
  proc-macro) set -- "$@" --crate-type proc-macro --extern proc_macro -o "$out/lib$crateName.so" ;;
  bin | example) mkdir -p "$out/bin"; set -- "$@" --crate-type bin -o "$out/bin/$binName" ;;
  test | bench | lib-test | bin-test) mkdir -p "$out/bin"; set -- "$@" --test -o "$out/bin/$binName" ;;
  build-script) set -- "$@" --crate-type bin -o "$out/build-script" ;;
  *) echo "compile.sh: unknown unit kind $kind" >&2; exit 1 ;;
esac

cd "$pkg"
exec "$rustc" --crate-name "$crateName" --edition "$edition" --target "$target" \
  -C "metadata=$metadata" -C debuginfo=0 --cap-lints warn "$@" "$src/$rootFile"
