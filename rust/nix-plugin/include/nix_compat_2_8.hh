// The rus_compat API (see nix_compat.hh) for Nix 2.8.
//
// Headers by bare name (build.rs adds <include>/nix); config.h first, as Nix's own build
// force-includes it: HAVE_BOEHMGC changes the layout of EvalState, so getting it wrong is an
// ABI mismatch, not a compile error.
#pragma once

#include "config.h"

#include "eval.hh"
#include "eval-inline.hh"
#include "json-to-value.hh"
#include "primops.hh"
#include "util.hh"

#include <string>
#include <string_view>
#include <vector>

namespace rus_compat {

using PosArg = const nix::Pos &;

using PrimOpFun = void (*)(nix::EvalState & state, PosArg pos, nix::Value ** args, nix::Value & v);

inline void register_primop(const char * name, std::vector<std::string> args, const char * doc, PrimOpFun fun)
{
    auto arity = args.size();
    nix::RegisterPrimOp({
        .name = name,
        .args = std::move(args),
        .arity = arity,
        .doc = doc,
        .fun = fun,
        .experimentalFeature = std::nullopt,
    });
}

[[noreturn]] inline void throw_error(nix::EvalState &, PosArg pos, const std::string & msg)
{
    throw nix::EvalError({
        .level = nix::lvlError,
        .msg = nix::hintfmt("%s", nix::normaltxt(msg)),
        .errPos = pos,
        .traces = {},
        .suggestions = {},
    });
}

// Nix 2.8's force functions take no context: `what` is for newer versions' traces.

inline void force_value(nix::EvalState & state, nix::Value & v, PosArg pos)
{
    state.forceValue(v, pos);
}

inline bool force_bool(nix::EvalState & state, nix::Value & v, PosArg pos, std::string_view)
{
    return state.forceBool(v, pos);
}

inline std::string force_string_no_ctx(nix::EvalState & state, nix::Value & v, PosArg pos, std::string_view)
{
    return std::string(state.forceStringNoCtx(v, pos));
}

inline std::vector<nix::Value *> force_list(nix::EvalState & state, nix::Value & v, PosArg pos, std::string_view)
{
    state.forceList(v, pos);
    std::vector<nix::Value *> items;
    for (auto * item : v.listItems())
        items.push_back(item);
    return items;
}

inline std::vector<std::pair<std::string, nix::Value *>> attrs_of(nix::EvalState &, nix::Value & v)
{
    std::vector<std::pair<std::string, nix::Value *>> out;
    for (auto & attr : *v.attrs)
        out.emplace_back(static_cast<const std::string &>(attr.name), attr.value);
    return out;
}

inline std::string show_type(const nix::Value & v)
{
    return nix::showType(v);
}

/// coerceToPath returns a string here; checkSourcePath does restricted and pure evaluation's
/// check (and resolves symlinks), as builtins.readDir does.
inline std::string realise_source_path(nix::EvalState & state, PosArg pos, nix::Value & v)
{
    nix::PathSet context;
    auto path = state.coerceToPath(pos, v, context);
    auto rewrites = state.realiseContext(context);
    auto real = state.toRealPath(nix::rewriteStrings(path, rewrites), context);
    return state.checkSourcePath(real);
}

} // namespace rus_compat
