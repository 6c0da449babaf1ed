# Runs one compiled build script as cargo does (builtins.derivation builder, run by /bin/sh).
# Inputs (environment, set by nix/build-units.nix):
#   rustc rustdoc cargo linker target host src packageDir buildScript targetInfo rustflags
#   depRuns   the outputs of the build-script runs of the dependencies with `links`
#   and the variables of the model's build.env (CARGO_PKG_*, CARGO_FEATURE_*,
#   CARGO_MANIFEST_LINKS, CARGO_CFG_FEATURE, PROFILE, OPT_LEVEL, DEBUG, …).
# Output: $out/out (OUT_DIR), $out/output (what the script printed), and what the package's
# compiled units take from it, one item per line: $out/env (OUT_DIR and rustc-env, as shell
# exports), $out/args (--cfg/--check-cfg arguments), $out/link-libs (rustc-link-lib),
# $out/link-search (rustc-link-search), $out/link-args (`<where>\t<arg>` for rustc-link-arg*:
# all, bins, bin=<name>, tests, benches, examples, cdylib); and $out/dep-env, the DEP_<links>_*
# exports dependents' build scripts get (`cargo::metadata=` and old-style `cargo:KEY=VALUE`).
set -eu
mkdir -p "$out/out"
pkg="$src/$packageDir"
. "$targetInfo/cfg-env"
jobs=${NIX_BUILD_CORES:-1}
if [ "$jobs" -le 0 ]; then jobs=$(nproc); fi
export OUT_DIR="$out/out" CARGO_MANIFEST_DIR="$pkg" CARGO_MANIFEST_PATH="$pkg/Cargo.toml"
export TARGET="$target" HOST="$host" NUM_JOBS="$jobs" RUSTC="$rustc" RUSTDOC="$rustdoc"
CARGO_ENCODED_RUSTFLAGS=$(printf '%s' "$rustflags" | tr '\n' '\037')
export CARGO_ENCODED_RUSTFLAGS
if [ -n "$cargo" ]; then export CARGO="$cargo"; fi
if [ -n "$linker" ]; then export RUSTC_LINKER="$linker"; fi
unset RUSTFLAGS RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER
for run in $depRuns; do . "$run/dep-env"; done

cd "$pkg"
if ! "$buildScript/build-script" > "$out/output"; then
  # As cargo: what the script printed (cc-rs reports the compiler's errors there).
  echo "error: failed to run the build script of $CARGO_PKG_NAME $CARGO_PKG_VERSION" >&2
  echo "--- stdout" >&2
  cat "$out/output" >&2
  exit 1
fi

quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
envify() { printf '%s' "$1" | tr 'a-z-' 'A-Z_'; }
fail() { echo "error: build script of $CARGO_PKG_NAME $CARGO_PKG_VERSION: $*" >&2; exit 1; }
printf 'export OUT_DIR=%s\n' "$(quote "$out/out")" > "$out/env"
for file in args link-libs link-search link-args dep-env; do : > "$out/$file"; done
errors=0
while IFS= read -r line || [ -n "$line" ]; do
  line=${line#"${line%%[![:space:]]*}"}
  line=${line%"${line##*[![:space:]]}"}
  case "$line" in
    cargo::*) data=${line#cargo::}; key=${data%%=*} ;;
    cargo:*)
      data=${line#cargo:}
      case "$data" in
        rustc-flags=* | rustc-link-lib=* | rustc-link-search=* | rustc-link-arg-cdylib=* | \
        rustc-cdylib-link-arg=* | rustc-link-arg-bins=* | rustc-link-arg-bin=* | \
        rustc-link-arg-tests=* | rustc-link-arg-benches=* | rustc-link-arg-examples=* | \
        rustc-link-arg=* | rustc-cfg=* | rustc-check-cfg=* | rustc-env=* | warning=* | \
        rerun-if-changed=* | rerun-if-env-changed=*) key=${data%%=*} ;;
        *) key=metadata; data="metadata=$data" ;;
      esac
      ;;
    *) continue ;;
  esac
  case "$data" in *=*) ;; *) fail "invalid output \`$line\`: expected KEY=VALUE" ;; esac
  value=${data#*=}
  case "$key" in
    rustc-flags)
      set -- $value
      while [ $# -gt 0 ]; do
        flag=$1; shift
        case "$flag" in
          -l | -L) [ $# -gt 0 ] || fail "rustc-flags: $flag has no value"; arg=$1; shift ;;
          -l* | -L*) arg=${flag#-?}; flag=${flag%"$arg"} ;;
          *) fail "only -l and -L flags are allowed in rustc-flags: \`$value\`" ;;
        esac
        case "$flag" in
          -l) printf '%s\n' "$arg" >> "$out/link-libs" ;;
          -L) printf '%s\n' "$arg" >> "$out/link-search" ;;
        esac
      done
      ;;
    rustc-link-lib) printf '%s\n' "$value" >> "$out/link-libs" ;;
    rustc-link-search) printf '%s\n' "$value" >> "$out/link-search" ;;
    rustc-link-arg) printf 'all\t%s\n' "$value" >> "$out/link-args" ;;
    rustc-link-arg-cdylib | rustc-cdylib-link-arg) printf 'cdylib\t%s\n' "$value" >> "$out/link-args" ;;
    rustc-link-arg-bins) printf 'bins\t%s\n' "$value" >> "$out/link-args" ;;
    rustc-link-arg-tests) printf 'tests\t%s\n' "$value" >> "$out/link-args" ;;
    rustc-link-arg-benches) printf 'benches\t%s\n' "$value" >> "$out/link-args" ;;
    rustc-link-arg-examples) printf 'examples\t%s\n' "$value" >> "$out/link-args" ;;
    rustc-link-arg-bin)
      case "$value" in *=*) ;; *) fail "rustc-link-arg-bin must be BIN=ARG: \`$value\`" ;; esac
      printf 'bin=%s\t%s\n' "${value%%=*}" "${value#*=}" >> "$out/link-args"
      ;;
    rustc-cfg) printf -- '--cfg\n%s\n' "$value" >> "$out/args" ;;
    rustc-check-cfg) printf -- '--check-cfg\n%s\n' "$value" >> "$out/args" ;;
    rustc-env)
      case "$value" in *=*) ;; *) fail "rustc-env has no value: \`$value\`" ;; esac
      name=${value%%=*}
      [ "$name" != RUSTC_BOOTSTRAP ] || fail "cannot set RUSTC_BOOTSTRAP"
      printf 'export %s=%s\n' "$name" "$(quote "${value#*=}")" >> "$out/env"
      ;;
    warning) echo "warning: $CARGO_PKG_NAME@$CARGO_PKG_VERSION: $value" >&2 ;;
    error) echo "error: $CARGO_PKG_NAME@$CARGO_PKG_VERSION: $value" >&2; errors=1 ;;
    rerun-if-changed | rerun-if-env-changed) ;;
    metadata)
      case "$value" in *=*) ;; *) fail "invalid metadata \`$line\`: expected KEY=VALUE" ;; esac
      if [ -n "${CARGO_MANIFEST_LINKS:-}" ]; then
        name="DEP_$(envify "$CARGO_MANIFEST_LINKS")_$(envify "${value%%=*}")"
        printf 'export %s=%s\n' "$name" "$(quote "${value#*=}")" >> "$out/dep-env"
      fi
      ;;
    *) fail "invalid output \`$line\`: unknown key \`$key\`" ;;
  esac
done < "$out/output"
if [ "$errors" -ne 0 ]; then fail "the build script reported errors"; fi
