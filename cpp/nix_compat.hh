// Every Nix-version-specific detail of the plugin, behind one small API (namespace rus_compat).
//
// cpp/primop.cc is written against this API only. build.rs defines RUS_NIX_VERSION_MAJOR and
// RUS_NIX_VERSION_MINOR from the Nix it compiles against (config.h's PACKAGE_VERSION,
// pkg-config, or `nix-instantiate --version`) and force-includes Nix's config.h, which Nix's
// own build also does (it sets HAVE_BOEHMGC, which changes the layout of EvalState).
//
// Supported and tested: Nix 2.8 (Debian bookworm's nix-bin 2.8.0). 2.9 kept the same primop
// API and would likely work with the 2.8 branch, but is untested and so refused.
//
// Not supported: anything else stops the build with an #error below. Nix >= 2.18 (what
// nixpkgs ships today) needs a new branch of this header; primop.cc should not have to change.
// What such a branch must do differently, per function below. Versions are where the API is
// believed to have changed: verify each against the target's own headers.
//   - headers: flat "eval.hh" etc. (with -I<prefix>/include/nix) up to 2.27; from 2.28
//     "nix/expr/eval.hh", "nix/expr/eval-inline.hh", "nix/expr/primops.hh",
//     "nix/expr/json-to-value.hh". config.h: newer .pc files force-include their config
//     headers themselves (build.rs keeps pkg-config's non -I flags); C++20 (build.rs passes
//     -std=c++2a from 2.18 on).
//   - PosArg: `const Pos &` up to 2.9, `const PosIdx` from 2.10 (`state.positions[pos]` gives
//     the Pos when one is needed).
//   - register_primop: RegisterPrimOp::Info { .name, .args, .arity, .doc, .fun } here;
//     RegisterPrimOp(PrimOp { .name, .args, .arity, .doc, .fun }) in newer versions.
//   - throw_error: `throw EvalError({ .msg = hintfmt(...), .errPos = pos })` here; newer
//     versions use the error builder, `state.error<EvalError>("%s", msg).atPos(pos)
//     .debugThrow()` (earlier form: `state.error(...).atPos(pos).debugThrow<EvalError>()`),
//     and hintfmt became HintFmt.
//   - force_*: newer force* functions take a trailing `std::string_view errorCtx`, e.g.
//     "while evaluating the 'features' attribute passed to builtins.rustUnitSources".
//   - attrs_of: `*v.attrs` and `(const std::string &) attr.name` here; newer: `*v.attrs()`
//     and `state.symbols[attr.name]`.
//   - force_list: `v.listItems()` here; newest: `v.listView()`.
//   - realise_source_path: coerceToPath returns a std::string Path and checkSourcePath exists
//     here; newer versions return a SourcePath from coerceToPath(pos, v, context, errorCtx)
//     and dropped checkSourcePath (access control moved into the source accessor: a port must
//     make sure the path is readable through `state.rootFS`, e.g. by `path.resolveSymlinks()`
//     / `path.pathExists()`, which throw outside the allowed paths, and then use
//     `path.path.abs()` as the real path).
//   - parse_json: parseJSON(EvalState &, std::string_view, Value &) is unchanged.
#pragma once

#if !defined(RUS_NIX_VERSION_MAJOR) || !defined(RUS_NIX_VERSION_MINOR)
#error "RUS_NIX_VERSION_MAJOR/MINOR must be defined (build.rs does it)"
#endif

#define RUS_NIX_VERSION_AT_LEAST(major, minor) \
    (RUS_NIX_VERSION_MAJOR > (major) || (RUS_NIX_VERSION_MAJOR == (major) && RUS_NIX_VERSION_MINOR >= (minor)))

#if RUS_NIX_VERSION_MAJOR == 2 && RUS_NIX_VERSION_MINOR == 8

#include "eval.hh"
#include "eval-inline.hh"
#include "json-to-value.hh"
#include "primops.hh"
#include "util.hh"

#include <string>
#include <vector>

namespace rus_compat {

/// The position argument a primop receives.
using PosArg = const nix::Pos &;

/// The primop function type.
using PrimOpFun = void (*)(nix::EvalState & state, PosArg pos, nix::Value ** args, nix::Value & v);

/// Registers `name` (with its leading "__" for a `builtins.`-only primop) at load time.
inline nix::RegisterPrimOp register_primop(
    const char * name, std::vector<std::string> args, const char * doc, PrimOpFun fun)
{
    auto arity = args.size();
    return nix::RegisterPrimOp({
        .name = name,
        .args = std::move(args),
        .arity = arity,
        .doc = doc,
        .fun = fun,
    });
}

/// Throws an EvalError with `msg` verbatim (no format directives, no colouring) at `pos`.
[[noreturn]] inline void throw_error(nix::EvalState &, PosArg pos, const std::string & msg)
{
    throw nix::EvalError({
        .msg = nix::hintfmt("%s", nix::normaltxt(msg)),
        .errPos = pos,
    });
}

inline void force_value(nix::EvalState & state, nix::Value & v, PosArg pos)
{
    state.forceValue(v, pos);
}

inline bool force_bool(nix::EvalState & state, nix::Value & v, PosArg pos)
{
    return state.forceBool(v, pos);
}

inline std::string force_string_no_ctx(nix::EvalState & state, nix::Value & v, PosArg pos)
{
    return std::string(state.forceStringNoCtx(v, pos));
}

/// Forces `v` to a list and returns its elements (not forced).
inline std::vector<nix::Value *> force_list(nix::EvalState & state, nix::Value & v, PosArg pos)
{
    state.forceList(v, pos);
    std::vector<nix::Value *> items;
    for (auto * item : v.listItems())
        items.push_back(item);
    return items;
}

/// The (name, value) pairs of an attribute set value that is already forced.
inline std::vector<std::pair<std::string, nix::Value *>> attrs_of(nix::EvalState &, nix::Value & v)
{
    std::vector<std::pair<std::string, nix::Value *>> out;
    for (auto & attr : *v.attrs)
        out.emplace_back((const std::string &) attr.name, attr.value);
    return out;
}

/// Nix's name for the type of `v`, with its article ("an integer", "a list", "a set").
inline std::string show_type(const nix::Value & v)
{
    return nix::showType(v);
}

/// A path or string value as a real filesystem path that evaluation may read, like
/// builtins.readDir does: coerced without copying to the store (a relative string is an
/// error), its string context realised (import from derivation, subject to
/// allow-import-from-derivation), then checked with checkSourcePath (restricted and pure
/// evaluation: outside the allowed paths is an error).
inline std::string realise_source_path(nix::EvalState & state, PosArg pos, nix::Value & v)
{
    nix::PathSet context;
    auto path = state.coerceToPath(pos, v, context);
    auto rewrites = state.realiseContext(context);
    auto real = state.toRealPath(nix::rewriteStrings(path, rewrites), context);
    return state.checkSourcePath(real);
}

/// Parses `json` into `v` with Nix's own parser (builtins.fromJSON's).
inline void parse_json(nix::EvalState & state, const std::string & json, nix::Value & v)
{
    nix::parseJSON(state, json, v);
}

} // namespace rus_compat

#elif RUS_NIX_VERSION_AT_LEAST(2, 18)

#error "rust-unit-sources-nix: Nix >= 2.18 is not supported yet; port cpp/nix_compat.hh following the notes at its top"

#else

#error "rust-unit-sources-nix supports Nix 2.8 only; see the porting notes at the top of cpp/nix_compat.hh"

#endif
