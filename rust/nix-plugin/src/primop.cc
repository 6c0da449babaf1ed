// builtins.rustUnitSources: registers the primop, hands its argument to the shared Rust
// function (rust_unit_sources::call, through the bridge of src/lib.rs, which decodes it through
// Argument and scans), and turns the answer into a Nix value. No logic beyond that lives here;
// every Nix-version-specific detail lives in include/nix_compat.hh. Nix loads this file
// through the loader (rust/nix-plugin-loader), which first checks that the running Nix is the
// one named in `rus_built_for`.

#include "rust-unit-sources-nix/include/argument.hh"

#include "rust-unit-sources-nix/src/lib.rs.h"

#include <map>
#include <string>
#include <utility>

namespace rust_unit_sources {

ValueKind Argument::kind()
{
    rus_compat::force_value(state, value, pos);
    switch (value.type()) {
    case nix::nPath:
        return ValueKind::Path;
    case nix::nString:
        return ValueKind::String;
    case nix::nAttrs:
        attrs = rus_compat::attrs_of(state, value);
        return ValueKind::Attrs;
    case nix::nList:
        items = rus_compat::force_list(state, value, pos, "");
        return ValueKind::List;
    case nix::nNull:
        return ValueKind::Null;
    case nix::nBool:
        return ValueKind::Bool;
    default:
        return ValueKind::Other;
    }
}

rust::String Argument::type_name() const
{
    return rus_compat::show_type(value);
}

std::size_t Argument::attr_count() const
{
    return attrs.size();
}

rust::String Argument::attr_name(std::size_t index) const
{
    return attrs.at(index).first;
}

std::unique_ptr<Argument> Argument::attr_value(std::size_t index) const
{
    return std::make_unique<Argument>(state, pos, *attrs.at(index).second);
}

std::size_t Argument::item_count() const
{
    return items.size();
}

std::unique_ptr<Argument> Argument::item(std::size_t index) const
{
    return std::make_unique<Argument>(state, pos, *items.at(index));
}

bool Argument::boolean() const
{
    return rus_compat::force_bool(state, value, pos, "");
}

rust::String Argument::string(rust::Str what) const
{
    return rus_compat::force_string_no_ctx(state, value, pos, std::string(what));
}

rust::String Argument::source_path() const
{
    return rus_compat::realise_source_path(state, pos, value);
}

} // namespace rust_unit_sources

namespace {

// Each unit of the model `v` that the answer names as broken gets, as its `files`, a thunk
// that raises the unit's message when forced. The model, the other units and the unit's other
// attributes evaluate as before.
void raise_unit_errors_lazily(nix::EvalState & state, const rust_unit_sources::Answer & answer, nix::Value & v)
{
    if (answer.broken_ids.empty())
        return;
    std::map<std::string, std::string> messages;
    for (std::size_t i = 0; i < answer.broken_ids.size(); i++)
        messages.emplace(std::string(answer.broken_ids[i]), std::string(answer.broken_messages[i]));
    for (auto & [name, units] : rus_compat::attrs_of(state, v)) {
        if (name != "units")
            continue;
        for (auto & [id, unit] : rus_compat::attrs_of(state, *units)) {
            auto message = messages.find(id);
            if (message == messages.end())
                continue;
            for (auto & [field, value] : rus_compat::attrs_of(state, *unit))
                if (field == "files")
                    rus_compat::make_throw(state, *value, message->second);
        }
    }
}

void prim_rustUnitSources(nix::EvalState & state, rus_compat::PosArg pos, nix::Value ** args, nix::Value & v)
{
    rust_unit_sources::pending_nix_error = nullptr;
    rust_unit_sources::Answer answer;
    try {
        answer = rust_unit_sources::call(std::make_unique<rust_unit_sources::Argument>(state, pos, *args[0]));
    } catch (const rust::Error & e) {
        if (auto pending = std::exchange(rust_unit_sources::pending_nix_error, nullptr))
            std::rethrow_exception(pending);
        rus_compat::throw_error(state, pos, e.what());
    }
    rus_compat::parse_json(state, std::string(answer.json), v);
    raise_unit_errors_lazily(state, answer, v);
}

// At load (dlopen runs this initialiser). The name, argument and documentation are the shared
// crate's (rust-unit-sources-primop).
const std::string doc(rust_unit_sources::primop_doc());

[[maybe_unused]] const bool registered = (rus_compat::register_primop(std::string(rust_unit_sources::primop_name()).c_str(),
                                              {std::string(rust_unit_sources::primop_arg())}, doc.c_str(), prim_rustUnitSources),
    true);

} // namespace

// The Nix this file was built against, for the loader, which reads it from the file without
// loading it (the marker's text is the loader's `marker`). `retain`: kept by --gc-sections.
extern "C" [[gnu::used, gnu::retain]] const char rus_built_for[] = "rust-unit-sources-nix: built for Nix " RUS_NIX_VERSION;
