// The rus_compat API (see nix_compat.hh) for the generations 2.21–2.27, 2.28–2.33 and 2.34–2.35,
// which share one API but for the few points marked with their generation below.
//
// 2.21–2.27 is tested here on Nix 2.26.3 (CI); the later generations were compiled against
// every release's headers and tested on builds of some of them by hand (README).
#pragma once

#if RUS_NIX_AT_LEAST(2, 28)
// 2.28–2.33, 2.34–2.35: headers under nix/…; each includes the config header it needs.
#include "nix/expr/eval.hh"
#include "nix/expr/eval-inline.hh"
#include "nix/expr/json-to-value.hh"
#include "nix/expr/primops.hh"
#include "nix/store/store-api.hh"
#include "nix/util/util.hh"
#else
// 2.21–2.27: flat headers. Nix's own build force-includes its config headers (HAVE_BOEHMGC
// changes the layout of EvalState); the .pc files of a source build need not say so, and the
// pkg-config crate keeps no -include flag: so they are included here. Meson builds (2.24 on)
// have one per library; the autotools builds before them, one config.h.
#if __has_include("config-expr.hh")
#include "config-util.hh"
#include "config-store.hh"
#include "config-expr.hh"
#else
#include "config.h"
#endif

#include "eval.hh"
#include "eval-inline.hh"
#include "json-to-value.hh"
#include "primops.hh"
#include "store-api.hh"
#include "util.hh"
#endif

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rus_compat {

using PosArg = const nix::PosIdx;

using PrimOpFun = void (*)(nix::EvalState & state, PosArg pos, nix::Value ** args, nix::Value & v);

inline void register_primop(const char * name, std::vector<std::string> args, const char * doc, PrimOpFun fun)
{
#if RUS_NIX_AT_LEAST(2, 34)
    // 2.34 on: PrimOp::impl is a nix::fun<PrimOpFun>, which has no default constructor, so
    // PrimOp has none either; every field is named (-Wmissing-field-initializers), each with
    // the default its declaration gives it.
    nix::PrimOp primop{
        .name = name,
        .args = std::move(args),
        .arity = 0,
        .doc = doc,
        .addTrace = true,
        .impl = fun,
        .experimentalFeature = std::nullopt,
        .internal = false,
    };
#else
    // Assigned, not designated: every other field keeps its default.
    nix::PrimOp primop;
    primop.name = name;
    primop.args = std::move(args);
    primop.doc = doc; // an optional string from 2.33 on: a const char * converts
    primop.fun = fun;
#endif
    nix::RegisterPrimOp(std::move(primop));
}

[[noreturn]] inline void throw_error(nix::EvalState & state, PosArg pos, const std::string & msg)
{
    state.error<nix::EvalError>("%s", nix::Uncolored(msg)).atPos(pos).debugThrow();
}

inline void force_value(nix::EvalState & state, nix::Value & v, PosArg pos)
{
    state.forceValue(v, pos);
}

inline bool force_bool(nix::EvalState & state, nix::Value & v, PosArg pos, std::string_view what)
{
    return state.forceBool(v, pos, what);
}

inline std::string force_string_no_ctx(nix::EvalState & state, nix::Value & v, PosArg pos, std::string_view what)
{
    return std::string(state.forceStringNoCtx(v, pos, what));
}

inline std::vector<nix::Value *> force_list(nix::EvalState & state, nix::Value & v, PosArg pos, std::string_view what)
{
    state.forceList(v, pos, what);
    std::vector<nix::Value *> items;
#if RUS_NIX_AT_LEAST(2, 30)
    for (auto * item : v.listView()) // 2.30 on
#else
    for (auto * item : v.listItems())
#endif
        items.push_back(item);
    return items;
}

inline std::vector<std::pair<std::string, nix::Value *>> attrs_of(nix::EvalState & state, nix::Value & v)
{
    std::vector<std::pair<std::string, nix::Value *>> out;
    for (auto & attr : *v.attrs())
        out.emplace_back(std::string(std::string_view(state.symbols[attr.name])), attr.value);
    return out;
}

inline std::string show_type(const nix::Value & v)
{
    return nix::showType(v);
}

/// Access control lives in the evaluator's source accessor (checkSourcePath is gone): the path
/// is realised as builtins.readDir realises it, then read through `state.rootFS`, whose
/// symlink resolution and physical-path lookup throw Nix's RestrictedPathError outside the
/// allowed paths under restricted and pure evaluation.
inline std::string realise_source_path(nix::EvalState & state, PosArg pos, nix::Value & v)
{
#if RUS_NIX_AT_LEAST(2, 34)
    auto path = state.realisePath(pos, v); // public from 2.34 on
#else
    // What primops.cc's own realisePath (static before 2.34) does: the string context
    // realised, its placeholders rewritten to the outputs' paths, symlinks resolved.
    nix::NixStringContext context;
    auto path = state.coerceToPath(pos, v, context, "while evaluating the 'src' passed to builtins.rustUnitSources");
    if (!context.empty() && path.accessor == state.rootFS) {
        auto rewrites = state.realiseContext(context);
        auto rewritten = nix::rewriteStrings(path.path.abs(), rewrites);
#if RUS_NIX_AT_LEAST(2, 28)
        path = {path.accessor, nix::CanonPath(rewritten)}; // 2.28 on: no toRealPath
#else
        path = {path.accessor, nix::CanonPath(state.toRealPath(rewritten, context))};
#endif
    }
    path = path.resolveSymlinks();
#endif
    auto physical = path.getPhysicalPath();
    if (!physical)
        throw_error(state, pos, "rustUnitSources: " + path.to_string() + " is not a path on the local filesystem");
    // A store path whose files lie elsewhere: an input copied to the store but read through
    // its original accessor (Determinate Nix mounts a path: or git flake's own directory at
    // its store path; a git input's filter would not apply to that directory). Read the copy
    // in the store, as the evaluation sees it, when it exists; a lazy tree's (not copied yet)
    // is read where it lies.
    const auto & shown = path.path.abs();
    if (physical->string() != shown && state.store->isInStore(shown) && std::filesystem::exists(shown))
        return shown;
    return physical->string();
}

} // namespace rus_compat
