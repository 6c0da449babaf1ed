// The rus_compat API (see nix_compat.hh) for Lix 2.95: headers under lix/…, one library
// (liblix), the evaluator's shared state in `state.ctx` (symbols, memory, paths, builtins,
// errors), values held by value (an attribute's value and a list's items are `Value`s, not
// pointers), and primops without a position argument.
//
// Lix's plugin entry point (`nix_plugin_entry`) is not needed: PluginPrimOps::add only queues
// the primop for the next EvalState's builtins, so the static initialiser of primop.cc may call
// it at load time, as the CppNix branches do with RegisterPrimOp.
#pragma once

// Lix's own build force-includes its config header (`-include lix/config.h`); its .pc files
// do not say so.
#include "lix/config.h"

#include "lix/libexpr/eval.hh"
#include "lix/libexpr/eval-inline.hh"
#include "lix/libexpr/json-to-value.hh"
#include "lix/libexpr/primops.hh"
#include "lix/libutil/strings.hh"

#include <string>
#include <string_view>
#include <vector>

namespace rus_compat {

/// Lix passes primops no position: every rus_compat call gets `nix::noPos`, and errors carry
/// the trace Lix adds around a primop's call.
using PosArg = const nix::PosIdx;

using PrimOpFun = void (*)(nix::EvalState & state, PosArg pos, nix::Value ** args, nix::Value & v);

inline void register_primop(const char * name, std::vector<std::string> args, const char * doc, PrimOpFun fun)
{
    nix::PluginPrimOps::add(nix::PrimOpDetails{
        .name = name,
        .args = std::move(args),
        .arity = 0,
        .doc = doc,
        .fun = [fun](nix::EvalState & state, nix::Value ** args, nix::Value & v) { fun(state, nix::noPos, args, v); },
        .experimentalFeature = std::nullopt,
    });
}

[[noreturn]] inline void throw_error(nix::EvalState & state, PosArg pos, const std::string & msg)
{
    state.ctx.errors.make<nix::EvalError>("%s", nix::Uncolored(msg)).atPos(pos).debugThrow();
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
    for (auto & item : v.listItems())
        items.push_back(&item);
    return items;
}

inline std::vector<std::pair<std::string, nix::Value *>> attrs_of(nix::EvalState & state, nix::Value & v)
{
    std::vector<std::pair<std::string, nix::Value *>> out;
    for (auto & attr : *v.attrs())
        out.emplace_back(std::string(std::string_view(state.ctx.symbols[attr.name])), &attr.value);
    return out;
}

inline std::string show_type(const nix::Value & v)
{
    return nix::showType(v);
}

/// What primops.cc's own realisePath does (static there): the string context realised, the
/// path made real, then checked by EvalPaths::checkSourcePath, which throws Lix's
/// RestrictedPathError outside the allowed paths under restricted and pure evaluation.
inline std::string realise_source_path(nix::EvalState & state, PosArg pos, nix::Value & v)
{
    nix::NixStringContext context;
    auto path = state.coerceToPath(pos, v, context, "while evaluating the 'src' passed to builtins.rustUnitSources");
    auto rewrites = state.realiseContext(context);
    auto real = state.ctx.paths.toRealPath(nix::rewriteStrings(path.canonical().abs(), rewrites), context);
    auto checked = state.ctx.paths.checkSourcePath(nix::SourcePath(nix::CanonPath(real)));
    return checked.canonical().abs();
}

inline void parse_json(nix::EvalState & state, const std::string & json, nix::Value & v)
{
    nix::parseJSON(state, json, v);
}

inline void make_throw(nix::EvalState & state, nix::Value & target, const std::string & message)
{
    nix::Value text{nix::NewValueAs::string, std::string_view(message)};
    target = {nix::NewValueAs::app, state.ctx.mem, state.ctx.builtins.get("throw"), text};
}

} // namespace rus_compat
