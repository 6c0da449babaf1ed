# Compiles one unit with rustc, as cargo would (builtins.derivation builder, run by /bin/sh).
# Inputs (environment, set by nix/build-units.nix):
#   rustc target src packageDir rootFile binName cargo linker
#   output        lib (--out-dir $out/lib) | bin ($out/bin/<binName>) | build-script
#   rustcFlags    the model's build.rustcFlags, one per line
#   rustflags     the build's extra flags, one per line
#   externs       "name=/nix/store/…/lib/libcrate-<metadata>.rlib", one per line
#   libDeps       the outputs of those libraries, one per line
#   buildScriptRun  the output of the package's build-script-run unit, or empty
#   linkLibs      non-empty when the package's rustc-link-lib lines apply
#   linkArgs      which rustc-link-arg lines apply (all, bins, bin=<name>, …), one per line
#   incremental   empty, or the state directory of the incremental mode, with incrementalKey,
#                 incrementalIdentity and incrementalScript (nix/builder/incremental.sh): then
#                 rustc reads the sources, the build script's OUT_DIR and the libraries built
#                 in this mode, and writes its outputs, at fixed paths in the unit's state,
#                 copied from and to the store
#   and the variables of the model's build.env (CARGO_PKG_*, CARGO_CRATE_NAME, …).
# Output: $out/lib/… (libraries), $out/bin/<binName>, or $out/build-script; for libraries also
# $out/deps (the directories of this library and everything it links, for -L dependency=)
# and $out/link-search (the native search paths of its build script and of everything it
# links, as cargo passes them to every dependent).
set -eu
mkdir -p "$out"
nl='
'
export CARGO_MANIFEST_DIR="$src/$packageDir" CARGO_MANIFEST_PATH="$src/$packageDir/Cargo.toml"
if [ -n "$cargo" ]; then export CARGO="$cargo"; fi
set --
while IFS= read -r flag; do
  [ -n "$flag" ] && set -- "$@" "$flag"
done <<FLAGS
$rustcFlags
$rustflags
FLAGS
if [ -n "$linker" ]; then set -- "$@" -C "linker=$linker"; fi

# Where rustc reads the sources and the build script's OUT_DIR (runOut, exported by runEnv)
# and writes its outputs: the store paths, or, in the incremental mode, fixed paths.
srcDir=$src outDir=$out runOut=$buildScriptRun/out runEnv=$buildScriptRun/env
case "$output" in lib | bin) outSub=$output ;; *) outSub= ;; esac
if [ -n "${incremental:-}" ]; then
  . "$incrementalScript"
  incremental_enter
fi

search="$TMPDIR/link-search"
: > "$search"
if [ -n "$buildScriptRun" ]; then
  . "$runEnv"
  while IFS= read -r arg; do set -- "$@" "$arg"; done < "$buildScriptRun/args"
  cat "$buildScriptRun/link-search" >> "$search"
  if [ -n "$linkLibs" ]; then
    while IFS= read -r lib; do set -- "$@" -l "$lib"; done < "$buildScriptRun/link-libs"
  fi
  tab=$(printf '\t')
  while IFS="$tab" read -r which arg; do
    case "$nl$linkArgs$nl" in *"$nl$which$nl"*) set -- "$@" -C "link-arg=$arg" ;; esac
  done < "$buildScriptRun/link-args"
fi

deps="$TMPDIR/deps"
: > "$deps"
if [ "$output" = lib ]; then printf '%s\n' "$out/lib" > "$deps"; fi
for dep in $libDeps; do
  cat "$dep/deps" >> "$deps"
  cat "$dep/link-search" >> "$search"
done
awk '!seen[$0]++' "$deps" > "$deps.unique"
rustcDeps=$deps.unique
if [ -n "${incremental:-}" ]; then incremental_relocate "$deps.unique"; fi
while IFS= read -r dir; do set -- "$@" -L "dependency=$dir"; done < "$rustcDeps"
awk '!seen[$0]++' "$search" > "$search.unique"
while IFS= read -r dir; do set -- "$@" -L "$dir"; done < "$search.unique"
for extern in $externs; do set -- "$@" --extern "$extern"; done
# Outputs that depend on content, not on store paths: the source (and the build script's
# OUT_DIR) under fixed names in debug info, panic locations and file!().
set -- "$@" --remap-path-prefix "$srcDir=/rust-unit-sources/src"
if [ -n "$buildScriptRun" ]; then
  set -- "$@" --remap-path-prefix "$runOut=/rust-unit-sources/out-dir"
fi

case "$output" in
  lib)
    mkdir -p "$out/lib" "$outDir/lib"
    cp "$deps.unique" "$out/deps"
    cp "$search.unique" "$out/link-search"
    set -- "$@" --out-dir "$outDir/lib"
    ;;
  bin) mkdir -p "$outDir/bin"; set -- "$@" -o "$outDir/bin/$binName" ;;
  build-script) set -- "$@" -o "$outDir/build-script" ;;
  *) echo "compile.sh: unknown output $output" >&2; exit 1 ;;
esac

# As cargo for a path package: from the workspace root, the source file relative to it.
cd "$srcDir"
if [ -n "${incremental:-}" ]; then
  incremental_compile "$rustc" "$rootFile" --target "$target" "$@"
  exit 0
fi
exec "$rustc" "$rootFile" --target "$target" "$@"
