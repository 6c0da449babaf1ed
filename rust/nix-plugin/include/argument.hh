// rust_unit_sources::Argument: the primop's argument (or a value inside it) as the shared Rust
// decoder (crate rust-unit-sources-primop, trait Argument) asks for it, through the cxx bridge
// of src/lib.rs. Each method does one thing of the rus_compat API (nix_compat.hh); the decoding
// itself (which attributes, which types, every message) is Rust's.
//
// A Nix error thrown by a method that returns Result on the Rust side (forcing a thunk that
// throws, a path Nix denies, a string with a context) is kept as it is, in
// `pending_nix_error` (the trycatch below, which cxx uses for every such call), and Rust sees
// an error; the primop rethrows the kept exception once Rust has returned, so the evaluator's
// own error reaches Nix unchanged and no C++ exception ever crosses Rust frames.
#pragma once

#include "rust-unit-sources-nix/include/nix_compat.hh"

#include "rust/cxx.h"

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace rust_unit_sources {

// Defined by the bridge (src/lib.rs): the type of a forced value.
enum class ValueKind : std::uint8_t;

// The Nix exception the last failing method kept, for the primop to rethrow.
inline thread_local std::exception_ptr pending_nix_error;

class Argument {
public:
    Argument(nix::EvalState & state, rus_compat::PosArg pos, nix::Value & value)
        : state(state), pos(pos), value(value)
    {
    }

    // Forces the value; its type.
    ValueKind kind();
    // "an integer", "a list", …
    rust::String type_name() const;
    // A forced attribute set's attributes, in the evaluator's order (values unforced).
    std::size_t attr_count() const;
    rust::String attr_name(std::size_t index) const;
    std::unique_ptr<Argument> attr_value(std::size_t index) const;
    // A forced list's items (unforced).
    std::size_t item_count() const;
    std::unique_ptr<Argument> item(std::size_t index) const;
    // A forced Boolean's value.
    bool boolean() const;
    // A forced string's contents; Nix's error for a string with a context.
    rust::String string(rust::Str what) const;
    // The path the scan may read (rus_compat::realise_source_path: access checked).
    rust::String source_path() const;

private:
    nix::EvalState & state;
    rus_compat::PosArg pos;
    nix::Value & value;
    // Filled by kind() for a set or a list.
    std::vector<std::pair<std::string, nix::Value *>> attrs;
    std::vector<nix::Value *> items;
};

} // namespace rust_unit_sources

namespace rust::behavior {

// cxx's hook for the C++ calls whose Rust signature returns Result: keep the exception itself.
template <typename Try, typename Fail>
static void trycatch(Try && func, Fail && fail) noexcept
try {
    func();
} catch (...) {
    rust_unit_sources::pending_nix_error = std::current_exception();
    fail("a Nix error, rethrown by the primop");
}

} // namespace rust::behavior
