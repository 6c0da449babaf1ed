# The incremental mode's part of compile.sh (sourced by it): one unit's rustc `-C incremental`
# state, kept outside the store across builds in "$incremental/$incrementalKey".
#
# What rustc needs to reuse its state across edits is kept at fixed paths in the state: the
# sources (a copy of $src in src/; rustc's command line names the directory it compiles from
# through --remap-path-prefix, and a changed command line discards the whole state), the build
# script's OUT_DIR (a copy in out-dir/) and the output directory (out/, copied to $out after
# the build; rustc recompiles every codegen unit when its output paths change), and, for the
# build, the libraries built in this mode that it loads (deps/; their store paths change
# whenever they are rebuilt, and with debug information rustc recompiles every codegen unit of
# an executable when the path of a crate it loads changes). Other dependencies stay in the
# store: their paths change only with their own configuration.
#
# Safe by construction:
#   - a lock per unit ("$state.lock", flock) held for the whole build;
#   - `identity` (what the state is for: incrementalIdentity and `rustc -vV`) and `manifest`
#     (the checksum of every file rustc left in rustc/, written after each build): a state
#     without them, made for something else, or changed since (a file damaged, truncated,
#     added or removed) is discarded and the unit compiled from scratch;
#   - when rustc fails with a state it was given (an internal compiler error, a signal, or an
#     error naming incremental compilation), the state is discarded and rustc runs once more
#     from scratch; an ordinary compile error keeps the state, as cargo does;
#   - a state that cannot be locked or replaced (another user's files) is left alone: the unit
#     compiles from scratch with a private state in $TMPDIR, and a line says why.
# What cannot work at all (the directory is missing and cannot be created, is not writable,
# flock is missing) fails the build with one line naming it.
#
# Inputs (environment): incremental incrementalKey incrementalIdentity rustc src outSub
# buildScriptRun. Sets: state, srcDir, outDir, runOut, runEnv (see compile.sh), and through
# incremental_relocate rustcDeps and externs.

incremental_fail() {
  printf 'rust-unit-sources: incremental: %s\n' "$*" >&2
  exit 1
}

incremental_note() {
  printf 'rust-unit-sources: incremental: %s: %s\n' "$incrementalKey" "$*" >&2
}

# The checksums of the files rustc left in the state (not its lock files nor the session
# directories it is still writing, `…-working`, which it never reads back), one per line.
incremental_manifest() {
  (cd "$state" && if [ -e rustc ]; then
    find rustc -type f ! -name '*.lock' ! -path '*-working/*' -exec cksum {} + | LC_ALL=C sort -k 3
  fi)
}

# Why the state at $state cannot be reused; nothing when it can.
incremental_problem() {
  if [ ! -f "$state/identity" ]; then
    echo "no identity file: not made by rust-unit-sources"
  elif ! cmp -s "$state/identity" "$TMPDIR/identity"; then
    echo "made for another unit, configuration or rustc"
  elif [ ! -f "$state/manifest" ]; then
    echo "its last build did not finish"
  elif ! incremental_manifest | cmp -s "$state/manifest" -; then
    echo "changed since its last build"
  fi
}

# Checks the directory, locks the unit's state and validates it (else discards it), then lays
# out its fixed paths.
incremental_enter() {
  umask 002
  command -v flock > /dev/null 2>&1 \
    || incremental_fail "flock is not on PATH (util-linux): add it to nativeBuildInputs or path"
  missing="$incremental is missing in the build: create it, writable by the build users (group nixbld, mode 2770), and with the sandbox on add it to extra-sandbox-paths"
  if [ ! -d "$incremental" ]; then
    # In the sandbox (whose build directory is /build) a directory created here would vanish
    # with the build.
    [ "${NIX_BUILD_TOP:-}" != /build ] || incremental_fail "$missing"
    mkdir -p "$incremental" 2> /dev/null || incremental_fail "$missing"
    incremental_note "created $incremental"
  fi
  [ -w "$incremental" ] && [ -x "$incremental" ] \
    || incremental_fail "$incremental is not writable by the build user (uid $(id -u), gid $(id -g)): make it group-writable by the build users (chgrp nixbld; chmod 2770)"
  { printf '%s\n' "$incrementalIdentity"; "$rustc" -vV; } > "$TMPDIR/identity"
  state="$incremental/$incrementalKey"
  private=
  reused=
  # (`true` first: a failed redirection of `exec` would end the shell.)
  if ! true 2> /dev/null >> "$state.lock"; then
    incremental_private "its lock $state.lock cannot be opened"
  elif ! { exec 9>> "$state.lock" && flock 9; }; then
    incremental_private "flock cannot lock $state.lock"
  elif [ -e "$state" ] || [ -L "$state" ]; then
    problem=$(incremental_problem)
    if [ -z "$problem" ]; then
      reused=1
      incremental_note "reusing the state of its last build"
    elif rm -rf "$state" 2> /dev/null; then
      incremental_note "state discarded ($problem): compiling from scratch"
    else
      incremental_private "$problem, and it cannot be removed"
    fi
  else
    incremental_note "no state yet: compiling from scratch"
  fi
  if [ -z "$reused" ]; then
    mkdir -p "$state"
    cp "$TMPDIR/identity" "$state/identity"
  fi
  srcDir=$state/src outDir=$state/out
  rm -rf "$srcDir" "$outDir" "$state/out-dir"
  mkdir -p "$srcDir" "$outDir"
  cp -R "$src/." "$srcDir/"
  chmod -R u+w,g+w "$srcDir"
  if [ -n "$buildScriptRun" ]; then
    runOut=$state/out-dir runEnv=$TMPDIR/run-env
    mkdir -p "$runOut"
    cp -R "$buildScriptRun/out/." "$runOut/"
    chmod -R u+w,g+w "$runOut"
    # The run's exports, with its OUT_DIR's store path as the copy's.
    from="$buildScriptRun/out" to=$runOut awk '
      {
        line = $0; done = ""
        while ((at = index(line, ENVIRON["from"])) > 0) {
          next_char = substr(line, at + length(ENVIRON["from"]), 1)
          if (next_char == "/" || next_char == "'"'"'" || next_char == "") {
            done = done substr(line, 1, at - 1) ENVIRON["to"]
          } else {
            done = done substr(line, 1, at - 1 + length(ENVIRON["from"]))
          }
          line = substr(line, at + length(ENVIRON["from"]))
        }
        print done line
      }' "$buildScriptRun/env" > "$runEnv"
  fi
}

# Copies the libraries built in this mode (outputs named `…-incremental`) among the library
# directories listed in $1 to fixed paths in the state, deps/<name> (the store path without
# its hash); rustcDeps: $1 with those directories replaced, and so are they in externs.
incremental_relocate() {
  rm -rf "$state/deps"
  mkdir -p "$state/deps"
  : > "$TMPDIR/relocated"
  while IFS= read -r dir; do
    case "$dir" in
      "$out/lib") ;;
      */*-incremental/lib)
        name=${dir%/lib}
        name=${name##*/}
        name=${name#*-}
        mkdir -p "$state/deps/$name"
        cp -R "$dir/." "$state/deps/$name/"
        printf '%s\t%s\n' "$dir" "$state/deps/$name" >> "$TMPDIR/relocated"
        ;;
    esac
  done < "$1"
  rustcDeps=$TMPDIR/rustc-deps
  incremental_rewrite < "$1" > "$rustcDeps"
  externs=$(printf '%s\n' "$externs" | incremental_rewrite)
}

# Standard input with every directory of $TMPDIR/relocated (`<from>\t<to>` lines) replaced by
# its copy where it is a whole path or a path's directory.
incremental_rewrite() {
  awk -F '\t' '
    phase != 2 { from[++n] = $1; to[n] = $2; next }
    {
      line = $0
      for (i = 1; i <= n; i++) {
        at = index(line, from[i])
        after = substr(line, at + length(from[i]), 1)
        if (at > 0 && (after == "/" || after == "")) {
          line = substr(line, 1, at - 1) to[i] substr(line, at + length(from[i]))
        }
      }
      print line
    }' "$TMPDIR/relocated" phase=2 -
}

# The unit compiles from scratch with a state of its own in $TMPDIR (the shared one is left
# alone because of $1).
incremental_private() {
  incremental_note "cannot use $state ($1): compiling from scratch without it"
  state=$TMPDIR/incremental-state private=1
}

# Whether rustc's failure (exit status $1, its stderr in $TMPDIR/rustc.stderr) may come from
# its state: an internal compiler error or a signal, or an error about incremental compilation
# (rustc's own words; not merely a path with "incremental" in it).
incremental_suspect() {
  [ "$1" -ne 1 ] || grep -qi 'incremental compilation' "$TMPDIR/rustc.stderr"
}

# Runs rustc ("$@") with the state; from scratch once more when it failed in a way the state
# may have caused; records the state's manifest; copies the outputs to $out.
incremental_compile() {
  status=0
  "$@" -C "incremental=$state/rustc" 2> "$TMPDIR/rustc.stderr" || status=$?
  if [ "$status" -ne 0 ] && [ -n "$reused" ] && incremental_suspect "$status"; then
    cat "$TMPDIR/rustc.stderr" >&2
    incremental_note "rustc failed (exit status $status) with the state of an earlier build: state discarded, compiling from scratch"
    rm -rf "$state/rustc" "$outDir"
    mkdir -p "$outDir/$outSub"
    status=0
    "$@" -C "incremental=$state/rustc" 2> "$TMPDIR/rustc.stderr" || status=$?
  fi
  cat "$TMPDIR/rustc.stderr" >&2
  rm -rf "$state/deps"
  # rustc creates its session lock files readable by their owner only; the next build of the
  # unit may run as another build user, who must lock them to reuse the session.
  find "$state" -name '*.lock' -user "$(id -u)" ! -perm -g+rw -exec chmod g+rw {} +
  if [ -z "$private" ]; then
    incremental_manifest > "$state/manifest.new"
    mv "$state/manifest.new" "$state/manifest"
  fi
  [ "$status" -eq 0 ] || exit "$status"
  cp -R "$outDir/." "$out/"
}
