// Every Nix-version-specific detail of the plugin, behind one small API (namespace rus_compat).
//
// src/primop.cc is written against this API only. build.rs finds the Nix it compiles against
// (NIX_INCLUDE_DIR, pkg-config nix-expr, or scripts/setup's headers; never a guess) and defines:
//   RUS_NIX_VERSION                        that Nix's version, a string ("2.26.3"), which the
//                                          loader compares with the running Nix's;
//   RUS_NIX_VERSION_MAJOR, _MINOR          its numbers;
//   RUS_NIX_GENERATION_MAJOR, _MINOR       the first version of its API generation, below.
// A version outside them stops the build in build.rs already, with one line.
//
// The API, the same in every branch:
//   PosArg                                 the position argument a primop receives;
//   PrimOpFun                              void (*)(EvalState &, PosArg, Value **, Value &);
//   register_primop(name, args, doc, fun)  registers a primop (call it at load time);
//   throw_error(state, pos, msg)           throws an EvalError with `msg` verbatim at `pos`;
//   force_value(state, v, pos)             forces `v`;
//   force_bool / force_string_no_ctx / force_list (state, v, pos, what)
//                                          force `v` to that type; `what` is the context
//                                          newer versions print ("while evaluating …");
//   attrs_of(state, v)                     the (name, value) pairs of a forced attribute set;
//   show_type(v)                           "an integer", "a list", …;
//   realise_source_path(state, pos, v)     a path value as a real path evaluation may read,
//                                          as builtins.readDir reads it (string context
//                                          realised; restricted and pure evaluation checked:
//                                          Nix's own error outside the allowed paths);
//   parse_json(state, json, v)             builtins.fromJSON's parser, which builds the
//                                          result: parseJSON(EvalState &, string_view, Value &)
//                                          is the same from 2.8 to 2.35, so no branch builds
//                                          values itself;
//   make_throw(state, target, message)     overwrites `target` (a value parse_json made) with
//                                          the application `builtins.throw message`, a thunk
//                                          that raises `message` when forced (a unit carrying
//                                          an error: its `files`).
//
// The generations and their branches:
//   2.8          nix_compat_2_8.hh   Debian bookworm's nix-bin 2.8.0. Tested here.
//   2.21–2.27    nix_compat_2_21.hh  flat headers, config headers included by hand, C++20,
//                                    PosIdx, the error builder, access control in the source
//                                    accessor. Tested here on Nix 2.26.3 (scripts/with-nix).
//   2.28–2.33    nix_compat_2_21.hh  headers under nix/expr/…, nothing to include by hand;
//                                    no EvalState::toRealPath in the path realisation;
//                                    v.listView() from 2.30; C++23 from 2.31; PrimOp::doc an
//                                    optional string from 2.33 (a const char * still converts);
//                                    Value::mkString takes the EvalMemory from 2.33.
//                                    Compiled against the headers of 2.28.7, 2.29.4, 2.30.5,
//                                    2.31.5, 2.32.8, 2.33.6 (README: what else was run).
//   2.34–2.35    nix_compat_2_21.hh  PrimOp::fun renamed impl, a nix::fun without a default
//                                    constructor (PrimOp built with designated initializers);
//                                    EvalState::realisePath public. Compiled against the
//                                    headers of 2.34.8, 2.35.2 and Determinate Nix 3.22.2
//                                    (whose headers say 2.35.2; README: what else was run).
//   Lix 2.95     nix_compat_lix.hh   RUS_NIX_LIX; compiled against Lix 2.95.3's headers.
// 2.9–2.20 changed the API version by version (positions, errors, paths) and have no branch;
// nor has anything after 2.35 (Nix's master passes primops a CallSite instead of a PosIdx).
#pragma once

#if !defined(RUS_NIX_VERSION) || !defined(RUS_NIX_GENERATION_MAJOR) || !defined(RUS_NIX_GENERATION_MINOR)
#error "RUS_NIX_VERSION and RUS_NIX_GENERATION_MAJOR/_MINOR must be defined (build.rs does it)"
#endif

/// Whether the Nix compiled against is `major.minor` or later.
#define RUS_NIX_AT_LEAST(major, minor) \
    (RUS_NIX_VERSION_MAJOR > (major) || (RUS_NIX_VERSION_MAJOR == (major) && RUS_NIX_VERSION_MINOR >= (minor)))

#if defined(RUS_NIX_LIX)
#include "nix_compat_lix.hh"
#elif RUS_NIX_GENERATION_MAJOR == 2 && RUS_NIX_GENERATION_MINOR == 8
#include "nix_compat_2_8.hh"
#elif RUS_NIX_GENERATION_MAJOR == 2 && (RUS_NIX_GENERATION_MINOR == 21 || RUS_NIX_GENERATION_MINOR == 28 || RUS_NIX_GENERATION_MINOR == 34)
#include "nix_compat_2_21.hh"
#else
#error "rust-unit-sources-nix: no branch for this Nix generation; known: 2.8, 2.21–2.27, 2.28–2.33, 2.34–2.35"
#endif

#if !defined(RUS_NIX_LIX)
// The same calls in every generation of Nix (2.8 to 2.35), on top of the branch's includes.
namespace rus_compat {

inline void parse_json(nix::EvalState & state, const std::string & json, nix::Value & v)
{
    nix::parseJSON(state, json, v);
}

inline void make_throw(nix::EvalState & state, nix::Value & target, const std::string & message)
{
    auto * text = state.allocValue();
#if RUS_NIX_AT_LEAST(2, 33)
    text->mkString(message, state.mem); // 2.33 on: strings are allocated in EvalMemory
#else
    text->mkString(message);
#endif
    target.mkApp(&state.getBuiltin("throw"), text);
}

} // namespace rus_compat
#endif
